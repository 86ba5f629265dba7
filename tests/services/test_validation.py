"""Validation of drafts: the deploy validation and the lint rules, located by element (docs/workspace.md
"Validation")."""
from __future__ import annotations

import pytest

from workflow_app.platform.modelling import drafts, validation

LINT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="d_lint" targetNamespace="http://caseflow.local/bpmn">
  <bpmn:process id="lint_demo" name="检查示例" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_ok" name="监察·监察员 [inspection/inspector]">
        <bpmn:flowNodeRef>t_no_form</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>t_missing_form</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_plain" name="没有办理组的泳道">
        <bpmn:flowNodeRef>t_plain_lane</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_unknown" name="外星机构 [martians/inspector]">
        <bpmn:flowNodeRef>t_unknown</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" name="分支" />
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="t_no_form">
      <bpmn:conditionExpression>amount &gt; 10</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="t_missing_form" />
    <bpmn:userTask id="t_no_form" name="无表单任务" />
    <bpmn:userTask id="t_missing_form" name="表单不存在">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="nowhere.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="t_no_form" targetRef="t_plain_lane" />
    <bpmn:userTask id="t_plain_lane" name="泳道无组">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="approval.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="t_plain_lane" targetRef="t_unknown" />
    <bpmn:userTask id="t_unknown" name="未知机构">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="approval.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f6" sourceRef="t_unknown" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="等待">
      <bpmn:timerEventDefinition id="wait_def" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f7" sourceRef="wait" targetRef="listen" />
    <bpmn:intermediateCatchEvent id="listen" name="等消息">
      <bpmn:messageEventDefinition id="listen_def" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f8" sourceRef="listen" targetRef="end" />
    <bpmn:sequenceFlow id="f9" sourceRef="t_missing_form" targetRef="end" />
    <bpmn:boundaryEvent id="late" name="超时" attachedToRef="t_missing_form">
      <bpmn:timerEventDefinition id="late_def"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:task id="orphan" name="孤立任务" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _draft_with(db, who, files: dict[str, bytes], process_key=None) -> int:
    with db.transaction() as s:
        draft = drafts.create_draft(s, who("owner"), "检查", process_key)
        for name, content in files.items():
            drafts.save_file(s, who("owner"), draft.id, name, content, None)
        return draft.id


def _problems(db, who, draft_id):
    with db.transaction() as s:
        return validation.validate_draft(s, drafts.get_draft(s, who("owner"), draft_id))


def test_an_unedited_draft_of_a_library_process_has_no_errors(db, who):
    problems = _problems(db, who, _draft_with(db, who, {}, "intake_triage"))
    assert not validation.has_errors(problems)


@pytest.fixture
def lint_problems(db, who):
    problems = _problems(db, who, _draft_with(db, who, {"lint_demo.bpmn": LINT_BPMN.encode()}))
    return {(p.code, p.element): p for p in problems}


@pytest.mark.parametrize("code, element, severity, words", [
    ("user-task-form", "t_no_form", "error", "没有指定表单"),
    ("user-task-form", "t_missing_form", "error", "nowhere.json"),
    ("user-task-group", "t_plain_lane", "error", "没有指定办理组"),
    ("lane-group", "lane_plain", "warning", "[机构/角色]"),
    ("unknown-group", "lane_unknown", "error", "martians"),
    ("gateway-default", "gw", "warning", "没有默认路径"),
    ("flow-condition", "f3", "warning", "没有条件"),
    ("timer-definition", "wait", "error", "没有设置时间"),
    ("message-ref", "listen", "error", "消息"),
    ("message-correlation", "lint_demo", "warning", "correlation_key"),
    ("boundary-outgoing", "late", "error", "没有后续连线"),
    ("not-connected", "orphan", "error", "没有任何连线"),
])
def test_each_lint_rule_names_the_element_in_chinese(lint_problems, code, element, severity, words):
    problem = lint_problems[(code, element)]
    assert problem.severity == severity and problem.file == "lint_demo.bpmn"
    assert words in problem.message_zh and problem.line
    assert problem.message.isascii()


def test_a_user_task_outside_any_lane_has_no_group(db, who):
    text = LINT_BPMN.replace("<bpmn:flowNodeRef>t_unknown</bpmn:flowNodeRef>", "")
    problems = _problems(db, who, _draft_with(db, who, {"lint_demo.bpmn": text.encode()}))
    found = [p for p in problems if p.code == "user-task-group" and p.element == "t_unknown"]
    assert found and "不在任何泳道" in found[0].message_zh


def test_a_group_no_bureau_has_is_a_warning(db, who):
    text = LINT_BPMN.replace("[martians/inspector]", "[police/auditor]")
    problems = _problems(db, who, _draft_with(db, who, {"lint_demo.bpmn": text.encode()}))
    found = [p for p in problems if p.code == "group-not-staffed" and p.element == "lane_unknown"]
    assert found and found[0].severity == "warning"


def _issue_codes(db, who) -> bytes:
    with db.transaction() as s:
        draft = drafts.create_draft(s, who("owner"), "读取", "intake_triage")
        return drafts.draft_file(s, draft, "issue_codes.dmn")


def test_a_decision_output_of_the_wrong_type_is_an_error_on_its_cell(db, who):
    dmn = _issue_codes(db, who).replace(b'<outputEntry id="issue_catalog_r1_o3"><text>True</text>',
                                        b'<outputEntry id="issue_catalog_r1_o3"><text>"yes"</text>')
    problems = _problems(db, who, _draft_with(db, who, {"issue_codes.dmn": dmn}, "intake_triage"))
    found = [p for p in problems if p.code == "dmn-output-type"]
    assert [p.element for p in found] == ["issue_catalog_r1_o3"]
    assert "是/否" in found[0].message_zh and "第 1 行" in found[0].message_zh


def test_a_deploy_error_is_mapped_to_the_element_that_encloses_its_line(db, who):
    dmn = _issue_codes(db, who).replace(b'<outputEntry id="issue_catalog_r1_o2"><text>"labour_standard"</text>',
                                        b'<outputEntry id="issue_catalog_r1_o2"><text>"labour_standard</text>')
    problems = _problems(db, who, _draft_with(db, who, {"issue_codes.dmn": dmn}, "intake_triage"))
    errors = [p for p in problems if p.severity == "error"]
    assert errors and errors[0].element == "issue_catalog_r1_o2" and errors[0].file == "issue_codes.dmn"
    assert errors[0].code == "deploy.expression" and "表达式" in errors[0].message_zh
    assert errors[0].line


def test_broken_xml_is_one_error_of_the_file_in_chinese(db, who):
    problems = _problems(db, who, _draft_with(db, who, {"intake_triage.bpmn": b"<bpmn:definitions"}, "intake_triage"))
    errors = [p for p in problems if p.severity == "error"]
    assert errors[0].file == "intake_triage.bpmn" and "XML" in errors[0].message_zh


def test_the_librarys_warnings_are_returned(db, who):
    problems = _problems(db, who, _draft_with(db, who, {}, "inspection_case"))
    assert any(p.code == "loop" and p.severity == "warning" for p in problems)
