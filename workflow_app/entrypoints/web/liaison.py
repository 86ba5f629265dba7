"""Liaison work (docs/ui.md "Liaison work"): the liaison officer's desk of transfers, notifications and
assistance requests with their acknowledgement clocks; the 移送台账 / 通报台账 with filters, paging and the
.xlsx export; the police transfer tracker, where the police-side events are recorded through the
procedure's own waiting steps; and the start of a police transfer from a case, after its eligibility check.
The read models are ``domain/collaboration/liaison_views.py``; the services ``ledgers.py`` and ``police.py``."""
from __future__ import annotations

from datetime import date

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from workflow_app.domain.collaboration import ledgers, liaison_views, police
from workflow_app.domain.collaboration.common import invalid
from workflow_app.domain.vocabulary import TRANSFER_KIND_LABELS, TRANSFER_STATUS_LABELS
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.entrypoints.web.form_renderer import form_fields, language_of, parse_form_data, uses_pickers
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.organisation import BODY_LABELS, N_
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.tasks import inbox, task_view

PER_PAGE = 50
LEDGER_FILTERS = ("ledger", "direction", "status", "kind", "date_from", "date_to", "overdue", "q")


@bp.route("/liaison")
def liaison_desk():
    p = principal()
    direction = request.args.get("direction") if request.args.get("direction") in ("in", "out") else "all"
    rows = in_transaction(db(), lambda s: liaison_views.desk(s, p, direction))
    return render_template("web/liaison/desk.html", rows=rows, direction=direction,
                           kind_labels=TRANSFER_KIND_LABELS, status_labels=TRANSFER_STATUS_LABELS)


# ------------------------------------------------------------------------------------------------
# Ledgers
# ------------------------------------------------------------------------------------------------

@bp.route("/ledgers")
def ledgers_page():
    p = principal()
    available = in_transaction(db(), lambda s: liaison_views.readable_ledgers(s, p))
    if len(available) == 1:
        only = available[0]
        return redirect(url_for("web.ledger_page", bureau=only["bureau"], body=only["body"]))
    return render_template("web/liaison/ledgers.html", available=available)


