"""What the joint-hearing pages read (联合会商; docs/collaboration.md §4, docs/ui.md "Joint hearings"):

* the hearings a person may see — those they take part in (a task of theirs, their body in the hearing's
  district) or that concern their bodies (the triage room's and the bodies' grants): :func:`visible_hearings`;
* one hearing: the three bodies' opinions side by side (or the open opinion task), the room's steps, the
  schedule, participants, minutes, the claims and where the conclusion sent each, and the cases it opened:
  :func:`hearing_page`;
* what the "提请联合会商" page of a case or registration needs: :func:`request_subject`, and
  :func:`start_from_instance` to start it from there.

The claims a hearing is about (:func:`claim_codes`) are also what its task forms choose from (the case panel,
``domain/cases/case_file.case_context``).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import hearings
from workflow_app.domain.collaboration.models import JointHearing
from workflow_app.domain.intake import queries as intake_queries
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim, JointHearingRequest
from workflow_app.domain.vocabulary import HEARING_STATUS_LABELS
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES, N_
from workflow_app.platform.persistence.models import ProcessInstance, TaskRow

#: A hearing whose three opinions are in, before the room has scheduled it.
OPINIONS_COMPLETE = N_("意见齐备，待安排会商")
#: The longest list the hearings page shows (newest first).
MAX_ROWS = 200
#: The task specs of ``joint_hearing.bpmn`` that ask a body for its written opinion.
OPINION_SPECS = {f"opinion_{body}": body for body in HANDLING_BODIES}


def hearing_of_instance(session: Session, instance_id: int) -> JointHearing | None:
    return session.scalar(select(JointHearing).where(JointHearing.instance_id == instance_id))


def claim_codes(session: Session, hearing: JointHearing) -> list[str]:
    """The claims the hearing decides on: those its conclusion routed, else those it was opened for (the
    case's claims, the room's request, or the complaint's claims still waiting in the room)."""
    routes = (hearing.conclusion or {}).get("routes")
    if routes:
        return list(routes)
    if hearing.case_id:
        return list(session.scalars(select(ComplaintClaim.code).where(ComplaintClaim.case_id == hearing.case_id)
                                    .order_by(ComplaintClaim.position)))
    request = session.get(JointHearingRequest, hearing.request_id) if hearing.request_id else None
    if request is not None and request.claim_codes:
        return list(request.claim_codes)
    return list(session.scalars(select(ComplaintClaim.code).where(
        ComplaintClaim.complaint_id == hearing.complaint_id, ComplaintClaim.case_id.is_(None),
        ComplaintClaim.route == "triage_room").order_by(ComplaintClaim.position)))


def _claims(session: Session, hearing: JointHearing) -> list[dict]:
    codes = claim_codes(session, hearing)
    routes = (hearing.conclusion or {}).get("routes") or {}
    rows = {c.code: c for c in session.scalars(select(ComplaintClaim).where(
        ComplaintClaim.complaint_id == hearing.complaint_id, ComplaintClaim.code.in_(codes or ["-"])))}
    return [{"code": code, "label": rows[code].label if code in rows else code,
             "amount": float(rows[code].amount) if code in rows and rows[code].amount is not None else None,
             "routed_to": routes.get(code), "routed_label": BODY_LABELS.get(routes.get(code), "") if routes.get(code) else ""}
            for code in codes]


def _visible(session: Session, p: Principal, instance_id: int | None) -> bool:
    instance = session.get(ProcessInstance, instance_id) if instance_id else None
    return instance is not None and access.can_see_instance(p, instance)


def _task(row: TaskRow | None) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "status": row.status, "assignee": row.assignee,
            "candidate_group": row.candidate_group, "due_at": row.due_at, "completed_by": row.completed_by,
            "completed_at": row.completed_at}


