"""Administration services: the calendar load's preview (``platform/deadlines/calendar_years.preview``) and
the certificate states and scope rules of ``platform/identity/administration.py``."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from workflow_app.platform.deadlines import calendar_years as calendar
from workflow_app.platform.errors import Conflict, Forbidden, Invalid
from workflow_app.platform.identity import administration

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "deadlines" / "fixtures" / "TEST_FIXTURE_calendar_2027.json")
                     .read_text(encoding="utf-8"))


def test_a_preview_of_a_year_without_data_lists_every_holiday_and_stores_nothing(db):
    with db.transaction() as s:
        preview = calendar.preview(s, FIXTURE)
    assert preview["year"] == 2027 and preview["replaces_version"] is None
    assert {"date": date(2027, 1, 1), "name": "元旦"} in preview["holidays_added"]
    assert len(preview["holidays_added"]) == len(FIXTURE["holidays"]) and preview["holidays_removed"] == []
    assert preview["workdays_added"] == sorted(date.fromisoformat(d) for d in FIXTURE["adjusted_workdays"])
    assert {"date": date(2027, 1, 1), "name": "元旦"} in preview["now_days_off"]  # a Friday: no longer worked
    with db.transaction() as s:
        assert all(y["year"] != 2027 for y in calendar.years(s))


def test_a_preview_of_a_new_version_shows_what_it_adds_and_removes(db):
    with db.transaction() as s:
        calendar.load(s, FIXTURE, "admin")
    second = {**FIXTURE, "version": 2, "holidays": [h for h in FIXTURE["holidays"] if h["date"] != "2027-01-03"]}
    with db.transaction() as s:
        preview = calendar.preview(s, second)
    assert preview["replaces_version"] == 1 and preview["holidays_added"] == []
    assert preview["holidays_removed"] == [{"date": date(2027, 1, 3), "name": "元旦"}]
    assert preview["now_working_days"] == [] and preview["now_days_off"] == []  # a Sunday either way
    with pytest.raises(Conflict), db.transaction() as s:
        calendar.preview(s, FIXTURE)  # version 1 again
    with pytest.raises(Invalid), db.transaction() as s:
        calendar.preview(s, "{not json")


def test_certificates_are_flagged_by_their_expiry_from_the_clock(db, who):
    admin = who("admin")
    with db.transaction() as s:
        for number, expires in (("C-OLD", date(2026, 11, 1)), ("C-30", date(2026, 12, 10)),
                                ("C-90", date(2027, 2, 1)), ("C-OK", date(2028, 1, 1))):
            administration.add_certificate(s, admin, "inspector", number, date(2024, 1, 1), expires)
        states = {c["number"]: c["state"] for c in administration.certificate_list(s, admin) if c["number"].startswith("C-")}
        warned = {c["number"] for c in administration.certificate_list(s, admin, state="warning") if c["number"].startswith("C-")}
    assert states == {"C-OLD": "expired", "C-30": "expiring_30", "C-90": "expiring_90", "C-OK": "valid"}
    assert warned == {"C-OLD", "C-30", "C-90"}


def test_only_administrators_administer(db, who):
    with pytest.raises(Forbidden), db.transaction() as s:
        administration.list_users(s, who("inspector"))
