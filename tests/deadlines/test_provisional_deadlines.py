"""Issue 11 part 2 through the public interfaces: a year without calendar data never stops registration,
dates there are 暂定 (API and pages), administrators are warned from 1 October, notifications."""
from __future__ import annotations

import json
import pickle
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.deadlines.conftest import FIXTURE_2027
from tests.intake.helpers import registration
from workflow_app.entrypoints import demo
from workflow_app.platform.calendar import OfficialCalendar, UnknownYearError, add_working_days
from workflow_app.entrypoints.worker import Worker

CST = timezone(timedelta(hours=8))


def _login(app, username):
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username, "password": demo.DEMO_PASSWORD})
    assert answer.status_code == 302, answer.text
    return client


def test_the_provisional_calendar_counts_weekends_only_and_names_the_missing_years():
    strict = OfficialCalendar.builtin()
    with pytest.raises(UnknownYearError, match="2027"):
        add_working_days(strict, date(2026, 12, 28), 5)
    cal = strict.provisional()
    assert cal.is_provisional and not strict.is_provisional
    assert add_working_days(cal, date(2026, 12, 28), 5) == date(2027, 1, 4)  # 1 Jan counted: provisional
    assert not cal.is_working_day(date(2027, 1, 2)) and cal.holiday_name(date(2027, 1, 1)) is None
    assert cal.missing_years(date(2026, 12, 28), date(2027, 1, 4)) == (2027,)
    assert cal.missing_years(date(2026, 12, 28), date(2026, 12, 31)) == ()
    # the built-in years answer exactly as before
    assert add_working_days(cal, date(2025, 1, 24), 5) == add_working_days(strict, date(2025, 1, 24), 5)
    # picklable (script evaluation may happen in another process), flag included
    again = pickle.loads(pickle.dumps(cal))
    assert again.is_provisional and again.years == cal.years
    assert add_working_days(again, date(2026, 12, 28), 5) == date(2027, 1, 4)


def test_registration_late_in_the_year_succeeds_and_shows_provisional_dates(freeze_clock, app, as_user, db):
    # Monday 28 Dec 2026: the 5 WD acceptance deadline reaches into 2027, which has no data yet.
    freeze_clock(datetime(2026, 12, 28, 10, 0, tzinfo=CST))
    r = as_user("clerk").post("/api/intake/registrations",
                              json=registration("wage_arrears", received_at="2026-12-28T09:30:00+08:00"))
    assert r.status_code == 201, r.json  # not 「缺少2027年的法定节假日数据」
    tasks = as_user("inspector").get("/api/tasks", query_string={"business_key": r.json["cases"][0]["number"]}).json["items"]
    assert [(t["due_at"], t["due_provisional"]) for t in tasks] == [("2027-01-04T15:59:59+00:00", True)]
    client = _login(app, "inspector")
    inbox = client.get("/inbox?tab=group").text
    row = inbox[inbox.index(f'id="task-{tasks[0]["id"]}"'):]
    row = row[:row.index("</tr>")]
    assert "2027-01-04 23:59" in row and "暂定" in row
    page = client.get(f"/tasks/{tasks[0]['id']}").text
    assert "暂定" in page
    case_page = client.get(f"/cases/{tasks[0]['instance_id']}").text
    assert "暂定" in case_page
    # loading the year clears the flags (the worker recomputes) and the page no longer says 暂定
    assert as_user("admin").post("/api/calendar/years", json=json.loads(FIXTURE_2027.read_text())).status_code == 201
    Worker(db).run_until_idle()
    tasks = as_user("inspector").get("/api/tasks", query_string={"business_key": r.json["cases"][0]["number"]}).json["items"]
    assert [(t["due_at"], t["due_provisional"]) for t in tasks] == [("2027-01-05T15:59:59+00:00", False)]
    assert "暂定" not in client.get(f"/tasks/{tasks[0]['id']}").text
    bell = client.get("/inbox").text
    assert re.search(r'id="bell"[^>]*>(?:(?!</a>).)*<span class="count">\d+</span>', bell, re.S)


@pytest.mark.parametrize("moment,warned", [
    (datetime(2026, 9, 30, 23, 59, tzinfo=CST), False),
    (datetime(2026, 10, 1, 0, 1, tzinfo=CST), True),   # China time: still 30 September in UTC
    (datetime(2026, 12, 28, 10, 0, tzinfo=CST), True),
])
def test_administrators_are_warned_from_1_october_that_next_year_is_not_loaded(freeze_clock, app, as_user,
                                                                              moment, warned):
    freeze_clock(moment)
    status = as_user("clerk").get("/api/calendar/status").json
    assert status["next_year"] == 2027 and status["missing"] == [2027]
    assert (status["warning"] is not None) is warned
    admin_page = _login(app, "admin").get("/notifications").text
    assert ('id="calendar-warning"' in admin_page) is warned
    if warned:
        assert "2027年" in status["warning"] and "2027年" in admin_page
    assert 'id="calendar-warning"' not in _login(app, "inspector").get("/notifications").text  # admins only
    as_user("admin").post("/api/calendar/years", json=json.loads(FIXTURE_2027.read_text()))
    status = as_user("clerk").get("/api/calendar/status").json
    assert status["missing"] == [] and status["warning"] is None


def test_notifications_are_private_and_can_be_marked_read(freeze_clock, app, as_user, db):
    from workflow_app.platform.notifications import inbox as notifications
    from workflow_app.platform.persistence.database import in_transaction
    freeze_clock(datetime(2026, 11, 20, 10, 0, tzinfo=CST))
    in_transaction(db, lambda s: notifications.notify(s, ["inspector", "inspector"], "test.kind", "标题", "正文",
                                                      link="/inbox"))
    page = as_user("inspector").get("/api/notifications").json
    assert (page["total"], page["unread"]) == (1, 1)  # one per user, even if named twice
    note = page["items"][0]
    assert (note["kind"], note["title"], note["read_at"]) == ("test.kind", "标题", None)
    assert as_user("auditor").get("/api/notifications").json["total"] == 0
    assert as_user("auditor").post(f"/api/notifications/{note['id']}/read").status_code == 404
    r = as_user("inspector").post(f"/api/notifications/{note['id']}/read")
    assert r.status_code == 200 and r.json["read_at"]
    assert as_user("inspector").get("/api/notifications?unread=true").json["total"] == 0
    assert as_user("inspector").post("/api/notifications/999999/read").status_code == 404
    assert as_user("inspector").get("/api/notifications?per_page=0").status_code == 422
    client = _login(app, "inspector")
    listing = client.get("/notifications").text
    assert "标题" in listing and "正文" in listing
    assert as_user("inspector").post("/api/notifications/read-all").json == {"marked": 0}
