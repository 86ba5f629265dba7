"""Deadlines in a year without calendar data, in a real browser: 暂定 in the inbox and on the task, the
administrators' warning, the holder told when the loaded year moves the date, notifications read."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from workflow_app.platform.deadlines import calendar_years as calendar
from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.entrypoints.worker import Worker

from .conftest import login, shot
from .test_web_ui import register_direct

CST = CHINA_TZ
FIXTURE_2027 = Path(__file__).resolve().parent.parent / "deadlines" / "fixtures" / "TEST_FIXTURE_calendar_2027.json"


def test_provisional_deadline_warning_recompute_and_notification(server, new_page, freeze_clock):
    # Monday 28 Dec 2026: a 5 WD acceptance deadline reaches into 2027, whose calendar is not loaded.
    freeze_clock(datetime(2026, 12, 28, 10, 0, tzinfo=CST))
    number = register_direct(server, employer="郑州某年末加工有限公司")

    admin = new_page()
    login(admin, server.url, "admin")
    expect(admin.locator("#calendar-warning")).to_contain_text("2027年")
    shot(admin, "20-admin-calendar-warning")

    page = new_page()
    login(page, server.url, "inspector")
    page.goto(f"{server.url}/inbox?tab=group")
    row = page.locator("tr", has_text="郑州某年末加工有限公司")
    expect(row).to_contain_text("2027-01-04 23:59")
    expect(row).to_contain_text("暂定")
    shot(page, "21-inbox-provisional")
    row.locator("a").first.click()
    expect(page.locator("main")).to_contain_text("暂定")

    # The administrator loads 2027 (CLI or API); the worker recomputes; the holders are told.
    def load(s):
        calendar.load(s, json.loads(FIXTURE_2027.read_text()), "admin")
    in_transaction(server.db, load)
    Worker(server.db).run_until_idle()

    page.goto(f"{server.url}/inbox?tab=group")
    row = page.locator("tr", has_text="郑州某年末加工有限公司")
    expect(row).to_contain_text("2027-01-05 23:59")
    expect(row).not_to_contain_text("暂定")
    expect(page.locator("#bell .count")).to_be_visible()
    page.click("#bell")
    expect(page.locator("main")).to_contain_text("2027-01-05")
    shot(page, "22-notifications")
    page.get_by_text("全部标为已读").click()
    expect(page.locator("#bell .count")).to_have_count(0)
    admin.reload()
    expect(admin.locator("#calendar-warning")).to_have_count(0)
    assert number
