"""Shared fixtures. Every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL is required: when it is unreachable the PostgreSQL-parametrized tests fail (never skip), so a
CI run without the database cannot pass. Set CASEFLOW_TEST_PG_URL to point elsewhere.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from workflow_app.entrypoints.app import create_app
from workflow_app.entrypoints import bootstrap, demo
from workflow_app.entrypoints.config import Settings
from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.persistence.models import Base

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("CASEFLOW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# One database per pytest process, so concurrent runs (developers, CI) never truncate each other's data.
PG_URL = os.environ.get("CASEFLOW_TEST_PG_URL",
                        f"postgresql+psycopg://postgres@127.0.0.1:5432/caseflow_test_{os.getpid()}")
# The process library the tests deploy at start-up (override with CASEFLOW_TEST_LIBRARY=dir1:dir2).
LIBRARY = ([Path(p) for p in os.environ["CASEFLOW_TEST_LIBRARY"].split(os.pathsep)]
           if os.environ.get("CASEFLOW_TEST_LIBRARY") else [ROOT / "bpmn", ROOT / "forms"])

_pg_ready = False


def _prepare_postgres() -> None:
    """Create the test database once per session and the schema in it (fails loudly if unreachable)."""
    global _pg_ready
    if _pg_ready:
        return
    dbname = PG_URL.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": dbname}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    finally:
        admin.dispose()
    engine = create_engine(PG_URL)
    Base.metadata.drop_all(engine)
    engine.dispose()
    _pg_ready = True


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_database():
    yield
    if not _pg_ready or "CASEFLOW_TEST_PG_URL" in os.environ:
        return
    from sqlalchemy.orm import close_all_sessions
    close_all_sessions()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            dbname = PG_URL.rsplit("/", 1)[1]
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": dbname})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
    finally:
        admin.dispose()


def _truncate_postgres() -> None:
    engine = create_engine(PG_URL)
    try:
        with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            # TRUNCATE does not fire the audit table's row triggers (which refuse DELETE).
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'caseflow.sqlite'}"
    else:
        _prepare_postgres()
        yield PG_URL
        _truncate_postgres()


def make_app(db_url: str, library=None):
    settings = Settings(database_url=db_url, secret_key="test", library_folders=library or LIBRARY)
    return create_app(settings)


@pytest.fixture
def app(db_url):
    application = make_app(db_url)
    demo.seed_organisation(application.extensions["caseflow.db"])
    yield application
    application.extensions["caseflow.db"].dispose()


@pytest.fixture
def db(app):
    return app.extensions["caseflow.db"]


class ApiClient:
    """A test client that speaks as one demo user."""

    def __init__(self, app, username: str | None):
        self._client = app.test_client()
        self.username = username
        self.headers = {"Authorization": f"Bearer {demo.demo_token(username)}"} if username else {}

    def get(self, path, **kw):
        return self._client.get(path, headers=self.headers, **kw)

    def post(self, path, **kw):
        return self._client.post(path, headers=self.headers, **kw)

    def put(self, path, **kw):
        return self._client.put(path, headers=self.headers, **kw)


#: The instant every test runs at unless it sets its own (a Friday morning, China time, shortly after the
#: samples' complaints were received). Time is an input: no test reads the machine's clock, so the suite
#: passes on any date and under ``faketime`` (.ci/run checks both).
FIXED_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture(scope="session", autouse=True)
def _wired():
    """The application wired as create_app and the worker wire it (message handlers, diagram functions,
    number kinds): tests that call services, the engine or the sandbox without an app need it too."""
    bootstrap.wire()


@pytest.fixture(scope="session", autouse=True)
def _frozen_clock_for_the_session():
    """Module- and session-scoped fixtures (servers, seeded data) run on the fixed instant too."""
    from workflow_app.platform import clock
    previous = clock.set_clock(clock.FrozenClock(FIXED_NOW))
    yield
    clock.set_clock(previous)


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Every test starts at FIXED_NOW on a fresh frozen clock (a test that advanced it cannot leak)."""
    from workflow_app.platform import clock
    previous = clock.set_clock(clock.FrozenClock(FIXED_NOW))
    yield
    clock.set_clock(previous)


@pytest.fixture
def freeze_clock():
    """``freeze_clock(moment)`` installs a FrozenClock at ``moment`` for this test and returns it."""
    from workflow_app.platform import clock
    previous = clock.get_clock()

    def install(moment):
        frozen = clock.FrozenClock(moment)
        clock.set_clock(frozen)
        return frozen
    yield install
    clock.set_clock(previous)


@pytest.fixture
def as_user(app):
    return lambda username: ApiClient(app, username)


@pytest.fixture
def start_case(as_user):
    """Start a case as the administrator and return the instance document."""
    admin = as_user("admin")
    counter = {"n": 0}

    def start(process_key="inspection_case", jurisdiction="zz-jinshui", **variables):
        counter["n"] += 1
        body = {"process_key": process_key, "business_key": variables.pop("business_key", f"T{counter['n']:05d}"),
                "jurisdiction": jurisdiction, "employer_name": variables.get("employer_name", "测试用人单位"),
                "variables": {"urgent": False, "received_at": "2026-11-20T09:00:00+08:00",
                              "employer_name": "测试用人单位", **variables}}
        response = admin.post("/api/instances", json=body)
        assert response.status_code == 201, response.json
        return response.json
    return start
