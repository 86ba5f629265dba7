"""Background jobs: fire due timers, escalate overdue tasks, record reminders, recompute provisional
dates after a calendar year was loaded, manage incidents.

Timers are found through the indexed ``timer_row`` table (status, due_at): only instances with a due
timer are ever loaded. Each instance is processed in its own transaction under a row lock taken with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the work and every timer fires once
(SQLite serialises writers anyway). A failing instance is retried with exponential backoff; after
``MAX_ATTEMPTS`` its timers become an incident that an administrator can retry.

Provisional dates (docs/deadlines.md "Years without calendar data"): a timer on a provisional date fires
at that date and its firing is recorded as provisional; a recompute job re-evaluates an instance's timer
and due-date expressions on the new calendar, and fires at once — flagged late, holders told — a timer
whose real instant is already past.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.database import Database
from workflow_app.platform.engine import runner
from workflow_app.platform.engine.conventions import group_key
from workflow_app.platform.persistence.models import (
    DeadlineRecompute,
    Incident,
    OutboxMessage,
    ProcessInstance,
    StatutoryClockRow,
    TaskRow,
    TimerRow,
)
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.deadlines import calendar_years, statutory_clocks as clocks
from workflow_app.platform.notifications import inbox as notifications
from workflow_app.platform.errors import Conflict, DomainError, NotFound
from workflow_app.platform.identity.directory import SYSTEM
from workflow_app.platform.runtime.instances import (
    in_transaction,
    load_workflow,
    persist_step,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 30
#: Message a diagram throws from a reminder (non-interrupting) timer: {"task": <task id in the diagram>}.
REMINDER_MESSAGE = "task_reminder"


def _due_condition(now):
    # Strictly after the due instant, as SpiffWorkflow itself decides; "<=" would pick an instance whose
    # timer Spiff does not fire yet, over and over until the clock moves.
    return and_(TimerRow.status == "pending", TimerRow.due_at < now,
                or_(TimerRow.next_attempt_at.is_(None), TimerRow.next_attempt_at <= now))


def due_instances(session: Session, limit: int) -> list[int]:
    now = clock.now()
    rows = session.execute(select(TimerRow.instance_id, TimerRow.due_at).where(_due_condition(now))
                           .order_by(TimerRow.due_at).limit(limit * 4)).all()
    seen: list[int] = []
    for instance_id, _ in rows:
        if instance_id not in seen:
            seen.append(instance_id)
        if len(seen) >= limit:
            break
    return seen


def fire_instance_timers(db: Database, instance_id: int) -> bool:
    """Fire whatever is due in one instance. False when nothing was due or another worker holds it."""
    def run(session: Session) -> bool:
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                  .with_for_update(skip_locked=True))
        if instance is None:
            return False
        due = session.scalars(select(TimerRow).where(TimerRow.instance_id == instance_id,
                                                     _due_condition(clock.now()))).all()
        if not due:
            return False
        fired = [(t.id, t.name, t.due_at, bool(t.due_provisional)) for t in due]
        holders = _open_task_holders(session, instance.id)
        version, _loaded, workflow = load_workflow(session, instance)
        step = runner.StepLog()
        runner.fire_timers(workflow, step)
        persist_step(session, instance, version, workflow, step, SYSTEM)
        for timer_id, name, due_at, provisional in fired:
            audit.record(session, SYSTEM.username, "timer.fire", "timer", timer_id, instance_id=instance.id,
                         business_key=instance.business_key,
                         after={"name": name, "due_at": due_at.isoformat(), "provisional": provisional})
            if provisional:
                notifications.notify(
                    session, holders, "timer.provisional", f"{instance.business_key}：按暂定期限触发的提醒或期限",
                    f"“{name}”按暂定日期 {_local(due_at)} 触发；该日期所在年度的法定节假日数据尚未导入，"
                    f"导入后以重算的期限为准。", instance_id=instance.id, business_key=instance.business_key,
                    link=notifications.case_link(instance.id))
        return True

    return _run_job(db, run, lambda error: _record_failure(db, instance_id, error),
                    f"timer job for instance {instance_id}")


def _run_job(db: Database, run, record_failure, what: str) -> bool:
    """Run one job in its own transaction; a failure is recorded (retry with backoff, then an incident)
    and answered with False — a job must never kill the worker."""
    try:
        return in_transaction(db, run)
    except (runner.EngineError, DomainError) as exc:
        record_failure(str(getattr(exc, "detail", exc)))
    except Exception as exc:
        log.exception("%s failed", what)
        record_failure(f"{type(exc).__name__}: {exc}")
    return False


def _count_failure(session: Session, row, kind: str, instance_id: int, error: str, now) -> None:
    """One more failed attempt of a job row (timer or recompute job): back off, or after MAX_ATTEMPTS open
    an incident that an administrator retries."""
    row.attempts += 1
    row.last_error = error[:4000]
    if row.attempts < MAX_ATTEMPTS:
        row.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (row.attempts - 1))
        return
    row.status = "incident"
    instance = session.get(ProcessInstance, instance_id)
    business_key = instance.business_key if instance else None
    session.add(Incident(kind=kind, ref_id=row.id, instance_id=instance_id, business_key=business_key,
                         error=error[:4000], attempts=row.attempts, created_at=now))
    audit.record(session, SYSTEM.username, "incident.open", kind, row.id, instance_id=instance_id,
                 business_key=business_key, after={"error": error[:500]})


def _record_failure(db: Database, instance_id: int, error: str) -> None:
    def run(session: Session) -> None:
        now = clock.now()
        for timer in session.scalars(select(TimerRow).where(TimerRow.instance_id == instance_id,
                                                            _due_condition(now))):
            _count_failure(session, timer, "timer", instance_id, error, now)
    in_transaction(db, run)


def escalate_overdue(db: Database, limit: int = 200) -> int:
    """Mark open tasks past their due date as escalated to their body's supervisors (division heads)."""
    def run(session: Session) -> int:
        now = clock.now()
        rows = session.scalars(select(TaskRow).where(TaskRow.status == "open", TaskRow.due_at < now,
                                                     TaskRow.escalated_at.is_(None))
                               .order_by(TaskRow.due_at).limit(limit).with_for_update(skip_locked=True)).all()
        for row in rows:
            escalate_task(session, row, now)
        return len(rows)
    return in_transaction(db, run)


