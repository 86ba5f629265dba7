"""Quarterly liaison meetings (联席办公会议, docs/collaboration.md §5): agenda from live data, minutes, action items,
and the quarterly timer start.

The engine has no process-level timer start service, so the quarterly start is a small schedule: one
``meeting_schedule`` row per bureau (enabled by a process owner or administrator) with ``next_due_at`` = 09:00
on the first working day of the next quarter (official calendar). The worker starts the due meetings; each
start inserts a ``meeting_schedule_run`` row unique per (schedule, period) in the same transaction as the
meeting, and the schedule row is taken with ``FOR UPDATE SKIP LOCKED`` — a quarter's meeting starts exactly
once however many workers run. One process instance per meeting, never a loop.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import common, ledgers
from workflow_app.domain.collaboration.common import invalid
from workflow_app.domain.collaboration.models import (
    InterAgencyTransfer,
    JointHearing,
    LiaisonMeeting,
    MeetingActionItem,
    MeetingSchedule,
    MeetingScheduleRun,
)
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.domain.intake.models import Case, Complaint, JointHearingRequest
from workflow_app.domain.vocabulary import TRANSFER_STATUS_LABELS
from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.calendar.official_calendar import UnknownYearError
from workflow_app.platform.deadlines import calendar_years, diagram_functions
from workflow_app.platform.errors import Forbidden, Invalid, NotFound, ProcessFailed
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import SYSTEM, Principal
from workflow_app.platform.organisation import BODY_LABELS
from workflow_app.platform.persistence.database import Database, in_transaction
from workflow_app.platform.persistence.models import Group, Membership, ProcessInstance, TaskRow, User
from workflow_app.platform.runtime import instances as runtime

MEETING_TIME = time(9, 0)
POLICE_WAITING = ("transferred", "received", "no_decision", "reconsideration", "supervision")
POLICE_CANDIDATES = ("approved", "transferred", "received", "filed", "not_filed", "no_decision", "reconsideration",
                     "supervision", "items_handed_over")


# ------------------------------------------------------------------------------------------------
# Quarters on the official calendar
# ------------------------------------------------------------------------------------------------

def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def period_label(day: date) -> str:
    year, q = quarter_of(day)
    return f"{year}Q{q}"


def first_working_day_of_quarter(calendar: OfficialCalendar, year: int, q: int) -> date:
    first = date(year, 3 * (q - 1) + 1, 1)
    return diagram_functions.working_days_after(calendar, first - timedelta(days=1), 1)


def first_working_day_of_quarter_of(calendar: OfficialCalendar, day) -> date:
    """The diagram function ``first_working_day_of_quarter(day)``: the first working day of ``day``'s quarter."""
    value = diagram_functions.as_day(day)
    local = value.astimezone(clock.CHINA_TZ).date() if isinstance(value, datetime) else value
    return first_working_day_of_quarter(calendar, *quarter_of(local))


def meeting_start(calendar: OfficialCalendar, year: int, q: int) -> datetime:
    """09:00 on the quarter's first working day; when the calendar has no data for that year yet, 00:00 on
    the quarter's first day (provisional: the worker recomputes it when it comes, see :func:`_fire`)."""
    try:
        return datetime.combine(first_working_day_of_quarter(calendar, year, q), MEETING_TIME, clock.CHINA_TZ)
    except UnknownYearError:
        return datetime.combine(date(year, 3 * (q - 1) + 1, 1), time.min, clock.CHINA_TZ)


def next_meeting_at(calendar: OfficialCalendar, after: datetime) -> datetime:
    """The next quarterly start after ``after``: this quarter's if still ahead, else the next quarter's."""
    local = after.astimezone(clock.CHINA_TZ)
    year, q = quarter_of(local.date())
    for _ in range(2):
        moment = meeting_start(calendar, year, q)
        if moment > local:
            return moment
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    raise AssertionError("unreachable")



# ------------------------------------------------------------------------------------------------
# Agenda from live data
# ------------------------------------------------------------------------------------------------

