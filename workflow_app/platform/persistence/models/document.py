"""Official documents issued on a case and their service records (docs/documents.md).

* :class:`IssuedDocument` — one issued document: its type, 文号, the DOCX and PDF attachments (their sha256 is
  on the attachment rows and in the ``document.issue`` audit event), who issued it and the values it was
  filled with.
* :class:`DocumentService` — one service (送达) of a document: date, method, recipient, proof (an attachment)
  or a note.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.platform.persistence.models.base import Base, UTCDateTime


class IssuedDocument(Base):
    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("number_kind", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    doc_type: Mapped[str] = mapped_column(String(64), index=True)
    number_kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(100))
    docx_attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"))
    pdf_attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    context: Mapped[dict] = mapped_column(JSON)


class DocumentService(Base):
    __tablename__ = "document_service"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_document.id", ondelete="CASCADE"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(200))
    proof_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
