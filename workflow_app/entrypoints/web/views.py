"""Pages and htmx fragments: login, inbox, task, case file, registration, saved filters, diagram JSON."""
from __future__ import annotations

import json
import re
from datetime import datetime, time
from urllib.parse import parse_qsl, urlencode

from flask import (Blueprint, current_app, g, jsonify, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from workflow_app.platform.organisation import BODY_LABELS, N_
from workflow_app.domain.vocabulary import PROCESS_LABELS
from workflow_app.platform import clock
from workflow_app.entrypoints.api import current_principal, db
from workflow_app.platform.persistence.models import (
    AuditEvent,
    Bureau,
    Group,
    Membership,
    ProcessInstance,
    ProcessVersion,
    SavedFilter,
    StatutoryClockRow,
    TaskRow,
    User,
    WebSession,
)
from workflow_app.domain.intake.models import Case, Complaint
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.deadlines import statutory_clocks as clocks
from workflow_app.platform.tasks import inbox
from workflow_app.platform.personal_data import reveal as personal_data
from workflow_app.platform.identifiers import masking
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.identity import access
from workflow_app.platform.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated
from workflow_app.platform.tasks.inbox import TaskFilter
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.entrypoints.web import LANG_COOKIE, LANGUAGES

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")

TABS = {"mine": N_("我的待办"), "group": N_("组内待领"), "done": N_("已办")}
FILTER_KEYS = ("tab", "business_key", "employer", "process_key", "body", "urgent", "overdue", "escalated",
               "due_before", "sort", "per_page")
SORTS = {"-priority,due_at": N_("优先级"), "due_at": N_("到期时间（近→远）"), "-created_at": N_("创建时间（新→旧）"),
         "business_key": N_("案件编号"), "employer_name": N_("用人单位")}
PER_PAGE = 20
URGENT_PRIORITY = 80
MESSAGES = {"completed": N_("任务已办结"), "registered": N_("已登记"), "logged_out": N_("已退出登录")}


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def principal():
    p = current_principal()
    if "csrf_token" not in g:
        sid = g.get("web_session_id")
        g.csrf_token = in_transaction(db(), lambda s: s.get(WebSession, sid).csrf_token) if sid else ""
    return p


@bp.app_context_processor
def _globals():
    from flask_babel import get_locale
    return {"csrf_token": g.get("csrf_token", ""), "me": g.get("principal"), "languages": LANGUAGES,
            "locale": str(get_locale() or "zh_CN"), "body_labels": BODY_LABELS, "process_labels": PROCESS_LABELS,
            "fmt_dt": fmt_dt, "fmt_date": fmt_date,
            # Countdowns count from the server's clock, not the browser's (a skewed PC, a shifted test clock).
            "server_now": clock.now().isoformat()}


def fmt_dt(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def fmt_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d") if isinstance(value, datetime) else str(value)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------

@bp.errorhandler(Unauthenticated)
def _unauthenticated(error):
    target = url_for("web.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    if is_htmx():
        response = make_response(render_template("web/_flash.html", level="error", message=error.message),
                                 error.status)
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render_template("web/error.html", message=error.message, status=error.status), error.status


def flash_response(message: str, level: str = "ok", status: int = 200, trigger: str | None = None):
    response = make_response(render_template("web/_flash.html", level=level, message=message), status)
    response.headers["HX-Retarget"] = "#flash"
    response.headers["HX-Reswap"] = "innerHTML"
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


# ------------------------------------------------------------------------------------------------
# Login, logout, language
# ------------------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    from workflow_app.entrypoints.api.auth import _set_cookie, client_ip
    secret_key = current_app.config["SECRET_KEY"]
    error = None
    status = 200
    if request.method == "POST":
        try:
            auth_web.check_login_csrf(secret_key, request.cookies.get(auth_web.LOGIN_CSRF_COOKIE),
                                      request.form.get("csrf_token"))
            username, password = request.form.get("username", "")[:64], request.form.get("password", "")[:128]
            outcome = in_transaction(db(), lambda s: auth_web.attempt_login(
                s, username, password, client_ip(), request.headers.get("User-Agent")))
            auth_web.raise_for(outcome)
            response = redirect(auth_web.safe_next(request.args.get("next")))
            _set_cookie(response, outcome.secret)
            response.delete_cookie(auth_web.LOGIN_CSRF_COOKIE, path="/login")
            return response
        except DomainError as exc:
            error, status = exc.message, exc.status
    cookie, token = auth_web.issue_login_csrf(secret_key)
    response = make_response(render_template("web/login.html", login_csrf=token, error=error,
                                             username=request.form.get("username", "")), status)
    response.set_cookie(auth_web.LOGIN_CSRF_COOKIE, cookie, max_age=3600, path="/login", httponly=True,
                        samesite="Lax", secure=current_app.config.get("CASEFLOW_COOKIE_SECURE", True))
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    from workflow_app.entrypoints.api.auth import _clear_cookie
    p = principal()
    if g.get("auth_method") == "session":
        sid = g.web_session_id
        in_transaction(db(), lambda s: auth_web.logout(s, sid, p.username))
    response = redirect(url_for("web.login"))
    _clear_cookie(response)
    return response


@bp.route("/lang/<string:code>")
def set_language(code):
    response = redirect(auth_web.safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path="/", samesite="Lax", httponly=True,
                            secure=current_app.config.get("CASEFLOW_COOKIE_SECURE", True))
    return response


@bp.route("/")
def home():
    p = principal()
    if "intake_clerk" in p.roles() and not any(r in p.roles() for r in ("inspector", "division_head")):
        return redirect(url_for("web.inbox_page", tab="mine"))
    return redirect(url_for("web.inbox_page"))


# ------------------------------------------------------------------------------------------------
# Inbox
# ------------------------------------------------------------------------------------------------

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
            f.due_before = datetime.combine(day, time(23, 59, 59), tzinfo=clock.LOCAL_TZ)
        except ValueError:
            raise Invalid("到期日期格式不正确", "bad due_before", errors={"due_before": "日期格式应为 YYYY-MM-DD"})
    return f


def _clock_texts(session, instance_ids) -> dict[int, dict]:
    """The nearest running statutory clock of each instance, with its remaining time."""
    if not instance_ids:
        return {}
    from workflow_app.platform.deadlines import calendar_years as calendar
    calendar.refresh(session)
    rows = session.scalars(select(StatutoryClockRow).where(StatutoryClockRow.instance_id.in_(instance_ids),
                                                          StatutoryClockRow.status == "running"))
    best: dict[int, StatutoryClockRow] = {}
    for r in rows:
        if r.due_at is not None and (r.instance_id not in best or r.due_at < best[r.instance_id].due_at):
            best[r.instance_id] = r
    out = {}
    for iid, row in best.items():
        view = clocks.view(row)
        unit = N_("个工作日") if "work" in view["unit"].lower() or view["unit"].upper().endswith("WD") else N_("天")
        out[iid] = {"label": view["label"] or view["name"], "due_at": view["due_at"], "remaining": view.get("remaining"),
                    "unit": unit, "overdue": view.get("overdue"), "provisional": view.get("due_provisional")}
    return out


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
    clock_texts = _clock_texts(session, sorted({r.instance_id for r in rows}))
    urgent_cases = set(session.scalars(select(Case.instance_id).where(
        Case.instance_id.in_([r.instance_id for r in rows] or [-1]), Case.urgent.is_(True))))
    now = clock.now()
    items = [{"row": r, "summary": masking.mask_text(r.summary), "clock": clock_texts.get(r.instance_id),
              "urgent": r.priority >= URGENT_PRIORITY or r.instance_id in urgent_cases,
              "overdue": r.status == "open" and r.due_at is not None and r.due_at < now,
              "can_claim": r.status == "open" and r.assignee is None and access.can_claim(p, r)}
             for r in rows]
    filters = session.scalars(select(SavedFilter).where(or_(
        SavedFilter.owner == p.username, SavedFilter.shared_group.in_(sorted(p.groups) or [""])))
        .order_by(SavedFilter.name, SavedFilter.id)).all()
    pages = max(1, (total + per_page - 1) // per_page)
    return {"items": items, "total": total, "page": page, "pages": pages, "per_page": per_page, "counts": counts,
            "params": params, "sort": sort, "filters": filters, "now": now}


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
    data["message"] = MESSAGES.get(request.args.get("msg", ""))
    template = "web/_inbox_list.html" if is_htmx() and request.headers.get("HX-Target") == "inbox-list" \
        else "web/inbox.html"
    return render_template(template, tabs=TABS, sorts=SORTS, **data)


@bp.route("/tasks/<string:task_id>/claim", methods=["POST"])
def claim(task_id):
    p = principal()
    row = in_transaction(db(), lambda s: inbox.claim(s, p, task_id))
    if request.form.get("from") == "task":
        response = make_response("", 204)
        response.headers["HX-Refresh"] = "true"
        return response
    return flash_response(_("已认领：%(name)s（%(key)s）", name=row.name, key=row.business_key),
                          trigger="inbox-changed")


@bp.route("/tasks/<string:task_id>/unclaim", methods=["POST"])
def unclaim(task_id):
    p = principal()
    row = in_transaction(db(), lambda s: inbox.unclaim(s, p, task_id))
    if request.form.get("from") == "task":
        response = make_response("", 204)
        response.headers["HX-Refresh"] = "true"
        return response
    return flash_response(_("已退回组内：%(name)s", name=row.name), trigger="inbox-changed")


@bp.route("/inbox/claim", methods=["POST"])
def bulk_claim():
    p = principal()
    ids = request.form.getlist("task_id")[:100]
    if not ids:
        return flash_response(_("请先勾选要认领的任务"), level="error", status=422)
    done, failed = [], []
    for task_id in ids:
        try:
            row = in_transaction(db(), lambda s, t=task_id: inbox.claim(s, p, t))
            done.append(row.business_key)
        except DomainError as exc:
            failed.append(exc.message)
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

    def run(s):
        s.add(SavedFilter(owner=p.username, shared_group=group, name=name, query=urlencode(params)[:1000],
                          created_at=clock.now()))
    in_transaction(db(), run)
    return flash_response(_("筛选“%(name)s”已保存", name=name), trigger="filters-changed")


@bp.route("/inbox/filters/<int:filter_id>/delete", methods=["POST"])
def delete_filter(filter_id):
    p = principal()

    def run(s):
        row = s.get(SavedFilter, filter_id)
        if row is None or (row.owner != p.username and row.shared_group not in p.groups):
            raise NotFound("筛选不存在", "saved filter not found")
        if row.owner != p.username:
            raise Forbidden("只能删除自己保存的筛选", "not the owner")
        s.delete(row)
    in_transaction(db(), run)
    return flash_response(_("筛选已删除"), trigger="filters-changed")


@bp.route("/inbox/filters")
def filters_fragment():
    p = principal()
    filters = in_transaction(db(), lambda s: s.scalars(select(SavedFilter).where(or_(
        SavedFilter.owner == p.username, SavedFilter.shared_group.in_(sorted(p.groups) or [""])))
        .order_by(SavedFilter.name, SavedFilter.id)).all())
    return render_template("web/_filters.html", filters=filters)


# ------------------------------------------------------------------------------------------------
# Task page: form from JSON Schema + UI hints
# ------------------------------------------------------------------------------------------------

def form_fields(form: dict, values: dict) -> list[dict]:
    schema, ui = form.get("schema", {}), form.get("ui", {})
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = [f for f in ui.get("order", []) if f in props] + [f for f in props if f not in ui.get("order", [])]
    labels, widgets = ui.get("labels", {}), ui.get("widgets", {})
    enum_labels, helps = ui.get("enumLabels", {}), ui.get("help", {})
    fields = []
    for name in order:
        prop = props[name]
        kind = prop.get("type", "string")
        widget = widgets.get(name)
        options = []
        enum = prop.get("enum") or (prop.get("items", {}).get("enum") if kind == "array" else None)
        if enum:
            options = [(str(v), enum_labels.get(name, {}).get(str(v), str(v))) for v in enum]
        if not widget:
            if kind == "boolean":
                widget = "radio"
            elif kind == "array":
                widget = "checkboxes"
            elif enum:
                widget = "select"
            elif prop.get("format") == "date":
                widget = "date"
            elif kind in ("integer", "number"):
                widget = "number"
            elif prop.get("maxLength", 0) > 200:
                widget = "textarea"
            else:
                widget = "text"
        if kind == "boolean" and not options:
            options = [("true", "是"), ("false", "否")]
        value = values.get(name)
        if kind == "boolean" and value is not None:
            value = "true" if value else "false"
        fields.append({"name": name, "label": labels.get(name) or prop.get("title") or name, "type": kind,
                       "widget": widget, "options": options, "required": name in required,
                       "help": helps.get(name) or prop.get("description"), "value": value,
                       "min": prop.get("minimum"), "max": prop.get("maximum"), "maxlength": prop.get("maxLength"),
                       "step": "1" if kind == "integer" else "0.01"})
    return fields


def parse_form_data(form: dict, source) -> dict:
    props = form.get("schema", {}).get("properties", {})
    data = {}
    for name, prop in props.items():
        kind = prop.get("type", "string")
        if kind == "array":
            values = [v for v in source.getlist(name) if v != ""]
            if values or name in source:
                item_type = prop.get("items", {}).get("type")
                data[name] = [_coerce(v, item_type) for v in values]
            continue
        raw = source.get(name)
        if raw is None or raw.strip() == "":
            continue
        data[name] = _coerce(raw.strip(), kind)
    return data


def _coerce(raw: str, kind):
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            number = float(raw)
            return int(number) if number.is_integer() and "." not in raw else number
        except ValueError:
            return raw
    return raw


def _members(session, group_key: str) -> list[tuple[str, str]]:
    return [(u, n) for u, n in session.execute(
        select(User.username, User.display_name).join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id).where(Group.key == group_key, User.is_active.is_(True))
        .order_by(User.username)).all()]


def _task_context(session, p, task_id, values=None, errors=None):
    row = runtime.visible_task(session, p, task_id)
    form = inbox.task_form(session, row) if row.form else None
    if values is None:
        values = masking.mask_data(json.loads(row.draft)) if row.draft else {}
    comments = [{"author": c.author, "body": masking.mask_text(c.body), "created_at": c.created_at}
                for c in inbox.comments(session, p, task_id)]
    body_members = [(u, n) for u, n in session.execute(
        select(User.username, User.display_name).join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.key.like(f"{row.bureau}/{row.body}/%"), User.is_active.is_(True))
        .order_by(User.username)).all()] if row.status == "open" else []
    case = session.scalar(select(Case).where(Case.instance_id == row.instance_id))
    return {"task": row, "form": form, "fields": form_fields(form, values) if form else [], "errors": errors or {},
            "comments": comments, "mine": row.assignee == p.username and row.status == "open",
            "supervisor": access.supervises(p, row), "can_claim": row.status == "open" and row.assignee is None
            and access.can_claim(p, row), "candidates": _members(session, row.candidate_group),
            "colleagues": sorted(set(body_members)), "case": case,
            "clock": _clock_texts(session, [row.instance_id]).get(row.instance_id),
            "overdue": row.status == "open" and row.due_at is not None and row.due_at < clock.now(),
            "summary": masking.mask_text(row.summary)}


@bp.route("/tasks/<string:task_id>")
def task_page(task_id):
    p = principal()
    ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id))
    return render_template("web/task.html", **ctx)


