"""Browser authentication: password login with throttling and lockout, server-side sessions, CSRF.

* Passwords: argon2id (:mod:`services.identity`). An unknown user costs the same hash verification as a
  known one, and both answer the same message, so a login never tells whether an account exists.
* Throttling (in the database, so every application process agrees): per username, 5 failures within
  15 minutes lock the name for 15 minutes; per client address, 20 failures lock the address. A locked
  login is refused before the password is looked at (HTTP 429 with ``Retry-After``). Every attempt —
  success, failure, refusal — is an audit event on the global chain.
* Sessions: the cookie carries 256 random bits; the database keeps only their SHA-256, with the user,
  the CSRF token, idle (30 min) and absolute (12 h) expiry; logout, a password change or deactivating
  the user ends them. Cookie: ``__Host-caseflow_session``, ``Secure``, ``HttpOnly``, ``SameSite=Lax``,
  ``Path=/`` (without ``Secure`` only when ``CASEFLOW_INSECURE_COOKIES=1``, for plain-HTTP development).
* CSRF: every state-changing request authenticated by the session cookie must carry the session's token
  in ``X-CSRF-Token`` (htmx: ``hx-headers``) or a ``csrf_token`` form field. Requests with a bearer token
  need none (a browser never adds that header by itself). The login form itself is protected by a signed
  double-submit token (:func:`issue_login_csrf` / :func:`check_login_csrf`); the JSON login API requires
  ``application/json``, which a cross-site form cannot send.
* Redirect targets taken from the request (``?next=`` on the login and language pages) go through
  :func:`safe_next`: only a same-site path survives, anything else becomes ``/`` (docs/security.md §3).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.models import LoginThrottle, User, WebSession
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import passwords
from workflow_app.platform.errors import DomainError, Unauthenticated
from workflow_app.platform.identity.directory import Principal

SESSION_COOKIE = "__Host-caseflow_session"
INSECURE_SESSION_COOKIE = "caseflow_session"
LOGIN_CSRF_COOKIE = "caseflow_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)

USER_MAX_FAILURES = 5
IP_MAX_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

_DUMMY_HASH: str | None = None


class LoginLocked(DomainError):
    status, type, title = 429, "login-locked", "Too many failed logins"


class CsrfFailed(DomainError):
    status, type, title = 403, "csrf-failed", "CSRF token missing or invalid"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user_key(username: str) -> str:
    return (username or "").strip().lower()[:128]


# ------------------------------------------------------------------------------------------------
# Throttling
# ------------------------------------------------------------------------------------------------

def _throttle_row(session: Session, kind: str, key: str, now: datetime) -> LoginThrottle:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(kind=kind, key=key, failures=0, window_start=now, locked_until=None)
                    .on_conflict_do_nothing(index_elements=["kind", "key"]))
    return session.execute(select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
                           .with_for_update().execution_options(populate_existing=True)).scalar_one()


def _locked_until(session: Session, kind: str, key: str, now: datetime) -> datetime | None:
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key))
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def _register_failure(session: Session, kind: str, key: str, limit: int, now: datetime) -> datetime | None:
    row = _throttle_row(session, kind, key, now)
    if now - row.window_start > FAILURE_WINDOW:
        row.failures, row.window_start = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until, row.failures, row.window_start = now + LOCKOUT, 0, now
        return row.locked_until
    return None


def _clear(session: Session, kind: str, key: str) -> None:
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key))
    if row is not None:
        row.failures, row.locked_until = 0, None


def unlock(session: Session, username: str, actor: str) -> None:
    identity.get_user(session, username)
    _clear(session, "user", _user_key(username))
    audit.record(session, actor, "auth.unlock", "user", username)


def lock_state(session: Session, username: str) -> datetime | None:
    return _locked_until(session, "user", _user_key(username), clock.now())


# ------------------------------------------------------------------------------------------------
# Login, sessions, logout
# ------------------------------------------------------------------------------------------------

@dataclass
class LoginOutcome:
    status: str  # ok | failed | locked
    principal: Principal | None = None
    web_session: WebSession | None = None
    secret: str | None = None
    retry_after: int | None = None


def _verify(user: User | None, password: str) -> bool:
    global _DUMMY_HASH
    if user is None or not user.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16))
        passwords.verify_password(_DUMMY_HASH, password)  # same cost as a real check
        return False
    return passwords.verify_password(user.password_hash, password)


def attempt_login(session: Session, username: str, password: str, ip: str | None,
                  user_agent: str | None = None) -> LoginOutcome:
    """One login attempt; the caller commits whatever the outcome (failures must be counted)."""
    now = clock.now()
    key, ip_key = _user_key(username), (ip or "unknown")[:128]
    locked = max(filter(None, [_locked_until(session, "user", key, now), _locked_until(session, "ip", ip_key, now)]),
                 default=None)
    if locked is not None:
        audit.record(session, username, "auth.login_refused", "user", username,
                     after={"reason": "locked", "ip": ip_key, "until": locked.isoformat()})
        return LoginOutcome("locked", retry_after=max(1, int((locked - now).total_seconds())))
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if not _verify(user, password or "") or not user.is_active:
        until = _register_failure(session, "user", key, USER_MAX_FAILURES, now)
        ip_until = _register_failure(session, "ip", ip_key, IP_MAX_FAILURES, now)
        audit.record(session, username, "auth.login_failed", "user", username,
                     after={"ip": ip_key, "locked_until": until.isoformat() if until else None,
                            "ip_locked_until": ip_until.isoformat() if ip_until else None})
        return LoginOutcome("failed")
    _clear(session, "user", key)
    secret = secrets.token_urlsafe(32)
    web = WebSession(user_id=user.id, secret_hash=_hash(secret), csrf_token=secrets.token_urlsafe(32),
                     created_at=now, last_seen_at=now, expires_at=now + ABSOLUTE_TIMEOUT,
                     ip=ip_key[:64], user_agent=(user_agent or "")[:300] or None)
    session.add(web)
    session.flush()
    audit.record(session, user.username, "auth.login", "user", user.username,
                 after={"ip": ip_key, "session": web.id})
    return LoginOutcome("ok", identity.principal_for(session, user), web, secret)


def raise_for(outcome: LoginOutcome) -> None:
    if outcome.status == "locked":
        minutes = max(1, (outcome.retry_after or 60) // 60)
        raise LoginLocked(f"登录失败次数过多，已临时锁定，请{minutes}分钟后再试",
                          "too many failed logins; try again later", retry_after=outcome.retry_after)
    if outcome.status == "failed":
        raise Unauthenticated("用户名或密码错误", "invalid username or password")


def authenticate_session(session: Session, secret: str) -> tuple[Principal, WebSession]:
    if not secret or len(secret) > 200:
        raise Unauthenticated("登录已失效，请重新登录", "no valid session")
    web = session.scalar(select(WebSession).where(WebSession.secret_hash == _hash(secret)))
    now = clock.now()
    if web is None or web.revoked_at is not None or web.expires_at <= now \
            or web.last_seen_at + IDLE_TIMEOUT <= now or not web.user.is_active:
        raise Unauthenticated("登录已失效，请重新登录", "session expired, revoked or unknown")
    if now - web.last_seen_at > TOUCH_EVERY:
        web.last_seen_at = now
    return identity.principal_for(session, web.user), web


def logout(session: Session, session_id: int, actor: str) -> None:
    web = session.get(WebSession, session_id)
    if web is not None and web.revoked_at is None:
        web.revoked_at = clock.now()
        audit.record(session, actor, "auth.logout", "user", actor, after={"session": web.id})


def csrf_token_of(session: Session, session_id: int) -> str:
    """The CSRF token of a browser session, which its pages carry on every state-changing request."""
    return session.get(WebSession, session_id).csrf_token


def check_csrf(web: WebSession, supplied: str | None) -> None:
    if not supplied or not hmac.compare_digest(str(supplied).encode(), web.csrf_token.encode()):
        raise CsrfFailed("页面已过期或请求来源不可信，请刷新页面后重试", "missing or invalid CSRF token")


# ------------------------------------------------------------------------------------------------
# Redirect targets
# ------------------------------------------------------------------------------------------------

#: Longest redirect target kept; anything longer is not a link a page of ours produced.
MAX_NEXT = 2000
#: Rounds of percent-decoding looked through (``%252F`` is ``%2F`` is ``/``).
_DECODE_ROUNDS = 4


def _control(ch: str) -> bool:
    # Control characters (TAB, CR, LF …), line/paragraph separators and invisible format characters:
    # browsers strip TAB/CR/LF from URLs ("/\t/evil" becomes "//evil"), a CR/LF cannot go into a header
    # (werkzeug raises, which was a 500), and none of them is in a link this application produces.
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def _unsafe_char(ch: str) -> bool:
    return ch.isspace() or _control(ch)


def safe_next(url: object) -> str:
    """``url`` if it is a same-site path (``/inbox?tab=mine``), otherwise ``/``.

    Accepted: a string starting with exactly one ``/`` — not ``//`` (scheme-relative: another host),
    not ``/\\`` nor any backslash (browsers read ``\\`` as ``/``) — without scheme or host, and without
    control characters or whitespace. The same checks apply to every percent-decoded form of the value
    (where only a space inside the query is tolerated), so an encoded ``%2F%09%2Fevil.example`` is refused
    as well. Refused values are not repaired: a target that needs repairing did not come from our pages.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_NEXT:
        return "/"
    forms, current = [url], url
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(current)
        if decoded == current:
            break
        forms.append(decoded)
        current = decoded
    if any(map(_unsafe_char, url)):
        return "/"
    for form in forms:
        # A decoded form may hold a space in its query (``?employer=某%20公司`` from our own links): only
        # the path part must be free of whitespace; control characters are refused anywhere.
        path = form.split("?", 1)[0].split("#", 1)[0]
        if not form.startswith("/") or form.startswith("//") or "\\" in form or any(map(_control, form)) \
                or any(map(_unsafe_char, path)):
            return "/"
        try:
            parts = urlsplit(form)
        except ValueError:
            return "/"
        if parts.scheme or parts.netloc:
            return "/"
    return url


# ------------------------------------------------------------------------------------------------
# Login form CSRF (double submit, signed): for the server-rendered login page
# ------------------------------------------------------------------------------------------------

def _serializer(secret_key: str):
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(secret_key, salt="caseflow-login-csrf")


def issue_login_csrf(secret_key: str) -> tuple[str, str]:
    """(cookie value, form token) for a login form; put the cookie on the response, the token in the form."""
    nonce = secrets.token_urlsafe(24)
    return nonce, _serializer(secret_key).dumps(nonce)


def check_login_csrf(secret_key: str, cookie_value: str | None, form_token: str | None, max_age: int = 3600) -> None:
    from itsdangerous import BadSignature
    try:
        nonce = _serializer(secret_key).loads(form_token or "", max_age=max_age)
    except BadSignature:
        nonce = None
    if not nonce or not cookie_value or not hmac.compare_digest(str(nonce), str(cookie_value)):
        raise CsrfFailed("页面已过期，请刷新登录页后重试", "login form CSRF token missing or invalid")


__all__ = ["safe_next", "attempt_login", "authenticate_session", "logout", "check_csrf", "issue_login_csrf",
           "check_login_csrf", "LoginLocked", "CsrfFailed", "raise_for", "unlock", "lock_state"]