def escalate_task(session: Session, row: TaskRow, now: datetime, reason: dict | None = None) -> str:
    """Hand an open task to its body's supervisors as well (the division heads' group sees it)."""
    row.escalated_at = now
    row.escalation_group = group_key(row.bureau, row.body, "division_head")
    row.row_version += 1
    audit.record(session, SYSTEM.username, "task.escalate", "task", row.id, instance_id=row.instance_id,
                 business_key=row.business_key, before={"escalated": False},
                 after={"escalated": True, "to": row.escalation_group,
                        "due_at": row.due_at.isoformat() if row.due_at else None, **(reason or {})})
    return row.escalation_group


def _local(moment: datetime | None) -> str:
    return moment.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _open_task_holders(session: Session, instance_id: int) -> list[str]:
    out: list[str] = []
    for task in session.scalars(select(TaskRow).where(TaskRow.instance_id == instance_id, TaskRow.status == "open")):
        out.extend(notifications.holders_of(session, task))
    return list(dict.fromkeys(out))


# ------------------------------------------------------------------------------------------------
# recomputing provisional dates after a calendar year was loaded


def _recompute_condition(now):
    return and_(DeadlineRecompute.status == "pending",
                or_(DeadlineRecompute.next_attempt_at.is_(None), DeadlineRecompute.next_attempt_at <= now))


def pending_recomputes(session: Session, limit: int) -> list[int]:
    return list(session.scalars(select(DeadlineRecompute.id).where(_recompute_condition(clock.now()))
                                .order_by(DeadlineRecompute.id).limit(limit)))


def _spiff_task(workflow, task_id: str):
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError):
        return None


