"""(g) The dashboard's figures (domain/reports/figures.py) at 1,000,000 complaints on PostgreSQL.

Shape (full size; ``--quick`` divides everything by 50):

* one city ``zz`` and 12 districts; complaints received over the 365 days before the benchmark's instant,
  districts and channels skewed (a few busy districts, most complaints at the window or by 12333);
* 1.5 claims per complaint (30 issue codes), one case per complaint (inspection 50 %, arbitration 30 %,
  social-insurance audit 20 %), its process instance (25 % running), 2 task rows per case (the running
  ones with one open task, a third of those overdue), one statutory clock per case (running cases);
* transfers: 5 % of the cases (transfer / notification / assistance; 90 % acknowledged, 1 to 200 hours),
  police transfers 0.5 % spread over the steps, 1 % urgent cases, 0.2 % supervised.

Everything is generated inside PostgreSQL (``INSERT … SELECT … FROM generate_series``), so a million
complaints take a few minutes; then ``ANALYZE``, the roll-ups' full rebuild (``caseflow reports rebuild``,
timed). Each figure is run ``runs`` times for the city's
leadership (the widest scope: every district) over the default period (90 days) and over the whole year,
and for a district's inspection division head over the default period; p50/p95 per query. Target: p95 <
300 ms for every figure (report.py, target ``g``). Then 0.2 % more complaints are registered (back-dated
over the year) and everything is measured again — the figures now add those raw rows above the watermark —
and the incremental refresh that takes them in is timed.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .common import Sizes, database, log, summary_ms

#: The benchmark's "now": figures read the application clock, frozen here.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
DISTRICTS = 12
FULL_COMPLAINTS = 1_000_000


def _sql(complaints: int) -> list[str]:
    n = complaints
    return [
        "INSERT INTO bureau (id, code, name, level, parent_id) VALUES (1, 'zz', '郑州市人力资源和社会保障局', 'city', NULL)",
        f"""INSERT INTO bureau (id, code, name, level, parent_id)
            SELECT d + 1, 'zz-d' || lpad(d::text, 2, '0'), '第' || d || '区人社局', 'district', 1
            FROM generate_series(1, {DISTRICTS}) d""",
        "INSERT INTO deployment (id, deployed_at, deployed_by, source, files) VALUES (1, now(), 'bench', 'api', '[]')",
        """INSERT INTO process_version (id, process_key, version, name, content_hash, deployment_id, spec_json,
               files_json, forms_json, warnings_json, deployed_at)
           VALUES (1, 'inspection_case', 1, 'bench', 'x', 1, '{}', '{}', '{}', '[]', now())""",
        # complaints: district skewed towards the first ones (d = 1 + floor(12 * r^2)), received over a year
        f"""INSERT INTO complaint (id, number, kind, channel, received_at, registered_at, registered_by, window_bureau,
               complainant_anonymous, employer_name, employer_district, workers_affected, relationship_disputed,
               facts_clear, evidence_sufficient, dispute_major, proceedings, violation_ongoing, employment_ongoing,
               media_exposure, mass_incident, employer_absconded, status, urgent, criminal_watch, notify_regulator)
            SELECT i, 'C' || i, 'complaint',
                   (ARRAY['window','window','window','phone_12333','phone_12333','online','letter','wage_platform',
                          'transfer','early_warning'])[1 + (i * 7) % 10],
                   t, t, 'clerk', 'zz-d' || lpad(d::text, 2, '0'), false, '用人单位' || (i % 20000),
                   'zz-d' || lpad(d::text, 2, '0'), 1 + i % 30, false, true, true, false, 'none', true, true,
                   false, false, false, 'routed', (i % 100 = 0), false, false
            FROM (SELECT i, 1 + floor({DISTRICTS} * power(((i * 2654435761::bigint) % 1000003) / 1000003.0, 2))::int AS d,
                         timestamp '{NOW:%Y-%m-%d %H:%M:%S}' - ((i * 31536000::bigint / {n}) || ' seconds')::interval AS t
                  FROM generate_series(1, {n}) i) g""",
        # 1.5 claims per complaint: every complaint one, every second a second one
        f"""INSERT INTO complaint_claim (complaint_id, position, code, label, proceedings, route)
            SELECT i, 0, 'issue_' || lpad((i % 30)::text, 2, '0'), '诉求' || (i % 30), 'none', 'inspection'
            FROM generate_series(1, {n}) i""",
        f"""INSERT INTO complaint_claim (complaint_id, position, code, label, proceedings, route)
            SELECT i, 1, 'issue_' || lpad(((i + 7) % 30)::text, 2, '0'), '诉求' || ((i + 7) % 30), 'none', 'arbitration'
            FROM generate_series(2, {n}, 2) i""",
        f"""INSERT INTO process_instance (id, process_key, process_version_id, business_key, jurisdiction, status, state,
               tree_depth, started_at, started_by, updated_at, completed_at, lock_version)
            SELECT c.id, 'inspection_case', 1, 'K' || c.id, c.employer_district,
                   CASE WHEN c.id % 4 = 0 THEN 'running' ELSE 'completed' END, '{{}}', 0, c.received_at, 'system',
                   c.received_at, CASE WHEN c.id % 4 = 0 THEN NULL ELSE c.received_at + interval '20 days' END, 1
            FROM complaint c""",
        f"""INSERT INTO case_file (id, number, complaint_id, body, jurisdiction, process_key, instance_id, source, rules,
               urgent, fast_track, criminal_watch, employer_name, opened_at, opened_by)
            SELECT c.id, 'K' || c.id, c.id,
                   (ARRAY['inspection','inspection','inspection','inspection','inspection','arbitration','arbitration',
                          'arbitration','si_audit','si_audit'])[1 + (c.id * 3) % 10],
                   c.employer_district, 'inspection_case', c.id, 'triage', '[]', c.urgent, false, false,
                   c.employer_name, c.received_at, 'system'
            FROM complaint c""",
        # two task rows per case: the first completed, the second open while the case runs
        """INSERT INTO task_row (id, instance_id, process_key, process_name, process_version_id, task_spec, name,
               candidate_group, bureau, body, role, priority, due_at, due_provisional, created_at, step, completed_at,
               status, business_key, row_version)
            SELECT 'a' || k.id, k.instance_id, 'inspection_case', 'bench', 1, 'accept', '受理审查',
                   k.jurisdiction || '/' || k.body || '/officer', k.jurisdiction, k.body, 'officer', 50,
                   k.opened_at + interval '7 days', false, k.opened_at, 1, k.opened_at + interval '2 days', 'completed',
                   k.number, 1
            FROM case_file k""",
        f"""INSERT INTO task_row (id, instance_id, process_key, process_name, process_version_id, task_spec, name,
               candidate_group, bureau, body, role, priority, due_at, due_provisional, created_at, step, completed_at,
               status, business_key, row_version)
            SELECT 'b' || k.id, k.instance_id, 'inspection_case', 'bench', 1, 'investigate',
                   (ARRAY['立案调查','调查取证','处理决定','结案审批'])[1 + k.id % 4],
                   k.jurisdiction || '/' || k.body || '/officer', k.jurisdiction, k.body, 'officer', 50,
                   timestamp '{NOW:%Y-%m-%d %H:%M:%S}' + ((k.id % 30 - 10) || ' days')::interval, false,
                   k.opened_at + interval '2 days', 2,
                   CASE WHEN k.id % 4 = 0 THEN NULL ELSE k.opened_at + interval '20 days' END,
                   CASE WHEN k.id % 4 = 0 THEN 'open' ELSE 'completed' END, k.number, 1
            FROM case_file k""",
        f"""INSERT INTO statutory_clock (instance_id, business_key, name, label, rule, definition, extensions, status,
               due_at, due_provisional, remind, started_at)
            SELECT k.instance_id, k.number, 'investigation', '调查期限', '60WD', '{{}}', '[]',
                   CASE WHEN k.id % 4 = 0 THEN 'running' ELSE 'stopped' END,
                   timestamp '{NOW:%Y-%m-%d %H:%M:%S}' + ((k.id % 40 - 8) || ' days')::interval, false, 1, k.opened_at
            FROM case_file k""",
        # transfers from 5 % of the cases, to another body of the same district; 90 % acknowledged
        """INSERT INTO collab_transfer (number, kind, case_id, from_bureau, from_body, to_bureau, to_body, reason,
               materials, status, created_at, created_by, sent_at, acknowledged_at)
            SELECT 'T' || k.id, (ARRAY['transfer','notification','assistance'])[1 + k.id % 3], k.id, k.jurisdiction,
                   k.body, k.jurisdiction, CASE WHEN k.body = 'inspection' THEN 'arbitration' ELSE 'inspection' END,
                   '移送', '["材料"]', CASE WHEN k.id % 10 = 0 THEN 'sent' ELSE 'acknowledged' END, k.opened_at,
                   'liaison', k.opened_at + interval '1 hour',
                   CASE WHEN k.id % 10 = 0 THEN NULL
                        ELSE k.opened_at + interval '1 hour' + ((1 + (k.id * 13) % 200) || ' hours')::interval END
            FROM case_file k WHERE k.id % 20 = 1""",
        """INSERT INTO collab_transfer (number, kind, case_id, from_bureau, from_body, to_bureau, to_body, reason,
               materials, status, created_at, created_by, sent_at, acknowledged_at)
            SELECT 'P' || k.id, 'police', k.id, k.jurisdiction, k.body, k.jurisdiction, 'police', '涉嫌犯罪', '[]',
                   (ARRAY['requested','reporting','reported','approved','transferred','received','filed','not_filed',
                          'reconsideration','returned_to_admin'])[1 + (k.id / 200) % 10],
                   k.opened_at, 'liaison', k.opened_at + interval '1 day', NULL
            FROM case_file k WHERE k.id % 200 = 7""",
        """INSERT INTO supervised_case (case_id, supervising_bureau, reason, deadline_rule, due_at, status, created_at,
               created_by, closed_at)
            SELECT k.id, 'zz', '挂牌督办', '30WD', k.opened_at + interval '45 days',
                   CASE WHEN k.id % 1000 = 3 THEN 'closed' ELSE 'open' END, k.opened_at, 'leader',
                   CASE WHEN k.id % 1000 = 3 THEN k.opened_at + interval '30 days' END
            FROM case_file k WHERE k.id % 500 = 3""",
    ]


def generate(db, complaints: int) -> dict:
    from sqlalchemy import text
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in _sql(complaints):
            conn.execute(text(statement))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    counts = {}
    with db.engine.connect() as conn:
        for table in ("complaint", "complaint_claim", "case_file", "task_row", "statutory_clock", "collab_transfer",
                      "supervised_case"):
            counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    return {"seconds": round(time.perf_counter() - t0, 1), "rows": counts}


def rebuild(db) -> dict:
    """The roll-ups' full rebuild (``caseflow reports rebuild``) at the benchmark's instant, then ANALYZE."""
    from sqlalchemy import text
    from workflow_app.domain.reports import rollups
    from workflow_app.platform import clock
    previous = clock.set_clock(clock.FrozenClock(NOW))
    try:
        out = rollups.rebuild(db)
    finally:
        clock.set_clock(previous)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    with db.engine.connect() as conn:
        out["rows"] = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                       for table in ("report_complaint_day", "report_claim_day", "report_stage_snapshot",
                                     "report_overdue_snapshot")}
    return out


def register_more(db, complaints: int, extra: int) -> None:
    """``extra`` complaints (with their claims) registered after the rollups' rebuild, their receipts spread
    over the year (back-dated): what the figures add from the raw rows until the next refresh."""
    from sqlalchemy import text
    first, last = complaints + 1, complaints + extra
    statements = []
    for statement in _sql(complaints)[4:7]:
        statement = statement.replace(f"(i * 31536000::bigint / {complaints})",
                                      f"(((i::bigint * 7919) % {complaints}) * 31536000 / {complaints})")
        statement = statement.replace(f"generate_series(1, {complaints})", f"generate_series({first}, {last})")
        statements.append(statement.replace(f"generate_series(2, {complaints}, 2)",
                                            f"generate_series({first + first % 2}, {last}, 2)"))
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def refresh(db) -> dict:
    """One incremental refresh (the worker's job) at the benchmark's instant, timed."""
    from workflow_app.domain.reports import rollups
    from workflow_app.platform import clock
    previous = clock.set_clock(clock.FrozenClock(NOW))
    try:
        t0 = time.perf_counter()
        added = rollups.advance(db)
        return {"complaints": added, "seconds": round(time.perf_counter() - t0, 2)}
    finally:
        clock.set_clock(previous)


def viewers():
    from workflow_app.platform.identity.directory import Principal
    return {"city_leadership": Principal("bench_leader", "局领导", frozenset({"zz/leadership/leadership"})),
            "district_inspection_head": Principal("bench_head", "科长", frozenset({"zz-d01/inspection/division_head"}))}


def measure(db, runs: int) -> dict:
    from workflow_app.domain.reports import figures
    from workflow_app.platform import clock
    from workflow_app.platform.persistence.database import in_transaction
    previous = clock.set_clock(clock.FrozenClock(NOW))
    try:
        today = NOW.astimezone(clock.CHINA_TZ).date()
        periods = {"90_days": figures.period(end=today),
                   "year_monthly": figures.period(today - timedelta(days=364), today, "month")}
        cases = [("city_leadership", "90_days"), ("city_leadership", "year_monthly"),
                 ("district_inspection_head", "90_days")]
        out: dict = {}
        people = viewers()
        for who, period_name in cases:
            key = f"{who}/{period_name}"
            out[key] = {}
            for name in figures.FIGURES:
                times, size = [], 0
                for i in range(runs + 2):
                    t0 = time.perf_counter()
                    rows = in_transaction(db, lambda s: figures.figure(s, people[who], name, periods[period_name]))
                    if i >= 2:  # two warm-up runs
                        times.append(time.perf_counter() - t0)
                    size = len(rows)
                out[key][name] = {**summary_ms(times), "result_rows": size}
            log(f"(g) {key}: " + ", ".join(f"{n} {v['p95_ms']:.0f}" for n, v in out[key].items()) + " ms p95")
        return out
    finally:
        clock.set_clock(previous)


def run(sizes: Sizes, tmp: Path) -> dict:
    complaints = FULL_COMPLAINTS if sizes.mode == "full" else FULL_COMPLAINTS // 50
    runs = 30 if sizes.mode == "full" else 5
    result: dict = {"complaints": complaints, "runs_per_query": runs, "target_p95_ms": 300}
    with database("postgresql", "g", tmp) as url:
        import workflow_app.entrypoints.schema  # noqa: F401  (every table, the domain's too)
        from workflow_app.platform.persistence.database import Database
        db = Database(url)
        db.create_schema()
        log(f"(g) generating {complaints:,} complaints and their cases on postgresql")
        result["generation"] = generate(db, complaints)
        log(f"(g) generated in {result['generation']['seconds']} s: {result['generation']['rows']}")
        result["rebuild"] = rebuild(db)
        log(f"(g) roll-ups rebuilt in {result['rebuild']['seconds']} s: {result['rebuild']['rows']}")
        result["postgresql"] = measure(db, runs)
        extra = complaints // 500
        register_more(db, complaints, extra)
        log(f"(g) {extra:,} more complaints registered after the rebuild (back-dated over the year)")
        result["postgresql_above_watermark"] = measure(db, runs)
        result["refresh"] = refresh(db)
        log(f"(g) incremental refresh of {extra:,} complaints: {result['refresh']['seconds']} s")
        db.dispose()
    return result
