// The live view of a process version: the bpmn-js viewer with, on each element, the number of instances
// there (open tasks, waiting timers and message waits), overdue tasks and incidents, from
// /processes/<key>/live.json; clicking an element lists its instances under the diagram (an htmx fragment).
// Diagrams without DI are laid out by bpmn-auto-layout first, as on the case page.
import { layoutProcess } from "bpmn-auto-layout";

const el = document.getElementById("live-diagram");
const list = document.getElementById("at-element");

function chip(cls, n, title) {
  return n ? `<span class="chip ${cls}" title="${title}">${n}</span>` : "";
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
  const shown = [];
  for (const [id, n] of Object.entries(doc.elements)) {
    if (!registry.get(id)) continue;
    const waits = n.timers + n.messages;
    const html = chip("tasks", n.tasks, "待办任务") + chip("overdue", n.overdue, "超期") +
      chip("waits", waits, "等待定时器或消息") + chip("incidents", n.incidents, "故障");
    if (!html) continue;
    overlays.add(id, {position: {bottom: 8, left: -8}, html: `<div class="live-counts" data-element="${id}">${html}</div>`});
    canvas.addMarker(id, n.incidents ? "live-incident" : (n.overdue ? "live-overdue" : "live-active"));
    shown.push(`${id}:${n.tasks}:${n.overdue}:${waits}:${n.incidents}`);
  }
  viewer.get("eventBus").on("element.click", event => {
    const element = event.element;
    if (!element || element.type === "bpmn:Process" || element.type === "label" || element.type.endsWith("Flow")) return;
    if (el.dataset.selected && registry.get(el.dataset.selected)) canvas.removeMarker(el.dataset.selected, "live-selected");
    canvas.addMarker(element.id, "live-selected");
    el.dataset.selected = element.id;
    const url = el.dataset.elementsUrl.replace("__EL__", encodeURIComponent(element.id)) +
      "&name=" + encodeURIComponent(element.businessObject.name || element.id);
    htmx.ajax("GET", url, {target: list, swap: "innerHTML"});
  });
  canvas.zoom("fit-viewport", "auto");
  el.dataset.state = "ready";
  el.dataset.counts = shown.join(" ");
}

show().catch(err => {
  el.dataset.state = "error";
  el.textContent = "流程图加载失败：" + err.message;
  console.error(err);
});
