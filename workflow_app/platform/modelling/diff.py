"""Compare two sets of definition files: two versions of a process, or a draft and the library.

What is compared (docs/workspace.md "Comparing versions"):

* **BPMN**, element by element, matched by id: added, removed, changed. An element's content is its
  attributes and the text under it (names, conditions, scripts, timers, task properties such as form,
  group, priority, due, the called decision, message payloads), flattened into labelled entries; the
  elements it contains (a subprocess's tasks, a lane's child lanes) are compared on their own. The drawing
  (BPMN DI) is left out: moving a shape changes nothing a case does.
* **DMN**, per decision table: columns (inputs and outputs) and rows matched by rule id; a changed row
  lists each cell that changed, and a row that moved (order matters under hit policy FIRST).
* **Forms**, field by field: type, label, required, choices (enum), and every other schema keyword.

The answer is plain data (dicts and lists) so that the API returns it as it is and the diff page colours
the diagrams from it.
"""
from __future__ import annotations

import json
from typing import Any

from lxml import etree
from sqlalchemy import select

from workflow_app.platform.engine import library as lib
from workflow_app.platform.engine.xml_safety import DefinitionError, parse_xml
from workflow_app.platform.identity import access
from workflow_app.platform.modelling import drafts, publication
from workflow_app.platform.persistence.models import RegistryFile
from workflow_app.platform.processes import registry

BPMN = lib.BPMN_NS
SPIFF = lib.SPIFF_NS
ADDED, REMOVED, CHANGED = "added", "removed", "changed"

#: Elements compared on their own (their content is not part of the element that contains them).
_ELEMENTS = {
    "process", "subProcess", "transaction", "adHocSubProcess", "callActivity", "task", "userTask", "manualTask",
    "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "receiveTask", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "complexGateway", "sequenceFlow", "lane", "message", "signal",
    "error", "escalation", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
    "association", "participant", "messageFlow", "collaboration",
}
#: Children that repeat what other elements say (flows name their ends) or hold other elements.
_SKIP = {"incoming", "outgoing", "laneSet", "childLaneSet", "BPMNDiagram"}

#: Labels of flattened entries for people (Chinese); unknown entries show their path.
LABELS = {
    "@name": "名称", "@default": "默认路径", "@sourceRef": "起点", "@targetRef": "终点",
    "@attachedToRef": "附着于", "@cancelActivity": "中断任务", "@calledElement": "调用的流程",
    "@isExecutable": "可执行", "@triggeredByEvent": "事件子流程", "@messageRef": "消息", "@scriptFormat": "脚本语言",
    "@isInterrupting": "中断", "flowNodeRef": "泳道中的元素", "documentation": "说明", "script": "脚本",
    "conditionExpression": "条件", "calledDecisionId": "决策表", "preScript": "前置脚本", "postScript": "后置脚本",
    "timeDuration": "定时（期限）", "timeDate": "定时（日期）", "timeCycle": "定时（周期）",
    "messagePayload": "消息内容", "messageVariable": "消息变量", "property[form]": "表单",
    "property[candidateGroup]": "办理组", "property[priority]": "优先级", "property[dueDate]": "办理期限",
    "property[summary]": "摘要", "property[sameAssigneeAs]": "同一办理人", "lane": "泳道（办理组）",
}


def _local(el) -> str:
    return etree.QName(el).localname


def _label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    tail = key.rsplit("/", 1)[-1]
    return LABELS.get(tail, key)


# ------------------------------------------------------------------------------------------------
# BPMN
# ------------------------------------------------------------------------------------------------

