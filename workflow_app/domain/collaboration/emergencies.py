"""Emergencies and supervised handling (docs/collaboration.md §4, §6).

* :func:`declare` — an emergency on a case (media exposure, mass incident, serious social impact): the case
  becomes urgent (arbitration: fast track, 快立快审快结), its open tasks move to the top of every inbox, and
  when the case is not an inspection case the inspection body of the district is notified for first
  intervention through the transfer channel (通报, with its acknowledgement deadline). A major emergency may
  convene an ad-hoc liaison meeting.
* :func:`supervise` — supervised handling (挂牌督办) by the higher level (the city's leadership for a district
  case) with its own deadline; :func:`supervised_query` is the supervising level's view (open, overdue).
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.calendar.official_calendar import UnknownYearError
from workflow_app.domain.intake.queries import visible_case
from workflow_app.domain.intake.models import Case
from workflow_app.domain.collaboration.models import InterAgencyTransfer, SupervisedCase
from workflow_app.platform.persistence.models import ProcessInstance, TaskRow
from workflow_app.platform.identity import access
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.deadlines import calendar_years, diagram_functions
from workflow_app.platform.errors import Conflict, Forbidden, NotFound
from workflow_app.platform.identity.directory import Principal
from workflow_app.domain.collaboration import common, meetings, transfers
from workflow_app.domain.collaboration.common import invalid
from workflow_app.platform.organisation import N_

#: The kinds of emergency with their labels (marked for translation: the case page's form shows them).
EMERGENCY_KINDS = {"media_exposure": N_("媒体曝光"), "mass_incident": N_("群体性事件"), "serious_impact": N_("严重社会影响")}
URGENT_PRIORITY, FAST_TRACK_PRIORITY = 80, 90


def declare(session: Session, principal: Principal, case_id: int, data: dict) -> dict:
    case = visible_case(session, principal, case_id)
    check_may_declare(session, principal, case)
    kind = data.get("kind")
    if kind not in EMERGENCY_KINDS:
        raise invalid("kind", "类型应为 media_exposure、mass_incident 或 serious_impact")
    description = str(data.get("description") or "").strip()
    if not 2 <= len(description) <= 2000:
        raise invalid("description", "情况说明应为2至2000字")
    case.urgent = True
    if case.body == "arbitration":
        case.fast_track = True
    priority = FAST_TRACK_PRIORITY if case.fast_track else URGENT_PRIORITY
    session.execute(update(TaskRow).where(TaskRow.instance_id == case.instance_id, TaskRow.status == "open",
                                          TaskRow.priority < priority)
                    .values(priority=priority, row_version=TaskRow.row_version + 1)
                    .execution_options(synchronize_session=False))
    result = {"case_id": case.id, "urgent": True, "fast_track": case.fast_track, "first_intervention": None,
              "meeting": None}
    if case.body != "inspection" and not session.scalar(select(InterAgencyTransfer.id).where(
            InterAgencyTransfer.case_id == case.id, InterAgencyTransfer.kind == "notification",
            InterAgencyTransfer.to_body == "inspection", InterAgencyTransfer.status.in_(transfers.OPEN_STATUSES))):
        note = transfers.create_transfer(session, principal, case.id, {
            "kind": "notification", "to_body": "inspection",
            "reason": f"【应急·{EMERGENCY_KINDS[kind]}】请劳动保障监察先期介入：{description}"[:2000],
            "materials": ["应急情况说明"]}, check_member=False)
        result["first_intervention"] = note.number
    if data.get("convene_meeting"):
        result["meeting"] = meetings.start_meeting(session, principal, case.jurisdiction, "ad_hoc",
                                                   reason=f"应急突发案件：{case.number}（{description}）"[:2000]).number
    audit.record(session, principal.username, "case.emergency", "case", case.id, instance_id=case.instance_id,
                 business_key=case.number, after={"kind": kind, "description": description, **result})
    return result


def check_may_declare(session: Session, principal: Principal, case: Case) -> None:
    """Who may declare an emergency on a case: its handling body or the leadership of its bureau or city
    (Forbidden), while the case is open (Conflict). Shared with the case page's actions."""
    city = common.parent_of(session, case.jurisdiction)
    if not (common.member_of(principal, case.jurisdiction, case.body)
            or {case.jurisdiction, city} & principal.bureaus_with_role("leadership")):
        raise Forbidden("只有办理机构或局领导可以认定应急突发案件", "not the handling body or leadership",
                        english="Only the handling body or the bureau's leadership may declare an emergency")
    common.require_open_case(session, case, "认定应急突发案件")


def supervising_bureau(session: Session, case: Case) -> str:
    """The level that supervises a case: the city above a district (a city's own case: the city)."""
    return common.parent_of(session, case.jurisdiction) or case.jurisdiction


