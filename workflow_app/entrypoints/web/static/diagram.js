// The case's BPMN diagram: bpmn-js viewer; diagrams without DI are laid out by bpmn-auto-layout first;
// completed elements and active tasks are highlighted from /cases/<id>/diagram.json.
import { layoutProcess } from "bpmn-auto-layout";

const el = document.getElementById("diagram");

async function show() {
  const answer = await fetch(el.dataset.src, {credentials: "same-origin", headers: {"Accept": "application/json"}});
  if (!answer.ok) throw new Error("diagram " + answer.status);
  const doc = await answer.json();
  const xml = doc.has_di ? doc.xml : await layoutProcess(doc.xml);
  const viewer = new BpmnJS({container: el});
  await viewer.importXML(xml);
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  const completed = [], active = [];
  for (const [id, state] of Object.entries(doc.elements)) {
    if (!registry.get(id)) continue;
    canvas.addMarker(id, state === "active" ? "highlight-active" : "highlight-completed");
    (state === "active" ? active : completed).push(id);
    if (state === "active") {
      const task = doc.open_tasks[id];
      overlays.add(id, {position: {top: -18, left: 0},
        html: '<div class="active-overlay">' + (task && task.assignee ? "办理中·" + task.assignee : "待办") + "</div>"});
    }
  }
  // Sequence flows between two completed elements (or into an active one) are part of the path taken.
  registry.filter(e => e.type === "bpmn:SequenceFlow").forEach(flow => {
    const s = doc.elements[flow.businessObject.sourceRef.id], t = doc.elements[flow.businessObject.targetRef.id];
    if (s === "completed" && (t === "completed" || t === "active")) canvas.addMarker(flow.id, "highlight-completed");
  });
  canvas.zoom("fit-viewport", "auto");
  el.dataset.state = "ready";
  el.dataset.active = active.join(" ");
  el.dataset.completed = completed.join(" ");
}

show().catch(err => {
  el.dataset.state = "error";
  el.textContent = "流程图加载失败：" + err.message;
  console.error(err);
});