@bp.route("/tasks/<string:task_id>/submit", methods=["POST"])
def submit_task(task_id):
    p = principal()
    action = request.form.get("action", "complete")

    def run(s):
        row = runtime.visible_task(s, p, task_id)
        form = inbox.task_form(s, row)
        data = parse_form_data(form, request.form)
        return data
    data = in_transaction(db(), run)
    try:
        if action == "draft":
            in_transaction(db(), lambda s: inbox.save_draft(s, p, task_id, data))
        elif action == "resolve":
            in_transaction(db(), lambda s: inbox.resolve(s, p, task_id, data))
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for("web.task_page", task_id=task_id)
            return response
        else:
            in_transaction(db(), lambda s: runtime.complete_task(s, p, task_id, data))
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for("web.inbox_page", msg="completed")
            return response
    except Invalid as exc:
        errors = dict(exc.extra.get("errors") or {"_": exc.message})
        ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id, values=data, errors=errors))
        return render_template("web/_task_form.html", **ctx), 422
    ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id, values=data))
    ctx["saved"] = True
    return render_template("web/_task_form.html", **ctx)


@bp.route("/tasks/<string:task_id>/comments", methods=["POST"])
def comment(task_id):
    p = principal()
    try:
        in_transaction(db(), lambda s: inbox.add_comment(s, p, task_id, request.form.get("body", "")))
        error = None
    except Invalid as exc:
        error = exc.message
    ctx = in_transaction(db(), lambda s: _task_context(s, p, task_id))
    return render_template("web/_comments.html", comment_error=error, **ctx), 422 if error else 200


