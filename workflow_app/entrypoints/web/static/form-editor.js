// The form editor of a draft file (docs/workspace.md "Editing"): the field list edits the form's JSON
// ({"schema": JSON Schema, "ui": hints}); the raw JSON tab edits the same text; the preview beside it is
// drawn by the server with the task page's own renderer. Invalid JSON → a Chinese error, nothing saved.
import { data, renderProblems, setupSaving } from "editor-common";

const $ = id => document.getElementById(id);
const rawOnly = $("form-editor").dataset.rawOnly === "true";
const raw = $("raw-json"), errorBox = $("form-error"), preview = $("form-preview"), rows = $("field-rows");
const TYPES = [["string", "文本"], ["integer", "整数"], ["number", "数字"], ["boolean", "是/否"], ["array", "多项"], ["object", "对象"]];
const WIDGETS = [["", "自动"], ["text", "单行文本"], ["textarea", "多行文本"], ["select", "下拉选择"], ["radio", "单选"],
  ["checkboxes", "多选"], ["date", "日期"], ["datetime", "日期时间"], ["number", "数字"], ["amount", "金额（元）"],
  ["list", "列表"], ["table", "表格"], ["user", "人员选择"], ["group", "办理组选择"], ["files", "附件"]];

let form = null, rawValid = true;

function parse(text) {
  let value;
  try { value = JSON.parse(text); } catch (err) { throw new Error("JSON 格式错误：" + err.message); }
  // a definition test file (raw view only) is checked by the server's validation, not as a form
  if (rawOnly) {
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("测试文件必须是一个 JSON 对象");
    return value;
  }
  if (!value || typeof value !== "object" || Array.isArray(value) || !value.schema || typeof value.schema !== "object")
    throw new Error("表单必须是一个含 schema 对象的 JSON 对象");
  return value;
}

function showError(message) { errorBox.textContent = message || ""; errorBox.hidden = !message; }

const ui = () => (form.ui = form.ui || {});
const uiMap = name => (ui()[name] = ui()[name] || {});
const props = () => (form.schema.properties = form.schema.properties || {});
const required = () => (form.schema.required = form.schema.required || []);

function order() {
  const p = props(), listed = (ui().order || []).filter(k => k in p);
  return [...listed, ...Object.keys(p).filter(k => !listed.includes(k))];
}

function setOrder(keys) {
  const p = props(), rebuilt = {};
  keys.forEach(k => { rebuilt[k] = p[k]; });
  form.schema.properties = rebuilt;
  ui().order = keys;
}

function clean() {
  for (const name of ["labels", "widgets", "help", "enumLabels"]) {
    if (form.ui && form.ui[name] && !Object.keys(form.ui[name]).length) delete form.ui[name];
  }
  if (form.schema.required && !form.schema.required.length) delete form.schema.required;
}

function rename(oldKey, newKey) {
  newKey = newKey.trim();
  if (!newKey || newKey === oldKey) return;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(newKey)) { showError("字段名只能由字母、数字、下划线组成，且以字母开头：" + newKey); return; }
  if (newKey in props()) { showError("已有同名字段：" + newKey); return; }
  const keys = order().map(k => (k === oldKey ? newKey : k));
  props()[newKey] = props()[oldKey];
  delete props()[oldKey];
  form.schema.required = required().map(k => (k === oldKey ? newKey : k));
  const move = map => { if (map && oldKey in map) { map[newKey] = map[oldKey]; delete map[oldKey]; } };
  ["labels", "widgets", "help", "enumLabels"].forEach(n => move(form.ui && form.ui[n]));
  Object.values((form.ui && form.ui.translations) || {}).forEach(t => ["labels", "help", "enumLabels"].forEach(n => move(t[n])));
  setOrder(keys);
}

const isComplex = p => p.type === "object" || (p.type === "array" && p.items && p.items.type === "object");

function enumText(key, p) {
  const values = (p.type === "array" ? (p.items || {}).enum : p.enum) || [];
  const labels = (form.ui && form.ui.enumLabels && form.ui.enumLabels[key]) || {};
  return values.map(v => (labels[String(v)] ? `${v}=${labels[String(v)]}` : String(v))).join("\n");
}

