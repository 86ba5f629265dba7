"""Joint hearings of difficult cases (docs/collaboration.md §4): three opinions in parallel, schedule, minutes, conclusion."""
from __future__ import annotations

from sqlalchemy import select

from tests.collaboration.conftest import find_task, ok, open_case, tasks, work
from tests.intake.helpers import id_number, registration
from workflow_app.domain.collaboration.models import JointHearing
from workflow_app.domain.intake.models import JointHearingRequest

DIFFICULT = dict(dispute_major=True, facts_clear=False, evidence_sufficient=False)
OPINION, SCHEDULE, MINUTES, CONCLUDE = "出具书面意见", "安排联合会商", "会商纪要", "会商结论与分送"
PARTICIPANTS = [{"name": "张监察", "body": "inspection"}, {"name": "刘稽核", "body": "si_audit"},
                {"name": "陈仲裁", "body": "arbitration"}, {"name": "李分理", "body": "triage_room"}]


def hearing_request(as_user, db):
    clerk, room = as_user("clerk"), as_user("triage")
    doc = ok(clerk.post("/api/intake/registrations", json=registration(
        "wage_arrears", "si_contribution_arrears", "dismissal_dispute", complainant={"id_number": id_number(9)},
        **DIFFICULT)), 201)
    task = next(t for t in tasks(room, business_key=doc["number"]) if t["name"] == "分理室审查分流")
    work(room, doc["number"], task["name"], {"room_decision": "joint_hearing", "room_opinion": "劳动关系争议大",
                                            "hearing_reason": "需监察、稽核、仲裁共同会商"})
    with db.transaction() as s:
        request_id = s.scalar(select(JointHearingRequest.id).where(JointHearingRequest.complaint_id == doc["id"]))
        hearing_id = s.scalar(select(JointHearing.id).where(JointHearing.request_id == request_id))
        return doc, request_id, hearing_id


def test_joint_hearing_from_the_triage_room_keeps_every_opinion_and_splits_the_complaint(frozen, users, db):
    as_user = users
    doc, request_id, hearing_id = hearing_request(as_user, db)
    # The room's review started the hearing itself; asking again for the same request is a conflict.
    assert hearing_id is not None
    assert as_user("clerk").post("/api/joint-hearings", json={"request_id": request_id}).status_code == 403
    h = ok(as_user("triage").get(f"/api/joint-hearings/{hearing_id}"))
    assert h["number"] == "金水会商〔2026〕00001号" and h["reason"] == "需监察、稽核、仲裁共同会商"
    assert as_user("triage").post("/api/joint-hearings", json={"request_id": request_id}).status_code == 409
    # three opinions in parallel, each in its own body's inbox, due 3 WD
    for user in ("inspector", "auditor", "arbitrator"):
        task = find_task(as_user(user), h["number"], OPINION)
        assert task["due_at"] == "2026-11-25T15:59:59+00:00"
    assert not [t for t in tasks(as_user("triage"), business_key=h["number"], status="open")]
    work(as_user("arbitrator"), h["number"], OPINION, {"opinion": "解除劳动合同争议属仲裁受理范围", "proposed_body": "arbitration"})
    work(as_user("inspector"), h["number"], OPINION, {"opinion": "欠薪由监察责令支付", "proposed_body": "inspection"})
    mid = ok(as_user("triage").get(f"/api/joint-hearings/{h['id']}"))
    assert [o["body"] for o in mid["opinions"]] == ["arbitration", "inspection"] and mid["status"] == "opinions"
    work(as_user("auditor"), h["number"], OPINION, {"opinion": "欠缴社保由稽核或监察处理", "proposed_body": "inspection"})
    after_join = ok(as_user("triage").get(f"/api/joint-hearings/{h['id']}"))
    assert {o["body"]: o["opinion"] for o in after_join["opinions"]} == {   # nothing lost at the join
        "arbitration": "解除劳动合同争议属仲裁受理范围", "inspection": "欠薪由监察责令支付", "si_audit": "欠缴社保由稽核或监察处理"}
    room = as_user("triage")
    task = find_task(room, h["number"], SCHEDULE)
    ok(room.post(f"/api/tasks/{task['id']}/claim"))
    bad = room.post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "scheduled_at": "2026-11-24T14:30:00+08:00", "place": "市局三楼会议室", "participants": PARTICIPANTS[1:]}})
    assert bad.status_code == 422 and "劳动保障监察" in bad.json["message"]
    ok(room.post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "scheduled_at": "2026-11-24T14:30:00+08:00", "place": "市局三楼会议室", "participants": PARTICIPANTS}}))
    work(room, h["number"], MINUTES, {"minutes_text": "三方一致认为：欠薪与社保由监察办理，解除争议由仲裁办理。",
                                       "attendees": ["张监察", "刘稽核", "陈仲裁", "李分理"]})
    task = find_task(room, h["number"], CONCLUDE)
    ok(room.post(f"/api/tasks/{task['id']}/claim"))
    bad = room.post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "routes": [{"code": "wage_arrears", "body": "inspection"}], "conclusion": "部分分送"}})
    assert bad.status_code == 422 and "尚未确定" in bad.json["message"]
    ok(room.post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "routes": [{"code": "wage_arrears", "body": "inspection"}, {"code": "si_contribution_arrears", "body": "inspection"},
                   {"code": "dismissal_dispute", "body": "arbitration"}], "conclusion": "分别由监察和仲裁办理"}}))
    done = ok(room.get(f"/api/joint-hearings/{h['id']}"))
    assert done["status"] == "concluded" and done["place"] == "市局三楼会议室" and done["minutes"].startswith("三方一致")
    assert sorted(done["conclusion"]["cases"]) == ["金水人社监案〔2026〕00001号", "金水劳人仲案〔2026〕00001号"]
    complaint = ok(as_user("clerk").get(f"/api/intake/complaints/{doc['id']}"))
    assert complaint["status"] == "routed"
    assert sorted((c["body"], c["source"]) for c in complaint["cases"]) == [
        ("arbitration", "joint_hearing"), ("inspection", "joint_hearing")]
    with db.transaction() as s:
        assert s.get(JointHearingRequest, request_id).status == "concluded"


