"""Login, logout, the current session, password change and one's own API tokens."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow_app.entrypoints.api.common import current_principal, db, session_cookie_name
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.errors import Invalid
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import passwords
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import WebSession

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Authentication: sessions and API tokens")


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=passwords.PASSWORD_MAX))


class SessionSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    groups = fields.List(fields.String())
    roles = fields.List(fields.String())
    auth_method = fields.String(metadata={"description": "session | token"})
    csrf_token = fields.String(allow_none=True, metadata={"description": "send as X-CSRF-Token on state-changing requests"})
    expires_at = fields.DateTime(allow_none=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=passwords.PASSWORD_MAX))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=passwords.PASSWORD_MAX))


class TokenInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=identity.MAX_TOKEN_DAYS))


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "the secret, shown once"})


def token_dict(t) -> dict:
    return {k: getattr(t, k) for k in ("id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")}


def _session_doc(principal, method, web=None) -> dict:
    return {"username": principal.username, "display_name": principal.display_name,
            "groups": sorted(principal.groups), "roles": sorted(principal.roles()), "auth_method": method,
            "csrf_token": web.csrf_token if web is not None else None,
            "expires_at": web.expires_at if web is not None else None}


def _set_cookie(response, secret: str) -> None:
    secure = current_app.config.get("CASEFLOW_COOKIE_SECURE", True)
    response.set_cookie(session_cookie_name(), secret, max_age=int(auth_web.ABSOLUTE_TIMEOUT.total_seconds()),
                        path="/", secure=secure, httponly=True, samesite="Lax")


def _clear_cookie(response) -> None:
    secure = current_app.config.get("CASEFLOW_COOKIE_SECURE", True)
    response.delete_cookie(session_cookie_name(), path="/", secure=secure, httponly=True, samesite="Lax")


def client_ip() -> str:
    # Behind a reverse proxy, configure werkzeug's ProxyFix so that remote_addr is the client's address.
    return (request.remote_addr or "unknown")[:64]


@blp.route("/login", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, schema=ProblemSchema)
@blp.alt_response(429, schema=ProblemSchema, description="Locked after repeated failures (Retry-After)")
def login(args):
    """Log in with username and password; sets the session cookie and returns the CSRF token.

    JSON only (a cross-site HTML form cannot send it). Five failures for one username within 15 minutes
    lock it for 15 minutes; twenty from one address lock the address.
    """
    if not request.is_json:
        raise Invalid("请以 JSON 格式提交", "login requires application/json")
    outcome = in_transaction(db(), lambda s: auth_web.attempt_login(
        s, args["username"], args["password"], client_ip(), request.headers.get("User-Agent")))
    auth_web.raise_for(outcome)
    response = jsonify(SessionSchema().dump(_session_doc(outcome.principal, "session", outcome.web_session)))
    _set_cookie(response, outcome.secret)
    return response


@blp.route("/logout", methods=["POST"])
@blp.response(204)
def logout():
    """End the browser session (CSRF token required) and clear its cookie."""
    principal = current_principal()
    if g.get("auth_method") == "session":
        session_id = g.web_session_id
        in_transaction(db(), lambda s: auth_web.logout(s, session_id, principal.username))
    response = current_app.response_class(status=204)
    _clear_cookie(response)
    return response


@blp.route("/session")
@blp.response(200, SessionSchema)
@blp.alt_response(401, schema=ProblemSchema)
def session_info():
    """Who I am, my groups and roles; for a browser session also its CSRF token."""
    principal = current_principal()
    web = None
    if g.get("auth_method") == "session":
        session_id = g.web_session_id
        web = in_transaction(db(), lambda s: s.get(WebSession, session_id))
    return _session_doc(principal, g.get("auth_method", "token"), web)


@blp.route("/password", methods=["POST"])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.alt_response(422, schema=ProblemSchema)
def change_password(args):
    """Change my password (policy checked); all my browser sessions end, so I log in again."""
    principal = current_principal()

    def check(s):
        user = identity.get_user(s, principal.username)
        return passwords.verify_password(user.password_hash, args["current_password"])

    if not in_transaction(db(), check):
        outcome = in_transaction(db(), lambda s: auth_web.attempt_login(s, principal.username, "", client_ip()))
        if outcome.status == "locked":
            auth_web.raise_for(outcome)
        raise Invalid("当前密码不正确", "current password is wrong", errors={"current_password": "当前密码不正确"})
    in_transaction(db(), lambda s: identity.set_password(s, principal.username, args["new_password"],
                                                         actor=principal.username))
    response = current_app.response_class(status=204)
    _clear_cookie(response)
    return response


@blp.route("/tokens")
@blp.response(200, TokenSchema(many=True))
def my_tokens():
    """My API tokens (never their secrets)."""
    principal = current_principal()
    return in_transaction(db(), lambda s: [token_dict(t) for t in identity.tokens_of(s, principal.username)])


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenInSchema)
@blp.response(201, NewTokenSchema)
@blp.alt_response(422, schema=ProblemSchema)
def create_my_token(args):
    """Create an API token for myself (at most 365 days); the secret is in the answer, once."""
    principal = current_principal()

    def run(s):
        token, secret = identity.create_token(s, principal.username, args["name"], days=args["days"],
                                              actor=principal.username)
        return dict(token_dict(token), token=secret)
    return in_transaction(db(), run)


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, schema=ProblemSchema)
def revoke_my_token(token_id):
    """Revoke one of my API tokens."""
    principal = current_principal()
    in_transaction(db(), lambda s: identity.revoke_token_of(s, principal.username, token_id, actor=principal.username))
    return current_app.response_class(status=204)