function setEnum(key, p, text) {
  const lines = text.split("\n").map(l => l.trim()).filter(Boolean);
  const numeric = p.type === "integer" || p.type === "number";
  const values = [], labels = {};
  for (const line of lines) {
    const at = line.indexOf("=");
    const v = (at >= 0 ? line.slice(0, at) : line).trim(), l = at >= 0 ? line.slice(at + 1).trim() : "";
    values.push(numeric && v !== "" && !isNaN(Number(v)) ? Number(v) : v);
    if (l) labels[v] = l;
  }
  const target = p.type === "array" ? (p.items = p.items || {type: "string"}) : p;
  if (values.length) target.enum = values; else delete target.enum;
  if (Object.keys(labels).length) uiMap("enumLabels")[key] = labels; else if (form.ui && form.ui.enumLabels) delete form.ui.enumLabels[key];
}

function setWidget(key, p, widget) {
  if (widget) uiMap("widgets")[key] = widget; else if (form.ui && form.ui.widgets) delete form.ui.widgets[key];
  if (widget === "date") p.format = "date";
  else if (widget === "datetime") p.format = "date-time";
  else if (p.format === "date" || p.format === "date-time") delete p.format;
}

function setType(p, type) {
  p.type = type;
  if (type === "array") p.items = p.items || {type: "string"}; else delete p.items;
  if (type === "object") p.properties = p.properties || {}; else delete p.properties;
  if (type !== "string") { delete p.format; delete p.maxLength; delete p.minLength; }
}

function changed() {
  clean();
  raw.value = JSON.stringify(form, null, 2);
  rawValid = true;
  showError("");
  saver.markDirty();
  renderRows();
  schedulePreview();
}

function cell(node) { const td = document.createElement("td"); td.append(node); return td; }

function control(tag, attrs, value, onCommit, event = "change") {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (tag === "select") (attrs._options || []).forEach(([v, l]) => node.append(new Option(l, v)));
  if (attrs.type === "checkbox") node.checked = !!value; else node.value = value ?? "";
  node.removeAttribute("_options");
  node.disabled = !data.editable;
  node.addEventListener(event, () => onCommit(attrs.type === "checkbox" ? node.checked : node.value));
  return node;
}

function renderRows() {
  if (rawOnly) return;
  const focused = document.activeElement && rows.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  const keys = order();
  rows.replaceChildren(...keys.map((key, index) => {
    const p = props()[key] || {};
    const tr = document.createElement("tr");
    tr.dataset.field = key;
    const k = name => `${index}:${name}`;
    tr.append(
      cell(control("input", {"data-key": k("key"), "aria-label": "字段名", class: "mono"}, key, v => { rename(key, v); changed(); })),
      cell(control("input", {"data-key": k("label"), "aria-label": "标签"}, (form.ui && form.ui.labels && form.ui.labels[key]) || p.title || "",
        v => { if (v.trim()) { uiMap("labels")[key] = v.trim(); p.title = v.trim(); } else { delete uiMap("labels")[key]; delete p.title; } changed(); })));
    if (isComplex(p)) {
      const td = document.createElement("td");
      td.colSpan = 2; td.className = "muted small";
      td.textContent = p.type === "object" ? "对象（请在 JSON 原文中编辑其字段）" : "表格（请在 JSON 原文中编辑其列）";
      tr.append(td);
    } else {
      tr.append(
        cell(control("select", {"data-key": k("type"), "aria-label": "类型", _options: TYPES}, Array.isArray(p.type) ? p.type[0] : (p.type || "string"),
          v => { setType(p, v); changed(); })),
        cell(control("select", {"data-key": k("widget"), "aria-label": "控件", _options: WIDGETS}, (form.ui && form.ui.widgets && form.ui.widgets[key]) || "",
          v => { setWidget(key, p, v); changed(); })));
    }
    tr.append(
      cell(control("input", {"data-key": k("required"), type: "checkbox", "aria-label": "必填"}, required().includes(key),
        v => { form.schema.required = v ? [...required().filter(x => x !== key), key] : required().filter(x => x !== key); changed(); })),
      cell(isComplex(p) || p.type === "boolean" ? document.createTextNode("")
        : control("textarea", {"data-key": k("enum"), rows: "2", "aria-label": "可选值"}, enumText(key, p), v => { setEnum(key, p, v); changed(); })),
      cell(control("input", {"data-key": k("help"), "aria-label": "填写说明"}, (form.ui && form.ui.help && form.ui.help[key]) || "",
        v => { if (v.trim()) uiMap("help")[key] = v.trim(); else delete uiMap("help")[key]; changed(); })));
    const actions = document.createElement("td");
    actions.className = "row-actions";
    const button = (label, title, fn, disabled) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = label; b.title = title; b.setAttribute("aria-label", title + " " + key);
      b.disabled = disabled || !data.editable; b.addEventListener("click", fn); actions.append(b);
    };
    button("↑", "上移", () => { const o = order(); [o[index - 1], o[index]] = [o[index], o[index - 1]]; setOrder(o); changed(); }, index === 0);
    button("↓", "下移", () => { const o = order(); [o[index + 1], o[index]] = [o[index], o[index + 1]]; setOrder(o); changed(); }, index === keys.length - 1);
    button("删除", "删除字段", () => {
      delete props()[key];
      form.schema.required = required().filter(x => x !== key);
      ["labels", "widgets", "help", "enumLabels"].forEach(n => form.ui && form.ui[n] && delete form.ui[n][key]);
      setOrder(order().filter(x => x !== key)); changed();
    });
    tr.append(actions);
    return tr;
  }));
  if (focused) { const again = rows.querySelector(`[data-key="${CSS.escape(focused)}"]`); if (again) again.focus(); }
}