def agenda(session: Session, bureau: str, now: datetime | None = None) -> dict:
    now = now or clock.now()
    scope = identity.bureau_subtree(session, {bureau})
    local = now.astimezone(clock.CHINA_TZ).date()
    year, q = quarter_of(local)
    quarter_start = datetime.combine(date(year, 3 * (q - 1) + 1, 1), time.min, clock.CHINA_TZ)
    in_scope = or_(InterAgencyTransfer.from_bureau.in_(scope), InterAgencyTransfer.to_bureau.in_(scope))

    def t(row):
        return {"number": row.number, "kind": row.kind, "case_number": row.case_number, "employer_name": row.employer_name,
                "from": f"{row.from_bureau}/{row.from_body}", "to": f"{row.to_bureau}/{row.to_body}",
                "status": row.status, "status_label": TRANSFER_STATUS_LABELS.get(row.status, row.status),
                "due_at": common.iso(row.ack_due_at)}
    overdue = session.scalars(select(InterAgencyTransfer).where(
        in_scope, InterAgencyTransfer.kind != "police", InterAgencyTransfer.answered_at.is_(None),
        ledgers.overdue_condition(now)).order_by(InterAgencyTransfer.id))
    police_waiting = session.scalars(select(InterAgencyTransfer).where(
        in_scope, InterAgencyTransfer.kind == "police", InterAgencyTransfer.status.in_(POLICE_WAITING))
        .order_by(InterAgencyTransfer.id))
    hearings = session.scalars(select(JointHearing).where(JointHearing.jurisdiction.in_(scope),
                                                          JointHearing.status != "concluded").order_by(JointHearing.id))
    requests = session.execute(select(JointHearingRequest, Complaint).join(
        Complaint, Complaint.id == JointHearingRequest.complaint_id).where(
        JointHearingRequest.status == "requested", Complaint.employer_district.in_(scope)))
    police_quarter = session.scalars(select(InterAgencyTransfer).where(
        in_scope, InterAgencyTransfer.kind == "police", InterAgencyTransfer.status.in_(POLICE_CANDIDATES),
        InterAgencyTransfer.created_at >= quarter_start).order_by(InterAgencyTransfer.id))
    publication = [{"source": "police_transfer", "number": r.number, "case_number": r.case_number,
                    "employer_name": r.employer_name, "reason": "涉嫌拒不支付劳动报酬罪移送公安"} for r in police_quarter]
    seen = {p["case_number"] for p in publication}
    for case in session.scalars(select(Case).where(Case.jurisdiction.in_(scope), Case.opened_at >= quarter_start,
                                                   or_(Case.criminal_watch.is_(True), Case.urgent.is_(True)))
                                .order_by(Case.id)):
        if case.number not in seen:
            publication.append({"source": "case", "number": case.number, "case_number": case.number,
                                "employer_name": case.employer_name,
                                "reason": "涉嫌犯罪关注（大额欠薪）" if case.criminal_watch else "严重社会影响（紧急）"})
    items = session.scalars(select(MeetingActionItem).where(MeetingActionItem.bureau == bureau,
                                                            MeetingActionItem.status == "open")
                            .order_by(MeetingActionItem.id))
    out = {
        "bureau": bureau, "period": f"{year}Q{q}", "compiled_at": now.isoformat(),
        "overdue_transfers": [t(r) for r in overdue],
        "difficult_cases": [{"number": h.number, "status": h.status, "reason": h.reason} for h in hearings]
        + [{"number": None, "status": "requested", "complaint_number": c.number, "reason": r.reason}
           for r, c in requests],
        "police_awaiting_decision": [t(r) for r in police_waiting],
        "publication_candidates": publication,
        "open_action_items": [{"id": i.id, "title": i.title, "owner_body": i.owner_body, "owner": i.owner,
                               "due_on": i.due_on.isoformat(), "overdue": i.due_on < local,
                               "meeting_id": i.meeting_id} for i in items],
    }
    out["counts"] = {k: len(v) for k, v in out.items() if isinstance(v, list)}
    return out


