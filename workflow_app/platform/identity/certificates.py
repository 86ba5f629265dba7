"""Enforcement certificates (行政执法证): who holds a valid one, and the rule that field work needs at least
two certified officers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Conflict, Invalid, NotFound
from workflow_app.platform.identity.directory import get_user
from workflow_app.platform.persistence.models import Certificate, User

FIELD_TEAM_MIN = 2


def add_certificate(session: Session, username: str, number: str, issued_on, expires_on,
                    issuer: str | None = None, actor: str = "system"):
    user = get_user(session, username)
    number = (number or "").strip()
    if not number or len(number) > 64:
        raise Invalid("执法证号不能为空且不超过64位", "certificate number must be 1-64 characters",
                      errors={"number": "执法证号不能为空且不超过64位"})
    if expires_on <= issued_on:
        raise Invalid("有效期截止日须晚于发证日", "expires_on must be after issued_on",
                      errors={"expires_on": "有效期截止日须晚于发证日"})
    if session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        raise Conflict(f"执法证号 {number} 已登记", f"certificate {number} exists")
    cert = Certificate(user_id=user.id, number=number, issuer=issuer, issued_on=issued_on, expires_on=expires_on)
    session.add(cert)
    session.flush()
    audit.record(session, actor, "certificate.add", "user", username,
                 after={"number": number, "issued_on": issued_on.isoformat(), "expires_on": expires_on.isoformat()})
    return cert


def revoke_certificate(session: Session, certificate_id: int, actor: str = "system") -> Certificate:
    """Withdraw a certificate (吊销/注销): it no longer counts as valid; the row stays for the record."""
    cert = session.get(Certificate, certificate_id) if isinstance(certificate_id, int) and 0 < certificate_id < 2**31 else None
    if cert is None:
        raise NotFound("执法证不存在", f"certificate {certificate_id} not found")
    if cert.revoked_at is None:
        cert.revoked_at = clock.now()
        audit.record(session, actor, "certificate.revoke", "user", cert.user.username, before={"number": cert.number})
    return cert


def certificates_of(session: Session, username: str) -> list:
    user = get_user(session, username)
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.expires_on)))


def valid_certificate(session: Session, username: str, on=None):
    """The user's certificate valid on ``on`` (default: today, local), or None."""
    on = on or clock.today_local()
    return session.scalar(select(Certificate).join(User, User.id == Certificate.user_id)
                          .where(User.username == username, User.is_active.is_(True),
                                 Certificate.revoked_at.is_(None), Certificate.issued_on <= on,
                                 Certificate.expires_on >= on).order_by(Certificate.expires_on.desc()).limit(1))


def check_field_team(session: Session, usernames, on=None) -> list[str]:
    """Refuse a field-work team with fewer than two officers holding a valid certificate on ``on``.

    Returns the certified members; raises :class:`Invalid` naming the uncertified ones otherwise.
    """
    names = sorted(set(usernames or []))
    certified = [n for n in names if valid_certificate(session, n, on) is not None]
    if len(certified) < FIELD_TEAM_MIN:
        missing = [n for n in names if n not in certified]
        raise Invalid(f"外勤执法须至少两名持有效执法证的人员（无有效执法证：{'、'.join(missing) or '无'}）",
                      f"field work needs {FIELD_TEAM_MIN} officers with a valid certificate; uncertified: {missing}",
                      errors={"team": "持有效执法证的人员不足两名"})
    return certified