// -- preview (server-rendered, debounced) -----------------------------------------------------------------

let timer = null, asked = 0;
function schedulePreview() {
  if (rawOnly) return;
  clearTimeout(timer);
  timer = setTimeout(renderPreview, 300);
}

async function renderPreview() {
  const mine = ++asked;
  const answer = await fetch(data.preview_url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": data.csrf},
    body: JSON.stringify({content: raw.value, filename: data.filename})});
  if (mine !== asked) return;  // a newer preview is on its way
  if (answer.ok) { preview.innerHTML = await answer.text(); preview.dataset.state = "ready"; showError(""); }
  else {
    const body = await answer.json().catch(() => ({}));
    preview.dataset.state = "error";
    showError(body.title || ("预览失败（" + answer.status + "）"));
  }
  preview.dataset.rendered = String(mine);
}

// -- tabs, raw JSON --------------------------------------------------------------------------------------

function showTab(name) {
  if (name === "fields" && !rawValid) { showError("JSON 原文有误，请先改正再切换到字段列表"); return; }
  document.querySelectorAll(".tabs .tab").forEach(t => { const on = t.id === "tab-" + name; t.classList.toggle("on", on); t.setAttribute("aria-selected", String(on)); });
  if ($("fields-pane")) $("fields-pane").hidden = name !== "fields";
  $("raw-pane").hidden = name !== "raw";
  if (name === "fields") renderRows();
}

raw.addEventListener("input", () => {
  saver.markDirty();
  try { form = parse(raw.value); rawValid = true; showError(""); schedulePreview(); }
  catch (err) { rawValid = false; showError(err.message); }
});

const saver = setupSaving({
  getContent: async () => {
    if (!rawValid) throw new Error("JSON 原文有误，未保存：" + errorBox.textContent);
    return raw.value;
  },
  onSaved: body => renderProblems(body.problems)});
renderProblems(data.problems);

raw.value = data.content;
raw.readOnly = !data.editable;
try { form = parse(data.content); } catch (err) { rawValid = false; showError(err.message); if (!rawOnly) showTab("raw"); }
if (!rawOnly) {
  $("tab-fields").addEventListener("click", () => showTab("fields"));
  $("add-field").addEventListener("click", () => {
    let n = order().length + 1;
    while (("field_" + n) in props()) n++;
    props()["field_" + n] = {type: "string", title: "新字段"};
    uiMap("labels")["field_" + n] = "新字段";
    setOrder([...order().filter(k => k !== "field_" + n), "field_" + n]);
    changed();
    const inputs = rows.querySelectorAll("tr:last-child input");
    if (inputs[1]) inputs[1].focus();
  });
  if (form) { renderRows(); renderPreview(); }
}
$("tab-raw").addEventListener("click", () => showTab("raw"));
document.getElementById("form-editor").dataset.state = "ready";
