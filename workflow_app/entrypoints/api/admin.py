"""User management for administrators: users, memberships, passwords, lockouts, tokens, certificates.

An administrator manages the users and groups of their own bureau and of the districts below it. A user
with a membership outside that scope is invisible to them (404). Nobody changes their own memberships
or deactivates themselves, and nobody grants rights wider than their own scope: the process-owner role
(installation-wide definitions) only by an administrator of the whole installation.

API tokens are issued only to their own user (``POST /api/auth/tokens``): an administrator who minted a
token for someone else could act as them. The former ``POST /api/admin/users/{u}/tokens`` answers 403;
administrators still list and revoke a user's tokens. ``caseflow token create`` on the server remains the
operator's tool for integration accounts and records the operator (docs/security.md §3).
"""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, or_, select

from workflow_app.entrypoints.api.auth import TokenSchema, token_dict
from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden
from workflow_app.platform.identity import access, administration, certificates, passwords
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import web_login as auth_web
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import Group, Membership, User

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="User management (administrators)")

_USERNAME = validate.Length(min=1, max=64)
_GROUP = validate.Length(min=1, max=200)


class UserQuerySchema(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=64))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CertificateSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    issuer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    valid = fields.Boolean(dump_only=True)


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    is_active = fields.Boolean()
    groups = fields.List(fields.String())
    locked_until = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    password_changed_at = fields.DateTime(allow_none=True)


class UserDetailSchema(UserSchema):
    certificates = fields.List(fields.Nested(CertificateSchema))
    tokens = fields.List(fields.Nested(TokenSchema))


class UserPageSchema(Schema):
    items = fields.List(fields.Nested(UserSchema))
    total = fields.Integer()


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=_USERNAME)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=passwords.PASSWORD_MAX))
    groups = fields.List(fields.String(validate=_GROUP), load_default=list, validate=validate.Length(max=20))


class ActiveSchema(Schema):
    active = fields.Boolean(required=True)


class PasswordSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=passwords.PASSWORD_MAX))


class MembershipSchema(Schema):
    group = fields.String(required=True, validate=_GROUP)


class GroupSchema(Schema):
    key = fields.String()
    name = fields.String()
    bureau = fields.String()
    body = fields.String()
    role = fields.String()


def _admin():
    principal = current_principal()
    access.require_admin(principal)
    return principal


def _scope(s, principal) -> set[str]:
    return access.administered_bureaus(s, principal)


def _managed(s, principal, username) -> User:
    """The user, if every membership they hold lies in the administrator's scope; 404 otherwise."""
    return administration.managed_user(s, principal, username)


def _group_in_scope(s, principal, key: str) -> None:
    administration.group_in_scope(s, principal, key)


def _not_self(principal, username, what: str) -> None:
    administration.not_self(principal, username, what)


def _user_dict(s, user: User, detail=False) -> dict:
    out = {"username": user.username, "display_name": user.display_name, "is_active": user.is_active,
           "groups": identity.user_groups(s, user), "locked_until": auth_web.lock_state(s, user.username),
           "created_at": user.created_at, "password_changed_at": user.password_changed_at}
    if detail:
        today = clock.today_local()
        out["certificates"] = [{"number": c.number, "issuer": c.issuer, "issued_on": c.issued_on,
                                "expires_on": c.expires_on,
                                "valid": c.revoked_at is None and c.issued_on <= today <= c.expires_on}
                               for c in certificates.certificates_of(s, user.username)]
        out["tokens"] = [token_dict(t) for t in identity.tokens_of(s, user.username)]
    return out


