"""Users, groups, memberships and API tokens; turning a bearer token into a :class:`Principal`. Passwords are
:mod:`workflow_app.platform.identity.passwords`, enforcement certificates
:mod:`workflow_app.platform.identity.certificates`."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.engine.conventions import group_key
from workflow_app.platform.organisation import BODIES, BUREAU_WIDE_BODY, ROLES
from workflow_app.platform.identity.passwords import check_password_policy, hash_password, verify_password
from workflow_app.platform.persistence.models import ApiToken, Body, Bureau, Group, Membership, User, WebSession
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Conflict, Invalid, NotFound, Unauthenticated

#: Pseudo-body for bureau-wide roles (process owners, administrators).
BUREAU_WIDE = BUREAU_WIDE_BODY

TOKEN_PREFIX = "cf_"


@dataclass(frozen=True)
class Principal:
    """Who is acting, with the groups the inbox and access rules need."""

    username: str
    display_name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    #: The user's password was chosen by someone else: browser pages send them to 设置新密码 first.
    must_change_password: bool = False

    def _parts(self) -> list[tuple[str, str, str]]:
        return [tuple(key.split("/", 2)) for key in self.groups if key.count("/") == 2]  # type: ignore[misc]

    def roles(self) -> set[str]:
        return {role for _, _, role in self._parts()}

    def has_role(self, role: str) -> bool:
        return role in self.roles()

    def bureaus_with_role(self, role: str) -> set[str]:
        return {bureau for bureau, _, r in self._parts() if r == role}

    def bodies(self) -> set[tuple[str, str]]:
        """(bureau, body) pairs this user is a member of (any role); bureau-wide roles are not bodies."""
        return {(bureau, body) for bureau, body, _ in self._parts() if body != BUREAU_WIDE}

    @property
    def is_admin(self) -> bool:
        return self.has_role("administrator")

    @property
    def is_process_owner(self) -> bool:
        """Process owners deploy definitions. Administrators do not (separation of duties)."""
        return self.has_role("process_owner")

    def supervised_scopes(self) -> set[tuple[str, str | None]]:
        """(bureau, body) pairs whose tasks this user supervises; body None means the whole bureau."""
        scopes: set[tuple[str, str | None]] = set()
        for bureau, body, role in self._parts():
            if role == "division_head":
                scopes.add((bureau, body))
            elif role == "leadership":
                scopes.add((bureau, None))
        return scopes


SYSTEM = Principal("system", "系统", frozenset())



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
    _parent_cache.pop(str(session.get_bind().url), None)
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


def chosen_by_someone_else(actor: str, username: str) -> bool:
    """A password set by a person other than the user (an administrator, the ``cli`` operator) is known to
    that person: the user must replace it. The ``system`` actor (demo and test seeding) sets none to replace."""
    return actor not in (username, SYSTEM.username)


def create_user(session: Session, username: str, display_name: str, password: str | None = None,
                actor: str = "system", must_change_password: bool | None = None) -> User:
    """A new user; with an initial password (policy checked) chosen by ``actor``, who is not the user, the
    user replaces it at the first login unless ``must_change_password`` says otherwise."""
    if not isinstance(username, str) or not username or len(username) > 64 or not username.isascii() \
            or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise Invalid("用户名只能包含字母、数字、点、下划线和连字符", f"invalid username {username!r}")
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在", f"user {username} exists")
    if not display_name or len(display_name) > 200:
        raise Invalid("姓名不能为空且不超过200字", "display_name must be 1-200 characters",
                      errors={"display_name": "姓名不能为空且不超过200字"})
    if password is not None:
        check_password_policy(password, username)
    now = clock.now()
    user = User(username=username, display_name=display_name,
                password_hash=hash_password(password) if password else None, is_active=True, created_at=now,
                password_changed_at=now if password else None,
                must_change_password=bool(password) and (chosen_by_someone_else(actor, username)
                                                         if must_change_password is None else must_change_password))
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


MAX_TOKEN_DAYS = 365


def create_token(session: Session, username: str, name: str, days: int | None = 90,
                 actor: str = "system") -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret (shown once, stored only as a hash).

    The API issues tokens to the caller's own user only (``actor == username``). Any other issuer — the
    operator's ``caseflow token create``, demo seeding — is named in the audit event (``issued_by``), so a
    token someone else minted is always on record as such (docs/security.md §3).
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found")
    if not name or len(name) > 100:
        raise Invalid("令牌名称不能为空且不超过100字", "token name must be 1-100 characters",
                      errors={"name": "令牌名称不能为空且不超过100字"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(secret), prefix=secret[:10],
                     created_at=now, expires_at=now + timedelta(days=days) if days else None)
    session.add(token)
    session.flush()
    after = {"token": token.prefix, "name": name,
             "expires_at": token.expires_at.isoformat() if token.expires_at else None}
    if actor != username:
        after["issued_by"] = actor
    audit.record(session, actor, "token.create", "user", username, after=after)
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
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("登录已失效，请重新登录", "invalid, expired or revoked token")
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
    return Principal(user.username, user.display_name, frozenset(keys), bool(user.must_change_password))


def principal_by_username(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found")
    return principal_for(session, user)


def user_exists(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username, User.is_active.is_(True))) is not None


#: bureau code -> parent code, per database; bureaus are added rarely and never re-parented, so every
#: engine step need not re-read the table (another process's new bureau is seen within the TTL).
_PARENT_TTL_SECONDS = 30.0
_parent_cache: dict[str, tuple[float, dict[str, str | None]]] = {}


def parent_map(session: Session) -> dict[str, str | None]:
    key = str(session.get_bind().url)
    cached = _parent_cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _PARENT_TTL_SECONDS:
        return cached[1]
    rows = session.execute(select(Bureau.code, Bureau.parent_id, Bureau.id)).all()
    by_id = {row.id: row.code for row in rows}
    parents = {row.code: by_id.get(row.parent_id) for row in rows}
    _parent_cache[key] = (now, parents)
    return parents


def bureau_names(session: Session) -> dict[str, str]:
    """Every bureau's name by its code (what a group's label starts with)."""
    return dict(session.execute(select(Bureau.code, Bureau.name)).all())


def display_names(session: Session) -> dict[str, str]:
    """Every user's display name by login (pages show people by name, never by login)."""
    return dict(session.execute(select(User.username, User.display_name)).all())


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username)) if isinstance(username, str) else None
    if user is None:
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found")
    return user


