"""What an administrator does to the organisation, with the administrator's scope applied (docs/security.md
§2): the users, groups and enforcement certificates of their own bureau and the districts below it.

A user with a membership outside the scope is invisible (404); nobody deactivates themselves or changes
their own memberships; a membership that would give rights beyond the administrator's own scope is
refused (:func:`access.require_can_grant`). Every change is audited by the service it calls. The pages of
``entrypoints/web/admin.py`` call these functions; ``entrypoints/api/admin.py`` applies the same scope rules
(:func:`managed_user`, :func:`group_in_scope`, :func:`not_self`).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden, Invalid, NotFound
from workflow_app.platform.identity import access, certificates, passwords
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import web_login
from workflow_app.platform.persistence.models import Certificate, Group, Membership, User

PER_PAGE = 25
#: Certificates expiring within these many days (from the clock's today) are flagged on the list.
EXPIRY_WARNINGS = (30, 90)


def scope(session: Session, p) -> set[str]:
    access.require_admin(p)
    return access.administered_bureaus(session, p)


def managed_user(session: Session, p, username: str) -> User:
    """The user, if every membership they hold lies in ``p``'s scope; 404 otherwise."""
    bureaus = scope(session, p)
    user = session.scalar(select(User).where(User.username == username)) if isinstance(username, str) else None
    if user is None or any(k.split("/")[0] not in bureaus for k in identity.user_groups(session, user)):
        raise NotFound(f"用户 {username} 不存在", f"user {username} not found",
                       english="The user does not exist or is outside your administration")
    return user


def group_in_scope(session: Session, p, key: str) -> Group:
    group = session.scalar(select(Group).where(Group.key == key)) if isinstance(key, str) else None
    if group is None or group.bureau_code not in scope(session, p):
        raise Invalid(f"用户组 {key} 不存在或不在您的管理范围内", f"group {key} not found in your scope",
                      errors={"group": "用户组不存在或不在管理范围内"})
    return group


def not_self(p, username: str, what: str) -> None:
    if p.username == username:
        raise Forbidden(f"不能{what}自己的账户", f"administrators cannot {what} their own account",
                        english="Administrators cannot change their own account here")


def user_view(session: Session, user: User, detail: bool = False) -> dict:
    out = {"username": user.username, "display_name": user.display_name, "is_active": user.is_active,
           "groups": identity.user_groups(session, user), "locked_until": web_login.lock_state(session, user.username),
           "created_at": user.created_at, "password_changed_at": user.password_changed_at,
           "must_change_password": user.must_change_password}
    if detail:
        out["certificates"] = [certificate_view(c) for c in certificates.certificates_of(session, user.username)]
        out["tokens"] = identity.tokens_of(session, user.username)
    return out