# ------------------------------------------------------------------------------------------------
# Meetings
# ------------------------------------------------------------------------------------------------

def may_convene(p: Principal, session: Session, bureau: str) -> bool:
    city = common.parent_of(session, bureau)
    if {bureau, city} & p.bureaus_with_role("leadership"):
        return True
    return any(b == bureau and role in ("liaison_officer", "division_head")
               for b, _, role in (tuple(k.split("/", 2)) for k in p.groups if k.count("/") == 2))


def start_meeting(session: Session, principal: Principal, bureau: str, kind: str, period: str | None = None,
                  reason: str | None = None) -> LiaisonMeeting:
    if not common.bureau_exists(session, bureau):
        raise invalid("bureau", "辖区不存在")
    number = numbering.allocate(session, "liaison_meeting", bureau)
    now = clock.now()
    content = agenda(session, bureau, now)
    meeting = LiaisonMeeting(number=number, bureau=bureau, kind=kind, period=period or content["period"], reason=reason,
                             agenda=content, status="preparing", created_at=now, created_by=principal.username)
    session.add(meeting)
    session.flush()
    variables = {"meeting_number": number, "meeting_kind": kind, "period": meeting.period,
                 "started_at": common.local_iso(now), "agenda": content, "reason": reason or ""}
    label = "联席办公会议" + ("（临时）" if kind == "ad_hoc" else f"（{meeting.period}）")
    instance = runtime.start_instance(session, principal, "liaison_meeting", number, bureau, variables,
                                      summary=f"{label}{number}"[:500], authorize=False)
    meeting.instance_id = instance.id
    audit.record(session, principal.username, "meeting.start", "liaison_meeting", meeting.id, instance_id=instance.id,
                 business_key=number, after={"bureau": bureau, "kind": kind, "period": meeting.period,
                                             "counts": content["counts"], "reason": reason})
    return meeting


def _meeting(session: Session, payload: dict) -> LiaisonMeeting:
    meeting = session.scalar(select(LiaisonMeeting).where(LiaisonMeeting.number == str(payload.get("meeting")))
                             .with_for_update())
    if meeting is None:
        raise ProcessFailed("找不到对应的联席会议", f"no meeting {payload.get('meeting')!r}")
    return meeting


def on_event(session: Session, instance: ProcessInstance, payload: dict, principal: Principal) -> None:
    meeting = _meeting(session, payload)
    event = payload.get("event")
    now = clock.now()
    if event == "minutes":
        # Minutes may already have been written on the meeting page (record_minutes): the task's text is added
        # to them, never put in their place, so neither writer's words are lost.
        written, text = (meeting.minutes or "").strip(), str(payload.get("minutes") or "").strip()
        meeting.minutes = text if not written else written if (not text or text in written) else f"{written}\n\n{text}"
        meeting.decisions = list(payload.get("decisions") or [])
        meeting.status, meeting.held_at = "held", now
        for item_id in payload.get("closed_items") or []:
            item = session.get(MeetingActionItem, item_id)
            if item is None or item.bureau != meeting.bureau or item.status != "open":
                raise Invalid(f"第{item_id}项不是本辖区未办结的会议事项", "unknown open action item",
                              errors={"closed_items": f"第{item_id}项不是本辖区未办结的会议事项"})
            item.status, item.done_at, item.result = "done", now, f"经{meeting.number}会议确认办结"
        for spec in payload.get("action_items") or []:
            _action_item(session, principal, meeting, spec)
    elif event == "action_done":
        item = session.get(MeetingActionItem, payload.get("item"))
        if item is None:
            raise ProcessFailed("找不到会议事项", f"no action item {payload.get('item')!r}")
        if item.status == "open":
            item.status, item.done_at, item.result = "done", now, str(payload.get("result") or "")
    else:
        raise ProcessFailed(f"未知的会议事件 {event}", f"unknown meeting event {event!r}")
    audit.record(session, principal.username, f"meeting.{event}", "liaison_meeting", meeting.id, instance_id=instance.id,
                 business_key=meeting.number, after={k: v for k, v in payload.items() if k != "meeting"})