def _flatten(el, prefix: str, out: dict[str, str]) -> None:
    for attr, value in el.attrib.items():
        name = etree.QName(attr).localname
        if name == "id":  # ids of nested definitions are the modeler's bookkeeping
            continue
        out[f"{prefix}@{name}"] = value
    text = (el.text or "").strip()
    if text and prefix:
        out[prefix.rstrip("/")] = text
    repeated: dict[str, list[str]] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        local = _local(child)
        if local in _SKIP or (local in _ELEMENTS and etree.QName(child).namespace == BPMN):
            continue
        if local == "flowNodeRef":
            repeated.setdefault(local, []).append((child.text or "").strip())
            continue
        if local == "property" and etree.QName(child).namespace == SPIFF:
            out[f"property[{child.get('name')}]"] = child.get("value") or (child.text or "").strip()
            continue
        if local in ("extensionElements", "properties"):
            _flatten(child, prefix, out)  # the wrappers add nothing a reader needs
            continue
        key = f"{prefix}{local}"
        if any(k == key or k.startswith(key + "/") for k in out):
            key = f"{key}[{sum(1 for k in out if k.startswith(key))}]"
        _flatten(child, key + "/", out)
        if not (child.text or "").strip() and not len(child) and not child.attrib:
            out[key] = ""
    for local, values in repeated.items():
        out[f"{prefix}{local}"] = ", ".join(sorted(values))
    # attributes of children land under "child/@attr": keep the keys readable
    for key in [k for k in out if k.endswith("/")]:
        out[key.rstrip("/")] = out.pop(key)


def bpmn_elements(content: bytes, filename: str = "") -> dict[str, dict]:
    """{element id: {"type", "name", "entries": {label path: value}}} of a BPMN file."""
    root = parse_xml(content, filename or "file.bpmn")
    lane_of = {(ref.text or "").strip(): lane.get("name") or lane.get("id")
               for lane in root.iter(f"{{{BPMN}}}lane") for ref in lane.iterfind(f"{{{BPMN}}}flowNodeRef")}
    out: dict[str, dict] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN or _local(el) not in _ELEMENTS:
            continue
        if not el.get("id"):
            continue
        entries: dict[str, str] = {}
        _flatten(el, "", entries)
        if el.get("id") in lane_of:  # the lane names the candidate group (engine/conventions.py)
            entries["lane"] = lane_of[el.get("id")]
        out[el.get("id")] = {"type": _local(el), "name": el.get("name") or "", "entries": entries}
    return out


def diff_bpmn(old: bytes | None, new: bytes | None, filename: str = "") -> dict:
    """Elements added, removed and changed between two BPMN files (either may be None)."""
    before = bpmn_elements(old, filename) if old else {}
    after = bpmn_elements(new, filename) if new else {}
    elements = []
    for element_id in sorted(set(before) | set(after), key=lambda i: (i not in after, i)):
        a, b = before.get(element_id), after.get(element_id)
        if a is None:
            elements.append({"id": element_id, "type": b["type"], "name": b["name"], "status": ADDED, "changes": []})
        elif b is None:
            elements.append({"id": element_id, "type": a["type"], "name": a["name"], "status": REMOVED,
                             "changes": []})
        else:
            changes = _entry_changes(a["entries"], b["entries"])
            if a["type"] != b["type"]:
                changes.insert(0, {"what": "类型", "key": "type", "old": a["type"], "new": b["type"]})
            if changes:
                elements.append({"id": element_id, "type": b["type"], "name": b["name"] or a["name"],
                                 "status": CHANGED, "changes": changes})
    return {"elements": elements, "summary": _summary(elements)}


def _entry_changes(a: dict[str, str], b: dict[str, str]) -> list[dict]:
    out = []
    for key in sorted(set(a) | set(b), key=lambda k: (k not in LABELS, k)):
        if a.get(key) != b.get(key):
            out.append({"what": _label(key), "key": key, "old": a.get(key), "new": b.get(key)})
    return out


def _summary(items: list[dict]) -> dict[str, int]:
    return {status: sum(1 for i in items if i["status"] == status) for status in (ADDED, REMOVED, CHANGED)}


# ------------------------------------------------------------------------------------------------
# DMN
# ------------------------------------------------------------------------------------------------

