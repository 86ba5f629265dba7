"""The task page: its form (drawn by :mod:`form_renderer` from the task's JSON Schema and UI hints), submit,
draft and hand-back, comments, and the holder's actions — claim, hand back to the group, assign
(supervisors), delegate (docs/ui.md "Task page")."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from workflow_app.domain.cases.case_file import case_context
from workflow_app.domain.collaboration import meetings
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import (bp, clock_badge, error_text, flash_response, htmx_redirect,
                                                 htmx_refresh, principal)
from workflow_app.entrypoints.web.form_renderer import form_fields, language_of, parse_form_data, prefill_variables, prefilled, uses_pickers
from workflow_app.platform import clock
from workflow_app.platform.deadlines import running_clocks
from workflow_app.platform.errors import Invalid
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.tasks import inbox, task_view


def decision_view(decision: dict, choices: dict) -> dict:
    """A completed task's decision with its form's read-only field descriptions (``_decision.html``)."""
    return dict(decision, fields=form_fields(decision["schema_form"], decision["data"], editable=False,
                                             locale=get_locale(), choices=choices))


def _task_context(session, p, task_id, values=None, errors=None, panel=False):
    """What the task page and its fragments draw; ``values`` and ``errors`` after a failed submit; with
    ``panel``, the case beside the form (``case_panel``), read once for the panel and the form's claims."""
    row = runtime.visible_task(session, p, task_id)
    form = inbox.task_form(session, row) if row.form else None
    mine = row.assignee == p.username and row.status == "open"
    needs_claims = uses_pickers(form, ("claim",)) or bool(form and form.get("ui", {}).get("prefill"))
    # a meeting's task or an action item's task has a meeting beside its form, not a case
    meeting = meetings.task_context(session, row.instance_id) if row.process_key in (
        "liaison_meeting", "liaison_action") else None
    case_panel = case_context(session, p, row.instance_id) if (panel and meeting is None) or needs_claims else None
    claims = case_panel["claims"] if needs_claims else []
    if values is None:
        values = task_view.draft(session, row, p)
        if not values and mine and form and form.get("ui", {}).get("prefill"):
            start = masking.mask_data(runtime.task_values(session, row, prefill_variables(form)))
            values = prefilled(form, claims, start)
    errors = errors or {}
    choices = task_view.picker_choices(session) if uses_pickers(form, ("user", "group")) else {}
    if claims:
        choices["claim"] = [(c["code"], c["label"]) for c in claims if c.get("code")]
    done = task_view.decision(session, row) if form else None
    clock_view = running_clocks.nearest_by_instance(session, [row.instance_id]).get(row.instance_id)
    return {"task": row, "form": form, "errors": errors,
            "fields": form_fields(form, values, errors, editable=mine, locale=get_locale(), choices=choices)
            if form else [],
            "decision": decision_view(done, choices) if done else None,
            "comments": task_view.comments(session, p, task_id), "mine": mine,
            "supervisor": access.supervises(p, row), "can_claim": row.status == "open" and row.assignee is None
            and access.can_claim(p, row), "candidates": task_view.candidates(session, row.candidate_group),
            "colleagues": task_view.colleagues(session, row),
            "clock": clock_badge(clock_view) if clock_view is not None else None,
            "overdue": row.status == "open" and row.due_at is not None and row.due_at < clock.now(),
            "summary": masking.mask_text(row.summary), "case_panel": case_panel if panel else None,
            "meeting_panel": meeting}


@bp.route("/tasks/<string:task_id>")
def task_page(task_id):
    p = principal()

    ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id, panel=True))
    return render_template("web/tasks/task.html", **ctx)


@bp.route("/tasks/<string:task_id>/submit", methods=["POST"])
def submit_task(task_id):
    p = principal()
    action = request.form.get("action", "complete")
    data = in_transaction(db(), lambda s: parse_form_data(
        inbox.task_form(s, runtime.visible_task(s, p, task_id)), request.form))
    try:
        if action == "draft":
            in_transaction(db(), lambda s: inbox.save_draft(s, p, task_id, data))
        elif action == "resolve":
            in_transaction(db(), lambda s: inbox.resolve(s, p, task_id, data))
            return htmx_redirect(url_for("web.task_page", task_id=task_id))
        else:
            in_transaction(db(), lambda s: runtime.complete_task(s, p, task_id, data))
            return htmx_redirect(url_for("web.inbox_page", msg="completed"))
    except Invalid as exc:
        english = language_of(get_locale()) == "en" and exc.extra.get("errors_en")
        errors = dict((exc.extra.get("errors_en") if english else exc.extra.get("errors")) or {"_": exc.message})
        ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id, values=data, errors=errors))
        return render_template("web/tasks/_task_form.html", **ctx), 422
    ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id, values=data))
    ctx["saved"] = True
    return render_template("web/tasks/_task_form.html", **ctx)


@bp.route("/tasks/<string:task_id>/comments", methods=["POST"])
def comment(task_id):
    p = principal()
    try:
        in_transaction(db(), lambda s: inbox.add_comment(s, p, task_id, request.form.get("body", "")))
        error = None
    except Invalid as exc:
        error = error_text(exc)
    ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id))
    return render_template("web/tasks/_comments.html", comment_error=error, **ctx), 422 if error else 200


@bp.route("/tasks/<string:task_id>/claim", methods=["POST"])
def claim(task_id):
    p = principal()
    row = in_transaction(db(), lambda s: inbox.claim(s, p, task_id))
    if request.form.get("from") == "task":
        return htmx_refresh()
    return flash_response(_("已认领：%(name)s（%(key)s）", name=row.name, key=row.business_key),
                          trigger="inbox-changed")


@bp.route("/tasks/<string:task_id>/unclaim", methods=["POST"])
def unclaim(task_id):
    p = principal()
    row = in_transaction(db(), lambda s: inbox.unclaim(s, p, task_id))
    if request.form.get("from") == "task":
        return htmx_refresh()
    return flash_response(_("已退回组内：%(name)s", name=row.name), trigger="inbox-changed")


@bp.route("/tasks/<string:task_id>/assign", methods=["POST"])
def assign(task_id):
    p = principal()
    username = (request.form.get("username") or "").strip() or None
    in_transaction(db(), lambda s: inbox.assign(s, p, task_id, username))
    return htmx_refresh()


@bp.route("/tasks/<string:task_id>/delegate", methods=["POST"])
def delegate(task_id):
    p = principal()
    username = (request.form.get("username") or "").strip()
    in_transaction(db(), lambda s: inbox.delegate(s, p, task_id, username))
    return htmx_redirect(url_for("web.inbox_page"))