def visible_hearings(session: Session, p: Principal, status: str | None = None) -> list[dict]:
    """The hearings ``p`` may see, newest first; ``status`` one of :data:`HEARING_STATUS_LABELS` (others: all)."""
    query = (select(JointHearing, Complaint, ProcessInstance)
             .join(ProcessInstance, ProcessInstance.id == JointHearing.instance_id)
             .outerjoin(Complaint, Complaint.id == JointHearing.complaint_id)
             .where(access.instance_visibility(p)))
    if status in HEARING_STATUS_LABELS:
        query = query.where(JointHearing.status == status)
    rows = session.execute(query.order_by(JointHearing.created_at.desc(), JointHearing.id.desc())
                           .limit(MAX_ROWS)).all()
    ids = [h.instance_id for h, _, _ in rows]
    open_tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(ids or [-1]),
                                                       TaskRow.status == "open")).all()
    cases = dict(session.execute(select(Case.id, Case.number).where(
        Case.id.in_([h.case_id for h, _, _ in rows if h.case_id] or [-1]))).all())
    out = []
    for hearing, complaint, _instance in rows:
        mine = [t for t in open_tasks if t.instance_id == hearing.instance_id
                and (t.assignee == p.username or (t.assignee is None and access.can_claim(p, t)))]
        out.append({"id": hearing.id, "number": hearing.number, "status": hearing.status,
                    "status_label": HEARING_STATUS_LABELS.get(hearing.status, hearing.status),
                    "complaint_number": complaint.number if complaint else None,
                    "employer_name": complaint.employer_name if complaint else "",
                    "case_number": cases.get(hearing.case_id), "reason": masking.mask_text(hearing.reason),
                    "scheduled_at": hearing.scheduled_at, "place": hearing.place,
                    "created_at": hearing.created_at, "concluded_at": hearing.concluded_at,
                    "my_tasks": [_task(t) for t in mine]})
    return out


def hearing_page(session: Session, p: Principal, hearing_id: int) -> dict:
    """One hearing as its page shows it; 404 when ``p`` may not see it (or it does not exist)."""
    hearing = hearings.visible_hearing(session, p, hearing_id)
    doc = hearings.hearing_dict(session, hearing)
    complaint = session.get(Complaint, hearing.complaint_id) if hearing.complaint_id else None
    case = session.get(Case, hearing.case_id) if hearing.case_id else None
    tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id == hearing.instance_id)
                            .order_by(TaskRow.step, TaskRow.created_at, TaskRow.id)).all()
    opinions = {o["body"]: o for o in doc["opinions"]}
    columns = [{"body": body, "body_label": BODY_LABELS[body], "opinion": opinions.get(body),
                "proposed_label": BODY_LABELS.get((opinions.get(body) or {}).get("proposed_body") or "", ""),
                "task": _task(next((t for t in tasks if OPINION_SPECS.get(t.task_spec) == body), None))}
               for body in HANDLING_BODIES]
    participants = doc["participants"]
    conclusion = hearing.conclusion or {}
    opened = []
    for number in conclusion.get("cases") or []:
        row = intake_queries.case_by_number(session, number)
        if row is not None:
            opened.append({"number": number, "body_label": BODY_LABELS.get(row.body, row.body),
                           "instance_id": row.instance_id if _visible(session, p, row.instance_id) else None,
                           "claims": [c for c, b in (conclusion.get("routes") or {}).items() if b == row.body]})
    return {
        "hearing": doc, "status_label": OPINIONS_COMPLETE if hearing.status == "opinions" and len(opinions) == len(
            HANDLING_BODIES) else HEARING_STATUS_LABELS.get(hearing.status, hearing.status),
        "columns": columns, "claims": _claims(session, hearing),
        "room_tasks": [_task(t) for t in tasks if t.task_spec not in OPINION_SPECS],
        "open_tasks": [_task(t) for t in tasks if t.status == "open"],
        "planned": [x for x in participants if x.get("name")],
        "attended": [x["attended"] for x in participants if x.get("attended")],
        "scheduled_at": hearing.scheduled_at, "created_at": hearing.created_at, "concluded_at": hearing.concluded_at,
        "complaint": {"id": complaint.id, "number": complaint.number, "employer_name": complaint.employer_name,
                      "visible": _complaint_visible(session, p, complaint.id)} if complaint else None,
        "case": {"number": case.number, "body_label": BODY_LABELS.get(case.body, case.body),
                 "instance_id": case.instance_id if _visible(session, p, case.instance_id) else None} if case else None,
        "conclusion_text": masking.mask_text(conclusion.get("text") or ""), "opened": opened,
        "split": bool(conclusion.get("split")),
    }


