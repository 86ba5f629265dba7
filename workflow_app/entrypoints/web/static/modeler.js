// The BPMN modeler of a draft file (docs/workspace.md "Editing"): bpmn-js Modeler + a properties panel for
// this project's conventions. The panel is plain DOM beside the canvas; every edit goes through bpmn-js's
// modeling commands (updateProperties / updateModdleProperties), so undo/redo (the command stack) covers
// it and the diagram's XML is never edited by hand. A diagram without DI is laid out first.
import { layoutProcess } from "bpmn-auto-layout";
import { data, escapeHtml, renderProblems, setupSaving } from "editor-common";

const canvasEl = document.getElementById("canvas");
const panel = document.getElementById("props-panel");
const V = data.vocabulary;

// Task properties the engine evaluates as expressions (docs/deadlines.md: the statutory clock rules).
const CLOCKS = [["startClock", "启动法定时限"], ["stopClock", "停止法定时限"], ["suspendClock", "中止计时"],
                ["resumeClock", "恢复计时"], ["extendClock", "延长时限"]];
const TIMER_KINDS = [["timeDate", "到期时刻（日期表达式）"], ["timeDuration", "等待时长（ISO 8601 时长）"],
                     ["timeCycle", "循环（ISO 8601 重复）"]];
// A lane's candidate group: "名称 [body/role]", "[^body/role]" = the parent bureau (docs/workspace.md).
const GROUP = /\s*\[(\^?)([a-z_]+)\/([a-z_]+)\]\s*$/;

let modeler, modeling, moddle, canvas, registry, selection, overlays, saver;

function parseGroupName(name) {
  const text = name || "", m = GROUP.exec(text);
  return m ? {label: text.slice(0, m.index).trim(), parent: m[1] === "^", body: m[2], role: m[3]}
           : {label: text.trim(), parent: false, body: "", role: ""};
}

function groupName({label, parent, body, role}) {
  return body && role ? `${label} [${parent ? "^" : ""}${body}/${role}]`.trim() : label;
}

// -- moddle helpers ------------------------------------------------------------------------------------

const extValues = obj => (obj && obj.extensionElements && obj.extensionElements.values) || [];
const extOf = (obj, type) => extValues(obj).find(v => v.$type === type);

function update(element, target, props) {
  if (target === element.businessObject) modeling.updateProperties(element, props);
  else modeling.updateModdleProperties(element, target, props);
}

// Replace the extension element of ``type`` under ``target`` by ``node`` (null: remove it), keeping the others.
function setExtension(element, target, type, node) {
  const values = extValues(target).slice();
  const i = values.findIndex(v => v.$type === type);
  if (i >= 0) { if (node) values[i] = node; else values.splice(i, 1); } else if (node) values.push(node);
  update(element, target, {extensionElements: values.length ? moddle.create("bpmn:ExtensionElements", {values}) : undefined});
}

function setBodyExtension(element, target, type, text) {
  setExtension(element, target, type, text.trim() ? moddle.create(type, {value: text}) : null);
}

const taskProps = obj => ((extOf(obj, "spiffworkflow:Properties") || {}).properties || []);
const propValue = (obj, name) => ((taskProps(obj).find(p => p.name === name) || {}).value || "");

function setProp(element, name, value) {
  const list = taskProps(element.businessObject).map(p => ({name: p.name, value: p.value}));
  const i = list.findIndex(p => p.name === name);
  if (!value.trim()) { if (i >= 0) list.splice(i, 1); } else if (i >= 0) list[i].value = value; else list.push({name, value});
  const node = list.length ? moddle.create("spiffworkflow:Properties",
    {properties: list.map(p => moddle.create("spiffworkflow:Property", p))}) : null;
  setExtension(element, element.businessObject, "spiffworkflow:Properties", node);
}

function definitions() { return modeler.getDefinitions(); }
const processes = () => definitions().rootElements.filter(e => e.$type === "bpmn:Process");

