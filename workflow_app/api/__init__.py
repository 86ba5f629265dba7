"""REST API: flask-smorest blueprints, OpenAPI at /api/openapi.json, docs at /api/docs.

Errors are RFC 9457 problem documents (``application/problem+json``): ``title``/``detail`` in English
for API clients, ``message`` in Chinese for people, ``errors`` per field where a field is at fault.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, InternalServerError

from ..services.errors import DomainError, Unauthenticated
from ..services.identity import Principal

log = logging.getLogger(__name__)

_STATUS_ZH = {400: "请求格式不正确", 401: "请先登录", 403: "无权执行此操作", 404: "请求的资源不存在",
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
        return problem(status, error.name, str(detail), _STATUS_ZH.get(status, "请求失败"), errors=errors)


def db():
    return current_app.extensions["caseflow.db"]


def current_principal() -> Principal:
    """The caller, from ``Authorization: Bearer <token>``; 401 otherwise."""
    cached = g.get("principal")
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("请先登录", "missing bearer token")
    from ..services import identity
    from ..services.runtime import in_transaction
    principal = in_transaction(db(), lambda s: identity.authenticate_token(s, secret.strip()))
    g.principal = principal
    return principal


def init_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="案件分流系统 Case routing API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearerAuth": []}]},
    )
    api = ProblemApi(app)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        extra = dict(error.extra)
        return problem(error.status, error.title, error.detail, error.message, error.type, **extra)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        log.exception("unhandled error on %s", request.path)
        return api.handle_http_exception(InternalServerError())

    from . import audit_log, instances, operations, processes, system, tasks
    for blueprint in (system.blp, processes.blp, instances.blp, tasks.blp, audit_log.blp, operations.blp):
        api.register_blueprint(blueprint)