@bp.route("/tasks/<string:task_id>/assign", methods=["POST"])
def assign(task_id):
    p = principal()
    username = (request.form.get("username") or "").strip() or None
    in_transaction(db(), lambda s: inbox.assign(s, p, task_id, username))
    response = make_response("", 204)
    response.headers["HX-Refresh"] = "true"
    return response


@bp.route("/tasks/<string:task_id>/delegate", methods=["POST"])
def delegate(task_id):
    p = principal()
    username = (request.form.get("username") or "").strip()
    in_transaction(db(), lambda s: inbox.delegate(s, p, task_id, username))
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url_for("web.inbox_page")
    return response


# ------------------------------------------------------------------------------------------------
# Case file
# ------------------------------------------------------------------------------------------------

AUDIT_LABELS = {"instance.start": "案件启动", "task.claim": "认领", "task.unclaim": "退回", "task.assign": "分派",
                "task.delegate": "委派", "task.resolve": "交回", "task.complete": "办结", "task.save_draft": "保存草稿",
                "task.comment": "意见", "personal_data.reveal": "查看个人信息", "case_access.grant": "授权访问",
                "case_access.revoke": "撤销授权", "complaint.register": "登记", "case.open": "立案/开案", "clock.start": "法定时限起算",
                "clock.stop": "法定时限停止", "clock.suspend": "法定时限中止", "clock.resume": "法定时限恢复",
                "clock.extend": "法定时限延长", "case.grant": "授权访问", "case.revoke": "撤销授权"}


