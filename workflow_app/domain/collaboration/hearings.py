"""Joint hearings of difficult cases (联合会商; docs/collaboration.md §4).

Requested by the triage room (from its ``joint_hearing_request`` of a complaint, or any complaint it sees) or
by a body from one of its cases. ``joint_hearing.bpmn`` asks the three bodies of the employer's district for
written opinions in parallel — each opinion is stored as it is given (``hearing_event``), so none can be lost
at the join — then the triage room (city level) schedules the hearing with its participants, writes the
minutes and the conclusion. The conclusion routes every claim to a body: claims still waiting for a body open
cases; claims of a case that go to another body are split into a new case there.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES
from workflow_app.platform import clock
from workflow_app.domain.intake import triage
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.domain.intake.queries import visible_case, visible_complaint
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim, JointHearingRequest
from workflow_app.domain.collaboration.models import JointHearing, JointHearingOpinion
from workflow_app.platform.persistence.models import ProcessInstance
from workflow_app.platform.identity import access
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.identifiers import masking
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound, ProcessFailed
from workflow_app.platform.identity.directory import Principal
from workflow_app.domain.collaboration import common
from workflow_app.domain.collaboration.common import invalid


def _is_room(p: Principal) -> bool:
    return any(body == "triage_room" for _, body in p.bodies())


def start(session: Session, principal: Principal, data: dict) -> JointHearing:
    """``POST /api/joint-hearings``: from a request of the triage room, a complaint or a case."""
    request = case = None
    if data.get("request_id"):
        request = session.get(JointHearingRequest, data["request_id"])
        if request is None:
            raise NotFound("会商申请不存在", "joint hearing request not found")
        complaint = visible_complaint(session, principal, request.complaint_id)
    elif data.get("case_id"):
        case = visible_case(session, principal, data["case_id"])
        complaint = session.get(Complaint, case.complaint_id)
    elif data.get("complaint_id"):
        complaint = visible_complaint(session, principal, data["complaint_id"])
    else:
        raise invalid("case_id", "请指明案件（case_id）、登记（complaint_id）或会商申请（request_id）")
    # Who may ask is decided before the state of the request: a clerk learns nothing from a 409.
    check_may_request(principal, complaint, case)
    if case is not None:
        common.require_open_case(session, case, "提请联合会商")
    if request is not None and request.status != "requested":
        raise Conflict("该会商申请已在办理", "request already started")
    reason = str(data.get("reason") or (request.reason if request else "") or "").strip()
    return _open(session, principal, complaint, case, request, reason)


def may_request(principal: Principal, complaint: Complaint | None, case: Case | None) -> bool:
    """The triage room (any complaint or case it sees), or a handling body of the case's bureau (its case)."""
    if _is_room(principal):
        return True
    return case is not None and any(common.member_of(principal, case.jurisdiction, b) for b in HANDLING_BODIES)


def check_may_request(principal: Principal, complaint: Complaint | None, case: Case | None) -> None:
    """Who may ask for a joint hearing (Forbidden otherwise). Shared with the case page's actions
    (``domain/cases/case_actions.py``) and the hearing pages."""
    if not may_request(principal, complaint, case):
        raise Forbidden("只有案件分理室或办理机构可以提请联合会商", "not the triage room or a handling body",
                        english="Only the triage room or a handling body may request a joint hearing")


def check_may_request_for_case(session: Session, principal: Principal, case: Case) -> None:
    """Whether ``principal`` may ask for a joint hearing of ``case`` now (the case page's action): who may ask
    (Forbidden), then an open case without a hearing running (Conflict)."""
    check_may_request(principal, None, case)
    common.require_open_case(session, case, "提请联合会商")
    check_no_open_hearing(session, case.complaint_id, case)


def check_no_open_hearing(session: Session, complaint_id: int, case: Case | None) -> None:
    """One joint hearing at a time per case (or per complaint without a case): a Conflict while one is open."""
    same = JointHearing.case_id == case.id if case else JointHearing.case_id.is_(None)
    if session.scalar(select(JointHearing.id).where(JointHearing.complaint_id == complaint_id, same,
                                                    JointHearing.status != "concluded")):
        raise Conflict("该案已有联合会商在办理", "an open joint hearing exists",
                       english="This case already has a joint hearing in progress")


def start_for_request(session: Session, principal: Principal, request: JointHearingRequest) -> JointHearing:
    """The triage room's review chose 提请联合会商 (``intake_room_decided``): the hearing starts at once, in
    the same transaction, so the three bodies' opinion tasks exist when the review is completed
    (docs/collaboration.md "Joint hearings"). The reviewer is the recorded requester; the room's authority
    comes from the review task itself, so no second permission check is made here."""
    if request.status != "requested":
        raise Conflict("该会商申请已在办理", "request already started")
    complaint = session.get(Complaint, request.complaint_id)
    return _open(session, principal, complaint, None, request, str(request.reason or "").strip())


