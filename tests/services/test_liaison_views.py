"""The liaison pages' read models (``domain/collaboration/liaison_views.py``): the desk of transfers with
their acknowledgement clocks and the open task, the ledgers one may read, the police tracker's current step
and whose move it is, and the eligibility check that runs the deployed diagram's own rules."""
from __future__ import annotations

import pytest

from tests.services import support
from workflow_app.domain.collaboration import liaison_views, police, transfers
from workflow_app.platform.errors import Forbidden, Invalid, NotFound

FACTS = {"order_served": True, "order_deadline": "2026-11-10", "paid": False, "evasion": True,
         "workers": [{"amount": 12000, "months_unpaid": 4}], "reason": "逾期拒不支付劳动报酬，法定代表人失联"}
CHECKLIST = ["移送书", "调查报告", "涉案物品清单", "检验鉴定结论", "责令支付文书", "送达证明", "工资支付记录和劳动者陈述"]


@pytest.fixture
def case(db):
    return support.open_cases(db, "wage_arrears")["inspection"]


def transfer(db, who, case, kind="transfer"):
    with db.transaction() as s:
        return transfers.create_transfer(s, who("inspector"), case["id"], {
            "kind": kind, "to_body": "arbitration", "reason": "属于劳动争议，应由仲裁院处理", "materials": ["投诉登记表"]})


def test_the_desk_lists_an_outgoing_transfer_with_the_liaison_officers_open_task(db, who, case):
    row = transfer(db, who, case)
    with db.transaction() as s:
        rows = liaison_views.desk(s, who("liaison"))
    mine = next(r for r in rows if r["number"] == row.number)
    assert (mine["direction"], mine["status"]) == ("out", "requested")
    assert "劳动人事争议仲裁" in mine["counterpart_label"] or "仲裁" in mine["counterpart_label"]
    assert mine["task"]["name"] == "联络员审核并制作移送函"
    assert mine["case_instance_id"] == case["instance_id"]


def test_the_receiving_desk_shows_the_acknowledgement_clock_once_sent(db, who, case):
    row = transfer(db, who, case)
    support.work(db, "liaison", row.number, "联络员审核并制作移送函",
                 {"send": True, "materials": ["投诉登记表"], "letter": "兹将本案移送贵单位依法处理。"})
    support.deliver_messages(db)
    with db.transaction() as s:
        rows = liaison_views.desk(s, who("arb_liaison"), "in")
    mine = next(r for r in rows if r["number"] == row.number)
    assert mine["direction"] == "in" and mine["clock"] is not None and not mine["clock"]["overdue"]
    assert mine["task"]["name"] == "联络员签收移送函"
    with db.transaction() as s:
        assert all(r["direction"] == "out" for r in liaison_views.desk(s, who("arb_liaison"), "out"))


def test_a_user_without_a_body_has_no_desk(db, who):
    with pytest.raises(Forbidden), db.transaction() as s:
        liaison_views.desk(s, who("admin"))


def test_readable_ledgers_are_ones_own_body_and_for_leadership_every_body(db, who):
    with db.transaction() as s:
        assert [(l["bureau"], l["body"]) for l in liaison_views.readable_ledgers(s, who("liaison"))] == [
            ("zz-jinshui", "inspection")]
        leader = {(l["bureau"], l["body"]) for l in liaison_views.readable_ledgers(s, who("leader"))}
    assert ("zz-jinshui", "arbitration") in leader and ("zz-jinshui", "si_audit") in leader


def test_the_thresholds_come_from_the_deployed_table(db):
    with db.transaction() as s:
        limits = liaison_views.thresholds(s, "zz-jinshui")
    assert (limits["t1"], limits["t10"]) == (10000, 60000)


def test_the_eligibility_check_says_what_is_missing_in_chinese(db, who, case):
    with db.transaction() as s:
        c = liaison_views.police_case(s, who("inspector"), case["instance_id"])
        ok = liaison_views.check_eligibility(s, c, police.checked_facts(FACTS))
        missing = liaison_views.check_eligibility(s, c, police.checked_facts(
            {**FACTS, "order_served": False, "order_deadline": "2026-11-25", "workers": [{"amount": 9000, "months_unpaid": 4}]}))
    assert ok["eligible"] and ok["reasons"] == []
    assert not missing["eligible"] and len(missing["reasons"]) == 3
    assert any("期限尚未届满" in r for r in missing["reasons"]) and any("10000" in r for r in missing["reasons"])


def test_the_check_changes_nothing(db, who, case):
    with db.transaction() as s:
        c = liaison_views.police_case(s, who("inspector"), case["instance_id"])
        liaison_views.check_eligibility(s, c, police.checked_facts(FACTS))
    with db.transaction() as s:
        assert liaison_views.police_transfers(s, who("inspector")) == []


def test_only_the_inspection_body_may_transfer_its_case_to_the_police(db, who, case):
    with pytest.raises(Forbidden), db.transaction() as s:
        liaison_views.police_case(s, who("leader"), case["instance_id"])
    with pytest.raises(NotFound), db.transaction() as s:
        liaison_views.police_case(s, who("arbitrator"), case["instance_id"])


def test_the_tracker_shows_the_current_step_and_whose_move_it_is(db, who, case):
    with db.transaction() as s:
        row = police.start(s, who("inspector"), case["id"], FACTS)
    with db.transaction() as s:
        (view,) = liaison_views.police_transfers(s, who("inspector"))
    assert (view["step"], view["side"]) == ("report", "ours") and view["step_due_at"] is not None
    support.work(db, "inspector", row.number, "组成专案组、撰写移送报告",
                 {"team": ["inspector", "inspector2"], "report": "经调查，该公司拖欠工资十二万元，逾期拒不支付。"})
    support.work(db, "head", row.number, "负责人审批移送", {"approved": True, "approval_opinion": "同意移送公安机关"})
    with db.transaction() as s:
        assert liaison_views.police_transfers(s, who("police")) == []  # not handed over yet
    support.work(db, "liaison", row.number, "移送公安机关", {"checklist": CHECKLIST, "police_unit": "郑州市公安局金水分局"})
    with db.transaction() as s:
        (view,) = liaison_views.police_transfers(s, who("police"))
        assert (view["step"], view["side"]) == ("receipt", "police")
        assert liaison_views.police_transfers(s, who("inspector"), step="approve") == []
        detail = liaison_views.police_transfer(s, who("police"), row.id)
    assert detail["actionable"].name == "记录公安机关回执"


def test_a_police_transfer_of_another_body_is_not_found(db, who, case):
    with db.transaction() as s:
        row = police.start(s, who("inspector"), case["id"], FACTS)
    with pytest.raises(NotFound), db.transaction() as s:
        liaison_views.police_transfer(s, who("arbitrator"), row.id)
    with pytest.raises(NotFound), db.transaction() as s:
        liaison_views.police_transfer(s, who("inspector"), "x")


def test_invalid_facts_are_refused_field_by_field(db):
    with pytest.raises(Invalid) as raised:
        police.checked_facts({**FACTS, "workers": []})
    assert "workers" in raised.value.extra["errors"]
