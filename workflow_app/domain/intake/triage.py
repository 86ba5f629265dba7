"""What triage decided, made real: cases, referrals, notifications, flags (docs/intake.md).

The routing itself is data (``bpmn/intake_triage.bpmn`` and ``bpmn/dmn/*.dmn``). This module only acts on
the outcome the diagram throws, inside the same transaction:

* ``intake_routed`` (after the decision tables): every claim carries a route. Claims routed to a body open
  **one case per body** (inspection, si_audit, arbitration) in the employer's district, each with its own case
  number, linked to the complaint, starting that body's process at its acceptance task. Time-barred
  inspection claims (``refuse``, T8) go to the same inspection case, whose process gives them the written
  refusal step. ``referral`` claims (T7) become transfer-ledger rows per department; the F3 flag a
  notification row to the named regulator; ``inform`` (T0) and ``triage_room`` (T1) wait in the diagram.
* ``intake_room_decided`` (the triage room's review): the reviewer's routing opens the cases, or the
  joint hearing (联合会商) is requested and started at once (``collaboration/hearings.py``); its conclusion
  opens the cases.

The structural vocabulary is fixed here: the routes a table may give and the process each body runs.
"""
from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow_app.domain.vocabulary import BODY_PROCESSES, ROUTE_LABELS
from workflow_app.platform import clock
from workflow_app.domain.intake.models import (
    Case,
    Complaint,
    ComplaintClaim,
    TransferLedgerEntry,
)
from workflow_app.platform.persistence.models import ProcessInstance, TaskRow
from workflow_app.platform.identity import access
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.errors import Invalid, ProcessFailed
from workflow_app.platform.identity.directory import SYSTEM, Principal
from workflow_app.platform.numbering import numbers as numbering



# ------------------------------------------------------------------------------------------------
# Diagram function: the 2-year limitation of 劳动保障监察条例 art.20
# ------------------------------------------------------------------------------------------------

def years_after(day: Any, n: int) -> date:
    """The day ``n`` years after ``day``: the corresponding day, or the end of the month when the year has
    none (29 February -> 28 February; 民法典 art.202). Used by triage.dmn for the 2-year limitation: a
    violation that ended on D is still investigated when reported on or before ``years_after(D, 2)``."""
    if isinstance(day, datetime):
        day = day.astimezone(clock.CHINA_TZ).date() if day.tzinfo else day.date()
    elif not isinstance(day, date):
        parsed = clock.parse_day_or_instant(day)  # text from the decision table: its written day
        day = parsed.date() if isinstance(parsed, datetime) else parsed
    year = day.year + int(n)
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, day.month, 28)



# ------------------------------------------------------------------------------------------------
# Opening cases
# ------------------------------------------------------------------------------------------------

_START_TAKES_AUTHORIZE = "authorize" in inspect.signature(runtime.start_instance).parameters


def _start(session: Session, principal: Principal, process_key: str, number: str, jurisdiction: str,
           variables: dict, employer: str, summary: str) -> ProcessInstance:
    """Start a body's process on the system's routing decision (not the user's choice of jurisdiction):
    "一点举报投诉、全市联动受理" — the window's clerk may open a case in any district of the city."""
    if _START_TAKES_AUTHORIZE:
        return runtime.start_instance(session, principal, process_key, number, jurisdiction, variables, employer,
                                      summary, authorize=False)
    acting = replace(principal, groups=frozenset(principal.groups | {f"{jurisdiction}/intake/intake_clerk"}))
    return runtime.start_instance(session, acting, process_key, number, jurisdiction, variables, employer, summary)


def claim_view(row: ComplaintClaim) -> dict:
    return {"code": row.code, "label": row.label, "amount": float(row.amount) if row.amount is not None else None,
            "months_unpaid": row.months_unpaid, "rule": row.rule,
            "violation_ended_on": row.violation_ended_on.isoformat() if row.violation_ended_on else None}


def flag_labels(urgent: bool, fast_track: bool, criminal_watch: bool) -> str:
    return ("【紧急】" if urgent and not fast_track else "") + ("【快立快审快结】" if fast_track else "") \
        + ("【涉嫌犯罪关注】" if criminal_watch else "")