def claims_to_hear(session: Session, complaint: Complaint, case: Case | None) -> list[ComplaintClaim]:
    """The claims a hearing decides on: the case's, or (for a registration) those waiting in the triage room."""
    if case is not None:
        where = (ComplaintClaim.case_id == case.id,)
    else:
        where = (ComplaintClaim.complaint_id == complaint.id, ComplaintClaim.case_id.is_(None),
                 ComplaintClaim.route == "triage_room")
    return list(session.scalars(select(ComplaintClaim).where(*where).order_by(ComplaintClaim.position)))


def _open(session: Session, principal: Principal, complaint: Complaint, case: Case | None,
          request: JointHearingRequest | None, reason: str) -> JointHearing:
    jurisdiction = case.jurisdiction if case else complaint.employer_district
    claims = claims_to_hear(session, complaint, case)
    if not claims:
        raise invalid("case_id", "没有待会商确定办理机构的诉求")
    if not 2 <= len(reason) <= 2000:
        raise invalid("reason", "会商事由应为2至2000字")
    check_no_open_hearing(session, complaint.id, case)
    number = numbering.allocate(session, "joint_hearing", jurisdiction)
    now = clock.now()
    hearing = JointHearing(number=number, complaint_id=complaint.id, case_id=case.id if case else None,
                           request_id=request.id if request else None, jurisdiction=jurisdiction, reason=reason,
                           status="opinions", created_at=now, created_by=principal.username)
    session.add(hearing)
    session.flush()
    if request is not None:
        request.status = "in_hearing"
    subject = f"{complaint.employer_name}：{'、'.join(c.label for c in claims)}"[:300]
    variables = {"hearing_number": number, "subject": subject, "reason": reason, "requested_at": common.local_iso(now),
                 "complaint_number": complaint.number, "case_number": case.number if case else None,
                 "claims": [{"code": c.code, "label": c.label} for c in claims], "employer_name": complaint.employer_name}
    instance = runtime.start_instance(session, principal, "joint_hearing", number, jurisdiction, variables,
                                      employer_name=complaint.employer_name, summary=f"联合会商：{subject}"[:500],
                                      authorize=False)
    hearing.instance_id = instance.id
    room = common.parent_of(session, jurisdiction) or jurisdiction
    access.grant_case_access(session, principal.username, instance, room, "triage_room", kind="joint_hearing",
                             reason=f"联合会商（{number}）")
    if case is not None:  # the other bodies and the triage room read the case they give an opinion on
        source = session.get(ProcessInstance, case.instance_id)
        for bureau, body in [(jurisdiction, b) for b in HANDLING_BODIES if b != case.body] + [(room, "triage_room")]:
            access.grant_case_access(session, principal.username, source, bureau, body, kind="joint_hearing",
                                     reason=f"联合会商（{number}）")
    audit.record(session, principal.username, "hearing.request", "joint_hearing", hearing.id, instance_id=instance.id,
                 business_key=number, after={"complaint": complaint.number, "case": case.number if case else None,
                                             "reason": reason, "claims": [c.code for c in claims]})
    return hearing


def _hearing(session: Session, payload: dict) -> JointHearing:
    hearing = session.scalar(select(JointHearing).where(JointHearing.number == str(payload.get("hearing")))
                             .with_for_update())
    if hearing is None:
        raise ProcessFailed("找不到对应的联合会商", f"no hearing {payload.get('hearing')!r}")
    return hearing


def on_event(session: Session, instance: ProcessInstance, payload: dict, principal: Principal) -> None:
    hearing = _hearing(session, payload)
    event = payload.get("event")
    now = clock.now()
    if event == "opinion":
        session.add(JointHearingOpinion(hearing_id=hearing.id, body=str(payload.get("body")),
                                        opinion=str(payload.get("opinion") or ""),
                                        proposed_body=payload.get("proposed_body"), author=principal.username,
                                        submitted_at=now))
        session.flush()
    elif event == "scheduled":
        participants = payload.get("participants") or []
        missing = [BODY_LABELS[b] for b in HANDLING_BODIES if b not in {p.get("body") for p in participants}]
        if missing:
            raise Invalid(f"参加人员应包括三方机构，缺少：{'、'.join(missing)}", "all three bodies must take part",
                          errors={"participants": f"缺少{'、'.join(missing)}的参加人员"})
        hearing.scheduled_at = common.parse_instant(payload.get("scheduled_at"))
        hearing.place, hearing.participants, hearing.status = payload.get("place"), participants, "scheduled"
    elif event == "minutes":
        hearing.minutes, hearing.status = str(payload.get("minutes") or ""), "minuted"
        hearing.participants = [*(hearing.participants or []), *[{"attended": a} for a in payload.get("attendees") or []]]
    elif event == "concluded":
        _conclude(session, hearing, payload, principal)
    else:
        raise ProcessFailed(f"未知的会商事件 {event}", f"unknown hearing event {event!r}")
    audit.record(session, principal.username, f"hearing.{event}", "joint_hearing", hearing.id, instance_id=instance.id,
                 business_key=hearing.number, after={k: v for k, v in payload.items() if k not in ("hearing",)})