def _recompute_timers(session, instance, workflow, now) -> tuple[list[dict], list[dict]]:
    """Re-evaluate the timeDate of every waiting timer whose stored date is provisional.
    Returns (moved, late): each ``{"name", "before", "after"}``; late ones are due already."""
    moved, late = [], []
    rows = session.scalars(select(TimerRow).where(TimerRow.instance_id == instance.id, TimerRow.status == "pending",
                                                  TimerRow.due_provisional.is_(True))).all()
    for row in rows:
        task = _spiff_task(workflow, row.task_id)
        definition = getattr(getattr(task, "task_spec", None), "event_definition", None)
        # Only absolute dates depend on the calendar; durations and cycles count from their start.
        if task is None or not isinstance(definition, TimeDateEventDefinition):
            continue
        value = workflow.script_engine.evaluate(task, definition.expression)
        if value == task._get_internal_data("event_value"):
            continue
        task._set_internal_data(event_value=value)
        after = TimerEventDefinition.get_datetime(value)
        item = {"id": row.id, "name": row.name, "before": row.due_at, "after": after}
        moved.append(item)
        if after < now:
            late.append(item)
    return moved, late


def _recompute_task_dates(session, instance, workflow) -> list[tuple[TaskRow, datetime | None, datetime | None]]:
    """Re-evaluate the dueDate property of every open task whose due date is provisional."""
    moved = []
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.status == "open",
                                                     TaskRow.due_provisional.is_(True))).all():
        task = _spiff_task(workflow, row.id)
        if task is None:
            continue
        due_at = runner.describe_ready_task(task).due_at
        if due_at != row.due_at:
            moved.append((row, row.due_at, due_at))
            row.due_at = due_at
            row.row_version += 1
    return moved


def recompute_instance(db: Database, job_id: int) -> bool:
    """Run one recompute job: one instance, one transaction. False when nothing was done (or locked)."""
    def run(session: Session) -> bool:
        job = session.get(DeadlineRecompute, job_id)
        if job is None or job.status != "pending":
            return False
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.id == job.instance_id)
                                  .with_for_update(skip_locked=True))
        if instance is None:
            return False  # another worker holds the instance; the job stays pending
        # The newest calendar of this database (a year may have been loaded by another process a moment
        # ago); load_workflow below computes with the same one, from the same cache.
        calendar = calendar_years.current(session, force=True)
        now = clock.now()
        audit_items: list[dict] = []
        for row in session.scalars(select(StatutoryClockRow).where(
                StatutoryClockRow.instance_id == instance.id, StatutoryClockRow.status != "stopped",
                StatutoryClockRow.due_provisional.is_(True))).all():
            before, after = clocks.recompute(row, calendar)
            if before != after:
                audit_items.append({"clock": row.name, "before": _iso(before), "after": _iso(after)})
        if instance.status == "running":
            holders = _open_task_holders(session, instance.id)
            version, _loaded, workflow = load_workflow(session, instance)
            moved_tasks = _recompute_task_dates(session, instance, workflow)
            moved_timers, late = _recompute_timers(session, instance, workflow, now)
            step = runner.StepLog()
            also_due = []
            if late:
                moved_ids = {i["id"] for i in moved_timers}
                also_due = [t for t in session.scalars(select(TimerRow).where(
                    TimerRow.instance_id == instance.id, _due_condition(now))) if t.id not in moved_ids]
                also_due = [(t.id, t.name, t.due_at, bool(t.due_provisional)) for t in also_due]
                runner.fire_timers(workflow, step)  # at once: their real instant is already past
            if moved_timers or moved_tasks:
                persist_step(session, instance, version, workflow, step, SYSTEM)
            for row, before, after in moved_tasks:
                audit_items.append({"task": row.id, "name": row.name, "before": _iso(before), "after": _iso(after)})
                notifications.notify_task_holders(
                    session, row, "deadline.moved", f"{row.business_key}：“{row.name}”的期限已重算",
                    f"法定节假日数据已导入，期限由暂定的 {_local(before)} 改为 {_local(after)}"
                    f"{'（仍为暂定）' if row.due_provisional else ''}。")
            for item in moved_timers:
                audit_items.append({"timer": item["name"], "before": _iso(item["before"]), "after": _iso(item["after"])})
            for timer_id, name, due_at, provisional in also_due:  # due anyway, fired in the same step
                audit.record(session, SYSTEM.username, "timer.fire", "timer", timer_id, instance_id=instance.id,
                             business_key=instance.business_key,
                             after={"name": name, "due_at": due_at.isoformat(), "provisional": provisional})
            for item in late:
                audit.record(session, SYSTEM.username, "timer.fire", "timer", item["id"], instance_id=instance.id,
                             business_key=instance.business_key,
                             after={"name": item["name"], "due_at": item["after"].isoformat(), "late": True,
                                    "reason": f"recomputed on the loaded calendar ({job.reason}): the real instant "
                                              f"{item['after'].isoformat()} is earlier than the provisional "
                                              f"{item['before'].isoformat()} and already past"})
            if moved_timers and not moved_tasks:
                notifications.notify(
                    session, holders, "deadline.moved", f"{instance.business_key}：提醒或期限时间已重算",
                    "；".join(f"“{i['name']}”由暂定的 {_local(i['before'])} 改为 {_local(i['after'])}" for i in moved_timers),
                    instance_id=instance.id, business_key=instance.business_key, link=notifications.case_link(instance.id))
            if late:
                notifications.notify(
                    session, holders, "timer.late", f"{instance.business_key}：期限按重算结果已经届满，现已触发",
                    "；".join(f"“{i['name']}”重算后为 {_local(i['after'])}（暂定为 {_local(i['before'])}），"
                              f"已于 {_local(now)} 补充触发" for i in late),
                    instance_id=instance.id, business_key=instance.business_key, link=notifications.case_link(instance.id))
        if audit_items:
            audit.record(session, SYSTEM.username, "deadline.recompute", "instance", instance.id,
                         instance_id=instance.id, business_key=instance.business_key,
                         after={"reason": job.reason, "changes": audit_items})
        job.status, job.done_at = "done", now
        return True

    return _run_job(db, run, lambda error: _record_recompute_failure(db, job_id, error),
                    f"recompute job {job_id}")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _record_recompute_failure(db: Database, job_id: int, error: str) -> None:
    def run(session: Session) -> None:
        now = clock.now()
        job = session.get(DeadlineRecompute, job_id)
        if job is None or job.status != "pending":
            return
        _count_failure(session, job, "recompute", job.instance_id, error, now)
    in_transaction(db, run)


