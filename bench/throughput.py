"""(e) Throughput on PostgreSQL: case starts/s and task completions/s.

Set-up: a fresh PostgreSQL database with the benchmark library and the demo organisation; two gunicorn app
processes (``gunicorn -w 1 'workflow_app.entrypoints.app:create_app()'``, one sync worker each, on two ports) and one
``caseflow worker``. The load comes from a separate process (``python -m bench.loadgen``) over loopback:
a thread pool spreading requests round-robin over both app processes.

* starts: N ``POST /api/instances`` (bench_acceptance: the engine runs to the acceptance task);
* completions: the N acceptance tasks are claimed beforehand (untimed, one bulk UPDATE spread over 20
  members of the group), then N ``POST /api/tasks/{id}/complete`` (the case moves on to the next task).

CPU seconds used by each app process, the worker, PostgreSQL and the load generator are sampled over each
phase (psutil), so a miss can be attributed. With ``BENCH_PROFILE=1`` py-spy samples the first app
process during each phase and the hottest frames are reported.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

import psutil

from .common import (PYTHON, ROOT, VENV_BIN, CpuSampler, Sizes, database, log, make_app, start_gunicorn,
                     start_worker)
from .claim_race import create_users

WORKERS_GROUP = "zz-jinshui/inspection/inspector"


def _loadgen(args: list[str], tmp: Path, sampler_groups: dict, profile_pid: int | None, label: str) -> dict:
    out = tmp / f"loadgen_{label}.json"
    proc = subprocess.Popen([PYTHON, "-m", "bench.loadgen", *args, "--out", str(out)], cwd=ROOT)
    groups = dict(sampler_groups)
    groups["loadgen"] = [proc.pid]
    sampler = CpuSampler(groups)
    sampler.start()
    sys0 = psutil.cpu_times()
    me = psutil.Process()
    child0 = me.cpu_times()
    spy = None
    if profile_pid:
        spy_out = tmp / f"pyspy_{label}.txt"
        spy = subprocess.Popen([str(VENV_BIN / "py-spy"), "record", "-p", str(profile_pid), "-f", "raw", "-r", "200",
                                "-o", str(spy_out), "--nonblocking"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    proc.wait()
    cpu = sampler.stop()
    sys1 = psutil.cpu_times()
    child1 = me.cpu_times()
    used = (child1.children_user + child1.children_system) - (child0.children_user + child0.children_system)
    elapsed = time.perf_counter() - sampler.t0
    cpu["loadgen"] = {"cpu_s": round(used, 2), "cores_busy": round(used / elapsed, 2)}
    busy = (sys1.user + sys1.system + sys1.nice) - (sys0.user + sys0.system + sys0.nice)
    steal = getattr(sys1, "steal", 0.0) - getattr(sys0, "steal", 0.0)
    total = sum(sys1) - sum(sys0)
    ncpu = psutil.cpu_count() or 1
    ours = sum(v["cores_busy"] for v in cpu.values())
    cpu["machine"] = {"busy_share": round(busy / total, 2) if total else None,
                      "steal_share": round(steal / total, 3) if total else None,
                      "other_processes_cores": round(max(0.0, busy / total * ncpu - ours), 2) if total else None}
    result = json.loads(out.read_text())
    result["cpu"] = cpu
    if spy is not None:
        spy.send_signal(2)
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
        result["profile"] = summarise_pyspy(tmp / f"pyspy_{label}.txt")
    return result


def summarise_pyspy(path: Path, top: int = 25) -> dict:
    """Inclusive share of samples per frame (function + module) from py-spy's raw (collapsed) output."""
    if not path.exists():
        return {"error": "no py-spy output (ptrace not permitted?)"}
    inclusive: Counter = Counter()
    leaf: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].split("/")[-1] + ")" if " (" in f else f
                  for f in stack.split(";")]
        for f in set(frames):
            inclusive[f] += n
        leaf[frames[-1]] += n
    if not total:
        return {"error": "no samples"}
    keep = ("workflow_app", "runner", "serialization", "runtime", "inbox", "audit", "access", "sandbox", "registry",
            "calendar", "clocks", "forms", "identity", "SpiffWorkflow", "sqlalchemy", "psycopg", "json", "jsonschema")

    def fmt(counter, n):
        return [(f, round(100 * c / total, 1)) for f, c in counter.most_common(n)]
    return {"samples": total, "inclusive_top": fmt(inclusive, 60)[:top * 2], "leaf_top": fmt(leaf, top),
            "interesting": [(f, s) for f, s in fmt(inclusive, 400) if any(k in f for k in keep)][:top]}


def _claim_all(db, names: list[str], tokens: dict[str, str]) -> list:
    """Claim every open unclaimed acceptance task (untimed set-up), spread over ``names``."""
    from sqlalchemy import select, update
    from workflow_app.platform import clock
    from workflow_app.platform.persistence.models import TaskRow
    from workflow_app.platform.persistence.database import in_transaction

    def run(s):
        ids = s.scalars(select(TaskRow.id).where(TaskRow.status == "open", TaskRow.assignee.is_(None),
                                                 TaskRow.process_key == "bench_acceptance", TaskRow.task_spec == "accept")
                        .order_by(TaskRow.created_at)).all()
        now = clock.now()
        pairs = []
        for n, task_id in enumerate(ids):
            user = names[n % len(names)]
            s.execute(update(TaskRow).where(TaskRow.id == task_id).values(
                assignee=user, claimed_at=now, row_version=TaskRow.row_version + 1))
            pairs.append([task_id, tokens[user]])
        return pairs
    pairs = in_transaction(db, run)
    db.engine.dispose()
    return pairs


