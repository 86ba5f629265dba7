"""Transfer to the police of a suspected refusal to pay labour remuneration (docs/collaboration.md §3).

``police_transfer.bpmn`` holds the procedure and its deadlines (``criminal_thresholds.dmn`` per province,
``police_deadlines.dmn`` per step). This module starts it from an inspection case and keeps the ledger row
(kind ``police``) in step with the diagram's ``transfer_event`` messages: the special team is checked here
(two or more officers with a valid enforcement certificate), and the handover grants the bureau's police
liaison group sight of the dossier (the case and this procedure), so that the police-side records (回执,
立案决定, 复议, 说明理由) can be entered by the liaison officers.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import common
from workflow_app.domain.collaboration.common import invalid
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.domain.intake.models import Case
from workflow_app.domain.intake.queries import visible_case
from workflow_app.domain.intake.registration import region_codes
from workflow_app.platform import clock
from workflow_app.platform.errors import Conflict, Invalid, ProcessFailed
from workflow_app.platform.identity import access
from workflow_app.platform.identity import certificates
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import ProcessInstance
from workflow_app.platform.runtime import instances as runtime

FILING_STATUS = {"filed": "filed", "not_filed": "not_filed", "no_decision": "no_decision"}


def start(session: Session, principal: Principal, case_id: int, data: dict) -> InterAgencyTransfer:
    case = visible_case(session, principal, case_id)
    check_may_start(session, principal, case)
    facts = _facts(data)
    number = numbering.allocate(session, "police_transfer", case.jurisdiction)
    now = clock.now()
    row = InterAgencyTransfer(
        number=number, kind="police", case_id=case.id, case_number=case.number, employer_name=case.employer_name,
        from_bureau=case.jurisdiction, from_body="inspection", to_bureau=case.jurisdiction, to_body="police",
        reason=facts["reason"], materials=[], status="requested", created_at=now, created_by=principal.username,
        details={"facts": {k: v for k, v in facts.items() if k != "workers"}, "workers": len(facts["workers"])})
    session.add(row)
    session.flush()
    variables = {**facts, "transfer_number": number, "case_id": case.id, "case_number": case.number,
                 "employer_name": case.employer_name, "urgent": bool(case.urgent),
                 "region_codes": region_codes(case.jurisdiction, identity.parent_map(session))}
    instance = runtime.start_instance(session, principal, "police_transfer", number, case.jurisdiction, variables,
                                      employer_name=case.employer_name,
                                      summary=f"【移送公安】{case.employer_name}（{case.number}）"[:500], authorize=False)
    row.instance_id = instance.id
    if row.status == "requested":
        row.status = "reporting"
    return row


def applies_to(case: Case) -> bool:
    """Police transfers are for inspection cases only (the offence is found by labour inspection)."""
    return case.body == "inspection"


def check_may_start(session: Session, principal: Principal, case: Case) -> None:
    """Whether ``principal`` may start a police transfer of ``case`` now: an inspection case (Invalid), its
    inspection body (Forbidden), open, and no police transfer of it still running (Conflict). Shared with the
    case page's actions (``domain/cases/case_actions.py``)."""
    if not applies_to(case):
        raise invalid("case", "只有劳动保障监察案件可以移送公安机关")
    common.require_member(principal, case.jurisdiction, "inspection", "发起移送公安")
    common.require_open_case(session, case, "移送公安")
    if session.scalar(select(InterAgencyTransfer.id).where(
            InterAgencyTransfer.case_id == case.id, InterAgencyTransfer.kind == "police",
            InterAgencyTransfer.status.not_in(("not_eligible", "refused", "returned_to_admin")))):
        raise Conflict("本案已有移送公安程序在办理中", "an open police transfer of this case exists",
                       english="This case already has a police transfer in progress")


