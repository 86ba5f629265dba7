"""REST API: flask-smorest blueprints, OpenAPI at /api/openapi.json, docs at /api/docs.

Errors are RFC 9457 problem documents (``application/problem+json``): ``title``/``detail`` in English
for API clients, ``message`` in Chinese for people, ``errors`` per field where a field is at fault.
"""
from __future__ import annotations

import json as _json
import logging
import os

from flask import Flask, request
from flask_smorest import Api
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import HTTPException, InternalServerError

from workflow_app.entrypoints.api import (
    admin,
    attachments,
    audit_log,
    auth,
    collaboration,
    documents,
    drafts,
    instances,
    intake,
    migrations,
    notifications,
    operations,
    personal,
    processes,
    system,
    tasks,
)
from workflow_app.entrypoints.api.common import STATUS_ZH, CSRF_EXEMPT, current_principal, problem, session_cookie_name
from workflow_app.platform.errors import DomainError
from workflow_app.platform.identifiers import masking

log = logging.getLogger(__name__)

class ProblemApi(Api):
    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        if status >= 500:
            log.exception("unhandled error on %s", request.path if request else "?")
        data = getattr(error, "data", None) or {}
        errors = None
        messages = data.get("messages")
        if messages:
            # webargs/marshmallow: {"json": {"field": ["msg"]}} -> {"field": "msg"}
            errors = {}
            for location in messages.values():
                if isinstance(location, dict):
                    for field, msgs in location.items():
                        errors[str(field)] = "; ".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)
        detail = error.description if status < 500 else "internal error"
        return problem(status, error.name, str(detail), STATUS_ZH.get(status, "请求失败"), errors=errors)


#: Largest JSON body accepted (bytes) and deepest nesting; beyond them a request is refused before parsing.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32


def _json_depth_ok(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            for k, v in item.items():
                if "\x00" in k:
                    return False
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str) and "\x00" in item:
            return False
    return True


#: API endpoints that answer without authentication: logging in, health probes, the API description.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "system.health", "system.ready", "api-docs.openapi_json",
                              "api-docs.openapi_swagger_ui"})


def _needs_authentication() -> bool:
    """Every /api request except :data:`PUBLIC_ENDPOINTS` (an unknown path too: it reveals nothing)."""
    path = request.path
    return (path == "/api" or path.startswith("/api/")) and request.endpoint not in PUBLIC_ENDPOINTS


def _screen_request():
    """Authenticate API requests first, then refuse hostile input before any endpoint sees it.

    Authentication comes before any validation (docs/security.md §3): an anonymous caller gets 401 and
    never a 400/413/422 that would describe the request schema or the limits.
    """
    if _needs_authentication():
        current_principal()  # 401 problem (or 403 csrf-failed) before anything looks at the request
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return problem(400, "Bad Request", "NUL characters are not allowed", "请求中含有不允许的字符")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        refused = _screen_json()
        if refused is not None:
            return refused
    # CSRF safety net: any state-changing request riding on the session cookie (API or, later, a page)
    # is checked here even if its view forgets to authenticate first.
    if "Authorization" not in request.headers and request.cookies.get(session_cookie_name()) \
            and request.endpoint not in CSRF_EXEMPT and request.endpoint is not None:
        current_principal()
    return None


def _screen_json():
    """Refuse oversized, over-deep or NUL-carrying JSON bodies before an endpoint parses them."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return problem(413, "Payload Too Large", f"JSON bodies are limited to {MAX_JSON_BYTES} bytes",
                       STATUS_ZH[413])
    data = request.get_data(cache=True)
    if len(data) > MAX_JSON_BYTES:
        return problem(413, "Payload Too Large", f"JSON bodies are limited to {MAX_JSON_BYTES} bytes",
                       STATUS_ZH[413])
    if b"\x00" in data:
        return problem(400, "Bad Request", "NUL characters are not allowed", "请求中含有不允许的字符")
    try:
        parsed = _json.loads(data) if data.strip() else None
    except RecursionError:
        return problem(400, "Bad Request", f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "请求数据嵌套过深")
    except ValueError:
        return None  # the endpoint's parser answers with its own 400
    if not _json_depth_ok(parsed, MAX_JSON_DEPTH):
        return problem(400, "Bad Request", f"JSON nested deeper than {MAX_JSON_DEPTH} levels or containing NUL",
                       "请求数据嵌套过深或含有不允许的字符")
    return None


def _security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/") and not request.path.startswith("/api/docs"):
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="案件分流系统 Case routing API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/vendor/swagger-ui-dist/",  # npm copy served by workflow_app.entrypoints.web.vendor
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "__Host-caseflow_session"}}},
            "security": [{"bearerAuth": []}, {"sessionCookie": []}]},
    )
    app.config.setdefault("CASEFLOW_COOKIE_SECURE", os.environ.get("CASEFLOW_INSECURE_COOKIES") != "1")
    app.config.update(SESSION_COOKIE_SECURE=app.config["CASEFLOW_COOKIE_SECURE"], SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    api = ProblemApi(app)
    masking.install_log_masking()
    app.before_request(_screen_request)
    app.after_request(_security_headers)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        extra = dict(error.extra)
        response = problem(error.status, error.title, error.detail, error.message, error.type, **extra)
        if extra.get("retry_after"):
            response.headers["Retry-After"] = str(extra["retry_after"])
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        if isinstance(error, OverflowError) or (isinstance(error, StatementError)
                                                 and isinstance(getattr(error, "orig", None), OverflowError)):
            return problem(400, "Bad Request", "a number is out of the accepted range", "请求参数超出允许范围")
        if isinstance(error, DataError):
            # The database refused a value (number out of range, text too long): bad input, not a crash.
            log.info("value refused by the database on %s: %s", request.path, error.orig)
            return problem(400, "Bad Request", "a value is out of the accepted range", "请求参数超出允许范围")
        if isinstance(error, RecursionError):
            return problem(400, "Bad Request", "input nested too deeply", "请求数据嵌套过深")
        log.exception("unhandled error on %s", request.path)
        return api.handle_http_exception(InternalServerError())

    for blueprint in (system.blp, processes.blp, instances.blp, tasks.blp, audit_log.blp, operations.blp,
                      auth.blp, admin.blp, personal.blp,
                      intake.blp,  # intake window: registration, triage outcome, cases
                      collaboration.blp,  # inter-agency: transfers, ledgers, police, hearings, meetings
                      documents.blp,  # official documents: issue, service records, downloads
                      notifications.blp,  # the caller's notifications (docs/deadlines.md)
                      attachments.blp,  # files of cases and tasks (docs/files.md)
                      migrations.blp,  # migration of running instances, live view (docs/operations.md)
                      drafts.blp):  # process owners' workspace: drafts, publication, versions (docs/workspace.md)
        api.register_blueprint(blueprint)
