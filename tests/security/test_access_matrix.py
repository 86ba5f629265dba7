"""Role × endpoint × ownership: every cell is allowed or denied as docs/security.md says, and nothing
leaks through lists, counts, searches or error messages.

Cases (all started by the administrator):
  A  inspection case of 金水区 (own body and district of the 金水 inspection people)
  B  inspection case of 二七区 (another district)
  C  social-insurance audit case of 金水区 (another body, same district)
  D  inspection case of 二七区 transferred (granted) to 金水区 inspection
  E  inspection case of 二七区 transferred to the 金水区 police liaison (police_transfer)
"""
from __future__ import annotations

import pytest

from tests.samples import upload

from .conftest import TEST_NOW, grant, open_task, start

ROLES = ["clerk", "triage", "inspector", "inspector2", "auditor", "arbitrator", "liaison", "head", "leader",
         "legal", "owner", "admin", "police", "erqi_inspector", "city_leader", "district_admin"]
#: Administrators: ``admin`` of the city (the whole installation), ``district_admin`` of 二七区.
ADMINS = {"admin", "district_admin"}

JINSHUI_INSPECTION = {"inspector", "inspector2", "liaison", "head"}
#: Who sees each case (instance endpoints, lists, audit trail).
SEES_CASE = {
    "A": JINSHUI_INSPECTION | {"leader", "city_leader", "admin"},
    "B": {"erqi_inspector", "city_leader", "admin", "district_admin"},
    "C": {"auditor", "leader", "city_leader", "admin"},
    "D": {"erqi_inspector", "city_leader", "admin", "district_admin"} | JINSHUI_INSPECTION | {"leader"},
    "E": {"erqi_inspector", "city_leader", "admin", "district_admin", "police", "leader"},
}
#: Who sees the first open task of each case (task endpoints, the inbox).
SEES_TASK = {
    "A": {"inspector", "inspector2", "head", "leader", "admin"},
    "B": {"erqi_inspector", "admin", "district_admin"},
    "C": {"auditor", "leader", "admin"},
    "D": {"erqi_inspector", "admin", "district_admin"},
    "E": {"erqi_inspector", "admin", "district_admin"},
}
#: Who may claim it (candidate group or supervisor); the other viewers get 403.
CLAIMS = {"A": {"inspector", "inspector2", "head", "leader"}, "B": {"erqi_inspector"}, "C": {"auditor", "leader"}}
#: Who may assign it (supervisors).
ASSIGNS = {"A": {"head", "leader"}}
#: Case-handling roles entitled to reveal personal data (when they see the case).
REVEALS = {"clerk", "triage", "inspector", "inspector2", "auditor", "arbitrator", "liaison", "head", "legal",
           "police", "erqi_inspector"}
#: Who may start a case in 金水区: a body member of 金水区 or of the city, and the city's administrator.
STARTS_IN_JINSHUI = {"clerk", "triage", "inspector", "inspector2", "auditor", "arbitrator", "liaison", "head",
                     "leader", "legal", "admin", "city_leader"}
CASES = "ABCDE"


@pytest.fixture
def world(app, db, client_for, freeze_clock):
    freeze_clock(TEST_NOW)
    admin = client_for("admin")
    cases = {
        "A": start(admin, business_key="A-JS-INSP", complainant_id_number="410105199001011234",
                   complainant_phone="13812345678"),
        "B": start(admin, jurisdiction="zz-erqi", business_key="B-EQ-INSP"),
        "C": start(admin, "si_audit_case", business_key="C-JS-SI"),
        "D": start(admin, jurisdiction="zz-erqi", business_key="D-EQ-TRANSFER"),
        "E": start(admin, jurisdiction="zz-erqi", business_key="E-EQ-POLICE"),
    }
    grant(db, "D-EQ-TRANSFER", "zz-jinshui", "inspection")
    grant(db, "E-EQ-POLICE", "zz-jinshui", "police", kind="police_transfer")
    return cases


def _strip(body):
    """A problem document without the parts that name what was asked for."""
    return {k: v for k, v in body.items() if k not in ("instance", "detail")}


def test_case_and_task_visibility(world, client_for):
    for role in ROLES:
        c = client_for(role)
        nonexistent_instance = c.get("/api/instances/987654")
        nonexistent_task = c.get("/api/tasks/00000000-0000-0000-0000-000000000000")
        assert nonexistent_instance.status_code == 404 and nonexistent_task.status_code == 404
        for name in CASES:
            case, task = world[name], open_task(world[name])
            r = c.get(f"/api/instances/{case['id']}")
            if role in SEES_CASE[name]:
                assert r.status_code == 200, (role, name, r.json)
            else:
                assert r.status_code == 404, (role, name)
                assert _strip(r.json) == _strip(nonexistent_instance.json)  # hidden looks exactly like missing
            for path in (f"/api/tasks/{task['id']}", f"/api/tasks/{task['id']}/comments"):
                r = c.get(path)
                if role in SEES_TASK[name]:
                    assert r.status_code == 200, (role, name, path)
                else:
                    assert r.status_code == 404, (role, name, path)
                    assert _strip(r.json) == _strip(nonexistent_task.json)
            # the audit trail and its verification follow the case
            for path in (f"/api/audit?instance_id={case['id']}", f"/api/audit?business_key={case['business_key']}",
                         f"/api/audit/verify?business_key={case['business_key']}",
                         f"/api/instances/{case['id']}/personal-data"):
                r = c.get(path)
                assert r.status_code == (200 if role in SEES_CASE[name] else 404), (role, name, path, r.json)


