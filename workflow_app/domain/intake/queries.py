"""Who sees which registration and case, and how they are shown (receipt, complaint, case documents).

Visibility follows the access rules of :mod:`workflow_app.platform.identity.access`:

* a **case** is visible exactly when its process instance is (``access.instance_visibility``): the members of
  the handling body in that district, the window that registered it (a ``notification`` grant), oversight;
* a **registration** is visible to the intake staff of the window that received it and of the employer's
  district, to anyone who sees its triage instance (e.g. the triage room while it reviews) or one of its
  cases, and to leadership and administrators of those bureaus or their city.

Identity and phone numbers are always masked here; ``reveal`` (audited) gives full values to entitled roles.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists, false, or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.models import Bureau, ProcessInstance, TaskRow
from workflow_app.domain.intake.models import (
    Case,
    Complaint,
    ComplaintClaim,
    DuplicateLink,
    JointHearingRequest,
    TransferLedgerEntry,
)
from workflow_app.platform.identity import access, directory as identity
from workflow_app.platform.identifiers import masking
from workflow_app.platform.errors import NotFound
from workflow_app.platform.identity.directory import Principal
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.vocabulary import COMPLAINT_STATUS_LABELS, ROUTE_LABELS
from workflow_app.platform.organisation import BODY_LABELS

CASE_STATUS = {"running": ("open", "办理中"), "completed": ("closed", "已办结"), "terminated": ("closed", "已终止")}


def _visible_instance(p: Principal, column):
    return exists().where(ProcessInstance.id == column, access.instance_visibility(p))


def complaint_visibility(session: Session, p: Principal):
    intake = sorted({b for b, k in p.bodies() if k == "intake"})
    oversight = sorted(identity.bureau_subtree(session, p.bureaus_with_role("leadership")
                                               | p.bureaus_with_role("administrator")))
    clauses = [false()]
    if intake:
        clauses += [Complaint.window_bureau.in_(intake), Complaint.employer_district.in_(intake)]
    if oversight:
        clauses += [Complaint.window_bureau.in_(oversight), Complaint.employer_district.in_(oversight)]
    clauses.append(_visible_instance(p, Complaint.triage_instance_id))
    clauses.append(exists().where(Case.complaint_id == Complaint.id, _visible_instance(p, Case.instance_id)))
    return or_(*clauses)


def visible_complaint(session: Session, p: Principal, complaint_id) -> Complaint:
    ok = isinstance(complaint_id, int) and 0 < complaint_id < 2**31
    found = session.scalar(select(Complaint).where(Complaint.id == complaint_id, complaint_visibility(session, p))) \
        if ok else None
    if found is None:
        raise NotFound("登记不存在或无权查看", f"complaint {complaint_id} not found",
                       english="The registration does not exist or you may not see it")
    return found


def case_query(p: Principal):
    return (select(Case).join(ProcessInstance, ProcessInstance.id == Case.instance_id)
            .where(access.instance_visibility(p)))


def visible_case(session: Session, p: Principal, case_id) -> Case:
    ok = isinstance(case_id, int) and 0 < case_id < 2**31
    found = session.scalar(case_query(p).where(Case.id == case_id)) if ok else None
    if found is None:
        raise NotFound("案件不存在或无权查看", f"case {case_id} not found",
                       english="The case does not exist or you may not see it")
    return found


def _bureau_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Bureau.code, Bureau.name)).all())


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def plain(value):
    """Dates and datetimes as ISO 8601 text, recursively (documents nest them in free-form parts)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def case_dict(session: Session, case: Case, detail: bool = False, names: dict[str, str] | None = None) -> dict:
    names = names if names is not None else _bureau_names(session)
    instance = session.get(ProcessInstance, case.instance_id)
    status, status_label = CASE_STATUS.get(instance.status if instance else "running", ("open", "办理中"))
    complaint = session.get(Complaint, case.complaint_id)
    out = {
        "id": case.id, "number": case.number, "body": case.body, "body_label": BODY_LABELS.get(case.body, case.body),
        "jurisdiction": case.jurisdiction, "jurisdiction_name": names.get(case.jurisdiction, case.jurisdiction),
        "process_key": case.process_key, "instance_id": case.instance_id, "status": status, "status_label": status_label,
        "source": case.source, "rules": list(case.rules or []), "urgent": case.urgent, "fast_track": case.fast_track,
        "criminal_watch": case.criminal_watch, "employer_name": case.employer_name,
        "summary": masking.mask_text(case.summary),
        "acceptance_due_at": case.acceptance_due_at, "opened_at": case.opened_at, "opened_by": case.opened_by,
        "complaint_id": case.complaint_id, "complaint_number": complaint.number if complaint else None,
    }
    if detail:
        claims = session.scalars(select(ComplaintClaim).where(ComplaintClaim.case_id == case.id)
                                 .order_by(ComplaintClaim.position))
        out["claims"] = [_claim_dict(c, {}) for c in claims]
        out["open_tasks"] = [{"id": t.id, "name": t.name, "candidate_group": t.candidate_group, "assignee": t.assignee,
                              "priority": t.priority, "due_at": t.due_at}
                             for t in session.scalars(select(TaskRow).where(TaskRow.instance_id == case.instance_id,
                                                                           TaskRow.status == "open")
                                                      .order_by(TaskRow.step, TaskRow.created_at, TaskRow.id))]
        out["duplicate_registrations"] = [
            {"complaint_id": link.complaint_id, "claims": list(link.claim_codes), "linked_at": link.created_at,
             "complaint_number": session.scalar(select(Complaint.number).where(Complaint.id == link.complaint_id))}
            for link in session.scalars(select(DuplicateLink).where(DuplicateLink.case_id == case.id)
                                        .order_by(DuplicateLink.id))]
    return plain(out)