def check_may_supervise(session: Session, principal: Principal, case: Case) -> None:
    """Supervised handling (挂牌督办) is decided by the higher level's leadership (Forbidden), for an open case
    not already supervised (Conflict). Shared with the case page's actions."""
    if supervising_bureau(session, case) not in principal.bureaus_with_role("leadership"):
        raise Forbidden("挂牌督办由上级局领导决定", "supervised handling is decided by the higher level's leadership",
                        english="Supervised handling is decided by the leadership of the level above")
    common.require_open_case(session, case, "挂牌督办")
    if open_supervision(session, case) is not None:
        raise Conflict("本案已在挂牌督办中", "already supervised", english="This case is already under supervised handling")


def open_supervision(session: Session, case: Case) -> SupervisedCase | None:
    """The case's supervised handling still open, if any."""
    return session.scalar(select(SupervisedCase).where(SupervisedCase.case_id == case.id,
                                                       SupervisedCase.status == "open"))


def supervise(session: Session, principal: Principal, case_id: int, data: dict) -> SupervisedCase:
    case = visible_case(session, principal, case_id)
    check_may_supervise(session, principal, case)
    city = supervising_bureau(session, case)
    rule = data.get("deadline_rule") or "30WD"
    reason = str(data.get("reason") or "").strip()
    if not 2 <= len(reason) <= 2000:
        raise invalid("reason", "督办事由应为2至2000字")
    try:
        due = common.parse_instant(diagram_functions.due_at(calendar_years.current(session), rule, clock.now()))
    except UnknownYearError as exc:
        raise invalid("deadline_rule", f"无法计算督办期限：{exc}") from None
    except Exception:
        raise invalid("deadline_rule", "督办期限格式应如 30WD、15D、72h") from None
    row = SupervisedCase(case_id=case.id, supervising_bureau=city, reason=reason, deadline_rule=rule, due_at=due,
                         status="open", created_at=clock.now(), created_by=principal.username)
    session.add(row)
    session.flush()
    instance = session.get(ProcessInstance, case.instance_id)
    access.grant_case_access(session, principal.username, instance, city, "leadership", kind="supervision",
                             reason=f"挂牌督办：{reason}"[:500])
    case.urgent = True
    audit.record(session, principal.username, "case.supervise", "case", case.id, instance_id=case.instance_id,
                 business_key=case.number, after={"by": city, "rule": rule, "due_at": due.isoformat(), "reason": reason})
    return row


def close(session: Session, principal: Principal, supervision_id: int, result: str) -> SupervisedCase:
    row = session.get(SupervisedCase, supervision_id) if 0 < supervision_id < 2**31 else None
    if row is None or row.supervising_bureau not in principal.bureaus_with_role("leadership"):
        raise NotFound("督办事项不存在或无权查看", f"supervision {supervision_id} not found")
    if row.status != "open":
        raise Conflict("督办事项已办结", "already closed")
    row.status, row.result, row.closed_at = "closed", result, clock.now()
    case = session.get(Case, row.case_id)
    audit.record(session, principal.username, "case.supervise_close", "case", case.id, instance_id=case.instance_id,
                 business_key=case.number, after={"result": result})
    return row


def supervised_query(session: Session, principal: Principal, status: str | None = None, overdue: bool | None = None):
    bureaus = principal.bureaus_with_role("leadership") | principal.bureaus_with_role("administrator")
    stmt = select(SupervisedCase, Case).join(Case, Case.id == SupervisedCase.case_id).where(
        SupervisedCase.supervising_bureau.in_(sorted(bureaus)))
    if status:
        stmt = stmt.where(SupervisedCase.status == status)
    now = clock.now()
    if overdue is True:
        stmt = stmt.where(SupervisedCase.status == "open", SupervisedCase.due_at < now)
    elif overdue is False:
        stmt = stmt.where(SupervisedCase.due_at >= now)
    return stmt.order_by(SupervisedCase.due_at)


def supervised_dict(session: Session, row: SupervisedCase, case: Case) -> dict:
    instance = session.get(ProcessInstance, case.instance_id)
    open_tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id == case.instance_id, TaskRow.status == "open"))
    now = clock.now()
    return {"id": row.id, "case_id": case.id, "case_number": case.number, "body": case.body,
            "jurisdiction": case.jurisdiction, "employer_name": case.employer_name, "reason": row.reason,
            "deadline_rule": row.deadline_rule, "due_at": common.iso(row.due_at), "status": row.status,
            "overdue": row.status == "open" and row.due_at < now, "result": row.result,
            "case_status": instance.status if instance else None,
            "open_tasks": [{"name": t.name, "due_at": common.iso(t.due_at),
                            "assignee": t.assignee} for t in open_tasks],
            "created_at": common.iso(row.created_at), "created_by": row.created_by}
