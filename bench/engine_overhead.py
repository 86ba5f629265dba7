"""(a) Engine overhead: intake -> acceptance through our services with persistence, against raw SpiffWorkflow.

One case = start (the engine runs to the acceptance task), claim, complete the acceptance with its form data
(the engine moves on to the next task). Four ways of doing the same case, interleaved case by case so that
load changes on the shared machine hit all of them alike:

* ``raw``       SpiffWorkflow in memory: ``BpmnWorkflow(spec)``, ``do_engine_steps``, complete the user task;
                plain ``PythonScriptEngine``; the spec parsed once, outside the timing (the baseline);
* ``sandboxed`` our engine layer, in memory: the RestrictedPython script engine, task properties evaluated,
                snapshots taken (``engine.runner``), no serialization, no database;
* ``serialized``the same plus a state dump after each step and a load before the completion (what
                persistence costs in CPU without the database);
* ``db_floor``  three minimal durable transactions (one single-row UPDATE + COMMIT each) through the same
                ``Database``: the least any design with one transaction per use case pays;
* ``services``  ``services.runtime.start_instance`` / ``services.inbox.claim`` / ``services.runtime.complete_task``,
                each in its own transaction (``in_transaction``), with persistence, projections and audit.

The ratio reported against the target is services / raw (medians of the whole path per case).
"""
from __future__ import annotations

import time
from pathlib import Path

from .common import LIBRARY, ROOT, Sizes, database, log, make_app, ratio, summary_ms

START_VARS = {"received_at": "2026-11-20T09:00:00+08:00", "employer_name": "郑州某建筑工程有限公司",
              "urgent": False, "workers_affected": 12}
ACCEPT_DATA = {"accepted": True, "acceptance_opinion": "材料齐全，符合受理条件"}


def _raw_spec(path: Path, process_id: str):
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(path))
    for dmn in (path.parent / "dmn").glob("*.dmn") if (path.parent / "dmn").is_dir() else []:
        parser.add_dmn_file(str(dmn))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def _plain_engine(with_functions: bool):
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    if not with_functions:
        return PythonScriptEngine()
    # Library diagrams call the curated deadline functions in scripts: give the plain engine the same names.
    from workflow_app.platform.calendar import OfficialCalendar
    from workflow_app.platform.engine import functions
    calendar = OfficialCalendar.builtin().provisional()
    return PythonScriptEngine(environment=TaskDataEnvironment(dict(functions.available_functions(calendar))))


def raw_case(spec, subs, engine) -> float:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState
    t0 = time.perf_counter()
    wf = BpmnWorkflow(spec, subs, script_engine=engine)
    wf.task_tree.data.update(START_VARS)
    wf.do_engine_steps()
    task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    task.data.update(ACCEPT_DATA)
    task.run()
    wf.do_engine_steps()
    wf.get_tasks(state=TaskState.READY, manual=True)
    return time.perf_counter() - t0


def sandboxed_case(loaded, serialize: bool) -> float:
    from workflow_app.platform.calendar import OfficialCalendar
    from workflow_app.platform.engine import runner, serialization
    calendar = OfficialCalendar.builtin().provisional()
    t0 = time.perf_counter()
    wf = runner.new_workflow(loaded.spec, loaded.subprocess_specs, calendar)
    wf.task_tree.data.update(START_VARS)
    wf.task_tree.data.update({"business_key": "X", "jurisdiction": "zz-jinshui"})
    runner.run_engine(wf, runner.StepLog())
    shot = runner.snapshot(wf)
    if serialize:
        state = serialization.dump_state(wf)
        wf = serialization.load_state(state, loaded.spec, loaded.subprocess_specs, runner.script_engine(calendar))
    task = runner.find_ready_task(wf, shot.ready[0].id)
    runner.complete_task(wf, task, dict(ACCEPT_DATA), runner.StepLog())
    runner.snapshot(wf)
    if serialize:
        serialization.dump_state(wf)
    return time.perf_counter() - t0


