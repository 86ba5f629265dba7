"""Transfers (移送), notifications (通报) and assistance requests (协助请求) between bodies (docs/collaboration.md §1).

A request is an instance of ``transfer_send`` (business key = the transfer number, jurisdiction = the case's
bureau). The sending body's liaison officer packages it; the request travels as the message
``transfer_request`` through the outbox (written in the sender's transaction, delivered by the worker,
idempotent by receipt) and starts ``transfer_receive`` in the receiving bureau, whose liaison officer
acknowledges within the configured deadline (``transfer_deadlines.dmn``) and accepts or returns it; the
answer travels back as ``transfer_answer`` correlated by the transfer number.

The diagrams report each step with the synchronous message ``transfer_event``; :func:`on_transfer_event`
keeps the :class:`InterAgencyTransfer` row — the ledger of both sides — in the same transaction, and on
acceptance of a transfer opens the receiving body's case with the materials and grants case access.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import common, police
from workflow_app.domain.collaboration.common import invalid
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.domain.intake import triage
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim
from workflow_app.domain.intake.queries import visible_case
from workflow_app.domain.vocabulary import ASSISTANCE_LABELS, TRANSFER_KIND_LABELS
from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Conflict, ProcessFailed
from workflow_app.platform.files import attachments as files
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES
from workflow_app.platform.persistence.models import ProcessInstance, TaskRow
from workflow_app.platform.runtime import instances as runtime

OPEN_STATUSES = ("requested", "sent", "acknowledged")


def create_transfer(session: Session, principal: Principal, case_id: int, data: dict,
                    check_member: bool = True) -> InterAgencyTransfer:
    """Start a transfer, notification or assistance request from a case (the case's handler; the system on
    an emergency: ``check_member=False``)."""
    case = visible_case(session, principal, case_id)
    kind = data.get("kind") or "transfer"
    if kind not in ("transfer", "notification", "assistance"):
        raise invalid("kind", "类型应为 transfer（移送）、notification（通报）或 assistance（协助请求）")
    check_may_start(session, principal, case, kind, check_member)
    to_body = data.get("to_body")
    if to_body not in HANDLING_BODIES:
        raise invalid("to_body", "接收机构应为 inspection、si_audit 或 arbitration")
    to_bureau = data.get("to_bureau") or case.jurisdiction
    if not common.bureau_exists(session, to_bureau):
        raise invalid("to_bureau", "接收机构所在辖区不存在")
    if to_body == case.body and to_bureau == case.jurisdiction:
        raise invalid("to_body", "不能移送给本机构")
    assist_type = data.get("assist_type")
    if kind == "assistance":
        if assist_type not in ASSISTANCE_LABELS:
            raise invalid("assist_type", "协助请求应写明 evidence（协助调查取证）或 service（协助送达）")
        if assist_type == "service" and to_body != "inspection":
            raise invalid("to_body", "协助送达文书应请求劳动保障监察机构")
    else:
        assist_type = None
    reason = str(data.get("reason") or "").strip()
    if not 2 <= len(reason) <= 2000:
        raise invalid("reason", "移送理由应为2至2000字")
    materials = data.get("materials") or []
    if not isinstance(materials, list) or not materials or len(materials) > 50 or any(
            not isinstance(m, str) or not 1 <= len(m.strip()) <= 200 for m in materials):
        raise invalid("materials", "请列出1至50项材料，每项1至200字")
    # The files the request carries: attachments of the sending case only (docs/files.md "Transfers").
    attachment_ids = files.check_files_of(session, case.instance_id, data.get("attachments"))

    number = numbering.allocate(session, kind, case.jurisdiction)
    now = clock.now()
    row = InterAgencyTransfer(
        number=number, kind=kind, assist_type=assist_type, case_id=case.id, case_number=case.number,
        employer_name=case.employer_name, from_bureau=case.jurisdiction, from_body=case.body, to_bureau=to_bureau,
        to_body=to_body, reason=reason, materials=[m.strip() for m in materials], status="requested",
        created_at=now, created_by=principal.username, details={"attachments": attachment_ids} if attachment_ids else {})
    session.add(row)
    session.flush()
    label = TRANSFER_KIND_LABELS[kind] + (f"（{ASSISTANCE_LABELS[assist_type]}）" if assist_type else "")
    to_label = f"{BODY_LABELS[to_body]}" + ("" if to_bureau == case.jurisdiction else f"（{to_bureau}）")
    variables = {
        "transfer_number": number, "kind": kind, "kind_label": label, "assist_type": assist_type,
        "case_id": case.id, "case_number": case.number, "from_bureau": case.jurisdiction, "from_body": case.body,
        "to_bureau": to_bureau, "to_body": to_body, "to_label": to_label, "reason": reason,
        "materials_offered": row.materials, "employer_name": case.employer_name, "urgent": bool(case.urgent),
        "requested_at": common.local_iso(now), "attachments": attachment_ids,
    }
    instance = runtime.start_instance(session, principal, "transfer_send", number, case.jurisdiction, variables,
                                      employer_name=case.employer_name,
                                      summary=f"{label}：{case.number} → {to_label}"[:500], authorize=False)
    row.instance_id = instance.id
    audit.record(session, principal.username, "transfer.request", "transfer", row.id, instance_id=case.instance_id,
                 business_key=case.number, after={"number": number, "kind": kind, "to_bureau": to_bureau,
                                                  "to_body": to_body, "materials": row.materials,
                                                  **({"attachments": attachment_ids} if attachment_ids else {})})
    return row


def check_may_start(session: Session, principal: Principal, case: Case, kind: str, check_member: bool = True) -> None:
    """Whether a request of ``kind`` may start from ``case`` now: the case's handling body (Forbidden), an
    open case, and for a transfer no other transfer of it running (Conflict). The one rule for the service
    and the case page's actions (``domain/cases/case_actions.py``)."""
    if check_member:
        check_may_request(principal, case)
    common.require_open_case(session, case, "发起" + TRANSFER_KIND_LABELS[kind])
    if kind == "transfer":
        check_no_open_transfer(session, case)


