"""Service records (送达) of issued documents: when, how (a configurable method), to whom, and the proof — an
uploaded attachment (the signed 送达回证, a postal receipt, a screenshot) or a note; audited on the case's
chain as ``document.serve`` (docs/documents.md, service records)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.documents import issuing, templates
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.files import attachments
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import Attachment
from workflow_app.platform.persistence.models.document import DocumentService

MAX_RECIPIENT = 200
MAX_NOTE = 2000


def record_service(session: Session, p: Principal, document_id: int, *, served_on: date, method: str,
                   recipient: str, note: str | None = None, proof_filename: str | None = None,
                   proof_data: bytes | None = None, proof_attachment_id: int | None = None) -> DocumentService:
    """Record that the document ``document_id`` was served; the proof file (if any) joins the case's files."""
    row = issuing.get(session, p, document_id)
    instance, _ = issuing.reachable_instance(session, p, row.instance_id)
    if not issuing.may_issue(p, templates.document_type(row.doc_type), instance):
        raise Forbidden("只有制发机构的工作人员可以登记送达", f"{p.username} may not record service of {row.doc_type}")
    errors: dict[str, str] = {}
    methods = templates.service_methods()
    if method not in methods:
        errors["method"] = "送达方式不正确（" + "、".join(m["label_zh"] for m in methods.values()) + "）"
    recipient = (recipient or "").strip()
    if not recipient:
        errors["recipient"] = "请填写受送达人"
    elif len(recipient) > MAX_RECIPIENT:
        errors["recipient"] = f"受送达人不能超过{MAX_RECIPIENT}字"
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        errors["note"] = f"说明不能超过{MAX_NOTE}字"
    existing_proof = None
    if proof_attachment_id is not None:
        existing_proof = session.get(Attachment, proof_attachment_id)
        if existing_proof is None or existing_proof.instance_id != instance.id:
            errors["proof_attachment_id"] = "送达凭证应为本案件的附件"
    has_proof = bool(proof_data) or existing_proof is not None
    if not has_proof and not note:
        errors["proof"] = "请上传送达凭证或填写送达情况说明"
    if not isinstance(served_on, date):
        errors["served_on"] = "请填写送达日期"
    else:
        if served_on > clock.today_local():
            errors["served_on"] = "送达日期不能晚于今天"
        elif served_on < clock.to_local_date(row.issued_at):
            errors["served_on"] = "送达日期不能早于文书制发日期"
    if errors:
        raise Invalid("送达登记有误：" + "；".join(errors.values()), "invalid service record", errors=errors)
    proof = existing_proof
    if proof_data:
        proof = attachments.attach(session, p.username, instance, proof_filename or "送达凭证", proof_data,
                                   task_id=row.task_id, kind=issuing.ATTACHMENT_KIND,
                                   description=f"{row.number} 送达凭证", field_name="proof")
    proof_id = proof.id if proof is not None else None
    service = DocumentService(document_id=row.id, served_on=served_on, method=method, recipient=recipient,
                              proof_attachment_id=proof_id, note=note, recorded_by=p.username,
                              recorded_at=clock.now())
    session.add(service)
    session.flush()
    audit.record(session, p.username, "document.serve", "document_service", service.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 after={"document_id": row.id, "number": row.number, "served_on": served_on.isoformat(),
                        "method": method, "recipient": recipient, "proof_attachment_id": proof_id,
                        "proof_sha256": proof.sha256 if proof is not None else None, "note": note})
    return service