def _text_of(el) -> str:
    text = next((c for c in el if isinstance(c.tag, str) and _local(c) == "text"), None)
    return (text.text or "").strip() if text is not None else ""


def dmn_tables(content: bytes, filename: str = "") -> dict[str, dict]:
    """{decision id: {"name", "hit_policy", "inputs": [...], "outputs": [...], "rules": [...]}}."""
    root = parse_xml(content, filename or "file.dmn")
    out = {}
    for decision in root.iter():
        if not isinstance(decision.tag, str) or _local(decision) != "decision":
            continue
        table = next((c for c in decision if isinstance(c.tag, str) and _local(c) == "decisionTable"), None)
        if table is None:
            continue
        children = [c for c in table if isinstance(c.tag, str)]
        inputs = []
        for column in (c for c in children if _local(c) == "input"):
            expression = next((c for c in column if isinstance(c.tag, str) and _local(c) == "inputExpression"), None)
            inputs.append({"id": column.get("id"), "label": column.get("label") or "",
                           "expression": _text_of(expression) if expression is not None else "",
                           "type": expression.get("typeRef") if expression is not None else None})
        outputs = [{"id": c.get("id"), "label": c.get("label") or "", "name": c.get("name") or "",
                    "type": c.get("typeRef")} for c in children if _local(c) == "output"]
        rules = []
        for number, rule in enumerate((c for c in children if _local(c) == "rule"), 1):
            cells = [c for c in rule if isinstance(c.tag, str)]
            description = next((c for c in cells if _local(c) == "description"), None)
            rules.append({"id": rule.get("id") or f"#{number}", "number": number,
                          "description": (description.text or "").strip() if description is not None else "",
                          "inputs": [_text_of(c) for c in cells if _local(c) == "inputEntry"],
                          "outputs": [_text_of(c) for c in cells if _local(c) == "outputEntry"]})
        out[decision.get("id")] = {"name": decision.get("name") or decision.get("id"),
                                   "hit_policy": table.get("hitPolicy") or "UNIQUE",
                                   "inputs": inputs, "outputs": outputs, "rules": rules}
    return out


def diff_dmn(old: bytes | None, new: bytes | None, filename: str = "") -> dict:
    """Per decision table: columns and rows added, removed, changed (cell by cell), moved."""
    before = dmn_tables(old, filename) if old else {}
    after = dmn_tables(new, filename) if new else {}
    tables = []
    for decision_id in sorted(set(before) | set(after)):
        a, b = before.get(decision_id), after.get(decision_id)
        if a is None or b is None:
            table = b or a
            status = ADDED if a is None else REMOVED
            tables.append({"id": decision_id, "name": table["name"], "status": status,
                           "columns": [c["label"] for c in table["inputs"]] + [c["label"] for c in table["outputs"]],
                           "inputs": len(table["inputs"]), "changes": [],
                           "rows": [{"id": r["id"], "number": r["number"], "status": status,
                                     "cells": [{"old": None if status == ADDED else v,
                                                "new": v if status == ADDED else None, "changed": True}
                                               for v in r["inputs"] + r["outputs"]],
                                     "description": r["description"]} for r in table["rules"]],
                           "summary": {ADDED: len(table["rules"]) if status == ADDED else 0,
                                       REMOVED: len(table["rules"]) if status == REMOVED else 0, CHANGED: 0}})
            continue
        tables.append(_diff_table(decision_id, a, b))
    return {"tables": tables, "summary": {k: sum(t["summary"][k] for t in tables) for k in (ADDED, REMOVED, CHANGED)}}