def check_may_request(principal: Principal, case: Case) -> None:
    """Who may start a transfer, notification or assistance request from a case: its handling body (Forbidden
    otherwise). Shared with the case page's actions (``domain/cases/case_actions.py``)."""
    common.require_member(principal, case.jurisdiction, case.body, "从本案发起移送、通报或协助请求")


def check_no_open_transfer(session: Session, case: Case) -> None:
    """One open transfer (kind ``transfer``) per case: a second one is a Conflict while the first runs."""
    if session.scalar(select(InterAgencyTransfer.id).where(
            InterAgencyTransfer.case_id == case.id, InterAgencyTransfer.kind == "transfer",
            InterAgencyTransfer.status.in_(OPEN_STATUSES))):
        raise Conflict("本案已有一件移送在办理中", "an open transfer of this case exists",
                       english="This case already has a transfer in progress")


def files_instance_of(session: Session, instance_id: int) -> int:
    """The case whose files a task of ``instance_id`` chooses from: the sending case for the request's own
    process (``transfer_send``: its package names files of that case), else the instance itself."""
    case_instance = session.scalar(select(Case.instance_id).join(InterAgencyTransfer, InterAgencyTransfer.case_id == Case.id)
                                   .where(InterAgencyTransfer.instance_id == instance_id))
    return case_instance or instance_id


def _transfer(session: Session, payload: dict) -> InterAgencyTransfer:
    number = payload.get("transfer")
    row = session.scalar(select(InterAgencyTransfer).where(InterAgencyTransfer.number == str(number))
                         .with_for_update()) if number else None
    if row is None:
        raise ProcessFailed("找不到对应的移送记录", f"no transfer {number!r}")
    return row


def _details(row: InterAgencyTransfer, **values) -> None:
    details = dict(row.details or {})
    for key, value in values.items():
        if value is not None:
            details[key] = value
    row.details = details


def on_transfer_event(session: Session, instance: ProcessInstance, payload: dict, principal: Principal) -> None:
    """A transfer process reports a step (synchronous: the ledger changes with the step)."""
    row = _transfer(session, payload)
    event = payload.get("event")
    now = clock.now()
    before = row.status
    if row.kind == "police":
        police.on_event(session, row, instance, payload, principal)
    elif event == "refused_by_liaison":
        row.status, row.return_reason = "refused_by_liaison", str(payload.get("reason") or "")[:2000]
    elif event == "sent":
        row.status, row.sent_at = "sent", now
        row.materials = list(payload.get("materials") or row.materials)
        row.letter = str(payload.get("letter") or "")[:8000]
        if "attachments" in payload:  # the package's choice of the sending case's files
            source_case = session.get(Case, row.case_id) if row.case_id else None
            chosen = payload.get("attachments")
            _details(row, attachments=files.check_files_of(session, source_case.instance_id, chosen)
                     if source_case is not None else [])
    elif event == "received":
        row.receiver_instance_id = instance.id
        row.ack_due_at = common.parse_instant(payload.get("ack_due"))
        _details(row, ack_rule=payload.get("ack_rule"))
    elif event == "escalated":
        row.escalated_at = row.escalated_at or now
        _details(row, escalated_step=payload.get("step"))
    elif event == "answered":
        _answered(session, row, instance, payload, principal)
    elif event == "replied":
        row.status, row.reply, row.answered_at = "replied", str(payload.get("reply") or "")[:8000], now
    elif event == "followed_up":
        _details(row, followup=payload.get("note"), followed_up_by=principal.username)
    else:
        raise ProcessFailed(f"未知的移送事件 {event}", f"unknown transfer event {event!r}")
    audit.record(session, principal.username, f"transfer.{event}", "transfer", row.id, instance_id=instance.id,
                 business_key=instance.business_key, before={"status": before}, after={"status": row.status, **{
                     k: v for k, v in payload.items() if k in ("answer", "reason", "step", "decision")}})