def _claim_dict(c: ComplaintClaim, case_numbers: dict[int, str]) -> dict:
    route_label = ROUTE_LABELS.get(c.route, c.route) if c.route else None
    if c.route == "referral" and c.department_name:
        route_label = f"移送{c.department_name}"
    return {
        "code": c.code, "label": c.label, "group": c.group,
        "group_label": catalog_mod.GROUPS.get(c.group, c.group) if c.group else None,
        "amount": float(c.amount) if c.amount is not None else None, "months_unpaid": c.months_unpaid,
        "proceedings": c.proceedings, "violation_ended_on": _iso(c.violation_ended_on),
        "route": c.route, "route_label": route_label, "rule": c.rule,
        "department": c.department, "department_name": c.department_name,
        "case_id": c.case_id, "case_number": case_numbers.get(c.case_id) if c.case_id else None,
        "duplicate_of_case_id": c.duplicate_of_case_id,
        "duplicate_of_case_number": case_numbers.get(c.duplicate_of_case_id) if c.duplicate_of_case_id else None,
    }


def _ledger_dict(e: TransferLedgerEntry, names: dict[str, str]) -> dict:
    return {"id": e.id, "kind": e.kind, "rule": e.rule, "to_kind": e.to_kind, "to_code": e.to_code,
            "to_name": e.to_name, "to_jurisdiction": e.to_jurisdiction,
            "to_jurisdiction_name": names.get(e.to_jurisdiction, e.to_jurisdiction), "subject": e.subject,
            "claims": list(e.claim_codes), "status": e.status, "case_id": e.case_id, "created_at": e.created_at,
            "created_by": e.created_by}