function allLanes() {
  const out = [];
  const walk = set => (set && set.lanes || []).forEach(l => { out.push(l); walk(l.childLaneSet); });
  processes().forEach(p => (p.laneSets || []).forEach(walk));
  return out;
}

const laneOf = bo => allLanes().find(l => (l.flowNodeRef || []).includes(bo));
const rootElement = () => canvas.getRootElement();

function updateLane(lane, props) {
  const shape = registry.get(lane.id);
  if (shape) modeling.updateProperties(shape, props);
  else modeling.updateModdleProperties(rootElement(), lane, props);
}

function moveToLane(bo, laneId) {
  const from = laneOf(bo), to = allLanes().find(l => l.id === laneId);
  if (from === to) return;
  if (from) modeling.updateModdleProperties(rootElement(), from, {flowNodeRef: from.flowNodeRef.filter(x => x !== bo)});
  if (to) modeling.updateModdleProperties(rootElement(), to, {flowNodeRef: [...(to.flowNodeRef || []), bo]});
}

// The whole diagram in view, right of the tool palette (which floats over the canvas's left edge): a plain
// fit-viewport would hide the start of the process under it.
function fitBesidePalette() {
  canvas.zoom("fit-viewport", "auto");
  const {inner, outer} = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const palette = (canvasEl.querySelector(".djs-palette") || {offsetWidth: 0}).offsetWidth + 24;
  const scale = Math.min(1, (outer.width - palette - 16) / inner.width, (outer.height - 32) / inner.height);
  const width = outer.width / scale, height = outer.height / scale;
  canvas.viewbox({x: inner.x - palette / scale, y: inner.y + inner.height / 2 - height / 2, width, height});
}

// -- panel widgets ------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : v);
  }
  children.flat().forEach(c => c && node.append(c));
  return node;
}

function row(label, control, help) {
  const id = control.id || ("p-" + control.dataset.key.replace(/[^a-zA-Z0-9_-]/g, "_"));
  control.id = id;
  return el("div", {class: "prop-field"}, el("label", {for: id, text: label}), control,
            help ? el("div", {class: "help", text: help}) : null);
}

function text(key, value, commit, {multiline = false, rows = 3, placeholder = "", mono = false} = {}) {
  const node = el(multiline ? "textarea" : "input", {"data-key": key, rows: multiline ? rows : null,
    placeholder, class: mono ? "mono" : null, disabled: !data.editable, spellcheck: mono ? "false" : null});
  node.value = value || "";
  node.addEventListener("change", () => commit(node.value));
  return node;
}

function choice(key, value, options, commit, empty = "（未选择）") {
  const node = el("select", {"data-key": key, disabled: !data.editable});
  node.append(el("option", {value: "", text: empty}));
  let found = !value;
  for (const [v, l] of options) { node.append(el("option", {value: v, text: l})); found = found || v === value; }
  if (!found) node.append(el("option", {value, text: value + "（不存在）"}));
  node.value = value || "";
  node.addEventListener("change", () => commit(node.value));
  return node;
}

function check(key, value, commit) {
  const node = el("input", {type: "checkbox", "data-key": key, disabled: !data.editable});
  node.checked = !!value;
  node.addEventListener("change", () => commit(node.checked));
  return node;
}

const labelled = (pairs) => pairs.map(([v, l]) => [v, `${l}（${v}）`]);

function groupEditor(prefix, current, commit) {
  // current: {label, parent, body, role}; commit(newCurrent)
  const set = patch => commit({...current, ...patch});
  return el("div", {class: "group-editor"},
    row("机构", choice(prefix + ":body", current.body, labelled(V.bodies), v => set({body: v}), "（无办理组）")),
    row("角色", choice(prefix + ":role", current.role, labelled(V.roles), v => set({role: v}), "（无办理组）")),
    el("label", {class: "check"}, check(prefix + ":parent", current.parent, v => set({parent: v})), " 由上一级机构办理（[^…]）"));
}

