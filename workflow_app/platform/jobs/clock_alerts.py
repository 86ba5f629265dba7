"""Reminders and escalation driven by the statutory clock rows (the worker runs these; docs/deadlines.md).

A running clock whose reminder instant has passed tells the holders of the case's open tasks, once per due
date; a clock past its due instant escalates the case's open tasks to the division heads and tells them.
Each row is taken by one worker (row lock + compare-and-set), so a reminder or escalation fires once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.engine.conventions import group_key
from workflow_app.platform.identity.directory import SYSTEM
from workflow_app.platform.jobs import timers
from workflow_app.platform.notifications import inbox as notifications
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import StatutoryClockRow, TaskRow


def _local(moment: datetime | None) -> str:
    return moment.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _open_tasks(session: Session, instance_id: int) -> list[TaskRow]:
    return list(session.scalars(select(TaskRow).where(TaskRow.instance_id == instance_id, TaskRow.status == "open")
                                .order_by(TaskRow.created_at, TaskRow.id)))


def _mark_once(session: Session, row: StatutoryClockRow, column, now: datetime) -> bool:
    """Compare-and-set: exactly one worker marks the clock's reminder (or escalation) as done."""
    result = session.execute(update(StatutoryClockRow).where(StatutoryClockRow.id == row.id, column.is_(None))
                             .values({column.key: now}).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _take_due_rows(session: Session, instant, done_marker, now, limit: int) -> list[StatutoryClockRow]:
    """Running clocks whose ``instant`` (reminder or due) has passed and whose ``done_marker`` is unset,
    each taken by this worker (row lock + compare-and-set), so a reminder or escalation fires once."""
    rows = session.scalars(select(StatutoryClockRow).where(
        StatutoryClockRow.status == "running", instant.is_not(None), instant < now, done_marker.is_(None))
        .order_by(instant).limit(limit).with_for_update(skip_locked=True)).all()
    return [row for row in rows if _mark_once(session, row, done_marker, now)]


def remind_due(db, limit: int = 100) -> int:
    """Clocks whose reminder instant passed: tell the holders of the case's open tasks, once per due date."""

    def run(session: Session) -> int:
        now = clock.now()
        done = 0
        for row in _take_due_rows(session, StatutoryClockRow.remind_at, StatutoryClockRow.reminded_at, now, limit):
            if row.due_at is not None and row.due_at <= now:
                continue  # already due (the worker was stopped, or the clock started late): escalation tells
            done += 1
            provisional = "（暂定）" if row.due_provisional else ""
            for task in _open_tasks(session, row.instance_id):
                notifications.notify_task_holders(
                    session, task, "clock.remind", f"{row.business_key}：{row.label}即将届满",
                    f"{row.label}（{row.rule}）将于 {_local(row.due_at)}{provisional} 届满，请及时办理“{task.name}”。")
            audit.record(session, SYSTEM.username, "clock.remind", "clock", row.id, instance_id=row.instance_id,
                         business_key=row.business_key,
                         after={"name": row.name, "due_at": row.due_at.isoformat() if row.due_at else None,
                                "remind_at": row.remind_at.isoformat(), "provisional": bool(row.due_provisional)})
        return done
    return in_transaction(db, run)


def escalate_due(db, limit: int = 100) -> int:
    """Clocks past their due instant: escalate the case's open tasks to the division heads and tell them."""

    def run(session: Session) -> int:
        now = clock.now()
        done = 0
        for row in _take_due_rows(session, StatutoryClockRow.due_at, StatutoryClockRow.escalated_at, now, limit):
            done += 1
            heads: dict[str, list[str]] = {}
            for task in _open_tasks(session, row.instance_id):
                target = group_key(task.bureau, task.body, "division_head")
                heads.setdefault(target, []).append(task.name)
                # already the supervisors' own task, or already escalated: nothing to hand over
                if task.candidate_group != target and task.escalated_at is None:
                    timers.escalate_task(session, task, now, {"clock": row.name})
            for target, names in heads.items():
                notifications.notify(
                    session, notifications.group_members(session, target), "clock.escalate",
                    f"{row.business_key}：{row.label}已届满",
                    f"{row.label}（{row.rule}）已于 {_local(row.due_at)}{'（暂定）' if row.due_provisional else ''}"
                    f"届满，待办事项：{'、'.join(names)}。", instance_id=row.instance_id,
                    business_key=row.business_key, link=notifications.case_link(row.instance_id))
            audit.record(session, SYSTEM.username, "clock.escalate", "clock", row.id, instance_id=row.instance_id,
                         business_key=row.business_key,
                         after={"name": row.name, "due_at": row.due_at.isoformat(), "to": sorted(heads),
                                "provisional": bool(row.due_provisional)})
        return done
    return in_transaction(db, run)
