"""Issuing an official document on a case: a 文号, the filled DOCX, its PDF, both stored as attachments with
their sha256, one ``document.issue`` audit event on the case's chain — all in the caller's transaction.

The document number comes from the numbering service (one kind per document type, registered from
documents/types.json by the bootstrap), so numbers are per bureau (the case's jurisdiction) and year, and
gap-free: a failed rendering or conversion rolls the number back with everything else. The conversion runs
inside the transaction on purpose — a number must never be spent on a document that was not produced
(docs/documents.md, issuing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.documents import pdf, templates
from workflow_app.platform.documents.templates import DocumentType
from workflow_app.platform.errors import Forbidden, Invalid, NotFound
from workflow_app.platform.files import attachments
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.numbering import numbers
from workflow_app.platform.organisation import body_label
from workflow_app.platform.persistence.models import Attachment, ProcessInstance, TaskRow, User
from workflow_app.platform.persistence.models.document import DocumentService, IssuedDocument

ATTACHMENT_KIND = "document"


@dataclass(frozen=True)
class ContextSource:
    """Where a document type's values come from (a domain feature registers one per type at bootstrap).

    ``build(session, principal, instance, subject)`` returns the template's values for the case ``instance``;
    ``subject`` picks one of ``subjects(session, principal, instance)`` (e.g. which transfer a 移送函 is for),
    a list of ``{"value", "label"}``; without ``subjects`` the type needs no choice."""
    build: Callable[[Session, Principal, ProcessInstance, str | None], dict]
    subjects: Callable[[Session, Principal, ProcessInstance], list[dict]] | None = None


_SOURCES: dict[str, ContextSource] = {}


def register_context_source(doc_type_code: str, source: ContextSource) -> None:
    _SOURCES[doc_type_code] = source


def context_sources() -> dict[str, ContextSource]:
    return dict(_SOURCES)


def register_number_kinds() -> None:
    """Make every document type's number kind known to the numbering service (the bootstrap calls this)."""
    for doc_type in templates.document_types().values():
        numbers.register_kind(doc_type.number_kind, doc_type.number_label, doc_type.number_pattern)


def chinese_date(value: datetime) -> str:
    """``2026年12月2日`` — the date written on official documents (China time)."""
    day = clock.to_local_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def may_issue(p: Principal, doc_type: DocumentType, instance: ProcessInstance) -> bool:
    """Members of an issuing body in the case's bureau issue its documents (administrators: every bureau)."""
    if p.is_admin:
        return True
    return any((instance.jurisdiction, body) in p.bodies() for body in doc_type.issuing_bodies)


def _issuable_here(p: Principal, instance: ProcessInstance) -> set[str]:
    return {t.code for t in templates.document_types().values() if may_issue(p, t, instance)}


def reachable_instance(session: Session, p: Principal, instance_id: int,
                       doc_type: DocumentType | None = None) -> tuple[ProcessInstance, set[str] | None]:
    """The case, for its documents: ``(instance, None)`` when the caller sees the case (every document), or
    ``(instance, codes)`` when the caller does not see it but belongs to an issuing body of its bureau — the
    window's clerks issue the receipt on a registration's triage case they have no task in — and then sees
    the documents of those types only (of ``doc_type`` when given). Otherwise 404 (docs/documents.md)."""
    try:
        return access.visible_instance(session, p, instance_id), None
    except NotFound:
        ok = isinstance(instance_id, int) and 0 < instance_id < 2**31
        instance = session.get(ProcessInstance, instance_id) if ok else None
        codes = _issuable_here(p, instance) if instance is not None else set()
        if doc_type is not None:
            codes &= {doc_type.code}
        if not codes:
            raise
        return instance, codes