@blp.route("/users")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserPageSchema)
@blp.alt_response(403, schema=ProblemSchema)
def list_users(args):
    """Users of my bureau and the districts below it (and users without any membership yet)."""
    principal = _admin()

    def run(s):
        scope = _scope(s, principal)
        outside = (select(Membership.user_id).join(Group, Group.id == Membership.group_id)
                   .where(Group.bureau_code.not_in(sorted(scope))))
        cond = [User.id.not_in(outside)]
        if args.get("q"):
            escaped = args["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cond.append(or_(User.username.like(f"%{escaped}%", escape="\\"),
                            User.display_name.like(f"%{escaped}%", escape="\\")))
        total = s.scalar(select(func.count()).select_from(User).where(*cond))
        rows = s.scalars(select(User).where(*cond).order_by(User.username)
                         .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
        return {"items": [_user_dict(s, u) for u in rows], "total": total}
    return in_transaction(db(), run)


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserDetailSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def create_user(args):
    """Create a user (password policy checked) with memberships in my scope."""
    principal = _admin()

    def run(s):
        for key in args["groups"]:
            _group_in_scope(s, principal, key)
            access.require_can_grant(s, principal, key)
        user = identity.create_user(s, args["username"], args["display_name"], args["password"], actor=principal.username)
        for key in args["groups"]:
            identity.add_membership(s, args["username"], key, actor=principal.username)
        return _user_dict(s, user, detail=True)
    return in_transaction(db(), run)


@blp.route("/users/<string:username>")
@blp.response(200, UserDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_user(username):
    """One user with memberships, lock state, certificates and tokens (never their secrets)."""
    principal = _admin()
    return in_transaction(db(), lambda s: _user_dict(s, _managed(s, principal, username), detail=True))


@blp.route("/users/<string:username>/active", methods=["POST"])
@blp.arguments(ActiveSchema)
@blp.response(200, UserSchema)
@blp.alt_response(404, schema=ProblemSchema)
def set_active(args, username):
    """Deactivate (all sessions and tokens stop working) or reactivate a user."""
    principal = _admin()
    _not_self(principal, username, "停用")

    def run(s):
        _managed(s, principal, username)
        return _user_dict(s, identity.set_active(s, username, args["active"], actor=principal.username))
    return in_transaction(db(), run)


@blp.route("/users/<string:username>/password", methods=["POST"])
@blp.arguments(PasswordSchema)
@blp.response(204)
@blp.alt_response(422, schema=ProblemSchema)
def reset_password(args, username):
    """Set a user's password (policy checked); their browser sessions end."""
    principal = _admin()

    def run(s):
        _managed(s, principal, username)
        identity.set_password(s, username, args["password"], actor=principal.username)
    in_transaction(db(), run)
    return current_app.response_class(status=204)


@blp.route("/users/<string:username>/unlock", methods=["POST"])
@blp.response(204)
@blp.alt_response(404, schema=ProblemSchema)
def unlock(username):
    """Lift a login lockout."""
    principal = _admin()

    def run(s):
        _managed(s, principal, username)
        auth_web.unlock(s, username, principal.username)
    in_transaction(db(), run)
    return current_app.response_class(status=204)


@blp.route("/users/<string:username>/memberships", methods=["POST"])
@blp.arguments(MembershipSchema)
@blp.response(200, UserSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def add_membership(args, username):
    """Add the user to a group ``bureau/body/role`` of my scope."""
    principal = _admin()
    _not_self(principal, username, "修改")

    def run(s):
        _managed(s, principal, username)
        _group_in_scope(s, principal, args["group"])
        access.require_can_grant(s, principal, args["group"])
        identity.add_membership(s, username, args["group"], actor=principal.username)
        return _user_dict(s, identity.get_user(s, username))
    return in_transaction(db(), run)


@blp.route("/users/<string:username>/memberships", methods=["DELETE"])
@blp.arguments(MembershipSchema, location="query")
@blp.response(200, UserSchema)
@blp.alt_response(404, schema=ProblemSchema)
def remove_membership(args, username):
    """Remove the user from a group of my scope."""
    principal = _admin()
    _not_self(principal, username, "修改")

    def run(s):
        _managed(s, principal, username)
        _group_in_scope(s, principal, args["group"])
        identity.remove_membership(s, username, args["group"], actor=principal.username)
        return _user_dict(s, identity.get_user(s, username))
    return in_transaction(db(), run)


@blp.route("/users/<string:username>/tokens", methods=["POST"])
@blp.alt_response(403, schema=ProblemSchema, description="Always: tokens are issued to their own user only")
@blp.doc(deprecated=True)
def create_token(username):
    """Refused (403): an administrator does not mint tokens for others — that would let them act as the user.

    The user creates their own token at ``POST /api/auth/tokens``; for an integration account the operator
    runs ``caseflow token create`` on the server, which records the operator.
    """
    _admin()
    raise Forbidden("API令牌只能由用户本人创建（POST /api/auth/tokens）；集成账号的令牌由运维人员在服务器上用 caseflow token create 创建",
                    "API tokens are issued to their own user only: use POST /api/auth/tokens as that user, "
                    "or `caseflow token create` on the server")


@blp.route("/users/<string:username>/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, schema=ProblemSchema)
def revoke_token(username, token_id):
    """Revoke a user's API token."""
    principal = _admin()

    def run(s):
        _managed(s, principal, username)
        identity.revoke_token_of(s, username, token_id, actor=principal.username)
    in_transaction(db(), run)
    return current_app.response_class(status=204)


@blp.route("/users/<string:username>/certificates", methods=["POST"])
@blp.arguments(CertificateSchema)
@blp.response(201, CertificateSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def add_certificate(args, username):
    """Record an enforcement certificate (行政执法证) with its number and validity."""
    principal = _admin()

    def run(s):
        _managed(s, principal, username)
        c = certificates.add_certificate(s, username, args["number"], args["issued_on"], args["expires_on"],
                                     args.get("issuer"), actor=principal.username)
        today = clock.today_local()
        return {"number": c.number, "issuer": c.issuer, "issued_on": c.issued_on, "expires_on": c.expires_on,
                "valid": c.issued_on <= today <= c.expires_on}
    return in_transaction(db(), run)


@blp.route("/groups")
@blp.response(200, GroupSchema(many=True))
@blp.alt_response(403, schema=ProblemSchema)
def list_groups():
    """Groups of my scope."""
    principal = _admin()

    def run(s):
        scope = _scope(s, principal)
        return [{"key": g.key, "name": g.name, "bureau": g.bureau_code, "body": g.body_kind, "role": g.role}
                for g in s.scalars(select(Group).where(Group.bureau_code.in_(sorted(scope))).order_by(Group.key))]
    return in_transaction(db(), run)