def complaint_dict(session: Session, complaint: Complaint, detail: bool = True) -> dict:
    names = _bureau_names(session)
    out = {
        "id": complaint.id, "number": complaint.number, "kind": complaint.kind,
        "kind_label": catalog_mod.KINDS.get(complaint.kind, complaint.kind), "channel": complaint.channel,
        "channel_label": catalog_mod.CHANNELS.get(complaint.channel, complaint.channel),
        "source_department": complaint.source_department, "received_at": complaint.received_at,
        "registered_at": complaint.registered_at, "registered_by": complaint.registered_by,
        "window": {"code": complaint.window_bureau, "name": names.get(complaint.window_bureau)},
        "status": complaint.status, "status_label": COMPLAINT_STATUS_LABELS.get(complaint.status, complaint.status),
        "employer": {"name": complaint.employer_name, "uscc": complaint.employer_uscc,
                     "address": complaint.employer_address, "district": complaint.employer_district,
                     "district_name": names.get(complaint.employer_district), "industry": complaint.employer_industry,
                     "project": ({"name": complaint.project_name, "type": complaint.project_type,
                                  "type_label": catalog_mod.PROJECT_TYPE_LABELS.get(complaint.project_type or "",
                                                                                    complaint.project_type)}
                                 if complaint.project_name else None)},
        "complainant": {"anonymous": complaint.complainant_anonymous, "name": complaint.complainant_name,
                        "id_number": masking.mask_id_number(complaint.complainant_id_number)
                        if complaint.complainant_id_number else None,
                        "phone": masking.mask_phone(complaint.complainant_phone)
                        if complaint.complainant_phone else None},
        "workers_affected": complaint.workers_affected,
        "flags": {"urgent": complaint.urgent, "criminal_watch": complaint.criminal_watch,
                  "notify_regulator": complaint.notify_regulator, "rules": list(complaint.flag_rules or [])},
        "triage_instance_id": complaint.triage_instance_id,
    }
    if not detail:
        return plain(out)
    cases = list(session.scalars(select(Case).where(Case.complaint_id == complaint.id).order_by(Case.id)))
    links = list(session.scalars(select(DuplicateLink).where(DuplicateLink.complaint_id == complaint.id)
                                 .order_by(DuplicateLink.id)))
    linked_cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([l.case_id for l in links])))} \
        if links else {}
    numbers = {c.id: c.number for c in cases} | {c.id: c.number for c in linked_cases.values()}
    claims = session.scalars(select(ComplaintClaim).where(ComplaintClaim.complaint_id == complaint.id)
                             .order_by(ComplaintClaim.position))
    ledger = list(session.scalars(select(TransferLedgerEntry).where(TransferLedgerEntry.complaint_id == complaint.id)
                                  .order_by(TransferLedgerEntry.id)))
    out.update({
        "complainant": {**out["complainant"], "address": masking.mask_text(complaint.complainant_address)},
        "facts": {"relationship_disputed": complaint.relationship_disputed, "facts_clear": complaint.facts_clear,
                  "evidence_sufficient": complaint.evidence_sufficient, "dispute_major": complaint.dispute_major,
                  "proceedings": complaint.proceedings, "violation_ongoing": complaint.violation_ongoing,
                  "violation_ended_on": _iso(complaint.violation_ended_on),
                  "employment_ongoing": complaint.employment_ongoing,
                  "employment_ended_on": _iso(complaint.employment_ended_on),
                  "media_exposure": complaint.media_exposure, "mass_incident": complaint.mass_incident,
                  "employer_absconded": complaint.employer_absconded},
        "worker_breakdown": list(complaint.worker_breakdown or []),
        "description": masking.mask_text(complaint.description),  # free text: numbers masked (reveal: API)
        "claims": [_claim_dict(c, numbers) for c in claims],
        "cases": [case_dict(session, c, names=names) for c in cases],
        "referrals": [_ledger_dict(e, names) for e in ledger if e.kind == "transfer"],
        "notifications": [_ledger_dict(e, names) for e in ledger if e.kind == "notification"],
        "duplicate_links": [_link_dict(session, link, linked_cases.get(link.case_id), names) for link in links],
        "joint_hearing_requests": [
            {"id": r.id, "reason": masking.mask_text(r.reason), "opinion": masking.mask_text(r.opinion),
             "claims": list(r.claim_codes), "status": r.status,
             "requested_at": r.requested_at, "requested_by": r.requested_by}
            for r in session.scalars(select(JointHearingRequest).where(JointHearingRequest.complaint_id == complaint.id)
                                     .order_by(JointHearingRequest.id))],
        "triage_steps": [
            {"task_id": t.id, "name": t.name, "status": t.status, "candidate_group": t.candidate_group,
             "assignee": t.assignee, "due_at": t.due_at, "completed_at": t.completed_at}
            for t in session.scalars(select(TaskRow).where(TaskRow.instance_id == complaint.triage_instance_id)
                                     .order_by(TaskRow.step, TaskRow.created_at, TaskRow.id))] if complaint.triage_instance_id else [],
    })
    return plain(out)


def _link_dict(session: Session, link: DuplicateLink, case: Case | None, names: dict[str, str]) -> dict:
    instance = session.get(ProcessInstance, case.instance_id) if case else None
    status, status_label = CASE_STATUS.get(instance.status if instance else "running", ("open", "办理中"))
    return {"case_id": link.case_id, "case_number": case.number if case else None,
            "body": case.body if case else None, "body_label": BODY_LABELS.get(case.body) if case else None,
            "jurisdiction": case.jurisdiction if case else None,
            "jurisdiction_name": names.get(case.jurisdiction) if case else None,
            "case_status": status, "case_status_label": status_label,
            "original_complaint_id": link.original_complaint_id,
            "original_complaint_number": session.scalar(select(Complaint.number).where(
                Complaint.id == link.original_complaint_id)),
            "claims": list(link.claim_codes), "linked_at": link.created_at}


