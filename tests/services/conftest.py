"""The service tier: each use case tested directly, as Python, without HTTP or a browser.

Beside the HTTP tests (``tests/test_api.py``, ``tests/intake``, ``tests/collaboration``: Flask test clients)
and the browser tests (``tests/browser``), these tests call the use cases' public functions — the same calls
an API route or a web page makes — and check one behaviour each: the rows and documents a service returns,
and the domain errors it raises (``workflow_app/platform/errors.py``: NotFound, Forbidden, Conflict, Invalid,
DefinitionRejected, ProcessFailed). They never reach into private helpers and never query internal tables
by hand; a model row a service returns may be read, or re-read by its id. Only ``test_audit`` writes SQL,
to tamper with the trail as an attacker with database access would.

Every test runs on SQLite and PostgreSQL: the ``db_url``, ``app`` and ``db`` fixtures of ``tests/conftest.py``
create the application (``create_app``: schema, process library, wiring of event handlers and diagram
functions) and seed the demo organisation (``entrypoints/demo.py``: one city, three districts, one user per
role). A use case runs in its own unit of work, as the API runs it::

    with db.transaction() as s:            # commits on success, rolls back on any exception
        row = inbox.claim(s, inspector, task_id)

    with pytest.raises(Conflict), db.transaction() as s:   # the error rolls the unit of work back
        inbox.claim(s, inspector2, task_id)

``who(username)`` gives the :class:`Principal` a request of that user carries. Never open a second
transaction while one is in use: SQLite gives each writer the whole database (``BEGIN IMMEDIATE``), so the
builders of ``tests/services/support.py`` (start a case, claim, complete, register, deliver the outbox) are
called between units of work, never inside one. The clock is frozen at ``FIXED_NOW`` (Friday 2026-11-20
10:00, China time) by an autouse fixture; ``freeze_clock(moment)`` moves it.

One file per area, one behaviour per test, each test named as the sentence it checks:

* platform: ``test_tasks`` (inbox), ``test_runtime`` (instances), ``test_processes`` (registry),
  ``test_access`` (identity and access), ``test_audit`` (trail), ``test_deadlines`` (statutory clocks);
* domain: ``test_intake`` (registration, triage outcome, numbering), ``test_transfers`` (transfers and
  ledgers), ``test_police``, ``test_hearings``, ``test_emergencies`` (collaboration).
"""
from __future__ import annotations

import pytest

from tests.services import support
from workflow_app.entrypoints import demo
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.database import in_transaction

#: Officers the demo organisation lacks: a second audit liaison officer, people of other districts, a city
#: leader (supervised handling is decided one level up).
COLLEAGUES = [
    ("audit_liaison", "zz-jinshui/si_audit/liaison_officer"),
    ("erqi_inspector", "zz-erqi/inspection/inspector"),
    ("erqi_arbitrator", "zz-erqi/arbitration/arbitrator"),
    ("erqi_auditor", "zz-erqi/si_audit/auditor"),
    ("erqi_arb_liaison", "zz-erqi/arbitration/liaison_officer"),
    ("erqi_admin", "zz-erqi/bureau/administrator"),
    ("city_leader", "zz/leadership/leadership"),
]


@pytest.fixture
def colleagues(db):
    """Create the :data:`COLLEAGUES` (one membership each) next to the demo users."""
    def create(s):
        for username, group in COLLEAGUES:
            if identity.user_exists(s, username):  # made by another fixture of the same test (city_leader)
                continue
            identity.create_user(s, username, username)
            identity.add_membership(s, username, group)
    in_transaction(db, create)


@pytest.fixture
def city_leader(db):
    """The city's leadership, alone (supervised handling is decided one level above the district)."""
    def create(s):
        if not identity.user_exists(s, "city_leader"):
            identity.create_user(s, "city_leader", "市局领导")
            identity.add_membership(s, "city_leader", "zz/leadership/leadership")
    in_transaction(db, create)
    return "city_leader"


@pytest.fixture
def who(db):
    """``who("inspector")``: the :class:`Principal` a request of that demo user (or colleague) carries.

    Built from the seeded memberships, without a database round trip, so that it may be called inside a
    unit of work (on SQLite a second transaction there would wait for the first)."""
    seeded = {username: (name, key) for username, name, key in demo.DEMO_USERS}
    seeded.update({username: (username, key) for username, key in COLLEAGUES})

    def principal(username: str) -> Principal:
        if username not in seeded:
            return support.principal(db, username)
        name, key = seeded[username]
        return Principal(username, name, frozenset({key}))
    return principal
