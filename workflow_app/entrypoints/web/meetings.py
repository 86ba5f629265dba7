"""The liaison meeting pages (联席会议, docs/collaboration.md §5, docs/ui.md "Liaison meetings"): the quarterly
schedules per bureau, the meetings (upcoming and past), convening one with its agenda previewed from live
data, and a meeting's page — agenda, participants, minutes (纪要), action items (事项) that become tasks, and
the open items carried over from earlier meetings. The rules and queries are the service's
(``domain/collaboration/meetings.py``); this module only reads forms and draws pages."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from workflow_app.domain.collaboration import meetings
from workflow_app.domain.collaboration.models import MeetingSchedule
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identity import directory
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.database import in_transaction

#: Confirmations a redirect asks the meeting pages to show (``?msg=``).
MEETING_MESSAGES = {"convened": N_("会议已召集"), "minutes": N_("会议纪要已保存"), "item": N_("事项已分派"),
                    "schedule": N_("会议计划已更新")}
KIND_LABELS = {"quarterly": N_("季度例会"), "ad_hoc": N_("临时会议")}
STATUS_LABELS = {"preparing": N_("筹备中"), "held": N_("已召开")}
ITEM_STATUS_LABELS = {"open": N_("未办结"), "done": N_("已办结")}
HEARING_STATUS_LABELS = {"requested": N_("待会商"), "opinions": N_("征求意见中"), "scheduled": N_("已安排会商"),
                         "minuted": N_("已形成纪要")}
ROLE_LABELS = {"leadership": N_("局领导"), "division_head": N_("科室负责人"), "liaison_officer": N_("联络员")}
#: The agenda's sections, in the order the meeting takes them.
AGENDA_SECTIONS = (("overdue_transfers", N_("逾期未签收的移送")), ("difficult_cases", N_("在办疑难案件")),
                   ("police_awaiting_decision", N_("待公安机关决定的移送")),
                   ("publication_candidates", N_("本季度拟公布案件")), ("open_action_items", N_("上次会议未办结事项")))


def _errors(exc: Invalid) -> dict[str, str]:
    english = str(get_locale() or "") == "en"
    errors = exc.extra.get("errors_en" if english else "errors") or {}
    return dict(errors) or {"_": error_text(exc)}


def _confirmation():
    return MEETING_MESSAGES.get(request.args.get("msg", ""))


def _labels() -> dict:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "item_status_labels": ITEM_STATUS_LABELS,
            "role_labels": ROLE_LABELS, "hearing_status_labels": HEARING_STATUS_LABELS, "agenda_sections": AGENDA_SECTIONS}


@bp.route("/liaison-meetings")
def meetings_page():
    p = principal()

    def run(s):
        rows = meetings.visible_meetings(s, p)
        return {"upcoming": [meetings.meeting_dict(s, m) for m in rows if m.status != "held"],
                "past": [meetings.meeting_dict(s, m) for m in rows if m.status == "held"],
                "may_convene": bool(meetings.convenable_bureaus(s, p)), "bureaus": directory.bureau_names(s)}
    return render_template("web/meetings/list.html", confirmation=_confirmation(), **_labels(), **in_transaction(db(), run))


def _new_context(s, p, bureau: str | None) -> dict:
    choices = meetings.convenable_bureaus(s, p)
    if not choices:
        raise Forbidden("只有联络员、科室负责人和局领导可以召集联席会议", "not allowed to convene a meeting",
                        english="Only liaison officers, division heads and leadership may convene a liaison meeting")
    bureau = bureau if bureau in choices else choices[0]
    return {"choices": choices, "bureau": bureau, "bureaus": directory.bureau_names(s),
            "agenda": meetings.agenda(s, bureau)}


@bp.route("/liaison-meetings/new", methods=["GET", "POST"])
def new_meeting_page():
    p = principal()
    if request.method == "GET":
        ctx = in_transaction(db(), lambda s: _new_context(s, p, request.args.get("bureau")))
        return render_template("web/meetings/new.html", errors={}, reason="", **_labels(), **ctx)
    bureau, reason = request.form.get("bureau", ""), (request.form.get("reason") or "").strip()

    def run(s):
        if bureau not in meetings.convenable_bureaus(s, p):
            raise Forbidden("无权召集该辖区的联席会议", "not allowed to convene a meeting there",
                            english="You may not convene a meeting of this bureau")
        if not 2 <= len(reason) <= 2000:
            raise Invalid("请填写召集事由（2至2000字）", "reason: 2 to 2000 characters",
                          english="Give the reason for the meeting (2 to 2000 characters)",
                          errors={"reason": "请填写召集事由（2至2000字）"},
                          errors_en={"reason": "Give the reason for the meeting (2 to 2000 characters)"})
        return meetings.start_meeting(s, p, bureau, "ad_hoc", reason=reason).id
    try:
        meeting_id = in_transaction(db(), run)
    except Invalid as exc:
        ctx = in_transaction(db(), lambda s: _new_context(s, p, bureau))
        return render_template("web/meetings/new.html", errors=_errors(exc), reason=reason, **_labels(), **ctx), 422
    return redirect(url_for("web.meeting_page", meeting_id=meeting_id, msg="convened"), 303)


def _meeting_context(s, p, meeting_id: int) -> dict:
    meeting = meetings.visible_meeting(s, p, meeting_id)
    doc = meetings.meeting_dict(s, meeting)
    carried = meetings.carried_items(s, meeting)
    tasks = meetings.item_tasks(s, [i["instance_id"] for i in doc["action_items"] + carried if i["instance_id"]])
    return {"m": doc, "carried": carried, "item_tasks": tasks, "bureaus": directory.bureau_names(s),
            "participants": meetings.participants(s, meeting.bureau),
            "owners": meetings.action_owner_choices(s, meeting.bureau),
            "editable": meetings.may_convene(p, s, meeting.bureau),
            "today": clock.today_local().isoformat()}


@bp.route("/liaison-meetings/<int:meeting_id>")
def meeting_page(meeting_id):
    p = principal()
    ctx = in_transaction(db(), lambda s: _meeting_context(s, p, meeting_id))
    return render_template("web/meetings/meeting.html", confirmation=_confirmation(), errors={}, form={},
                           **_labels(), **ctx)


def _meeting_form_error(meeting_id: int, exc: Invalid, form: dict):
    p = principal()
    ctx = in_transaction(db(), lambda s: _meeting_context(s, p, meeting_id))
    return render_template("web/meetings/meeting.html", errors=_errors(exc), form=form, **_labels(), **ctx), 422


@bp.route("/liaison-meetings/<int:meeting_id>/minutes", methods=["POST"])
def meeting_minutes(meeting_id):
    p = principal()
    text = request.form.get("minutes", "")
    try:
        in_transaction(db(), lambda s: meetings.record_minutes(s, p, meeting_id, text))
    except Invalid as exc:
        return _meeting_form_error(meeting_id, exc, {"minutes": text})
    return redirect(url_for("web.meeting_page", meeting_id=meeting_id, msg="minutes") + "#minutes", 303)


@bp.route("/liaison-meetings/<int:meeting_id>/items", methods=["POST"])
def meeting_item(meeting_id):
    p = principal()
    form = {k: request.form.get(k, "") for k in ("title", "owner", "due_on")}
    body, _, owner = form["owner"].partition(":")  # the picker's value: body:username

    def run(s):
        return meetings.add_action_item(s, p, meeting_id, form["title"], body, owner, form["due_on"])
    try:
        in_transaction(db(), run)
    except Invalid as exc:
        return _meeting_form_error(meeting_id, exc, form)
    return redirect(url_for("web.meeting_page", meeting_id=meeting_id, msg="item") + "#items", 303)


@bp.route("/liaison-meetings/schedules")
def meeting_schedules_page():
    p = principal()

    def run(s):
        rows = {r.bureau: meetings.schedule_dict(r) for r in s.scalars(select(MeetingSchedule))}
        parents = directory.parent_map(s)
        names = directory.bureau_names(s)
        # the city first, then its districts: one meeting per level that has a schedule
        order = sorted(names, key=lambda code: (parents.get(code) is not None, code))
        return {"levels": [{"bureau": code, "name": names[code], "city": parents.get(code) is None,
                            "schedule": rows.get(code)} for code in order],
                "may_edit": p.is_admin or p.is_process_owner}
    return render_template("web/meetings/schedules.html", confirmation=_confirmation(), **_labels(),
                           **in_transaction(db(), run))


@bp.route("/liaison-meetings/schedules/<string:bureau>", methods=["POST"])
def meeting_schedule_set(bureau):
    p = principal()
    active = request.form.get("active") == "1"
    in_transaction(db(), lambda s: meetings.set_schedule(s, p, bureau[:64], active))
    return redirect(url_for("web.meeting_schedules_page", msg="schedule"), 303)