class ServicePath:
    def __init__(self, db, process_key: str, jurisdiction: str = "zz-jinshui", complete_data=None):
        from workflow_app.platform.identity import directory as identity
        from workflow_app.platform.persistence.database import in_transaction
        self.db = db
        self.key = process_key
        self.jurisdiction = jurisdiction
        self.n = 0
        self.data = complete_data or ACCEPT_DATA
        self.admin = in_transaction(db, lambda s: identity.principal_by_username(s, "admin"))
        self.workers = [in_transaction(db, lambda s, u=u: identity.principal_by_username(s, u))
                        for u in ("inspector", "inspector2")]

    def case(self) -> dict:
        from sqlalchemy import select
        from workflow_app.platform.persistence.models import TaskRow
        from workflow_app.platform.tasks import inbox
        from workflow_app.platform.runtime import instances as runtime
        from workflow_app.platform.persistence.database import in_transaction
        self.n += 1
        n = self.n
        worker = self.workers[n % 2]

        def start(s):
            inst = runtime.start_instance(s, self.admin, self.key, f"BA{n:07d}", self.jurisdiction, dict(START_VARS),
                                          START_VARS["employer_name"], "基准案件")
            return s.scalar(select(TaskRow.id).where(TaskRow.instance_id == inst.id, TaskRow.status == "open")
                            .order_by(TaskRow.created_at).limit(1))
        t0 = time.perf_counter()
        task_id = in_transaction(self.db, start)
        t1 = time.perf_counter()
        in_transaction(self.db, lambda s: inbox.claim(s, worker, task_id))
        t2 = time.perf_counter()
        in_transaction(self.db, lambda s: runtime.complete_task(s, worker, task_id, dict(self.data)))
        t3 = time.perf_counter()
        return {"total": t3 - t0, "start": t1 - t0, "claim": t2 - t1, "complete": t3 - t2}


def floor_case(db) -> float:
    from sqlalchemy import text
    from workflow_app.platform.persistence.database import in_transaction
    t0 = time.perf_counter()
    for _ in range(3):
        in_transaction(db, lambda s: s.execute(text("UPDATE bureau SET name = name WHERE code = 'zz'")))
    return time.perf_counter() - t0


def _statements_per_case(db, path) -> dict:
    """SQL statements (and commits) each use case sends, counted on one case."""
    from sqlalchemy import event
    counts = {"start": 0, "claim": 0, "complete": 0}
    current = ["start"]

    def count(*_args):
        counts[current[0]] += 1
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        from workflow_app.platform.tasks import inbox
        from workflow_app.platform.runtime import instances as runtime
        from workflow_app.platform.persistence.database import in_transaction
        original_claim, original_complete = inbox.claim, runtime.complete_task

        def claim(*a, **k):
            current[0] = "claim"
            return original_claim(*a, **k)

        def complete(*a, **k):
            current[0] = "complete"
            return original_complete(*a, **k)
        inbox.claim, runtime.complete_task = claim, complete
        try:
            path.case()
        finally:
            inbox.claim, runtime.complete_task = original_claim, original_complete
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counts


PACKAGES = (("sqlalchemy", "/sqlalchemy/"), ("psycopg (driver)", "/psycopg"), ("SpiffWorkflow", "/SpiffWorkflow/"),
            ("RestrictedPython", "/RestrictedPython/"), ("jsonschema", "/jsonschema"), ("workflow_app", "/workflow_app/"),
            ("json", "/json/"))


def profile_by_package(run_case, cases: int = 30) -> dict:
    """cProfile ``cases`` runs; own time (tottime) attributed to packages, plus the hottest functions."""
    import cProfile
    import pstats
    profiler = cProfile.Profile()
    t0 = time.process_time()
    profiler.enable()
    for _ in range(cases):
        run_case()
    profiler.disable()
    cpu = time.process_time() - t0
    stats = pstats.Stats(profiler).stats
    buckets: dict[str, float] = {}
    funcs = []
    total = 0.0
    for (filename, line, name), (_cc, _nc, tottime, _cum, _callers) in stats.items():
        total += tottime
        bucket = next((label for label, needle in PACKAGES if needle in filename), None)
        if bucket is None:
            bucket = "sqlite3 / C calls" if filename == "~" and ("sqlite3" in name or "commit" in name) else \
                "builtins / C" if filename == "~" else "other Python"
        buckets[bucket] = buckets.get(bucket, 0.0) + tottime
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        funcs.append((tottime, f"{short}:{line}({name})" if filename != "~" else name))
    funcs.sort(reverse=True)
    # cumulative time of our own service functions (where the time is spent, top-down)
    ours = sorted(((cum, f"{filename.split('/work/main/')[-1]}:{name}") for (filename, _l, name), (_c, _n, _t, cum, _)
                   in stats.items() if "/workflow_app/" in filename), reverse=True)
    return {"cases": cases, "cpu_ms_per_case_profiled": round(1000 * cpu / cases, 2),
            "own_time_share": {k: round(100 * v / total, 1) for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])},
            "top_functions_own_ms_per_case": [(round(1000 * t / cases, 3), f) for t, f in funcs[:15]],
            "workflow_app_cumulative_ms_per_case": [(round(1000 * c / cases, 3), f) for c, f in ours[:25]]}


