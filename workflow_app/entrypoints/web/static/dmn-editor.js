// The decision-table editor of a draft file (docs/workspace.md "Editing"): dmn-js Modeler opened on the
// file's decision tables (one tab per decision, and one for the decision requirements diagram when the file
// draws one: the library's files do, docs/diagrams.md); saved like every draft file; the draft's problems
// listed above, their cells highlighted.
import { data, renderProblems, setupSaving } from "editor-common";
import { translateModule } from "./dmn-zh.js";

const container = document.getElementById("dmn");
const tabs = document.getElementById("dmn-views");
let modeler, problems = data.problems;

function highlight() {
  container.querySelectorAll(".has-problem").forEach(n => n.classList.remove("has-problem"));
  const mine = renderProblems(problems, {onSelect: id => {
    const view = modeler.getViews().find(v => v.element.id === id || contains(v.element, id));
    if (view && view !== modeler.getActiveView()) modeler.open(view).then(() => { tabsFor(); highlight(); focusCell(id); });
    else focusCell(id);
  }});
  for (const p of mine) {
    if (!p.element) continue;
    container.querySelectorAll(`[data-element-id="${CSS.escape(p.element)}"], [data-row-id="${CSS.escape(p.element)}"]`)
      .forEach(n => n.classList.add("has-problem"));
  }
}

// Whether ``id`` is the decision's table, one of its inputs, outputs, rules or cells.
function contains(decision, id) {
  const t = decision.decisionLogic;
  if (!t) return false;
  const ids = [t.id, ...(t.input || []).flatMap(i => [i.id, i.inputExpression && i.inputExpression.id]),
    ...(t.output || []).map(o => o.id),
    ...(t.rule || []).flatMap(r => [r.id, ...(r.inputEntry || []).map(e => e.id), ...(r.outputEntry || []).map(e => e.id)])];
  return ids.includes(id);
}

function focusCell(id) {
  const node = container.querySelector(`[data-element-id="${CSS.escape(id)}"], [data-row-id="${CSS.escape(id)}"]`);
  if (node) { node.scrollIntoView({block: "center"}); node.classList.add("flash-focus"); }
}

function tabsFor() {
  const active = modeler.getActiveView();
  const views = modeler.getViews();
  const drawn = /<([A-Za-z0-9_]+:)?DMNShape\b/.test(data.content);  // a DRD without shapes shows nothing
  const drd = drawn ? views.filter(v => v.type === "drd") : [];
  tabs.replaceChildren(...[...views.filter(v => v.type !== "drd"), ...drd].map(view => {
    const b = document.createElement("button");
    b.type = "button"; b.className = "tab" + (view === active ? " on" : "");
    b.setAttribute("role", "tab"); b.setAttribute("aria-selected", String(view === active));
    b.textContent = view.type === "drd" ? "决策关系图" : (view.element.name || view.element.id);
    b.dataset.view = view.element.id;
    b.addEventListener("click", () => modeler.open(view).then(() => {
      if (view.type === "drd") modeler.getActiveViewer().get("canvas").zoom("fit-viewport", "auto");
      tabsFor(); bindChanges(); highlight();
    }));
    return b;
  }));
}

let saver;
function bindChanges() {
  const viewer = modeler.getActiveViewer();
  if (!viewer || viewer.__caseflowBound) return;
  viewer.__caseflowBound = true;
  viewer.get("eventBus").on("elements.changed", () => { saver.markDirty(); setTimeout(highlight, 0); });
}

async function start() {
  const chinese = document.documentElement.lang.startsWith("zh");
  // per view: dmn-js replaces the `common` options' additionalModules with each view's own list
  const words = {additionalModules: [translateModule(chinese)]};
  modeler = new DmnJS({container, drd: words, decisionTable: words, literalExpression: words});
  await modeler.importXML(data.content);
  const first = modeler.getViews().find(v => v.type === "decisionTable") || modeler.getViews().find(v => v.type !== "drd");
  if (first) await modeler.open(first);
  saver = setupSaving({
    getContent: async () => (await modeler.saveXML({format: true})).xml,
    onSaved: body => { problems = body.problems; highlight(); }});
  tabsFor();
  bindChanges();
  highlight();
  window.caseflowDmn = modeler;
  container.dataset.state = "ready";
}

start().catch(err => {
  container.dataset.state = "error";
  container.textContent = "决策表加载失败：" + err.message;
  console.error(err);
});
