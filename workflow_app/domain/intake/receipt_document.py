"""The 举报投诉登记回执 as an official document: its values from a registration (docs/documents.md, receipt).

The receipt is the complainant's own copy, so it names the complainant (an anonymous report says 举报人) and
shows no identity number or phone; like the on-screen receipt it carries the registration number, the time
received, the window, the employer and where each claim went. It is issued on the registration's triage
instance (the window's case) or on a case opened from it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.intake import queries
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim
from workflow_app.platform import clock
from workflow_app.platform.documents import issuing
from workflow_app.platform.errors import Conflict, Invalid
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import IssuedDocument, ProcessInstance

DOC_TYPE = "complaint_receipt"
NEXT_STEPS_ROUTED = ("本机关已按诉求分送有关机构办理，各机构将在规定期限内作出受理决定并告知你；"
                     "请保持联系方式畅通，如需补充材料，请携带本回执到受理窗口。")
NEXT_STEPS_PENDING = "本机关正在对你的诉求进行分流，将在规定期限内告知办理机构；请保持联系方式畅通。"


def complaint_of_instance(session: Session, instance: ProcessInstance) -> Complaint | None:
    complaint = session.scalar(select(Complaint).where(Complaint.triage_instance_id == instance.id))
    if complaint is None:
        case = session.scalar(select(Case).where(Case.instance_id == instance.id))
        complaint = session.get(Complaint, case.complaint_id) if case else None
    return complaint


def _amount(value) -> str:
    return f"{value:,.2f}" if value is not None else "—"


def receipt_context(session: Session, complaint: Complaint) -> dict:
    """The template's values for the receipt of ``complaint``."""
    doc = queries.complaint_dict(session, complaint)
    received = complaint.received_at.astimezone(clock.CHINA_TZ)
    name = "举报人" if complaint.complainant_anonymous or not complaint.complainant_name else complaint.complainant_name
    claims = [{"label": claim["label"], "amount": _amount(claim["amount"]), "destination": where}
              for claim, where in queries.claim_destinations(doc)]
    window = doc["window"]["name"] or complaint.window_bureau
    routed = bool(doc["cases"] or doc["duplicate_links"] or doc["referrals"])
    next_steps = NEXT_STEPS_ROUTED if routed else NEXT_STEPS_PENDING
    if complaint.urgent:
        next_steps += "本件列为紧急案件，优先办理。"
    return {"bureau_name": window, "window_name": window, "complainant_name": name,
            "receipt_number": complaint.number,
            "received_at": f"{received.year}年{received.month}月{received.day}日 {received:%H:%M}",
            "kind_label": doc["kind_label"], "channel_label": doc["channel_label"],
            "employer_name": complaint.employer_name, "claims": claims, "next_steps": next_steps}


def build_context(session: Session, p: Principal, instance: ProcessInstance, subject: str | None) -> dict:
    complaint = complaint_of_instance(session, instance)
    if complaint is None:
        raise Invalid("本案件没有对应的举报投诉登记，不能生成登记回执", f"instance {instance.id} has no registration",
                      errors={"doc_type": "本案件没有举报投诉登记"})
    return receipt_context(session, complaint)


def receipt_instance_id(session: Session, complaint: Complaint) -> int | None:
    """The case a registration's receipt is filed with: its triage instance; for a registration whose every
    claim joined a case already in hand (a duplicate, which starts no triage), the first of those cases —
    the complainant is owed a receipt either way (docs/documents.md "The registration receipt")."""
    if complaint.triage_instance_id is not None:
        return complaint.triage_instance_id
    return session.scalar(select(Case.instance_id).join(ComplaintClaim, ComplaintClaim.duplicate_of_case_id == Case.id)
                          .where(ComplaintClaim.complaint_id == complaint.id).order_by(ComplaintClaim.id).limit(1))


def issue_receipt(session: Session, p: Principal, complaint_id: int) -> IssuedDocument:
    """Issue the receipt of a registration the caller sees, filed with :func:`receipt_instance_id`."""
    complaint = queries.visible_complaint(session, p, complaint_id)
    instance_id = receipt_instance_id(session, complaint)
    if instance_id is None:
        raise Conflict("本登记没有分流流程，不能生成登记回执", f"complaint {complaint.id} has no triage instance")
    return issuing.issue(session, p, instance_id, DOC_TYPE, receipt_context(session, complaint))


def register_document_source() -> None:
    issuing.register_context_source(DOC_TYPE, issuing.ContextSource(build=build_context))
