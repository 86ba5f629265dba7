"""Login, logout, the language switch and one's own password (docs/ui.md, docs/security.md "Browser sessions",
"Passwords").

The login form carries its own signed double-submit token (``web_login.check_login_csrf``): before login
there is no session whose CSRF token it could carry. Cookies are set as the API's login sets them.
"""
from __future__ import annotations

from flask import current_app, g, make_response, redirect, render_template, request, url_for

from workflow_app.entrypoints.api.auth import _clear_cookie, _set_cookie, client_ip
from workflow_app.entrypoints.api.common import db, session_cookie_name
from workflow_app.entrypoints.web.common import LANG_COOKIE, LANGUAGES, bp, error_text, is_htmx, principal
from workflow_app.platform.errors import DomainError
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.database import in_transaction

#: Remembered language: a year.
LANG_COOKIE_MAX_AGE = 365 * 86400


@bp.route("/login", methods=["GET", "POST"])
def login():
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
            error, status = error_text(exc), exc.status
    cookie, token = auth_web.issue_login_csrf(secret_key)
    response = make_response(render_template("web/login/login.html", login_csrf=token, error=error,
                                             username=request.form.get("username", "")), status)
    response.set_cookie(auth_web.LOGIN_CSRF_COOKIE, cookie, max_age=3600, path="/login", httponly=True,
                        samesite="Lax", secure=current_app.config.get("CASEFLOW_COOKIE_SECURE", True))
    return response


@bp.route("/logout", methods=["POST"])
def logout():
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
        response.set_cookie(LANG_COOKIE, code, max_age=LANG_COOKIE_MAX_AGE, path="/", samesite="Lax", httponly=True,
                            secure=current_app.config.get("CASEFLOW_COOKIE_SECURE", True))
    return response


# ------------------------------------------------------------------------------------------------
# 设置新密码 / 修改密码: one's own password
# ------------------------------------------------------------------------------------------------

#: Blueprints of the browser pages: while a password must be changed, their pages redirect to 设置新密码.
PAGE_BLUEPRINTS = frozenset({"web", "notify"})
#: Pages reachable while a password must be changed: the page itself, leaving, the language, assets.
OPEN_WHILE_CHANGING = frozenset({"web.change_password", "web.login", "web.logout", "web.set_language", "web.static"})
#: Confirmations of the password page (``?msg=``).
PASSWORD_MESSAGES = {"changed": N_("密码已修改")}


@bp.before_app_request
def _new_password_first():
    """A user whose password someone else chose (an administrator's reset, an initial password) sets a new
    one before any other page. Only browser pages with the session cookie are held back: the API is for
    programs with a bearer token (docs/security.md "Passwords"), which the user created themselves and
    cannot answer a form."""
    if request.blueprint not in PAGE_BLUEPRINTS or request.endpoint in OPEN_WHILE_CHANGING \
            or request.headers.get("Authorization") or not request.cookies.get(session_cookie_name()):
        return None
    try:
        p = principal()
    except DomainError:
        return None  # no valid session, a failed CSRF check: the page answers as it always has
    if not p.must_change_password or g.get("auth_method") != "session":
        return None
    target = url_for("web.change_password", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _password_page(p, error=None, errors=None, status=200):
    page = render_template("web/login/password.html", required=p.must_change_password, error=error,
                           errors=errors or {}, next=auth_web.safe_next(request.args.get("next")),
                           confirmation=PASSWORD_MESSAGES.get(request.args.get("msg", "")))
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/password", methods=["GET", "POST"])
def change_password():
    p = principal()
    if request.method == "GET":
        return _password_page(p)
    form = {k: request.form.get(k, "")[:200] for k in ("current_password", "new_password", "repeat_password")}
    sid = g.get("web_session_id")
    try:
        in_transaction(db(), lambda s: identity.change_own_password(
            s, p.username, form["current_password"], form["new_password"], form["repeat_password"], keep_session=sid))
    except DomainError as error:
        return _password_page(p, error_text(error), getattr(error, "extra", {}).get("errors"), error.status)
    if p.must_change_password:  # the required change done: on to where the user was going
        return redirect(auth_web.safe_next(request.args.get("next")), 303)
    return redirect(url_for("web.change_password", msg="changed"), 303)
