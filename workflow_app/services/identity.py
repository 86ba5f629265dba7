"""Users, groups, memberships and API tokens; turning a bearer token into a :class:`Principal`."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..engine.conventions import BODIES, ROLES, SUPERVISOR_ROLES, group_key
from ..models import ApiToken, Body, Bureau, Group, Membership, User
from . import audit
from .errors import Conflict, Invalid, NotFound, Unauthenticated

_hasher = PasswordHasher()

#: Pseudo-body for bureau-wide roles (process owners, administrators).
BUREAU_WIDE = "bureau"

TOKEN_PREFIX = "cf_"


@dataclass(frozen=True)
class Principal:
    """Who is acting, with the groups the inbox and access rules need."""

    username: str
    display_name: str
    groups: frozenset[str] = field(default_factory=frozenset)

    def roles(self) -> set[str]:
        return {key.rsplit("/", 1)[1] for key in self.groups}

    def has_role(self, role: str) -> bool:
        return role in self.roles()

    @property
    def is_admin(self) -> bool:
        return self.has_role("administrator")

    @property
    def is_process_owner(self) -> bool:
        return self.has_role("process_owner") or self.is_admin

    def supervised_scopes(self) -> set[tuple[str, str | None]]:
        """(bureau, body) pairs whose tasks this user supervises; body None means the whole bureau."""
        scopes: set[tuple[str, str | None]] = set()
        for key in self.groups:
            bureau, body, role = key.split("/")
            if role == "division_head":
                scopes.add((bureau, body))
            elif role == "leadership":
                scopes.add((bureau, None))
        return scopes


SYSTEM = Principal("system", "系统", frozenset())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str) -> None:
    if len(password) < 10 or not any(c.isdigit() for c in password) or not any(c.isalpha() for c in password):
        raise Invalid("密码至少10位，且须同时包含字母和数字", "password must be at least 10 characters with letters and digits",
                      errors={"password": "密码至少10位，且须同时包含字母和数字"})


def create_bureau(session: Session, code: str, name: str, level: str, parent_code: str | None = None) -> Bureau:
    if level not in ("city", "district"):
        raise Invalid("级别只能是市级或区县级", f"level must be city or district, not {level!r}")
    if session.scalar(select(Bureau).where(Bureau.code == code)):
        raise Conflict(f"机构代码 {code} 已存在", f"bureau {code} exists")
    parent = None
    if parent_code:
        parent = session.scalar(select(Bureau).where(Bureau.code == parent_code))
        if parent is None:
            raise NotFound(f"上级机构 {parent_code} 不存在", f"bureau {parent_code} not found")
    bureau = Bureau(code=code, name=name, level=level, parent=parent)
    session.add(bureau)
    session.flush()
    return bureau


def create_body(session: Session, bureau_code: str, kind: str, name: str) -> Body:
    if kind not in BODIES:
        raise Invalid(f"未知机构类型 {kind}", f"unknown body kind {kind!r}")
    bureau = session.scalar(select(Bureau).where(Bureau.code == bureau_code))
    if bureau is None:
        raise NotFound(f"机构 {bureau_code} 不存在", f"bureau {bureau_code} not found")
    body = Body(bureau_id=bureau.id, kind=kind, name=name)
    session.add(body)
    session.flush()
    return body


def ensure_group(session: Session, bureau_code: str, body_kind: str, role: str, name: str | None = None) -> Group:
    if body_kind not in BODIES and body_kind != BUREAU_WIDE:
        raise Invalid(f"未知机构类型 {body_kind}", f"unknown body kind {body_kind!r}")
    if role not in ROLES:
        raise Invalid(f"未知角色 {role}", f"unknown role {role!r}")
    if session.scalar(select(Bureau).where(Bureau.code == bureau_code)) is None:
        raise NotFound(f"机构 {bureau_code} 不存在", f"bureau {bureau_code} not found")
    key = group_key(bureau_code, body_kind, role)
    group = session.scalar(select(Group).where(Group.key == key))
    if group is None:
        group = Group(key=key, name=name or key, bureau_code=bureau_code, body_kind=body_kind, role=role)
        session.add(group)
        session.flush()
    return group


def create_user(session: Session, username: str, display_name: str, password: str | None = None,
                actor: str = "system") -> User:
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise Invalid("用户名只能包含字母、数字、点、下划线和连字符", f"invalid username {username!r}")
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在", f"user {username} exists")
    if password is not None:
        check_password_policy(password)
    user = User(username=username, display_name=display_name,
                password_hash=hash_password(password) if password else None, is_active=True, created_at=clock.now())
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", username, after={"display_name": display_name})
    return user


def add_membership(session: Session, username: str, key: str, actor: str = "system") -> Membership:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found")
    group = session.scalar(select(Group).where(Group.key == key))
    if group is None:
        raise NotFound(f"用户组 {key} 不存在", f"group {key} not found")
    existing = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id))
    if existing:
        return existing
    membership = Membership(user_id=user.id, group_id=group.id)
    session.add(membership)
    session.flush()
    audit.record(session, actor, "membership.add", "user", username, after={"group": key})
    return membership


def create_token(session: Session, username: str, name: str, days: int | None = 90,
                 actor: str = "system") -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret (shown once, stored only as a hash)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(secret), prefix=secret[:10],
                     created_at=now, expires_at=now + timedelta(days=days) if days else None)
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.create", "user", username, after={"token": token.prefix, "name": name})
    return token, secret


def revoke_token(session: Session, prefix: str, actor: str = "system") -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None:
        raise NotFound("令牌不存在", f"token {prefix} not found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record(session, actor, "token.revoke", "user", token.user.username, after={"token": prefix})
    return token


def _token_hash(secret: str) -> str:
    # Tokens are 256-bit random: a fast hash is enough (no dictionary to attack), unlike passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate_token(session: Session, secret: str) -> Principal:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    now = clock.now()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now) \
            or not token.user.is_active:
        raise Unauthenticated("登录已失效，请重新登录", "invalid, expired or revoked token")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # coarse, to avoid a write per request
    return principal_for(session, token.user)


def principal_for(session: Session, user: User) -> Principal:
    keys = session.scalars(select(Group.key).join(Membership, Membership.group_id == Group.id)
                           .where(Membership.user_id == user.id)).all()
    return Principal(user.username, user.display_name, frozenset(keys))


def principal_by_username(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found")
    return principal_for(session, user)


def user_exists(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username, User.is_active.is_(True))) is not None


def parent_map(session: Session) -> dict[str, str | None]:
    rows = session.execute(select(Bureau.code, Bureau.parent_id, Bureau.id)).all()
    by_id = {row.id: row.code for row in rows}
    return {row.code: by_id.get(row.parent_id) for row in rows}


def is_supervisor_role(role: str) -> bool:
    return role in SUPERVISOR_ROLES


def now() -> datetime:
    return clock.now()
