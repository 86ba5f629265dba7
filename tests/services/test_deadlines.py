"""Statutory clocks (``platform/deadlines/statutory_clocks.py``): started, stopped, suspended, resumed and
extended by the directives a diagram's tasks carry (docs/deadlines.md), read back as the case file shows
them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.samples import APPROVE_FORM, INVESTIGATION, props, simple
from tests.services import support
from workflow_app.platform.deadlines import statutory_clocks
from workflow_app.platform.errors import ProcessFailed

CST = timezone(timedelta(hours=8))
UTC = timezone.utc
ACCEPTED = {"accepted": True, "acceptance_opinion": "符合受理条件"}


def clocks(db, instance_id: int) -> dict[str, dict]:
    """The case's clocks by name, as the case file shows them."""
    with db.transaction() as s:
        return {c["name"]: c for c in statutory_clocks.for_instance(s, instance_id)}


@pytest.fixture
def investigation(db, freeze_clock):
    """The test investigation process, started on Monday 2025-03-03 09:00 with its clock filed."""
    moment = freeze_clock(datetime(2025, 3, 3, 9, 0, tzinfo=CST))
    support.deploy(db, {"inv.bpmn": INVESTIGATION, "t_approve.json": APPROVE_FORM})
    instance = support.start(db, "t_investigate", business_key="INV-1")
    support.work(db, "inspector", "INV-1", "立案", {"note": "立案"})
    return instance, moment


def test_a_new_inspection_case_runs_its_five_working_day_acceptance_clock(db):
    case = support.start(db, business_key="CLK-1")
    acceptance = clocks(db, case.id)["acceptance"]
    assert (acceptance["label"], acceptance["rule"], acceptance["status"]) == ("受理期限", "5WD", "running")
    assert acceptance["due_at"] == datetime(2026, 11, 27, 15, 59, 59, tzinfo=UTC)  # Friday 27 Nov, end of day
    assert acceptance["overdue"] is False


def test_accepting_a_case_stops_the_acceptance_clock_and_starts_the_investigation_clock(db):
    case = support.start(db, business_key="CLK-1")
    support.work(db, "inspector", "CLK-1", "受理审查", ACCEPTED)
    found = clocks(db, case.id)
    assert found["acceptance"]["status"] == "stopped" and found["acceptance"]["stopped_at"] is not None
    assert (found["investigation"]["rule"], found["investigation"]["status"]) == ("60WD", "running")


def test_refusing_a_case_stops_the_acceptance_clock_and_starts_no_other(db):
    case = support.start(db, business_key="CLK-1")
    support.work(db, "inspector", "CLK-1", "受理审查",
                 {"accepted": False, "acceptance_opinion": "不符合受理条件", "refusal_reason": "已支付"})
    assert {name: c["status"] for name, c in clocks(db, case.id).items()} == {"acceptance": "stopped"}


def test_a_clock_that_reaches_a_year_without_calendar_data_is_provisional(db):
    case = support.start(db, business_key="CLK-1")
    support.work(db, "inspector", "CLK-1", "受理审查", ACCEPTED)  # 60 WD from 20 Nov 2026 ends in 2027
    found = clocks(db, case.id)
    assert found["investigation"]["due_provisional"] is True
    assert found["acceptance"]["due_provisional"] is False


def test_a_clock_started_by_a_task_counts_working_days_across_public_holidays(db, investigation):
    instance, _ = investigation
    due = clocks(db, instance.id)["investigation"]["due_at"]
    assert due.astimezone(CST).date().isoformat() == "2025-05-29"  # Qingming, Labour Day, Dragon Boat skipped


def test_a_suspended_clock_has_no_due_date_and_does_not_run(db, investigation):
    instance, moment = investigation
    moment.set(datetime(2025, 3, 10, 9, 0, tzinfo=CST))
    support.work(db, "inspector", "INV-1", "中止调查", {"note": "中止"})
    suspended = clocks(db, instance.id)["investigation"]
    assert (suspended["status"], suspended["due_at"]) == ("suspended", None)
    moment.set(datetime(2025, 3, 17, 9, 0, tzinfo=CST))
    assert clocks(db, instance.id)["investigation"]["remaining"] == suspended["remaining"]


def test_a_resumed_clock_is_due_later_by_the_working_days_it_was_suspended(db, investigation):
    instance, moment = investigation
    moment.set(datetime(2025, 3, 10, 9, 0, tzinfo=CST))
    support.work(db, "inspector", "INV-1", "中止调查", {"note": "中止"})
    moment.set(datetime(2025, 3, 17, 9, 0, tzinfo=CST))
    support.work(db, "inspector", "INV-1", "恢复调查", {"note": "恢复"})
    resumed = clocks(db, instance.id)["investigation"]
    assert resumed["status"] == "running"
    assert resumed["due_at"].astimezone(CST).date().isoformat() == "2025-06-06"  # five working days later


def test_an_approved_extension_adds_its_days_and_records_who_approved_it(db, investigation):
    instance, _ = investigation
    support.work(db, "inspector", "INV-1", "中止调查", {"note": "中止"})
    support.work(db, "inspector", "INV-1", "恢复调查", {"note": "恢复"})
    support.work(db, "head", "INV-1", "延期审批", {"approved": True})
    extended = clocks(db, instance.id)["investigation"]
    assert extended["length"] == 90
    assert [(e["extra"], e["approved_by"]) for e in extended["extensions"]] == [(30, "head")]


def test_a_refused_extension_leaves_the_clock_as_it_was(db, investigation):
    instance, _ = investigation
    support.work(db, "inspector", "INV-1", "中止调查", {"note": "中止"})
    support.work(db, "inspector", "INV-1", "恢复调查", {"note": "恢复"})
    before = clocks(db, instance.id)["investigation"]
    support.work(db, "head", "INV-1", "延期审批", {"approved": False})
    after = clocks(db, instance.id)["investigation"]
    assert (after["length"], after["due_at"], after["extensions"]) == (60, before["due_at"], [])


def test_a_directive_naming_a_clock_the_case_lacks_fails_the_step_and_changes_nothing(db):
    support.deploy(db, {"t_proc.bpmn": simple(extra_props=props(stopClock="'ghost'"))})
    support.start(db, "t_proc", business_key="GHOST")
    row = support.claim(db, "inspector", support.task(db, "GHOST").id)
    with pytest.raises(ProcessFailed) as raised:
        support.complete(db, "inspector", row.id, {"note": "办结"})
    assert "ghost" in raised.value.detail
    assert support.task(db, "GHOST").status == "open"
