"""Organisation model: bureaus, bodies, memberships, certificates, supervisors; user management by scope."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from workflow_app import demo
from workflow_app.models import Body, Bureau
from workflow_app.services import identity
from workflow_app.services.errors import Invalid
from workflow_app.services.runtime import in_transaction

from .conftest import TokenClient


def test_bureaus_bodies_and_roles_of_the_demo(db):
    with db.transaction() as s:
        levels = dict(s.execute(select(Bureau.code, Bureau.level)).all())
        assert levels["zz"] == "city" and {levels[c] for c, _ in demo.DISTRICTS} == {"district"}
        kinds = set(s.scalars(select(Body.kind)))
    assert kinds == {"intake", "triage_room", "inspection", "si_audit", "arbitration", "police", "leadership",
                     "legal_review"}


def test_field_work_needs_two_certified_officers(db):
    def run(s):
        assert identity.check_field_team(s, ["inspector", "inspector2"], on=date(2026, 11, 20)) == ["inspector", "inspector2"]
        with pytest.raises(Invalid) as err:
            identity.check_field_team(s, ["inspector", "liaison"], on=date(2026, 11, 20))
        assert "liaison" in err.value.message
        with pytest.raises(Invalid):  # both certificates expired by then
            identity.check_field_team(s, ["inspector", "inspector2"], on=date(2030, 1, 2))
        with pytest.raises(Invalid):  # one person twice is not a team of two
            identity.check_field_team(s, ["inspector", "inspector"], on=date(2026, 11, 20))
    in_transaction(db, run)


def test_deactivated_officer_is_not_certified(db):
    in_transaction(db, lambda s: identity.set_active(s, "inspector2", False))
    with pytest.raises(Invalid):
        in_transaction(db, lambda s: identity.check_field_team(s, ["inspector", "inspector2"], on=date(2026, 11, 20)))


def test_supervisors_of_a_body(db):
    with db.transaction() as s:
        assert identity.supervisors_of(s, "zz-jinshui", "inspection") == ["head", "leader"]
        assert identity.supervisors_of(s, "zz-erqi", "inspection") == []


def test_certificates_through_the_admin_api(client_for):
    admin = client_for("admin")
    r = admin.post("/api/admin/users/liaison/certificates", json={
        "number": "豫人社执字410105099", "issuer": "郑州市人民政府", "issued_on": "2025-01-01", "expires_on": "2028-12-31"})
    assert r.status_code == 201 and r.json["valid"] is True
    r = admin.post("/api/admin/users/clerk/certificates", json={
        "number": "豫人社执字410105099", "issued_on": "2025-01-01", "expires_on": "2028-12-31"})
    assert r.status_code == 409  # numbers are unique
    detail = admin.get("/api/admin/users/liaison").json
    assert [c["number"] for c in detail["certificates"]] == ["豫人社执字410105099"]


@pytest.fixture
def district_admin(app, db):
    def run(s):
        identity.ensure_group(s, "zz-erqi", "bureau", "administrator")
        identity.create_user(s, "erqi_admin", "二七管理员")
        identity.add_membership(s, "erqi_admin", "zz-erqi/bureau/administrator")
        identity.create_user(s, "erqi_clerk", "二七受理")
        identity.add_membership(s, "erqi_clerk", "zz-erqi/intake/intake_clerk")
        return identity.create_token(s, "erqi_admin", "t")[1]
    return TokenClient(app, "erqi_admin", in_transaction(db, run))


def test_administrators_manage_their_own_scope_only(district_admin, client_for):
    listed = {u["username"] for u in district_admin.get("/api/admin/users?per_page=200").json["items"]}
    assert "erqi_clerk" in listed and "inspector" not in listed and "admin" not in listed
    assert district_admin.get("/api/admin/users/inspector").status_code == 404  # outside: invisible
    assert district_admin.post("/api/admin/users/inspector/active", json={"active": False}).status_code == 404
    r = district_admin.post("/api/admin/users/erqi_clerk/memberships", json={"group": "zz-jinshui/intake/intake_clerk"})
    assert r.status_code == 422  # a group of another district
    r = district_admin.post("/api/admin/users/erqi_clerk/memberships", json={"group": "zz-erqi/inspection/inspector"})
    assert r.status_code == 200 and "zz-erqi/inspection/inspector" in r.json["groups"]
    r = district_admin.delete("/api/admin/users/erqi_clerk/memberships?group=zz-erqi/inspection/inspector")
    assert r.status_code == 200 and r.json["groups"] == ["zz-erqi/intake/intake_clerk"]
    groups = {g["bureau"] for g in district_admin.get("/api/admin/groups").json}
    assert groups == {"zz-erqi"}
    # the city administrator covers the districts
    assert client_for("admin").get("/api/admin/users/erqi_clerk").status_code == 200


def test_administrators_cannot_change_themselves(client_for):
    admin = client_for("admin")
    r = admin.post("/api/admin/users/admin/memberships", json={"group": "zz-jinshui/inspection/inspector"})
    assert r.status_code == 403
    assert admin.post("/api/admin/users/admin/active", json={"active": False}).status_code == 403


def test_user_lifecycle_through_the_admin_api(client_for, browser):
    admin = client_for("admin")
    r = admin.post("/api/admin/users", json={"username": "xiaoli", "display_name": "小李", "password": "short",
                                             "groups": ["zz-jinshui/intake/intake_clerk"]})
    assert r.status_code == 422 and "password" in r.json["errors"]
    r = admin.post("/api/admin/users", json={"username": "xiaoli", "display_name": "小李", "password": "Huanghe-2026-li",
                                             "groups": ["zz-jinshui/intake/intake_clerk"]})
    assert r.status_code == 201 and r.json["groups"] == ["zz-jinshui/intake/intake_clerk"]
    assert admin.post("/api/admin/users", json={"username": "xiaoli", "display_name": "重复"}).status_code == 409
    b = browser()
    assert b.login("xiaoli", "Huanghe-2026-li").status_code == 200
    r = admin.post("/api/admin/users/xiaoli/tokens", json={"name": "集成", "days": 30})
    assert r.status_code == 201
    token_id = r.json["id"]
    assert admin.delete(f"/api/admin/users/xiaoli/tokens/{token_id}").status_code == 204
    assert admin.post("/api/admin/users/xiaoli/active", json={"active": False}).json["is_active"] is False
    assert b.get("/api/tasks").status_code == 401  # the session ended with the account
    assert admin.post("/api/admin/users/xiaoli/password", json={"password": "Songshan-2027-li"}).status_code == 204
    assert admin.post("/api/admin/users/xiaoli/active", json={"active": True}).status_code == 200
    assert browser().login("xiaoli", "Songshan-2027-li").status_code == 200


def test_browser_session_admin_request_needs_csrf(browser):
    b = browser()
    b.login("admin")
    r = b.post("/api/admin/users", csrf=False, json={"username": "csrf1", "display_name": "跨站"})
    assert r.status_code == 403 and r.json["type"] == "csrf-failed"
    assert b.post("/api/admin/users", json={"username": "csrf1", "display_name": "正常"}).status_code == 201
