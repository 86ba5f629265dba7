"""Running instances and their projections (inbox rows, timers, message subscriptions)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    business_key: Mapped[str] = mapped_column(String(100), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # running | completed | terminated
    state: Mapped[str] = mapped_column(Text)
    employer_name: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(String(500))
    tree_depth: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    # Optimistic locking: every UPDATE carries "WHERE lock_version = :read"; a lost race raises
    # StaleDataError, which the service turns into a retry or a clean 409.
    __mapper_args__ = {"version_id_col": lock_version}


class TaskRow(Base):
    """The inbox projection: one row per user task that became ready, kept after completion as history."""

    __tablename__ = "task_row"
    __table_args__ = (
        # "my groups' unclaimed": assignee in the key lets SQLite use it for "assignee IS NULL" too
        Index("ix_task_open_group", "status", "candidate_group", "assignee", "priority", "created_at"),
        Index("ix_task_open_assignee", "status", "assignee", "priority", "created_at"),
        Index("ix_task_status_due", "status", "due_at"),
        # supervisors' views (a body in a bureau), e.g. overdue work: measured in bench (c)
        Index("ix_task_open_scope_due", "status", "bureau", "body", "due_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    process_name: Mapped[str] = mapped_column(String(200))
    process_version_id: Mapped[int] = mapped_column(Integer)
    task_spec: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    form: Mapped[str | None] = mapped_column(String(200))
    candidate_group: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(32))
    assignee: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(64), index=True)
    delegation_state: Mapped[str | None] = mapped_column(String(16))  # pending | resolved
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The due date crosses a year without official calendar data (docs/deadlines.md "Years without
    # calendar data"): shown as 暂定, recomputed when the year is loaded. Derived from due_at on every write.
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The instance's lock_version when the task became ready: orders one case's history by engine step,
    # independent of clock resolution (two steps in one instant, app processes with skewed clocks).
    step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # open | completed | cancelled
    business_key: Mapped[str] = mapped_column(String(100), index=True)
    employer_name: Mapped[str | None] = mapped_column(String(300), index=True)
    summary: Mapped[str | None] = mapped_column(String(500))
    draft: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set by the worker when the due date passes: the body's supervisors' group also sees the task.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_group: Mapped[str | None] = mapped_column(String(200), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskComment(Base):
    __tablename__ = "task_comment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_row.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TimerRow(Base):
    """A pending timer with its absolute due time: the worker wakes exactly the due instances."""

    __tablename__ = "timer_row"
    __table_args__ = (Index("ix_timer_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    #: the BPMN element (task spec name) that waits: the live view counts per element (docs/operations.md)
    element: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16))  # pending | incident
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class MessageSubscription(Base):
    """A waiting message catch, matched by message name and correlation key (never by scanning instances)."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_subscription_match", "message_name", "correlation_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    #: the BPMN element (task spec name) that waits: the live view counts per element (docs/operations.md)
    element: Mapped[str | None] = mapped_column(String(200))
    message_name: Mapped[str] = mapped_column(String(200))
    correlation_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A message thrown by an instance, written in the sender's transaction and delivered after commit.

    ``idempotency_key`` is unique: a redelivery after a crash between commit and delivery is recognised.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_pending", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation_key: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | incident
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_to: Mapped[str | None] = mapped_column(Text)  # JSON list of instance ids


class MessageReceipt(Base):
    """That an instance has consumed a message: redelivery of the same message is recognised and skipped."""

    __tablename__ = "message_receipt"
    __table_args__ = (UniqueConstraint("idempotency_key", "instance_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatutoryClockRow(Base):
    """A statutory clock of a case (acceptance 5 WD, investigation 60 WD, award 45 CD ...).

    Started, stopped, suspended, resumed and extended by task properties in the diagram; the due date is
    recomputed on every change so that lists can sort and filter on it.
    """

    __tablename__ = "statutory_clock"
    __table_args__ = (Index("ix_clock_instance_name", "instance_id", "name"), Index("ix_clock_status_due", "status", "due_at"),
                      Index("ix_clock_status_remind", "status", "remind_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    business_key: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)  # StatutoryClock.to_dict() as JSON
    extensions: Mapped[str] = mapped_column(Text, default="[]")  # [{extra, approved_by, at, reason}]
    status: Mapped[str] = mapped_column(String(16))  # running | suspended | stopped
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Reminder and escalation driven by the worker (docs/deadlines.md "Reminders and escalation of a
    # clock"): ``remind`` working days (hours, for an hour clock) before the due date; each fires once
    # per due date (reset when the due date moves).
    remind: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(Base):
    """A background job that failed after its retries: visible to administrators, who can retry it."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "resolved_at", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # timer | outbox | recompute
    ref_id: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    business_key: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class DeadlineRecompute(Base):
    """A job: recompute the provisional dates of one instance after a calendar year was loaded.

    One pending row per instance (enqueued only where none is pending; a duplicate would find nothing
    left to do); the worker runs each in its own
    transaction, retries with backoff, and after its attempts opens an incident (kind ``recompute``).
    """

    __tablename__ = "deadline_recompute"
    __table_args__ = (Index("ix_recompute_pending", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(200))  # e.g. "calendar national:2027 v1"
    status: Mapped[str] = mapped_column(String(16))  # pending | done | incident
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
