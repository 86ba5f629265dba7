"""Fixtures for the collaboration tests: a frozen clock, liaison officers of the other bodies, helpers."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.intake.helpers import registration
from workflow_app.platform import clock
from workflow_app.entrypoints import demo
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.entrypoints.worker import Worker

#: Friday 2026-11-20, 10:00 in Zhengzhou.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=clock.CHINA_TZ)

EXTRA_USERS = [
    ("audit_liaison", "zz-jinshui/si_audit/liaison_officer"),
    ("audit_head", "zz-jinshui/si_audit/division_head"),
    ("erqi_arb_liaison", "zz-erqi/arbitration/liaison_officer"),
    ("erqi_arbitrator", "zz-erqi/arbitration/arbitrator"),
]


@pytest.fixture
def frozen(freeze_clock):
    return freeze_clock(NOW)


@pytest.fixture
def users(app, db, as_user):
    def run(s):
        for username, group in EXTRA_USERS:
            identity.create_user(s, username, username)
            identity.add_membership(s, username, group)
            token, _ = identity.create_token(s, username, "test", days=None)
            token.token_hash = identity._token_hash(demo.demo_token(username))
            token.prefix = demo.demo_token(username)[:10]
    in_transaction(db, run)
    return as_user


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def tasks(client, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return ok(client.get(f"/api/tasks?{params}&per_page=200"))["items"]


def find_task(client, business_key, name):
    found = [t for t in tasks(client, business_key=business_key, status="open") if t["name"] == name]
    assert found, f"{client.username} has no open task {name!r} in {business_key}: " \
                  f"{[t['name'] for t in tasks(client, business_key=business_key)]}"
    return found[0]


def work(client, business_key, name, data):
    task = find_task(client, business_key, name)
    ok(client.post(f"/api/tasks/{task['id']}/claim"))
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": data})
    assert response.status_code == 200, response.json
    return task


def open_case(as_user, *claims, **overrides):
    """Register a complaint at the 金水 window; returns {body: case document}."""
    doc = ok(as_user("clerk").post("/api/intake/registrations", json=registration(*claims, **overrides)), 201)
    return {c["body"]: c for c in doc["cases"]}


def run_worker(db):
    return Worker(db).run_until_idle()


def ready_data(db, instance_id) -> dict:
    """The data of the first ready user task of an instance (what the form of that task sees)."""
    from SpiffWorkflow.util.task import TaskState
    from workflow_app.platform.persistence.models import ProcessInstance
    from workflow_app.platform.runtime import instances as runtime
    with db.transaction() as s:
        _, _, workflow = runtime.load_workflow(s, s.get(ProcessInstance, instance_id))
        return dict(workflow.get_tasks(state=TaskState.READY, manual=True)[0].data)
