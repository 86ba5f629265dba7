"""Transfer to the police of a suspected refusal to pay wages (``domain/collaboration/police.py``): the
eligibility checks of the decision tables, the facts' validation, the special team, and the dossier the
police see only after the handover (docs/collaboration.md §3)."""
from __future__ import annotations

import pytest

from tests.intake.helpers import id_number
from tests.services import support
from workflow_app.domain.collaboration import police
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.platform.errors import Conflict, Invalid, NotFound

FACTS = {"order_served": True, "order_deadline": "2026-11-10", "paid": False, "evasion": True,
         "workers": [{"amount": 12000, "months_unpaid": 4}], "reason": "逾期拒不支付劳动报酬，法定代表人失联"}
REPORT = "组成专案组、撰写移送报告"
CHECKLIST = ["移送书", "调查报告", "涉案物品清单", "检验鉴定结论", "责令支付文书", "送达证明", "工资支付记录和劳动者陈述"]


@pytest.fixture
def case(db):
    return support.open_cases(db, "wage_arrears")["inspection"]


def start(db, who, case, username="inspector", **facts) -> InterAgencyTransfer:
    with db.transaction() as s:
        return police.start(s, who(username), case["id"], {**FACTS, **facts})


def current(db, row) -> InterAgencyTransfer:
    with db.transaction() as s:
        return s.get(InterAgencyTransfer, row.id)


def test_an_eligible_case_starts_the_police_transfer_at_the_report(db, who, case):
    row = start(db, who, case)
    assert (row.number, row.status, row.to_body) == ("金水人社移公〔2026〕00001号", "reporting", "police")
    assert support.task(db, row.number, username="inspector").name == REPORT


def test_a_case_below_the_threshold_and_before_the_deadline_is_not_eligible_with_every_reason(db, who, case):
    row = start(db, who, case, order_deadline="2026-11-25", order_served=False,
                workers=[{"amount": 9000, "months_unpaid": 4}])
    assert row.status == "not_eligible"
    reasons = row.details["reasons"]
    assert any("期限尚未届满" in r for r in reasons) and any("10000" in r for r in reasons)
    assert any("未送达" in r for r in reasons)


def test_ten_workers_over_the_total_threshold_qualify_and_a_posted_order_counts_as_served(db, who, case):
    row = start(db, who, case, order_served=False, order_posted=True, workers=[{"amount": 6000, "months_unpaid": 2}] * 10)
    assert row.status == "reporting"


def test_with_fewer_than_ten_workers_each_must_reach_the_one_worker_threshold(db, who, case):
    row = start(db, who, case, workers=[{"amount": 9999, "months_unpaid": 5}] * 9)
    assert row.status == "not_eligible"


def test_a_case_has_one_open_police_transfer_at_a_time(db, who, case):
    start(db, who, case)
    with pytest.raises(Conflict):
        start(db, who, case)


def test_a_case_found_not_eligible_may_be_transferred_again_later(db, who, case):
    start(db, who, case, order_deadline="2026-11-25")
    assert start(db, who, case).status == "reporting"


def test_the_facts_are_validated_field_by_field(db, who, case):
    with pytest.raises(Invalid) as raised:
        start(db, who, case, workers=[], order_deadline="soon", paid="no")
    assert set(raised.value.extra["errors"]) == {"workers", "order_deadline", "paid"}


def test_only_inspection_cases_go_to_the_police(db, who):
    arbitration = support.open_cases(db, "dismissal_dispute", complainant={"id_number": id_number(2)})["arbitration"]
    with pytest.raises(Invalid) as raised:
        start(db, who, arbitration, username="arbitrator")
    assert "case" in raised.value.extra["errors"]


def test_a_body_that_does_not_see_the_case_cannot_start_it(db, who, case):
    with pytest.raises(NotFound):
        start(db, who, case, username="arbitrator")


def test_the_special_team_needs_two_officers_with_a_valid_enforcement_certificate(db, who, case):
    row = start(db, who, case)
    report = support.claim(db, "inspector", support.task(db, row.number, username="inspector").id)
    with pytest.raises(Invalid) as raised:  # the liaison officer holds no certificate
        support.complete(db, "inspector", report.id, {"team": ["inspector", "liaison"], "report": "移送报告：拖欠工资逾期不付"})
    assert "执法证" in raised.value.message
    support.complete(db, "inspector", report.id, {"team": ["inspector", "inspector2"], "report": "移送报告：拖欠工资逾期不付"})
    assert (current(db, row).status, current(db, row).details["team"]) == ("reported", ["inspector", "inspector2"])


def test_the_police_see_the_dossier_only_after_the_handover(db, who, case):
    row = start(db, who, case)
    support.work(db, "inspector", row.number, REPORT, {"team": ["inspector", "inspector2"], "report": "经调查，该公司拖欠工资十二万元，逾期拒不支付。"})
    support.work(db, "head", row.number, "负责人审批移送", {"approved": True, "approval_opinion": "同意移送公安机关"})
    with pytest.raises(NotFound):
        support.case(db, case["id"], username="police")
    support.work(db, "liaison", row.number, "移送公安机关", {"checklist": CHECKLIST, "police_unit": "郑州市公安局金水分局"})
    assert current(db, row).status == "transferred"
    assert support.case(db, case["id"], username="police")["number"] == case["number"]
    assert support.task(db, row.number, username="police").name == "记录公安机关回执"


def test_a_refusal_by_the_division_head_is_kept_with_its_opinion(db, who, case):
    row = start(db, who, case)
    support.work(db, "inspector", row.number, REPORT, {"team": ["inspector", "inspector2"], "report": "经调查，该公司拖欠工资十二万元，逾期拒不支付。"})
    support.work(db, "head", row.number, "负责人审批移送", {"approved": False, "approval_opinion": "证据不足，继续调查"})
    refused = current(db, row)
    assert (refused.status, refused.details["approval"]["opinion"]) == ("refused", "证据不足，继续调查")
