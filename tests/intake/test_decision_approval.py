"""A refused decision goes back to the handler with the reasons; only an approval closes the case
(docs/procedures.md). Covers 处理决定审批 (inspection), 稽核结论审批 (social-insurance audit) and 裁决审批
(arbitration), over the API, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from tests.intake.helpers import id_number, registration

pytestmark = pytest.mark.usefixtures("frozen")

ACCEPT = {"accepted": True, "acceptance_opinion": "材料齐全，符合受理条件"}
FINDINGS = {"findings": "经调查，存在拖欠工资情况", "violation_found": True, "proposed_action": "order_to_correct"}

#: body -> (handler user, the handler's task, approver user, the approval task, the clock it stops)
BODIES = {
    "inspection": ("inspector", "立案调查", "head", "处理决定审批", "investigation"),
    "si_audit": ("auditor", "实施稽核", "audit_head", "稽核结论审批", None),
    "arbitration": ("arbitrator", "开庭审理", "arb_head", "裁决审批", "award"),
}
CLAIMS = {"inspection": ("wage_arrears",), "si_audit": ("si_fraud",), "arbitration": ("labor_relation_confirmation",)}


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def open_task(client, case_number, name):
    found = [t for t in ok(client.get(f"/api/tasks?business_key={case_number}&status=open"))["items"]
             if t["name"] == name]
    assert len(found) == 1, (client.username, name, found)
    return found[0]


def work(client, case_number, name, data):
    task = open_task(client, case_number, name)
    ok(client.post(f"/api/tasks/{task['id']}/claim"))
    ok(client.post(f"/api/tasks/{task['id']}/complete", json={"data": data}))
    return task


def clocks(client, case):
    return {c["name"]: c["status"] for c in ok(client.get(f"/api/instances/{case['instance_id']}"))["clocks"]}


@pytest.fixture
def bodies(as_user, make_user):
    make_user("audit_head", "zz-jinshui/si_audit/division_head")
    make_user("arb_head", "zz-jinshui/arbitration/division_head")

    def case_at(body: str, n: int = 1):
        doc = ok(as_user("clerk").post("/api/intake/registrations", json=registration(
            *CLAIMS[body], complainant={"id_number": id_number(n)})), 201)
        (case,) = [c for c in doc["cases"] if c["body"] == body]
        handler = as_user(BODIES[body][0])
        work(handler, case["number"], "受理审查", ACCEPT)
        return case
    return case_at


@pytest.mark.parametrize("body", list(BODIES))
def test_a_refused_decision_goes_back_to_the_handler_with_the_reasons(as_user, bodies, body):
    handler_name, handler_task, approver_name, approval_task, clock_name = BODIES[body]
    handler, approver = as_user(handler_name), as_user(approver_name)
    case = bodies(body)
    number = case["number"]
    work(handler, number, handler_task, FINDINGS)
    running = clocks(handler, case)
    if clock_name:
        assert running[clock_name] == "running"
    work(approver, number, approval_task, {"approved": False, "approval_opinion": "证据不足，请补充询问笔录和工资表"})

    # Not closed: the handler's task is open again, its summary carrying the refusal and its reasons.
    detail = ok(handler.get(f"/api/cases/{case['id']}"))
    assert detail["status"] == "open"
    assert [t["name"] for t in detail["open_tasks"]] == [handler_task]
    back = open_task(handler, number, handler_task)
    # back to the person who handled it (sameAssigneeAs), not to the group's queue
    assert back["assignee"] == handler_name and back["candidate_group"].startswith("zz-jinshui/")
    assert "【审批退回·第1次】退回理由：证据不足，请补充询问笔录和工资表" in back["summary"]
    assert "退回理由：证据不足" in ok(handler.get(f"/api/tasks/{back['id']}"))["summary"]
    assert approval_task not in [t["name"] for t in ok(approver.get(f"/api/tasks?business_key={number}&status=open"))["items"]]
    assert clocks(handler, case) == running  # the clocks keep running

    # Reworked and approved: the case closes and its clock stops.
    work(handler, number, handler_task, {**FINDINGS, "findings": "已补充询问笔录和工资表"})
    resubmitted = open_task(approver, number, approval_task)
    assert resubmitted["summary"].startswith("第2次报批：")
    work(approver, number, approval_task, {"approved": True, "approval_opinion": "同意"})
    assert ok(handler.get(f"/api/cases/{case['id']}"))["status"] == "closed"
    if clock_name:
        assert clocks(handler, case)[clock_name] == "stopped"


def test_twenty_refusals_in_a_row_still_work(as_user, bodies, db):
    from workflow_app.platform.persistence.models import ProcessInstance
    handler, head = as_user("inspector"), as_user("head")
    case = bodies("inspection")
    number = case["number"]
    for n in range(1, 21):
        work(handler, number, "立案调查", {**FINDINGS, "findings": f"第{n}次调查情况"})
        work(head, number, "处理决定审批", {"approved": False, "approval_opinion": f"第{n}次退回：事实不清"})
        back = open_task(handler, number, "立案调查")
        assert back["summary"].startswith(f"【审批退回·第{n}次】退回理由：第{n}次退回：事实不清")
        assert clocks(handler, case)["investigation"] == "running"
    with db.transaction() as s:
        depth = s.get(ProcessInstance, case["instance_id"]).tree_depth
    assert depth < 200  # far below the runtime's depth guard: a round adds a handful of levels
    work(handler, number, "立案调查", FINDINGS)
    work(head, number, "处理决定审批", {"approved": True, "approval_opinion": "同意"})
    assert ok(handler.get(f"/api/cases/{case['id']}"))["status"] == "closed"
    assert clocks(handler, case)["investigation"] == "stopped"


def test_the_refusal_loop_is_reported_but_deploys(as_user):
    """The deploy lint reports each refusal loop as a back edge; a warning, not a refusal: the shipped library
    is deployed (the cases above run on it) and a redeployment of the diagram goes through."""
    from tests.conftest import ROOT
    from tests.samples import upload
    owner = as_user("owner")
    for key, task in (("inspection_case", "investigate"), ("si_audit_case", "audit"), ("arbitration_case", "audit")):
        versions = ok(owner.get(f"/api/processes/{key}/versions"))
        latest = versions[-1] if isinstance(versions, list) else versions["items"][-1]
        warnings = ok(owner.get(f"/api/processes/{key}/versions/{latest['version']}"))["warnings"]
        assert any("back-edge loop" in w and task in w for w in warnings), (key, warnings)
    text = (ROOT / "bpmn" / "inspection_case.bpmn").read_text(encoding="utf-8").replace("退回重新办理", "退回重办")
    forms = {name: (ROOT / "forms" / name).read_bytes() for name in
             ("case_acceptance.json", "case_investigation.json", "approval.json", "refusal_notice.json",
              "limitation_refusal.json")}
    r = upload(owner, {"inspection_case.bpmn": text, **forms})
    assert r.status_code == 201, r.json
    assert any("back-edge loop" in w for w in r.json["warnings"])
