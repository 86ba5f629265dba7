"""Authentication: argon2 passwords, session cookies, CSRF, throttling and lockout, password policy, tokens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from workflow_app.platform import clock
from workflow_app.entrypoints import demo
from workflow_app.platform.persistence.models import ApiToken, AuditEvent, User, WebSession
from workflow_app.platform.identity import web_login as auth_web, directory as identity
from workflow_app.platform.identity import passwords
from workflow_app.platform.errors import Invalid
from workflow_app.platform.persistence.database import in_transaction


@pytest.fixture
def frozen():
    previous = clock.set_clock(clock.FrozenClock(clock.now()))
    try:
        yield clock.get_clock() if hasattr(clock, "get_clock") else None
    finally:
        clock.set_clock(previous)


def _advance(delta):
    clock.set_clock(clock.FrozenClock(clock.now() + delta))


def test_passwords_are_argon2id(db):
    with db.transaction() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "inspector"))
    assert stored.startswith("$argon2id$") and demo.DEMO_PASSWORD not in stored


def test_login_sets_a_hardened_session_cookie(browser):
    b = browser()
    r = b.login("inspector")
    assert r.status_code == 200
    assert r.json["username"] == "inspector" and r.json["auth_method"] == "session" and r.json["csrf_token"]
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("__Host-caseflow_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie, cookie
    assert "Domain" not in cookie
    me = b.get("/api/auth/session")
    assert me.status_code == 200 and me.json["username"] == "inspector"
    assert me.json["csrf_token"] == r.json["csrf_token"]
    assert b.get("/api/tasks").status_code == 200


def test_session_secret_is_stored_hashed(browser, db):
    b = browser()
    b.login("inspector")
    secret = b.client.get_cookie("__Host-caseflow_session").value
    with db.transaction() as s:
        hashes = s.scalars(select(WebSession.secret_hash)).all()
    assert secret not in hashes and len(hashes) == 1 and len(hashes[0]) == 64


def test_state_changing_session_requests_need_the_csrf_token(browser, client_for, freeze_clock):
    from .conftest import TEST_NOW, open_task, start
    freeze_clock(TEST_NOW)
    case = start(client_for("admin"))
    task = open_task(case)
    b = browser()
    b.login("inspector")
    r = b.post(f"/api/tasks/{task['id']}/claim", csrf=False)
    assert r.status_code == 403 and r.json["type"] == "csrf-failed"
    r = b.post(f"/api/tasks/{task['id']}/claim", csrf=False, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = b.post(f"/api/tasks/{task['id']}/claim", csrf=False, data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert b.get(f"/api/tasks/{task['id']}").json["assignee"] is None  # nothing happened
    r = b.post(f"/api/tasks/{task['id']}/claim")
    assert r.status_code == 200 and r.json["assignee"] == "inspector"
    # bearer-token clients never need it
    assert client_for("inspector").post(f"/api/tasks/{task['id']}/unclaim").status_code == 200


def test_logout_ends_the_session(browser):
    b = browser()
    b.login("inspector")
    assert b.post("/api/auth/logout", csrf=False).status_code == 403  # CSRF protects logout too
    r = b.post("/api/auth/logout")
    assert r.status_code == 204
    assert b.get("/api/tasks").status_code == 401


def test_wrong_password_and_unknown_user_answer_alike(browser):
    b = browser()
    wrong, unknown = b.login("inspector", "Wrong-password-1"), b.login("nobody-here", "Wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"] == "用户名或密码错误"
    assert "Set-Cookie" not in wrong.headers


def test_login_requires_json(app):
    client = app.test_client()
    r = client.post("/api/auth/login", data={"username": "inspector", "password": demo.DEMO_PASSWORD})
    assert 400 <= r.status_code < 500 and "Set-Cookie" not in r.headers


def test_five_failures_lock_the_username_for_fifteen_minutes(browser, client_for, db, frozen):
    b = browser()
    for _ in range(auth_web.USER_MAX_FAILURES):
        assert b.login("inspector", "Wrong-password-1").status_code == 401
    r = b.login("inspector")  # even the right password is refused while locked
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 800
    assert "锁定" in r.json["message"]
    assert browser("10.1.1.1").login("inspector").status_code == 429  # the lock is on the name, any address
    assert browser().login("inspector2").status_code == 200  # others are not affected
    admin_view = client_for("admin").get("/api/admin/users/inspector").json
    assert admin_view["locked_until"] is not None
    _advance(auth_web.LOCKOUT + timedelta(seconds=1))
    assert b.login("inspector").status_code == 200
    with db.transaction() as s:
        actions = [a for a in s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == "inspector",
                                                                        AuditEvent.action.like("auth.%")))]
    assert actions == ["auth.login_failed"] * 5 + ["auth.login_refused"] * 2 + ["auth.login"]


def test_administrator_lifts_a_lockout(browser, client_for):
    b = browser()
    for _ in range(auth_web.USER_MAX_FAILURES):
        b.login("clerk", "Wrong-password-1")
    assert b.login("clerk").status_code == 429
    assert client_for("inspector").post("/api/admin/users/clerk/unlock").status_code == 403
    assert client_for("admin").post("/api/admin/users/clerk/unlock").status_code == 204
    assert b.login("clerk").status_code == 200


def test_failures_from_one_address_lock_the_address(browser):
    attacker = browser("203.0.113.9")
    for i in range(auth_web.IP_MAX_FAILURES):
        assert attacker.login(f"guess{i}", "Wrong-password-1").status_code == 401
    assert attacker.login("inspector").status_code == 429
    assert browser("198.51.100.7").login("inspector").status_code == 200


def test_idle_and_absolute_session_expiry(browser, frozen):
    b = browser()
    b.login("inspector")
    _advance(auth_web.IDLE_TIMEOUT - timedelta(minutes=1))
    assert b.get("/api/tasks").status_code == 200  # activity keeps it alive
    _advance(auth_web.IDLE_TIMEOUT + timedelta(seconds=1))
    assert b.get("/api/tasks").status_code == 401
    b2 = browser()
    b2.login("inspector2")
    for _ in range(int(auth_web.ABSOLUTE_TIMEOUT / timedelta(minutes=20))):
        _advance(timedelta(minutes=20))
        b2.get("/api/tasks")
    assert b2.get("/api/tasks").status_code == 401


@pytest.mark.parametrize("password,ok", [
    ("short1", False), ("onlyletterslong", False), ("12345678901234", False), ("aaaa1111aaaa", False),
    ("inspector-2026x", False), ("password123", False), ("Gl0ria-huanghe", True), ("长江黄河2026abc", True),
    ("x" * 120 + "1", False), ("Aa1" + "b" * 200, False),
])
def test_password_policy(password, ok):
    problems = passwords.password_problems(password, "inspector")
    assert (not problems) == ok, problems


def test_password_change_checks_policy_and_ends_sessions(browser, db):
    b = browser()
    b.login("legal")
    r = b.post("/api/auth/password", json={"current_password": "not-it-123", "new_password": "Gl0ria-huanghe"})
    assert r.status_code == 422 and "current_password" in r.json["errors"]
    r = b.post("/api/auth/password", json={"current_password": demo.DEMO_PASSWORD, "new_password": "short1"})
    assert r.status_code == 422 and "password" in r.json["errors"]
    r = b.post("/api/auth/password", json={"current_password": demo.DEMO_PASSWORD, "new_password": "Gl0ria-huanghe"})
    assert r.status_code == 204
    assert b.get("/api/tasks").status_code == 401
    assert browser().login("legal").status_code == 401
    assert browser().login("legal", "Gl0ria-huanghe").status_code == 200


def test_own_api_tokens_hashed_revocable_expiring(app, client_for, db, frozen):
    me = client_for("inspector")
    r = me.post("/api/auth/tokens", json={"name": "脚本", "days": 1})
    assert r.status_code == 201 and r.json["token"].startswith("cf_")
    secret, token_id = r.json["token"], r.json["id"]
    assert me.post("/api/auth/tokens", json={"name": "太久", "days": 10000}).status_code == 422
    with db.transaction() as s:
        assert secret not in s.scalars(select(ApiToken.token_hash)).all()
    mine = app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert mine.get("/api/tasks", headers=auth).status_code == 200
    listed = me.get("/api/auth/tokens").json
    assert any(t["id"] == token_id for t in listed) and all("token" not in t for t in listed)
    assert client_for("inspector2").delete(f"/api/auth/tokens/{token_id}").status_code == 404  # not theirs
    _advance(timedelta(days=2))
    assert mine.get("/api/tasks", headers=auth).status_code == 401  # expired
    r = me.post("/api/auth/tokens", json={"name": "再来", "days": 30})
    secret2 = r.json["token"]
    assert me.delete(f"/api/auth/tokens/{r.json['id']}").status_code == 204
    assert mine.get("/api/tasks", headers={"Authorization": f"Bearer {secret2}"}).status_code == 401


def test_login_form_csrf_helpers():
    cookie, token = auth_web.issue_login_csrf("k")
    auth_web.check_login_csrf("k", cookie, token)
    for bad in ((None, token), (cookie, None), ("other", token), (cookie, token + "x")):
        with pytest.raises(auth_web.CsrfFailed):
            auth_web.check_login_csrf("k", *bad)
    with pytest.raises(auth_web.CsrfFailed):
        auth_web.check_login_csrf("another-secret", cookie, token)


def test_password_policy_applies_to_user_creation(db):
    with pytest.raises(Invalid):
        in_transaction(db, lambda s: identity.create_user(s, "weak", "弱", "weak"))
