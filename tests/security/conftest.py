"""Fixtures for the security tests: extra users, browser sessions, cases in several scopes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.conftest import ApiClient
from workflow_app.entrypoints import demo
from workflow_app.platform.persistence.models import ProcessInstance
from workflow_app.platform.identity import access, directory as identity
from workflow_app.platform.persistence.database import in_transaction

#: Users the demo does not have: another district's inspector, the city's leadership and a district's
#: administrator (the demo's ``admin`` administers the whole city).
EXTRA_USERS = [("erqi_inspector", "二七监察", "zz-erqi/inspection/inspector"),
               ("city_leader", "市局领导", "zz/leadership/leadership"),
               ("district_admin", "二七区管理员", "zz-erqi/bureau/administrator")]
#: A fixed moment for tests that start cases (complaints in the tests are received 2026-11-20 09:00).
TEST_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))


class TokenClient(ApiClient):
    """An API client for a user created in the test (token made on the fly)."""

    def __init__(self, app, username, secret):
        super().__init__(app, None)
        self.username = username
        self.headers = {"Authorization": f"Bearer {secret}"}

    def delete(self, path, **kw):
        return self._client.delete(path, headers=self.headers, **kw)


@pytest.fixture
def extra_users(app, db):
    secrets = {}

    def run(s):
        for username, name, key in EXTRA_USERS:
            identity.create_user(s, username, name)
            identity.add_membership(s, username, key)
            _, secrets[username] = identity.create_token(s, username, "test")
    in_transaction(db, run)
    return secrets


@pytest.fixture
def client_for(app, extra_users):
    """Any demo user or extra user as a bearer-token API client."""
    def make(username):
        if username in extra_users:
            return TokenClient(app, username, extra_users[username])
        client = ApiClient(app, username)
        client.delete = lambda path, **kw: client._client.delete(path, headers=client.headers, **kw)
        return client
    return make


class BrowserClient:
    """A browser: session cookie after login, CSRF token on state-changing requests when told to."""

    def __init__(self, app, ip="127.0.0.1"):
        self.client = app.test_client()
        self.environ = {"REMOTE_ADDR": ip}
        self.csrf = None

    def login(self, username, password=demo.DEMO_PASSWORD):
        r = self.client.post("/api/auth/login", json={"username": username, "password": password},
                             environ_base=self.environ)
        if r.status_code == 200:
            self.csrf = r.json["csrf_token"]
        return r

    def get(self, path, **kw):
        return self.client.get(path, environ_base=self.environ, **kw)

    def post(self, path, csrf=True, **kw):
        headers = kw.pop("headers", {})
        if csrf and self.csrf:
            headers = {**headers, "X-CSRF-Token": self.csrf}
        return self.client.post(path, headers=headers, environ_base=self.environ, **kw)


@pytest.fixture
def browser(app):
    return lambda ip="127.0.0.1": BrowserClient(app, ip)


def start(client, process_key="inspection_case", jurisdiction="zz-jinshui", business_key="K1", **variables):
    body = {"process_key": process_key, "business_key": business_key, "jurisdiction": jurisdiction,
            "employer_name": "测试用人单位",
            "variables": {"urgent": False, "received_at": "2026-11-20T09:00:00+08:00",
                          "employer_name": "测试用人单位", **variables}}
    r = client.post("/api/instances", json=body)
    assert r.status_code == 201, r.json
    return r.json


def grant(db, business_key, bureau, body, kind="transfer"):
    def run(s):
        instance = s.scalar(select(ProcessInstance).where(ProcessInstance.business_key == business_key))
        access.grant_case_access(s, "liaison", instance, bureau, body, kind, reason="测试移送")
    in_transaction(db, run)


def open_task(instance):
    return next(t for t in instance["tasks"] if t["status"] == "open")
