"""The intake window end to end over the API: registration -> triage -> the right body's inbox in the right
district; validation, anonymous reports, triage room, inform step, refusal step, duplicates, flags, numbering.
Every test runs on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.intake.helpers import claim, id_number, registration, uscc
from tests.samples import upload
from workflow_app.platform.persistence.models import AuditEvent, ProcessInstance
from workflow_app.domain.intake.models import Complaint
from workflow_app.platform.persistence.models import NumberSequence

pytestmark = pytest.mark.usefixtures("frozen")

CJK = re.compile(r"[\u4e00-\u9fff]")


def register(client, data):
    return client.post("/api/intake/registrations", json=data)


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def inbox(client, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return ok(client.get(f"/api/tasks?{params}"))["items"]


def work(client, task_id, data):
    ok(client.post(f"/api/tasks/{task_id}/claim"))
    return client.post(f"/api/tasks/{task_id}/complete", json={"data": data})


@pytest.fixture
def erqi(make_user):
    """二七区: an inspector, an arbitrator and an auditor (the demo's officers sit in 金水区)."""
    return {"inspector": make_user("erqi_inspector", "zz-erqi/inspection/inspector"),
            "arbitrator": make_user("erqi_arbitrator", "zz-erqi/arbitration/arbitrator"),
            "auditor": make_user("erqi_auditor", "zz-erqi/si_audit/auditor")}


def test_registration_reaches_the_right_body_in_the_employers_district(as_user, erqi):
    clerk = as_user("clerk")  # the 金水区 window: "一点举报投诉、全市联动受理"
    data = registration("wage_arrears", "dismissal_dispute", "workplace_safety",
                        employer={"district": "zz-erqi", "name": "二七某餐饮管理有限公司"}, workers_affected=3)
    doc = ok(register(clerk, data), 201)
    assert doc["number"] == "金水投〔2026〕00001号" and doc["status"] == "routed"
    assert doc["window"] == {"code": "zz-jinshui", "name": "金水区人力资源和社会保障局"}
    assert doc["complainant"]["id_number"] == "4101**********" + id_number(1)[-4:]  # masked
    cases = {c["body"]: c for c in doc["cases"]}
    assert set(cases) == {"inspection", "arbitration"}
    assert cases["inspection"]["number"] == "二七人社监案〔2026〕00001号"
    assert cases["arbitration"]["number"] == "二七劳人仲案〔2026〕00001号"
    assert {c["jurisdiction"] for c in cases.values()} == {"zz-erqi"}
    assert cases["inspection"]["acceptance_due_at"].startswith("2026-11-27T15:59:59")  # 5 WD, end of day
    routes = {c["code"]: (c["route"], c["rule"], c["case_number"]) for c in doc["claims"]}
    assert routes == {"wage_arrears": ("inspection", "T5", cases["inspection"]["number"]),
                      "dismissal_dispute": ("arbitration", "T6", cases["arbitration"]["number"]),
                      "workplace_safety": ("referral", "T7", None)}
    assert [(r["to_name"], r["to_jurisdiction"], r["claims"]) for r in doc["referrals"]] == [
        ("应急管理部门", "zz-erqi", ["workplace_safety"])]
    receipt = doc["receipt"]
    assert receipt["number"] == doc["number"]
    assert "二七人社监案〔2026〕00001号" in receipt["text"] and "移送应急管理部门" in receipt["text"]
    assert "2026-11-27前作出受理决定" in receipt["text"]

    # The acceptance task is in the group inbox of 二七区's inspectors, not 金水区's.
    rows = inbox(erqi["inspector"], scope="group")
    assert [(r["name"], r["business_key"], r["bureau"]) for r in rows] == [
        ("受理审查", cases["inspection"]["number"], "zz-erqi")]
    assert rows[0]["due_at"].startswith("2026-11-27T15:59:59")
    assert inbox(as_user("inspector"), scope="group") == []
    assert [r["business_key"] for r in inbox(erqi["arbitrator"], scope="group")] == [cases["arbitration"]["number"]]
    assert inbox(erqi["auditor"], scope="group") == []

    # Reads: the clerk sees the complaint and the cases she handed over; other districts' officers do not.
    assert ok(clerk.get(f"/api/intake/complaints/{doc['id']}"))["number"] == doc["number"]
    assert ok(clerk.get(f"/api/cases/{cases['inspection']['id']}"))["claims"][0]["code"] == "wage_arrears"
    assert {c["number"] for c in ok(erqi["inspector"].get("/api/cases"))["items"]} == {cases["inspection"]["number"]}
    assert as_user("inspector").get(f"/api/cases/{cases['inspection']['id']}").status_code == 404
    assert as_user("inspector").get(f"/api/intake/complaints/{doc['id']}").status_code == 404
    assert ok(erqi["inspector"].get(f"/api/intake/complaints/{doc['id']}"))["number"] == doc["number"]
    assert ok(clerk.get("/api/intake/complaints"))["total"] == 1


def test_social_insurance_with_a_labour_violation_goes_to_inspection_whole(as_user):
    """T3 (docs/intake.md): any SI code, audit group included, with a labour-standard code -> one inspection case
    holding all of them; SI codes alone -> si_audit, as before."""
    clerk, inspector, auditor = as_user("clerk"), as_user("inspector"), as_user("auditor")
    mixed = ok(register(clerk, registration("wage_arrears", "si_underpayment", "si_fraud", "si_contribution_arrears")), 201)
    assert [(c["body"], c["rules"]) for c in mixed["cases"]] == [("inspection", ["T3", "T5"])]
    case = mixed["cases"][0]
    assert {c["code"]: (c["route"], c["case_number"]) for c in mixed["claims"]} == {
        code: ("inspection", case["number"]) for code in ("wage_arrears", "si_underpayment", "si_fraud",
                                                          "si_contribution_arrears")}
    assert sorted(c["code"] for c in ok(inspector.get(f"/api/cases/{case['id']}"))["claims"]) == [
        "si_contribution_arrears", "si_fraud", "si_underpayment", "wage_arrears"]
    assert inbox(auditor, scope="group") == []
    alone = ok(register(clerk, registration("si_underpayment", "si_contribution_arrears",
                                            complainant={"id_number": id_number(4)})), 201)
    assert [(c["body"], c["rules"]) for c in alone["cases"]] == [("si_audit", ["T4"])]
    assert [t["business_key"] for t in inbox(auditor, scope="group")] == [alone["cases"][0]["number"]]


def test_invalid_registration_is_a_422_per_field_and_saves_nothing(as_user, db):
    clerk = as_user("clerk")
    good_uscc, good_id = uscc(7), id_number(7)
    bad_uscc = good_uscc[:-1] + ("0" if good_uscc[-1] != "0" else "1")
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    data = registration(
        claim("wage_arrears", amount=-1, months_unpaid=2), claim("overtime_violation", violation_ended_on="2026-12-01"),
        claim("teleportation"), claim("double_wages", amount="很多"),
        complainant={"id_number": bad_id, "phone": "12345"},
        employer={"uscc": bad_uscc, "district": "zz-atlantis"},
        received_at="2026-11-21T09:00:00+08:00", workers_affected=0, violation_ongoing=False,
        violation_ended_on="2099-01-01", extra_field=1)
    r = register(clerk, data)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    errors = r.json["errors"]
    expected = {"complainant.id_number", "complainant.phone", "employer.uscc", "employer.district", "received_at",
                "workers_affected", "claims[0].amount", "claims[1].violation_ended_on", "claims[2].code",
                "claims[3].amount", "violation_ended_on", "extra_field"}
    assert expected <= set(errors), errors
    assert all(CJK.search(message) for message in errors.values()), errors
    assert errors["employer.uscc"].startswith("统一社会信用代码校验不通过")
    assert errors["complainant.id_number"].startswith("身份证号码校验不通过")
    assert errors["claims[0].amount"] == "“拖欠工资”的金额不能为负数"
    assert errors["received_at"] == "接收时间不能晚于当前时间"
    assert errors["employer.district"] == "用工所在区县“zz-atlantis”不存在"
    assert "不在诉求目录中" in errors["claims[2].code"]
    assert CJK.search(r.json["message"])
    # A birth date in the future and a district of another city are refused too.
    future_birth = registration(complainant={"id_number": id_number(3, birth="20270101")})
    assert "晚于今天" in register(clerk, future_birth).json["errors"]["complainant.id_number"]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
        assert s.scalar(select(func.count()).select_from(NumberSequence)) == 0
    # Nothing was consumed: the first valid registration is number 1.
    assert ok(register(clerk, registration()), 201)["number"] == "金水投〔2026〕00001号"
    # Only intake clerks register; a body that is not JSON is refused with a message.
    assert as_user("inspector").post("/api/intake/registrations", json=registration()).status_code == 403
    r = clerk.post("/api/intake/registrations", data="[1]", content_type="application/json")
    assert r.status_code == 422 and r.json["message"] == "登记内容应为JSON对象"


def test_anonymous_reports_but_identified_complaints(as_user):
    clerk = as_user("clerk")
    report = registration("child_labor", kind="report", complainant={"anonymous": True, "name": None,
                                                                      "id_number": None, "phone": None},
                          employer={"uscc": None})
    doc = ok(register(clerk, report), 201)
    assert doc["kind"] == "report" and doc["complainant"] == {"anonymous": True, "name": None, "id_number": None,
                                                               "phone": None, "address": None}
    assert [c["body"] for c in doc["cases"]] == ["inspection"]
    anonymous_complaint = registration(complainant={"anonymous": True, "name": None, "id_number": None, "phone": None})
    r = register(clerk, anonymous_complaint)
    assert r.status_code == 422
    assert r.json["errors"]["complainant.anonymous"] == "投诉须实名登记投诉人身份；匿名反映只能登记为举报"
    r = register(clerk, registration(complainant={"id_number": None, "phone": None}, employer={"uscc": None}))
    assert set(r.json["errors"]) == {"complainant.id_number", "complainant.phone", "employer.uscc"}
    r = register(clerk, registration(kind="report", complainant={"anonymous": True}))  # name etc. still given
    assert set(r.json["errors"]) == {"complainant.name", "complainant.id_number", "complainant.phone"}


def test_triage_room_routes_each_claim_or_requests_a_joint_hearing(as_user, erqi, db):
    clerk, room = as_user("clerk"), as_user("triage")
    difficult = dict(dispute_major=True, facts_clear=False, evidence_sufficient=False)
    doc = ok(register(clerk, registration("wage_arrears", "si_contribution_arrears", "dismissal_dispute",
                                          employer={"district": "zz-erqi"}, **difficult)), 201)
    assert doc["status"] == "in_triage_room" and doc["cases"] == []
    assert {c["route"] for c in doc["claims"]} == {"triage_room"}
    tasks = inbox(room, scope="group")
    assert [(t["name"], t["candidate_group"], t["business_key"]) for t in tasks] == [
        ("分理室审查分流", "zz/triage_room/triage_reviewer", doc["number"])]
    # The reviewer sees the registration while it waits in the room.
    assert ok(room.get(f"/api/intake/complaints/{doc['id']}"))["status"] == "in_triage_room"
    task = tasks[0]["id"]
    incomplete = {"room_decision": "route", "room_opinion": "劳动标准与社保由监察办理",
                  "room_routes": [{"code": "wage_arrears", "body": "inspection"}]}
    r = work(room, task, incomplete)
    assert r.status_code == 422 and "尚未确定办理机构" in r.json["errors"]["room_routes"]
    assert ok(room.get(f"/api/tasks/{task}"))["status"] == "open"
    r = room.post(f"/api/tasks/{task}/complete", json={"data": {
        "room_decision": "route", "room_opinion": "劳动标准与社保由监察办理，解除争议由仲裁办理",
        "room_routes": [{"code": "wage_arrears", "body": "inspection"}, {"code": "si_contribution_arrears", "body": "inspection"},
                        {"code": "dismissal_dispute", "body": "arbitration"}]}})
    assert r.status_code == 200, r.json
    doc = ok(clerk.get(f"/api/intake/complaints/{doc['id']}"))
    assert doc["status"] == "routed"
    assert sorted((c["body"], c["source"], c["rules"]) for c in doc["cases"]) == [
        ("arbitration", "triage_room", ["T1"]), ("inspection", "triage_room", ["T1"])]
    assert [r["business_key"] for r in inbox(erqi["inspector"], scope="group")] == [
        next(c["number"] for c in doc["cases"] if c["body"] == "inspection")]

    # A second difficult complaint: the reviewer asks for a joint hearing; it is recorded.
    other = ok(register(clerk, registration("wage_arrears", **difficult, complainant={"id_number": id_number(2)})), 201)
    task = next(t["id"] for t in inbox(room, scope="group") if t["business_key"] == other["number"])
    r = work(room, task, {"room_decision": "joint_hearing", "room_opinion": "劳动关系及欠薪数额争议大",
                          "hearing_reason": "需监察、稽核、仲裁共同会商"})
    assert r.status_code == 200, r.json
    other = ok(clerk.get(f"/api/intake/complaints/{other['id']}"))
    assert other["status"] == "joint_hearing_requested" and other["cases"] == []
    assert [(h["reason"], h["claims"], h["requested_by"]) for h in other["joint_hearing_requests"]] == [
        ("需监察、稽核、仲裁共同会商", ["wage_arrears"], "triage")]


def test_triage_room_joint_hearing_gives_the_bodies_their_opinion_tasks_and_its_conclusion_routes(as_user, erqi, db):
    from workflow_app.domain.collaboration.models import JointHearing
    clerk, room = as_user("clerk"), as_user("triage")
    difficult = dict(dispute_major=True, facts_clear=False, evidence_sufficient=False)
    doc = ok(register(clerk, registration("wage_arrears", "si_fraud", "dismissal_dispute",
                                          employer={"district": "zz-erqi"}, **difficult)), 201)
    task = next(t["id"] for t in inbox(room, scope="group") if t["business_key"] == doc["number"])
    r = work(room, task, {"room_decision": "joint_hearing", "room_opinion": "劳动关系与社保争议均大",
                          "hearing_reason": "   "})  # blank once trimmed: the hearing refuses it, nothing changes
    assert r.status_code == 422 and "会商事由" in r.json["message"]
    assert ok(room.get(f"/api/tasks/{task}"))["status"] == "open"
    r = room.post(f"/api/tasks/{task}/complete", json={"data": {
        "room_decision": "joint_hearing", "room_opinion": "劳动关系与社保争议均大", "hearing_reason": "需监察、稽核、仲裁共同会商"}})
    assert r.status_code == 200, r.json
    # The hearing runs at once: each body of the employer's district has its opinion task, due 3 WD.
    with db.transaction() as s:
        hearing = s.scalar(select(JointHearing).where(JointHearing.complaint_id == doc["id"]))
        number, instance_id = hearing.number, hearing.instance_id
        assert hearing.status == "opinions" and hearing.jurisdiction == "zz-erqi"
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "complaint.joint_hearing_request",
                                                    AuditEvent.business_key == doc["number"])).all()
        assert [(e.after["hearing"], e.after["hearing_instance_id"]) for e in events] == [(number, instance_id)]
    for user in ("inspector", "auditor", "arbitrator"):
        opinion = [t for t in inbox(erqi[user], scope="group") if t["business_key"] == number]
        assert [(t["name"], t["candidate_group"].split("/")[0], t["due_at"][:10]) for t in opinion] == [
            ("出具书面意见", "zz-erqi", "2026-11-25")], user
        assert not [t for t in inbox(as_user(user), scope="group") if t["business_key"] == number]  # not 金水区
    complaint = ok(clerk.get(f"/api/intake/complaints/{doc['id']}"))
    assert complaint["status"] == "joint_hearing_requested" and complaint["cases"] == []
    assert [h["status"] for h in complaint["joint_hearing_requests"]] == ["in_hearing"]
    # The room's intake step is done: the triage instance ended in the hearing, not silently.
    assert [s["status"] for s in complaint["triage_steps"]] == ["completed"]

    # The bodies give their opinions, the room schedules, minutes and concludes: the conclusion opens the cases.
    for user, body in (("inspector", "inspection"), ("auditor", "inspection"), ("arbitrator", "arbitration")):
        t = next(t for t in inbox(erqi[user], scope="group") if t["business_key"] == number)
        assert work(erqi[user], t["id"], {"opinion": "建议分送", "proposed_body": body}).status_code == 200
    steps = [("安排联合会商", {"scheduled_at": "2026-11-24T14:30:00+08:00", "place": "市局会议室",
                              "participants": [{"name": "甲", "body": "inspection"}, {"name": "乙", "body": "si_audit"},
                                               {"name": "丙", "body": "arbitration"}]}),
             ("会商纪要", {"minutes_text": "欠薪和社保由监察办理，解除争议由仲裁办理。", "attendees": ["甲", "乙", "丙"]}),
             ("会商结论与分送", {"routes": [{"code": "wage_arrears", "body": "inspection"},
                                           {"code": "si_fraud", "body": "inspection"},
                                           {"code": "dismissal_dispute", "body": "arbitration"}],
                                "conclusion": "监察与仲裁分别办理"})]
    for name, data in steps:
        t = next(t for t in inbox(room, scope="group") if t["business_key"] == number and t["name"] == name)
        r = work(room, t["id"], data)
        assert r.status_code == 200, r.json
    complaint = ok(clerk.get(f"/api/intake/complaints/{doc['id']}"))
    assert complaint["status"] == "routed"
    cases = {c["body"]: c for c in complaint["cases"]}
    assert {b: (c["source"], c["jurisdiction"]) for b, c in cases.items()} == {
        "inspection": ("joint_hearing", "zz-erqi"), "arbitration": ("joint_hearing", "zz-erqi")}
    assert {c["code"]: c["case_number"] for c in complaint["claims"]} == {
        "wage_arrears": cases["inspection"]["number"], "si_fraud": cases["inspection"]["number"],
        "dismissal_dispute": cases["arbitration"]["number"]}
    assert [(t["name"], t["business_key"]) for t in inbox(erqi["inspector"], scope="group")] == [
        ("受理审查", cases["inspection"]["number"])]
    assert [h["status"] for h in complaint["joint_hearing_requests"]] == ["concluded"]


