"""``python -m bench`` (or ``bench/run``): run the benchmark suite of issue 7 and write the reports.

Writes ``bench/results/latest.json`` and ``bench/results/latest.md`` (plus a time-stamped copy of the JSON)
and, unless ``--no-docs``, replaces ``docs/benchmarks.md`` with the latest figures.

    python -m bench                 # the issue's sizes (about 10-15 minutes on 2 cores)
    python -m bench --quick         # small smoke run (< 2 minutes)
    python -m bench --only c,f      # a subset: a b c d e g (f is measured with c; g: the dashboard's figures)
    python -m bench --db postgresql # one database only
    python -m bench --render bench/results/latest.json   # re-render the markdown from a JSON
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from . import common
from .common import RESULTS, ROOT, Sizes, log

PARTS = {
    "a": ("engine_overhead", "engine_overhead"),
    "b": ("history", "step_cost_vs_history"),
    "c": ("inbox", "inbox_latency"),  # includes f (server memory)
    "d": ("claim_race", "claim_race"),
    "e": ("throughput", "throughput"),
    "g": ("leadership", "dashboard_figures"),  # PostgreSQL only
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run in under two minutes")
    p.add_argument("--only", default="a,b,c,d,e,g", help="comma-separated parts to run (a,b,c,d,e,g; f runs with c)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--out", type=Path, default=RESULTS, help="results folder (default bench/results)")
    p.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    p.add_argument("--keep-tmp", action="store_true", help="keep the temporary folder (SQLite files, server logs)")
    p.add_argument("--merge", action="store_true",
                   help="keep the other parts' results of the existing latest.json (re-run only --only parts)")
    p.add_argument("--render", type=Path, metavar="JSON",
                   help="run nothing: re-render latest.md (and docs/benchmarks.md) from a results JSON")
    # size overrides
    p.add_argument("--rows", type=int, help="(c) task rows")
    p.add_argument("--open", type=int, help="(c) open task rows")
    p.add_argument("--runs", type=int, help="(c) runs per query kind")
    p.add_argument("--cases", type=int, help="(a) cases per variant")
    p.add_argument("--starts", type=int, help="(e) case starts (and completions)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        from . import report as reporting
        report = json.loads(args.render.read_text())
        report["targets"] = reporting.targets(report)
        md = reporting.markdown(report)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "latest.md").write_text(md)
        if not args.no_docs:
            (ROOT / "docs" / "benchmarks.md").write_text(reporting.docs_page(report, md))
        print(reporting.target_table(report))
        return 0
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("spiff").setLevel(logging.ERROR)
    sizes = Sizes.quick() if args.quick else Sizes()
    if args.db != "both":
        sizes.databases = (args.db,)
    for name, attr in (("rows", "c_rows"), ("open", "c_open"), ("runs", "c_runs"), ("cases", "a_cases"),
                       ("starts", "e_starts")):
        if getattr(args, name) is not None:
            setattr(sizes, attr, getattr(args, name))
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if "f" in parts and "c" not in parts:
        parts.append("c")
    tmp = common.tmpdir()
    started = time.time()
    log(f"mode {sizes.mode}; parts {','.join(parts)}; databases {','.join(sizes.databases)}; tmp {tmp}")
    report: dict = {"suite": "caseflow benchmarks (issue 7)", "mode": sizes.mode, "sizes": common.as_dict(sizes),
                    "machine": common.machine(), "load_before": common.load_snapshot(), "benchmarks": {},
                    "errors": {}}
    try:
        report["postgresql_settings"] = common.pg_settings()
    except Exception as exc:
        report["postgresql_settings"] = {"error": str(exc)}
    import importlib
    for part in "abcdeg":
        if part not in parts:
            continue
        module_name, key = PARTS[part]
        t0 = time.time()
        try:
            module = importlib.import_module(f"bench.{module_name}")
            load0 = os.getloadavg()
            ran_at = datetime.now().astimezone().isoformat(timespec="seconds")
            report["benchmarks"][key] = module.run(sizes, tmp)
            report["benchmarks"][key]["seconds"] = round(time.time() - t0, 1)
            report["benchmarks"][key]["ran_at"] = ran_at
            report["benchmarks"][key]["loadavg_1min_before_after"] = [round(load0[0], 2), round(os.getloadavg()[0], 2)]
        except Exception as exc:
            log(f"part {part} failed: {type(exc).__name__}: {exc}")
            report["errors"][key] = traceback.format_exc()[-4000:]
        log(f"part {part} done in {time.time() - t0:.0f}s")
    report["load_after"] = common.load_snapshot()
    previous = args.out / "latest.json"
    if args.merge and previous.exists():
        old = json.loads(previous.read_text())
        if old.get("mode") == sizes.mode:
            for key, value in old.get("benchmarks", {}).items():
                report["benchmarks"].setdefault(key, value)
            report["merged_from"] = old.get("machine", {}).get("date")
    report["duration_seconds"] = round(time.time() - started, 1)
    from . import report as reporting
    report["targets"] = reporting.targets(report)
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    (args.out / "latest.json").write_text(text)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (args.out / f"run-{sizes.mode}-{stamp}.json").write_text(text)
    md = reporting.markdown(report)
    (args.out / "latest.md").write_text(md)
    if not args.no_docs:
        (ROOT / "docs" / "benchmarks.md").write_text(reporting.docs_page(report, md))
    if not args.keep_tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    print(reporting.target_table(report))
    log(f"wrote {args.out / 'latest.json'} and latest.md in {report['duration_seconds']:.0f}s")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