def open_case(session: Session, principal: Principal, complaint: Complaint, body: str,
              rows: list[ComplaintClaim], source: str) -> Case:
    """One case at ``body`` of the employer's district for ``rows``; starts the body's process."""
    if body not in BODY_PROCESSES:
        raise ProcessFailed(f"分流结果有误：没有“{body}”这个办理机构", f"unknown body {body!r}")
    district = complaint.employer_district
    number = numbering.allocate(session, body, district)
    barred = [r for r in rows if r.route == "refuse"]
    handled = [r for r in rows if r.route != "refuse"]
    urgent = bool(complaint.urgent)
    fast_track = urgent and body == "arbitration"
    criminal_watch = bool(complaint.criminal_watch) and body == "inspection"
    received = complaint.received_at.astimezone(clock.CHINA_TZ)
    variables = {
        "complaint_id": complaint.id, "complaint_number": complaint.number, "case_number": number, "body": body,
        "kind": complaint.kind, "channel": complaint.channel, "anonymous": complaint.complainant_anonymous,
        "received_at": received.isoformat(), "received_on": received.date().isoformat(),
        "employer_name": complaint.employer_name, "employer_uscc": complaint.employer_uscc,
        "employer_address": complaint.employer_address, "employer_district": district,
        "workers_affected": complaint.workers_affected,
        "claims": [claim_view(r) for r in handled],
        "urgent": urgent, "fast_track": fast_track, "criminal_watch": criminal_watch,
    }
    if body == "inspection":
        variables["limitation_claims"] = [claim_view(r) for r in barred]
    labels = "、".join(r.label for r in rows)
    summary = f"{flag_labels(urgent, fast_track, criminal_watch)}{complaint.employer_name}：{labels}" \
              f"（{complaint.workers_affected}人）"[:500]
    instance = _start(session, principal, BODY_PROCESSES[body], number, district, variables,
                      complaint.employer_name, summary)
    rules = sorted({r.rule for r in rows if r.rule})
    case = Case(number=number, complaint_id=complaint.id, body=body, jurisdiction=district,
                process_key=BODY_PROCESSES[body], instance_id=instance.id, source=source, rules=rules,
                urgent=urgent, fast_track=fast_track, criminal_watch=criminal_watch,
                employer_name=complaint.employer_name, summary=summary, opened_at=clock.now(),
                opened_by=principal.username)
    case.acceptance_due_at = session.scalar(select(func.min(TaskRow.due_at)).where(
        TaskRow.instance_id == instance.id, TaskRow.status == "open"))
    session.add(case)
    session.flush()
    for r in rows:
        r.case_id = case.id
    # The window that registered the complaint keeps sight of the case it handed over.
    access.grant_case_access(session, principal.username, instance, complaint.window_bureau, "intake",
                             kind="notification", reason=f"综合窗口登记分流（{complaint.number}）")
    audit.record(session, principal.username, "case.open", "case", case.id, instance_id=instance.id,
                 business_key=number,
                 after={"complaint": complaint.number, "body": body, "jurisdiction": district, "source": source,
                        "claims": [r.code for r in rows], "rules": rules, "urgent": urgent, "fast_track": fast_track,
                        "criminal_watch": criminal_watch})
    return case


def _ledger(session: Session, principal: Principal, complaint: Complaint, *, kind: str, rule: str, to_kind: str,
            to_code: str, to_name: str, subject: str, codes: list[str], case_id: int | None = None) -> TransferLedgerEntry:
    entry = TransferLedgerEntry(
        kind=kind, rule=rule, complaint_id=complaint.id, case_id=case_id, from_bureau=complaint.window_bureau,
        from_body="intake", to_kind=to_kind, to_code=to_code, to_name=to_name,
        to_jurisdiction=complaint.employer_district, subject=subject[:500], claim_codes=codes, status="recorded",
        created_at=clock.now(), created_by=principal.username)
    session.add(entry)
    session.flush()
    audit.record(session, principal.username, f"ledger.{kind}", "complaint", complaint.id, business_key=complaint.number,
                 after={"rule": rule, "to": to_name, "to_code": to_code, "jurisdiction": complaint.employer_district,
                        "claims": codes})
    return entry


# ------------------------------------------------------------------------------------------------
# Message handlers
# ------------------------------------------------------------------------------------------------

def complaint_of(session: Session, payload: dict) -> Complaint:
    complaint = session.get(Complaint, payload.get("complaint_id")) if isinstance(payload.get("complaint_id"), int) else None
    if complaint is None:
        raise ProcessFailed("分流结果找不到对应的登记", f"no complaint {payload.get('complaint_id')!r}")
    return complaint


def claims_of(session: Session, complaint: Complaint) -> dict[str, ComplaintClaim]:
    return {c.code: c for c in session.scalars(select(ComplaintClaim).where(ComplaintClaim.complaint_id == complaint.id)
                                                .order_by(ComplaintClaim.position))}