def test_claims_in_other_proceedings_produce_the_inform_step(as_user):
    clerk = as_user("clerk")
    doc = ok(register(clerk, registration(claim("double_wages", proceedings="arbitration"), "overtime_violation")), 201)
    assert {c["code"]: c["route"] for c in doc["claims"]} == {"double_wages": "inform", "overtime_violation": "inspection"}
    assert "请按原程序继续办理" in doc["receipt"]["message"]
    steps = [(s["name"], s["status"], s["candidate_group"]) for s in doc["triage_steps"]]
    assert steps == [("告知投诉人按原程序办理", "open", "zz-jinshui/intake/intake_clerk")]
    task = doc["triage_steps"][0]["task_id"]
    r = work(clerk, task, {"informed_on": "2026-11-20", "inform_method": "on_site",
                           "inform_content": "二倍工资诉求已在仲裁中，请继续按仲裁程序办理"})
    assert r.status_code == 200, r.json
    doc = ok(clerk.get(f"/api/intake/complaints/{doc['id']}"))
    assert [s["status"] for s in doc["triage_steps"]] == ["completed"]


def test_time_barred_claims_get_the_written_refusal_step(as_user):
    clerk, inspector = as_user("clerk"), as_user("inspector")
    doc = ok(register(clerk, registration(
        claim("wage_arrears", violation_ended_on="2024-11-19"), claim("overtime_violation", violation_ended_on="2024-11-20"),
        violation_ongoing=False)), 201)
    assert {c["code"]: (c["route"], c["rule"]) for c in doc["claims"]} == {
        "wage_arrears": ("refuse", "T8"), "overtime_violation": ("inspection", "T5")}
    assert len(doc["cases"]) == 1 and doc["cases"][0]["rules"] == ["T5", "T8"]
    assert "监察不予受理（超过两年查处时效）" in doc["receipt"]["text"]
    tasks = sorted((t["name"], t["due_at"][:19]) for t in inbox(inspector, scope="group"))
    assert tasks == [("不予受理告知（超过两年查处时效）", "2026-11-27T15:59:59"), ("受理审查", "2026-11-27T15:59:59")]
    refusal = next(t["id"] for t in inbox(inspector, scope="group") if t["name"].startswith("不予受理"))
    r = work(inspector, refusal, {"notice_number": "金人社监不受〔2026〕1号", "issued_on": "2026-11-20",
                                  "advice": "违法行为已超过两年查处时效，可依法申请劳动人事争议仲裁"})
    assert r.status_code == 200, r.json
    # Only barred claims: the inspection case exists for the refusal alone, and closes with it.
    only = ok(register(clerk, registration(claim("wage_arrears", violation_ended_on="2020-05-01"), violation_ongoing=False,
                                           complainant={"id_number": id_number(5)})), 201)
    case = only["cases"][0]
    detail = ok(inspector.get(f"/api/cases/{case['id']}"))
    assert [t["name"] for t in detail["open_tasks"]] == ["不予受理告知（超过两年查处时效）"]
    r = work(inspector, detail["open_tasks"][0]["id"], {"notice_number": "金人社监不受〔2026〕2号",
                                                        "issued_on": "2026-11-20", "advice": "可申请仲裁"})
    assert r.status_code == 200
    assert ok(inspector.get(f"/api/cases/{case['id']}"))["status"] == "closed"