def _measure(db_kind: str, url: str, cases: int, process_key: str, raw_spec, raw_engine, loaded) -> dict:
    from workflow_app.entrypoints import demo
    app = make_app(url) if process_key.startswith("bench_") else _library_app(url)
    db = app.extensions["caseflow.db"]
    demo.seed_organisation(db)
    path = ServicePath(db, process_key)
    spec, subs = raw_spec
    # warm-up: caches (spec cache, calendar, SQL compilation), first connections
    for _ in range(3):
        path.case(); raw_case(spec, subs, raw_engine); sandboxed_case(loaded, False); sandboxed_case(loaded, True)
    samples = {"raw": [], "sandboxed": [], "serialized": [], "db_floor": [], "services": [], "start": [], "claim": [],
               "complete": []}
    for i in range(cases):
        order = [0, 1, 2, 3, 4][i % 5:] + [0, 1, 2, 3, 4][:i % 5]  # rotate who goes first
        for which in order:
            if which == 0:
                samples["raw"].append(raw_case(spec, subs, raw_engine))
            elif which == 1:
                samples["sandboxed"].append(sandboxed_case(loaded, False))
            elif which == 2:
                samples["serialized"].append(sandboxed_case(loaded, True))
            elif which == 4:
                samples["db_floor"].append(floor_case(db))
            else:
                r = path.case()
                samples["services"].append(r["total"])
                for k in ("start", "claim", "complete"):
                    samples[k].append(r[k])
    statements = _statements_per_case(db, path)
    cpu = []
    for _ in range(max(5, cases // 4)):
        c0, w0 = time.process_time(), time.perf_counter()
        path.case()
        cpu.append((time.process_time() - c0, time.perf_counter() - w0))
    profile = profile_by_package(path.case, max(5, min(30, cases // 4)))
    db.dispose()
    out = {k: summary_ms(v) for k, v in samples.items()}
    out["statements_per_use_case"] = statements
    out["services_client_cpu"] = {"cpu_p50_ms": summary_ms([c for c, _ in cpu])["p50_ms"],
                                  "wall_p50_ms": summary_ms([w for _, w in cpu])["p50_ms"]}
    out["profile"] = profile
    out["ratio_services_vs_raw"] = ratio(out["services"]["p50_ms"], out["raw"]["p50_ms"])
    out["ratio_sandboxed_vs_raw"] = ratio(out["sandboxed"]["p50_ms"], out["raw"]["p50_ms"])
    out["ratio_serialized_vs_raw"] = ratio(out["serialized"]["p50_ms"], out["raw"]["p50_ms"])
    out["ratio_db_floor_vs_raw"] = ratio(out["db_floor"]["p50_ms"], out["raw"]["p50_ms"])
    out["ratio_services_start_complete_vs_raw"] = ratio(out["start"]["p50_ms"] + out["complete"]["p50_ms"],
                                                        out["raw"]["p50_ms"])
    return out


def _library_app(url: str):
    from workflow_app.entrypoints.app import create_app
    from workflow_app.entrypoints.config import Settings
    return create_app(Settings(database_url=url, secret_key="bench", library_folders=[ROOT / "bpmn", ROOT / "forms"]))


def _loaded_for(url_kind_tmp, process_key: str, folders):
    """Build the deployed version's spec as the services see it (through the registry's library builder)."""
    from workflow_app.platform.engine import library as lib, runner
    from workflow_app.platform.processes import registry
    files = registry.library_files(folders)
    library = lib.build_library(files, runner.build_only_script_engine)
    bundle = library.processes[process_key]

    class Loaded:
        spec = bundle.spec
        subprocess_specs = bundle.subprocess_specs
    return Loaded


def run(sizes: Sizes, tmp: Path) -> dict:
    result: dict = {"path": "start -> acceptance task (claim) -> complete acceptance -> next task ready",
                    "cases_per_variant": sizes.a_cases, "diagram": "bench/library/bench_acceptance.bpmn"}
    raw = _raw_spec(LIBRARY / "bench_acceptance.bpmn", "bench_acceptance")
    loaded = _loaded_for(None, "bench_acceptance", [LIBRARY])
    engine = _plain_engine(False)
    for kind in sizes.databases:
        log(f"(a) engine overhead on {kind}: {sizes.a_cases} cases per variant")
        with database(kind, "a", tmp) as url:
            result[kind] = _measure(kind, url, sizes.a_cases, "bench_acceptance", raw, engine, loaded)
    # The same path on the library's own inspection_case, when it deploys and runs (it is being reworked).
    try:
        raw_lib = _raw_spec(ROOT / "bpmn" / "inspection_case.bpmn", "inspection_case")
        loaded_lib = _loaded_for(None, "inspection_case", [ROOT / "bpmn", ROOT / "forms"])
        engine_lib = _plain_engine(True)
        lib_out = {"diagram": "bpmn/inspection_case.bpmn (library)", "cases_per_variant": max(5, sizes.a_cases // 4)}
        for kind in sizes.databases:
            log(f"(a) library inspection_case on {kind}")
            with database(kind, "alib", tmp) as url:
                lib_out[kind] = _measure(kind, url, lib_out["cases_per_variant"], "inspection_case", raw_lib,
                                         engine_lib, loaded_lib)
        result["library_inspection_case"] = lib_out
    except Exception as exc:  # the library is being reworked: report, do not fail the suite
        result["library_inspection_case"] = {"skipped": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return result