def _day(name: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid(name, "日期应为 YYYY-MM-DD") from None


def _ledger_args() -> dict:
    args = request.args
    ledger = args.get("ledger") if args.get("ledger") in ledgers.LEDGERS else "transfer"
    kind = args.get("kind") if args.get("kind") in ledgers.LEDGERS[ledger] else None
    status = args.get("status") if args.get("status") in TRANSFER_STATUS_LABELS else None
    overdue = {"1": True, "0": False}.get(args.get("overdue") or "")
    try:
        page = max(1, min(int(args.get("page") or 1), 100000))
    except ValueError:
        page = 1
    return {"ledger": ledger, "direction": args.get("direction") if args.get("direction") in ("in", "out") else "all",
            "status": status, "kind": kind, "date_from": _day("date_from"), "date_to": _day("date_to"),
            "overdue": overdue, "q": (args.get("q") or "").strip()[:100] or None, "page": page}


def _ledger_rows(s, p, bureau, body, f, paged=True):
    stmt = ledgers.query(s, p, bureau, body, f["ledger"], f["direction"], f["status"], f["kind"], f["date_from"],
                         f["date_to"], f["overdue"], f["q"])
    total = ledgers.count(s, stmt)
    stmt = stmt.limit(PER_PAGE).offset((f["page"] - 1) * PER_PAGE) if paged else stmt.limit(10000)
    names = identity.bureau_names(s)
    return [ledgers.row_dict(r, names=names) for r in s.scalars(stmt)], total, names


@bp.route("/ledgers/<string:bureau>/<string:body>")
def ledger_page(bureau, body):
    p = principal()
    f = _ledger_args()

    def run(s):
        rows, total, names = _ledger_rows(s, p, bureau, body, f)
        return rows, total, names.get(bureau, bureau), liaison_views.readable_ledgers(s, p)
    rows, total, bureau_name, available = in_transaction(db(), run)
    query = {k: request.args.get(k) for k in LEDGER_FILTERS if request.args.get(k)}
    pages = max(1, -(-total // PER_PAGE))
    return render_template("web/liaison/ledger.html", rows=rows, total=total, f=f, query=query, pages=pages,
                           bureau=bureau, body=body, bureau_name=bureau_name, available=available,
                           title=ledgers.LEDGER_TITLES[f["ledger"]], kinds=ledgers.LEDGERS[f["ledger"]],
                           kind_labels=TRANSFER_KIND_LABELS, status_labels=TRANSFER_STATUS_LABELS)


@bp.route("/ledgers/<string:bureau>/<string:body>/export.xlsx")
def ledger_export(bureau, body):
    p = principal()
    f = _ledger_args()

    def run(s):
        rows, _, names = _ledger_rows(s, p, bureau, body, f, paged=False)
        return ledgers.export_xlsx(rows, f["ledger"], f"{names.get(bureau, bureau)}{BODY_LABELS.get(body, body)}")
    content = in_transaction(db(), run)
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="ledger-{f["ledger"]}.xlsx"'})


# ------------------------------------------------------------------------------------------------
# Police transfers
# ------------------------------------------------------------------------------------------------

@bp.route("/police-transfers")
def police_tracker():
    p = principal()
    step = request.args.get("step") if request.args.get("step") in liaison_views.STEPS else None
    rows = in_transaction(db(), lambda s: liaison_views.police_transfers(s, p, step))
    return render_template("web/liaison/police_tracker.html", rows=rows, step=step, steps=liaison_views.STEPS,
                           step_labels=STEP_LABELS)


#: The tracker's filter labels, one per waiting step of police_transfer.bpmn (the task names).
STEP_LABELS = {
    "report": N_("组成专案组、撰写移送报告"), "approve": N_("负责人审批移送"), "handover": N_("移送公安机关"),
    "receipt": N_("记录公安机关回执"), "filing": N_("记录公安立案决定"), "items": N_("移交涉案物品"),
    "reconsider_request": N_("决定是否提请复议"), "reconsider_decision": N_("记录公安复议决定"),
    "supervision": N_("决定是否建议检察院立案监督"), "explain": N_("记录公安向检察院说明理由"),
    "ordered_filing": N_("记录公安按检察院通知立案"), "back_to_admin": N_("转回行政处理"), "done": N_("已办结"),
}


def _detail_context(s, p, transfer_id, values=None, errors=None):
    view = liaison_views.police_transfer(s, p, transfer_id)
    task = view["actionable"]
    form = inbox.task_form(s, task) if task is not None and task.form else None
    history = task_view.decisions(s, view["instance_id"]) if view["instance_id"] else []
    history = [dict(d, fields=form_fields(d["schema_form"], d["data"], editable=False, locale=get_locale()))
               for d in history]
    choices = task_view.picker_choices(s) if uses_pickers(form, ("user", "group")) else {}
    fields = form_fields(form, values or {}, errors or {}, editable=True, locale=get_locale(),
                         choices=choices) if form else []
    return {"t": view, "task": task, "fields": fields, "errors": errors or {}, "history": history}


@bp.route("/police-transfers/<int:transfer_id>")
def police_transfer_page(transfer_id):
    p = principal()
    ctx = in_transaction(db(), lambda s: _detail_context(s, p, transfer_id))
    return render_template("web/liaison/police_transfer.html", recorded=request.args.get("recorded") == "1", **ctx)


@bp.route("/police-transfers/<int:transfer_id>/record", methods=["POST"])
def police_transfer_record(transfer_id):
    """Record the current step of the procedure (a police-side event or our own step): the open task the
    user may act on is claimed if nobody holds it and completed with the form's values, in one transaction."""
    p = principal()
    task_id = request.form.get("task_id", "")

    def parse(s):
        view = liaison_views.police_transfer(s, p, transfer_id)
        task = view["actionable"]
        if task is None or task.id != task_id:
            raise NotFound("该步骤已办理或不由您记录，请刷新页面", "no such open step for this user",
                           english="This step was already recorded or is not yours to record; reload the page")
        return parse_form_data(inbox.task_form(s, task), request.form)
    data = in_transaction(db(), parse)

    def record(s):
        row = runtime.visible_task(s, p, task_id)
        if row.assignee is None:
            inbox.claim(s, p, task_id)
        runtime.complete_task(s, p, task_id, data)
    try:
        in_transaction(db(), record)
    except Invalid as exc:
        english = language_of(get_locale()) == "en" and exc.extra.get("errors_en")
        errors = dict((exc.extra.get("errors_en") if english else exc.extra.get("errors")) or {"_": error_text(exc)})
        ctx = in_transaction(db(), lambda s: _detail_context(s, p, transfer_id, values=data, errors=errors))
        return render_template("web/liaison/police_transfer.html", recorded=False, **ctx), 422
    return redirect(url_for("web.police_transfer_page", transfer_id=transfer_id, recorded=1))


# ------------------------------------------------------------------------------------------------
# Starting a police transfer from a case
# ------------------------------------------------------------------------------------------------

FACT_FLAGS = ("order_served", "order_posted", "paid", "evasion", "able_to_pay")


def _facts_from_form() -> dict:
    """The form's facts as ``police.start`` takes them: flags as booleans, the workers' rows as numbers
    (a row left blank is dropped; text that is not a number stays text for the validation to report)."""
    form = request.form
    data: dict = {k: form.get(k) == "true" for k in FACT_FLAGS}
    data["order_deadline"] = (form.get("order_deadline") or "").strip()
    data["reason"] = (form.get("reason") or "").strip()
    workers = []
    for amount, months in zip(form.getlist("worker_amount"), form.getlist("worker_months")):
        if not amount.strip() and not months.strip():
            continue
        workers.append({"amount": _number(amount, float), "months_unpaid": _number(months, int)})
    data["workers"] = workers
    return data


def _number(text: str, kind):
    try:
        return kind(text.strip())
    except ValueError:
        return text


@bp.route("/cases/<int:instance_id>/police-transfer/new", methods=["GET", "POST"])
def police_transfer_new(instance_id):
    p = principal()
    case = in_transaction(db(), lambda s: liaison_views.police_case(s, p, instance_id))
    limits = in_transaction(db(), lambda s: liaison_views.thresholds(s, case.jurisdiction))
    ctx = {"case": case, "instance_id": instance_id, "limits": limits, "values": {}, "check": None, "errors": {},
           "error": None}
    if request.method == "GET":
        return render_template("web/liaison/police_new.html", **ctx)
    data = _facts_from_form()
    ctx["values"] = data
    try:
        facts = police.checked_facts(data)
        check = in_transaction(db(), lambda s: liaison_views.check_eligibility(s, case, facts))
    except Invalid as exc:
        ctx.update(errors=exc.extra.get("errors") or {}, error=error_text(exc))
        return render_template("web/liaison/police_new.html", **ctx), 422
    ctx["check"] = check
    if request.form.get("action") != "start":
        return render_template("web/liaison/police_new.html", **ctx)
    if not check["eligible"]:
        ctx["error"] = _("不符合移送条件，未发起移送：%(reasons)s", reasons="；".join(check["reasons"]))
        return render_template("web/liaison/police_new.html", **ctx), 422
    row = in_transaction(db(), lambda s: police.start(s, p, case.id, data))
    return redirect(url_for("web.police_transfer_page", transfer_id=row.id))