def issue(session: Session, p: Principal, instance_id: int, doc_type_code: str, context: dict,
          task_id: str | None = None) -> IssuedDocument:
    """Issue a document of ``doc_type_code`` on the case ``instance_id`` filled with ``context``.

    ``context`` holds the type's fields (the domain builds it); ``document_number`` and ``issued_on`` are
    added here. Returns the stored record; its attachments hold the DOCX and the PDF."""
    doc_type = templates.document_type(doc_type_code)
    instance, _ = reachable_instance(session, p, instance_id, doc_type)
    if not may_issue(p, doc_type, instance):
        raise Forbidden(f"只有本局{_bodies_text(doc_type)}的工作人员可以制发{doc_type.label_zh}",
                        f"{doc_type.code} is issued by {', '.join(doc_type.issuing_bodies)} of {instance.jurisdiction}")
    if task_id is not None and session.scalar(select(TaskRow.id).where(
            TaskRow.id == task_id, TaskRow.instance_id == instance.id)) is None:
        raise Invalid("所选任务不属于本案件", f"task {task_id} is not a task of instance {instance.id}",
                      errors={"task_id": "所选任务不属于本案件"})
    now = clock.now()
    number = numbers.allocate(session, doc_type.number_kind, instance.jurisdiction, clock.to_local_date(now).year)
    filled = {**context, "document_number": number, "issued_on": chinese_date(now)}
    docx = templates.render_docx(doc_type.template_path, filled)
    pdf_bytes = pdf.docx_to_pdf(docx)
    name = f"{doc_type.label_zh}（{number}）"
    docx_row = attachments.attach(session, p.username, instance, f"{name}.docx", docx, task_id=task_id,
                                  kind=ATTACHMENT_KIND, description=doc_type.label_zh)
    pdf_row = attachments.attach(session, p.username, instance, f"{name}.pdf", pdf_bytes, task_id=task_id,
                                 kind=ATTACHMENT_KIND, description=doc_type.label_zh)
    row = IssuedDocument(instance_id=instance.id, task_id=task_id, doc_type=doc_type.code,
                         number_kind=doc_type.number_kind, number=number, docx_attachment_id=docx_row.id,
                         pdf_attachment_id=pdf_row.id, issued_by=p.username, issued_at=now, context=filled)
    session.add(row)
    session.flush()
    audit.record(session, p.username, "document.issue", "issued_document", row.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 after={"doc_type": doc_type.code, "number": number, "docx_sha256": docx_row.sha256,
                        "pdf_sha256": pdf_row.sha256, "task_id": task_id})
    return row


def issue_for_case(session: Session, p: Principal, instance_id: int, doc_type_code: str,
                   subject: str | None = None, task_id: str | None = None) -> IssuedDocument:
    """Issue a document whose values the type's registered source reads from the case (the API and pages)."""
    doc_type = templates.document_type(doc_type_code)
    source = _SOURCES.get(doc_type.code)
    if source is None:
        raise Invalid(f"{doc_type.label_zh}不能在此直接生成", f"no context source for {doc_type.code}",
                      errors={"doc_type": "该文书不能在此直接生成"})
    instance, _ = reachable_instance(session, p, instance_id, doc_type)
    if not may_issue(p, doc_type, instance):
        raise Forbidden(f"只有本局{_bodies_text(doc_type)}的工作人员可以制发{doc_type.label_zh}",
                        f"{doc_type.code} is issued by {', '.join(doc_type.issuing_bodies)} of {instance.jurisdiction}")
    return issue(session, p, instance.id, doc_type.code, source.build(session, p, instance, subject), task_id)


def issuable_types(session: Session, p: Principal, instance_id: int) -> list[dict]:
    """The document types the caller may generate on this case, each with its subjects when it needs one
    (a type whose subjects are empty has nothing to be issued for yet and is left out)."""
    instance, _ = reachable_instance(session, p, instance_id)
    out = []
    for doc_type in templates.document_types().values():
        source = _SOURCES.get(doc_type.code)
        if source is None or not may_issue(p, doc_type, instance):
            continue
        subjects = source.subjects(session, p, instance) if source.subjects else None
        if subjects == []:
            continue
        out.append({**doc_type.as_dict(), "subjects": subjects})
    return out


def _bodies_text(doc_type: DocumentType) -> str:
    return "、".join(body_label(b) for b in doc_type.issuing_bodies)


def get(session: Session, p: Principal, document_id: int) -> IssuedDocument:
    """One issued document of a case the caller sees, or 404."""
    ok = isinstance(document_id, int) and 0 < document_id < 2**31
    row = session.get(IssuedDocument, document_id) if ok else None
    if row is None:
        raise NotFound("文书不存在或无权查看", f"document {document_id} not found")
    try:
        _, codes = reachable_instance(session, p, row.instance_id)
    except NotFound:
        codes = set()
    if codes is not None and row.doc_type not in codes:
        raise NotFound("文书不存在或无权查看", f"document {document_id} not found")
    return row


