"""(c) Inbox latency over a large task table, and (f) server memory at idle and after serving it.

The four most common inbox queries, issued exactly as the API issues them (``services.inbox.list_tasks``:
visibility condition + filters, one COUNT and the first page of 50, in one transaction):

* ``mine``               my open tasks (``scope=mine``), default sort ``-priority,due_at``;
* ``group``              my groups' unclaimed open tasks (``scope=group``);
* ``overdue_supervisor`` a division head's overdue open tasks of their body (``overdue=true&body=..``,
                         sorted by due date);
* ``search``             the search box: alternately a case number over all statuses
                         (``business_key=..&status=any``) and an employer name fragment over open tasks
                         (``employer=..``).

Informational (not part of the target): ``search_supervisor``, the employer search by a division head, whose
visibility spans a whole body of a bureau.

Each query kind runs ``runs`` times with varied users and parameters, interleaved with the other kinds;
p50/p95 per kind. For every kind the SQL actually sent is captured once and explained
(``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite).

(f): a gunicorn app process is started on the loaded database; its RSS is read at idle (started, library
synced, one health request) and after it served the same four queries over HTTP (p50/p95 reported too).
"""
from __future__ import annotations

import random
import time
import urllib.parse
from pathlib import Path

from .common import (Sizes, database, http, log, percentile, start_gunicorn, summary_ms)
from . import datagen

KINDS = ("mine", "group", "overdue_supervisor", "search")

#: Indexes proposed by this benchmark (not in the models): measured in the same run after the baseline.
#: * scope: the supervisor arm of the visibility condition ``bureau = :b AND body = :k`` has no index, so an
#:   overdue-in-my-body query intersects every overdue open task with every row of the body (open or not);
#: * employer trigram (PostgreSQL): ``employer_name LIKE '%..%'`` cannot use a b-tree.
PROPOSED_INDEXES = {
    "postgresql": [
        "CREATE INDEX ix_task_open_scope_due ON task_row (status, bureau, body, due_at)",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX ix_task_employer_trgm ON task_row USING gin (employer_name gin_trgm_ops)",
    ],
    "sqlite": [
        "CREATE INDEX ix_task_open_scope_due ON task_row (status, bureau, body, due_at)",
        # SQLite takes ``assignee IS NULL`` for an equality on ix_task_open_assignee and walks every unclaimed
        # open task of every group; with the group in the same index it seeks the group's unclaimed rows.
        "CREATE INDEX ix_task_open_group_unclaimed ON task_row (status, candidate_group, assignee, priority, due_at)",
    ],
}
INFO_KINDS = ("search_supervisor",)


class QueryMaker:
    def __init__(self, summary: datagen.Generated, seed: int = 11, users: list[str] | None = None):
        self.s = summary
        self.org = summary.org
        self.rng = random.Random(seed)
        groups = [g for g in self.org.groups if summary.open_by_group.get(g)]
        weights = [summary.open_by_group[g] for g in groups]
        self._group_pick = datagen._Picker(groups, weights, self.rng)
        self._employer_pick = datagen._Picker(self.org.employers,
                                              datagen._zipf_weights(len(self.org.employers), 0.9), self.rng)
        self.heads = list(self.org.heads.items())
        self.user_group = self.org.user_group()
        self.allowed = set(users) if users else None
        self.n_search = 0

    def _user(self) -> tuple[str, str]:
        for _ in range(1000):
            group = self._group_pick()
            users = self.org.users[group]
            user = users[min(int(self.rng.expovariate(0.8)), len(users) - 1)]
            if self.allowed is None or user in self.allowed:
                return user, group
        user = self.rng.choice(sorted(u for u in self.allowed if u in self.user_group))
        return user, self.user_group[user]

    def _head(self) -> tuple[str, str, str]:
        for _ in range(1000):
            (bureau, body), head = self.rng.choice(self.heads)
            if self.allowed is None or head in self.allowed:
                return head, bureau, body
        raise RuntimeError("no division head among the allowed users")

    def _fragment(self) -> str:
        name = self._employer_pick()
        start = self.rng.randint(0, max(0, min(6, len(name) - 4)))
        return name[start:start + 4]

    def make(self, kind: str) -> dict:
        """Query parameters as the API takes them (``params``) plus the principal's groups."""
        if kind in ("mine", "group"):
            user, group = self._user()
            return {"user": user, "groups": [group], "params": {"scope": kind}}
        if kind == "overdue_supervisor":
            head, bureau, body = self._head()
            return {"user": head, "groups": [f"{bureau}/{body}/division_head"],
                    "params": {"overdue": "true", "body": body, "sort": "due_at"}}
        if kind == "search":
            user, group = self._user()
            self.n_search += 1
            if self.n_search % 2:
                bureau = group.split("/")[0]
                keys = self.s.business_keys_by_bureau.get(bureau) or [k for ks in self.s.business_keys_by_bureau.values() for k in ks]
                return {"user": user, "groups": [group], "variant": "case_number",
                        "params": {"business_key": self.rng.choice(keys), "status": "any"}}
            return {"user": user, "groups": [group], "variant": "employer", "params": {"employer": self._fragment()}}
        if kind == "search_supervisor":
            head, bureau, body = self._head()
            return {"user": head, "groups": [f"{bureau}/{body}/division_head"], "variant": "employer",
                    "params": {"employer": self._fragment()}}
        raise ValueError(kind)


