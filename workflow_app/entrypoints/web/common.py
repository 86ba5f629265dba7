"""What every area of the web interface shares: the one ``web`` blueprint, the principal of a page, the
error pages and htmx answers, the values every template sees, and date formatting.

Each area is a module of this package that adds its routes to :data:`bp` (``login``, ``inbox``, ``tasks``,
``cases``, ``intake``; ``notifications`` has its own blueprint), with its templates in
``templates/web/<area>/``. One blueprint keeps the endpoint names ``web.<view>`` that templates and links
use, whichever module a view lives in.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale

from workflow_app.domain.vocabulary import PROCESS_LABELS
from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.platform import clock
from workflow_app.platform.errors import DomainError, Unauthenticated
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.organisation import BODY_LABELS, N_
from workflow_app.platform.persistence.database import in_transaction

LANGUAGES = {"zh_CN": "中文", "en": "English"}
LANG_COOKIE = "caseflow_lang"

#: Confirmations a redirect asks a page to show (``?msg=``).
MESSAGES = {"completed": N_("任务已办结"), "registered": N_("已登记"), "logged_out": N_("已退出登录")}

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def principal():
    """The signed-in principal (401 -> login page otherwise); loads the session's CSRF token for the page."""
    p = current_principal()
    if "csrf_token" not in g:
        sid = g.get("web_session_id")
        g.csrf_token = in_transaction(db(), lambda s: auth_web.csrf_token_of(s, sid)) if sid else ""
    return p


def fmt_dt(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def fmt_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d") if isinstance(value, datetime) else str(value)


@bp.app_context_processor
def _globals():
    return {"csrf_token": g.get("csrf_token", ""), "me": g.get("principal"), "languages": LANGUAGES,
            "locale": str(get_locale() or "zh_CN"), "body_labels": BODY_LABELS, "process_labels": PROCESS_LABELS,
            "fmt_dt": fmt_dt, "fmt_date": fmt_date,
            # Countdowns count from the server's clock, not the browser's (a skewed PC, a shifted test clock).
            "server_now": clock.now().isoformat()}


def clock_badge(view: dict) -> dict:
    """A statutory clock's view (``platform/deadlines``) as the badge of an inbox row or a task header."""
    unit = N_("个工作日") if "work" in view["unit"].lower() or view["unit"].upper().endswith("WD") else N_("天")
    return {"label": view["label"] or view["name"], "due_at": view["due_at"], "remaining": view.get("remaining"),
            "unit": unit, "overdue": view.get("overdue"), "provisional": view.get("due_provisional")}


# ------------------------------------------------------------------------------------------------
# Answers: errors, flash messages, htmx navigation
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
    """An htmx answer that shows ``message`` in the page's flash area (and fires ``trigger`` on the page)."""
    response = make_response(render_template("web/_flash.html", level=level, message=message), status)
    response.headers["HX-Retarget"] = "#flash"
    response.headers["HX-Reswap"] = "innerHTML"
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def htmx_redirect(target: str):
    """An htmx answer that makes the browser load ``target``."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = target
    return response


def htmx_refresh():
    """An htmx answer that makes the browser reload the page."""
    response = make_response("", 204)
    response.headers["HX-Refresh"] = "true"
    return response
