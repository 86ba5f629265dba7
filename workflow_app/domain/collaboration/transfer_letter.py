"""The 案件移送函 as an official document: its values from a sent transfer (docs/documents.md, transfer letter).

A letter is generated on the sending case for one of its transfers that has left the liaison's review
(sent, acknowledged, accepted, returned ...): its number, from and to bodies, the case, the claims the case
holds, the reason, the materials and the letter text the liaison approved.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.domain.intake.models import Case, ComplaintClaim
from workflow_app.domain.vocabulary import TRANSFER_KIND_LABELS
from workflow_app.platform.documents import issuing
from workflow_app.platform.errors import Invalid
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import BODY_LABELS
from workflow_app.platform.persistence.models import Bureau, ProcessInstance, User

DOC_TYPE = "transfer_letter"
#: A transfer still under the liaison's review (or refused by them) has no letter yet.
UNSENT_STATUSES = ("requested", "refused_by_liaison")


def _sent_transfers(session: Session, instance: ProcessInstance) -> list[InterAgencyTransfer]:
    case = session.scalar(select(Case).where(Case.instance_id == instance.id))
    if case is None:
        return []
    return list(session.scalars(select(InterAgencyTransfer).where(
        InterAgencyTransfer.case_id == case.id, InterAgencyTransfer.kind == "transfer",
        InterAgencyTransfer.status.not_in(UNSENT_STATUSES)).order_by(InterAgencyTransfer.id.desc())))


def subjects(session: Session, p: Principal, instance: ProcessInstance) -> list[dict]:
    return [{"value": str(t.id), "label": f"{t.number} → {BODY_LABELS.get(t.to_body, t.to_body)}"}
            for t in _sent_transfers(session, instance)]


def _body_name(session: Session, bureau: str, body: str) -> str:
    name = session.scalar(select(Bureau.name).where(Bureau.code == bureau)) or bureau
    return f"{name}{BODY_LABELS.get(body, body)}机构"


def letter_context(session: Session, row: InterAgencyTransfer) -> dict:
    claims = session.scalars(select(ComplaintClaim).where(ComplaintClaim.case_id == row.case_id)
                             .order_by(ComplaintClaim.position)) if row.case_id else []
    from_name, to_name = _body_name(session, row.from_bureau, row.from_body), _body_name(session, row.to_bureau, row.to_body)
    letter = (row.letter or "").strip() or (
        f"本机关在办理{row.employer_name or ''}一案（案件编号{row.case_number}）中，认为该案涉及事项属于你单位职责范围，"
        "根据有关规定，现将该案移送你单位依法处理。")
    return {"from_name": from_name, "to_name": to_name, "transfer_number": row.number,
            "case_number": row.case_number or "", "employer_name": row.employer_name or "",
            "kind_label": TRANSFER_KIND_LABELS.get(row.kind, row.kind), "reason": row.reason,
            "materials": "；".join(f"{i}. {m}" for i, m in enumerate(row.materials or [], 1)) or "无",
            "letter_text": letter,
            "contact": session.scalar(select(User.display_name).where(User.username == row.created_by)) or row.created_by,
            "claims": [{"label": c.label, "amount": f"{c.amount:,.2f}" if c.amount is not None else "—"} for c in claims]}


def build_context(session: Session, p: Principal, instance: ProcessInstance, subject: str | None) -> dict:
    transfers = {str(t.id): t for t in _sent_transfers(session, instance)}
    if not transfers:
        raise Invalid("本案没有已发出的移送，不能生成移送函", f"instance {instance.id} has no sent transfer",
                      errors={"subject": "本案没有已发出的移送"})
    if subject is None and len(transfers) == 1:
        subject = next(iter(transfers))
    if subject not in transfers:
        raise Invalid("请选择要生成移送函的移送", f"transfer {subject!r} is not a sent transfer of this case",
                      errors={"subject": "请选择本案已发出的移送"})
    return letter_context(session, transfers[subject])


def register_document_source() -> None:
    issuing.register_context_source(DOC_TYPE, issuing.ContextSource(build=build_context, subjects=subjects))
