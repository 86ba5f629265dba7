"""Inter-agency collaboration (docs/collaboration.md): transfers between bodies through the liaison officers,
notifications and assistance requests, police transfers, joint hearings, quarterly liaison meetings,
supervised handling.

* :class:`InterAgencyTransfer` — one transfer (移送), notification (通报), assistance request (协查/协助送达)
  or police transfer (移送公安). It *is* the ledger row: the sending body's ledger lists the rows it sent,
  the receiving body's ledger the rows it received (移送台账 / 通报台账), so both sides always agree.
* :class:`JointHearing` / :class:`JointHearingOpinion` — a joint hearing (联合会商) and the written opinion of
  each body, stored as each opinion is given (nothing is lost at the parallel join).
* :class:`MeetingSchedule` / :class:`MeetingScheduleRun` — the quarterly timer start of the liaison
  meeting per bureau; a run is unique per (schedule, period), so a quarter's meeting starts exactly once.
* :class:`LiaisonMeeting` / :class:`MeetingActionItem` — one meeting (one process instance) with its agenda,
  minutes and action items (each item becomes a task with an owner and a due date).
* :class:`SupervisedCase` — supervised handling (挂牌督办) of a case by a higher level, with its own deadline.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class InterAgencyTransfer(Base):
    __tablename__ = "collab_transfer"
    __table_args__ = (
        Index("ix_collab_transfer_from", "from_bureau", "from_body", "created_at"),
        Index("ix_collab_transfer_to", "to_bureau", "to_body", "created_at"),
        # the dashboard's police pipeline and acknowledgement times (domain/reports): a kind in a period
        Index("ix_collab_transfer_kind_created", "kind", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    #: transfer (移送) | notification (通报) | assistance (协助请求) | police (移送公安)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    assist_type: Mapped[str | None] = mapped_column(String(16))  # evidence | service (assistance only)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    case_number: Mapped[str | None] = mapped_column(String(100))
    employer_name: Mapped[str | None] = mapped_column(String(300))
    from_bureau: Mapped[str] = mapped_column(String(64))
    from_body: Mapped[str] = mapped_column(String(32))
    to_bureau: Mapped[str] = mapped_column(String(64))
    to_body: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    materials: Mapped[list] = mapped_column(JSON)
    letter: Mapped[str | None] = mapped_column(Text)
    #: requested | refused_by_liaison | sent | acknowledged | accepted | returned | replied |
    #: police: reported | not_eligible | approved | refused | transferred | received | filed | not_filed |
    #: reconsideration | supervision | items_handed_over | returned_to_admin
    status: Mapped[str] = mapped_column(String(32), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    receiver_instance_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    #: police-side records and other step details (receipt number, filing decision, dates ...)
    details: Mapped[dict | None] = mapped_column(JSON)


class JointHearing(Base):
    __tablename__ = "joint_hearing"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("joint_hearing_request.id"))
    jurisdiction: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # opinions | scheduled | minuted | concluded
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    participants: Mapped[list | None] = mapped_column(JSON)
    minutes: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JointHearingOpinion(Base):
    __tablename__ = "joint_hearing_opinion"
    __table_args__ = (UniqueConstraint("hearing_id", "body"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("joint_hearing.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(String(32))
    opinion: Mapped[str] = mapped_column(Text)
    proposed_body: Mapped[str | None] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingSchedule(Base):
    __tablename__ = "meeting_schedule"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau: Mapped[str] = mapped_column(String(64), unique=True)
    process_key: Mapped[str] = mapped_column(String(200))
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MeetingScheduleRun(Base):
    __tablename__ = "meeting_schedule_run"
    __table_args__ = (UniqueConstraint("schedule_id", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("meeting_schedule.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))  # 2027Q1
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiaisonMeeting(Base):
    __tablename__ = "liaison_meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    bureau: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # quarterly | ad_hoc
    period: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    agenda: Mapped[dict] = mapped_column(JSON)
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # preparing | held
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MeetingActionItem(Base):
    __tablename__ = "meeting_action_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id", ondelete="CASCADE"), index=True)
    bureau: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str | None] = mapped_column(String(64))
    owner_body: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | done
    instance_id: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupervisedCase(Base):
    """挂牌督办: a higher level supervises a major case with its own deadline."""

    __tablename__ = "supervised_case"
    __table_args__ = (Index("ix_supervised_open", "supervising_bureau", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    supervising_bureau: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    deadline_rule: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
