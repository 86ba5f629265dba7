// The workspace's diagrams (docs/workspace.md "Comparing versions"): a version read-only, and two versions
// side by side with the differences coloured — added green (on the new diagram), removed red (on the old),
// changed orange (on both); clicking a coloured element shows what changed. Diagrams without their drawing
// (BPMN DI) are laid out by bpmn-auto-layout first, as on the case page.
import { layoutProcess } from "bpmn-auto-layout";

async function load(url) {
  const answer = await fetch(url, {credentials: "same-origin"});
  if (!answer.ok) throw new Error("HTTP " + answer.status);
  const xml = await answer.text();
  return xml.includes("BPMNShape") ? xml : await layoutProcess(xml);
}

async function show(container, url) {
  if (!url) { container.dataset.state = "empty"; container.textContent = "—"; return null; }
  const viewer = new BpmnJS({container});
  await viewer.importXML(await load(url));
  viewer.get("canvas").zoom("fit-viewport", "auto");
  return viewer;
}

function esc(text) {
  return String(text ?? "—").replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
}

function describe(element) {
  const words = {added: "新增", removed: "删除", changed: "修改"};
  const head = `<b>${esc(element.name || element.id)}</b> <code>${esc(element.id)}</code>：${words[element.status]}`;
  if (!element.changes.length) return head;
  return head + element.changes.map(c => `<div class="change"><b>${esc(c.what)}</b>：<del>${esc(c.old)}</del> → <ins>${esc(c.new)}</ins></div>`).join("");
}

function mark(viewer, container, elements, side, detail) {
  if (!viewer) return;
  const canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
  const marked = [];
  for (const element of elements) {
    if (side === "a" && element.status === "added") continue;
    if (side === "b" && element.status === "removed") continue;
    if (!registry.get(element.id)) continue;
    canvas.addMarker(element.id, "diff-" + element.status);
    marked.push(element.id);
  }
  const byId = Object.fromEntries(elements.map(e => [e.id, e]));
  viewer.get("eventBus").on("element.click", event => {
    const element = byId[event.element.id];
    if (element) detail.innerHTML = describe(element);
  });
  container.dataset.marked = marked.join(" ");
}

async function diffBlock(block) {
  const elements = JSON.parse(block.querySelector(".diff-data").textContent);
  const detail = block.querySelector(".change-detail");
  for (const side of ["a", "b"]) {
    const container = block.querySelector(".diagram." + side);
    try {
      const viewer = await show(container, block.dataset[side]);
      mark(viewer, container, elements, side, detail);
      if (viewer) container.dataset.state = "ready";
    } catch (err) {
      container.dataset.state = "error";
      container.textContent = "流程图加载失败：" + err.message;
      console.error(err);
    }
  }
}

document.querySelectorAll(".bpmn-diff").forEach(diffBlock);
const single = document.getElementById("diagram-b");
if (single && single.dataset.src) {
  show(single, single.dataset.src).then(() => { single.dataset.state = "ready"; }).catch(err => {
    single.dataset.state = "error";
    single.textContent = "流程图加载失败：" + err.message;
  });
}
