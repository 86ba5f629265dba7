"""Targets (issue 7 part 2) and the markdown reports (bench/results/latest.md, docs/benchmarks.md).

Targets are reported, never asserted: a miss is a finding to explain (bench/NOTES.md holds the analysis
that docs/benchmarks.md carries below the figures).
"""
from __future__ import annotations

from pathlib import Path

NOTES = Path(__file__).resolve().parent / "NOTES.md"


def _get(d, *path, default=None):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def targets(report: dict) -> list[dict]:
    b = report.get("benchmarks", {})
    out = []

    def add(tid, name, target, measured, passed, detail=""):
        out.append({"id": tid, "name": name, "target": target, "measured": measured,
                    "pass": passed, "detail": detail})

    a = b.get("engine_overhead")
    if a:
        vals = {db: _get(a, db, "ratio_services_vs_raw") for db in ("sqlite", "postgresql") if _get(a, db)}
        add("a", "engine overhead (services+persistence / raw Spiff, p50 per case)", "≤ 3×",
            ", ".join(f"{db} {v}×" for db, v in vals.items()), all(v <= 3 for v in vals.values()) if vals else None,
            "; ".join(f"{db}: {_get(a, db, 'services', 'p50_ms')} ms vs raw {_get(a, db, 'raw', 'p50_ms')} ms"
                      for db in vals))
    h = b.get("step_cost_vs_history")
    if h:
        vals = {db: _get(h, db, "ratio_p50") for db in ("sqlite", "postgresql") if _get(h, db)}
        add("b", f"step cost at history {h['history_high']} vs {h['history_low']} (p50)", "≤ 1.5×",
            ", ".join(f"{db} {v}×" for db, v in vals.items()), all(v <= 1.5 for v in vals.values()) if vals else None,
            "; ".join(f"{db}: {_get(h, db, 'high', 'p50_ms')} ms vs {_get(h, db, 'low', 'p50_ms')} ms" for db in vals))
    c = b.get("inbox_latency")
    if c:
        pg = c.get("postgresql")
        if pg:
            p95 = {k: _get(pg, k, "p95_ms") for k in c["kinds"]}
            worst = max(p95.values())
            fixed = {k: _get(pg, "with_proposed_indexes", k, "p95_ms") for k in c["kinds"]}
            extra = ""
            if all(v is not None for v in fixed.values()):
                extra = (f"; with the proposed indexes (same run): worst {max(fixed.values())} ms ("
                         + ", ".join(f"{k} {v} ms" for k, v in fixed.items()) + ")")
            add("c", f"inbox p95 on PostgreSQL, {c['rows']:,} rows / {c['open']:,} open (worst of 4 queries)",
                "≤ 50 ms", f"{worst} ms", worst <= 50, ", ".join(f"{k} {v} ms" for k, v in p95.items()) + extra)
        sq = c.get("sqlite")
        if sq:
            p95 = {k: _get(sq, k, "p95_ms") for k in c["kinds"]}
            add("c'", "inbox p95 on SQLite (no target; reported)", "—", f"{max(p95.values())} ms", None,
                ", ".join(f"{k} {v} ms" for k, v in p95.items()))
        rss = _get(c, "postgresql", "server", "rss_after_mb")
        idle = _get(c, "postgresql", "server", "rss_idle_mb")
        if rss:
            add("f", "server RSS after (c) on PostgreSQL (gunicorn master + worker)", "≤ 300 MB",
                f"{rss['total']} MB (idle {idle['total']} MB)", rss["total"] <= 300,
                f"worker {rss.get('worker1')} MB after, {idle.get('worker1')} MB idle")
    d = b.get("claim_race")
    if d:
        parts = []
        ok = True
        for db in ("sqlite", "postgresql"):
            for way in ("services", "http"):
                r = _get(d, db, way)
                if r:
                    parts.append(f"{db}/{way} {sorted(set(r['winners_per_round']))}")
                    ok = ok and r["all_exactly_one"] and r["consistent_in_db"]
        add("d", f"claim race, {d['claimers']} processes on one task: winners per round", "exactly 1",
            "; ".join(parts), ok if parts else None)
    e = b.get("throughput")
    if e and "starts" in e:
        add("e1", "case starts/s (2 app processes + worker, PostgreSQL, HTTP)", "≥ 50/s",
            f"{e['starts']['rate_per_s']}/s", e["starts"]["rate_per_s"] >= 50,
            f"p50 {e['starts']['latency_ms']['p50']} ms, errors {e['starts']['errors'] or 0}, other processes used "
            f"{_get(e, 'starts', 'cpu', 'machine', 'other_processes_cores')} cores; estimate with the machine to "
            f"ourselves {e['starts'].get('capacity_if_machine_idle_per_s')}/s")
    if e and "completions" in e:
        add("e2", "task completions/s (same set-up)", "≥ 100/s", f"{e['completions']['rate_per_s']}/s",
            e["completions"]["rate_per_s"] >= 100,
            f"p50 {e['completions']['latency_ms']['p50']} ms, errors {e['completions']['errors'] or 0}, other processes "
            f"used {_get(e, 'completions', 'cpu', 'machine', 'other_processes_cores')} cores; estimate with the machine "
            f"to ourselves {e['completions'].get('capacity_if_machine_idle_per_s')}/s")
    g = b.get("dashboard_figures")
    if g and g.get("postgresql"):
        worst = {key: max(v["p95_ms"] for v in figs.values()) for key, figs in g["postgresql"].items()}
        top = max(worst.values())
        add("g", f"dashboard figures p95 on PostgreSQL, {g['complaints']:,} complaints (worst figure per viewer/period)",
            f"< {g['target_p95_ms']} ms", f"{top} ms", top < g["target_p95_ms"],
            ", ".join(f"{k} {v} ms" for k, v in worst.items()))
    return out


