"""The supervisors' read models (``domain/supervision``) and the inbox's overdue rule they share, on both
databases: overdue (by the task's due date or the case's statutory clock), escalated, due this week on the
frozen clock, unassigned, workload per person, reassigning (audited, notified, refused with reasons), and who
may not look."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from tests.services import support
from workflow_app.domain.supervision import escalations, reassign, team
from workflow_app.domain.supervision.team import TeamFilter
from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.jobs import clock_alerts
from workflow_app.platform.notifications import inbox as notifications
from workflow_app.platform.persistence.models import AuditEvent
from workflow_app.platform.tasks import inbox
from workflow_app.platform.tasks.inbox import TaskFilter

ACCEPTED = {"accepted": True, "acceptance_opinion": "符合受理条件"}
#: Monday 2027-03-01 10:00 China time: the 60-working-day investigation clock of a case accepted on the frozen
#: instant (2026-11-20) has expired; that week ends on Sunday 2027-03-07.
LATER = datetime(2027, 3, 1, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def board(db, freeze_clock):
    """On 2027-03-01: L00001's 立案调查 held by the inspector (no due date of its own, the case's
    investigation clock expired); W00001's 受理审查 unclaimed, due Friday 03-05; N00001's 受理审查 held by
    inspector2, due 03-08 (next week)."""
    support.start(db, business_key="L00001")
    support.work(db, "inspector", "L00001", "受理审查", ACCEPTED)
    late = support.claim(db, "inspector", support.task(db, "L00001").id)
    freeze_clock(LATER)
    support.start(db, business_key="W00001", received_at="2027-02-26T09:00:00+08:00")
    support.start(db, business_key="N00001", received_at="2027-03-01T09:00:00+08:00")
    support.claim(db, "inspector2", support.task(db, "N00001").id)
    return late


def keys(db, who, **flt):
    with db.transaction() as s:
        return sorted(r.business_key for r in team.team_tasks(s, who, TeamFilter(**flt)))


def test_the_inbox_overdue_filter_finds_a_task_late_by_its_cases_statutory_clock(db, who, board):
    # the regression: the row showed 调查期限：已超期 while 仅已超期 found nothing (the task has no due date)
    with db.transaction() as s:
        rows, total = inbox.list_tasks(s, who("inspector"), TaskFilter(scope="mine", overdue=True))
        assert [r.business_key for r in rows] == ["L00001"] and total == 1
        rows, _ = inbox.list_tasks(s, who("head"), TaskFilter(overdue=True))
        assert [r.business_key for r in rows] == ["L00001"]


def test_the_inbox_overdue_filter_still_finds_a_task_past_its_own_due_date(db, who, board, freeze_clock):
    freeze_clock(datetime(2027, 3, 9, 10, 0, tzinfo=CHINA_TZ))  # N00001 and W00001 past their due dates
    with db.transaction() as s:
        rows, _ = inbox.list_tasks(s, who("inspector2"), TaskFilter(scope="mine", overdue=True))
    assert [r.business_key for r in rows] == ["N00001"]


def test_the_board_shows_every_open_task_of_the_heads_body(db, who, board):
    assert keys(db, who("head")) == ["L00001", "N00001", "W00001"]


def test_overdue_due_this_week_and_unassigned_filters(db, who, board):
    head = who("head")
    assert keys(db, head, overdue=True) == ["L00001"]
    assert keys(db, head, due_week=True) == ["W00001"]
    assert keys(db, head, unassigned=True) == ["W00001"]
    assert keys(db, head, person="inspector2") == ["N00001"]
    assert keys(db, head, person=team.NOBODY) == ["W00001"]
    assert keys(db, head, overdue=True, person="inspector2") == []


def test_counts_per_filter(db, who, board):
    with db.transaction() as s:
        assert team.counts(s, who("head")) == {"all": 3, "overdue": 1, "escalated": 0, "due_week": 1, "unassigned": 1}
        assert team.counts(s, who("head"), "inspector")["overdue"] == 1


def test_an_escalated_task_is_on_the_escalated_filter_and_the_escalations(db, who, board):
    assert clock_alerts.escalate_due(db) >= 1
    head = who("head")
    assert keys(db, head, escalated=True) == ["L00001"]
    with db.transaction() as s:
        assert [r.business_key for r in escalations.escalated_tasks(s, head)] == ["L00001"]
        assert [n.business_key for n in escalations.alerts(s, head)] == ["L00001"]


def test_workload_per_person(db, who, board):
    with db.transaction() as s:
        table = {w["person"]: (w["open"], w["overdue"], w["due_week"]) for w in team.workload(s, who("head"))}
    assert table[None] == (1, 0, 1)
    assert table["inspector"] == (1, 1, 0) and table["inspector2"] == (1, 0, 0)
    assert table["liaison"] == (0, 0, 0)  # everyone of the body is listed, also with nothing to do


def test_another_bodys_head_does_not_see_the_inspection_team(db, who, board):
    assert keys(db, who("si_head")) == []


def test_someone_who_supervises_nobody_is_refused(db, who, board):
    for call in (lambda s: team.team_tasks(s, who("inspector"), TeamFilter()),
                 lambda s: team.workload(s, who("inspector")), lambda s: escalations.alerts(s, who("inspector"))):
        with pytest.raises(Forbidden), db.transaction() as s:
            call(s)


def test_reassigning_is_audited_with_its_reason_and_notifies_the_new_holder(db, who, board):
    with db.transaction() as s:
        row = reassign.reassign(s, who("head"), board.id, "inspector2", "张监察出差")
    assert row.assignee == "inspector2"
    with db.transaction() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "task.assign",
                                                   AuditEvent.entity_id == board.id)).one()
        assert (event.actor, event.before["assignee"], event.after["assignee"], event.detail) == (
            "head", "inspector", "inspector2", "张监察出差")
        told, _total, _unread = notifications.list_for(s, who("inspector2"))
        assert [(n.kind, n.task_id) for n in told] == [("task.reassigned", board.id)]


@pytest.mark.parametrize("target, reason, message", [
    ("auditor", "理由充分", "不在该任务的候选组中"), ("inspector", "理由充分", "无需改派"),
    ("inspector2", " ", "请填写改派理由"), ("", "理由充分", "请选择改派给谁"), ("nobody", "理由充分", "改派对象不存在")])
def test_a_refused_reassignment_says_why_and_changes_nothing(db, who, board, target, reason, message):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        reassign.reassign(s, who("head"), board.id, target, reason)
    assert message in raised.value.message
    assert support.task(db, "L00001").assignee == "inspector"


def test_only_a_supervisor_reassigns(db, who, board):
    with pytest.raises(Forbidden), db.transaction() as s:
        reassign.reassign(s, who("inspector"), board.id, "inspector2", "我想改派")