def _phases(db, urls: str, count: int, prefix: str, concurrency: int, names, tokens, tmp: Path, groups: dict,
            profile_pid: int | None, label: str) -> tuple[dict, dict]:
    from workflow_app.entrypoints import demo
    starts = _loadgen(["starts", "--servers", urls, "--token", demo.demo_token("admin"), "--count", str(count),
                       "--prefix", prefix, "--concurrency", str(concurrency)], tmp, groups, profile_pid,
                      f"starts{label}")
    pairs = _claim_all(db, names, tokens)
    tasks_file = tmp / f"tasks{label}.json"
    tasks_file.write_text(json.dumps(pairs))
    completions = _loadgen(["complete", "--servers", urls, "--tasks", str(tasks_file), "--concurrency",
                            str(concurrency)], tmp, groups, profile_pid, f"complete{label}")
    for r in (starts, completions):
        app_cpu = sum(_cpu_s(r, k) for k in ("app1", "app2"))
        pg_cpu = _cpu_s(r, "postgres")
        r["app_cpu_ms_per_request"] = round(1000 * app_cpu / r["ok"], 2) if r["ok"] else None
        r["postgres_cpu_ms_per_request"] = round(1000 * pg_cpu / r["ok"], 2) if r["ok"] else None
        ours = sum(_cpu_s(r, k) for k in ("app1", "app2", "worker", "postgres", "loadgen"))
        # What this set-up would reach if nothing else ran on the machine: all cores / our CPU per request.
        ncpu = psutil.cpu_count() or 1
        r["capacity_if_machine_idle_per_s"] = round(ncpu * r["ok"] / ours, 1) if ours else None
    return starts, completions


def _cpu_s(result: dict, key: str) -> float:
    return ((result.get("cpu") or {}).get(key) or {}).get("cpu_s") or 0.0


def run(sizes: Sizes, tmp: Path) -> dict:
    from workflow_app.entrypoints import demo
    result: dict = {"app_processes": 2, "gunicorn_workers_per_process": 1, "worker_processes": 1,
                    "concurrency": sizes.e_concurrency, "cases": sizes.e_starts, "database": "postgresql"}
    profile = os.environ.get("BENCH_PROFILE", "1" if sizes.mode == "full" else "0") == "1"
    with database("postgresql", "e", tmp) as url:
        app = make_app(url)
        db = app.extensions["caseflow.db"]
        demo.seed_organisation(db)
        names = [f"tp{i:02d}" for i in range(20)]
        tokens = create_users(db, names, WORKERS_GROUP)
        db.engine.dispose()
        # one after the other: app processes booting at the same moment race in the start-up DDL
        servers = [start_gunicorn(url, tmp), start_gunicorn(url, tmp)]
        worker = start_worker(url, tmp)
        try:
            time.sleep(1.5)
            result["rss_idle_mb"] = {f"app{i + 1}": s.rss() for i, s in enumerate(servers)}
            dbname = url.rsplit("/", 1)[1]
            groups = {"app1": servers[0].pids(), "app2": servers[1].pids(), "worker": [worker.proc.pid],
                      "postgres": CpuSampler.postgres_pids(dbname)}
            urls = ",".join(s.url for s in servers)
            # warm-up: a few starts through both servers (spec cache, calendar, connections)
            _loadgen(["starts", "--servers", urls, "--token", demo.demo_token("admin"), "--count", "10", "--prefix",
                      "WARM", "--concurrency", "2"], tmp, groups, None, "warmup")
            groups["postgres"] = CpuSampler.postgres_pids(dbname)  # backends of the pools opened by the warm-up
            log(f"(e) {sizes.e_starts} case starts then as many completions over HTTP, concurrency {sizes.e_concurrency}")
            result["starts"], result["completions"] = _phases(
                db, urls, sizes.e_starts, "TP", sizes.e_concurrency, names, tokens, tmp, groups, None, "")
            result["rss_after_mb"] = {f"app{i + 1}": s.rss() for i, s in enumerate(servers)}
            result["rss_after_mb"]["worker"] = worker.rss()
            if profile:
                n = max(100, min(600, sizes.e_starts // 3))
                log(f"(e) profiled extra round ({n} starts + completions, py-spy on app process 1; not the figures)")
                starts, completions = _phases(db, urls, n, "PR", sizes.e_concurrency, names, tokens, tmp, groups,
                                              servers[0].pids()[-1], "_profiled")
                result["profiled_round"] = {"requests": n, "starts_rate_per_s": starts["rate_per_s"],
                                            "completions_rate_per_s": completions["rate_per_s"],
                                            "starts": starts.get("profile"), "completions": completions.get("profile")}
        finally:
            for s in servers:
                s.stop()
            worker.stop()
            db.dispose()
    return result