def _diff_table(decision_id: str, a: dict, b: dict) -> dict:
    changes = []
    if a["name"] != b["name"]:
        changes.append({"what": "名称", "old": a["name"], "new": b["name"]})
    if a["hit_policy"] != b["hit_policy"]:
        changes.append({"what": "命中规则", "old": a["hit_policy"], "new": b["hit_policy"]})
    for kind, word in (("inputs", "输入列"), ("outputs", "输出列")):
        old_cols = {c["id"]: c for c in a[kind]}
        new_cols = {c["id"]: c for c in b[kind]}
        for cid in [c["id"] for c in a[kind]] + [c["id"] for c in b[kind] if c["id"] not in old_cols]:
            oc, nc = old_cols.get(cid), new_cols.get(cid)
            if oc != nc:
                changes.append({"what": f"{word}“{(nc or oc)['label'] or cid}”",
                                "old": None if oc is None else _column_text(oc),
                                "new": None if nc is None else _column_text(nc)})
    columns = [c["label"] for c in b["inputs"]] + [c["label"] for c in b["outputs"]]
    old_rules = {r["id"]: r for r in a["rules"]}
    new_ids = {r["id"] for r in b["rules"]}
    rows = []
    for rule in b["rules"]:
        old = old_rules.get(rule["id"])
        values = rule["inputs"] + rule["outputs"]
        if old is None:
            rows.append({"id": rule["id"], "number": rule["number"], "status": ADDED, "description": rule["description"],
                         "cells": [{"old": None, "new": v, "changed": True} for v in values]})
            continue
        old_values = old["inputs"] + old["outputs"]
        width = max(len(values), len(old_values))
        cells = [{"old": old_values[i] if i < len(old_values) else None,
                  "new": values[i] if i < len(values) else None} for i in range(width)]
        for cell in cells:
            cell["changed"] = cell["old"] != cell["new"]
        moved = old["number"] != rule["number"]
        described = old["description"] != rule["description"]
        status = CHANGED if any(c["changed"] for c in cells) or described else ("moved" if moved else "same")
        rows.append({"id": rule["id"], "number": rule["number"], "old_number": old["number"], "status": status,
                     "description": rule["description"], "old_description": old["description"] if described else None,
                     "cells": cells})
    for rule in a["rules"]:
        if rule["id"] not in new_ids:
            rows.append({"id": rule["id"], "number": None, "old_number": rule["number"], "status": REMOVED,
                         "description": rule["description"],
                         "cells": [{"old": v, "new": None, "changed": True} for v in rule["inputs"] + rule["outputs"]]})
    summary = {ADDED: sum(r["status"] == ADDED for r in rows), REMOVED: sum(r["status"] == REMOVED for r in rows),
               CHANGED: sum(r["status"] == CHANGED for r in rows) + len(changes)}
    status = CHANGED if any(summary.values()) or any(r["status"] == "moved" for r in rows) else "same"
    return {"id": decision_id, "name": b["name"], "status": status, "changes": changes, "columns": columns,
            "inputs": len(b["inputs"]), "rows": rows, "summary": summary}


def _column_text(column: dict) -> str:
    parts = [column.get("label") or ""]
    if column.get("expression"):
        parts.append(column["expression"])
    if column.get("name"):
        parts.append(column["name"])
    if column.get("type"):
        parts.append(column["type"])
    return " · ".join(p for p in parts if p)


# ------------------------------------------------------------------------------------------------
# Forms
# ------------------------------------------------------------------------------------------------