def test_duplicate_registration_is_linked_to_the_open_case(as_user, db):
    clerk, inspector = as_user("clerk"), as_user("inspector")
    first = ok(register(clerk, registration("wage_arrears", "overtime_violation")), 201)
    case = first["cases"][0]
    # Same complainant, same employer, one overlapping claim and one new one.
    second = ok(register(clerk, registration("wage_arrears", "double_wages")), 201)
    assert {c["code"]: (c["route"], c["duplicate_of_case_number"]) for c in second["claims"]} == {
        "wage_arrears": ("duplicate", case["number"]), "double_wages": ("arbitration", None)}
    assert [(l["case_number"], l["claims"], l["original_complaint_number"]) for l in second["duplicate_links"]] == [
        (case["number"], ["wage_arrears"], first["number"])]
    assert [c["body"] for c in second["cases"]] == ["arbitration"]
    assert f"已在办理（案件编号 {case['number']}" in second["receipt"]["text"]
    # Only overlapping claims: linked, nothing opened, no triage.
    third = ok(register(clerk, registration("overtime_violation")), 201)
    assert third["status"] == "duplicate" and third["cases"] == [] and third["triage_instance_id"] is None
    assert "与在办案件重复的诉求已关联" in third["receipt"]["message"]
    assert [l["case_status"] for l in third["duplicate_links"]] == ["open"]
    detail = ok(clerk.get(f"/api/cases/{case['id']}"))
    assert sorted(d["complaint_number"] for d in detail["duplicate_registrations"]) == sorted(
        [second["number"], third["number"]])
    # Another complainant, or another employer, is not a duplicate.
    other = ok(register(clerk, registration("overtime_violation", complainant={"id_number": id_number(9)})), 201)
    assert other["duplicate_links"] == [] and len(other["cases"]) == 1
    other = ok(register(clerk, registration("overtime_violation", employer={"uscc": uscc(9)})), 201)
    assert other["duplicate_links"] == [] and len(other["cases"]) == 1
    # Once the case is closed, the same claims open a new case.
    task = next(t["id"] for t in ok(inspector.get(f"/api/cases/{case['id']}"))["open_tasks"])
    assert work(inspector, task, {"accepted": False, "acceptance_opinion": "不符合受理条件",
                                  "refusal_reason": "用人单位已支付"}).status_code == 200
    notice = ok(inspector.get(f"/api/cases/{case['id']}"))["open_tasks"][0]["id"]
    assert work(inspector, notice, {"notice_number": "不受字〔2026〕3号", "served_on": "2026-11-20"}).status_code == 200
    assert ok(inspector.get(f"/api/cases/{case['id']}"))["status"] == "closed"
    again = ok(register(clerk, registration("overtime_violation")), 201)
    assert again["duplicate_links"] == [] and [c["body"] for c in again["cases"]] == ["inspection"]


