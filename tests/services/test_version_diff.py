"""Comparing definition files (platform/modelling/diff.py, docs/workspace.md "Comparing versions")."""
from __future__ import annotations

import json

from workflow_app.platform.modelling import diff

OLD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="p" name="P" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane" name="监察 [inspection/inspector]"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="审查">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="a.json" />
        <spiffworkflow:property name="priority" value="50" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gone" />
    <bpmn:scriptTask id="gone" name="旧脚本"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
  </bpmn:process>
</bpmn:definitions>""".encode()

NEW = (OLD.replace(b'value="50"', b'value="80"').replace(b"[inspection/inspector]", b"[arbitration/arbitrator]")
       .replace(b'<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gone" />\n', b'')
       .replace('<bpmn:scriptTask id="gone" name="旧脚本"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'.encode(),
                '<bpmn:endEvent id="done" name="完成" /><bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="done">'
                '<bpmn:conditionExpression>ok</bpmn:conditionExpression></bpmn:sequenceFlow>'.encode()))


def test_bpmn_elements_added_removed_and_changed_with_what_changed():
    result = diff.diff_bpmn(OLD, NEW, "p.bpmn")
    by_id = {e["id"]: e for e in result["elements"]}
    assert by_id["done"]["status"] == "added" and by_id["f3"]["status"] == "added"
    assert by_id["gone"]["status"] == "removed" and by_id["f2"]["status"] == "removed"
    review = {c["what"]: (c["old"], c["new"]) for c in by_id["review"]["changes"]}
    assert review["优先级"] == ("50", "80")
    assert review["泳道（办理组）"] == ("监察 [inspection/inspector]", "监察 [arbitration/arbitrator]")
    assert by_id["lane"]["status"] == "changed"
    assert "start" not in by_id and "f1" not in by_id  # unchanged elements are not listed
    assert result["summary"] == {"added": 2, "removed": 2, "changed": 2}


def test_the_drawing_alone_is_no_change():
    drawn = OLD.replace(b"</bpmn:definitions>", b'<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
                                                b'id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="p"/></bpmndi:BPMNDiagram></bpmn:definitions>')
    assert diff.diff_bpmn(OLD, drawn)["elements"] == []


def _form(**changes):
    form = {"schema": {"type": "object", "required": ["opinion"], "properties": {
        "opinion": {"type": "string", "title": "意见"},
        "decision": {"type": "string", "enum": ["yes", "no"]},
        "old_field": {"type": "number"}}},
        "ui": {"labels": {"decision": "结论"}}}
    for path, value in changes.items():
        target = form
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps(form, ensure_ascii=False).encode()


def test_form_fields_added_removed_and_changed():
    new = _form(**{"schema.required": [], "schema.properties.decision": {"type": "string", "enum": ["yes", "no", "later"]},
                   "schema.properties.old_field": None, "schema.properties.note": {"type": "string"},
                   "ui.labels": {"decision": "处理结论"}})
    result = diff.diff_form(_form(), new)
    by_name = {f["name"]: f for f in result["fields"]}
    assert by_name["note"]["status"] == "added" and by_name["old_field"]["status"] == "removed"
    assert {c["what"]: c["new"] for c in by_name["opinion"]["changes"]} == {"必填": "否"}
    decision = {c["what"]: (c["old"], c["new"]) for c in by_name["decision"]["changes"]}
    assert decision["标签"] == ("结论", "处理结论")
    assert decision["选项"] == ('["yes", "no"]', '["yes", "no", "later"]')


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" namespace="x">
  <decision id="dec" name="表">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="in1" label="金额"><inputExpression id="e1" typeRef="number"><text>amount</text></inputExpression></input>
      <output id="out1" label="去向" name="route" typeRef="string" />
      {rules}
    </decisionTable>
  </decision>
</definitions>"""


def _rule(rid, when, then):
    return (f'<rule id="{rid}"><inputEntry id="{rid}_i"><text>{when}</text></inputEntry>'
            f'<outputEntry id="{rid}_o"><text>{then}</text></outputEntry></rule>')


def test_decision_rows_added_removed_changed_cell_by_cell_and_moved():
    old = DMN.format(rules=_rule("r1", "&gt; 100", '"a"') + _rule("r2", "-", '"b"') + _rule("r3", "&lt; 0", '"x"'))
    new = DMN.format(rules=_rule("r2", "-", '"b"') + _rule("r1", "&gt; 200", '"a"') + _rule("r4", "0", '"z"'))
    table = diff.diff_dmn(old.encode(), new.encode())["tables"][0]
    rows = {r["id"]: r for r in table["rows"]}
    assert rows["r1"]["status"] == "changed"
    assert [c for c in rows["r1"]["cells"] if c["changed"]] == [{"old": "> 100", "new": "> 200", "changed": True}]
    assert rows["r2"]["status"] == "moved" and (rows["r2"]["old_number"], rows["r2"]["number"]) == (2, 1)
    assert rows["r3"]["status"] == "removed" and rows["r4"]["status"] == "added"
    assert table["columns"] == ["金额", "去向"] and table["summary"] == {"added": 1, "removed": 1, "changed": 1}


def test_files_are_compared_by_kind_and_an_unparsable_file_is_still_reported():
    result = diff.diff_files({"p.bpmn": OLD, "gone.json": _form()}, {"p.bpmn": b"<broken", "a.json": _form()})
    by_file = {f["file"]: f for f in result}
    assert by_file["p.bpmn"]["status"] == "changed" and "无法解析" in by_file["p.bpmn"]["error"]
    assert by_file["a.json"]["status"] == "added" and by_file["gone.json"]["status"] == "removed"