def _facts(data: dict) -> dict:
    errors = {}
    out: dict = {}
    for key in ("order_served", "order_posted", "paid", "evasion", "able_to_pay"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            errors[key] = "应为 true 或 false"
        out[key] = value
    deadline = data.get("order_deadline")
    try:
        out["order_deadline"] = date.fromisoformat(str(deadline)).isoformat()
    except (TypeError, ValueError):
        errors["order_deadline"] = "责令支付期限应为日期（YYYY-MM-DD）"
    workers = data.get("workers")
    if not isinstance(workers, list) or not 1 <= len(workers) <= 2000:
        errors["workers"] = "请列出1至2000名劳动者的欠薪数额和月数"
        workers = []
    clean = []
    for i, w in enumerate(workers):
        amount, months = (w or {}).get("amount") if isinstance(w, dict) else None, \
            (w or {}).get("months_unpaid") if isinstance(w, dict) else None
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount <= 1e9 \
                or isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 600:
            errors[f"workers[{i}]"] = "欠薪数额应为0至10亿元，月数应为0至600的整数"
            continue
        clean.append({"amount": float(amount), "months_unpaid": months})
    out["workers"] = clean
    reason = str(data.get("reason") or "").strip()
    if not 2 <= len(reason) <= 2000:
        errors["reason"] = "移送事由应为2至2000字"
    out["reason"] = reason
    if errors:
        raise Invalid("移送公安的材料有误：" + "；".join(f"{k}：{v}" for k, v in errors.items()),
                      "invalid police transfer facts", errors=errors)
    return out


def on_event(session: Session, row: InterAgencyTransfer, instance: ProcessInstance, payload: dict,
             principal: Principal) -> None:
    event = payload.get("event")
    now = clock.now()
    details = dict(row.details or {})
    case = session.get(Case, row.case_id) if row.case_id else None
    if event == "not_eligible":
        row.status = "not_eligible"
        details["reasons"] = list(payload.get("reasons") or [])
    elif event == "reported":
        team = payload.get("team") or []
        details["team"] = certificates.check_field_team(session, team, clock.today_local())
        details["report"] = str(payload.get("report") or "")[:20000]
        row.status = "reported"
    elif event == "approved":
        row.status = "approved"
        details["approval"] = {"by": principal.username, "at": now.isoformat(), "opinion": payload.get("opinion")}
    elif event == "refused":
        row.status = "refused"
        details["approval"] = {"by": principal.username, "at": now.isoformat(), "opinion": payload.get("opinion"),
                               "approved": False}
    elif event == "transferred":
        row.status, row.sent_at = "transferred", now
        row.materials = list(payload.get("checklist") or [])
        details["police_unit"] = payload.get("police_unit")
        for target in (instance, session.get(ProcessInstance, case.instance_id) if case else None):
            if target is not None:
                access.grant_case_access(session, principal.username, target, row.to_bureau, "police",
                                         kind="police_transfer", reason=f"移送公安（{row.number}）")
    elif event == "received":
        row.status, row.acknowledged_at, row.acknowledged_by = "received", now, principal.username
        details["receipt_no"], details["forwarded_to"] = payload.get("receipt_no"), payload.get("forwarded_to")
    elif event == "filing_decision":
        decision = payload.get("decision")
        row.status = FILING_STATUS.get(decision, "no_decision")
        row.answered_at = now
        details["filing"] = {"decision": decision, "note": payload.get("note"), "at": now.isoformat()}
    elif event in ("reconsideration", "supervision", "items_handed_over", "returned_to_admin"):
        row.status = event
        details[event] = {"note": payload.get("note"), "at": now.isoformat(), "by": principal.username}
    elif event == "escalated":
        row.escalated_at = row.escalated_at or now
        details.setdefault("escalations", [])
        details["escalations"] = [*details["escalations"], {"step": payload.get("step"), "at": now.isoformat()}]
    else:
        raise ProcessFailed(f"未知的移送公安事件 {event}", f"unknown police transfer event {event!r}")
    row.details = details


def checked_facts(data: dict) -> dict:
    """The facts of a police transfer as :func:`start` accepts them (Invalid, field by field, otherwise):
    for the page that shows the eligibility check before starting."""
    return _facts(data)