def _action_item(session: Session, principal: Principal, meeting: LiaisonMeeting, spec: dict) -> MeetingActionItem:
    try:
        due_on = date.fromisoformat(str(spec.get("due_on")))
    except ValueError:
        raise invalid("action_items", "落实事项的完成期限应为日期") from None
    owner = spec.get("owner") or None
    item = MeetingActionItem(meeting_id=meeting.id, bureau=meeting.bureau, title=str(spec.get("title"))[:500],
                             owner=owner, owner_body=str(spec.get("owner_body")), due_on=due_on, status="open")
    session.add(item)
    session.flush()
    variables = {"meeting_number": meeting.number, "item_id": item.id, "title": item.title,
                 "owner_body": item.owner_body, "due_on": due_on.isoformat()}
    instance = runtime.start_instance(session, principal, "liaison_action", f"{meeting.number}-{item.id}",
                                      meeting.bureau, variables, summary=f"会议事项：{item.title}"[:500], authorize=False)
    item.instance_id = instance.id
    if owner:
        row = session.scalar(select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.status == "open"))
        try:
            target = identity.principal_by_username(session, owner)
        except NotFound:
            target = None
        if row is None or target is None or not access.may_be_assigned(target, row):
            raise Invalid(f"责任人 {owner} 不是{BODY_LABELS.get(item.owner_body)}的人员",
                          "owner is not in the owning body", errors={"action_items": f"责任人 {owner} 不在责任机构"})
        row.assignee, row.claimed_at, row.row_version = owner, clock.now(), row.row_version + 1
        audit.record(session, principal.username, "task.assign", "task", row.id, instance_id=instance.id,
                     business_key=instance.business_key, after={"assignee": owner, "by": "liaison_meeting"})
    return item


def meeting_dict(session: Session, meeting: LiaisonMeeting) -> dict:
    items = session.scalars(select(MeetingActionItem).where(MeetingActionItem.meeting_id == meeting.id)
                            .order_by(MeetingActionItem.id))
    return {"id": meeting.id, "number": meeting.number, "bureau": meeting.bureau, "kind": meeting.kind,
            "period": meeting.period, "reason": meeting.reason, "status": meeting.status, "agenda": meeting.agenda,
            "minutes": masking.mask_text(meeting.minutes), "decisions": meeting.decisions or [], "instance_id": meeting.instance_id,
            "created_at": common.iso(meeting.created_at), "held_at": common.iso(meeting.held_at),
            "action_items": [{"id": i.id, "title": i.title, "owner": i.owner, "owner_body": i.owner_body,
                              "due_on": i.due_on.isoformat(), "status": i.status, "result": i.result,
                              "instance_id": i.instance_id} for i in items]}


def visible_meeting(session: Session, principal: Principal, meeting_id: int) -> LiaisonMeeting:
    meeting = session.get(LiaisonMeeting, meeting_id) if 0 < meeting_id < 2**31 else None
    instance = session.get(ProcessInstance, meeting.instance_id) if meeting and meeting.instance_id else None
    # the meeting's participants (who may convene it) see it as well as whoever sees its instance
    if instance is None or not (access.can_see_instance(principal, instance)
                                or may_convene(principal, session, meeting.bureau)):
        raise NotFound("会议不存在或无权查看", f"meeting {meeting_id} not found")
    return meeting


# ------------------------------------------------------------------------------------------------
# The quarterly schedule (worker)
# ------------------------------------------------------------------------------------------------

