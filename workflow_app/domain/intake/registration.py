"""Registration (举报投诉登记) at the window: validation, numbering, duplicates, start of triage.

:func:`register` runs in the caller's transaction:

1. the caller must be an intake clerk (受理员); the window is the bureau of their intake group (any window
   may receive a complaint about any employer of the same city: "一点举报投诉、全市联动受理");
2. the registration schema (:mod:`.registration_schema`, the one the API documents) checks every field
   of docs/intake.md and collects *all* problems, each with a Chinese message under its field path
   (``complainant.id_number``, ``claims[1].amount``); one problem means a 422 and nothing is saved;
3. the complaint number is issued (:mod:`.numbering`) and the registration and its claims are stored;
4. claims already handled by an open case of the same complainant (ID number) against the same employer
   (credit code) are linked to that case instead of opened again (:func:`link_duplicates`);
5. the remaining claims go to the ``intake_triage`` process in the window's jurisdiction; its decision
   tables route them and the handlers in :mod:`.triage` open the cases — all before the commit.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.models import Bureau, ProcessInstance
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim, DuplicateLink
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identity.directory import Principal
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.domain.intake import triage  # noqa: F401 - registers the triage message handlers and diagram functions
from workflow_app.domain.intake import registration_schema
from workflow_app.domain.intake.registration_schema import Registration

INTAKE_ROLE = "intake_clerk"


def region_codes(code: str, parents: dict[str, str | None]) -> list[str]:
    """The bureau and its ancestors (district, city, province...), nearest first."""
    out = []
    while code and code not in out:
        out.append(code)
        code = parents.get(code)
    return out


# ------------------------------------------------------------------------------------------------
# Registering
# ------------------------------------------------------------------------------------------------

def _window(principal: Principal, requested: Any) -> str:
    windows = {key.split("/")[0] for key in principal.groups if key.endswith(f"/intake/{INTAKE_ROLE}")}
    if not windows:
        raise Forbidden("只有综合窗口受理人员可以登记举报投诉", "registration requires the intake_clerk role")
    if requested not in (None, ""):
        if not isinstance(requested, str) or requested not in windows:
            raise Invalid("您不在该受理窗口", f"not an intake clerk of window {requested!r}",
                          english="You are not a clerk of that intake window.",
                          errors={"window": "您不在该受理窗口"},
                          errors_en={"window": "You are not a clerk of that intake window"})
        return requested
    if len(windows) > 1:
        raise Invalid("请选择受理窗口", "the clerk works at several windows: name one",
                      english="Please choose the intake window.",
                      errors={"window": f"请选择受理窗口（{'、'.join(sorted(windows))}）"},
                      errors_en={"window": f"Please choose the intake window ({', '.join(sorted(windows))})"})
    return next(iter(windows))


def register(session: Session, principal: Principal, data: Any) -> Complaint:
    window = _window(principal, data.get("window") if isinstance(data, dict) else None)
    catalog = catalog_mod.load(session)
    bureaus = {b.code: b for b in session.scalars(select(Bureau))}
    parents = identity.parent_map(session)
    now = clock.now()
    reg = registration_schema.load(data, catalog=catalog, bureaus=bureaus, window=window, parents=parents, now=now)

    number = numbering.allocate(session, "complaint", window, now.astimezone(clock.CHINA_TZ).year)
    complaint = Complaint(
        number=number, kind=reg.kind, channel=reg.channel, source_department=reg.source_department,
        received_at=reg.received_at, registered_at=now, registered_by=principal.username, window_bureau=window,
        complainant_anonymous=reg.anonymous, complainant_name=reg.complainant_name,
        complainant_id_number=reg.complainant_id_number, complainant_phone=reg.complainant_phone,
        complainant_address=reg.complainant_address, employer_name=reg.employer_name, employer_uscc=reg.employer_uscc,
        employer_address=reg.employer_address, employer_district=reg.employer_district,
        employer_industry=reg.employer_industry, project_name=reg.project_name, project_type=reg.project_type,
        workers_affected=reg.workers_affected, worker_breakdown=reg.worker_breakdown or None,
        relationship_disputed=reg.relationship_disputed, facts_clear=reg.facts_clear,
        evidence_sufficient=reg.evidence_sufficient, dispute_major=reg.dispute_major, proceedings=reg.proceedings,
        violation_ongoing=reg.violation_ongoing, violation_ended_on=reg.violation_ended_on,
        employment_ongoing=reg.employment_ongoing, employment_ended_on=reg.employment_ended_on,
        media_exposure=reg.media_exposure, mass_incident=reg.mass_incident, employer_absconded=reg.employer_absconded,
        description=reg.description, status="registered", urgent=False, criminal_watch=False, notify_regulator=False)
    session.add(complaint)
    session.flush()
    rows = []
    for position, claim in enumerate(reg.claims):
        row = ComplaintClaim(complaint_id=complaint.id, position=position, code=claim.code, label=claim.label,
                             amount=claim.amount, months_unpaid=claim.months_unpaid, proceedings=claim.proceedings,
                             violation_ended_on=claim.violation_ended_on,
                             group=catalog.issue_codes[claim.code].group)
        session.add(row)
        rows.append(row)
    session.flush()
    audit.record(session, principal.username, "complaint.register", "complaint", complaint.id, business_key=number,
                 after={"kind": reg.kind, "channel": reg.channel, "window": window,
                        "employer": reg.employer_name, "employer_uscc": reg.employer_uscc,
                        "district": reg.employer_district, "claims": [c.code for c in reg.claims],
                        "anonymous": reg.anonymous, "complainant_id_number": reg.complainant_id_number})

    remaining = link_duplicates(session, principal, complaint, rows)
    if not remaining:
        complaint.status = "duplicate"
        return complaint
    variables = triage_variables(complaint, remaining, reg, parents)
    summary = f"{reg.employer_name}：{'、'.join(r.label for r in remaining)}（{reg.workers_affected}人）"[:500]
    instance = runtime.start_instance(session, principal, catalog_mod.TRIAGE_PROCESS, number, window, variables,
                                      reg.employer_name, summary)
    complaint.triage_instance_id = instance.id
    return complaint


def triage_variables(complaint: Complaint, claims: list[ComplaintClaim], reg: Registration,
                     parents: dict[str, str | None]) -> dict:
    """What the triage diagram and its decision tables read (see bpmn/intake_triage.bpmn)."""
    received_local = reg.received_at.astimezone(clock.CHINA_TZ)
    return {
        "complaint_id": complaint.id, "complaint_number": complaint.number, "kind": reg.kind, "channel": reg.channel,
        "received_at": received_local.isoformat(), "received_on": received_local.date().isoformat(),
        "claims": [{"code": c.code, "amount": float(c.amount) if c.amount is not None else None,
                    "months_unpaid": c.months_unpaid, "proceedings": c.proceedings,
                    "violation_ended_on": c.violation_ended_on.isoformat() if c.violation_ended_on else None}
                   for c in claims],
        "workers_affected": reg.workers_affected,
        "worker_breakdown": [{"amount": w["amount"], "months_unpaid": w["months_unpaid"]} for w in reg.worker_breakdown],
        "relationship_disputed": reg.relationship_disputed, "dispute_major": reg.dispute_major,
        "facts_clear": reg.facts_clear, "evidence_sufficient": reg.evidence_sufficient,
        "media_exposure": reg.media_exposure, "mass_incident": reg.mass_incident,
        "employer_absconded": reg.employer_absconded,
        "employer_name": reg.employer_name, "employer_district": reg.employer_district,
        "employer_project_type": reg.project_type,
        "region_codes": region_codes(reg.employer_district, parents),
    }


# ------------------------------------------------------------------------------------------------
# Duplicates
# ------------------------------------------------------------------------------------------------

def open_cases_for(session: Session, complainant_id_number: str, employer_uscc: str, codes: list[str],
                   exclude_complaint: int | None = None) -> list[tuple[Case, str]]:
    """(open case, claim code) pairs of earlier registrations by the same complainant against the same
    employer, for the given codes. A case is open while its process instance runs."""
    query = (select(Case, ComplaintClaim.code)
             .join(ComplaintClaim, ComplaintClaim.case_id == Case.id)
             .join(Complaint, Complaint.id == Case.complaint_id)
             .join(ProcessInstance, ProcessInstance.id == Case.instance_id)
             .where(Complaint.complainant_id_number == complainant_id_number,
                    Complaint.employer_uscc == employer_uscc, ProcessInstance.status == "running",
                    ComplaintClaim.code.in_(sorted(set(codes))))
             .order_by(Case.opened_at, Case.id))
    if exclude_complaint is not None:
        query = query.where(Complaint.id != exclude_complaint)
    return [(case, code) for case, code in session.execute(query)]


def link_duplicates(session: Session, principal: Principal, complaint: Complaint,
                    claims: list[ComplaintClaim]) -> list[ComplaintClaim]:
    """Link claims already handled by an open case; return the claims still to be triaged."""
    if not complaint.complainant_id_number or not complaint.employer_uscc:
        return claims
    found = open_cases_for(session, complaint.complainant_id_number, complaint.employer_uscc,
                           [c.code for c in claims], exclude_complaint=complaint.id)
    case_of: dict[str, Case] = {}
    for case, code in found:
        case_of.setdefault(code, case)
    if not case_of:
        return claims
    by_case: dict[int, list[str]] = {}
    cases = {case.id: case for case in case_of.values()}
    for claim in claims:
        case = case_of.get(claim.code)
        if case is not None:
            claim.route, claim.rule, claim.duplicate_of_case_id = "duplicate", None, case.id
            by_case.setdefault(case.id, []).append(claim.code)
    now = clock.now()
    for case_id, codes in by_case.items():
        case = cases[case_id]
        session.add(DuplicateLink(complaint_id=complaint.id, case_id=case_id, original_complaint_id=case.complaint_id,
                                  claim_codes=codes, created_at=now))
        audit.record(session, principal.username, "complaint.duplicate_link", "complaint", complaint.id,
                     business_key=complaint.number,
                     after={"case": case.number, "claims": codes, "original_complaint_id": case.complaint_id})
        audit.record(session, principal.username, "case.duplicate_registration", "case", case.id,
                     instance_id=case.instance_id, business_key=case.number,
                     after={"complaint": complaint.number, "claims": codes})
    session.flush()
    return [c for c in claims if c.route != "duplicate"]