def document_file(session: Session, p: Principal, document_id: int, fmt: str) -> tuple[Attachment, bytes]:
    """The DOCX or PDF of an issued document, checked against its hash."""
    if fmt not in ("docx", "pdf"):
        raise NotFound("文书格式不存在", f"format {fmt!r} not found")
    row = get(session, p, document_id)
    # The document's own check above decides (it admits the issuing body); the attachment is its file.
    attachment = session.get(Attachment, row.docx_attachment_id if fmt == "docx" else row.pdf_attachment_id)
    return attachment, attachments.read_bytes(attachment)


def document_dict(session: Session, row: IssuedDocument, services: list[DocumentService] | None = None) -> dict:
    doc_type = templates.document_types().get(row.doc_type)
    files = {a.id: a for a in session.scalars(select(Attachment).where(
        Attachment.id.in_([row.docx_attachment_id, row.pdf_attachment_id])))}
    if services is None:
        services = list(session.scalars(select(DocumentService).where(DocumentService.document_id == row.id)
                                        .order_by(DocumentService.served_on, DocumentService.id)))
    names = dict(session.execute(select(User.username, User.display_name).where(
        User.username.in_({row.issued_by, *(s.recorded_by for s in services)}))).all())
    return {"id": row.id, "instance_id": row.instance_id, "task_id": row.task_id, "doc_type": row.doc_type,
            "doc_type_label": doc_type.label_zh if doc_type else row.doc_type,
            "doc_type_label_en": doc_type.label_en if doc_type else row.doc_type, "number": row.number,
            "issued_by": row.issued_by, "issued_by_name": names.get(row.issued_by, row.issued_by),
            "issued_at": row.issued_at,
            "docx": _file_dict(files.get(row.docx_attachment_id)), "pdf": _file_dict(files.get(row.pdf_attachment_id)),
            "services": [{**service_dict(s), "recorded_by_name": names.get(s.recorded_by, s.recorded_by)}
                         for s in services]}


def service_dict(s: DocumentService) -> dict:
    methods = templates.service_methods()
    return {"id": s.id, "document_id": s.document_id, "served_on": s.served_on, "method": s.method,
            "method_label": methods.get(s.method, {}).get("label_zh", s.method),
            "method_label_en": methods.get(s.method, {}).get("label_en", s.method), "recipient": s.recipient,
            "proof_attachment_id": s.proof_attachment_id, "note": s.note, "recorded_by": s.recorded_by,
            "recorded_at": s.recorded_at}


def _file_dict(a: Attachment | None) -> dict | None:
    if a is None:
        return None
    return {"attachment_id": a.id, "filename": a.filename, "sha256": a.sha256, "size": a.size, "media_type": a.media_type}


def list_for_instance(session: Session, p: Principal, instance_id: int, doc_type: str | None = None,
                      context_has: dict | None = None) -> list[dict]:
    """The documents issued on a case (of ``doc_type`` only, when given; only those whose filling context
    holds every item of ``context_has``, when given), newest first, with their service records: all of them
    for who sees the case, those of the types they issue for an issuing body."""
    instance, codes = reachable_instance(session, p, instance_id)
    query = select(IssuedDocument).where(IssuedDocument.instance_id == instance.id)
    if codes is not None:
        query = query.where(IssuedDocument.doc_type.in_(sorted(codes)))
    if doc_type is not None:
        query = query.where(IssuedDocument.doc_type == doc_type)
    rows = list(session.scalars(query.order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())))
    if context_has:
        rows = [r for r in rows if all((r.context or {}).get(k) == v for k, v in context_has.items())]
    by_doc: dict[int, list[DocumentService]] = {r.id: [] for r in rows}
    if rows:
        for s in session.scalars(select(DocumentService).where(DocumentService.document_id.in_(list(by_doc)))
                                 .order_by(DocumentService.served_on, DocumentService.id)):
            by_doc[s.document_id].append(s)
    return [document_dict(session, r, by_doc[r.id]) for r in rows]
