"""Database access: one engine per application, short transactions, dialect specifics in one place.

SQLite (embedded default) and PostgreSQL (production) behave differently under concurrent writers:

* SQLite: every transaction starts with ``BEGIN IMMEDIATE`` so two writers never deadlock on lock
  upgrade (the loser waits for the busy timeout instead of failing at once); WAL lets readers proceed.
* PostgreSQL: READ COMMITTED; correctness of claims and instance updates comes from compare-and-set
  UPDATEs and the optimistic version column, not from the isolation level.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from workflow_app.platform.errors import Conflict

from workflow_app.platform.persistence.models import Base, install_triggers

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How often a use case is replayed after losing an optimistic race.
RETRIES = 5


class Database:
    def __init__(self, url: str, echo: bool = False, pool_size: int = 10):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine: Engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            self.engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=2 * pool_size,
                                        pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        session = self.sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def create_schema(self) -> None:
        """Create tables (demo and tests; production uses migrations)."""
        if self.is_sqlite:
            Base.metadata.create_all(self.engine)
        else:
            with self.engine.begin() as conn:
                # Processes starting together must not race on CREATE TABLE.
                conn.execute(text("SELECT pg_advisory_xact_lock(7346000)"))
                Base.metadata.create_all(conn)
        install_triggers(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_on_connect(dbapi_connection, _record):
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection):
    connection.exec_driver_sql("BEGIN IMMEDIATE")

def in_transaction(db: "Database", use_case: Callable[[Session], T], retries: int = RETRIES) -> T:
    """Run ``use_case`` in a transaction; replay it when an optimistic write lost a race."""
    for attempt in range(retries):
        try:
            with db.transaction() as session:
                return use_case(session)
        except StaleDataError:
            log.info("optimistic conflict, retry %d", attempt + 1)
            continue
        except IntegrityError as exc:
            # A concurrent writer inserted the same key (e.g. two deployments numbering the same version).
            log.info("integrity conflict, retry %d: %s", attempt + 1, exc.orig)
            continue
    raise Conflict("案件正被他人同时修改，请刷新后重试", "concurrent update; retries exhausted")
