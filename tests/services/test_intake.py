"""Intake (``domain/intake``): registering a complaint at the window (``registration.register``), its number,
duplicates, and what the triage outcome opens — cases per body, referrals, the inform and refusal steps, the
triage room (docs/intake.md)."""
from __future__ import annotations

import pytest

from tests.intake.helpers import claim, id_number, registration, uscc
from tests.services import support
from workflow_app.domain.intake import queries, registration as intake
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.platform.errors import Forbidden, Invalid, NotFound

pytestmark = pytest.mark.usefixtures("colleagues")

DIFFICULT = dict(dispute_major=True, facts_clear=False, evidence_sufficient=False)


def routes(doc: dict) -> dict[str, tuple[str, str | None]]:
    return {c["code"]: (c["route"], c["rule"]) for c in doc["claims"]}


def test_a_registration_gets_the_next_complaint_number_of_its_window(db):
    first, second = support.register(db), support.register(db, complainant={"id_number": id_number(2)})
    assert (first["number"], second["number"]) == ("金水投〔2026〕00001号", "金水投〔2026〕00002号")
    assert first["window"]["code"] == "zz-jinshui" and first["registered_by"] == "clerk"


def test_claims_open_one_case_per_handling_body_in_the_employers_district(db):
    doc = support.register(db, "wage_arrears", "dismissal_dispute", employer={"district": "zz-erqi"})
    assert doc["status"] == "routed"
    assert {c["body"]: (c["number"], c["jurisdiction"]) for c in doc["cases"]} == {
        "inspection": ("二七人社监案〔2026〕00001号", "zz-erqi"), "arbitration": ("二七劳人仲案〔2026〕00001号", "zz-erqi")}
    assert routes(doc) == {"wage_arrears": ("inspection", "T5"), "dismissal_dispute": ("arbitration", "T6")}


def test_the_acceptance_task_of_a_new_case_waits_in_the_districts_group(db):
    case = support.open_cases(db, "wage_arrears", employer={"district": "zz-erqi"})["inspection"]
    row = support.task(db, case["number"], username="erqi_inspector")
    assert (row.name, row.candidate_group) == ("受理审查", "zz-erqi/inspection/inspector")
    assert support.tasks(db, case["number"], username="inspector") == []  # not 金水区's inspectors
    assert case["acceptance_due_at"].startswith("2026-11-27T15:59:59")  # 5 working days, end of day


def test_a_claim_for_a_department_outside_the_bureau_is_referred_on_the_ledger(db):
    doc = support.register(db, "wage_arrears", "workplace_safety", employer={"district": "zz-erqi"})
    assert routes(doc)["workplace_safety"] == ("referral", "T7")
    assert [(r["to_name"], r["to_jurisdiction"], r["claims"]) for r in doc["referrals"]] == [
        ("应急管理部门", "zz-erqi", ["workplace_safety"])]


def test_social_insurance_claims_with_a_labour_violation_go_to_inspection_together(db):
    doc = support.register(db, "wage_arrears", "si_underpayment", "si_contribution_arrears")
    assert [(c["body"], c["rules"]) for c in doc["cases"]] == [("inspection", ["T3", "T5"])]


def test_social_insurance_claims_alone_go_to_the_audit_body(db):
    doc = support.register(db, "si_underpayment", "si_contribution_arrears")
    assert [(c["body"], c["rules"]) for c in doc["cases"]] == [("si_audit", ["T4"])]


def test_a_time_barred_claim_gets_the_written_refusal_step_of_the_inspection_case(db):
    doc = support.register(db, claim("wage_arrears", violation_ended_on="2024-11-19"), violation_ongoing=False)
    assert routes(doc) == {"wage_arrears": ("refuse", "T8")}
    case = doc["cases"][0]
    assert [t["name"] for t in support.case(db, case["id"])["open_tasks"]] == ["不予受理告知（超过两年查处时效）"]


def test_a_claim_already_in_other_proceedings_produces_the_inform_step_at_the_window(db):
    doc = support.register(db, claim("double_wages", proceedings="arbitration"), "overtime_violation")
    assert routes(doc)["double_wages"] == ("inform", "T0")
    assert [(s["name"], s["candidate_group"]) for s in doc["triage_steps"]] == [
        ("告知投诉人按原程序办理", "zz-jinshui/intake/intake_clerk")]


def test_urgent_flags_fast_track_the_arbitration_case(db):
    doc = support.register(db, claim("wage_arrears", amount=120000, months_unpaid=4), "dismissal_dispute",
                           workers_affected=12, employer_absconded=True)
    assert doc["flags"]["urgent"] is True
    assert {c["body"]: (c["urgent"], c["fast_track"]) for c in doc["cases"]} == {
        "inspection": (True, False), "arbitration": (True, True)}


def test_an_invalid_registration_names_each_field_in_chinese_and_consumes_no_number(db):
    with pytest.raises(Invalid) as raised:
        support.register(db, claim("wage_arrears", amount=-1, months_unpaid=2), claim("teleportation"),
                         employer={"district": "zz-atlantis"}, received_at="2026-11-21T09:00:00+08:00")
    errors = raised.value.extra["errors"]
    assert errors["claims[0].amount"] == "“拖欠工资”的金额不能为负数"
    assert "不在诉求目录中" in errors["claims[1].code"]
    assert errors["employer.district"] == "用工所在区县“zz-atlantis”不存在"
    assert errors["received_at"] == "接收时间不能晚于当前时间"
    assert support.register(db)["number"] == "金水投〔2026〕00001号"


