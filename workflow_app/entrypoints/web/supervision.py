"""The supervisors' pages (docs/ui.md "Team board"): the team board (/team) with its filters, counts and
workload, reassigning a task with a confirmation step, the escalations that reached the supervisor
(/team/escalations), and the supervised cases and emergencies (/supervised-cases). The read models are
``domain/supervision``; this module only reads the request and renders."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from workflow_app.domain.supervision import escalations, reassign, supervised, team
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.case_actions import SUPERVISION_DEADLINES
from workflow_app.entrypoints.web.common import bp, clock_badge, error_text, principal
from workflow_app.platform import clock
from workflow_app.platform.deadlines import running_clocks
from workflow_app.platform.errors import DomainError
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import directory
from workflow_app.platform.organisation import BODY_LABELS, N_
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.tasks import inbox

#: The board's filters: (query key, value that turns it on, label); the keys of docs/ui.md and urls.md.
FILTERS = (("overdue", "1", N_("已超期")), ("escalated", "1", N_("已上报")), ("due", "week", N_("本周到期")),
           ("unassigned", "1", N_("未分派")))
#: Confirmations these pages show after a redirect (``?msg=``).
CONFIRMATIONS = {"reassigned": N_("任务已改派"), "closed": N_("督办事项已办结")}


def _params() -> dict:
    out = {key: value for key, value, _label in FILTERS if request.args.get(key) == value}
    person = (request.args.get("person") or "").strip()[:64]
    if person:
        out["person"] = person
    return out


def _filter(params: dict) -> team.TeamFilter:
    return team.TeamFilter(person=params.get("person"), overdue="overdue" in params, escalated="escalated" in params,
                           due_week="due" in params, unassigned="unassigned" in params)


def _rows(session, rows) -> list[dict]:
    clocks = running_clocks.nearest_by_instance(session, sorted({r.instance_id for r in rows}))
    now = clock.now()
    return [{"row": r, "summary": masking.mask_text(r.summary),
             "clock": clock_badge(clocks[r.instance_id]) if r.instance_id in clocks else None,
             "overdue": inbox.is_overdue(r, now, clocks.get(r.instance_id))} for r in rows]


def _board(session, p, params: dict) -> dict:
    rows = team.team_tasks(session, p, _filter(params))
    groups: list[dict] = []
    for item in _rows(session, rows):
        holder = item["row"].assignee
        if not groups or groups[-1]["person"] != holder:
            groups.append({"person": holder, "items": []})
        groups[-1]["items"].append(item)
    return {"groups": groups, "total": len(rows), "counts": team.counts(session, p, params.get("person")),
            "workload": team.workload(session, p), "members": team.members(session, p),
            "scopes": _scope_words(session, p)}


def _scope_words(session, p) -> list[str]:
    """Whose work the board shows, in words: 金水区人力资源和社会保障局·劳动保障监察 (a whole bureau alone)."""
    names = directory.bureau_names(session)
    return [f"{names.get(b, b)}·{_(BODY_LABELS[k])}" if k in BODY_LABELS else names.get(b, b)
            for b, k in sorted(p.supervised_scopes(), key=str)]


def _query(params: dict, **changes) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v})


@bp.route("/team")
def team_page():
    p = principal()
    params = _params()
    data = in_transaction(db(), lambda s: _board(s, p, params))
    return render_template("web/supervision/team.html", params=params, filters=FILTERS, nobody=team.NOBODY,
                           query=lambda **kw: _query(params, **kw),
                           confirmation=CONFIRMATIONS.get(request.args.get("msg", "")), **data)


def _reassign_page(task_id: str, values: dict, error: str | None = None, confirm: bool = False, status: int = 200):
    p = principal()

    def load(s):
        row, people = reassign.choices(s, p, task_id)
        return {"row": row, "people": people, "item": _rows(s, [row])[0]}
    data = in_transaction(db(), load)
    names = dict(data["people"])
    return render_template("web/supervision/reassign.html", values=values, error=error, confirm=confirm,
                           target_name=names.get(values.get("username") or "", values.get("username")),
                           **data), status


@bp.route("/team/tasks/<string:task_id>/reassign")
def reassign_page(task_id):
    return _reassign_page(task_id, {"username": request.args.get("to", "")})


@bp.route("/team/tasks/<string:task_id>/reassign", methods=["POST"])
def reassign_task(task_id):
    p = principal()
    values = {"username": (request.form.get("username") or "").strip()[:64],
              "reason": (request.form.get("reason") or "")[:2000], "row_version": request.form.get("row_version")}
    step = request.form.get("step")
    try:
        version = int(values["row_version"]) if values["row_version"] else None
    except ValueError:
        version = None
    try:
        if step == "commit":
            in_transaction(db(), lambda s: reassign.reassign(s, p, task_id, values["username"], values["reason"],
                                                             expected_version=version))
            return redirect(url_for("web.team_page", msg="reassigned"))
        if step == "confirm":
            def check(s):
                row = reassign.choices(s, p, task_id)[0]
                values["reason"] = reassign.check(s, p, row, values["username"], values["reason"])
                values["row_version"] = row.row_version
            in_transaction(db(), check)
            return _reassign_page(task_id, values, confirm=True)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _reassign_page(task_id, values, error=error_text(exc), status=exc.status)
    return _reassign_page(task_id, values)


@bp.route("/team/escalations")
def escalations_page():
    p = principal()

    def load(s):
        return {"items": _rows(s, escalations.escalated_tasks(s, p)), "alerts": escalations.alerts(s, p)}
    return render_template("web/supervision/escalations.html", **in_transaction(db(), load))


@bp.route("/supervised-cases")
def supervised_page(error: str | None = None, status: int = 200):
    p = principal()
    show = "all" if request.args.get("status") == "all" else "open"

    def load(s):
        return {"supervisions": supervised.supervisions(s, p, None if show == "all" else "open"),
                "emergencies": supervised.emergency_cases(s, p)}
    return render_template("web/supervision/supervised.html", show=show, error=error,
                           deadline_words=SUPERVISION_DEADLINES,
                           confirmation=CONFIRMATIONS.get(request.args.get("msg", "")),
                           now=clock.now(), **in_transaction(db(), load)), status


@bp.route("/supervised-cases/<int:supervision_id>/close", methods=["POST"])
def close_supervision(supervision_id):
    p = principal()
    try:
        in_transaction(db(), lambda s: supervised.close(s, p, supervision_id, request.form.get("result") or ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return supervised_page(error=error_text(exc), status=exc.status)
    return redirect(url_for("web.supervised_page", msg="closed"))