def test_lists_counts_and_searches_leak_nothing(world, client_for):
    for role in ROLES:
        c = client_for(role)
        visible_cases = {world[n]["business_key"] for n in CASES if role in SEES_CASE[n]}
        page = c.get("/api/instances?per_page=200").json
        assert {i["business_key"] for i in page["items"]} == visible_cases and page["total"] == len(visible_cases)
        visible_tasks = {open_task(world[n])["id"] for n in CASES if role in SEES_TASK[n]}
        tasks = c.get("/api/tasks?status=any&per_page=200").json
        assert {t["id"] for t in tasks["items"]} == visible_tasks and tasks["total"] == len(visible_tasks)
        for name in CASES:
            key = world[name]["business_key"]
            found = c.get(f"/api/instances?business_key={key}").json
            assert found["total"] == (1 if role in SEES_CASE[name] else 0)
            found = c.get(f"/api/tasks?business_key={key}&status=any").json
            assert found["total"] == (1 if role in SEES_TASK[name] else 0)
            found = c.get(f"/api/tasks?employer=测试&business_key={key}").json
            assert found["total"] == (1 if role in SEES_TASK[name] else 0)
        # The audit log without a case filter is for administrators only (and shows only what they may see).
        assert c.get("/api/audit").status_code == (200 if role in ADMINS else 403)


def test_task_actions(world, client_for):
    for role in ROLES:
        c = client_for(role)
        for name in ("A", "B", "C"):
            task = open_task(world[name])
            r = c.post(f"/api/tasks/{task['id']}/claim")
            if role in CLAIMS.get(name, set()):
                assert r.status_code == 200, (role, name, r.json)
                assert c.post(f"/api/tasks/{task['id']}/unclaim").status_code == 200
            elif role in SEES_TASK[name]:
                assert r.status_code == 403, (role, name, r.json)
            else:
                assert r.status_code == 404, (role, name)
            r = c.post(f"/api/tasks/{task['id']}/assign", json={"username": "inspector2"})
            if role in ASSIGNS.get(name, set()):
                assert r.status_code == 200, (role, name, r.json)
                assert c.post(f"/api/tasks/{task['id']}/assign", json={"username": None}).status_code == 200
            elif role in SEES_TASK[name]:
                assert r.status_code in (403, 422), (role, name, r.json)
            else:
                assert r.status_code == 404, (role, name)
            # nobody completes a task they do not hold; hidden tasks stay hidden
            r = c.post(f"/api/tasks/{task['id']}/complete", json={"data": {}})
            assert r.status_code == (409 if role in SEES_TASK[name] else 404), (role, name, r.status_code)
            r = c.post(f"/api/tasks/{task['id']}/comments", json={"body": "意见"})
            assert r.status_code == (201 if role in SEES_TASK[name] else 404)


def test_start_deploy_admin_and_reveal(world, client_for):
    for role in ROLES:
        c = client_for(role)
        r = c.post("/api/instances", json={"process_key": "inspection_case", "business_key": f"S-{role}",
                                           "jurisdiction": "zz-jinshui", "employer_name": "某公司",
                                           "variables": {"urgent": False, "received_at": "2026-11-20T09:00:00+08:00"}})
        assert r.status_code == (201 if role in STARTS_IN_JINSHUI else 403), (role, r.json)
        r = upload(c, {"x.bpmn": "<x/>"})
        assert (r.status_code == 403) == (role != "owner"), (role, r.status_code)
        if role == "owner":
            assert r.status_code == 422  # allowed through, refused for being empty
        assert c.get("/api/admin/users").status_code == (200 if role in ADMINS else 403)
        r = c.post("/api/admin/users", json={"username": f"new_{role}", "display_name": "新用户"})
        assert r.status_code == (201 if role in ADMINS else 403), (role, r.json)
        for name in ("A", "E"):
            case = world[name]
            r = c.post(f"/api/instances/{case['id']}/personal-data/reveal", json={"reason": "回访投诉人"})
            if role not in SEES_CASE[name]:
                assert r.status_code == 404
            elif role in REVEALS:
                assert r.status_code == 200, (role, name, r.json)
            else:
                assert r.status_code == 403, (role, name, r.json)


