"""Hostile input: a corpus of malicious BPMN/DMN files and malformed API payloads.

Every one is answered with a 4xx and leaves nothing behind: no registry file, no process version, no
deployment, no case. Files whose danger only shows when they run (endless or memory-hungry scripts,
recursion) deploy, and the step that runs them is refused with a 422 without storing the case.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.samples import form_bytes, upload
from workflow_app.platform.persistence.models import (
    AuditEvent,
    Deployment,
    ProcessInstance,
    ProcessVersion,
    RegistryFile,
    TaskComment,
    User,
)

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


STORE_FORM = {"schema": {"type": "object", "properties": {"note": {"type": "string"}, "extra": {"type": "object"},
                                                          "items": {"type": "array"}}}}
RECEIVER = ('<bpmn:startEvent id="s" />' + '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition '
            'messageRef="m_in" /></bpmn:intermediateCatchEvent>')


def _receiver():
    from tests.samples import process, user_task
    return process("t_receive", RECEIVER + user_task("a", "收到") + '<bpmn:endEvent id="e" />',
                   [("f1", "s", "wait"), ("f2", "wait", "a"), ("f3", "a", "e")], lane_nodes=["a"]).replace(
        "</bpmn:definitions>", '<bpmn:message id="m_in" name="m_in" /></bpmn:definitions>')


def _renamed(files: dict[str, bytes], index: int) -> dict[str, bytes]:
    """The corpus reuses process and decision ids; one registry holds them all only when each is unique."""
    import re
    ids = set()
    for content in files.values():
        ids.update(re.findall(rb'<(?:bpmn:process|decision) id="([^"]+)"', content))
    out = {}
    for filename, content in files.items():
        for ident in ids:
            new = ident + b"_%d" % index
            content = (content.replace(b'"' + ident + b'"', b'"' + new + b'"')
                       .replace(b">" + ident + b"<", b">" + new + b"<").replace(b"Defs_" + ident, b"Defs_" + new))
        out[filename if filename == "t_form.json" else f"{index}_{filename}"] = content
    return out


def test_no_stored_instance_becomes_unloadable_after_the_hostile_corpus(client_for, db):
    """Run every corpus file and hostile data through every entry, then load every stored instance by the
    services' load path and read its personal data: none fails (issue 11, part 4)."""
    from tests.samples import simple
    from workflow_app.platform.persistence.models import OutboxMessage
    from workflow_app.platform.runtime import instances as runtime
    from workflow_app.entrypoints.worker import Worker

    owner, admin, inspector = client_for("owner"), client_for("admin"), client_for("inspector")
    for index, (name, entry) in enumerate(sorted(MANIFEST.items())):
        r = upload(owner, _renamed(_files(name), index))
        if entry["phase"] == "run":
            assert r.status_code == 201, (name, r.json)
            for created in r.json["created"]:
                r = admin.post("/api/instances", json={"process_key": created["process_key"],
                                                       "business_key": f"EVIL-{name}"[:100], "jurisdiction": "zz-jinshui",
                                                       "variables": entry.get("variables", {})})
                assert r.status_code == 422, (name, r.json)
    r = upload(owner, {"t_store.bpmn": simple("t_store", form="t_store.json"), "t_form.json": form_bytes(),
                       "t_store.json": json.dumps(STORE_FORM).encode(), "t_receive.bpmn": _receiver()})
    assert r.status_code == 201, r.json
    hostile_variables = [{"v": {"typename": "nope"}}, {"v": [{"typename": "datetime", "value": "x"}]},
                         {"typename": 1}, {"v": {"TypeName": "fine", "kind": "typename"}}]
    for index, variables in enumerate(hostile_variables):
        r = admin.post("/api/instances", json={"process_key": "t_store", "business_key": f"V-{index}",
                                               "jurisdiction": "zz-jinshui", "variables": variables})
        assert r.status_code in (201, 422), r.json
    case = admin.post("/api/instances", json={"process_key": "t_store", "business_key": "F-1",
                                              "jurisdiction": "zz-jinshui",
                                              "variables": {"id_number": "410102199001011234"}}).json
    task = case["tasks"][0]["id"]
    assert inspector.post(f"/api/tasks/{task}/claim").status_code == 200
    for data in ({"extra": {"typename": "nope"}}, {"items": [{"typename": "UUID", "value": "x"}]}):
        assert inspector.post(f"/api/tasks/{task}/complete", json={"data": data}).status_code == 422
    receiver = admin.post("/api/instances", json={"process_key": "t_receive", "business_key": "R-1",
                                                  "jurisdiction": "zz-jinshui"}).json
    assert admin.post("/api/messages", json={"name": "m_in", "correlation_key": "R-1",
                                             "payload": {"v": {"typename": "nope"}}}).status_code == 422
    # A message queued before the check existed: delivery refuses it (retried, then an incident), the
    # receiver is untouched.
    with db.transaction() as s:
        s.add(OutboxMessage(instance_id=0, message_name="m_in", correlation_key="R-1",
                            payload=json.dumps({"v": {"typename": "nope"}}), idempotency_key="legacy-1",
                            status="pending", attempts=0, created_at=datetime.now(timezone.utc)))
    Worker(db).run_until_idle()
    # A state stored before the check existed, holding the reserved key: it loads as plain data.
    with db.transaction() as s:
        instance = s.get(ProcessInstance, receiver["id"])
        state = json.loads(instance.state)
        state.setdefault("data", {})["legacy"] = {"typename": "nope", "inner": {"typename": "date", "value": "bad"}}
        instance.state = json.dumps(state)

    with db.transaction() as s:
        instances = list(s.scalars(select(ProcessInstance)))
        assert len(instances) >= 3
        for instance in instances:
            runtime.load_workflow(s, instance)
    for instance in instances:
        r = admin.get(f"/api/instances/{instance.id}/personal-data")
        assert r.status_code == 200, (instance.business_key, r.status_code, r.get_data(as_text=True)[:300])
        assert admin.get(f"/api/instances/{instance.id}").status_code == 200
    assert inspector.post(f"/api/tasks/{task}/complete", json={"data": {"note": "好"}}).status_code == 200
    with db.transaction() as s:
        legacy = s.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "legacy-1"))
        assert legacy.status == "pending" and legacy.attempts == 1 and "reserved" in legacy.last_error
    assert [t for t in admin.get(f"/api/instances/{receiver['id']}").json["tasks"]] == []  # still waiting
    # ... and still works: a clean message moves it on, with the legacy data loaded as plain data.
    assert admin.post("/api/messages", json={"name": "m_in", "correlation_key": "R-1",
                                             "payload": {"note": "好"}}).status_code == 202
    Worker(db).run_until_idle()
    tasks = admin.get(f"/api/instances/{receiver['id']}").json["tasks"]
    assert [(t["name"], t["status"]) for t in tasks] == [("收到", "open")]
    assert admin.get("/api/health").json == {"status": "ok"}