def test_an_identifier_with_a_wrong_check_digit_is_refused(db):
    good = uscc(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(Invalid) as raised:
        support.register(db, employer={"uscc": bad})
    assert raised.value.extra["errors"]["employer.uscc"].startswith("统一社会信用代码校验不通过")


def test_only_an_intake_clerk_registers(db, who):
    with pytest.raises(Forbidden), db.transaction() as s:
        intake.register(s, who("inspector"), registration())


def test_a_complaint_must_name_its_complainant(db):
    with pytest.raises(Invalid) as raised:
        support.register(db, complainant={"anonymous": True, "name": None, "id_number": None, "phone": None})
    assert raised.value.extra["errors"]["complainant.anonymous"] == "投诉须实名登记投诉人身份；匿名反映只能登记为举报"


def test_an_anonymous_report_is_registered_and_routed(db):
    doc = support.register(db, "child_labor", kind="report", employer={"uscc": None},
                           complainant={"anonymous": True, "name": None, "id_number": None, "phone": None})
    assert doc["complainant"]["anonymous"] is True and [c["body"] for c in doc["cases"]] == ["inspection"]


def test_a_repeated_claim_is_linked_to_the_open_case_and_only_the_new_claim_is_routed(db):
    first = support.register(db, "wage_arrears", "overtime_violation")
    second = support.register(db, "wage_arrears", "double_wages")  # same complainant, same employer
    assert routes(second)["wage_arrears"] == ("duplicate", None)
    assert [(l["case_number"], l["claims"]) for l in second["duplicate_links"]] == [
        (first["cases"][0]["number"], ["wage_arrears"])]
    assert [c["body"] for c in second["cases"]] == ["arbitration"]


def test_a_registration_whose_every_claim_is_already_handled_opens_nothing(db):
    support.register(db, "wage_arrears")
    again = support.register(db, "wage_arrears")
    assert (again["status"], again["cases"], again["triage_instance_id"]) == ("duplicate", [], None)


def test_a_difficult_complaint_waits_for_the_triage_room(db):
    doc = support.register(db, "wage_arrears", "dismissal_dispute", **DIFFICULT)
    assert (doc["status"], doc["cases"]) == ("in_triage_room", [])
    row = support.task(db, doc["number"], username="triage")
    assert (row.name, row.candidate_group) == ("分理室审查分流", "zz/triage_room/triage_reviewer")


def test_the_triage_rooms_routing_opens_the_cases(db):
    doc = support.register(db, "wage_arrears", "dismissal_dispute", **DIFFICULT)
    support.work(db, "triage", doc["number"], "分理室审查分流", {
        "room_decision": "route", "room_opinion": "欠薪由监察办理，解除争议由仲裁办理",
        "room_routes": [{"code": "wage_arrears", "body": "inspection"},
                        {"code": "dismissal_dispute", "body": "arbitration"}]})
    after = support.complaint(db, doc["id"])
    assert after["status"] == "routed"
    assert sorted((c["body"], c["source"], c["rules"]) for c in after["cases"]) == [
        ("arbitration", "triage_room", ["T1"]), ("inspection", "triage_room", ["T1"])]


def test_a_room_routing_that_leaves_a_claim_without_a_body_is_refused(db):
    doc = support.register(db, "wage_arrears", "dismissal_dispute", **DIFFICULT)
    row = support.claim(db, "triage", support.task(db, doc["number"], username="triage").id)
    with pytest.raises(Invalid) as raised:
        support.complete(db, "triage", row.id, {"room_decision": "route", "room_opinion": "只分送欠薪",
                                                "room_routes": [{"code": "wage_arrears", "body": "inspection"}]})
    assert "尚未确定办理机构" in raised.value.extra["errors"]["room_routes"]
    assert support.task(db, doc["number"], username="triage").status == "open"


def test_the_receipt_tells_the_complainant_where_each_claim_went(db, who):
    doc = support.register(db, "wage_arrears", "workplace_safety")
    with db.transaction() as s:
        text = queries.receipt(s, queries.visible_complaint(s, who("clerk"), doc["id"]))["text"]
    assert doc["cases"][0]["number"] in text and "移送应急管理部门" in text
    assert "2026-11-27前作出受理决定" in text


def test_a_complaint_is_hidden_from_the_officers_of_other_districts(db, who):
    doc = support.register(db, "wage_arrears", employer={"district": "zz-erqi"})
    with pytest.raises(NotFound), db.transaction() as s:
        queries.visible_complaint(s, who("inspector"), doc["id"])
    assert support.complaint(db, doc["id"], username="erqi_inspector")["number"] == doc["number"]


def test_a_numbering_scheme_changes_the_next_number_of_its_bureau(db):
    with db.transaction() as s:
        numbering.set_scheme(s, "owner", "complaint", "zz-jinshui", "{bureau_short}人社诉字〔{year}〕第{seq}号",
                             bureau_short="郑金")
    assert support.register(db)["number"] == "郑金人社诉字〔2026〕第1号"


def test_a_numbering_pattern_without_a_year_is_refused(db):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        numbering.set_scheme(s, "owner", "complaint", "*", "{bureau_short}投{seq}")
    assert "年度" in raised.value.extra["errors"]["pattern"]


def test_numbers_of_one_kind_count_per_bureau(db):
    with db.transaction() as s:
        numbers = [numbering.allocate(s, "inspection", "zz-jinshui"), numbering.allocate(s, "inspection", "zz-erqi"),
                   numbering.allocate(s, "inspection", "zz-jinshui")]
    assert numbers == ["金水人社监案〔2026〕00001号", "二七人社监案〔2026〕00001号", "金水人社监案〔2026〕00002号"]
