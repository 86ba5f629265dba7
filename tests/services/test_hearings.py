"""Joint hearings of difficult cases (``domain/collaboration/hearings.py``): three written opinions in
parallel, the triage room's schedule, minutes and conclusion, which routes every claim (docs/collaboration.md
§4)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.intake.helpers import id_number
from tests.services import support
from workflow_app.domain.collaboration import hearings
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound

OPINION, SCHEDULE, MINUTES, CONCLUDE = "出具书面意见", "安排联合会商", "会商纪要", "会商结论与分送"
PARTICIPANTS = [{"name": "张监察", "body": "inspection"}, {"name": "刘稽核", "body": "si_audit"},
                {"name": "陈仲裁", "body": "arbitration"}, {"name": "李分理", "body": "triage_room"}]
DIFFICULT = dict(dispute_major=True, facts_clear=False, evidence_sufficient=False)


@pytest.fixture
def case(db):
    """A 金水区 inspection case holding a wage claim and a social insurance claim."""
    return support.open_cases(db, "wage_arrears", "si_contribution_arrears")["inspection"]


def ask(db, who, username="inspector", **data):
    with db.transaction() as s:
        return hearings.start(s, who(username), data)


def opinions_given(db, hearing, proposed_body="si_audit"):
    for username, body in (("inspector", "inspection"), ("auditor", "si_audit"), ("arbitrator", "arbitration")):
        support.work(db, username, hearing.number, OPINION, {"opinion": f"{body}意见", "proposed_body": proposed_body})


def view(db, who, hearing, username="triage") -> dict:
    with db.transaction() as s:
        return hearings.hearing_dict(s, hearings.visible_hearing(s, who(username), hearing.id))


def test_a_hearing_asked_from_a_case_gives_each_body_an_opinion_task_due_in_three_working_days(db, who, case):
    hearing = ask(db, who, case_id=case["id"], reason="社保部分是否由稽核办理存疑")
    assert (hearing.number, hearing.status) == ("金水会商〔2026〕00001号", "opinions")
    for username in ("inspector", "auditor", "arbitrator"):
        opinion = support.task(db, hearing.number, username=username)
        assert (opinion.name, opinion.due_at) == (OPINION, datetime(2026, 11, 25, 15, 59, 59, tzinfo=timezone.utc))


def test_a_hearing_lets_the_other_bodies_read_the_case(db, who, case):
    with pytest.raises(NotFound):
        support.case(db, case["id"], username="auditor")
    ask(db, who, case_id=case["id"], reason="社保部分是否由稽核办理存疑")
    assert support.case(db, case["id"], username="auditor")["number"] == case["number"]


def test_every_opinion_is_kept_as_it_is_given(db, who, case):
    hearing = ask(db, who, case_id=case["id"], reason="社保部分是否由稽核办理存疑")
    support.work(db, "arbitrator", hearing.number, OPINION, {"opinion": "不属仲裁", "proposed_body": "inspection"})
    assert [(o["body"], o["opinion"]) for o in view(db, who, hearing)["opinions"]] == [("arbitration", "不属仲裁")]


def test_a_hearing_must_name_its_case_complaint_or_request(db, who):
    with pytest.raises(Invalid) as raised:
        ask(db, who, reason="无对象")
    assert "case_id" in raised.value.extra["errors"]


def test_a_hearing_needs_a_reason(db, who, case):
    with pytest.raises(Invalid) as raised:
        ask(db, who, case_id=case["id"], reason=" ")
    assert "reason" in raised.value.extra["errors"]


def test_a_case_has_one_open_hearing_at_a_time(db, who, case):
    ask(db, who, case_id=case["id"], reason="社保部分是否由稽核办理存疑")
    with pytest.raises(Conflict):
        ask(db, who, case_id=case["id"], reason="再次提请会商")


def test_only_the_triage_room_or_a_handling_body_asks_for_a_hearing(db, who, case):
    with pytest.raises(Forbidden):
        ask(db, who, username="leader", case_id=case["id"], reason="领导提请会商")


def test_the_schedule_must_include_all_three_bodies(db, who, case):
    hearing = ask(db, who, case_id=case["id"], reason="社保部分是否由稽核办理存疑")
    opinions_given(db, hearing)
    row = support.claim(db, "triage", support.task(db, hearing.number, username="triage").id)
    with pytest.raises(Invalid) as raised:
        support.complete(db, "triage", row.id, {"scheduled_at": "2026-11-24T14:30:00+08:00", "place": "会议室",
                                                "participants": PARTICIPANTS[1:]})
    assert "劳动保障监察" in raised.value.message


def test_the_conclusion_splits_the_claims_another_body_should_handle_into_a_new_case(db, who, case):
    hearing = ask(db, who, case_id=case["id"], reason="社保部分是否由稽核办理存疑")
    opinions_given(db, hearing)
    support.work(db, "triage", hearing.number, SCHEDULE, {"scheduled_at": "2026-11-24T14:30:00+08:00", "place": "会议室",
                                                           "participants": PARTICIPANTS})
    support.work(db, "triage", hearing.number, MINUTES, {"minutes_text": "社保欠缴部分由稽核办理，欠薪由监察办理。",
                                                          "attendees": ["张监察"]})
    support.work(db, "triage", hearing.number, CONCLUDE, {"routes": [
        {"code": "wage_arrears", "body": "inspection"}, {"code": "si_contribution_arrears", "body": "si_audit"}],
        "conclusion": "拆分"})
    done = view(db, who, hearing)
    assert done["status"] == "concluded"
    assert (done["conclusion"]["split"], done["conclusion"]["cases"]) == (True, ["金水社稽案〔2026〕00001号"])
    assert [c["code"] for c in support.case(db, case["id"])["claims"]] == ["wage_arrears"]


def test_the_triage_rooms_request_for_a_hearing_starts_it_at_once(db, who):
    doc = support.register(db, "wage_arrears", "dismissal_dispute", complainant={"id_number": id_number(9)},
                           **DIFFICULT)
    support.work(db, "triage", doc["number"], "分理室审查分流", {
        "room_decision": "joint_hearing", "room_opinion": "劳动关系争议大", "hearing_reason": "需监察、稽核、仲裁共同会商"})
    complaint = support.complaint(db, doc["id"])
    assert complaint["status"] == "joint_hearing_requested" and complaint["cases"] == []
    assert [r["status"] for r in complaint["joint_hearing_requests"]] == ["in_hearing"]
    with pytest.raises(Conflict):  # the request is already in a hearing
        ask(db, who, username="triage", request_id=complaint["joint_hearing_requests"][0]["id"])