def on_reminder(session: Session, instance: ProcessInstance, payload: dict, principal) -> None:
    """A reminder timer fired (message ``REMINDER_MESSAGE``, wired by the bootstrap): mark the open task it
    names (the reminder itself is the audit event)."""
    spec_name = str(payload.get("task", ""))
    now = clock.now()
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.status == "open",
                                                     TaskRow.task_spec == spec_name)):
        row.reminded_at = now
        audit.record(session, principal.username, "task.remind", "task", row.id, instance_id=instance.id,
                     business_key=instance.business_key, after={"due_at": row.due_at.isoformat() if row.due_at else None,
                                                               "message": payload.get("message")})



def list_incidents(session: Session, open_only: bool = True) -> list[Incident]:
    query = select(Incident).order_by(Incident.id.desc())
    if open_only:
        query = query.where(Incident.resolved_at.is_(None))
    return list(session.scalars(query.limit(500)))


def retry_incident(session: Session, incident_id: int, actor: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("故障记录不存在", f"incident {incident_id} not found")
    if incident.resolved_at is not None:
        raise Conflict("该故障已处理", "incident already resolved")
    if incident.kind == "timer":
        session.execute(update(TimerRow).where(TimerRow.id == incident.ref_id).values(
            status="pending", attempts=0, next_attempt_at=None))
    elif incident.kind == "recompute":
        session.execute(update(DeadlineRecompute).where(DeadlineRecompute.id == incident.ref_id).values(
            status="pending", attempts=0, next_attempt_at=None))
    elif incident.kind == "outbox":
        session.execute(update(OutboxMessage).where(OutboxMessage.id == incident.ref_id).values(
            status="pending", attempts=0, next_attempt_at=None))
    incident.resolved_at, incident.resolved_by = clock.now(), actor
    audit.record(session, actor, "incident.retry", "incident", incident.id, instance_id=incident.instance_id,
                 business_key=incident.business_key, after={"kind": incident.kind, "ref_id": incident.ref_id})
    return incident