def set_schedule(session: Session, principal: Principal, bureau: str, active: bool) -> MeetingSchedule:
    if not (principal.is_admin or principal.is_process_owner):
        raise Forbidden("只有流程管理员或系统管理员可以设置联席会议日程", "process owners and administrators only")
    if not common.bureau_exists(session, bureau):
        raise NotFound("辖区不存在", f"bureau {bureau} not found")
    row = session.scalar(select(MeetingSchedule).where(MeetingSchedule.bureau == bureau))
    calendar = calendar_years.current(session)
    if row is None:
        row = MeetingSchedule(bureau=bureau, process_key="liaison_meeting",
                              next_due_at=next_meeting_at(calendar, clock.now()), active=active)
        session.add(row)
    else:
        if active and not row.active:
            row.next_due_at = next_meeting_at(calendar, clock.now())
        row.active = active
    session.flush()
    audit.record(session, principal.username, "meeting.schedule", "meeting_schedule", row.id,
                 after={"bureau": bureau, "active": active, "next_due_at": common.iso(row.next_due_at)})
    return row


def schedule_dict(row: MeetingSchedule) -> dict:
    return {"bureau": row.bureau, "active": row.active, "next_due_at": row.next_due_at.astimezone(timezone.utc).isoformat(),
            "process_key": row.process_key}


def run_due(db: Database, limit: int = 20) -> int:
    """Start the meetings whose quarter has come (called by the worker on each pass)."""
    with db.transaction() as session:
        due = list(session.scalars(select(MeetingSchedule.id).where(
            MeetingSchedule.active.is_(True), MeetingSchedule.next_due_at <= clock.now())
            .order_by(MeetingSchedule.next_due_at).limit(limit)))
    return sum(1 for schedule_id in due if _fire(db, schedule_id))


def _fire(db: Database, schedule_id: int) -> bool:
    def run(session: Session) -> bool:
        now = clock.now()
        schedule = session.scalar(select(MeetingSchedule).where(
            MeetingSchedule.id == schedule_id, MeetingSchedule.active.is_(True), MeetingSchedule.next_due_at <= now)
            .with_for_update(skip_locked=True))
        if schedule is None:
            return False
        today = now.astimezone(clock.CHINA_TZ).date()
        period = period_label(today)
        calendar = calendar_years.current(session)
        # a provisional start (calendar year loaded later) becomes the real one: 09:00, first working day
        real = datetime.combine(first_working_day_of_quarter(calendar, *quarter_of(today)), MEETING_TIME,
                                clock.CHINA_TZ)
        if now < real:
            schedule.next_due_at = real
            return False
        started = False
        try:
            with session.begin_nested():
                session.add(MeetingScheduleRun(schedule_id=schedule.id, period=period, started_at=now))
                session.flush()
        except IntegrityError:
            pass  # this quarter's meeting already started (a crash after the start, or another worker)
        else:
            meeting = start_meeting(session, SYSTEM, schedule.bureau, "quarterly", period)
            session.scalar(select(MeetingScheduleRun).where(MeetingScheduleRun.schedule_id == schedule.id,
                                                           MeetingScheduleRun.period == period)).meeting_id = meeting.id
            started = True
        schedule.next_due_at = next_meeting_at(calendar, max(now, schedule.next_due_at))
        return started
    try:
        return in_transaction(db, run)
    except Exception:  # never kill the worker; the schedule stays due and is retried on the next pass
        logging.getLogger(__name__).exception("starting the liaison meeting of schedule %s failed", schedule_id)
        return False



# ------------------------------------------------------------------------------------------------
# The meeting pages (docs/ui.md "Liaison meetings"): lists, participants, minutes and items on the page
# ------------------------------------------------------------------------------------------------

#: The bodies that may own an action item, in the order the pages list them (liaison_action.bpmn's lanes).
ACTION_BODIES = ("inspection", "si_audit", "arbitration", "leadership")
#: The roles whose members take part in a bureau's meeting (and may convene it, :func:`may_convene`).
PARTICIPANT_ROLES = ("leadership", "division_head", "liaison_officer")
MINUTES_MIN, MINUTES_MAX = 10, 20000