def _case_context(session, p, instance_id):
    from workflow_app.domain.intake import queries as intake_views
    instance = access.visible_instance(session, p, instance_id)
    case = session.scalar(select(Case).where(Case.instance_id == instance.id))
    complaint = None
    if case is not None:
        complaint = session.get(Complaint, case.complaint_id)
    else:
        complaint = session.scalar(select(Complaint).where(Complaint.triage_instance_id == instance.id))
    complaint_doc = intake_views.complaint_dict(session, complaint) if complaint is not None else None
    case_doc = intake_views.case_dict(session, case, detail=True) if case is not None else None
    tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id)
                            .order_by(TaskRow.step, TaskRow.created_at, TaskRow.id)).all()
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.instance_id == instance.id,
        and_(AuditEvent.business_key == instance.business_key, AuditEvent.instance_id.is_(None))))
        .order_by(AuditEvent.occurred_at, AuditEvent.id).limit(500)).all()
    names = dict(session.execute(select(User.username, User.display_name)).all())
    timeline = [{"at": e.occurred_at, "actor": names.get(e.actor, e.actor), "action": AUDIT_LABELS.get(e.action, e.action),
                 "entity": e.entity_type, "detail": _event_text(e, tasks)} for e in events]
    documents = []
    if complaint is not None:
        documents.append({"title": "举报投诉登记回执", "text": intake_views.receipt(session, complaint)["text"]})
    for t in tasks:
        if t.status == "completed" and t.form:
            documents.append({"title": f"{t.name}（{fmt_dt(t.completed_at)}，{names.get(t.completed_by, t.completed_by or '')}）",
                              "text": None, "task_id": t.id})
    linked = []
    if complaint_doc:
        for c in complaint_doc["cases"]:
            if case is None or c["id"] != case.id:
                linked.append({"kind": "拆分案件", **c})
        for link in complaint_doc["duplicate_links"]:
            linked.append({"kind": "重复登记关联", "number": link.get("case_number"), "instance_id": None,
                           "body_label": link.get("body_label"), "jurisdiction_name": link.get("jurisdiction_name")})
    if case_doc:
        for d in case_doc.get("duplicate_registrations", []):
            linked.append({"kind": "重复登记（后续登记）", "number": d["complaint_number"], "instance_id": None,
                           "body_label": "", "jurisdiction_name": ""})
    clocks_list = clocks.for_instance(session, instance.id)
    return {"instance": instance, "case": case_doc, "complaint": complaint_doc, "tasks": tasks, "timeline": timeline,
            "documents": documents, "linked": linked, "clocks": clocks_list, "names": names,
            "summary": masking.mask_text(instance.summary)}


