"""Attachments: a file attached to a case (optionally to one of its tasks). The bytes live in the blob store
under ``sha256`` (platform/files/storage.py); this row says what the file is and who added it
(docs/files.md)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_instance_uploaded", "instance_id", "uploaded_at"),
        Index("ix_attachment_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)  # task_row.id when added on a task
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(150))  # detected from the content, never the name
    filename: Mapped[str] = mapped_column(String(255))  # sanitised display name
    kind: Mapped[str] = mapped_column(String(32), default="evidence")  # evidence, document, ...
    description: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The attachment of another case this one was linked from (a transfer carries files), else None.
    source_attachment_id: Mapped[int | None] = mapped_column(Integer)