def visible_meetings(session: Session, principal: Principal, limit: int = 200) -> list[LiaisonMeeting]:
    """The meetings ``principal`` may see (as :func:`visible_meeting`: their instances, or their bureaus'
    meetings for those who may convene them), newest first."""
    return list(session.scalars(select(LiaisonMeeting).join(
        ProcessInstance, ProcessInstance.id == LiaisonMeeting.instance_id).where(or_(
            access.instance_visibility(principal),
            LiaisonMeeting.bureau.in_(convenable_bureaus(session, principal)))).order_by(LiaisonMeeting.created_at.desc(), LiaisonMeeting.id.desc())
        .limit(limit)))


def convenable_bureaus(session: Session, principal: Principal) -> list[str]:
    """The bureaus whose meetings ``principal`` may convene (and whose agenda they may preview)."""
    return [code for code in sorted(identity.bureau_names(session)) if may_convene(principal, session, code)]


def _members(session: Session, bureau: str, body: str, role: str) -> list[tuple[str, str]]:
    return [(u, n) for u, n in session.execute(
        select(User.username, User.display_name).join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id).where(
            Group.bureau_code == bureau, Group.body_kind == body, Group.role == role, User.is_active.is_(True))
        .order_by(User.username))]


def participants(session: Session, bureau: str) -> list[dict]:
    """Who takes part in a bureau's meeting: its leadership, the division heads and liaison officers of its
    bodies (by body, then role), each with username and display name."""
    bodies = sorted(set(session.scalars(select(Group.body_kind).where(Group.bureau_code == bureau))),
                    key=lambda b: (ACTION_BODIES.index(b) if b in ACTION_BODIES else 9, b))
    out = []
    for body in bodies:
        for role in PARTICIPANT_ROLES:
            for username, name in _members(session, bureau, body, role):
                out.append({"body": body, "role": role, "username": username, "name": name})
    return out


def action_owner_choices(session: Session, bureau: str) -> list[dict]:
    """Who may own an action item of a bureau's meeting, by body: the members of the group its task goes to
    (liaison_action.bpmn: the body's division heads; leadership for leadership)."""
    return [{"body": body, "people": _members(session, bureau, body,
                                              "leadership" if body == "leadership" else "division_head")}
            for body in ACTION_BODIES]


def _field(field: str, message: str, english: str) -> Invalid:
    return Invalid(message, f"{field}: {english}", english=english, errors={field: message}, errors_en={field: english})


def _editable(session: Session, principal: Principal, meeting_id: int) -> LiaisonMeeting:
    meeting = visible_meeting(session, principal, meeting_id)
    if not may_convene(principal, session, meeting.bureau):
        raise Forbidden("只有本辖区的联络员、科室负责人和局领导可以记录会议", "not a participant of this meeting",
                        english="Only the liaison officers, division heads and leadership of the bureau may record the meeting")
    return session.scalar(select(LiaisonMeeting).where(LiaisonMeeting.id == meeting.id).with_for_update())


def record_minutes(session: Session, principal: Principal, meeting_id: int, minutes: str) -> LiaisonMeeting:
    """Write (or rewrite) the minutes (纪要) of a meeting; the first minutes mark it held."""
    meeting = _editable(session, principal, meeting_id)
    text = (minutes or "").strip()
    if not MINUTES_MIN <= len(text) <= MINUTES_MAX:
        raise _field("minutes", f"会议纪要应为{MINUTES_MIN}至{MINUTES_MAX}个字",
                     f"The minutes must have {MINUTES_MIN} to {MINUTES_MAX} characters")
    before = meeting.minutes
    meeting.minutes = text
    if meeting.status != "held":
        meeting.status, meeting.held_at = "held", clock.now()
    audit.record(session, principal.username, "meeting.minutes_saved", "liaison_meeting", meeting.id,
                 instance_id=meeting.instance_id, business_key=meeting.number,
                 before={"minutes": masking.mask_text(before)} if before else None,
                 after={"minutes": masking.mask_text(text)})
    return meeting


