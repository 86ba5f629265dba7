"""The audit trail: append-only, hash-chained per case, verified by API and CLI, tampering detected for real."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.samples import form_bytes, simple, upload
from workflow_app.entrypoints import cli
from workflow_app.platform.persistence.models import AuditEvent, install_triggers
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.persistence.database import in_transaction

from .conftest import TEST_NOW, grant, open_task, start


def _events(db, chain_key):
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.chain_key == chain_key).order_by(AuditEvent.seq)))


def _drop_triggers(db):
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event"))


@pytest.fixture
def tamper(db):
    """Run SQL against the audit table with its append-only triggers dropped (restored afterwards)."""
    def run(sql, **params):
        _drop_triggers(db)
        try:
            with db.engine.begin() as conn:
                conn.execute(text(sql), params)
        finally:
            install_triggers(db.engine)
    return run


@pytest.fixture
def worked_case(client_for, db, freeze_clock):
    """A case with a claim, a comment, a draft, a completion and a transfer grant."""
    freeze_clock(TEST_NOW)
    case = start(client_for("admin"), business_key="AUD-1")
    task = open_task(case)
    inspector = client_for("inspector")
    assert inspector.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert inspector.post(f"/api/tasks/{task['id']}/comments", json={"body": "已联系单位"}).status_code == 201
    assert inspector.put(f"/api/tasks/{task['id']}/draft", json={"data": {"acceptance_opinion": "草稿"}}).status_code == 200
    r = inspector.post(f"/api/tasks/{task['id']}/complete", json={"data": {"accepted": True, "acceptance_opinion": "符合条件"}})
    assert r.status_code == 200, r.json
    grant(db, "AUD-1", "zz-erqi", "inspection")
    return case


def test_events_are_chained_per_case(worked_case, db):
    events = _events(db, "case:AUD-1")
    # accepting starts the investigation clock and stops the acceptance clock
    assert [e.action for e in events] == ["instance.start", "clock.start", "task.claim", "task.comment",
                                          "task.save_draft", "task.complete", "clock.start", "clock.stop",
                                          "case.grant"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS_HASH
    for previous, event in zip(events, events[1:]):
        assert event.prev_hash == previous.hash
    assert all(e.hash == audit.event_hash(e) for e in events)
    # events without a case (users, tokens, deployments, logins) go on the global chain
    global_actions = {e.action for e in _events(db, audit.GLOBAL_CHAIN)}
    assert {"user.create", "membership.add", "token.create", "process.deploy"} <= global_actions


def test_coverage_logins_deployments(app, browser, client_for, db):
    b = browser()
    assert b.login("inspector", "wrong-password-1").status_code == 401
    assert b.login("inspector").status_code == 200
    assert upload(client_for("owner"), {"t_proc.bpmn": simple(), "t_form.json": form_bytes()}).status_code == 201
    actions = [e.action for e in _events(db, audit.GLOBAL_CHAIN)]
    assert actions[-3:] == ["auth.login_failed", "auth.login", "process.deploy"]
    with db.transaction() as s:
        assert audit.verify_chain(s, audit.GLOBAL_CHAIN).ok


def test_verify_api_and_cli_accept_an_intact_chain(worked_case, client_for, db_url, capsys):
    r = client_for("inspector").get("/api/audit/verify?business_key=AUD-1")
    assert r.status_code == 200 and r.json["ok"] is True
    (report,) = r.json["chains"]
    assert report["chain_key"] == "case:AUD-1" and report["events_checked"] == 9 and report["head_hash"]
    r = client_for("admin").get("/api/audit/verify")
    assert r.status_code == 200 and r.json["ok"] is True and len(r.json["chains"]) >= 2
    assert cli.main(["--database-url", db_url, "audit", "verify", "--case", "AUD-1"]) == 0
    assert "ok        case:AUD-1  9 events" in capsys.readouterr().out
    assert cli.main(["--database-url", db_url, "audit", "verify"]) == 0


def test_the_table_refuses_updates_and_deletes(worked_case, db):
    for sql in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError):
            with db.engine.begin() as conn:
                conn.execute(text(sql))


def test_a_modified_event_is_named(worked_case, db, tamper, client_for, db_url, capsys):
    claim = _events(db, "case:AUD-1")[1]
    tamper("UPDATE audit_event SET actor = 'mallory' WHERE id = :id", id=claim.id)
    r = client_for("admin").get("/api/audit/verify?business_key=AUD-1").json
    assert r["ok"] is False
    (report,) = r["chains"]
    assert report["first_tampered_event_id"] == claim.id and report["first_tampered_seq"] == 2
    assert "modified" in report["reason"]
    assert cli.main(["--database-url", db_url, "audit", "verify", "--case", "AUD-1"]) == 1
    out = capsys.readouterr().out
    assert f"TAMPERED  case:AUD-1  first tampered event id={claim.id} seq=2" in out
    assert cli.main(["--database-url", db_url, "audit", "verify"]) == 1  # every chain: still found


def test_a_modified_payload_with_a_recomputed_hash_is_named_by_the_next_link(worked_case, db, tamper):
    events = _events(db, "case:AUD-1")
    forged = events[2]
    forged.after = {"comment_id": 1, "body": "改过的意见"}
    cast = ":after" if db.is_sqlite else "CAST(:after AS JSON)"
    tamper(f"UPDATE audit_event SET after = {cast}, hash = :hash WHERE id = :id",
           after='{"body": "改过的意见", "comment_id": 1}', hash=audit.event_hash(forged), id=forged.id)
    with db.transaction() as s:
        report = audit.verify_chain(s, "case:AUD-1")
    assert not report.ok and report.first_tampered_event_id == events[3].id and "prev_hash" in report.reason


def test_a_deleted_event_is_named(worked_case, db, tamper):
    events = _events(db, "case:AUD-1")
    tamper("DELETE FROM audit_event WHERE id = :id", id=events[2].id)
    with db.transaction() as s:
        report = audit.verify_chain(s, "case:AUD-1")
    assert not report.ok and report.first_tampered_event_id == events[3].id and "sequence" in report.reason


def test_a_truncated_chain_is_detected(worked_case, db, tamper):
    events = _events(db, "case:AUD-1")
    tamper("DELETE FROM audit_event WHERE id = :id", id=events[-1].id)
    with db.transaction() as s:
        report = audit.verify_chain(s, "case:AUD-1")
    assert not report.ok and "removed from the end" in report.reason


def test_concurrent_events_of_one_case_never_fork_the_chain(app, db):
    writers, per_writer = 8, 5
    barrier = threading.Barrier(writers)

    def write(n):
        barrier.wait()
        for i in range(per_writer):
            in_transaction(db, lambda s: audit.record(s, f"user{n}", "test.event", "case", "RACE-1",
                                                      business_key="RACE-1", after={"writer": n, "i": i}))
        return n

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    events = _events(db, "case:RACE-1")
    assert [e.seq for e in events] == list(range(1, writers * per_writer + 1))
    assert len({e.prev_hash for e in events}) == len(events)  # no two events share a predecessor
    with db.transaction() as s:
        report = audit.verify_chain(s, "case:RACE-1")
    assert report.ok and report.events_checked == writers * per_writer


def test_verify_endpoint_hides_cases_and_chains_from_others(worked_case, client_for):
    assert client_for("auditor").get("/api/audit/verify?business_key=AUD-1").status_code == 404
    assert client_for("auditor").get("/api/audit/verify?business_key=NO-SUCH").status_code == 404
    assert client_for("inspector").get("/api/audit/verify").status_code == 403
    assert client_for("inspector").get("/api/audit/verify?chain=global").status_code == 403
    assert client_for("admin").get("/api/audit/verify?chain=global").json["ok"] is True
