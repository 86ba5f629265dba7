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
from flask_babel import gettext as _

from workflow_app.domain.intake import catalog as intake_catalog
from workflow_app.domain.vocabulary import PROCESS_LABELS
from workflow_app.entrypoints.web.formats import china_time, yuan
from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.platform import clock
from workflow_app.platform.errors import DomainError, Unauthenticated
from workflow_app.platform.identity import directory
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.identity.directory import SYSTEM
from workflow_app.platform.organisation import BODY_LABELS, N_, group_label
from workflow_app.platform.persistence.database import in_transaction

LANGUAGES = {"zh_CN": "中文", "en": "English"}
LANG_COOKIE = "caseflow_lang"

#: Confirmations a redirect asks a page to show (``?msg=``).
MESSAGES = {"completed": N_("任务已办结"), "registered": N_("已登记"), "logged_out": N_("已退出登录"),
            # the case actions (web/case_actions.py)
            "request_started": N_("已提交，待本机构联络员审核后发出"), "emergency_declared": N_("已认定为应急突发案件"),
            "supervised": N_("已挂牌督办"),
            # 流程管理 (web/processes.py)
            "incident_retried": N_("故障已重新排队，后台任务将再次执行")}

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
    return china_time(value)


def fmt_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d") if isinstance(value, datetime) else str(value)


def _directory_names() -> tuple[dict[str, str], dict[str, str]]:
    """Display names by login and bureau names by code, read once per request."""
    if "directory_names" not in g:
        g.directory_names = in_transaction(db(), lambda s: (directory.display_names(s), directory.bureau_names(s)))
    return g.directory_names


def person(username: str | None) -> str:
    """A person by display name, never by login (docs/ui.md "Names, not codes"); the system as 系统."""
    if not username:
        return ""
    if username == SYSTEM.username:
        return _("系统")
    return _directory_names()[0].get(username, username)


def group_words(key: str | None) -> str:
    """A candidate group in words in the page's language: bureau name · body label · role label."""
    return group_label(key, _directory_names()[1], _)


def claim_label(claim: dict) -> str:
    """A claim's name in the page's language: in English the catalogue's English name of its code (the
    ``label_en`` column of issue_codes.dmn), otherwise the Chinese label it was registered with."""
    label = claim.get("label") or claim.get("code") or ""
    if str(get_locale() or "") != "en" or not claim.get("code"):
        return label
    if "english_claims" not in g:
        g.english_claims = in_transaction(db(), lambda s: {
            code: item.label_en for code, item in intake_catalog.load(s).issue_codes.items() if item.label_en})
    return g.english_claims.get(claim["code"], label)


def error_text(error: DomainError) -> str:
    """What a page shows of a domain error: ``message`` (Chinese), or in English the error's English text
    (docs/ui.md "Error messages in English")."""
    return error.english if str(get_locale() or "") == "en" else error.message


@bp.app_template_filter("yuan")
def _yuan_filter(value) -> str:
    return yuan(value)


@bp.app_context_processor
def _globals():
    return {"csrf_token": g.get("csrf_token", ""), "me": g.get("principal"), "languages": LANGUAGES,
            "locale": str(get_locale() or "zh_CN"), "body_labels": BODY_LABELS, "process_labels": PROCESS_LABELS,
            "fmt_dt": fmt_dt, "fmt_date": fmt_date, "person": person, "group_words": group_words, "unit_words": unit_words, "claim_label": claim_label,
            # Countdowns count from the server's clock, not the browser's (a skewed PC, a shifted test clock).
            "server_now": clock.now().isoformat()}


#: The words of a statutory clock's unit (``platform/calendar/arithmetic.py`` Unit): 剩余 5 个工作日.
UNIT_WORDS = {"WD": N_("个工作日"), "CD": N_("天"), "h": N_("小时")}


def unit_words(unit: str | None) -> str:
    """The (untranslated) words of a clock unit; pages translate them (docs/ui.md "Names, not codes")."""
    text = str(unit or "")
    if text in UNIT_WORDS:
        return UNIT_WORDS[text]
    return UNIT_WORDS["WD"] if "work" in text.lower() or text.upper().endswith("WD") else UNIT_WORDS["CD"]


def clock_badge(view: dict) -> dict:
    """A statutory clock's view (``platform/deadlines``) as the badge of an inbox row or a task header."""
    return {"label": view["label"] or view["name"], "due_at": view["due_at"], "remaining": view.get("remaining"),
            "unit": unit_words(view["unit"]), "overdue": view.get("overdue"), "provisional": view.get("due_provisional")}


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
        response = make_response(render_template("web/_flash.html", level="error", message=error_text(error)),
                                 error.status)
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render_template("web/error.html", error_message=error_text(error), status=error.status), error.status


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