def list_users(session: Session, p, q: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """The users ``p`` manages (and users without any membership yet), by username; ``q`` searches the
    username and the name."""
    bureaus = scope(session, p)
    cond = [User.username.in_(access.managed_usernames(bureaus))]
    q = (q or "").strip()[:64]
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cond.append(or_(User.username.like(f"%{escaped}%", escape="\\"),
                        User.display_name.like(f"%{escaped}%", escape="\\")))
    total = session.scalar(select(func.count()).select_from(User).where(*cond)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.scalars(select(User).where(*cond).order_by(User.username)
                           .limit(per_page).offset((page - 1) * per_page))
    return {"items": [user_view(session, u) for u in rows], "total": total, "page": page, "pages": pages, "q": q}


def create_user(session: Session, p, username: str, display_name: str, password: str, groups: list[str]) -> User:
    """A new user with an initial password (the policy checked) and memberships in ``p``'s scope."""
    if not password:
        raise Invalid("请填写初始密码", "initial password required", errors={"password": "请填写初始密码"})
    for key in groups:
        group_in_scope(session, p, key)
        access.require_can_grant(session, p, key)
    user = identity.create_user(session, (username or "").strip(), (display_name or "").strip(), password,
                                actor=p.username)
    for key in groups:
        identity.add_membership(session, user.username, key, actor=p.username)
    return user


def set_active(session: Session, p, username: str, active: bool) -> User:
    not_self(p, username, "停用")
    managed_user(session, p, username)
    return identity.set_active(session, username, active, actor=p.username)


def unlock(session: Session, p, username: str) -> None:
    managed_user(session, p, username)
    web_login.unlock(session, username, p.username)


def reset_password(session: Session, p, username: str, password: str | None = None) -> str | None:
    """Set ``password`` (policy checked) or, without one, a generated one-time password, which is returned
    to be shown once. The user's browser sessions end, and their next one sets a new password first
    (``must_change_password``, :func:`directory.set_password`)."""
    managed_user(session, p, username)
    generated = None if password else passwords.generate_password(username)
    identity.set_password(session, username, password or generated, actor=p.username)
    return generated


def add_member(session: Session, p, username: str, key: str) -> None:
    not_self(p, username, "修改")
    managed_user(session, p, username)
    group_in_scope(session, p, key)
    access.require_can_grant(session, p, key)
    identity.add_membership(session, username, key, actor=p.username)


def remove_member(session: Session, p, username: str, key: str) -> None:
    not_self(p, username, "修改")
    managed_user(session, p, username)
    group_in_scope(session, p, key)
    identity.remove_membership(session, username, key, actor=p.username)


def groups(session: Session, p, bureau: str | None = None) -> list[dict]:
    """The groups of ``p``'s scope (optionally of one bureau) with their members, by bureau, body, role."""
    bureaus = scope(session, p)
    cond = [Group.bureau_code.in_(sorted(bureaus))]
    if bureau:
        cond.append(Group.bureau_code == bureau)
    rows = list(session.scalars(select(Group).where(*cond).order_by(Group.bureau_code, Group.body_kind, Group.role)))
    members: dict[int, list[tuple[str, str]]] = {}
    for group_id, username, name in session.execute(
            select(Membership.group_id, User.username, User.display_name).join(User, User.id == Membership.user_id)
            .where(Membership.group_id.in_([g.id for g in rows])).order_by(User.username)):
        members.setdefault(group_id, []).append((username, name))
    return [{"key": g.key, "bureau": g.bureau_code, "body": g.body_kind, "role": g.role,
             "members": [{"username": u, "display_name": n} for u, n in members.get(g.id, [])]} for g in rows]


def certificate_view(cert: Certificate, today: date | None = None) -> dict:
    """A certificate with its state on ``today``: revoked, expired, expiring (within 30 or 90 days), valid
    (or not yet valid)."""
    today = today or clock.today_local()
    if cert.revoked_at is not None:
        state = "revoked"
    elif cert.expires_on < today:
        state = "expired"
    elif cert.issued_on > today:
        state = "not_yet_valid"
    elif cert.expires_on <= today + timedelta(days=EXPIRY_WARNINGS[0]):
        state = "expiring_30"
    elif cert.expires_on <= today + timedelta(days=EXPIRY_WARNINGS[1]):
        state = "expiring_90"
    else:
        state = "valid"
    return {"id": cert.id, "number": cert.number, "issuer": cert.issuer, "issued_on": cert.issued_on,
            "expires_on": cert.expires_on, "revoked_at": cert.revoked_at, "state": state,
            "days_left": (cert.expires_on - today).days}


def certificate_list(session: Session, p, state: str | None = None) -> list[dict]:
    """The certificates of the users ``p`` manages, soonest expiry first; ``state`` filters (``warning``:
    expired or expiring within 90 days)."""
    bureaus = scope(session, p)
    today = clock.today_local()
    rows = session.execute(select(Certificate, User.username, User.display_name).join(User, User.id == Certificate.user_id)
                           .where(User.username.in_(access.managed_usernames(bureaus)))
                           .order_by(Certificate.expires_on, Certificate.number)).all()
    out = []
    for cert, username, name in rows:
        view = {**certificate_view(cert, today), "username": username, "display_name": name}
        if state == "warning" and view["state"] not in ("expired", "expiring_30", "expiring_90"):
            continue
        out.append(view)
    return out


def add_certificate(session: Session, p, username: str, number: str, issued_on: date | None,
                    expires_on: date | None, issuer: str | None = None) -> Certificate:
    managed_user(session, p, username)
    errors = {}
    if issued_on is None:
        errors["issued_on"] = "请填写发证日期"
    if expires_on is None:
        errors["expires_on"] = "请填写有效期截止日"
    if errors:
        raise Invalid("执法证信息不完整：" + "；".join(errors.values()), "issued_on and expires_on are required",
                      errors=errors)
    return certificates.add_certificate(session, username, number, issued_on, expires_on,
                                        (issuer or "").strip() or None, actor=p.username)


def revoke_certificate(session: Session, p, certificate_id: int) -> Certificate:
    cert = session.get(Certificate, certificate_id) if isinstance(certificate_id, int) and 0 < certificate_id < 2**31 else None
    if cert is None:
        raise NotFound("执法证不存在", f"certificate {certificate_id} not found")
    managed_user(session, p, cert.user.username)
    return certificates.revoke_certificate(session, certificate_id, actor=p.username)