def test_joint_hearing_requested_from_a_case_splits_the_case(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears", "si_contribution_arrears")["inspection"]
    assert as_user("auditor").get(f"/api/cases/{case['id']}").status_code == 404
    assert as_user("inspector").post("/api/joint-hearings", json={"reason": "无对象"}).status_code == 422
    h = ok(as_user("inspector").post("/api/joint-hearings", json={"case_id": case["id"], "reason": "社保部分是否由稽核办理存疑"}), 201)
    assert as_user("auditor").get(f"/api/cases/{case['id']}").status_code == 200  # joint_hearing grant
    for user, body in (("inspector", "inspection"), ("auditor", "si_audit"), ("arbitrator", "arbitration")):
        work(as_user(user), h["number"], OPINION, {"opinion": f"{body}意见", "proposed_body": "si_audit"})
    room = as_user("triage")
    work(room, h["number"], SCHEDULE, {"scheduled_at": "2026-11-24T14:30:00+08:00", "place": "会议室", "participants": PARTICIPANTS})
    work(room, h["number"], MINUTES, {"minutes_text": "社保欠缴部分由稽核办理，欠薪由监察办理。", "attendees": ["张监察"]})
    work(room, h["number"], CONCLUDE, {"routes": [{"code": "wage_arrears", "body": "inspection"},
                                                  {"code": "si_contribution_arrears", "body": "si_audit"}],
                                       "conclusion": "拆分"})
    done = ok(room.get(f"/api/joint-hearings/{h['id']}"))
    assert done["conclusion"]["split"] is True and done["conclusion"]["cases"] == ["金水社稽案〔2026〕00001号"]
    audit_case = next(c for c in ok(as_user("auditor").get("/api/cases?body=si_audit"))["items"])
    detail = ok(as_user("auditor").get(f"/api/cases/{audit_case['id']}"))
    assert [c["code"] for c in detail["claims"]] == ["si_contribution_arrears"]
    original = ok(as_user("inspector").get(f"/api/cases/{case['id']}"))
    assert [c["code"] for c in original["claims"]] == ["wage_arrears"]
    assert as_user("clerk").post("/api/joint-hearings", json={"case_id": case["id"], "reason": "x1"}).status_code in (403, 404)