def _answered(session: Session, row: InterAgencyTransfer, instance: ProcessInstance, payload: dict,
              principal: Principal) -> None:
    now = clock.now()
    row.acknowledged_at, row.acknowledged_by = now, principal.username
    answer = payload.get("answer")
    _details(row, ack_note=payload.get("note"))
    case = session.get(Case, row.case_id) if row.case_id else None
    source = session.get(ProcessInstance, case.instance_id) if case else None
    if answer == "returned":
        row.status, row.return_reason, row.answered_at = "returned", str(payload.get("reason") or "")[:2000], now
        return
    row.status = "acknowledged" if answer == "acknowledged" else "accepted"
    if row.status == "accepted" and row.kind != "assistance":
        row.answered_at = now
    grant_kind = {"transfer": "transfer", "notification": "notification", "assistance": "evidence_request"}[row.kind]
    if source is not None:
        access.grant_case_access(session, principal.username, source, row.to_bureau, row.to_body, kind=grant_kind,
                                 reason=f"{TRANSFER_KIND_LABELS[row.kind]}（{row.number}）")
    if row.kind == "transfer" and case is not None:
        new_case = open_receiving_case(session, principal, row, case)
        row.new_case_id = new_case.id


def open_receiving_case(session: Session, principal: Principal, row: InterAgencyTransfer, case: Case) -> Case:
    """The receiving body's case: its own number and process, the transferred claims and materials."""
    complaint = session.get(Complaint, case.complaint_id)
    claims = list(session.scalars(select(ComplaintClaim).where(ComplaintClaim.case_id == case.id)
                                  .order_by(ComplaintClaim.position)))
    number = numbering.allocate(session, row.to_body, row.to_bureau)
    received = clock.now().astimezone(clock.CHINA_TZ)
    fast_track = bool(case.urgent) and row.to_body == "arbitration"
    variables = {
        "complaint_id": complaint.id, "complaint_number": complaint.number, "case_number": number, "body": row.to_body,
        "kind": complaint.kind, "channel": "transfer", "anonymous": complaint.complainant_anonymous,
        "received_at": received.isoformat(), "received_on": received.date().isoformat(),
        "employer_name": case.employer_name, "employer_uscc": complaint.employer_uscc,
        "employer_address": complaint.employer_address, "employer_district": complaint.employer_district,
        "workers_affected": complaint.workers_affected, "claims": [triage.claim_view(c) for c in claims],
        "urgent": bool(case.urgent), "fast_track": fast_track, "criminal_watch": False,
        "transferred_from": case.number, "transfer_number": row.number, "transfer_materials": list(row.materials),
        "transfer_letter": row.letter or "", "transfer_reason": row.reason,
    }
    if row.to_body == "inspection":
        variables["limitation_claims"] = []
    summary = f"{triage.flag_labels(bool(case.urgent), fast_track, False)}【移送】{case.employer_name}：{row.reason}"[:500]
    instance = runtime.start_instance(session, principal, triage.BODY_PROCESSES[row.to_body], number, row.to_bureau,
                                      variables, case.employer_name, summary, authorize=False)
    new_case = Case(number=number, complaint_id=complaint.id, body=row.to_body, jurisdiction=row.to_bureau,
                    process_key=triage.BODY_PROCESSES[row.to_body], instance_id=instance.id, source="transfer",
                    rules=list(case.rules or []), urgent=bool(case.urgent), fast_track=fast_track, criminal_watch=False,
                    employer_name=case.employer_name, summary=summary, opened_at=clock.now(),
                    opened_by=principal.username)
    new_case.acceptance_due_at = session.scalar(select(func.min(TaskRow.due_at)).where(
        TaskRow.instance_id == instance.id, TaskRow.status == "open"))
    session.add(new_case)
    session.flush()
    for claim in claims:  # the claims now belong to the receiving body's case
        claim.case_id = new_case.id
    access.grant_case_access(session, principal.username, instance, row.from_bureau, row.from_body,
                             kind="notification", reason=f"移送后跟踪（{row.number}）")
    # The files the transfer carries: the same blobs, now files of the receiving case (audited on both chains).
    source = session.get(ProcessInstance, case.instance_id)
    files.link_to_instance(session, principal.username, source, instance, (row.details or {}).get("attachments"))
    audit.record(session, principal.username, "case.open", "case", new_case.id, instance_id=instance.id,
                 business_key=number, after={"transfer": row.number, "from_case": case.number, "body": row.to_body,
                                             "jurisdiction": row.to_bureau, "materials": list(row.materials)})
    return new_case

