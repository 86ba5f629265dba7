"""The time module: the China time zone, calendar days in China and the one parser of written dates
(docs/deadlines.md "Dates and times in text")."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from workflow_app.platform import clock
from workflow_app.platform.clock import CHINA_TZ, end_of_day, parse_day_or_instant, start_of_day, to_local_date


def test_china_time_is_eight_hours_ahead_of_utc_all_year():
    for month in (1, 7):
        assert datetime(2026, month, 1, tzinfo=CHINA_TZ).utcoffset() == timedelta(hours=8)


def test_a_bare_date_is_a_calendar_day_not_an_instant():
    parsed = parse_day_or_instant("2026-11-20")
    assert parsed == date(2026, 11, 20) and not isinstance(parsed, datetime)


def test_surrounding_spaces_are_ignored():
    assert parse_day_or_instant(" 2026-11-20\n") == date(2026, 11, 20)


def test_a_date_time_without_offset_is_china_time():
    assert parse_day_or_instant("2026-11-20T09:30") == datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)


def test_a_date_time_with_an_offset_keeps_it():
    parsed = parse_day_or_instant("2026-11-20T01:30:00+00:00")
    assert parsed == datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
    assert parsed.utcoffset() == timedelta(0)


def test_z_means_utc():
    assert parse_day_or_instant("2026-11-20T01:30:00Z") == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)


def test_date_and_datetime_objects_pass_through_unchanged():
    day, naive = date(2026, 11, 20), datetime(2026, 11, 20, 9, 30)
    assert parse_day_or_instant(day) is day
    assert parse_day_or_instant(naive) is naive


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01", "2026-11-31", "20/11/2026"])
def test_anything_else_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_day_or_instant(text)


def test_callers_choose_the_instant_of_a_day():
    day = parse_day_or_instant("2026-11-20")
    assert start_of_day(day) == datetime(2026, 11, 20, 0, 0, tzinfo=CHINA_TZ)
    assert end_of_day(day) == datetime(2026, 11, 20, 23, 59, 59, tzinfo=CHINA_TZ)


def test_the_day_of_an_instant_is_its_day_in_china():
    late_utc = datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)  # 01:00 on the 21st in China
    assert to_local_date(late_utc) == date(2026, 11, 21)
    assert to_local_date(datetime(2026, 11, 20, 23, 0)) == date(2026, 11, 20)  # naive: China time already
    assert end_of_day(late_utc) == datetime(2026, 11, 21, 23, 59, 59, tzinfo=CHINA_TZ)


def test_today_local_follows_the_application_clock():
    previous = clock.set_clock(clock.FrozenClock(datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)))
    try:
        assert clock.today_local() == date(2026, 11, 21)
    finally:
        clock.set_clock(previous)