def bureau_subtree(session: Session, codes: set[str]) -> set[str]:
    """``codes`` and every bureau below them (districts of a city)."""
    parents = parent_map(session)
    out = set(codes)
    changed = True
    while changed:
        changed = False
        for code, parent in parents.items():
            if parent in out and code not in out:
                out.add(code)
                changed = True
    return out


def user_groups(session: Session, user: User) -> list[str]:
    return sorted(session.scalars(select(Group.key).join(Membership, Membership.group_id == Group.id)
                                  .where(Membership.user_id == user.id)))


def remove_membership(session: Session, username: str, key: str, actor: str = "system") -> None:
    user = get_user(session, username)
    group = session.scalar(select(Group).where(Group.key == key))
    membership = group and session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                                    Membership.group_id == group.id))
    if not membership:
        raise NotFound(f"{username} 不是用户组 {key} 的成员", f"{username} is not a member of {key}")
    session.delete(membership)
    session.flush()
    audit.record(session, actor, "membership.remove", "user", username, before={"group": key})


def set_active(session: Session, username: str, active: bool, actor: str = "system") -> User:
    user = get_user(session, username)
    if user.is_active != active:
        before = {"is_active": user.is_active}
        user.is_active = active
        if not active:
            _revoke_sessions(session, user)
        audit.record(session, actor, "user.activate" if active else "user.deactivate", "user", username,
                     before=before, after={"is_active": active})
    return user


def set_password(session: Session, username: str, password: str, actor: str = "system",
                 keep_session: int | None = None) -> User:
    """Set a new password (policy checked); every browser session of the user ends but ``keep_session``
    (the one the user changed it in). A password set by someone else than the user must be replaced at
    the next login (:func:`chosen_by_someone_else`); the user setting their own clears that."""
    user = get_user(session, username)
    check_password_policy(password, username)
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    user.must_change_password = chosen_by_someone_else(actor, username)
    _revoke_sessions(session, user, keep=keep_session)
    audit.record(session, actor, "user.password", "user", username,
                 after={"changed": True, "must_change_password": user.must_change_password})
    return user


_CHANGE_ERRORS_EN = {"current_password": "The current password is not correct",
                     "new_password": "Enter a new password that differs from the current one",
                     "repeat_password": "The two new passwords do not match"}


def change_own_password(session: Session, username: str, current: str, new: str, repeat: str,
                        keep_session: int | None = None) -> User:
    """The user replaces their password: the current one proves it is them (an unattended signed-in
    browser is not enough), the new one is typed twice and meets the policy. Their other browser sessions
    end; ``keep_session`` (this one) continues. Audited as ``user.password_changed``."""
    user = get_user(session, username)
    errors = {}
    if not isinstance(current, str) or not verify_password(user.password_hash, current):
        errors["current_password"] = "当前密码不正确"
    if not isinstance(new, str) or not new:
        errors["new_password"] = "请填写新密码"
    elif new != repeat:
        errors["repeat_password"] = "两次输入的新密码不一致"
    elif not errors and new == current:
        errors["new_password"] = "新密码不能与当前密码相同"
    if errors:
        raise Invalid("；".join(errors.values()), "password not changed: " + ", ".join(errors), errors=errors,
                      english=_CHANGE_ERRORS_EN[next(iter(errors))])
    check_password_policy(new, username)
    was_required = user.must_change_password
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    user.must_change_password = False
    _revoke_sessions(session, user, keep=keep_session)
    audit.record(session, username, "user.password_changed", "user", username,
                 before={"must_change_password": was_required}, after={"must_change_password": False})
    return user


def _revoke_sessions(session: Session, user: User, keep: int | None = None) -> None:
    now = clock.now()
    for web in session.scalars(select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))):
        if web.id != keep:
            web.revoked_at = now


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    user = get_user(session, username)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token_of(session: Session, username: str, token_id: int, actor: str) -> ApiToken:
    user = get_user(session, username)
    token = session.get(ApiToken, token_id) if isinstance(token_id, int) and 0 < token_id < 2**31 else None
    if token is None or token.user_id != user.id:
        raise NotFound("令牌不存在", f"token {token_id} not found")
    return revoke_token(session, token.prefix, actor=actor) if token.revoked_at is None else token


def supervisors_of(session: Session, bureau: str, body: str) -> list[str]:
    """Usernames supervising ``body`` in ``bureau``: its division heads, then the bureau's leadership."""
    keys = [group_key(bureau, body, "division_head"), group_key(bureau, "leadership", "leadership")]
    rows = session.execute(select(User.username, Group.key).join(Membership, Membership.user_id == User.id)
                           .join(Group, Group.id == Membership.group_id)
                           .where(Group.key.in_(keys), User.is_active.is_(True))).all()
    return [u for k in keys for u, key in sorted(rows) if key == k]