def _mark(passed) -> str:
    return {True: "pass", False: "**MISS**", None: "—"}[passed]


def target_table(report: dict) -> str:
    lines = ["| | figure | target | measured | result |", "|---|---|---|---|---|"]
    for t in report.get("targets", []):
        lines.append(f"| {t['id']} | {t['name']} | {t['target']} | {t['measured']} | {_mark(t['pass'])} |")
    return "\n".join(lines)


def _ms(d, key="p50_ms"):
    v = _get(d, key)
    return "—" if v is None else f"{v:g}"


def markdown(report: dict) -> str:
    m = report["machine"]
    b = report["benchmarks"]
    L = []
    L.append(f"# Benchmark results ({report['mode']} run)\n")
    L.append(f"Run {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; "
             f"Python {m['python']}, PostgreSQL {m['postgresql']}, SQLite {m['sqlite']}, "
             f"SpiffWorkflow {m['spiffworkflow']}, SQLAlchemy {m['sqlalchemy']}; code {m['git_commit']}.  ")
    L.append(f"Load average before {report['load_before']['loadavg']} / after {report['load_after']['loadavg']} "
             f"(the machine is shared); the whole suite took {report['duration_seconds']:.0f} s.")
    parts = [f"{k} at {v['ran_at'][11:19]} (1-min load {v['loadavg_1min_before_after'][0]} → "
             f"{v['loadavg_1min_before_after'][1]})" for k, v in b.items() if isinstance(v, dict) and v.get("ran_at")]
    if parts:
        L.append("Parts: " + "; ".join(parts) + (f" (parts not re-run were merged from the run of "
                                                 f"{report['merged_from']})" if report.get("merged_from") else "") + ".")
    L.append("")
    L.append("## Targets\n")
    L.append(target_table(report) + "\n")
    for t in report.get("targets", []):
        if t.get("detail"):
            L.append(f"* **{t['id']}** {t['detail']}")
    L.append("")
    if report.get("errors"):
        L.append("## Errors\n")
        for k, v in report["errors"].items():
            L.append(f"**{k}**\n\n```\n{v[-1500:]}\n```\n")

    a = b.get("engine_overhead")
    if a:
        L.append("## (a) Engine overhead: intake → acceptance\n")
        L.append(f"Path: {a['path']}; {a['cases_per_variant']} cases per variant, interleaved; diagram "
                 f"`{a['diagram']}`. Milliseconds per case.\n")
        L.append("| database | raw Spiff p50 | sandboxed engine p50 | + serialization p50 | 3 empty durable "
                 "transactions p50 | services p50 (p95) | start / claim / complete p50 | SQL statements start / claim / "
                 "complete | services ÷ raw |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for db in ("sqlite", "postgresql"):
            r = a.get(db)
            if r:
                st = r.get("statements_per_use_case", {})
                L.append(f"| {db} | {_ms(r['raw'])} | {_ms(r['sandboxed'])} | {_ms(r['serialized'])} | "
                         f"{_ms(r.get('db_floor'))} | "
                         f"{_ms(r['services'])} ({_ms(r['services'], 'p95_ms')}) | {_ms(r['start'])} / {_ms(r['claim'])} / "
                         f"{_ms(r['complete'])} | {st.get('start')} / {st.get('claim')} / {st.get('complete')} | "
                         f"**{r['ratio_services_vs_raw']}×** |")
        lib = a.get("library_inspection_case") or {}
        if lib.get("skipped"):
            L.append(f"\nLibrary `inspection_case`: skipped ({lib['skipped']}).")
        else:
            for db in ("sqlite", "postgresql"):
                r = lib.get(db)
                if r:
                    st = r.get("statements_per_use_case", {})
                    L.append(f"| {db}, library inspection_case | {_ms(r['raw'])} | {_ms(r['sandboxed'])} | "
                             f"{_ms(r['serialized'])} | {_ms(r.get('db_floor'))} | "
                             f"{_ms(r['services'])} ({_ms(r['services'], 'p95_ms')}) | "
                             f"{_ms(r['start'])} / {_ms(r['claim'])} / {_ms(r['complete'])} | "
                             f"{st.get('start')} / {st.get('claim')} / {st.get('complete')} | "
                             f"{r['ratio_services_vs_raw']}× |")
        for db in ("sqlite", "postgresql"):
            r = a.get(db)
            if r and r.get("profile"):
                pr, cpu = r["profile"], r.get("services_client_cpu", {})
                L.append(f"\nWhere the services path spends its time on {db}: application CPU {cpu.get('cpu_p50_ms')} ms of "
                         f"{cpu.get('wall_p50_ms')} ms wall per case (p50, bench process). cProfile own time by package: "
                         + ", ".join(f"{k} {v} %" for k, v in pr["own_time_share"].items()) + ".")
                L.append(f"<details><summary>hottest functions and cumulative time of workflow_app functions "
                         f"({db}, ms per case under cProfile)</summary>\n\n```")
                for ms, f in pr["top_functions_own_ms_per_case"]:
                    L.append(f"own {ms:7.3f}  {f}")
                L.append("")
                for ms, f in pr["workflow_app_cumulative_ms_per_case"]:
                    L.append(f"cum {ms:7.3f}  {f}")
                L.append("```\n</details>\n")
        L.append("")
    h = b.get("step_cost_vs_history")
    if h:
        L.append("## (b) Step cost against history\n")
        L.append(f"Completing one task (`services.runtime.complete_task`, one transaction) in a case with "
                 f"{h['history_low']} vs {h['history_high']} completed tasks; {h['samples']} completions each, "
                 f"alternating; diagram `{h['diagram']}`. Milliseconds.\n")
        L.append(f"| database | history {h['history_low']} p50 (p95) | history {h['history_high']} p50 (p95) | ratio p50 |")
        L.append("|---|---|---|---|")
        for db in ("sqlite", "postgresql"):
            r = h.get(db)
            if r:
                L.append(f"| {db} | {_ms(r['low'])} ({_ms(r['low'], 'p95_ms')}) | {_ms(r['high'])} "
                         f"({_ms(r['high'], 'p95_ms')}) | **{r['ratio_p50']}×** |")
        L.append("\nIn-memory decomposition of one completion (ms, no database):\n")
        L.append("| database | history | state bytes | Spiff tasks | load_state | complete+engine | snapshot | "
                 "tree_depth | dump_state |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for db in ("sqlite", "postgresql"):
            r = h.get(db)
            if r:
                for label, hist in (("low", h["history_low"]), ("high", h["history_high"])):
                    x = r["in_memory_decomposition_ms"][label]
                    L.append(f"| {db} | {hist} | {x['state_bytes']:,} | {x['spiff_tasks_in_tree']} | {x['load_state']} | "
                             f"{x['complete_and_engine']} | {x['snapshot']} | {x['tree_depth']} | {x['dump_state']} |")
        r = h.get("postgresql") or h.get("sqlite")
        if r:
            L.append("\nCompletion time (p50 ms) while building the long history, by history window: "
                     + ", ".join(f"{k}: {v}" for k, v in r["build_curve_p50_ms"].items()) + "\n")
    c = b.get("inbox_latency")
    if c:
        L.append("## (c) Inbox latency\n")
        L.append(f"{c['rows']:,} task rows, {c['open']:,} open, {c['groups']} candidate groups; "
                 f"`services.inbox.list_tasks` (count + first page of {c['page_size']}) in a transaction, "
                 f"{c['runs_per_kind']} runs per query kind with varied users. Milliseconds.\n")
        L.append("| query | PostgreSQL p50 | PostgreSQL p95 | SQLite p50 | SQLite p95 | mean rows matched | "
                 "with proposed indexes: PG p50 / p95 | SQLite p50 / p95 |")
        L.append("|---|---|---|---|---|---|---|---|")
        for k in c["kinds"] + c["informational_kinds"]:
            pg, sq = _get(c, "postgresql", k) or {}, _get(c, "sqlite", k) or {}
            pgx = _get(c, "postgresql", "with_proposed_indexes", k) or {}
            sqx = _get(c, "sqlite", "with_proposed_indexes", k) or {}
            info = " (informational)" if k in c["informational_kinds"] else ""
            L.append(f"| {k}{info} | {_ms(pg)} | {_ms(pg, 'p95_ms')} | {_ms(sq)} | {_ms(sq, 'p95_ms')} | "
                     f"{pg.get('mean_total_rows', sq.get('mean_total_rows', '—'))} | {_ms(pgx)} / {_ms(pgx, 'p95_ms')} | "
                     f"{_ms(sqx)} / {_ms(sqx, 'p95_ms')} |")
        for db in ("postgresql", "sqlite"):
            x = _get(c, db, "with_proposed_indexes") or {}
            if x.get("indexes"):
                L.append(f"\nProposed indexes measured on {db} (built in {x['build_seconds']} s, "
                         f"{_get(x, 'mine', 'n')} runs per kind): "
                         + "; ".join(f"`{i}`" for i in x["indexes"]))
            elif x.get("error"):
                L.append(f"\nProposed indexes on {db}: error {x['error']}")
        for db in ("postgresql", "sqlite"):
            v = _get(c, db, "variants") or {}
            if v:
                L.append(f"\nSearch variants on {db}: " + "; ".join(
                    f"{k} p50 {_ms(x)} / p95 {_ms(x, 'p95_ms')} ms" for k, x in v.items()))
        for db in ("postgresql", "sqlite"):
            g = _get(c, db, "generation_seconds")
            if g:
                L.append(f"\nData generation on {db}: {g}.")
        L.append("")
        for db in ("postgresql", "sqlite"):
            s = _get(c, db, "server")
            if s and "rss_idle_mb" in s:
                L.append(f"## (f) Server memory ({db})\n")
                L.append(f"One gunicorn app process (master + 1 sync worker) on the (c) database. RSS idle: "
                         f"{s['rss_idle_mb']} MB; after serving {s['requests']} inbox requests: {s['rss_after_mb']} MB.\n")
                L.append("HTTP latency of the same queries through that server (ms): " + "; ".join(
                    f"{k} p50 {_ms(x)} / p95 {_ms(x, 'p95_ms')}" for k, x in s["http_latency"].items())
                    + f"; errors {s['http_errors']}.\n")
            elif s:
                L.append(f"## (f) Server memory ({db})\n\nerror: {s.get('error')}\n")
        for db, label in (("postgresql", "PostgreSQL"), ("sqlite", "SQLite")):
            for variant, title in ((("plans",), ""), (("with_proposed_indexes", "plans"), " with the proposed indexes")):
                plans = _get(c, db, *variant) or {}
                if not plans:
                    continue
                L.append(f"### Query plans on {label}{title} (one representative call per kind)\n")
                for k, p in plans.items():
                    L.append(f"<details><summary>{k}: {p['query'].get('params')}</summary>\n")
                    for st in p.get("statements", []):
                        L.append("```\n" + st["sql"][:400] + " ...\n\n" + "\n".join(st["plan"][:40]) + "\n```")
                    L.append("</details>\n")
    d = b.get("claim_race")
    if d:
        L.append("## (d) Claim race\n")
        L.append(f"{d['claimers']} processes claim the same open task at once (barrier), per round a fresh task.\n")
        L.append("| database | way | rounds | winners per round | conflicts (409) | errors | consistent in DB | slowest claim ms |")
        L.append("|---|---|---|---|---|---|---|---|")
        for db in ("sqlite", "postgresql"):
            for way in ("services", "http"):
                r = _get(d, db, way)
                if r:
                    conflicts = sorted({x["conflicts"] for x in r["details"]})
                    slow = max(x["slowest_claim_ms"] for x in r["details"])
                    L.append(f"| {db} | {way} | {r['rounds']} | {r['winners_per_round']} | {conflicts} | {r['errors']} | "
                             f"{r['consistent_in_db']} | {slow} |")
        L.append("")
    e = b.get("throughput")
    if e and "starts" in e:
        L.append("## (e) Throughput (PostgreSQL, HTTP over loopback)\n")
        L.append(f"2 gunicorn app processes (1 sync worker each) + 1 `caseflow worker`; load from a separate process, "
                 f"{e['concurrency']} client threads round-robin over both app processes; {e['cases']} cases.\n")
        L.append("| phase | requests | ok | rate/s | p50 ms | p95 ms | errors | CPU cores busy: app1 / app2 / worker / "
                 "postgres / loadgen | machine busy (other processes, cores) | CPU ms per request: apps / postgres | "
                 "rate if the machine were ours alone (estimate) |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for phase in ("starts", "completions"):
            r = e.get(phase)
            if r:
                cpu = r.get("cpu", {})
                cores = " / ".join(str(_get(cpu, k, "cores_busy", default="—"))
                                   for k in ("app1", "app2", "worker", "postgres", "loadgen"))
                L.append(f"| {phase} | {r['requests']} | {r['ok']} | **{r['rate_per_s']}** | {r['latency_ms']['p50']} | "
                         f"{r['latency_ms']['p95']} | {r['errors'] or 0} | {cores} | "
                         f"{_get(cpu, 'machine', 'busy_share')} ({_get(cpu, 'machine', 'other_processes_cores')}) | "
                         f"{r.get('app_cpu_ms_per_request')} / "
                         f"{r.get('postgres_cpu_ms_per_request')} | {r.get('capacity_if_machine_idle_per_s')}/s |")
        rr = e.get("rerun")
        if rr:
            L.append(f"\nPart (e) was run again at {rr['ran_at'][11:19]} (1-min load {rr['loadavg_1min_before_after']}): "
                     f"{rr['starts']['rate_per_s']} starts/s and {rr['completions']['rate_per_s']} completions/s while "
                     f"other processes used {rr['starts']['other_processes_cores']} / "
                     f"{rr['completions']['other_processes_cores']} cores (estimates with the machine to ourselves "
                     f"{rr['starts']['capacity_if_machine_idle_per_s']}/s and "
                     f"{rr['completions']['capacity_if_machine_idle_per_s']}/s).")
        L.append("\nThe estimate divides all cores by the CPU seconds our processes (apps, worker, this database's "
                 "PostgreSQL backends and writers, load generator) used per request; it is not a measurement.\n")
        L.append(f"\nApp process RSS idle {e.get('rss_idle_mb')} MB; after the load {e.get('rss_after_mb')} MB.\n")
        pr = e.get("profiled_round") or {}
        for phase in ("starts", "completions"):
            prof = pr.get(phase)
            if prof and "interesting" in prof:
                src = f"; {pr['source']}" if pr.get("source") else ""
                L.append(f"<details><summary>py-spy on app process 1 during an extra profiled round of {phase} "
                         f"({pr['requests']} requests, {prof['samples']} samples; rates in that round: "
                         f"{pr['starts_rate_per_s']} starts/s, {pr['completions_rate_per_s']} completions/s{src}): "
                         f"share of samples (wall time, including waits for PostgreSQL) per frame</summary>\n\n```")
                for f, s in prof["interesting"]:
                    L.append(f"{s:5.1f}%  {f}")
                L.append("\nleaf frames: " + ", ".join(f"{f} {s}%" for f, s in prof["leaf_top"][:6]))
                L.append("```\n</details>\n")
    g = b.get("dashboard_figures")
    if g and g.get("postgresql"):
        L.append(f"\n## (g) Dashboard figures (PostgreSQL, {g['complaints']:,} complaints, "
                 f"{g['runs_per_query']} runs per query)\n")
        L.append(f"Generated in {_get(g, 'generation', 'seconds')} s: " + ", ".join(
            f"{t} {n:,}" for t, n in (_get(g, 'generation', 'rows') or {}).items()) + ".\n")
        keys = list(g["postgresql"])
        L.append("| figure | " + " | ".join(f"{k} p50 / p95 ms" for k in keys) + " |")
        L.append("|---|" + "---|" * len(keys))
        for name in g["postgresql"][keys[0]]:
            L.append(f"| {name} | " + " | ".join(
                f"{g['postgresql'][k][name]['p50_ms']} / {g['postgresql'][k][name]['p95_ms']}" for k in keys) + " |")
    return "\n".join(L) + "\n"


def docs_page(report: dict, md: str) -> str:
    head = ("# Benchmarks\n\n"
            "The suite of issue 7 lives in `bench/`. Run it with one command from the repository root:\n\n"
            "```bash\n"
            "bench/run            # the issue's sizes (1,000,000 task rows ...), ~10-15 min on 2 cores\n"
            "bench/run --quick    # smoke run with small sizes, < 2 minutes\n"
            "bench/run --only c   # one part (a b c d e; f is measured with c); --db postgresql|sqlite\n"
            "```\n\n"
            "It needs PostgreSQL at 127.0.0.1:5432 (user `postgres`; it creates and drops `caseflow_bench_*` "
            "databases) and the `bench` extra (`psutil`, `gunicorn`; `py-spy` for the profiled round of (e), on by default in full runs, `BENCH_PROFILE=0` turns it off). Results go to "
            "`bench/results/latest.json` and `latest.md`; this page is rewritten with the latest figures. Targets "
            "are reported, not asserted.\n\n")
    body = md.replace("# Benchmark results", "## Latest figures", 1)
    body = "\n".join(("#" + line) if line.startswith("## ") and not line.startswith("## Latest") else line
                     for line in body.splitlines())
    # the query plans are long: they stay in bench/results/latest.md
    kept, skipping = [], False
    for line in body.splitlines():
        if line.startswith("### Query plans"):
            if not skipping:
                kept.append("(Query plans of every inbox query, with and without the proposed indexes: "
                            "`bench/results/latest.md`.)\n")
            skipping = True
            continue
        if skipping and line.startswith("### ") and not line.startswith("### Query plans"):
            skipping = False
        if not skipping:
            kept.append(line)
    body = "\n".join(kept) + "\n"
    notes = NOTES.read_text() if NOTES.exists() else ""
    return head + body + ("\n" + notes if notes else "")