def test_urgent_sorts_first_and_flags_mark_the_cases(as_user):
    clerk, inspector, arbitrator = as_user("clerk"), as_user("inspector"), as_user("arbitrator")
    plain = ok(register(clerk, registration("overtime_violation", "dismissal_dispute",
                                            complainant={"id_number": id_number(11)})), 201)
    urgent = ok(register(clerk, registration(
        claim("wage_arrears", amount=120000, months_unpaid=4), "dismissal_dispute", workers_affected=12,
        employer_absconded=True, complainant={"id_number": id_number(12)},
        employer={"uscc": uscc(12), "project": {"name": "某安置房项目", "type": "housing_construction"}})), 201)
    assert urgent["flags"] == {"urgent": True, "criminal_watch": True, "notify_regulator": True,
                               "rules": ["F1", "F2", "F3"]}
    flags = {c["body"]: (c["urgent"], c["fast_track"], c["criminal_watch"]) for c in urgent["cases"]}
    assert flags == {"inspection": (True, False, True), "arbitration": (True, True, False)}
    assert {c["body"]: (c["urgent"], c["fast_track"]) for c in plain["cases"]} == {
        "inspection": (False, False), "arbitration": (False, False)}
    rows = inbox(inspector, scope="group")
    assert [r["business_key"] for r in rows][0] == next(c["number"] for c in urgent["cases"] if c["body"] == "inspection")
    assert [r["priority"] for r in rows] == [80, 50]
    rows = inbox(arbitrator, scope="group")
    assert [r["priority"] for r in rows] == [90, 50] and rows[0]["summary"].startswith("【快立快审快结】")
    assert [(n["to_name"], n["claims"]) for n in urgent["notifications"]] == [("住房和城乡建设主管部门", ["wage_arrears"])]
    found = ok(inspector.get("/api/cases?criminal_watch=true"))
    assert [c["number"] for c in found["items"]] == [next(c["number"] for c in urgent["cases"] if c["body"] == "inspection")]
    assert ok(arbitrator.get("/api/cases?fast_track=true"))["total"] == 1
    assert ok(inspector.get("/api/cases?status=open&body=inspection"))["total"] == 2


