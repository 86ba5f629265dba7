"""(b) Step cost against history: completing a task in a case with few versus many completed tasks.

The diagram (bench/library/bench_history.bpmn) repeats one user task with standard loop characteristics —
the loop pattern the architecture prescribes — so every completion adds one completed task to the case's
history (task tree, task data, inbox rows, audit chain) without deepening the tree. Two cases are driven to
``low`` and ``high`` completed tasks; then completions are measured alternately in both (claim untimed,
``services.runtime.complete_task`` in its own transaction timed). Each measured completion adds one more
completed task, so the histories measured are ``low .. low+samples-1`` and ``high .. high+samples-1``.

Beside the timing, the completion is decomposed in memory (no database) on each case's stored state:
deserialize, complete + engine steps, snapshot, serialize.
"""
from __future__ import annotations

import time
from pathlib import Path

from .common import Sizes, database, log, make_app, ratio, summary_ms


def _open_task(db, instance_id):
    from sqlalchemy import select
    from workflow_app.platform.persistence.models import TaskRow
    from workflow_app.platform.persistence.database import in_transaction
    return in_transaction(db, lambda s: s.scalar(select(TaskRow.id).where(TaskRow.instance_id == instance_id,
                                                                           TaskRow.status == "open")))


def _complete(db, principal, instance_id, n: int) -> float:
    from workflow_app.platform.tasks import inbox
    from workflow_app.platform.runtime import instances as runtime
    from workflow_app.platform.persistence.database import in_transaction
    task_id = _open_task(db, instance_id)
    in_transaction(db, lambda s: inbox.claim(s, principal, task_id))
    t0 = time.perf_counter()
    in_transaction(db, lambda s: runtime.complete_task(s, principal, task_id, {"note": f"第{n}步办理意见"}))
    return time.perf_counter() - t0


def _decompose(db, instance_id, repeats: int = 5) -> dict:
    """Time the engine-side parts of one completion on the stored state, in memory."""
    from workflow_app.platform.calendar import OfficialCalendar
    from workflow_app.platform.engine import runner, serialization
    from workflow_app.platform.persistence.models import ProcessInstance, ProcessVersion
    from workflow_app.platform.processes import registry
    from workflow_app.platform.persistence.database import in_transaction

    def fetch(s):
        inst = s.get(ProcessInstance, instance_id)
        return inst.state, registry.spec_cache.get(s.get(ProcessVersion, inst.process_version_id))
    state, loaded = in_transaction(db, fetch)
    parts = {"load_state": [], "complete_and_engine": [], "snapshot": [], "tree_depth": [], "dump_state": []}
    tasks = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        wf = serialization.load_state(state, loaded.spec, loaded.subprocess_specs,
                                      runner.script_engine(OfficialCalendar.builtin().provisional()))
        t1 = time.perf_counter()
        shot = runner.snapshot(wf)
        task = runner.find_ready_task(wf, shot.ready[0].id)
        t2 = time.perf_counter()
        runner.complete_task(wf, task, {"note": "分解计时"}, runner.StepLog())
        t3 = time.perf_counter()
        runner.snapshot(wf)
        t4 = time.perf_counter()
        runner.tree_depth(wf)
        t5 = time.perf_counter()
        serialization.dump_state(wf)
        t6 = time.perf_counter()
        parts["load_state"].append(t1 - t0)
        parts["complete_and_engine"].append(t3 - t2)
        parts["snapshot"].append(t4 - t3)
        parts["tree_depth"].append(t5 - t4)
        parts["dump_state"].append(t6 - t5)
        tasks = len(wf.tasks)
    out = {k: summary_ms(v)["p50_ms"] for k, v in parts.items()}
    out["state_bytes"] = len(state)
    out["spiff_tasks_in_tree"] = tasks
    return out


def _measure(url: str, sizes: Sizes) -> dict:
    from workflow_app.entrypoints import demo
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.runtime import instances as runtime
    from workflow_app.platform.persistence.database import in_transaction
    app = make_app(url)
    db = app.extensions["caseflow.db"]
    demo.seed_organisation(db)
    admin = in_transaction(db, lambda s: identity.principal_by_username(s, "admin"))
    worker = in_transaction(db, lambda s: identity.principal_by_username(s, "inspector"))
    ids = {}
    for label in ("low", "high"):
        inst = in_transaction(db, lambda s: runtime.start_instance(
            s, admin, "bench_history", f"BH-{label}", "zz-jinshui", {}, "郑州某物流有限公司", "历史基准"))
        ids[label] = inst.id
    t0 = time.perf_counter()
    build_times = []
    for n in range(sizes.b_high):
        if n < sizes.b_low:
            _complete(db, worker, ids["low"], n)
        build_times.append(_complete(db, worker, ids["high"], n))
    log(f"(b) built histories {sizes.b_low} and {sizes.b_high} in {time.perf_counter() - t0:.1f}s")
    before = {label: _decompose(db, ids[label]) for label in ("low", "high")}
    samples = {"low": [], "high": []}
    for i in range(sizes.b_samples):
        order = ("low", "high") if i % 2 == 0 else ("high", "low")
        for label in order:
            history = (sizes.b_low if label == "low" else sizes.b_high) + len(samples[label])
            samples[label].append(_complete(db, worker, ids[label], history))
    db.dispose()
    low, high = summary_ms(samples["low"]), summary_ms(samples["high"])
    # the build-up itself gives the cost curve: completion time at history 0, 25, 50, ...
    curve = {}
    step = max(1, sizes.b_high // 8)
    for start in range(0, sizes.b_high, step):
        window = build_times[start:start + step]
        curve[f"{start}-{start + len(window) - 1}"] = summary_ms(window)["p50_ms"]
    return {"low": low, "high": high, "ratio_p50": ratio(high["p50_ms"], low["p50_ms"]),
            "ratio_mean": ratio(high["mean_ms"], low["mean_ms"]),
            "in_memory_decomposition_ms": before, "build_curve_p50_ms": curve}


def run(sizes: Sizes, tmp: Path) -> dict:
    result: dict = {"history_low": sizes.b_low, "history_high": sizes.b_high, "samples": sizes.b_samples,
                    "diagram": "bench/library/bench_history.bpmn (standard loop)"}
    for kind in sizes.databases:
        log(f"(b) step cost against history on {kind}")
        with database(kind, "b", tmp) as url:
            result[kind] = _measure(url, sizes)
    return result
