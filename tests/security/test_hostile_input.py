"""Hostile input: a corpus of malicious BPMN/DMN files and malformed API payloads.

Every one is answered with a 4xx and leaves nothing behind: no registry file, no process version, no
deployment, no case. Files whose danger only shows when they run (endless or memory-hungry scripts,
recursion) deploy, and the step that runs them is refused with a 422 without storing the case.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.samples import form_bytes, upload
from workflow_app.models import AuditEvent, Deployment, ProcessInstance, ProcessVersion, RegistryFile, TaskComment, User

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())


def _counts(db):
    with db.transaction() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (RegistryFile, ProcessVersion, Deployment, ProcessInstance, TaskComment, User)}


def _files(name):
    entry = MANIFEST[name]
    files = {"t_form.json": form_bytes()}
    for extra in entry.get("bundle", []):
        files[extra] = (CORPUS / extra).read_bytes()
    files[name] = (CORPUS / name).read_bytes()
    return files


@pytest.mark.parametrize("name", sorted(n for n, e in MANIFEST.items() if e["phase"] == "deploy"))
def test_malicious_definition_is_refused_and_nothing_is_stored(client_for, db, name):
    before = _counts(db)
    r = upload(client_for("owner"), _files(name))
    assert r.status_code == 422, (name, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/problem+json"
    problems = r.json["problems"]
    assert any(p["file"] == name for p in problems), problems
    reason = MANIFEST[name]["reason"]
    assert reason.lower() in " ".join(p["reason"] for p in problems).lower(), problems
    assert _counts(db) == before
    assert client_for("admin").get("/api/health").json == {"status": "ok"}


@pytest.mark.parametrize("name", sorted(n for n, e in MANIFEST.items() if e["phase"] == "run"))
def test_script_that_only_fails_when_run_is_refused_and_no_case_is_stored(client_for, db, name):
    r = upload(client_for("owner"), _files(name))
    assert r.status_code == 201, (name, r.json)
    process_key = r.json["created"][0]["process_key"]
    before = _counts(db)
    r = client_for("admin").post("/api/instances", json={
        "process_key": process_key, "business_key": "EVIL-1", "jurisdiction": "zz-jinshui",
        "variables": MANIFEST[name].get("variables", {})})
    assert r.status_code == 422, (name, r.status_code, r.json)
    assert MANIFEST[name]["reason"] in r.json["detail"], r.json["detail"]
    assert _counts(db) == before
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.business_key == "EVIL-1")) == 0


def test_oversized_files_are_refused(client_for, db):
    before = _counts(db)
    big = b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>"
    r = upload(client_for("owner"), {"big.bpmn": big, "t_form.json": form_bytes()})
    assert r.status_code == 422 and "larger" in r.json["problems"][0]["reason"]
    r = upload(client_for("owner"), {"huge.bpmn": b"<a>" + b"x" * (9 * 1024 * 1024) + b"</a>"})
    assert r.status_code == 413  # beyond the request size limit: refused before it is read
    r = upload(client_for("owner"), {f"f{i}.json": form_bytes() for i in range(150)})
    assert r.status_code == 422
    assert _counts(db) == before


def _deep(n):
    return "[" * n + "]" * n


@pytest.fixture
def a_task(client_for):
    from .conftest import open_task, start
    case = start(client_for("admin"), business_key="H-1")
    task = open_task(case)
    assert client_for("inspector").post(f"/api/tasks/{task['id']}/claim").status_code == 200
    return task


def test_malformed_api_payloads_get_a_4xx_and_change_nothing(client_for, db, a_task):
    inspector, admin = client_for("inspector"), client_for("admin")
    tid = a_task["id"]
    before = _counts(db)
    deep = '{"data": {"a": ' + _deep(5000) + "}}"
    payloads = [
        (inspector.post, f"/api/tasks/{tid}/complete", {"data": deep, "content_type": "application/json"}),
        (inspector.post, f"/api/tasks/{tid}/complete", {"data": '{"data": ' + _deep(100) + "}", "content_type": "application/json"}),
        (inspector.post, f"/api/tasks/{tid}/complete", {"json": {"data": {"acceptance_opinion": "a\u0000b", "accepted": True}}}),
        (inspector.post, f"/api/tasks/{tid}/comments", {"json": {"body": "bad\u0000comment"}}),
        (inspector.post, f"/api/tasks/{tid}/comments", {"json": {"body": "x" * 6000}}),
        (inspector.post, f"/api/tasks/{tid}/comments", {"data": b"\xff\xfe{\"body\": 1}", "content_type": "application/json"}),
        (inspector.post, f"/api/tasks/{tid}/comments", {"data": "x" * (2 * 1024 * 1024), "content_type": "application/json"}),
        (inspector.post, f"/api/tasks/{tid}/complete", {"json": {"data": {"__class__": 1}}}),
        (inspector.post, f"/api/tasks/{tid}/complete", {"json": {"data": {"accepted": 10 ** 400}}}),
        (inspector.put, f"/api/tasks/{tid}/draft", {"json": {"data": [1, 2]}}),
        (inspector.get, "/api/tasks?business_key=a%00b", {}),
        (inspector.get, "/api/tasks/abc%00def", {}),
        (inspector.get, "/api/tasks?page=99999999999999999999", {}),
        (inspector.get, "/api/tasks?priority_min=99999999999999999999", {}),
        (inspector.get, "/api/instances/99999999999999999999", {}),
        (inspector.get, "/api/audit?instance_id=99999999999999999999", {}),
        (inspector.get, "/api/audit/verify?business_key=" + "k" * 5000, {}),
        (admin.post, "/api/instances", {"json": {"process_key": "inspection_case", "business_key": "B1",
                                                  "jurisdiction": "zz-jinshui", "variables": {"x": json.loads(_deep(60))}}}),
        (admin.post, "/api/instances", {"json": {"process_key": "inspection_case", "business_key": "B\u00002",
                                                  "jurisdiction": "zz-jinshui"}}),
        (admin.post, "/api/instances", {"json": {"process_key": "inspection_case", "business_key": "B3",
                                                  "jurisdiction": "zz-jinshui", "variables": {"_private": 1, "a b": 2}}}),
        (admin.post, "/api/admin/users", {"json": {"username": "x" * 65, "display_name": "长"}}),
        (admin.post, "/api/admin/users", {"json": {"username": "ev\u0000il", "display_name": "坏"}}),
        (admin.post, "/api/admin/users", {"json": {"username": "用户", "display_name": "中文名"}}),
        (admin.post, "/api/admin/users", {"json": {"username": "weakpw", "display_name": "弱", "password": "123"}}),
        (admin.post, "/api/admin/users", {"json": {"username": "grp", "display_name": "组", "groups": ["../../etc"]}}),
        (admin.post, "/api/admin/users/inspector/certificates", {"json": {"number": "N1", "issued_on": "2026-01-01",
                                                                         "expires_on": "2025-01-01"}}),
        (admin.post, "/api/auth/login", {"json": {"username": "a" * 10000, "password": "p"}}),
        (admin.post, "/api/auth/login", {"json": {"username": "inspector", "password": "p" * 100000}}),
        (admin.post, "/api/auth/login", {"json": ["inspector", "x"]}),
    ]
    for method, path, kw in payloads:
        r = method(path, **kw)
        assert 400 <= r.status_code < 500, (path, kw.get("json", str(kw.get("data"))[:80]), r.status_code,
                                            r.get_data(as_text=True)[:300])
        assert r.mimetype == "application/problem+json", (path, r.mimetype)
    assert _counts(db) == before
    detail = inspector.get(f"/api/tasks/{tid}").json
    assert detail["status"] == "open" and detail["draft"] is None