def _filter(params: dict):
    from workflow_app.platform.tasks.inbox import TaskFilter
    args = {"status": "open"}
    sort = "-priority,due_at"
    for key, value in params.items():
        if key == "scope":
            args["scope"] = value
        elif key == "status":
            args["status"] = None if value == "any" else value
        elif key == "overdue":
            args["overdue"] = value == "true"
        elif key == "sort":
            sort = value
        else:
            args[key] = value
    return TaskFilter(**args), sort


def run_query(db, q: dict) -> tuple[float, int]:
    from workflow_app.platform.tasks import inbox
    from workflow_app.platform.identity.directory import Principal
    from workflow_app.platform.persistence.database import in_transaction
    principal = Principal(q["user"], q["user"], frozenset(q["groups"]))
    flt, sort = _filter(q["params"])
    t0 = time.perf_counter()
    rows, total = in_transaction(db, lambda s: inbox.list_tasks(s, principal, flt, sort=sort, page=1, per_page=50))
    return time.perf_counter() - t0, total


def explain(db, q: dict) -> list[dict]:
    """The statements ``list_tasks`` sends for ``q``, each with its plan."""
    from sqlalchemy import event
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "task_row" in statement and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run_query(db, q)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    out = []
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters in captured:
            if db.is_sqlite:
                cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                plan = [" ".join(str(c) for c in row[1:]) for row in cur.fetchall()]
            else:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cur.fetchall()]
            out.append({"sql": " ".join(statement.split())[:1500], "params": {k: str(v) for k, v in dict(
                parameters if isinstance(parameters, dict) else enumerate(parameters)).items()}, "plan": plan})
        cur.close()
        if not db.is_sqlite:
            raw.rollback()
    finally:
        raw.close()
    return out


def _apply_proposed(db, kind: str) -> float:
    from sqlalchemy import text
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in PROPOSED_INDEXES[kind]:
            conn.execute(text(statement))
        conn.execute(text("ANALYZE task_row" if kind == "postgresql" else "ANALYZE"))
    return round(time.perf_counter() - t0, 1)


def _measure_services(db, summary, runs: int) -> dict:
    maker = QueryMaker(summary)
    kinds = KINDS + INFO_KINDS
    for kind in kinds:  # warm-up
        for _ in range(3):
            run_query(db, maker.make(kind))
    times = {k: [] for k in kinds}
    totals = {k: [] for k in kinds}
    variants: dict[str, list[float]] = {}
    for _ in range(runs):
        for kind in kinds:
            q = maker.make(kind)
            elapsed, total = run_query(db, q)
            times[kind].append(elapsed)
            totals[kind].append(total)
            if "variant" in q:
                variants.setdefault(f"{kind}:{q['variant']}", []).append(elapsed)
    out = {}
    for kind in kinds:
        out[kind] = summary_ms(times[kind])
        out[kind]["mean_total_rows"] = round(sum(totals[kind]) / len(totals[kind]), 1)
        out[kind]["max_total_rows"] = max(totals[kind])
    out["variants"] = {k: summary_ms(v) for k, v in variants.items()}
    # one plan per kind (a busy group / a common fragment: the first parameters of a fixed seed)
    plan_maker = QueryMaker(summary, seed=99)
    out["plans"] = {}
    for kind in kinds:
        q = plan_maker.make(kind)
        try:
            out["plans"][kind] = {"query": q, "statements": explain(db, q)}
        except Exception as exc:
            out["plans"][kind] = {"query": q, "error": f"{type(exc).__name__}: {exc}"}
    if "search" in out["plans"]:  # the other search variant too
        q = plan_maker.make("search")
        try:
            out["plans"]["search:" + q["variant"]] = {"query": q, "statements": explain(db, q)}
        except Exception as exc:
            out["plans"]["search:" + q["variant"]] = {"query": q, "error": str(exc)}
    return out