def _event_text(event: AuditEvent, tasks) -> str:
    after = event.after or {}
    if event.entity_type == "task":
        name = next((t.name for t in tasks if t.id == event.entity_id), "")
        extra = ""
        if event.action == "task.comment":
            extra = "：" + str(masking.mask_text(after.get("body", "")))[:200]
        elif after.get("assignee"):
            extra = f"（办理人 {after.get('assignee')}）"
        return f"{name}{extra}"
    return ""


@bp.route("/cases/<int:instance_id>")
def case_page(instance_id):
    p = principal()
    ctx = in_transaction(db(), lambda s: _case_context(s, p, instance_id))
    return render_template("web/case.html", **ctx)


@bp.route("/cases/by-number/<path:number>")
def case_by_number(number):
    p = principal()

    def run(s):
        case = s.scalar(select(Case).where(Case.number == number))
        if case is None:
            raise NotFound("案件不存在", "no such case")
        access.visible_instance(s, p, case.instance_id)
        return case.instance_id
    return redirect(url_for("web.case_page", instance_id=in_transaction(db(), run)))


SPIFF_COMPLETED, SPIFF_READY, SPIFF_STARTED, SPIFF_WAITING = 64, 16, 32, 8


def diagram_states(instance: ProcessInstance, tasks) -> dict[str, str]:
    """BPMN element id -> completed | active, from the engine state and the task rows."""
    states: dict[str, str] = {}
    try:
        state = json.loads(instance.state)
        task_dicts = list((state.get("tasks") or {}).values())
        for sub in (state.get("subprocesses") or {}).values():
            task_dicts.extend((sub.get("tasks") or {}).values())
        for t in task_dicts:
            spec, value = t.get("task_spec"), t.get("state")
            if not isinstance(spec, str):
                continue
            if value == SPIFF_COMPLETED:
                states.setdefault(spec, "completed")
            elif value in (SPIFF_READY, SPIFF_STARTED, SPIFF_WAITING) and instance.status == "running":
                states[spec] = "active"
    except (ValueError, AttributeError):
        pass
    for t in tasks:
        if t.status == "open":
            states[t.task_spec] = "active"
        elif t.status == "completed" and states.get(t.task_spec) != "active":
            states[t.task_spec] = "completed"
    return states