def _conclude(session: Session, hearing: JointHearing, payload: dict, principal: Principal) -> None:
    complaint = session.get(Complaint, hearing.complaint_id)
    case = session.get(Case, hearing.case_id) if hearing.case_id else None
    if case is not None:
        claims = {c.code: c for c in session.scalars(select(ComplaintClaim).where(ComplaintClaim.case_id == case.id))}
    else:
        claims = {c.code: c for c in session.scalars(select(ComplaintClaim).where(
            ComplaintClaim.complaint_id == complaint.id, ComplaintClaim.case_id.is_(None),
            ComplaintClaim.route == "triage_room"))}
    chosen = triage.claim_routes(payload.get("routes"), claims, HANDLING_BODIES, field="routes",
                                 where="本次会商", title="会商结论有误")
    opened = []
    for body in HANDLING_BODIES:
        rows = [claims[code] for code, b in chosen.items() if b == body]
        if not rows or (case is not None and body == case.body):
            continue
        for r in rows:
            r.route = body
        opened.append(triage.open_case(session, principal, complaint, body, rows, source="joint_hearing").number)
    if case is None:
        complaint.status = "routed"
    hearing.status, hearing.concluded_at = "concluded", clock.now()
    hearing.conclusion = {"routes": chosen, "text": payload.get("conclusion"), "cases": opened,
                          "split": case is not None and bool(opened)}
    if hearing.request_id:
        request = session.get(JointHearingRequest, hearing.request_id)
        request.status = "concluded"


def hearing_dict(session: Session, hearing: JointHearing) -> dict:
    opinions = session.scalars(select(JointHearingOpinion).where(JointHearingOpinion.hearing_id == hearing.id)
                               .order_by(JointHearingOpinion.id))
    complaint = session.get(Complaint, hearing.complaint_id) if hearing.complaint_id else None
    case = session.get(Case, hearing.case_id) if hearing.case_id else None
    return {
        "id": hearing.id, "number": hearing.number, "status": hearing.status, "jurisdiction": hearing.jurisdiction,
        "reason": masking.mask_text(hearing.reason), "complaint_number": complaint.number if complaint else None,
        "case_number": case.number if case else None, "instance_id": hearing.instance_id,
        "opinions": [{"body": o.body, "body_label": BODY_LABELS.get(o.body, o.body), "opinion": masking.mask_text(o.opinion),
                      "proposed_body": o.proposed_body, "author": o.author, "submitted_at": common.iso(o.submitted_at)}
                     for o in opinions],
        "scheduled_at": common.iso(hearing.scheduled_at), "place": hearing.place,
        "participants": hearing.participants or [], "minutes": masking.mask_text(hearing.minutes), "conclusion": hearing.conclusion,
        "created_at": common.iso(hearing.created_at), "created_by": hearing.created_by,
        "concluded_at": common.iso(hearing.concluded_at),
    }


def visible_hearing(session: Session, principal: Principal, hearing_id: int) -> JointHearing:
    hearing = session.get(JointHearing, hearing_id) if 0 < hearing_id < 2**31 else None
    instance = session.get(ProcessInstance, hearing.instance_id) if hearing and hearing.instance_id else None
    if instance is None or not access.can_see_instance(principal, instance):
        raise NotFound("联合会商不存在或无权查看", f"hearing {hearing_id} not found")
    return hearing


def on_room_decided(session: Session, instance: ProcessInstance, payload: dict, principal: Principal) -> None:
    """The triage room's decision: a joint hearing is requested and started here at once (docs/intake.md
    "Triage room": the three bodies get their opinion tasks now, and the hearing's conclusion opens the
    cases); any other decision routes the claims (``triage.on_room_decided``)."""
    if payload.get("room_decision") != "joint_hearing":
        triage.on_room_decided(session, instance, payload, principal)
        return
    complaint = triage.complaint_of(session, payload)
    rows = triage.claims_of(session, complaint)
    waiting = {code: r for code, r in rows.items() if r.route == "triage_room" and r.case_id is None}
    request = JointHearingRequest(complaint_id=complaint.id, reason=str(payload.get("hearing_reason") or ""),
                                  opinion=payload.get("room_opinion"), claim_codes=sorted(waiting), status="requested",
                                  requested_at=clock.now(), requested_by=principal.username)
    session.add(request)
    complaint.status = "joint_hearing_requested"
    session.flush()
    hearing = start_for_request(session, principal, request)
    audit.record(session, principal.username, "complaint.joint_hearing_request", "complaint", complaint.id,
                 instance_id=instance.id, business_key=complaint.number,
                 after={"reason": request.reason, "claims": request.claim_codes, "hearing": hearing.number,
                        "hearing_instance_id": hearing.instance_id})