function laneEditor(lane) {
  const g = parseGroupName(lane.name);
  const commit = next => updateLane(lane, {name: groupName(next)});
  const box = el("fieldset", {class: "lane-box", "data-lane": lane.id},
    el("legend", {text: "泳道 " + lane.id}),
    row("泳道名称", text(`lane:${lane.id}:label`, g.label, v => commit({...g, label: v.trim()}))),
    groupEditor(`lane:${lane.id}`, g, commit),
    el("div", {class: "help", text: g.body && g.role ? "写入泳道名称：" + groupName(g)
      : "未指定办理组：本泳道中的用户任务需要自己的办理组属性"}));
  return box;
}

// -- the panel for each kind of element -----------------------------------------------------------------

function header(element, kind) {
  const bo = element.businessObject;
  return [el("h3", {text: kind}), el("div", {class: "muted small", text: "ID：" + bo.id}),
          row("名称", text("name", bo.name, v => update(element, bo, {name: v || undefined})))];
}

function processPanel(element) {
  // A diagram with lanes is drawn as a pool (bpmn:Collaboration with one participant, docs/diagrams.md):
  // its process is the participant's; the process name is the one the engine and the lists show.
  const root = element.businessObject;
  const participant = root.$type === "bpmn:Collaboration" ? (root.participants || [])[0] : null;
  const bo = participant && participant.processRef ? participant.processRef : root;
  const setName = v => {
    update(element, bo, {name: v || undefined});
    if (participant) {
      const shape = registry.get(participant.id);
      if (shape) modeling.updateProperties(shape, {name: v || undefined});
    }
  };
  const lanes = allLanes();
  return [el("h3", {text: "流程"}), el("div", {class: "muted small", text: "ID：" + bo.id}),
    row("流程名称", text("name", bo.name, setName)),
    el("h4", {text: "泳道与办理组"}),
    lanes.length ? lanes.map(laneEditor) : el("p", {class: "muted", text: "本流程没有泳道：用户任务须各自设置办理组。"}),
    el("p", {class: "help", text: "选中图中的元素可编辑其属性。"})];
}

function userTaskPanel(element) {
  const bo = element.businessObject;
  const lane = laneOf(bo);
  const own = parseGroupName(propValue(bo, "candidateGroup") ? `[${propValue(bo, "candidateGroup")}]` : "");
  const setGroup = g => setProp(element, "candidateGroup", g.body && g.role ? `${g.parent ? "^" : ""}${g.body}/${g.role}` : "");
  const userTasks = registry.filter(e => e.type === "bpmn:UserTask" && e.id !== element.id)
    .map(e => [e.id, (e.businessObject.name || e.id) + "（" + e.id + "）"]);
  const expr = (name, label, help) => row(label, text("prop:" + name, propValue(bo, name), v => setProp(element, name, v),
    {mono: true}), help);
  return [...header(element, "用户任务"),
    row("所在泳道（办理组）", choice("lane", lane ? lane.id : "", allLanes().map(l => [l.id, l.name || l.id]),
      v => moveToLane(bo, v), "（不在泳道中）")),
    el("details", {class: "sub", open: !!propValue(bo, "candidateGroup") || !lane},
      el("summary", {text: "本任务自己的办理组（优先于泳道）"}), groupEditor("candidateGroup", own, setGroup)),
    row("表单", choice("prop:form", propValue(bo, "form"), V.forms.map(f => [f, f]), v => setProp(element, "form", v))),
    expr("priority", "优先级（表达式，缺省 50）", "例：80 if urgent else 50"),
    expr("dueDate", "办理期限（表达式）", "例：deadline('5WD', received_at)"),
    expr("summary", "待办摘要（表达式）", "例：'分理审查：' + employer_name"),
    row("与之同一承办人", choice("prop:sameAssigneeAs", propValue(bo, "sameAssigneeAs"), userTasks,
      v => setProp(element, "sameAssigneeAs", v), "（不要求）")),
    el("h4", {text: "法定时限"}),
    CLOCKS.map(([name, label]) => expr(name, label + "（表达式）")),
    el("p", {class: "help", text: "例：{'name': 'acceptance', 'label': '受理期限', 'rule': '5WD', 'start': received_at}；停止：'acceptance'"})];
}