@bp.route("/cases/<int:instance_id>/diagram.json")
def case_diagram(instance_id):
    p = principal()

    def run(s):
        instance = access.visible_instance(s, p, instance_id)
        version = s.get(ProcessVersion, instance.process_version_id)
        files = json.loads(version.files_json).get("bpmn", {})
        xml = next((text for text in files.values() if f'id="{instance.process_key}"' in text),
                   next(iter(files.values()), ""))
        tasks = s.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id)).all()
        states = diagram_states(instance, tasks)
        open_tasks = {t.task_spec: {"name": t.name, "assignee": t.assignee, "due_at": t.due_at and t.due_at.isoformat()}
                      for t in tasks if t.status == "open"}
        return {"process_key": instance.process_key, "version": version.version, "xml": xml,
                "has_di": "BPMNDiagram" in xml, "elements": states, "open_tasks": open_tasks}
    return jsonify(in_transaction(db(), run))


# ------------------------------------------------------------------------------------------------
# Registration (intake clerks)
# ------------------------------------------------------------------------------------------------

_PATH = re.compile(r"^(\w+)\[(\d{1,2})\]\.(\w+)$")
REG_BOOLEANS = {"relationship_disputed", "dispute_major", "media_exposure", "mass_incident", "employer_absconded"}
REG_DEFAULT_TRUE = {"facts_clear", "evidence_sufficient"}
REG_INTS = {"workers_affected", "months_unpaid"}
REG_NUMBERS = {"amount"}


def _reg_value(key: str, raw: str):
    leaf = key.rsplit(".", 1)[-1]
    if leaf in REG_INTS:
        try:
            return int(raw)
        except ValueError:
            return raw
    if leaf in REG_NUMBERS:
        try:
            return float(raw) if "." in raw else int(raw)
        except ValueError:
            return raw
    return raw