def _measure_http(url: str, tokens: dict[str, str], summary, runs: int, tmp: Path) -> dict:
    server = start_gunicorn(url, tmp)
    try:
        time.sleep(1.0)
        http("GET", server.url + "/api/health")
        time.sleep(1.0)
        idle = server.rss()
        maker = QueryMaker(summary, seed=23, users=list(tokens))
        times = {k: [] for k in KINDS}
        errors = 0
        for _ in range(runs):
            for kind in KINDS:
                q = maker.make(kind)
                query = urllib.parse.urlencode({**q["params"], "per_page": 50})
                t0 = time.perf_counter()
                status, body = http("GET", f"{server.url}/api/tasks?{query}", tokens[q["user"]])
                times[kind].append(time.perf_counter() - t0)
                if status != 200:
                    errors += 1
                    if errors < 3:
                        log(f"(f) HTTP {status}: {str(body)[:300]}")
        after = server.rss()
        return {"rss_idle_mb": idle, "rss_after_mb": after, "http_latency": {k: summary_ms(v) for k, v in times.items()},
                "http_errors": errors, "requests": runs * len(KINDS)}
    finally:
        server.stop()


def run(sizes: Sizes, tmp: Path) -> dict:
    result: dict = {"rows": sizes.c_rows, "open": sizes.c_open, "groups": sizes.c_groups, "runs_per_kind": sizes.c_runs,
                    "page_size": 50, "kinds": list(KINDS), "informational_kinds": list(INFO_KINDS)}
    for kind in sizes.databases:
        with database(kind, "c", tmp) as url:
            from workflow_app.platform.persistence.database import Database
            db = Database(url)
            db.create_schema()
            gen = datagen.Generator(sizes.c_rows, sizes.c_open, sizes.c_groups)
            # users with API tokens for the HTTP part: a sample of members and every division head
            rng = random.Random(5)
            members = rng.sample(sorted(gen.org.user_group()), min(60, len(gen.org.user_group())))
            tokens = datagen.seed_org(db, gen.org, members + sorted(gen.org.heads.values()))
            log(f"(c) generating {sizes.c_rows:,} task rows ({sizes.c_open:,} open) on {kind}")
            last = [time.perf_counter()]

            def progress(done):
                if time.perf_counter() - last[0] > 15:
                    last[0] = time.perf_counter()
                    log(f"(c)   {done:,} rows")
            summary = datagen.load(db, gen, progress)
            log(f"(c) loaded in {summary.seconds}; measuring {sizes.c_runs} runs per query kind")
            out = {"generation_seconds": summary.seconds, "instances": summary.instances}
            out.update(_measure_services(db, summary, sizes.c_runs))
            db.dispose()
            log(f"(f) server memory and HTTP latency on {kind}")
            try:
                out["server"] = _measure_http(url, tokens, summary, sizes.c_http_runs, tmp)
            except Exception as exc:
                out["server"] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"(c) the same queries with the proposed indexes on {kind}")
            db = Database(url)
            try:
                built = _apply_proposed(db, kind)
                again = _measure_services(db, summary, max(10, sizes.c_runs // 2))
                again["indexes"] = PROPOSED_INDEXES[kind]
                again["build_seconds"] = built
                out["with_proposed_indexes"] = again
            except Exception as exc:
                out["with_proposed_indexes"] = {"error": f"{type(exc).__name__}: {exc}"}
            db.dispose()
            result[kind] = out
    return result
