"""Background jobs: fire due timers, escalate overdue tasks, record reminders, manage incidents.

Timers are found through the indexed ``timer_row`` table (status, due_at): only instances with a due
timer are ever loaded. Each instance is processed in its own transaction under a row lock taken with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the work and every timer fires once
(SQLite serialises writers anyway). A failing instance is retried with exponential backoff; after
``MAX_ATTEMPTS`` its timers become an incident that an administrator can retry.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..db import Database
from ..engine import runner
from ..engine.conventions import group_key
from ..models import Incident, OutboxMessage, ProcessInstance, TaskRow, TimerRow
from . import audit, calendar
from .errors import Conflict, DomainError, NotFound
from .identity import SYSTEM
from .runtime import in_transaction, load_workflow, persist_step, register_event_handler

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
        calendar.refresh(session)
        version, _loaded, workflow = load_workflow(session, instance)
        step = runner.StepLog()
        runner.fire_timers(workflow, step)
        persist_step(session, instance, version, workflow, step, SYSTEM)
        for timer in due:
            audit.record(session, SYSTEM.username, "timer.fire", "timer", timer.id, instance_id=instance.id,
                         business_key=instance.business_key,
                         after={"name": timer.name, "due_at": timer.due_at.isoformat()})
        return True

    try:
        return in_transaction(db, run)
    except (runner.EngineError, DomainError) as exc:
        _record_failure(db, instance_id, str(getattr(exc, "detail", exc)))
    except Exception as exc:  # a job must never kill the worker; the failure is recorded and retried
        log.exception("timer job for instance %s failed", instance_id)
        _record_failure(db, instance_id, f"{type(exc).__name__}: {exc}")
    return False


def _record_failure(db: Database, instance_id: int, error: str) -> None:
    def run(session: Session) -> None:
        now = clock.now()
        instance = session.get(ProcessInstance, instance_id)
        for timer in session.scalars(select(TimerRow).where(TimerRow.instance_id == instance_id,
                                                            _due_condition(now))):
            timer.attempts += 1
            timer.last_error = error[:4000]
            if timer.attempts >= MAX_ATTEMPTS:
                timer.status = "incident"
                session.add(Incident(kind="timer", ref_id=timer.id, instance_id=instance_id,
                                     business_key=instance.business_key if instance else None, error=error[:4000],
                                     attempts=timer.attempts, created_at=now))
                audit.record(session, SYSTEM.username, "incident.open", "timer", timer.id, instance_id=instance_id,
                             business_key=instance.business_key if instance else None, after={"error": error[:500]})
            else:
                timer.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (timer.attempts - 1))
    in_transaction(db, run)


def escalate_overdue(db: Database, limit: int = 200) -> int:
    """Mark open tasks past their due date as escalated to their body's supervisors (division heads)."""
    def run(session: Session) -> int:
        now = clock.now()
        rows = session.scalars(select(TaskRow).where(TaskRow.status == "open", TaskRow.due_at < now,
                                                     TaskRow.escalated_at.is_(None))
                               .order_by(TaskRow.due_at).limit(limit).with_for_update(skip_locked=True)).all()
        for row in rows:
            row.escalated_at = now
            row.escalation_group = group_key(row.bureau, row.body, "division_head")
            row.row_version += 1
            audit.record(session, SYSTEM.username, "task.escalate", "task", row.id, instance_id=row.instance_id,
                         business_key=row.business_key, before={"escalated": False},
                         after={"escalated": True, "to": row.escalation_group, "due_at": row.due_at.isoformat()})
        return len(rows)
    return in_transaction(db, run)


def _on_reminder(session: Session, instance: ProcessInstance, payload: dict, principal) -> None:
    """A reminder timer fired: mark the open task it names (the reminder itself is the audit event)."""
    spec_name = str(payload.get("task", ""))
    now = clock.now()
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.status == "open",
                                                     TaskRow.task_spec == spec_name)):
        row.reminded_at = now
        audit.record(session, principal.username, "task.remind", "task", row.id, instance_id=instance.id,
                     business_key=instance.business_key, after={"due_at": row.due_at.isoformat() if row.due_at else None,
                                                               "message": payload.get("message")})


register_event_handler(REMINDER_MESSAGE, _on_reminder)


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
    elif incident.kind == "outbox":
        session.execute(update(OutboxMessage).where(OutboxMessage.id == incident.ref_id).values(
            status="pending", attempts=0, next_attempt_at=None))
    incident.resolved_at, incident.resolved_by = clock.now(), actor
    audit.record(session, actor, "incident.retry", "incident", incident.id, instance_id=incident.instance_id,
                 business_key=incident.business_key, after={"kind": incident.kind, "ref_id": incident.ref_id})
    return incident