def test_complaint_numbers_are_unique_under_concurrency(app, as_user):
    n = 8
    barrier = threading.Barrier(n)

    def one(i):
        client = as_user("clerk")
        data = registration("overtime_violation", complainant={"id_number": id_number(100 + i)})
        barrier.wait()
        response = register(client, data)
        return response.status_code, response.json.get("number"), [c["number"] for c in response.json.get("cases", [])]

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, range(n)))
    assert [code for code, _, _ in results] == [201] * n, results
    assert sorted(number for _, number, _ in results) == [f"金水投〔2026〕{i:05d}号" for i in range(1, n + 1)]
    case_numbers = sorted(c for _, _, cases in results for c in cases)
    assert case_numbers == [f"金水人社监案〔2026〕{i:05d}号" for i in range(1, n + 1)]


def test_numbering_scheme_is_configuration(as_user):
    owner, clerk = as_user("owner"), as_user("clerk")
    schemes = ok(owner.get("/api/intake/numbering"))
    mine = next(s for s in schemes if s["kind"] == "complaint" and s["bureau_code"] == "zz-jinshui")
    assert (mine["pattern"], mine["bureau_short"], mine["next_number"]) == (
        "{bureau_short}投〔{year}〕{seq:05d}号", "金水", "金水投〔2026〕00001号")
    r = owner.put("/api/intake/numbering", json={"kind": "complaint", "bureau_code": "zz-jinshui",
                                                 "pattern": "{bureau_short}人社诉字〔{year}〕第{seq}号", "bureau_short": "郑金"})
    assert ok(r)["next_number"] == "郑金人社诉字〔2026〕第1号"
    assert ok(register(clerk, registration()), 201)["number"] == "郑金人社诉字〔2026〕第1号"
    for pattern, field_message in [("{bureau_short}投{seq}", "年度"), ("投〔{year}〕{seq}号", "机构"),
                                   ("{bureau_short}〔{year}〕{seq.real}", "占位符"), ("{bureau_short}〔{year}〕{seq:>9}", "流水号"),
                                   ("{bureau_short}{year", "花括号")]:
        r = owner.put("/api/intake/numbering", json={"kind": "complaint", "bureau_code": "*", "pattern": pattern})
        assert r.status_code == 422 and field_message in r.json["errors"]["pattern"], (pattern, r.json)
    r = owner.put("/api/intake/numbering", json={"kind": "si_audit", "bureau_code": "zz-jinshui",
                                                 "pattern": "{bureau_short}人社监案〔{year}〕{seq:05d}号"})
    assert r.status_code == 422 and "编号会重复" in r.json["errors"]["pattern"]
    assert clerk.get("/api/intake/numbering").status_code == 403
    assert clerk.put("/api/intake/numbering", json={"kind": "complaint", "bureau_code": "*",
                                                    "pattern": "{bureau}-{year}-{seq}"}).status_code == 403


