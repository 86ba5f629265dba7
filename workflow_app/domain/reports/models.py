"""The dashboard's roll-ups (docs/reports.md "Roll-ups"): what ``rollups.py`` keeps up to date so that a
figure reads thousands of rows instead of a million.

* day buckets (China day of receipt): complaints per district and channel, claims per district and issue —
  a complaint's receipt, district, channel and claims are fixed at registration, so a bucket only changes
  when a complaint is registered into it (back-dated ones included: the watermark is the complaint id);
* snapshots (recomputed whole, "as of" ``RollupState.snapshot_at``): cases per opening day, jurisdiction,
  body, status and stage; open/overdue tasks and running/overdue statutory clocks per jurisdiction and body.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class RollupState(Base):
    """The one state row (name 'dashboard'): the watermarks and instants of the last refresh. Its row lock
    (``FOR UPDATE SKIP LOCKED``) is what keeps two workers from refreshing at once."""

    __tablename__ = "report_rollup_state"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: complaints with ``id <=`` this are in the day buckets; the figures add the newer ones from the raw rows
    complaint_watermark: Mapped[int] = mapped_column(Integer, default=0)
    #: cases with ``id <=`` this are in the stage snapshot; the figure adds the newer ones from the raw rows
    case_watermark: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the instant of the snapshots (stage, overdue); None: never taken (the figures are computed live)
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ComplaintDay(Base):
    __tablename__ = "report_complaint_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # China day of receipt
    district: Mapped[str] = mapped_column(String(64), primary_key=True)  # the employer's district
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ClaimDay(Base):
    __tablename__ = "report_claim_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # China day of the complaint's receipt
    district: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))  # min(label) of the bucket, as the raw figure shows it
    count: Mapped[int] = mapped_column(Integer)


class StageSnapshot(Base):
    __tablename__ = "report_stage_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # China day the case was opened
    jurisdiction: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))  # the instance's status: running, completed, terminated
    stage: Mapped[str | None] = mapped_column(String(200))  # the open task's name; None: no open task
    count: Mapped[int] = mapped_column(Integer)


class OverdueSnapshot(Base):
    __tablename__ = "report_overdue_snapshot"
    bureau: Mapped[str] = mapped_column(String(64), primary_key=True)  # task bureau / case jurisdiction
    body: Mapped[str] = mapped_column(String(32), primary_key=True)
    open_tasks: Mapped[int] = mapped_column(Integer, default=0)
    overdue_tasks: Mapped[int] = mapped_column(Integer, default=0)
    running_clocks: Mapped[int] = mapped_column(Integer, default=0)
    overdue_clocks: Mapped[int] = mapped_column(Integer, default=0)