def test_police_see_only_transferred_dossiers(world, client_for, db):
    police = client_for("police")
    assert {i["business_key"] for i in police.get("/api/instances").json["items"]} == {"E-EQ-POLICE"}
    # a 金水区 case with no transfer stays invisible even though the jurisdiction matches
    assert police.get(f"/api/instances/{world['A']['id']}").status_code == 404
    grant(db, "A-JS-INSP", "zz-jinshui", "police", kind="police_transfer")
    assert police.get(f"/api/instances/{world['A']['id']}").status_code == 200


def test_revoked_grant_hides_the_case_again(world, client_for, db):
    from sqlalchemy import select
    from workflow_app.platform.persistence.models import CaseAccess
    from workflow_app.platform.identity import access
    from workflow_app.platform.persistence.database import in_transaction
    inspector = client_for("inspector")
    assert inspector.get(f"/api/instances/{world['D']['id']}").status_code == 200

    def revoke(s):
        row = s.scalar(select(CaseAccess).where(CaseAccess.instance_id == world["D"]["id"]))
        access.revoke_case_access(s, "liaison", row)
    in_transaction(db, revoke)
    assert inspector.get(f"/api/instances/{world['D']['id']}").status_code == 404
    events = client_for("admin").get(f"/api/audit?instance_id={world['D']['id']}").json["items"]
    assert [e["action"] for e in events][-2:] == ["case.grant", "case.revoke_grant"]


def test_delegation_stays_inside_the_body(world, client_for):
    task = open_task(world["A"])
    inspector = client_for("inspector")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    r = inspector.post(f"/api/tasks/{task['id']}/delegate", json={"username": "auditor"})
    assert r.status_code == 422 and "username" in r.json["errors"]
    assert client_for("auditor").get(f"/api/tasks/{task['id']}").status_code == 404
    r = inspector.post(f"/api/tasks/{task['id']}/delegate", json={"username": "liaison"})  # same body
    assert r.status_code == 200


def test_tokens_and_sessions_of_deactivated_users_stop_working(world, client_for, db):
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.persistence.database import in_transaction
    assert client_for("inspector").get("/api/tasks").status_code == 200
    in_transaction(db, lambda s: identity.set_active(s, "inspector", False, actor="admin"))
    assert client_for("inspector").get("/api/tasks").status_code == 401


def _all_events(client, query=""):
    page = client.get(f"/api/audit?per_page=200{query}").json
    assert page["total"] == len(page["items"]) < 200
    return page["items"]


def test_audit_trail_follows_case_visibility(world, client_for, db):
    """issue 11: a district administrator read every district's case events through GET /api/audit."""
    from sqlalchemy import func, select
    from workflow_app.platform.persistence.models import AuditEvent

    district = client_for("district_admin")
    visible = {world[n]["id"] for n in CASES if "district_admin" in SEES_CASE[n]}
    hidden = {world[n]["id"] for n in CASES} - visible
    events = _all_events(district)
    case_events = [e for e in events if e["instance_id"] is not None]
    assert {e["instance_id"] for e in case_events} == visible
    assert not {e["business_key"] for e in events} & {world[n]["business_key"] for n in CASES if world[n]["id"] in hidden}
    # events of no case: only those about the users this administrator manages (二七区)
    other = [e for e in events if e["instance_id"] is None and e["business_key"] is None]
    assert other and {e["entity_type"] for e in other} == {"user"}
    assert {e["entity_id"] for e in other} <= {"district_admin", "erqi_inspector"}
    assert not [e for e in events if e["action"] == "process.deploy"]
    # a hidden case's events answer 404, exactly like its other endpoints, whatever the filter
    for instance_id in hidden:
        assert district.get(f"/api/audit?instance_id={instance_id}").status_code == 404
    for name in CASES:
        if world[name]["id"] in hidden:
            assert district.get(f"/api/audit?business_key={world[name]['business_key']}").status_code == 404
            assert district.get(f"/api/audit/verify?business_key={world[name]['business_key']}").status_code == 404
    # filters narrow within what is visible: no hidden row comes back through entity filters
    assert all(e["instance_id"] in visible for e in _all_events(district, "&entity_type=task"))
    assert _all_events(district, "&entity_type=deployment") == []
    # verifying chains by key or all at once names every case: whole-installation administrators only
    assert district.get("/api/audit/verify").status_code == 403
    assert district.get("/api/audit/verify?chain=global").status_code == 403
    # the city's administrator administers the whole installation and sees every event
    with db.transaction() as s:
        stored = s.scalar(select(func.count()).select_from(AuditEvent))
    assert client_for("admin").get("/api/audit?per_page=1").json["total"] == stored
    assert client_for("admin").get("/api/audit/verify").json["ok"] is True
    # non-administrators: one visible case only, and only that case's events
    inspector = client_for("inspector")
    items = inspector.get(f"/api/audit?business_key={world['D']['business_key']}&per_page=200").json["items"]
    assert items and {e["instance_id"] for e in items} == {world["D"]["id"]}
