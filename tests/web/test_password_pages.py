"""设置新密码 / 修改密码 (entrypoints/web/login.py) on both databases: a user whose password an administrator
chose (reset or initial password) is sent to 设置新密码 from every page until they set one; refusals are in
Chinese and change nothing; any signed-in user changes their own password from the user menu."""
from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from tests.test_web import _login
from workflow_app.entrypoints import demo
from workflow_app.entrypoints.web.login import OPEN_WHILE_CHANGING, PAGE_BLUEPRINTS
from workflow_app.platform.identity import passwords
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import AuditEvent, User

NEW = "Huanghe-2027-xin"


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _state(db, username):
    def read(s):
        user = s.scalar(select(User).where(User.username == username))
        return user.must_change_password, user.password_hash
    return in_transaction(db, read)


def _sign_in(app, username, password):
    client = app.test_client()
    answer = client.post("/login", data={"csrf_token": _token(client.get("/login").text), "username": username,
                                         "password": password})
    assert answer.status_code == 302, answer.text
    return client, answer


def _reset_by_admin(app, username="inspector2"):
    """The administrator resets the password on the user page: the one-time password shown once."""
    admin, _ = _login(app, "admin")
    answer = admin.post(f"/admin/users/{username}/password",
                        data={"csrf_token": _token(admin.get(f"/admin/users/{username}").text), "mode": "generate"})
    return re.search(r'id="one-time-password".*?<code>([^<]+)</code>', answer.text, re.S).group(1)


def _placeholder(converter):
    if hasattr(converter, "items"):  # any(a, b): one of its words
        return sorted(converter.items)[0]
    return 1 if type(converter).__name__ == "IntegerConverter" else "x"


def _pages(app):
    """Every GET page of the browser blueprints, with placeholder values for its parameters."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.split(".")[0] not in PAGE_BLUEPRINTS or "GET" not in rule.methods \
                    or rule.endpoint in OPEN_WHILE_CHANGING:
                continue
            values = {name: _placeholder(rule._converters[name]) for name in rule.arguments}
            yield url_for(rule.endpoint, **values)


def test_the_admins_reset_sends_the_user_to_set_a_new_password_from_every_page(app, db):
    secret = _reset_by_admin(app)
    assert _state(db, "inspector2")[0] is True
    admin, _ = _login(app, "admin")
    assert "待用户设置新密码" in admin.get("/admin/users/inspector2").text
    client, answer = _sign_in(app, "inspector2", secret)
    home = client.get(answer.headers["Location"])
    assert home.status_code == 302 and home.headers["Location"].startswith("/me/password")
    pages = list(_pages(app))
    assert len(pages) > 30 and "/inbox" in pages and "/me/tokens" in pages and "/admin/users" in pages
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/me/password"), path
    assert client.get("/inbox?tab=group").headers["Location"] == "/me/password?next=/inbox?tab%3Dgroup"
    htmx = client.get("/inbox", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/me/password")
    csrf = re.search(r'X-CSRF-Token": "([^"]+)"', client.get("/me/password").text).group(1)
    posted = client.post("/me/tokens", data={"csrf_token": csrf, "name": "绕过", "days": "30"})
    assert posted.status_code == 302 and posted.headers["Location"] == "/me/password"
    page = client.get("/me/password").text
    assert "设置新密码" in page and "您的密码由管理员设置" in page
    # The API with the user's own bearer token is not held back (a program cannot answer the form).
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {demo.demo_token('inspector2')}"}).status_code == 200


def test_a_user_created_with_an_initial_password_sets_a_new_one_first(app, db):
    admin, _ = _login(app, "admin")
    token = _token(admin.get("/admin/users").text)
    assert admin.post("/admin/users", data={"csrf_token": token, "username": "newbie", "display_name": "新同事",
                                            "password": "Zq8-caseflow-ok",
                                            "groups": "zz-jinshui/inspection/inspector"}).status_code == 303
    assert _state(db, "newbie")[0] is True
    client, answer = _sign_in(app, "newbie", "Zq8-caseflow-ok")
    assert client.get("/inbox").headers["Location"].startswith("/me/password")
    csrf = _token(client.get("/me/password?next=/inbox").text)
    done = client.post("/me/password?next=/inbox", data={"csrf_token": csrf, "current_password": "Zq8-caseflow-ok",
                                                         "new_password": NEW, "repeat_password": NEW})
    assert done.status_code == 303 and done.headers["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200  # the same session continues
    assert _state(db, "newbie")[0] is False


@pytest.mark.parametrize("form, message", [
    ({"current_password": "wrong-password-1", "new_password": NEW, "repeat_password": NEW}, "当前密码不正确"),
    ({"current_password": "ONE-TIME", "new_password": "short1", "repeat_password": "short1"}, "密码不符合要求：密码至少10位"),
    ({"current_password": "ONE-TIME", "new_password": NEW, "repeat_password": NEW + "1"}, "两次输入的新密码不一致"),
])
def test_wrong_current_weak_or_mismatched_passwords_are_refused_in_chinese(app, db, form, message):
    secret = _reset_by_admin(app)
    before = _state(db, "inspector2")
    client, _ = _sign_in(app, "inspector2", secret)
    form = {k: secret if v == "ONE-TIME" else v for k, v in form.items()}
    answer = client.post("/me/password", data={"csrf_token": _token(client.get("/me/password").text), **form})
    assert answer.status_code == 422 and message in answer.text and "设置新密码" in answer.text
    assert _state(db, "inspector2") == before
    assert client.get("/inbox").headers["Location"].startswith("/me/password")  # still required


def test_any_user_changes_their_own_password_from_the_user_menu(app, db):
    client, _ = _login(app, "inspector")
    inbox = client.get("/inbox").text
    assert 'id="nav-password"' in inbox and "修改密码" in inbox
    page = client.get("/me/password").text
    assert "修改密码" in page and "设置新密码" not in page
    done = client.post("/me/password", data={"csrf_token": _token(page), "current_password": demo.DEMO_PASSWORD,
                                             "new_password": NEW, "repeat_password": NEW})
    assert done.status_code == 303 and done.headers["Location"] == "/me/password?msg=changed"
    assert "密码已修改" in client.get(done.headers["Location"]).text
    flag, stored = _state(db, "inspector")
    assert flag is False and passwords.verify_password(stored, NEW)
    actions = in_transaction(db, lambda s: list(s.scalars(select(AuditEvent.action).where(AuditEvent.actor == "inspector"))))
    assert "user.password_changed" in actions
    _sign_in(app, "inspector", NEW)


def test_in_english_the_page_and_its_errors_are_english(app):
    client, _ = _login(app, "inspector")
    client.set_cookie("caseflow_lang", "en")
    page = client.get("/me/password").text
    assert "Change password" in page and "New password" in page
    answer = client.post("/me/password", data={"csrf_token": _token(page), "current_password": "wrong-password-1",
                                               "new_password": NEW, "repeat_password": NEW})
    assert answer.status_code == 422 and "The current password is not correct." in answer.text