def _complaint_visible(session: Session, p: Principal, complaint_id: int) -> bool:
    try:
        intake_queries.visible_complaint(session, p, complaint_id)
    except NotFound:
        return False
    return True


def _subject(session: Session, p: Principal, instance_id: int) -> tuple[Complaint, Case | None]:
    """The registration and case (if any) of a visible instance a hearing may be asked for: a case of a
    handling body, or a registration's triage; 404 otherwise."""
    instance = access.visible_instance(session, p, instance_id)
    case = intake_queries.case_of_instance(session, instance.id)
    if case is not None:
        return session.get(Complaint, case.complaint_id), case
    complaint = session.scalar(select(Complaint).where(Complaint.triage_instance_id == instance.id))
    if complaint is None:
        raise NotFound("这个流程不是案件，不能提请联合会商", f"instance {instance_id} is not a case",
                       english="This process is not a case; no joint hearing can be asked for it")
    return complaint, None


def request_subject(session: Session, p: Principal, instance_id: int) -> dict:
    """What the "提请联合会商" page shows: the case or registration, the claims the hearing would decide on,
    whether ``p`` may ask, an open hearing already under way, and the room's open review (where a hearing of a
    registration is asked for instead)."""
    complaint, case = _subject(session, p, instance_id)
    claims = hearings.claims_to_hear(session, complaint, case)
    same = JointHearing.case_id == case.id if case else JointHearing.case_id.is_(None)
    running = session.scalar(select(JointHearing).where(JointHearing.complaint_id == complaint.id, same,
                                                        JointHearing.status != "concluded"))
    review = None
    if case is None and complaint.triage_instance_id:
        review = session.scalar(select(TaskRow).where(TaskRow.instance_id == complaint.triage_instance_id,
                                                      TaskRow.status == "open", TaskRow.task_spec == "room_review"))
    return {"instance_id": instance_id, "complaint": {"id": complaint.id, "number": complaint.number,
                                                      "employer_name": complaint.employer_name},
            "case": {"number": case.number, "body_label": BODY_LABELS.get(case.body, case.body)} if case else None,
            "claims": [{"code": c.code, "label": c.label,
                        "amount": float(c.amount) if c.amount is not None else None} for c in claims],
            "may_request": hearings.may_request(p, complaint, case),
            "running": {"id": running.id, "number": running.number} if running is not None and _visible(
                session, p, running.instance_id) else ({"id": None, "number": running.number} if running else None),
            "review_task_id": review.id if review is not None else None}


def start_from_instance(session: Session, p: Principal, instance_id: int, reason: str) -> JointHearing:
    """Start a hearing from the page of a case (its claims) or of a registration's triage (the claims waiting
    in the room, when the room's review is no longer open: otherwise the review decides)."""
    complaint, case = _subject(session, p, instance_id)
    if case is None and request_subject(session, p, instance_id)["review_task_id"]:
        raise Invalid("请在分理室审查分流任务中选择提请联合会商", "the room's review is open: decide there",
                      errors={"reason": "请在分理室审查分流任务中选择提请联合会商"})
    data = {"case_id": case.id} if case is not None else {"complaint_id": complaint.id}
    return hearings.start(session, p, {**data, "reason": reason})