function scriptTaskPanel(element) {
  const bo = element.businessObject;
  return [...header(element, "脚本任务"),
    row("脚本（Python，沙箱执行）", text("script", bo.script, v => update(element, bo, {script: v || undefined}),
      {multiline: true, rows: 14, mono: true}))];
}

function businessRulePanel(element) {
  const bo = element.businessObject;
  const value = (extOf(bo, "spiffworkflow:CalledDecisionId") || {}).value || "";
  return [...header(element, "业务规则任务"),
    row("决策表", choice("calledDecisionId", value.trim(), V.decisions.map(([id, name]) => [id, `${name}（${id}）`]),
      v => setBodyExtension(element, bo, "spiffworkflow:CalledDecisionId", v)))];
}

function flowPanel(element) {
  const bo = element.businessObject;
  const source = bo.sourceRef;
  const isDefault = source && source.default === bo;
  return [...header(element, "顺序流"),
    isDefault ? el("p", {class: "help", text: "这是网关的缺省流：其他条件都不满足时走此路。"}) : null,
    row("条件（表达式）", text("condition", bo.conditionExpression ? bo.conditionExpression.body : "",
      v => update(element, bo, {conditionExpression: v.trim()
        ? moddle.create("bpmn:FormalExpression", {body: v}) : undefined}), {multiline: true, rows: 2, mono: true}),
      "例：room_decision == 'joint_hearing'；留空为无条件")];
}

function timerRows(element, def) {
  const kind = TIMER_KINDS.find(([k]) => def[k]);
  const current = kind ? kind[0] : "timeDate";
  const value = kind ? def[current].body : "";
  const write = (k, v) => {
    const props = {timeDate: undefined, timeDuration: undefined, timeCycle: undefined};
    if (v.trim()) props[k] = moddle.create("bpmn:FormalExpression", {body: v});
    modeling.updateModdleProperties(element, def, props);
  };
  return [el("h4", {text: "定时"}),
    row("定时方式", choice("timer:kind", current, TIMER_KINDS, k => write(k || "timeDate", value), "（到期时刻）")),
    row("定时表达式", text("timer:value", value, v => write(current, v), {mono: true}),
      "例：due_at('5WD', received_at)、reminder_at('5WD', received_at, 1)、'P3D'")];
}

function messageRows(element, target, throwing) {
  const defs = definitions();
  const messages = defs.rootElements.filter(e => e.$type === "bpmn:Message");
  const current = target.messageRef;
  const pick = id => update(element, target, {messageRef: messages.find(m => m.id === id) || undefined});
  const create = name => {
    name = name.trim();
    if (!name) return;
    const existing = messages.find(m => m.name === name);
    if (existing) { pick(existing.id); return; }
    const msg = moddle.create("bpmn:Message", {id: "msg_" + name.replace(/[^A-Za-z0-9_]/g, "_") + "_" + Math.random().toString(36).slice(2, 6), name});
    msg.$parent = defs;
    modeling.updateModdleProperties(element, defs, {rootElements: [...defs.rootElements, msg]});
    update(element, target, {messageRef: msg});
  };
  const out = [el("h4", {text: "消息"}),
    row("消息名称", choice("message", current ? current.id : "", messages.map(m => [m.id, m.name || m.id]), pick)),
    row("新建消息（输入名称）", text("message:new", "", create, {placeholder: "例：transfer_answer"}))];
  if (throwing) {
    out.push(row("消息内容（表达式）", text("payload", (extOf(target, "spiffworkflow:MessagePayload") || {}).value || "",
      v => setBodyExtension(element, target, "spiffworkflow:MessagePayload", v), {multiline: true, rows: 5, mono: true}),
      "一个字典，例：{'to': case_number, 'answer': answer}。接收方由内容中的 to（案件编号或其他关联键）确定；没有 to 时消息只能启动新流程。"));
  } else {
    out.push(row("收到的内容存入变量", text("messageVariable", (extOf(target, "spiffworkflow:MessageVariable") || {}).value || "",
      v => setBodyExtension(element, target, "spiffworkflow:MessageVariable", v), {mono: true}),
      "等待方按消息名称和关联键匹配：关联键为流程变量 correlation_key，没有时为业务编号。"));
  }
  return out;
}

