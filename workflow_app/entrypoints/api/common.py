"""What every endpoint module shares: the database of the app, the authenticated caller (bearer token or
session cookie + CSRF) and problem documents (docs/security.md §3)."""
from __future__ import annotations

import logging
from types import SimpleNamespace

from flask import current_app, g, jsonify, request

from workflow_app.platform.errors import Unauthenticated
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.database import in_transaction

log = logging.getLogger(__name__)

STATUS_ZH = {400: "请求格式不正确", 401: "请先登录", 403: "无权执行此操作", 404: "请求的资源不存在",
              405: "不支持的请求方法", 409: "操作冲突", 413: "上传内容过大", 415: "不支持的内容类型",
              422: "提交的数据有误", 429: "请求过于频繁", 500: "服务器内部错误"}


def problem(status: int, title: str, detail: str, message: str, type_: str = "about:blank", **extra):
    body = {"type": type_, "title": title, "status": status, "detail": detail, "message": message}
    if request:
        body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def db():
    return current_app.extensions["caseflow.db"]


def current_principal() -> Principal:
    """The caller: ``Authorization: Bearer <token>`` (API clients) or the session cookie (browsers); 401 otherwise.

    A state-changing request authenticated by the session cookie must carry the session's CSRF token.
    """
    cached = g.get("principal")
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthenticated("请先登录", "missing bearer token")
        principal = in_transaction(db(), lambda s: identity.authenticate_token(s, secret.strip()))
        g.auth_method = "token"
    else:
        cookie = request.cookies.get(session_cookie_name())
        if not cookie:
            raise Unauthenticated("请先登录", "missing bearer token or session cookie")

        def load(s):
            p, web = auth_web.authenticate_session(s, cookie)
            return p, web.id, web.csrf_token
        principal, g.web_session_id, csrf = in_transaction(db(), load)
        g.auth_method = "session"
        if request.method not in auth_web.SAFE_METHODS and request.endpoint not in CSRF_EXEMPT:
            supplied = request.headers.get(auth_web.CSRF_HEADER)
            if supplied is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                supplied = request.form.get(auth_web.CSRF_FIELD)
            auth_web.check_csrf(SimpleNamespace(csrf_token=csrf), supplied)
    g.principal = principal
    return principal


#: Endpoints reachable with a state-changing method and no CSRF token (nothing to protect before login).
CSRF_EXEMPT = {"auth.login"}


def session_cookie_name() -> str:
    return auth_web.SESSION_COOKIE if current_app.config.get("CASEFLOW_COOKIE_SECURE", True) \
        else auth_web.INSECURE_SESSION_COOKIE
