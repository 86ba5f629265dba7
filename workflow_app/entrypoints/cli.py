"""The ``caseflow`` command: database, deployments, organisation, users, tokens, demo and server."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from workflow_app.domain.reports import rollups
from workflow_app.entrypoints import bootstrap, demo
from workflow_app.entrypoints.app import create_app, open_database
from workflow_app.entrypoints.config import InsecureConfiguration, Settings
from workflow_app.entrypoints.logging_setup import configure
from workflow_app.entrypoints.worker import Worker
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.deadlines import calendar_years as calendar
from workflow_app.platform.errors import DomainError
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.modelling import definition_tests
from workflow_app.platform.persistence import migrate
from workflow_app.platform.persistence.database import Database, in_transaction
from workflow_app.platform.processes import registry


def _db(settings: Settings) -> Database:
    db = Database(settings.database_url)
    db.create_schema()
    return db


def cmd_init_db(args, settings):
    _db(settings)
    print(f"schema ready: {settings.database_url}")


def cmd_db(args, settings):
    if args.db_command == "upgrade":
        migrate.upgrade(settings.database_url, args.revision)
        print(f"database at {migrate.current_revision(settings.database_url)}")
    elif args.db_command == "current":
        print(f"current: {migrate.current_revision(settings.database_url)}  head: {migrate.head_revision()}")
    elif args.db_command == "revision":
        migrate.revision(settings.database_url, args.message)


def cmd_deploy(args, settings):
    bootstrap.wire()  # the deployment runs the library's definition tests (diagram functions)
    db = _db(settings)
    files = {}
    for path in map(Path, args.files):
        files[path.name] = path.read_bytes()
    result = in_transaction(db, lambda s: registry.deploy(s, files, args.actor, source="cli"))
    for v in result.created:
        print(f"deployed {v.process_key} v{v.version}")
    for key in result.unchanged:
        print(f"unchanged {key}")
    for warning in result.warnings:
        print(f"warning: {warning}")


def cmd_definitions_test(args, settings):
    """Run the definition tests of the library folders (default: the configured library) in memory."""
    bootstrap.wire()
    folders = [Path(f) for f in args.folders] or settings.library_folders
    missing = [str(f) for f in folders if not f.is_dir()]
    if missing:
        print(f"错误：没有这个文件夹 (no such folder): {', '.join(missing)}", file=sys.stderr)
        return 2
    report = definition_tests.run_tests(registry.library_files(folders))
    english = args.english
    for problem in report.problems:
        print(f"PROBLEM  {problem['file']}:{problem.get('line') or '-'}: {problem['reason']}")
    for result in report.results:
        if result.passed and not args.verbose:
            continue
        mark = "ok  " if result.passed else "FAIL"
        where = f" [{result.element}]" if result.element and not result.passed else ""
        text = "" if result.passed else "\n      " + (result.message if english else result.message_zh)
        print(f"{mark}  {result.file}  {result.kind}  {result.name}{where}{text}")
    failed = len(report.failures)
    if report.problems:
        print("定义文件校验未通过，未运行测试 (the library does not build; no test ran)")
    else:
        print(f"{len(report.results)} 项测试，{failed} 项未通过 ({len(report.results)} tests, {failed} failed)")
    return 0 if report.passed else 1


def cmd_bureau(args, settings):
    in_transaction(_db(settings), lambda s: identity.create_bureau(s, args.code, args.name, args.level, args.parent))
    print(f"bureau {args.code} created")


def cmd_body(args, settings):
    in_transaction(_db(settings), lambda s: identity.create_body(s, args.bureau, args.kind, args.name))
    print(f"body {args.bureau}/{args.kind} created")


def cmd_group(args, settings):
    group = in_transaction(_db(settings), lambda s: identity.ensure_group(s, args.bureau, args.body, args.role, args.name))
    print(f"group {group.key}")


def cmd_user(args, settings):

    def run(s):
        identity.create_user(s, args.username, args.name, args.password, actor="cli")
        for key in args.group or []:
            identity.add_membership(s, args.username, key, actor="cli")
    in_transaction(_db(settings), run)
    print(f"user {args.username} created")


def cmd_member(args, settings):
    in_transaction(_db(settings), lambda s: identity.add_membership(s, args.username, args.group, actor="cli"))
    print(f"{args.username} added to {args.group}")


def _operator() -> str:
    """``cli:<login name>`` of whoever runs the command on the server: tokens minted here name their issuer."""
    try:
        name = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers; the CLI is still the issuer
        name = "unknown"
    return f"cli:{name}"[:64]


def cmd_token_create(args, settings):
    token, secret = in_transaction(_db(settings), lambda s: identity.create_token(
        s, args.username, args.name, days=args.days or None, actor=_operator()))
    print(secret)


def cmd_token_revoke(args, settings):
    in_transaction(_db(settings), lambda s: identity.revoke_token(s, args.prefix, actor=_operator()))
    print("revoked")


def cmd_worker(args, settings):
    settings.check()
    # The worker starts like the app (same database checks) but builds no Flask app; it wires itself.
    worker = Worker(open_database(settings), batch=args.batch, poll_seconds=args.poll)
    if args.once:
        print(f"work done: {worker.run_until_idle()}")
        return
    print("worker running (Ctrl-C to stop)")
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        worker.stop()


def cmd_calendar_load(args, settings):
    row = in_transaction(_db(settings), lambda s: calendar.load(s, Path(args.file).read_bytes(), args.actor))
    print(f"loaded {row.region or 'national'} {row.year} version {row.version}")


def cmd_calendar_list(args, settings):
    for y in in_transaction(_db(settings), calendar.years):
        print(f"{y['region'] or 'national':<10} {y['year']}  v{y['version']}  {y['source']}")


def cmd_reports_rebuild(args, settings):
    result = rollups.rebuild(_db(settings))
    print(f"dashboard roll-ups rebuilt up to complaint {result['complaints']}: day buckets {result['buckets_seconds']} s, "
          f"snapshots {result['snapshot_seconds']} s")


def _serve(app, args, settings):
    """Serve; with SQLite the worker runs in this process (no separate worker in the embedded demo)."""
    if settings.database_url.startswith("sqlite") and not getattr(args, "no_worker", False):
        Worker(app.extensions["caseflow.db"]).start_thread()
    app.run(host=args.host, port=args.port, threaded=True)


def cmd_demo(args, settings):
    # The demo serves plain HTTP on this machine: its session cookie cannot carry Secure/__Host-.
    # (Production refuses SQLite, so this development setting never reaches a real deployment.)
    os.environ.setdefault("CASEFLOW_INSECURE_COOKIES", "1")
    if settings.database_url.startswith("sqlite:///") and args.reset:
        Path(settings.database_url[len("sqlite:///"):]).unlink(missing_ok=True)
    app = create_app(settings)
    db = app.extensions["caseflow.db"]
    if not demo.is_seeded(db):
        print("seeding demo data ...")
        demo.seed_organisation(db)
        demo.seed_cases(db)
        demo.seed_meeting_schedules(db)
        demo.seed_collaboration(db)
    url = f"http://{args.host}:{args.port}"
    print(f"\n案件分流系统 demo: {url}   (API docs: {url}/api/docs)")
    print(f"Demo logins (password {demo.DEMO_PASSWORD}; API token in brackets):")
    for username, name, key in demo.DEMO_USERS:
        print(f"  {username:<11} {name:<16} {key:<40} [{demo.demo_token(username)}]")
    print()
    if not args.no_serve:
        _serve(app, args, settings)


def cmd_serve(args, settings):
    _serve(create_app(settings), args, settings)


def cmd_audit_verify(args, settings):

    def run(s):
        if args.case or args.chain:
            return [audit.verify_chain(s, args.chain or audit.chain_key_for(args.case, None))]
        return audit.verify_all(s)
    reports = in_transaction(_db(settings), run)
    bad = [r for r in reports if not r.ok]
    for r in reports:
        if r.ok:
            print(f"ok        {r.chain_key}  {r.events_checked} events  head {r.head_hash}")
        else:
            print(f"TAMPERED  {r.chain_key}  first tampered event id={r.first_tampered_event_id} "
                  f"seq={r.first_tampered_seq}: {r.reason}")
    print(f"{len(reports)} chains checked, {len(bad)} broken")
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="caseflow", description="案件分流系统 case routing")
    p.add_argument("--database-url", help="overrides CASEFLOW_DATABASE_URL")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("init-db", help="create the schema directly (demo and development only)").set_defaults(func=cmd_init_db)

    dbp = sub.add_parser("db", help="schema migrations")
    dsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="migrate the database to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    dsub.add_parser("current", help="show the database's and the code's schema revision")
    rv = dsub.add_parser("revision", help="developers: autogenerate a migration from the models")
    rv.add_argument("-m", "--message", required=True)
    dbp.set_defaults(func=cmd_db)

    d = sub.add_parser("deploy", help="deploy BPMN/DMN/form files")
    d.add_argument("files", nargs="+")
    d.add_argument("--actor", default="cli")
    d.set_defaults(func=cmd_deploy)

    dt = sub.add_parser("definitions", help="the process library's definitions")
    dtsub = dt.add_subparsers(dest="definitions_command", required=True)
    dtt = dtsub.add_parser("test", help="run the definition tests (*.test.json) in memory; exit 1 if any fails")
    dtt.add_argument("folders", nargs="*", help="library folders (default: the configured library, bpmn/ and forms/)")
    dtt.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    dtt.add_argument("--english", action="store_true", help="English messages")
    dtt.set_defaults(func=cmd_definitions_test)

    b = sub.add_parser("bureau", help="add a bureau")
    b.add_argument("code"); b.add_argument("name")
    b.add_argument("--level", choices=["city", "district"], required=True)
    b.add_argument("--parent")
    b.set_defaults(func=cmd_bureau)

    bo = sub.add_parser("body", help="add a body to a bureau")
    bo.add_argument("bureau"); bo.add_argument("kind"); bo.add_argument("name")
    bo.set_defaults(func=cmd_body)

    g = sub.add_parser("group", help="create a group bureau/body/role")
    g.add_argument("bureau"); g.add_argument("body"); g.add_argument("role")
    g.add_argument("--name")
    g.set_defaults(func=cmd_group)

    u = sub.add_parser("user", help="create a user")
    u.add_argument("username"); u.add_argument("name")
    u.add_argument("--password")
    u.add_argument("--group", action="append", help="group key bureau/body/role (repeatable)")
    u.set_defaults(func=cmd_user)

    m = sub.add_parser("member", help="add a user to a group")
    m.add_argument("username"); m.add_argument("group")
    m.set_defaults(func=cmd_member)

    t = sub.add_parser("token", help="API tokens")
    tsub = t.add_subparsers(dest="token_command", required=True)
    tc = tsub.add_parser("create", help="create a token (printed once)")
    tc.add_argument("username"); tc.add_argument("--name", default="api")
    tc.add_argument("--days", type=int, default=90, help="0 = no expiry")
    tc.set_defaults(func=cmd_token_create)
    tr = tsub.add_parser("revoke", help="revoke a token by its prefix")
    tr.add_argument("prefix")
    tr.set_defaults(func=cmd_token_revoke)

    w = sub.add_parser("worker", help="fire due timers and escalate overdue tasks")
    w.add_argument("--once", action="store_true", help="work until nothing is due, then exit")
    w.add_argument("--batch", type=int, default=50)
    w.add_argument("--poll", type=float, default=1.0, help="seconds to sleep when idle")
    w.set_defaults(func=cmd_worker)

    c = sub.add_parser("calendar", help="official working-day calendar")
    csub = c.add_subparsers(dest="calendar_command", required=True)
    cl = csub.add_parser("load", help="load a year's holiday arrangement (JSON document)")
    cl.add_argument("file")
    cl.add_argument("--actor", default="cli")
    cl.set_defaults(func=cmd_calendar_load)
    csub.add_parser("list", help="years with calendar data").set_defaults(func=cmd_calendar_list)

    r = sub.add_parser("reports", help="the dashboard's roll-ups")
    r.add_subparsers(dest="reports_command", required=True).add_parser(
        "rebuild", help="recount every day bucket and retake the snapshots").set_defaults(func=cmd_reports_rebuild)

    au = sub.add_parser("audit", help="audit trail")
    ausub = au.add_subparsers(dest="audit_command", required=True)
    av = ausub.add_parser("verify", help="verify the hash chains; exit 1 naming the first tampered event")
    av.add_argument("--case", help="business key of one case (default: every chain)")
    av.add_argument("--chain", help="a chain key: global, case:<key>, instance:<id>")
    av.set_defaults(func=cmd_audit_verify)

    for name, func, help_text in (("demo", cmd_demo, "seed demo data (once) and serve"),
                                  ("serve", cmd_serve, "serve the application")):
        s = sub.add_parser(name, help=help_text)
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--port", type=int, default=5000)
        s.add_argument("--no-worker", action="store_true", help="with SQLite: do not run the worker in-process")
        if name == "demo":
            s.add_argument("--reset", action="store_true", help="start from an empty SQLite database")
            s.add_argument("--no-serve", action="store_true", help="seed and print the logins only")
        s.set_defaults(func=func)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"database_url": args.database_url} if args.database_url else {}
    settings = Settings.from_env(**overrides)
    configure(settings.log_format, settings.log_level)
    try:
        code = args.func(args, settings)
    except InsecureConfiguration as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"错误：{exc.message}\n({exc.detail})", file=sys.stderr)
        for problem in exc.extra.get("problems", []) or []:
            print(f"  {problem['file']}:{problem.get('line') or '-'}: {problem['reason']}", file=sys.stderr)
        return 2
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