def test_catalogue_and_a_redeployed_table_change_registration_and_routing(as_user):
    owner, clerk = as_user("owner"), as_user("clerk")
    catalog = ok(clerk.get("/api/intake/catalog"))
    assert {c["code"] for c in catalog["issue_codes"]} >= {"wage_arrears", "si_fraud", "workplace_safety"}
    assert {p["code"] for p in catalog["project_types"]} == {"housing_construction", "transport", "water_conservancy",
                                                             "power", "energy", "other"}
    assert catalog["process_version"] == 1
    # A process owner adds a code (a row of issue_codes.dmn) and deploys: the window accepts it and triage
    # routes it, with no change to the application.
    from tests.conftest import ROOT
    text = (ROOT / "bpmn" / "dmn" / "issue_codes.dmn").read_text(encoding="utf-8")
    row = ('      <rule id="issue_catalog_new"><description>拖欠农民工工资保证金</description>'
           '<inputEntry id="new_i1"><text>"wage_deposit_arrears"</text></inputEntry>'
           '<outputEntry id="new_o1"><text>"未按规定存储工资保证金"</text></outputEntry>'
           '<outputEntry id="new_o2"><text>"labour_standard"</text></outputEntry>'
           '<outputEntry id="new_o3"><text>False</text></outputEntry>'
           '<outputEntry id="new_o4"><text>None</text></outputEntry>'
           '<outputEntry id="new_o5"><text>None</text></outputEntry>'
           '<outputEntry id="new_o6"><text>"Wage deposit not lodged"</text></outputEntry></rule>\n')
    text = text.replace('      <rule id="issue_catalog_r25">', row + '      <rule id="issue_catalog_r25">')
    assert "wage_deposit_arrears" not in {c["code"] for c in catalog["issue_codes"]}
    assert register(clerk, registration("wage_deposit_arrears")).status_code == 422
    r = upload(owner, {"issue_codes.dmn": text})
    assert r.status_code == 201, r.json
    assert "intake_triage" in [v["process_key"] for v in r.json["created"]]
    doc = ok(register(clerk, registration("wage_deposit_arrears")), 201)
    assert [(c["label"], c["route"], c["rule"]) for c in doc["claims"]] == [("未按规定存储工资保证金", "inspection", "T5")]
    assert ok(clerk.get("/api/intake/catalog"))["process_version"] == 2


