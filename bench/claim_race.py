"""(d) Claim race: 50 concurrent claimer processes on one task; exactly one may win.

Two ways, each for several rounds (a fresh task per round):

* ``services``: 50 forked processes, each with its own database engine and an open connection, wait at a
  barrier and call ``services.inbox.claim`` in a transaction (``in_transaction``) at the same moment —
  the compare-and-set UPDATE is all that stands between them. PostgreSQL (and SQLite, where
  ``BEGIN IMMEDIATE`` serialises writers).
* ``http``: 50 processes, each as a different member of the candidate group with its own bearer token,
  POST ``/api/tasks/{id}/claim`` at once, spread over four gunicorn app processes (one sync worker each)
  on PostgreSQL.

Every round checks the outcome in the database too: the task's assignee is the one winner and the audit
trail holds exactly one ``task.claim`` event for the task.
"""
from __future__ import annotations

import hashlib
import multiprocessing as mp
import time
from pathlib import Path

from .common import Sizes, database, http, log, make_app, start_gunicorn

GROUP = "zz-jinshui/inspection/inspector"
HTTP_SERVERS = 4


def create_users(db, names: list[str], group_key: str) -> dict[str, str]:
    """Users in ``group_key`` with fixed bearer tokens (bulk, for benchmarks); returns name -> token."""
    from sqlalchemy import select
    from workflow_app.platform import clock
    from workflow_app.platform.persistence.models import ApiToken, Group, Membership, User
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.persistence.database import in_transaction
    tokens = {}

    def run(s):
        gid = s.scalar(select(Group.id).where(Group.key == group_key))
        now = clock.now()
        for name in names:
            user = User(username=name, display_name=f"基准{name}", is_active=True, created_at=now)
            s.add(user)
            s.flush()
            s.add(Membership(user_id=user.id, group_id=gid))
            secret = f"{identity.TOKEN_PREFIX}bench-{name}-token"
            s.add(ApiToken(user_id=user.id, name="bench", token_hash=hashlib.sha256(secret.encode()).hexdigest(),
                           prefix=secret[:10], created_at=now))
            tokens[name] = secret
    in_transaction(db, run)
    return tokens


def new_task(db, n: int) -> str:
    from sqlalchemy import select
    from workflow_app.platform.persistence.models import TaskRow
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.runtime import instances as runtime
    from workflow_app.platform.persistence.database import in_transaction

    def run(s):
        admin = identity.principal_by_username(s, "admin")
        inst = runtime.start_instance(s, admin, "bench_acceptance", f"RACE{n:05d}", "zz-jinshui",
                                      {"received_at": "2026-11-20T09:00:00+08:00", "employer_name": "某公司"},
                                      "某公司", "认领竞争")
        return s.scalar(select(TaskRow.id).where(TaskRow.instance_id == inst.id, TaskRow.status == "open"))
    return in_transaction(db, run)


def _claimer_services(url, task_id, username, barrier, results):
    from sqlalchemy import text
    from workflow_app.platform.persistence.database import Database
    from workflow_app.platform.tasks import inbox
    from workflow_app.platform.errors import Conflict
    from workflow_app.platform.identity.directory import Principal
    from workflow_app.platform.persistence.database import in_transaction
    db = Database(url)
    with db.engine.connect() as conn:  # connected before the start signal
        conn.execute(text("SELECT 1"))
    principal = Principal(username, username, frozenset({GROUP}))
    barrier.wait()
    t0 = time.perf_counter()
    try:
        in_transaction(db, lambda s: inbox.claim(s, principal, task_id))
        outcome = "won"
    except Conflict:
        outcome = "conflict"
    except Exception as exc:
        outcome = f"error: {type(exc).__name__}: {str(exc)[:200]}"
    results.put((username, outcome, time.perf_counter() - t0))
    db.dispose()


def _claimer_http(base_urls, task_id, username, token, barrier, results, index):
    base = base_urls[index % len(base_urls)]
    barrier.wait()
    t0 = time.perf_counter()
    try:
        status, body = http("POST", f"{base}/api/tasks/{task_id}/claim", token)
        outcome = "won" if status == 200 else ("conflict" if status == 409 else f"error: HTTP {status} {str(body)[:200]}")
    except Exception as exc:
        outcome = f"error: {type(exc).__name__}: {exc}"
    results.put((username, outcome, time.perf_counter() - t0))