function eventPanel(element, kind) {
  const bo = element.businessObject;
  const out = header(element, kind);
  const throwing = /Throw|End/.test(bo.$type);
  for (const def of bo.eventDefinitions || []) {
    if (def.$type === "bpmn:TimerEventDefinition") out.push(...timerRows(element, def));
    if (def.$type === "bpmn:MessageEventDefinition") out.push(...messageRows(element, def, throwing));
  }
  return out;
}

const KIND_NAMES = {"bpmn:StartEvent": "开始事件", "bpmn:EndEvent": "结束事件", "bpmn:IntermediateThrowEvent": "中间抛出事件",
  "bpmn:IntermediateCatchEvent": "中间捕获事件", "bpmn:BoundaryEvent": "边界事件", "bpmn:ExclusiveGateway": "排他网关",
  "bpmn:InclusiveGateway": "包容网关", "bpmn:ParallelGateway": "并行网关", "bpmn:EventBasedGateway": "事件网关",
  "bpmn:CallActivity": "调用活动", "bpmn:SubProcess": "子流程", "bpmn:Task": "任务", "bpmn:ManualTask": "人工任务",
  "bpmn:SendTask": "发送任务", "bpmn:ReceiveTask": "接收任务", "bpmn:ServiceTask": "服务任务", "bpmn:Lane": "泳道",
  "bpmn:Participant": "参与者"};

function panelFor(element) {
  const type = element.businessObject.$type;
  if (element === rootElement() || type === "bpmn:Process" || type === "bpmn:Collaboration") return processPanel(element);
  if (type === "bpmn:Lane") return [el("h3", {text: "泳道"}), laneEditor(element.businessObject)];
  if (type === "bpmn:UserTask") return userTaskPanel(element);
  if (type === "bpmn:ScriptTask") return scriptTaskPanel(element);
  if (type === "bpmn:BusinessRuleTask") return businessRulePanel(element);
  if (type === "bpmn:SequenceFlow") return flowPanel(element);
  if (type === "bpmn:SendTask") return [...header(element, "发送任务"), ...messageRows(element, element.businessObject, true)];
  if (type === "bpmn:ReceiveTask") return [...header(element, "接收任务"), ...messageRows(element, element.businessObject, false)];
  if (/Event$/.test(type)) return eventPanel(element, KIND_NAMES[type] || type);
  if (type === "bpmn:CallActivity") {
    const bo = element.businessObject;
    return [...header(element, "调用活动"), row("被调用的流程 ID", text("calledElement", bo.calledElement,
      v => update(element, bo, {calledElement: v || undefined}), {mono: true}))];
  }
  if (element.type === "label") return panelFor(element.labelTarget);
  return header(element, KIND_NAMES[type] || type.replace("bpmn:", ""));
}

let shown = null;
function renderPanel() {
  const picked = selection.get();
  const element = picked.length === 1 ? picked[0] : rootElement();
  shown = element;
  const focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  panel.replaceChildren(...panelFor(element).flat().filter(Boolean));
  panel.dataset.element = element.businessObject.id;
  if (focused) { const again = panel.querySelector(`[data-key="${CSS.escape(focused)}"]`); if (again) again.focus(); }
}

// -- problems on the diagram -----------------------------------------------------------------------------

