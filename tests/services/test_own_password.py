"""A password someone else chose must be replaced (``must_change_password``, platform/identity/directory.py):
an administrator's reset and a user created with an initial password set the flag; the user replacing their
own password clears it (current password, the new one twice, the policy) and keeps their own session."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from workflow_app.entrypoints import demo
from workflow_app.platform import clock
from workflow_app.platform.errors import Invalid
from workflow_app.platform.identity import administration
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import passwords
from workflow_app.platform.persistence.models import AuditEvent, User, WebSession

NEW = "Huanghe-2027-xin"


def _user(db, username):
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.username == username))
        return {"flag": user.must_change_password, "hash": user.password_hash}


def _sessions(db, username, count=2):
    """``count`` open browser sessions of the user; their ids."""
    with db.transaction() as s:
        user = identity.get_user(s, username)
        now = clock.now()
        rows = [WebSession(user_id=user.id, secret_hash=f"{username}-{i}".ljust(64, "x"), csrf_token="t", created_at=now,
                           last_seen_at=now, expires_at=now.replace(year=now.year + 1)) for i in range(count)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _open(db, ids):
    with db.transaction() as s:
        return [i for i in ids if s.get(WebSession, i).revoked_at is None]


def test_the_admins_reset_and_an_initial_password_set_the_flag_the_demo_users_have_none(db, who):
    admin = who("admin")
    assert _user(db, "inspector2")["flag"] is False
    with db.transaction() as s:
        generated = administration.reset_password(s, admin, "inspector2")
        assert identity.principal_for(s, identity.get_user(s, "inspector2")).must_change_password is True
    assert _user(db, "inspector2")["flag"] is True and passwords.verify_password(_user(db, "inspector2")["hash"], generated)
    with db.transaction() as s:
        administration.reset_password(s, admin, "inspector", "Songshan-2027-typed")
        administration.create_user(s, admin, "newbie", "新同事", "Songshan-2027-init", ["zz-jinshui/inspection/inspector"])
        identity.create_user(s, "seeded", "播种", "Songshan-2027-seed")  # seeding (actor system): nothing to replace
    assert _user(db, "inspector")["flag"] is True and _user(db, "newbie")["flag"] is True
    assert _user(db, "seeded")["flag"] is False


def test_the_user_replaces_it_keeping_this_session_and_ending_the_others(db, who):
    with db.transaction() as s:
        administration.reset_password(s, who("admin"), "inspector2", "Songshan-2027-typed")
    this, other = _sessions(db, "inspector2")
    with db.transaction() as s:
        identity.change_own_password(s, "inspector2", "Songshan-2027-typed", NEW, NEW, keep_session=this)
    state = _user(db, "inspector2")
    assert state["flag"] is False and passwords.verify_password(state["hash"], NEW)
    assert _open(db, [this, other]) == [this]
    with db.transaction() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_changed")).one()
    assert event.actor == "inspector2" and event.before == {"must_change_password": True}


@pytest.mark.parametrize("current, new, repeat, field, message", [
    ("wrong-password-1", NEW, NEW, "current_password", "当前密码不正确"),
    (demo.DEMO_PASSWORD, NEW, NEW + "x", "repeat_password", "两次输入的新密码不一致"),
    (demo.DEMO_PASSWORD, demo.DEMO_PASSWORD, demo.DEMO_PASSWORD, "new_password", "新密码不能与当前密码相同"),
    (demo.DEMO_PASSWORD, "", "", "new_password", "请填写新密码"),
    (demo.DEMO_PASSWORD, "short1", "short1", "password", "密码至少10位"),
    (demo.DEMO_PASSWORD, "inspector2-abc1", "inspector2-abc1", "password", "密码不能包含用户名"),
])
def test_a_refused_change_says_why_in_chinese_and_changes_nothing(db, current, new, repeat, field, message):
    before = _user(db, "inspector2")
    ids = _sessions(db, "inspector2")
    with pytest.raises(Invalid) as refused, db.transaction() as s:
        identity.change_own_password(s, "inspector2", current, new, repeat, keep_session=ids[0])
    assert message in refused.value.message and field in refused.value.extra["errors"]
    assert _user(db, "inspector2") == before and _open(db, ids) == ids
    with db.transaction() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_changed")).first() is None