def receipt(session: Session, complaint: Complaint, doc: dict | None = None) -> dict:
    """The receipt handed to the complainant (回执): number, time, window, and where each claim went."""
    doc = doc or complaint_dict(session, complaint)
    local = complaint.received_at.astimezone(clock.CHINA_TZ)
    lines = ["举报投诉登记回执", f"编号：{complaint.number}", f"类型：{doc['kind_label']}（{doc['channel_label']}）",
             f"接收时间：{local:%Y-%m-%d %H:%M}", f"受理窗口：{doc['window']['name'] or complaint.window_bureau}",
             f"被投诉举报单位：{complaint.employer_name}", "诉求及去向："]
    for claim, where in claim_destinations(doc):
        lines.append(f"  {claim['label']}：{where}")
    if doc["flags"]["urgent"]:
        lines.append("本件列为紧急案件，优先办理。")
    message = _message(doc)
    return plain({"number": complaint.number, "received_at": complaint.received_at,
                  "registered_at": complaint.registered_at, "window": doc["window"], "message": message,
                  "text": "\n".join(lines)})


def claim_destinations(doc: dict) -> list[tuple[dict, str]]:
    """Each claim of a registration (``complaint_dict``) with the words saying where it went (the receipt's)."""
    cases = {c["id"]: c for c in doc["cases"]}
    links = {l["case_id"]: l for l in doc["duplicate_links"]}
    out = []
    for claim in doc["claims"]:
        where = claim["route_label"] or "分流中"
        case = cases.get(claim["case_id"])
        if case:
            due = case["acceptance_due_at"]
            due_text = f"，{_local_date(due)}前作出受理决定" if due and claim["route"] != "refuse" else ""
            if claim["route"] == "refuse":
                where = f"{ROUTE_LABELS['refuse']}，由{case['jurisdiction_name']}{case['body_label']}书面告知"
            else:
                where = f"{case['jurisdiction_name']}{case['body_label']}，案件编号 {case['number']}{due_text}"
        elif claim["route"] == "duplicate":
            link = links.get(claim["duplicate_of_case_id"]) or {}
            where = f"已在办理（案件编号 {link.get('case_number')}，{link.get('jurisdiction_name')}{link.get('body_label')}），本次登记已关联"
        out.append((claim, where))
    return out


def _local_date(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.CHINA_TZ).date().isoformat()


def _message(doc: dict) -> str:
    parts = [f"已登记，编号 {doc['number']}"]
    if doc["cases"]:
        parts.append("已分送：" + "；".join(f"{c['jurisdiction_name']}{c['body_label']}（{c['number']}）" for c in doc["cases"]))
    if doc["duplicate_links"]:
        parts.append("与在办案件重复的诉求已关联：" + "、".join(str(l["case_number"]) for l in doc["duplicate_links"]))
    if doc["referrals"]:
        parts.append("移送：" + "、".join(r["to_name"] for r in doc["referrals"]))
    if doc["status"] == "in_triage_room":
        parts.append("已送案件分理室会审")
    if any(c["route"] == "inform" for c in doc["claims"]):
        parts.append("已在调解、仲裁或诉讼中的诉求请按原程序继续办理")
    return "；".join(parts)


# ------------------------------------------------------------------------------------------------
# What the intake pages and the inbox ask
# ------------------------------------------------------------------------------------------------

def recent_complaints(session: Session, p: Principal, limit: int = 50) -> list[dict]:
    """The latest registrations the principal may see, newest first, without their details."""
    rows = session.scalars(select(Complaint).where(complaint_visibility(session, p))
                           .order_by(Complaint.id.desc()).limit(limit)).all()
    return [complaint_dict(session, c, detail=False) for c in rows]


def intake_windows(p: Principal) -> list[str]:
    """The bureaus whose intake window the principal works at (groups ``<bureau>/intake/...``)."""
    return sorted({g.split("/")[0] for g in p.groups if g.split("/")[1:2] == ["intake"]})


def registration_districts(session: Session, windows: list[str]) -> list[Bureau]:
    """The districts a window registers employers of: its own bureau, its city and the city's districts."""
    bureaus = session.scalars(select(Bureau).order_by(Bureau.code)).all()
    cities = {b.parent for b in bureaus if b.code in windows} | set(windows)
    return [b for b in bureaus if b.parent in cities or b.code in cities]


def case_by_number(session: Session, number: str) -> Case | None:
    return session.scalar(select(Case).where(Case.number == number))


def case_of_instance(session: Session, instance_id: int) -> Case | None:
    return session.scalar(select(Case).where(Case.instance_id == instance_id))


def urgent_instance_ids(session: Session, instance_ids) -> set[int]:
    """Those of the instances whose case is marked urgent (triage's flags)."""
    return set(session.scalars(select(Case.instance_id).where(
        Case.instance_id.in_(list(instance_ids) or [-1]), Case.urgent.is_(True))))
