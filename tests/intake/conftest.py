"""Fixtures for the intake tests: a frozen clock and users in other districts."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import ApiClient
from workflow_app.platform import clock
from workflow_app.entrypoints import demo
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

#: Friday 2026-11-20, 10:00 in Zhengzhou.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=clock.CHINA_TZ)


@pytest.fixture
def frozen(freeze_clock):
    return freeze_clock(NOW)


@pytest.fixture
def make_user(app, db):
    """Create a user with one membership and a fixed demo-style token; returns an API client."""

    def make(username: str, group: str) -> ApiClient:
        def run(s):
            if identity.user_exists(s, username):  # a demo user (its demo token already works)
                return
            identity.create_user(s, username, username)
            identity.add_membership(s, username, group)
            token, _ = identity.create_token(s, username, "test", days=None)
            token.token_hash = identity._token_hash(demo.demo_token(username))
            token.prefix = demo.demo_token(username)[:10]
        in_transaction(db, run)
        return ApiClient(app, username)
    return make
