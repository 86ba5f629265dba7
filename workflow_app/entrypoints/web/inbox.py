"""The inbox: the tabs (mine, my groups' unclaimed, done), filters and sorting, saved filters, bulk claim,
and the landing page that leads to it (docs/ui.md "Inbox")."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from workflow_app.domain.intake import queries as intake_queries
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import (MESSAGES, bp, clock_badge, error_text, flash_response, is_htmx,
                                                principal)
from workflow_app.platform import clock
from workflow_app.platform.deadlines import running_clocks
from workflow_app.platform.errors import DomainError, Invalid
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.tasks import inbox, saved_filters
from workflow_app.platform.tasks.inbox import TaskFilter

TABS = {"mine": N_("我的待办"), "group": N_("组内待领"), "done": N_("已办")}
FILTER_KEYS = ("tab", "business_key", "employer", "process_key", "body", "urgent", "overdue", "escalated",
               "due_before", "sort", "per_page")
SORTS = {"-priority,due_at": N_("优先级"), "due_at": N_("到期时间（近→远）"), "-created_at": N_("创建时间（新→旧）"),
         "business_key": N_("案件编号"), "employer_name": N_("用人单位")}
PER_PAGE = 20
#: A task at or above this priority is shown as urgent (as is every task of an urgent case).
URGENT_PRIORITY = 80
#: The most tasks one bulk claim takes.
MAX_BULK = 100


@bp.route("/")
def home():
    p = principal()
    if p.roles() and p.roles() <= {"administrator"}:  # administrators hold no case tasks (docs/roles.md)
        return redirect(url_for("web.admin_index"))
    if "process_owner" in p.roles() and p.roles() <= {"process_owner", "administrator"}:
        return redirect(url_for("web.processes_page"))  # process owners hold no case tasks either (docs/roles.md)
    if "intake_clerk" in p.roles() and not any(r in p.roles() for r in ("inspector", "division_head")):
        return redirect(url_for("web.inbox_page", tab="mine"))
    return redirect(url_for("web.inbox_page"))


def _params(source) -> dict:
    out = {}
    for key in FILTER_KEYS:
        value = (source.get(key) or "").strip()[:200]
        if value:
            out[key] = value
    if out.get("tab") not in TABS:
        out["tab"] = "mine"
    return out


def _task_filter(params: dict, p) -> TaskFilter:
    tab = params["tab"]
    f = TaskFilter(scope={"mine": "mine", "group": "group", "done": None}[tab],
                   status="completed" if tab == "done" else "open")
    if tab == "done":
        f.assignee = p.username
    f.business_key = params.get("business_key")
    f.employer = params.get("employer")
    f.process_key = params.get("process_key")
    f.body = params.get("body")
    if params.get("urgent"):
        f.priority_min = URGENT_PRIORITY
    if params.get("overdue"):
        f.overdue = True
    if params.get("escalated"):
        f.escalated = True
    if params.get("due_before"):
        try:
            day = datetime.strptime(params["due_before"], "%Y-%m-%d").date()
            f.due_before = clock.end_of_day(day)  # "due by" a day: until its end (docs/deadlines.md)
        except ValueError:
            raise Invalid("到期日期格式不正确", "bad due_before", errors={"due_before": "日期格式应为 YYYY-MM-DD"})
    return f


def _inbox_data(session, p, params: dict, page: int) -> dict:
    flt = _task_filter(params, p)
    sort = params.get("sort") if params.get("sort") in SORTS else "-priority,due_at"
    try:
        per_page = max(5, min(int(params.get("per_page") or PER_PAGE), 100))
    except ValueError:
        per_page = PER_PAGE
    rows, total = inbox.list_tasks(session, p, flt, sort=sort, page=page, per_page=per_page)
    counts = {}
    for tab in TABS:
        base = _task_filter({"tab": tab}, p)
        counts[tab] = inbox.list_tasks(session, p, base, page=1, per_page=1)[1]
    clocks = running_clocks.nearest_by_instance(session, sorted({r.instance_id for r in rows}))
    urgent_cases = intake_queries.urgent_instance_ids(session, [r.instance_id for r in rows])
    now = clock.now()
    items = [{"row": r, "summary": masking.mask_text(r.summary),
              "clock": clock_badge(clocks[r.instance_id]) if r.instance_id in clocks else None,
              "urgent": r.priority >= URGENT_PRIORITY or r.instance_id in urgent_cases,
              # the same rule as the overdue filter: late by the task's due date or by the case's clock
              "overdue": inbox.is_overdue(r, now, clocks.get(r.instance_id)),
              "can_claim": r.status == "open" and r.assignee is None and access.can_claim(p, r)}
             for r in rows]
    pages = max(1, (total + per_page - 1) // per_page)
    return {"items": items, "total": total, "page": page, "pages": pages, "per_page": per_page, "counts": counts,
            "params": params, "sort": sort, "filters": saved_filters.visible(session, p), "now": now}


def _query(params: dict, **changes) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@bp.route("/inbox")
def inbox_page():
    p = principal()
    params = _params(request.args)
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    data = in_transaction(db(), lambda s: _inbox_data(s, p, params, page))
    data["query"] = lambda **kw: _query(params, **kw)
    data["confirmation"] = MESSAGES.get(request.args.get("msg", ""))
    template = "web/inbox/_inbox_list.html" if is_htmx() and request.headers.get("HX-Target") == "inbox-list" \
        else "web/inbox/inbox.html"
    return render_template(template, tabs=TABS, sorts=SORTS, **data)


@bp.route("/inbox/claim", methods=["POST"])
def bulk_claim():
    p = principal()
    ids = request.form.getlist("task_id")[:MAX_BULK]
    if not ids:
        return flash_response(_("请先勾选要认领的任务"), level="error", status=422)
    done, failed = [], []
    for task_id in ids:  # one transaction each: a task someone else took does not undo the others
        try:
            row = in_transaction(db(), lambda s, t=task_id: inbox.claim(s, p, t))
            done.append(row.business_key)
        except DomainError as exc:
            failed.append(error_text(exc))
    message = _("已认领 %(n)d 项", n=len(done))
    if failed:
        message += "；" + _("未能认领 %(n)d 项：", n=len(failed)) + "；".join(failed)
    return flash_response(message, level="warn" if failed else "ok", trigger="inbox-changed")


@bp.route("/inbox/filters", methods=["POST"])
def save_filter():
    p = principal()
    name = (request.form.get("name") or "").strip()
    group = (request.form.get("shared_group") or "").strip() or None
    params = _params(dict(parse_qsl(request.form.get("query", ""))))
    if not name or len(name) > 100:
        return flash_response(_("请填写筛选名称（不超过100字）"), level="error", status=422)
    if group is not None and group not in p.groups:
        return flash_response(_("只能共享给自己所在的组"), level="error", status=403)
    in_transaction(db(), lambda s: saved_filters.save(s, p, name, group, urlencode(params)))
    return flash_response(_("筛选“%(name)s”已保存", name=name), trigger="filters-changed")


@bp.route("/inbox/filters/<int:filter_id>/delete", methods=["POST"])
def delete_filter(filter_id):
    p = principal()
    in_transaction(db(), lambda s: saved_filters.delete(s, p, filter_id))
    return flash_response(_("筛选已删除"), trigger="filters-changed")


@bp.route("/inbox/filters")
def filters_fragment():
    p = principal()
    filters = in_transaction(db(), lambda s: saved_filters.visible(s, p))
    return render_template("web/inbox/_filters.html", filters=filters)
