"""Organisation model: bureaus, bodies, memberships, certificates, supervisors; user management by scope."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from workflow_app.entrypoints import demo
from workflow_app.platform.persistence.models import Body, Bureau
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import certificates
from workflow_app.platform.errors import Invalid
from workflow_app.platform.persistence.database import in_transaction

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
        assert certificates.check_field_team(s, ["inspector", "inspector2"], on=date(2026, 11, 20)) == ["inspector", "inspector2"]
        with pytest.raises(Invalid) as err:
            certificates.check_field_team(s, ["inspector", "liaison"], on=date(2026, 11, 20))
        assert "liaison" in err.value.message
        with pytest.raises(Invalid):  # both certificates expired by then
            certificates.check_field_team(s, ["inspector", "inspector2"], on=date(2030, 1, 2))
        with pytest.raises(Invalid):  # one person twice is not a team of two
            certificates.check_field_team(s, ["inspector", "inspector"], on=date(2026, 11, 20))
    in_transaction(db, run)


def test_deactivated_officer_is_not_certified(db):
    in_transaction(db, lambda s: identity.set_active(s, "inspector2", False))
    with pytest.raises(Invalid):
        in_transaction(db, lambda s: certificates.check_field_team(s, ["inspector", "inspector2"], on=date(2026, 11, 20)))


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
    # issue 11: an administrator no longer mints tokens for others; the user makes their own, the
    # administrator can still revoke it
    r = admin.post("/api/admin/users/xiaoli/tokens", json={"name": "集成", "days": 30})
    assert r.status_code == 403 and "本人" in r.json["message"]
    r = b.post("/api/auth/tokens", json={"name": "集成", "days": 30})
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


def _token_client(app, db, username, groups):
    def run(s):
        identity.create_user(s, username, username)
        for key in groups:
            identity.add_membership(s, username, key)
        return identity.create_token(s, username, "t")[1]
    return TokenClient(app, username, in_transaction(db, run))


def test_deploy_rights_follow_the_bureau_scope(app, db, district_admin, client_for):
    """issue 11: a district administrator created a process owner who then deployed for every bureau."""
    from tests.samples import form_bytes, simple, upload
    # a district administrator cannot hand out the installation-wide process-owner role ...
    r = district_admin.post("/api/admin/users", json={"username": "erqi_owner", "display_name": "二七流程",
                                                      "groups": ["zz-erqi/bureau/process_owner"]})
    assert r.status_code == 403 and "流程管理员" in r.json["message"]
    assert client_for("admin").get("/api/admin/users/erqi_owner").status_code == 404  # nothing was created
    r = district_admin.post("/api/admin/users/erqi_clerk/memberships", json={"group": "zz-erqi/bureau/process_owner"})
    assert r.status_code == 403
    assert "zz-erqi/bureau/process_owner" not in client_for("admin").get("/api/admin/users/erqi_clerk").json["groups"]
    # ... nor any role outside their subtree; roles inside it are fine
    r = district_admin.post("/api/admin/users", json={"username": "erqi_new", "display_name": "二七新人",
                                                      "groups": ["zz/bureau/process_owner"]})
    assert r.status_code == 422
    r = district_admin.post("/api/admin/users", json={"username": "erqi_new", "display_name": "二七新人",
                                                      "groups": ["zz-erqi/inspection/inspector"]})
    assert r.status_code == 201
    # a process-owner membership in a district (however it came about) deploys nothing: definitions are
    # installation-wide
    district_owner = _token_client(app, db, "erqi_owner2", ["zz-erqi/bureau/process_owner"])
    r = upload(district_owner, {"t_scope.bpmn": simple("t_scope"), "t_form.json": form_bytes()})
    assert r.status_code == 403 and "最高一级" in r.json["message"]
    assert client_for("owner").get("/api/processes/t_scope/versions").status_code == 404  # nothing deployed
    # the city's administrator grants the role at the top-level bureau, and that owner deploys
    r = client_for("admin").post("/api/admin/users", json={"username": "city_owner", "display_name": "市局流程",
                                                           "groups": ["zz/bureau/process_owner"]})
    assert r.status_code == 201
    city_owner = _token_client(app, db, "city_owner2", ["zz/bureau/process_owner"])
    r = upload(city_owner, {"t_scope.bpmn": simple("t_scope"), "t_form.json": form_bytes()})
    assert r.status_code == 201, r.json


def test_administrators_cannot_mint_tokens_for_others(client_for, db):
    """issue 11: an administrator minted an API token for another user and acted as them."""
    admin = client_for("admin")
    for username in ("inspector", "admin"):
        r = admin.post(f"/api/admin/users/{username}/tokens", json={"name": "代办", "days": 30})
        assert r.status_code == 403 and "本人" in r.json["message"], r.json
    assert client_for("inspector").post("/api/admin/users/clerk/tokens", json={"name": "x"}).status_code == 403
    with db.transaction() as s:
        from sqlalchemy import select
        from workflow_app.platform.persistence.models import ApiToken, User
        names = s.scalars(select(ApiToken.name).join(User, User.id == ApiToken.user_id)
                          .where(User.username == "inspector")).all()
    assert "代办" not in names
    # every user issues their own; the administrator still sees and revokes it
    r = client_for("inspector").post("/api/auth/tokens", json={"name": "自用", "days": 30})
    assert r.status_code == 201
    detail = admin.get("/api/admin/users/inspector").json
    assert r.json["id"] in [t["id"] for t in detail["tokens"]]
    assert admin.delete(f"/api/admin/users/inspector/tokens/{r.json['id']}").status_code == 204
    events = admin.get("/api/audit?entity_type=user&entity_id=inspector&per_page=200").json["items"]
    created = [e for e in events if e["action"] == "token.create" and e["after"]["name"] == "自用"]
    assert created and created[0]["actor"] == "inspector" and "issued_by" not in created[0]["after"]


def test_cli_tokens_name_the_operator(db_url, capsys, monkeypatch):
    """The operator's ``caseflow token create`` stays, and the audit trail names who ran it."""
    from sqlalchemy import select
    from tests.conftest import make_app
    from workflow_app.entrypoints import cli
    from workflow_app.platform.persistence.models import AuditEvent
    monkeypatch.setenv("LOGNAME", "ops-wang")
    monkeypatch.setenv("USER", "ops-wang")
    app = make_app(db_url)
    demo.seed_organisation(app.extensions["caseflow.db"])
    assert cli.main(["--database-url", db_url, "token", "create", "clerk", "--name", "集成"]) == 0
    secret = capsys.readouterr().out.strip()
    assert app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with app.extensions["caseflow.db"].transaction() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "token.create", AuditEvent.entity_id == "clerk")
                          .order_by(AuditEvent.id.desc())).first()
        assert event.actor == "cli:ops-wang" and event.after["issued_by"] == "cli:ops-wang"
    app.extensions["caseflow.db"].dispose()