def form_fields(form: dict) -> dict[str, dict[str, Any]]:
    """{field: {"类型", "标签", "必填", "选项", other schema keywords}} of a form."""
    schema = form.get("schema") or {}
    ui = form.get("ui") or {}
    required = set(schema.get("required") or [])
    labels = ui.get("labels") or {}
    out = {}
    for name, spec in (schema.get("properties") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        entry = {"类型": spec.get("type"), "标签": labels.get(name) or spec.get("title"),
                 "必填": name in required}
        if "enum" in spec:
            entry["选项"] = spec["enum"]
        if isinstance(spec.get("items"), dict) and "enum" in spec["items"]:
            entry["选项"] = spec["items"]["enum"]
        for key, value in spec.items():
            if key not in ("type", "title", "enum"):
                entry[key] = value
        if name in (ui.get("widgets") or {}):
            entry["控件"] = ui["widgets"][name]
        if name in (ui.get("help") or {}):
            entry["说明"] = ui["help"][name]
        out[name] = entry
    return out


def _parse_form(content: bytes | dict | None) -> dict:
    if content is None:
        return {}
    if isinstance(content, dict):
        return content
    try:
        form = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DefinitionError(None, "not valid JSON") from None
    return form if isinstance(form, dict) else {}


def diff_form(old: bytes | dict | None, new: bytes | dict | None) -> dict:
    before, after = form_fields(_parse_form(old)), form_fields(_parse_form(new))
    fields = []
    for name in list(after) + [n for n in before if n not in after]:
        a, b = before.get(name), after.get(name)
        if a is None:
            fields.append({"name": name, "label": b.get("标签"), "status": ADDED, "changes": []})
        elif b is None:
            fields.append({"name": name, "label": a.get("标签"), "status": REMOVED, "changes": []})
        else:
            changes = [{"what": key, "old": _show(a.get(key)), "new": _show(b.get(key))}
                       for key in list(b) + [k for k in a if k not in b] if a.get(key) != b.get(key)]
            if changes:
                fields.append({"name": name, "label": b.get("标签"), "status": CHANGED, "changes": changes})
    return {"fields": fields, "summary": _summary(fields)}


def _show(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------------------------------------
# Whole sets of files
# ------------------------------------------------------------------------------------------------

def diff_files(old: dict[str, bytes], new: dict[str, bytes]) -> list[dict]:
    """One entry per file in either set: status (added, removed, changed, same) and its comparison."""
    out = []
    order = {"bpmn": 0, "dmn": 1, "form": 2}
    for name in sorted(set(old) | set(new), key=lambda n: (order.get(lib._kind(n), 9), n)):
        a, b = old.get(name), new.get(name)
        kind = lib._kind(name)
        status = ADDED if a is None else REMOVED if b is None else "same"
        entry = {"file": name, "kind": kind, "status": status, "error": None}
        try:
            if kind == "bpmn":
                entry["bpmn"] = diff_bpmn(a, b, name)
                counts = entry["bpmn"]["summary"]
            elif kind == "dmn":
                entry["dmn"] = diff_dmn(a, b, name)
                counts = entry["dmn"]["summary"]
            else:
                entry["form"] = diff_form(a, b)
                counts = entry["form"]["summary"]
        except DefinitionError as exc:
            entry["error"] = f"文件无法解析，只能整体比较：{exc.reason}"
            counts = {CHANGED: int(a != b)}
        if status == "same" and (any(counts.values()) or (a != b and entry["error"])):
            status = CHANGED
        entry["status"] = status
        entry["summary"] = counts
        out.append(entry)
    return out


def compare_versions(session, principal, process_key: str, a: int, b: int) -> dict:
    """The comparison of two versions of a process (``a`` the older as the reader chose it, ``b`` the other)."""
    access.require_process_owner(principal)
    old, new = registry.get_version(session, process_key, a), registry.get_version(session, process_key, b)
    return {"process_key": process_key, "a": a, "b": b, "main_file": publication.main_file(new),
            "old_main_file": publication.main_file(old),
            "files": diff_files(publication.version_files(old), publication.version_files(new))}


def compare_draft(session, principal, draft_id: int) -> dict:
    """The draft's edited files against the library's current ones ("draft vs. library")."""
    draft = drafts.get_draft(session, principal, draft_id)
    edited = drafts.edited_files(session, draft)
    current = {row.filename: row.content for row in session.scalars(
        select(RegistryFile).where(RegistryFile.filename.in_(list(edited) or [""])))}
    return {"draft_id": draft.id, "files": diff_files(current, edited)}
