// The case's BPMN diagram in the bpmn-js viewer (docs/diagrams.md "On the case page").
// A diagram with its drawing (BPMN DI: every library diagram) is shown as drawn, lanes included; only an
// uploaded diagram without DI is laid out by bpmn-auto-layout first (no lanes then).
// Completed elements and active tasks are highlighted from /cases/<id>/diagram.json.
import { layoutProcess } from "bpmn-auto-layout";

const el = document.getElementById("diagram");
const card = el.closest(".diagram-card");
// Below this scale the labels (11-12 px) can no longer be read: the view then keeps this scale, as tall as
// the pool allows, centred on the current step, and "全图" shows the whole diagram.
const READABLE = 0.6;

function frame(canvas, focus) {
  canvas.zoom("fit-viewport", "auto");
  if (canvas.zoom() >= READABLE) return "fit";
  const inner = canvas.viewbox().inner;
  const size = {width: el.clientWidth / READABLE, height: el.clientHeight / READABLE};
  const centre = focus || {x: inner.x + size.width / 2, y: inner.y + size.height / 2};
  // The whole pool height when it fits, else the band of the current step (a third from the top).
  const y = size.height >= inner.height ? inner.y + inner.height / 2 - size.height / 2
    : Math.min(Math.max(inner.y - 20, centre.y - size.height / 3), inner.y + inner.height + 20 - size.height);
  canvas.viewbox({x: Math.max(inner.x - 20, centre.x - size.width / 2), y, ...size});
  return "readable";
}

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
    // Waiting boundary events (timers) are coloured, the badge is for the tasks themselves.
    if (state === "active" && registry.get(id).type !== "bpmn:BoundaryEvent") {
      const task = doc.open_tasks[id];
      overlays.add(id, {position: {top: -18, left: 0},
        html: '<div class="active-overlay">' + (task && task.assignee ? el.dataset.busy + "·" + task.assignee : el.dataset.waiting) + "</div>"});
    }
  }
  // Sequence flows between two completed elements (or into an active one) are part of the path taken.
  registry.filter(e => e.type === "bpmn:SequenceFlow").forEach(flow => {
    const s = doc.elements[flow.businessObject.sourceRef.id], t = doc.elements[flow.businessObject.targetRef.id];
    if (s === "completed" && (t === "completed" || t === "active")) canvas.addMarker(flow.id, "highlight-completed");
  });
  // A wide or tall drawing takes the card's full width and as much height as its pool needs (at most 75 %
  // of the window); the view is then fitted, or kept readable around the current step.
  const inner = canvas.viewbox().inner;
  if (inner.width / Math.max(inner.height, 1) > 2.2 || inner.height > 700) card.classList.add("wide");
  el.style.height = Math.round(Math.min(window.innerHeight * 0.75, Math.max(380, inner.height * READABLE + 40))) + "px";
  canvas.resized();
  const current = (active.length ? active : completed.slice(-1)).map(id => registry.get(id));
  const focus = current.length ? {x: current[0].x + current[0].width / 2, y: current[0].y + current[0].height / 2} : null;
  el.dataset.view = frame(canvas, focus);
  const tools = document.getElementById("diagram-tools");
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", event => {
      const action = event.target.dataset.zoom;
      if (action === "in") canvas.zoom(canvas.zoom() * 1.25);
      else if (action === "out") canvas.zoom(canvas.zoom() / 1.25);
      else if (action === "fit") canvas.zoom("fit-viewport", "auto");
      else if (action === "current") el.dataset.view = frame(canvas, focus);
    });
  }
  el.dataset.state = "ready";
  el.dataset.active = active.join(" ");
  el.dataset.completed = completed.join(" ");
}

show().catch(err => {
  el.dataset.state = "error";
  el.textContent = el.dataset.failed + err.message;
  console.error(err);
});