def test_personal_data_is_masked_and_revealed_with_an_audit_event(as_user, db):
    clerk = as_user("clerk")
    doc = ok(register(clerk, registration()), 201)
    assert doc["complainant"]["phone"] == "138****5678"
    r = clerk.post(f"/api/intake/complaints/{doc['id']}/personal-data/reveal",
                   json={"fields": ["id_number", "phone"], "reason": "电话联系投诉人补充材料"})
    assert ok(r)["values"] == {"id_number": id_number(1), "phone": "13812345678"}
    assert as_user("leader").post(f"/api/intake/complaints/{doc['id']}/personal-data/reveal",
                                  json={"reason": "查看"}).status_code == 403
    with db.transaction() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.business_key == doc["number"])).all()
        assert {"complaint.register", "complaint.triage", "personal_data.reveal"} <= set(actions)
        stored = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "complaint.register")).all()
        assert id_number(1) not in str(stored)  # the audit trail keeps identity numbers masked


def test_malformed_input_is_a_422_never_a_500(as_user):
    clerk, owner = as_user("clerk"), as_user("owner")
    bad_values = [
        {"kind": 5}, {"kind": ["complaint"]}, {"channel": {}}, {"received_at": 123}, {"received_at": "2026-13-01"},
        {"complainant": []}, {"complainant": {"name": 5, "id_number": ["x"], "phone": {"a": 1}}},
        {"employer": "某公司"}, {"employer": {"name": "某公司", "district": ["zz-erqi"], "project": "x"}},
        {"employer": {"uscc_confirmed": "yes"}}, {"workers_affected": "10"}, {"workers_affected": 2.5},
        {"workers_affected": 10**12}, {"claims": "wage_arrears"}, {"claims": [1, None]}, {"claims": [{"code": 5}]},
        {"claims": [{"code": "wage_arrears", "amount": True, "months_unpaid": 2.5}]},
        {"claims": [{"code": "wage_arrears", "amount": 1e308, "months_unpaid": -1}]},
        {"claims": [{"code": "wage_arrears", "amount": 0.001, "months_unpaid": 1}]},
        {"claims": [{"code": "overtime_violation"}] * 31}, {"claims": []},
        {"claims": [{"code": "overtime_violation"}, {"code": "overtime_violation"}]},
        {"worker_breakdown": {}}, {"worker_breakdown": [{"amount": "x"}] * 2},
        {"violation_ongoing": "no"}, {"violation_ended_on": "2026/01/01"}, {"window": ["zz-jinshui"]},
        {"window": "zz-erqi"}, {"proceedings": "court"}, {"description": "字" * 5001},
        {"violation_ongoing": True, "violation_ended_on": "2026-01-01"},
        {"employment_ongoing": False}, {"channel": "transfer"},
    ]
    for overrides in bad_values:
        data = registration(**overrides) if "employer" not in overrides or isinstance(overrides["employer"], dict) \
            else {**registration(), **overrides}
        if overrides.get("complainant") == []:
            data["complainant"] = []
        r = register(clerk, data)
        assert r.status_code == 422, (overrides, r.status_code, r.get_data(as_text=True)[:300])
        assert r.json["errors"] and all(CJK.search(m) for m in r.json["errors"].values()), (overrides, r.json)
        # The same problems in English, from the same run (docs/intake.md "Messages in two languages").
        assert set(r.json["errors_en"]) == set(r.json["errors"]), (overrides, r.json)
        assert all(m.isascii() for m in r.json["errors_en"].values()), (overrides, r.json["errors_en"])
    for body in ({"kind": "complaint"}, {}, {"kind": "complaint", "bureau_code": "*", "pattern": 5, "extra": 1}):
        r = owner.put("/api/intake/numbering", json=body)
        assert r.status_code == 422 and all(CJK.search(m) for m in r.json["errors"].values()), r.json
    assert clerk.get("/api/intake/complaints/999999").status_code == 404
    assert clerk.get("/api/cases/999999").status_code == 404
    for query in ("body=police", "urgent=maybe", "page=0", "per_page=abc", "status=lost"):
        r = clerk.get(f"/api/cases?{query}")
        assert r.status_code == 422 and all(CJK.search(m) for m in r.json["errors"].values()), r.json
    r = clerk.post(f"/api/intake/complaints/1/personal-data/reveal", json={"fields": ["name"], "reason": ""})
    assert r.status_code == 422 and all(CJK.search(m) for m in r.json["errors"].values()), r.json
    assert clerk.post("/api/intake/complaints/999999/personal-data/reveal", json={"reason": "核实"}).status_code == 404