def _verify(db, task_id: str, winners: list[str]) -> dict:
    from sqlalchemy import func, select
    from workflow_app.platform.persistence.models import AuditEvent, TaskRow
    from workflow_app.platform.persistence.database import in_transaction

    def run(s):
        row = s.get(TaskRow, task_id)
        claims = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_id == task_id, AuditEvent.action == "task.claim"))
        return row.assignee, claims
    assignee, claims = in_transaction(db, run)
    return {"assignee": assignee, "audit_claim_events": claims,
            "consistent": len(winners) == 1 and assignee == winners[0] and claims == 1}


def _round(ctx, target, args_for, n: int) -> tuple[list, float]:
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=args_for(i, barrier, results)) for i in range(n)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(timeout=30)
    return out, time.perf_counter() - t0


def _summarise(rounds: list[dict]) -> dict:
    winners = [r["winners"] for r in rounds]
    return {"rounds": len(rounds), "winners_per_round": winners, "all_exactly_one": all(w == 1 for w in winners),
            "consistent_in_db": all(r["check"]["consistent"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds), "details": rounds}


def run(sizes: Sizes, tmp: Path) -> dict:
    from workflow_app.entrypoints import demo
    ctx = mp.get_context("fork")
    n = sizes.d_claimers
    result: dict = {"claimers": n}
    for kind in sizes.databases:
        log(f"(d) claim race on {kind}: {n} processes x {sizes.d_rounds} rounds (services)")
        with database(kind, "d", tmp) as url:
            app = make_app(url)
            db = app.extensions["caseflow.db"]
            demo.seed_organisation(db)
            names = [f"claimer{i:02d}" for i in range(n)]
            tokens = create_users(db, names, GROUP)
            rounds = []
            for r in range(sizes.d_rounds):
                task_id = new_task(db, r)
                db.engine.dispose()  # nothing pooled is shared with the forked children
                out, elapsed = _round(ctx, _claimer_services,
                                      lambda i, b, q: (url, task_id, names[i], b, q), n)
                won = [u for u, o, _ in out if o == "won"]
                rounds.append({"task": task_id, "winners": len(won),
                               "conflicts": sum(1 for _, o, _ in out if o == "conflict"),
                               "errors": sum(1 for _, o, _ in out if o.startswith("error")),
                               "error_samples": [o for _, o, _ in out if o.startswith("error")][:3],
                               "slowest_claim_ms": round(max(t for _, _, t in out) * 1000, 1),
                               "round_s": round(elapsed, 2), "check": _verify(db, task_id, won)})
            result[kind] = {"services": _summarise(rounds)}
            if kind == "postgresql" and sizes.d_http_rounds:
                log(f"(d) claim race over HTTP: {n} processes x {sizes.d_http_rounds} rounds, {HTTP_SERVERS} app processes")
                db.engine.dispose()
                # One worker per gunicorn, started one after the other: workers booting at the same moment race
                # in create_app's schema/trigger DDL ("tuple concurrently updated"; see docs/benchmarks.md).
                servers = [start_gunicorn(url, tmp, workers=1) for _ in range(HTTP_SERVERS)]
                try:
                    rounds = []
                    bases = [s.url for s in servers]
                    for r in range(sizes.d_http_rounds):
                        task_id = new_task(db, 1000 + r)
                        db.engine.dispose()
                        out, elapsed = _round(ctx, _claimer_http,
                                              lambda i, b, q: (bases, task_id, names[i], tokens[names[i]], b, q, i), n)
                        won = [u for u, o, _ in out if o == "won"]
                        rounds.append({"task": task_id, "winners": len(won),
                                       "conflicts": sum(1 for _, o, _ in out if o == "conflict"),
                                       "errors": sum(1 for _, o, _ in out if o.startswith("error")),
                                       "error_samples": [o for _, o, _ in out if o.startswith("error")][:3],
                                       "slowest_claim_ms": round(max(t for _, _, t in out) * 1000, 1),
                                       "round_s": round(elapsed, 2), "check": _verify(db, task_id, won)})
                    result[kind]["http"] = _summarise(rounds)
                finally:
                    for s in servers:
                        s.stop()
            db.dispose()
    return result
