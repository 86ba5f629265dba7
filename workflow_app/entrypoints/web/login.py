"""Login, logout and the language switch (docs/ui.md, docs/security.md "Browser sessions").

The login form carries its own signed double-submit token (``web_login.check_login_csrf``): before login
there is no session whose CSRF token it could carry. Cookies are set as the API's login sets them.
"""
from __future__ import annotations

from flask import current_app, g, make_response, redirect, render_template, request, url_for

from workflow_app.entrypoints.api.auth import _clear_cookie, _set_cookie, client_ip
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import LANG_COOKIE, LANGUAGES, bp, error_text, principal
from workflow_app.platform.errors import DomainError
from workflow_app.platform.identity import web_login as auth_web
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
