"""Worked examples of docs/deadlines.md across Spring Festival 2024/2025, National Day 2025 and adjusted weekends."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import (
    ExtensionBase,
    ExtensionPolicy,
    OfficialCalendar,
    Unit,
    UnknownYearError,
    add_calendar_days,
    add_calendar_days_rolled,
    add_hours,
    add_working_days,
    count_working_days,
    end_of_day,
    extend,
    roll_forward,
    unrolled_end,
)

D = date


# ---- N WD from X -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Spring Festival 2025: holidays 01-28..02-04; Sunday 01-26 and Saturday 02-08 are working days.
        (D(2025, 1, 24), 1, D(2025, 1, 26)),  # Friday -> the adjusted Sunday
        (D(2025, 1, 24), 5, D(2025, 2, 7)),  # 26, 27, 02-05, 02-06, 02-07
        (D(2025, 1, 25), 1, D(2025, 1, 26)),  # start on a rest day: still the next working day
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 2, 7), 1, D(2025, 2, 8)),  # Friday -> the adjusted Saturday
        (D(2025, 2, 7), 2, D(2025, 2, 10)),
        # Spring Festival 2024: holidays 02-10..02-17; Sundays 02-04 and 02-18 are working days.
        (D(2024, 2, 3), 1, D(2024, 2, 4)),
        (D(2024, 2, 9), 1, D(2024, 2, 18)),
        (D(2024, 2, 8), 5, D(2024, 2, 21)),  # 02-09, 02-18, 02-19, 02-20, 02-21
        # National Day 2025 with Mid-Autumn: holidays 10-01..10-08; 09-28 (Sun) and 10-11 (Sat) work.
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 26), 5, D(2025, 10, 10)),  # 28, 29, 30, 10-09, 10-10
        (D(2025, 9, 26), 6, D(2025, 10, 11)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        # a plain week: 5 WD from a Monday is the next Monday
        (D(2025, 3, 3), 5, D(2025, 3, 10)),
        # inspection: 60 WD from 立案 on Friday 2025-08-01. August after the 1st: 20 WD; September:
        # 22 WD + Sunday 09-28 = 23 (43); October: 09, 10, 11 (Sat) = 46, 13–17 = 51, 20–24 = 56,
        # 27, 28, 29, 30 = 60.
        (D(2025, 8, 1), 60, D(2025, 10, 30)),
    ],
)
def test_add_working_days(cal: OfficialCalendar, start: date, n: int, due: date) -> None:
    assert add_working_days(cal, start, n) == due
    assert count_working_days(cal, start, due) == n


def test_n_zero_and_bad_n(cal: OfficialCalendar) -> None:
    holiday = D(2025, 2, 1)
    assert add_working_days(cal, holiday, 0) == holiday  # unchanged, not rolled
    assert add_calendar_days_rolled(cal, holiday, 0) == D(2025, 2, 5)  # the CD formula with N = 0
    with pytest.raises(ValueError, match="不能为负数"):
        add_working_days(cal, holiday, -1)
    with pytest.raises(TypeError):
        add_working_days(cal, holiday, True)
    with pytest.raises(TypeError):
        add_working_days(cal, holiday, 1.0)  # type: ignore[arg-type]
    with pytest.raises(UnknownYearError, match="2031"):
        add_working_days(cal, D(2031, 1, 6), 0)  # even N = 0 needs the year's data


def test_datetime_start_counts_by_china_day(cal: OfficialCalendar) -> None:
    # 2025-09-29 17:00 UTC is 2025-09-30 01:00 in China.
    assert add_working_days(cal, datetime(2025, 9, 29, 17, 0, tzinfo=timezone.utc), 1) == D(2025, 10, 9)
    assert add_working_days(cal, datetime(2025, 9, 29, 17, 0), 1) == D(2025, 9, 30)  # naive = China time
    assert add_calendar_days_rolled(cal, datetime(2025, 9, 29, 23, 0, tzinfo=CHINA_TZ), 1) == D(2025, 9, 30)
    result = add_working_days(cal, datetime(2025, 3, 3, 9, 30), 1)
    assert type(result) is date


# ---- N CD from X --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2025, 1, 25), 3, D(2025, 2, 5)),  # 01-28 is a holiday -> first working day after the period
        (D(2024, 2, 3), 7, D(2024, 2, 18)),  # 02-10 holiday -> the adjusted Sunday 02-18
        (D(2025, 8, 17), 45, D(2025, 10, 9)),  # arbitration award: 10-01 -> 10-09
        (D(2025, 9, 26), 2, D(2025, 9, 28)),  # lands on the adjusted Sunday: no roll
        (D(2025, 3, 3), 5, D(2025, 3, 10)),  # Saturday 03-08 -> Monday
        (D(2025, 3, 3), 4, D(2025, 3, 7)),
        (D(2025, 9, 23), 15, D(2025, 10, 9)),  # payment of a fine, 15 CD
    ],
)
def test_add_calendar_days_rolled(cal: OfficialCalendar, start: date, n: int, due: date) -> None:
    assert add_calendar_days_rolled(cal, start, n) == due
    assert add_calendar_days(start, n) == start + timedelta(days=n)


def test_roll_forward(cal: OfficialCalendar) -> None:
    assert roll_forward(cal, D(2025, 10, 1)) == D(2025, 10, 9)
    assert roll_forward(cal, D(2025, 10, 11)) == D(2025, 10, 11)
    assert cal.next_working_day(D(2025, 10, 11)) == D(2025, 10, 13)


# ---- hours --------------------------------------------------------------------------------------------

def test_add_hours_does_not_roll() -> None:
    start = datetime(2025, 1, 27, 10, 0, tzinfo=CHINA_TZ)
    assert add_hours(start, 24) == datetime(2025, 1, 28, 10, 0, tzinfo=CHINA_TZ)  # a holiday: no rolling
    assert add_hours(start, 0) == start
    naive = datetime(2025, 1, 27, 10, 0)
    assert add_hours(naive, 72) == datetime(2025, 1, 30, 10, 0)
    with pytest.raises(TypeError, match="datetime"):
        add_hours(D(2025, 1, 27), 24)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        add_hours(start, -1)


def test_end_of_day() -> None:
    due = end_of_day(D(2025, 2, 7))
    assert due == datetime(2025, 2, 7, 23, 59, 59, tzinfo=CHINA_TZ)
    assert due.utcoffset() == timedelta(hours=8)
    assert due.astimezone(timezone.utc) == datetime(2025, 2, 7, 15, 59, 59, tzinfo=timezone.utc)
    assert end_of_day(datetime(2025, 2, 6, 20, 0, tzinfo=timezone.utc)) == due  # 2025-02-07 04:00 in China


# ---- extensions ---------------------------------------------------------------------------------------

def test_arbitration_extension_adds_to_the_unrolled_end(cal: OfficialCalendar) -> None:
    accepted = D(2025, 8, 17)
    original = unrolled_end(cal, Unit.CD, accepted, 45)
    assert original == D(2025, 10, 1)  # before rolling; the due date itself is 10-09
    policy = ExtensionPolicy(Unit.CD)
    assert extend(cal, policy, original, 15) == D(2025, 10, 16)
    assert extend(cal, policy, original, 0) == D(2025, 10, 9)
    rolled = ExtensionPolicy(Unit.CD, ExtensionBase.ROLLED)
    assert extend(cal, rolled, original, 15) == D(2025, 10, 24)


def test_extension_result_is_rolled_once(cal: OfficialCalendar) -> None:
    # 15 CD from 09-16 ends 10-01 (un-rolled); +5 CD ends 10-06, a holiday -> rolled to 10-09
    assert extend(cal, ExtensionPolicy(Unit.CD), D(2025, 10, 1), 5) == D(2025, 10, 9)


def test_working_day_extension(cal: OfficialCalendar) -> None:
    start = D(2025, 8, 1)
    original = unrolled_end(cal, Unit.WD, start, 60)
    assert extend(cal, ExtensionPolicy(Unit.WD), original, 30) == add_working_days(cal, start, 90)
    # a WD extension of a CD period starts from the un-rolled end (a holiday here)
    assert extend(cal, ExtensionPolicy(Unit.WD), D(2025, 10, 1), 1) == D(2025, 10, 9)
    assert extend(cal, ExtensionPolicy(Unit.WD), D(2025, 10, 1), 2) == D(2025, 10, 10)


def test_hour_extension() -> None:
    start = datetime(2025, 3, 3, 9, 0, tzinfo=CHINA_TZ)
    original = unrolled_end(OfficialCalendar(), Unit.HOURS, start, 24)
    extended = extend(OfficialCalendar(), ExtensionPolicy(Unit.HOURS), original, 12)
    assert extended == datetime(2025, 3, 4, 21, 0, tzinfo=CHINA_TZ)
    with pytest.raises(TypeError):
        extend(OfficialCalendar(), ExtensionPolicy(Unit.HOURS), D(2025, 3, 3), 12)


def test_extension_policy_from_config() -> None:
    assert ExtensionPolicy.from_config({}) == ExtensionPolicy(Unit.CD, ExtensionBase.UNROLLED)
    policy = ExtensionPolicy.from_config({"unit": "WD", "base": "rolled"})
    assert policy == ExtensionPolicy(Unit.WD, ExtensionBase.ROLLED)
    with pytest.raises(ValueError, match="延期规则配置无效"):
        ExtensionPolicy.from_config({"unit": "weeks"})
    with pytest.raises(ValueError, match="未知字段"):
        ExtensionPolicy.from_config({"unit": "WD", "max": 1})