def on_routed(session: Session, instance: ProcessInstance, payload: dict, principal: Principal) -> None:
    # The triage decision tables route the claims, not the clerk whose registration started the triage:
    # the cases, ledger entries and the triage record are the system's (docs/intake.md "Who opens a case").
    principal = SYSTEM
    complaint = complaint_of(session, payload)
    rows = claims_of(session, complaint)
    routed: list[ComplaintClaim] = []
    for item in payload.get("claims") or []:
        row = rows.get(item.get("code"))
        if row is None:
            raise ProcessFailed(f"分流结果有误：登记中没有诉求“{item.get('code')}”", f"unknown claim {item.get('code')!r}")
        route = item.get("route")
        if route not in ROUTE_LABELS or route == "duplicate":
            raise ProcessFailed(f"分流结果有误：诉求“{row.label}”的去向“{route}”不是可用的去向（{'、'.join(ROUTE_LABELS)}）",
                                f"unknown route {route!r} for claim {row.code}")
        row.route, row.rule = route, item.get("rule")
        row.group = item.get("group") or row.group
        row.label = str(item.get("label") or row.label)[:200]
        if route == "referral":
            if not item.get("department"):
                raise ProcessFailed(f"诉求目录没有写明“{row.label}”应移送的部门", f"claim {row.code} has no department")
            row.department, row.department_name = item.get("department"), item.get("department_name") or item.get("department")
        routed.append(row)

    flags = set(payload.get("flags") or [])
    complaint.urgent = "urgent" in flags
    complaint.criminal_watch = "criminal_watch" in flags
    complaint.notify_regulator = "notify_regulator" in flags and bool(payload.get("regulator_code"))
    complaint.flag_rules = list(payload.get("flag_rules") or [])
    complaint.triaged_at = clock.now()

    cases: dict[str, Case] = {}
    for body in BODY_PROCESSES:
        chosen = [r for r in routed if r.route == body or (body == "inspection" and r.route == "refuse")]
        if chosen:
            cases[body] = open_case(session, principal, complaint, body, chosen, source="triage")

    departments: dict[str, list[ComplaintClaim]] = {}
    for r in routed:
        if r.route == "referral":
            departments.setdefault(r.department, []).append(r)
    for code, items in departments.items():
        _ledger(session, principal, complaint, kind="transfer", rule="T7", to_kind="department", to_code=code,
                to_name=items[0].department_name or code, codes=[r.code for r in items],
                subject=f"{complaint.employer_name}：{'、'.join(r.label for r in items)}（{complaint.number}）")

    if complaint.notify_regulator:
        wage = [r for r in routed if r.code in _wage_codes(payload)]
        inspection = cases.get("inspection")
        _ledger(session, principal, complaint, kind="notification", rule="F3", to_kind="regulator",
                to_code=str(payload["regulator_code"]), to_name=str(payload.get("regulator_name") or payload["regulator_code"]),
                codes=[r.code for r in wage],
                case_id=inspection.id if inspection else None,
                subject=f"{complaint.employer_name}（工程建设项目：{complaint.project_name or '—'}）工资类诉求："
                        f"{'、'.join(r.label for r in wage)}，涉及{complaint.workers_affected}人（{complaint.number}）")

    complaint.status = "in_triage_room" if any(r.route == "triage_room" for r in routed) else "routed"
    audit.record(session, principal.username, "complaint.triage", "complaint", complaint.id,
                 instance_id=instance.id, business_key=complaint.number,
                 after={"routes": {r.code: r.route for r in routed}, "rules": {r.code: r.rule for r in routed},
                        "flags": sorted(flags), "cases": {b: c.number for b, c in cases.items()}})


def _wage_codes(payload: dict) -> set[str]:
    return {c.get("code") for c in payload.get("claims") or [] if c.get("wage")}


def on_room_decided(session: Session, instance: ProcessInstance, payload: dict, principal: Principal) -> None:
    """The triage room routed the claims it was sent (its other outcome, a joint hearing, is handled by
    ``domain/collaboration/hearings.py``, which builds on this module)."""
    complaint = complaint_of(session, payload)
    rows = claims_of(session, complaint)
    waiting = {code: r for code, r in rows.items() if r.route == "triage_room" and r.case_id is None}
    chosen = claim_routes(payload.get("room_routes"), waiting, BODY_PROCESSES, field="room_routes",
                          where="本件送分理室", title="分理结论有误")
    for code, body in chosen.items():
        waiting[code].route = body
    for body in BODY_PROCESSES:
        items = [waiting[code] for code, b in chosen.items() if b == body]
        if items:
            open_case(session, principal, complaint, body, items, source="triage_room")
    complaint.status = "routed"
    audit.record(session, principal.username, "complaint.room_routed", "complaint", complaint.id,
                 instance_id=instance.id, business_key=complaint.number,
                 after={"routes": chosen, "opinion": payload.get("room_opinion")})


def claim_routes(items, claims: dict, bodies, field: str, where: str, title: str) -> dict[str, str]:
    """Check a reviewer's routing of claims (triage room, joint hearing): every claim in ``claims`` goes to
    exactly one of ``bodies``. Returns {code: body} or raises Invalid listing every problem in Chinese."""
    problems: list[str] = []
    chosen: dict[str, str] = {}
    for item in items or []:
        code, body = (item or {}).get("code"), (item or {}).get("body")
        if code not in claims:
            problems.append(f"“{code}”不是{where}的诉求")
        elif code in chosen:
            problems.append(f"诉求“{claims[code].label}”分送了不止一次")
        elif body not in bodies:
            problems.append(f"诉求“{claims[code].label}”的办理机构不正确")
        else:
            chosen[code] = body
    missing = [c.label for code, c in claims.items() if code not in chosen]
    if missing:
        problems.append(f"以下诉求尚未确定办理机构：{'、'.join(missing)}")
    if problems:
        raise Invalid(f"{title}：" + "；".join(problems), "every claim must go to exactly one handling body",
                      errors={field: "；".join(problems)})
    return chosen

