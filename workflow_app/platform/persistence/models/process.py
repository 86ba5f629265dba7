"""The process registry: current source files and immutable deployed versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class RegistryFile(Base):
    """The current content of one definition file (BPMN, DMN or form), by file name."""

    __tablename__ = "registry_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # bpmn | dmn | form | test (docs/definition-tests.md)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class Deployment(Base):
    """One accepted upload or start-up sync (what changed, who, when)."""

    __tablename__ = "deployment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))  # startup | api | cli
    files: Mapped[str] = mapped_column(Text)  # JSON list of file names received


class ProcessVersion(Base):
    """An immutable deployed process: its files, forms and serialized spec, stored once per content hash."""

    __tablename__ = "process_version"
    # A revert to earlier content is a new version (as in Camunda), so the hash is indexed, not unique.
    __table_args__ = (
        UniqueConstraint("process_key", "version"),
        Index("ix_process_version_hash", "process_key", "content_hash"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"))
    spec_json: Mapped[str] = mapped_column(Text)
    files_json: Mapped[str] = mapped_column(Text)  # {"bpmn": {name: xml}, "dmn": {name: xml}}
    forms_json: Mapped[str] = mapped_column(Text)  # {name: form}
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessDraft(Base):
    """A process owner's change set: edited copies of definition files, not yet deployed (docs/workspace.md).

    ``revision`` counts saves; a save names the revision it was based on, so two owners editing the same
    draft never overwrite each other silently (the second save is refused with 409). ``base_deployment_id``
    is the latest deployment when the draft was opened: publishing checks the files it edits did not change
    underneath it since.
    """

    __tablename__ = "process_draft"
    __table_args__ = (Index("ix_process_draft_status", "status", "updated_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str | None] = mapped_column(String(200), index=True)  # the process it was opened from
    restored_from: Mapped[str | None] = mapped_column(String(220))  # "process_key:version" when made by a restore
    status: Mapped[str] = mapped_column(String(16))  # editing | submitted | published | discarded
    revision: Mapped[int] = mapped_column(Integer, default=0)
    base_deployment_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": lock_version}


class ProcessDraftFile(Base):
    """One edited file of a draft. ``base_hash`` is the registry file's hash when the draft first changed
    it (None: a new file), so publishing can tell whether someone else changed that file meanwhile."""

    __tablename__ = "process_draft_file"
    __table_args__ = (UniqueConstraint("draft_id", "filename"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("process_draft.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    base_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class ProcessPublication(Base):
    """One submission of a draft for publication and its outcome (docs/workspace.md "Publication").

    ``status``: submitted (awaiting a second owner) -> published | rejected | withdrawn. ``comment`` is the
    submitter's description of the change; it is what the version list shows next to each version the
    publication's deployment created (``deployment_id``). ``approved_by`` is the second owner, or the
    submitter when the installation publishes without a second approval (``approvals`` = 0).
    """

    __tablename__ = "process_publication"
    __table_args__ = (Index("ix_process_publication_draft", "draft_id", "submitted_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("process_draft.id", ondelete="CASCADE"))
    process_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    approvals: Mapped[int] = mapped_column(Integer)  # second approvals required when submitted (0 or 1)
    restored_from: Mapped[str | None] = mapped_column(String(220))  # "process_key:version" of a restore
    files: Mapped[str] = mapped_column(Text)  # JSON list of the files submitted
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by: Mapped[str | None] = mapped_column(String(64))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why a second owner sent it back
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployment.id"), index=True)
