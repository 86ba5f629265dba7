"""Migrations of running instances from one process version to another (docs/operations.md): a run and
the result of each instance in it, so the migration page shows what happened after the fact."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class MigrationRun(Base):
    """One migration: source and target version of a process, who started it, its progress."""

    __tablename__ = "migration_run"
    __table_args__ = (Index("ix_migration_run_process", "process_key", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    source_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    target_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    source_version: Mapped[int] = mapped_column(Integer)
    target_version: Mapped[int] = mapped_column(Integer)
    batch_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # running | finished
    total: Mapped[int] = mapped_column(Integer)
    migrated: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}


class MigrationResult(Base):
    """One instance of a run: pending until its batch ran, then migrated or failed (with the reason)."""

    __tablename__ = "migration_result"
    __table_args__ = (Index("ix_migration_result_run", "run_id", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("migration_run.id", ondelete="CASCADE"))
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    business_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # pending | migrated | failed
    batch: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)  # Chinese, for the page
    detail: Mapped[str | None] = mapped_column(Text)  # English, for the API
    notes: Mapped[str | None] = mapped_column(Text)  # JSON list: what changed for the instance (reset tasks ...)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