let marked = [];
function showProblems(problems) {
  marked.forEach(id => registry.get(id) && canvas.removeMarker(id, "has-problem"));
  overlays.remove({type: "problem"});
  marked = [];
  const mine = renderProblems(problems, {onSelect: selectById});
  for (const p of mine) {
    if (!p.element || !registry.get(p.element)) continue;
    canvas.addMarker(p.element, "has-problem");
    marked.push(p.element);
    overlays.add(p.element, "problem", {position: {top: -24, left: 0},
      html: `<div class="problem-overlay" title="${escapeHtml(p.message_zh)}">${escapeHtml(p.message_zh)}</div>`});
  }
  canvasEl.dataset.problems = marked.join(" ");
}

function selectById(id) {
  const element = registry.get(id);
  if (element) { selection.select(element); canvas.scrollToElement(element); return; }
  selection.select([]);  // a lane without a shape: the process panel lists it
  const box = panel.querySelector(`[data-lane="${CSS.escape(id)}"]`);
  if (box) { box.scrollIntoView({block: "nearest"}); box.classList.add("flash-focus"); }
}

// SpiffWorkflow reads a multi-instance's loopDataInputRef / loopDataOutputRef as variable names, not as ids
// of data elements; moddle drops a reference it cannot resolve, so they are put back from the file's text
// as stand-ins that serialize to the same name (docs/workspace.md "Editing").
const BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL";
function restoreLoopReferences(originalXml) {
  const doc = new DOMParser().parseFromString(originalXml, "application/xml");
  const byId = {};
  const walk = obj => {
    if (!obj || typeof obj !== "object" || !obj.$type) return;
    if (obj.id) byId[obj.id] = obj;
    for (const key of ["rootElements", "flowElements", "participants"]) (obj[key] || []).forEach(walk);
  };
  walk(definitions());
  for (const [tag, type] of [["loopDataInputRef", "bpmn:DataInput"], ["loopDataOutputRef", "bpmn:DataOutput"]]) {
    for (const node of Array.from(doc.getElementsByTagNameNS(BPMN_NS, tag))) {
      const activity = node.parentNode && node.parentNode.parentNode;
      const bo = activity && byId[activity.getAttribute("id")];
      const loop = bo && bo.loopCharacteristics, name = node.textContent.trim();
      if (loop && name && !loop.get(tag)) loop.set(tag, moddle.create(type, {id: name}));
    }
  }
}

// -- start ---------------------------------------------------------------------------------------------

async function start() {
  const spiff = await (await fetch(canvasEl.dataset.moddle)).json();
  const hasDi = /<([a-zA-Z0-9_]+:)?BPMNShape\b/.test(data.content);
  const xml = hasDi ? data.content : await layoutProcess(data.content);
  modeler = new BpmnJS({container: canvasEl, moddleExtensions: {spiffworkflow: spiff}});
  const {warnings} = await modeler.importXML(xml);
  if (warnings.length) console.warn("import warnings", warnings);
  [modeling, moddle, canvas, registry, selection, overlays] =
    ["modeling", "moddle", "canvas", "elementRegistry", "selection", "overlays"].map(s => modeler.get(s));
  restoreLoopReferences(data.content);
  fitBesidePalette();
  saver = setupSaving({
    getContent: async () => (await modeler.saveXML({format: true})).xml,
    onSaved: body => showProblems(body.problems)});
  if (!hasDi && data.editable) {
    document.getElementById("save-state").textContent = "流程图原无布局，已自动排布（保存后写入文件）";
  }
  const eventBus = modeler.get("eventBus");
  eventBus.on("selection.changed", renderPanel);
  eventBus.on("commandStack.changed", () => { saver.markDirty(); renderPanel(); });
  renderPanel();
  showProblems(data.problems);
  window.caseflowModeler = modeler;  // for the browser tests and the console
  canvasEl.dataset.state = "ready";
}

start().catch(err => {
  canvasEl.dataset.state = "error";
  canvasEl.textContent = "流程图加载失败：" + err.message;
  console.error(err);
});