def add_action_item(session: Session, principal: Principal, meeting_id: int, title: str, owner_body: str,
                    owner: str, due_on: str) -> MeetingActionItem:
    """An action item (事项) decided at the meeting: a task for ``owner`` of ``owner_body`` due on ``due_on``
    (a ``liaison_action`` instance, as the minutes task starts them)."""
    meeting = _editable(session, principal, meeting_id)
    title = (title or "").strip()
    if not 2 <= len(title) <= 500:
        raise _field("title", "事项应为2至500个字", "The item must have 2 to 500 characters")
    if owner_body not in ACTION_BODIES:
        raise _field("owner", "请选择责任人", "Choose the person responsible")
    if not owner or owner not in {u for u, _ in next(c["people"] for c in action_owner_choices(session, meeting.bureau)
                                                     if c["body"] == owner_body)}:
        raise _field("owner", "请选择责任人", "Choose the person responsible")
    try:
        day = date.fromisoformat(str(due_on or ""))
    except ValueError:
        raise _field("due_on", "完成期限应为日期", "The due date must be a date") from None
    if day < clock.today_local():
        raise _field("due_on", "完成期限不能早于今天", "The due date cannot be before today")
    item = _action_item(session, principal, meeting, {"title": title, "owner_body": owner_body, "owner": owner,
                                                      "due_on": day.isoformat()})
    audit.record(session, principal.username, "meeting.action_item", "liaison_meeting", meeting.id,
                 instance_id=meeting.instance_id, business_key=meeting.number,
                 after={"item": item.id, "title": title, "owner_body": owner_body, "owner": owner,
                        "due_on": day.isoformat()})
    return item


def carried_items(session: Session, meeting: LiaisonMeeting) -> list[dict]:
    """The open items of earlier meetings the agenda carried over, with their state now (an item done
    since shows done; an open one stays on the next meeting's agenda until done)."""
    ids = [i["id"] for i in (meeting.agenda or {}).get("open_action_items", [])]
    rows = {r.id: r for r in session.scalars(select(MeetingActionItem).where(MeetingActionItem.id.in_(ids)))} if ids else {}
    numbers = dict(session.execute(select(LiaisonMeeting.id, LiaisonMeeting.number).where(
        LiaisonMeeting.id.in_({r.meeting_id for r in rows.values()}))).all()) if rows else {}
    return [{"id": r.id, "title": r.title, "owner": r.owner, "owner_body": r.owner_body, "due_on": r.due_on.isoformat(),
             "status": r.status, "result": r.result, "meeting_id": r.meeting_id, "meeting_number": numbers.get(r.meeting_id),
             "instance_id": r.instance_id} for r in (rows[i] for i in ids if i in rows)]


def item_tasks(session: Session, instance_ids: list[int]) -> dict[int, str]:
    """The task id of each action item's instance (its open task, else its last one), for links."""
    if not instance_ids:
        return {}
    out: dict[int, str] = {}
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(instance_ids)).order_by(TaskRow.id)):
        if row.instance_id not in out or row.status == "open":
            out[row.instance_id] = row.id
    return out


def task_context(session: Session, instance_id: int) -> dict | None:
    """What a task page shows beside the form of a meeting's task or an action item's task, in place of a
    case (these instances have none): the meeting (number, bureau, minutes) and, for an item, the item."""
    item = session.scalar(select(MeetingActionItem).where(MeetingActionItem.instance_id == instance_id))
    meeting = session.get(LiaisonMeeting, item.meeting_id) if item is not None else session.scalar(
        select(LiaisonMeeting).where(LiaisonMeeting.instance_id == instance_id))
    if meeting is None:
        return None
    return {"meeting": {"id": meeting.id, "number": meeting.number, "bureau": meeting.bureau,
                        "bureau_name": identity.bureau_names(session).get(meeting.bureau, meeting.bureau), "kind": meeting.kind,
                        "period": meeting.period, "status": meeting.status, "held_at": meeting.held_at,
                        "minutes": masking.mask_text(meeting.minutes)},
            "item": {"title": item.title, "owner": item.owner, "owner_body": item.owner_body,
                     "due_on": item.due_on.isoformat(), "status": item.status, "result": item.result}
            if item is not None else None}