def _nested(data: dict, path: list[str]) -> dict:
    """The object at ``path`` in ``data``. A hand-made form may send both ``employer`` and ``employer.name``:
    the nested fields win over a stray plain value, which the API's validation then reports if required."""
    target = data
    for part in path:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    return target


def parse_registration(form) -> dict:
    data: dict = {}
    lists: dict[str, dict[int, dict]] = {}
    for key in form.keys():
        if key in ("csrf_token",) or key.endswith("__present"):
            continue
        raw = (form.get(key) or "").strip()
        if raw == "":
            continue
        m = _PATH.match(key)
        if m:
            lists.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = _reg_value(m.group(3), raw)
            continue
        if key in REG_BOOLEANS | REG_DEFAULT_TRUE | {"violation_ongoing", "employment_ongoing",
                                                     "complainant.anonymous", "employer.uscc_confirmed"}:
            continue
        parts = key.split(".")
        _nested(data, parts[:-1])[parts[-1]] = _reg_value(key, raw)
    for name in REG_BOOLEANS:
        if form.get(name):
            data[name] = True
    for name in REG_DEFAULT_TRUE:
        data[name] = bool(form.get(name))
    if form.get("complainant.anonymous"):
        _nested(data, ["complainant"])["anonymous"] = True
    if form.get("employer.uscc_confirmed"):
        _nested(data, ["employer"])["uscc_confirmed"] = True
    for name in ("violation_ongoing", "employment_ongoing"):
        if form.get(name):
            data[name] = True
    for name, items in lists.items():
        data[name] = [items[i] for i in sorted(items) if any(v not in ("", None) for v in items[i].values())]
    if "received_at" in data and len(data["received_at"]) == 16:  # datetime-local: local time
        data["received_at"] = data["received_at"] + ":00+08:00"
    return data


def _reg_context(session, p, values: dict | None = None, errors: dict | None = None):
    from workflow_app.domain.intake import catalog as catalog_mod
    catalog = catalog_mod.load(session).as_dict()
    windows = sorted({g.split("/")[0] for g in p.groups if g.split("/")[1:2] == ["intake"]})
    bureaus = session.scalars(select(Bureau).order_by(Bureau.code)).all()
    cities = {b.parent for b in bureaus if b.code in windows} | set(windows)
    districts = [b for b in bureaus if b.parent in cities or b.code in cities]
    return {"catalog": catalog, "districts": districts, "windows": windows, "v": values or {},
            "errors": errors or {}, "now": clock.now().astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")}


@bp.route("/intake/register", methods=["GET", "POST"])
def register_page():
    from workflow_app.domain.intake import registration
    p = principal()
    if request.method == "GET":
        return render_template("web/register.html", **in_transaction(db(), lambda s: _reg_context(s, p)))
    data = parse_registration(request.form)
    try:
        complaint_id = in_transaction(db(), lambda s: registration.register(s, p, data).id)
    except Invalid as exc:
        errors = dict(exc.extra.get("errors") or {"_": exc.message})
        ctx = in_transaction(db(), lambda s: _reg_context(s, p, request.form, errors))
        return render_template("web/_register_form.html", **ctx), 422
    target = url_for("web.complaint_page", complaint_id=complaint_id, msg="registered")
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.route("/intake/complaints/<int:complaint_id>")
def complaint_page(complaint_id):
    from workflow_app.domain.intake import queries as intake_views
    p = principal()

    def run(s):
        complaint = intake_views.visible_complaint(s, p, complaint_id)
        doc = intake_views.complaint_dict(s, complaint)
        return {"c": doc, "receipt": intake_views.receipt(s, complaint, doc)}
    ctx = in_transaction(db(), run)
    return render_template("web/complaint.html", message=MESSAGES.get(request.args.get("msg", "")), **ctx)


@bp.route("/intake/complaints")
def complaints_page():
    from workflow_app.domain.intake import queries as intake_views
    p = principal()

    def run(s):
        rows = s.scalars(select(Complaint).where(intake_views.complaint_visibility(s, p))
                         .order_by(Complaint.id.desc()).limit(50)).all()
        return [intake_views.complaint_dict(s, c, detail=False) for c in rows]
    return render_template("web/complaints.html", items=in_transaction(db(), run))
