"""Intake (综合窗口): registrations, their claims, the cases opened from them, and what triage recorded.

* :class:`Complaint` — one registration (举报投诉登记) with its receipt number.
* :class:`ComplaintClaim` — one claim (issue code) of a registration and where triage sent it.
* :class:`Case` — one case per handling body (监察/稽核/仲裁), with its own case number, linked to the
  complaint and to the process instance that runs it; carries the flags (urgent, fast track, criminal watch).
* :class:`DuplicateLink` — a registration linked to an open case instead of opening another.
* :class:`TransferLedgerEntry` — the intake's rows of the transfer ledger (移送台账/通报台账): referrals to
  departments outside 人社 (T7) and notifications to a sector regulator (F3).
* :class:`JointHearingRequest` — the triage room asked for a joint hearing (联合会商).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class Complaint(Base):
    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_duplicate", "complainant_id_number", "employer_uscc"),
                      # the search's order, newest first (domain/cases/search.py)
                      Index("ix_complaint_received", "received_at", "id"),
                      # the dashboard's complaint figures (domain/reports): a period, then district and channel
                      Index("ix_complaint_received_figures", "received_at", "employer_district", "channel"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # complaint (投诉) | report (举报)
    channel: Mapped[str] = mapped_column(String(32))
    source_department: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(64))
    window_bureau: Mapped[str] = mapped_column(String(64), index=True)

    complainant_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    complainant_name: Mapped[str | None] = mapped_column(String(100))
    complainant_id_number: Mapped[str | None] = mapped_column(String(18))
    complainant_phone: Mapped[str | None] = mapped_column(String(40))
    complainant_address: Mapped[str | None] = mapped_column(String(300))

    employer_name: Mapped[str] = mapped_column(String(300), index=True)
    employer_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    employer_address: Mapped[str | None] = mapped_column(String(300))
    employer_district: Mapped[str] = mapped_column(String(64), index=True)
    employer_industry: Mapped[str | None] = mapped_column(String(100))
    project_name: Mapped[str | None] = mapped_column(String(300))
    project_type: Mapped[str | None] = mapped_column(String(64))

    workers_affected: Mapped[int] = mapped_column(Integer)
    worker_breakdown: Mapped[list | None] = mapped_column(JSON)
    relationship_disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    facts_clear: Mapped[bool] = mapped_column(Boolean, default=True)
    evidence_sufficient: Mapped[bool] = mapped_column(Boolean, default=True)
    dispute_major: Mapped[bool] = mapped_column(Boolean, default=False)
    proceedings: Mapped[str] = mapped_column(String(16), default="none")
    violation_ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    violation_ended_on: Mapped[date | None] = mapped_column(Date)
    employment_ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    employment_ended_on: Mapped[date | None] = mapped_column(Date)
    media_exposure: Mapped[bool] = mapped_column(Boolean, default=False)
    mass_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    employer_absconded: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)

    #: registered | routed | in_triage_room | joint_hearing_requested | duplicate
    status: Mapped[str] = mapped_column(String(32), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    criminal_watch: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_regulator: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_rules: Mapped[list | None] = mapped_column(JSON)
    triage_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ComplaintClaim(Base):
    __tablename__ = "complaint_claim"
    __table_args__ = (UniqueConstraint("complaint_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    months_unpaid: Mapped[int | None] = mapped_column(Integer)
    proceedings: Mapped[str] = mapped_column(String(16), default="none")
    violation_ended_on: Mapped[date | None] = mapped_column(Date)  # effective date; None: ongoing
    group: Mapped[str | None] = mapped_column(String(32))
    #: inspection | si_audit | arbitration | refuse | referral | inform | triage_room | duplicate
    route: Mapped[str | None] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(8))
    department: Mapped[str | None] = mapped_column(String(64))
    department_name: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    duplicate_of_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))


class Case(Base):
    """A case at one handling body (案件): its number, its process instance and its flags."""

    __tablename__ = "case_file"
    __table_args__ = (Index("ix_case_file_opened", "opened_at", "id"),  # the search's order, newest first
                      # the dashboard's case figures (domain/reports): opened in a period, per jurisdiction and body
                      Index("ix_case_opened", "opened_at", "jurisdiction", "body"),
                      Index("ix_case_urgent", "urgent", "jurisdiction", "body"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    body: Mapped[str] = mapped_column(String(32), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(64), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # triage | triage_room
    rules: Mapped[list] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    fast_track: Mapped[bool] = mapped_column(Boolean, default=False)
    criminal_watch: Mapped[bool] = mapped_column(Boolean, default=False)
    employer_name: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(String(500))
    acceptance_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(64))


class DuplicateLink(Base):
    """A registration whose claims are already handled by an open case: linked, not opened again."""

    __tablename__ = "complaint_duplicate_link"
    __table_args__ = (UniqueConstraint("complaint_id", "case_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    original_complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    claim_codes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TransferLedgerEntry(Base):
    """One row of the transfer/notification ledger (移送台账/通报台账) written by intake."""

    __tablename__ = "transfer_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # transfer (移送) | notification (通报)
    rule: Mapped[str] = mapped_column(String(8))  # T7 | F3
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    from_bureau: Mapped[str] = mapped_column(String(64), index=True)
    from_body: Mapped[str] = mapped_column(String(32))
    to_kind: Mapped[str] = mapped_column(String(16))  # department | regulator
    to_code: Mapped[str] = mapped_column(String(64))
    to_name: Mapped[str] = mapped_column(String(200))
    to_jurisdiction: Mapped[str] = mapped_column(String(64))  # the same-level department of this district
    subject: Mapped[str] = mapped_column(String(500))
    claim_codes: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # recorded | acknowledged
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JointHearingRequest(Base):
    """The triage room asked for a joint hearing (联合会商) of a difficult complaint; the hearing process
    itself is a later issue."""

    __tablename__ = "joint_hearing_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    opinion: Mapped[str | None] = mapped_column(Text)
    claim_codes: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # requested
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(64))
