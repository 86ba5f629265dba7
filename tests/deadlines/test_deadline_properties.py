"""Property-based tests of the counting rules on the built-in calendar (2004–2026)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import (
    DeadlineRule,
    ExtensionBase,
    ExtensionPolicy,
    OfficialCalendar,
    StatutoryClock,
    Unit,
    add_calendar_days,
    add_calendar_days_rolled,
    add_hours,
    add_working_days,
    count_working_days,
    extend,
    parse_rule,
    roll_forward,
    unrolled_end,
)

CAL = OfficialCalendar.builtin()
ONE_DAY = timedelta(days=1)

# Starts leave room for 60 WD / 100 CD plus suspensions of up to 40 days without leaving 2026.
starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 3, 31))
wd_counts = st.integers(min_value=0, max_value=60)
cd_counts = st.integers(min_value=0, max_value=100)
day_units = st.sampled_from([Unit.WD, Unit.CD])

# Moderate example counts: the whole folder must stay fast. No example database is written.
SETTINGS = settings(max_examples=60, deadline=None, database=None)


def _days(first: date, last: date) -> list[date]:
    """Every day in [first, last)."""
    return [first + timedelta(days=i) for i in range((last - first).days)]


# ---- N WD ---------------------------------------------------------------------------------------------

@SETTINGS
@given(starts, st.integers(min_value=1, max_value=60))
def test_wd_result_is_the_nth_working_day_after_start(start: date, n: int) -> None:
    due = add_working_days(CAL, start, n)
    assert due > start
    assert CAL.is_working_day(due)
    working = [d for d in _days(start + ONE_DAY, due + ONE_DAY) if CAL.is_working_day(d)]
    assert len(working) == n
    assert count_working_days(CAL, start, due) == n


@SETTINGS
@given(starts)
def test_wd_zero_is_the_start(start: date) -> None:
    assert add_working_days(CAL, start, 0) == start


@SETTINGS
@given(starts, wd_counts, wd_counts)
def test_wd_is_strictly_monotone(start: date, n: int, m: int) -> None:
    a, b = add_working_days(CAL, start, n), add_working_days(CAL, start, m)
    assert (a < b) == (n < m) and (a == b) == (n == m)


@SETTINGS
@given(starts, wd_counts, wd_counts)
def test_wd_composes(start: date, n: int, m: int) -> None:
    assert add_working_days(CAL, add_working_days(CAL, start, n), m) == add_working_days(CAL, start, n + m)


@SETTINGS
@given(starts, st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59), wd_counts)
def test_datetime_start_is_its_china_day(start: date, hour: int, minute: int, n: int) -> None:
    local = datetime(start.year, start.month, start.day, hour, minute, tzinfo=CHINA_TZ)
    as_utc = local.astimezone(timezone.utc)
    assert add_working_days(CAL, as_utc, n) == add_working_days(CAL, start, n)
    assert add_working_days(CAL, local.replace(tzinfo=None), n) == add_working_days(CAL, start, n)


# ---- N CD ---------------------------------------------------------------------------------------------

@SETTINGS
@given(starts, cd_counts)
def test_cd_result_is_the_first_working_day_from_start_plus_n(start: date, n: int) -> None:
    plain = start + timedelta(days=n)
    due = add_calendar_days_rolled(CAL, start, n)
    assert due >= plain
    assert CAL.is_working_day(due)
    assert not any(CAL.is_working_day(d) for d in _days(plain, due))


@SETTINGS
@given(starts, cd_counts, cd_counts)
def test_cd_is_monotone(start: date, n: int, m: int) -> None:
    if n <= m:
        assert add_calendar_days_rolled(CAL, start, n) <= add_calendar_days_rolled(CAL, start, m)


@SETTINGS
@given(starts)
def test_roll_forward_is_idempotent(day: date) -> None:
    rolled = roll_forward(CAL, day)
    assert roll_forward(CAL, rolled) == rolled
    assert (rolled == day) == CAL.is_working_day(day)


# ---- hours --------------------------------------------------------------------------------------------

@SETTINGS
@given(st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2026, 12, 1)), st.integers(0, 10_000))
def test_hours_are_exact(start: datetime, n: int) -> None:
    aware = start.replace(tzinfo=CHINA_TZ)
    assert add_hours(aware, n) - aware == timedelta(hours=n)
    assert add_hours(start, n) - start == timedelta(hours=n)


# ---- extensions ---------------------------------------------------------------------------------------

@SETTINGS
@given(starts, st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=40))
def test_wd_extension_equals_the_longer_period(start: date, n: int, extra: int) -> None:
    # n >= 1: a 0 WD period ends on its start day even if that is a rest day; extend() rolls it
    original = unrolled_end(CAL, Unit.WD, start, n)
    assert extend(CAL, ExtensionPolicy(Unit.WD), original, extra) == add_working_days(CAL, start, n + extra)


@SETTINGS
@given(starts, cd_counts, st.integers(min_value=0, max_value=40))
def test_cd_extension_equals_the_longer_period(start: date, n: int, extra: int) -> None:
    original = unrolled_end(CAL, Unit.CD, start, n)
    assert extend(CAL, ExtensionPolicy(Unit.CD), original, extra) == add_calendar_days_rolled(CAL, start, n + extra)
    rolled = extend(CAL, ExtensionPolicy(Unit.CD, ExtensionBase.ROLLED), original, extra)
    assert rolled >= add_calendar_days_rolled(CAL, start, n + extra)


@SETTINGS
@given(starts, cd_counts, day_units, day_units)
def test_extension_by_zero_is_the_original_due_date(start: date, n: int, rule_unit: Unit, ext_unit: Unit) -> None:
    # a 0 WD period is its (unrolled) start day, which extend() rolls: only n >= 1 for WD
    rule = DeadlineRule(max(1, min(n, 60)) if rule_unit is Unit.WD else n, rule_unit)
    original = rule.unrolled_end(CAL, start)
    for base in ExtensionBase:
        assert extend(CAL, ExtensionPolicy(ext_unit, base), original, 0) == rule.apply(CAL, start)


# ---- clocks -------------------------------------------------------------------------------------------

def _clock(start: date, unit: Unit, n: int) -> StatutoryClock:
    return StatutoryClock(start=start, unit=unit, length=min(n, 60) if unit is Unit.WD else n)


@SETTINGS
@given(starts, day_units, cd_counts)
def test_clock_without_suspension_matches_the_rule(start: date, unit: Unit, n: int) -> None:
    clock = _clock(start, unit, n)
    assert clock.due_date(CAL) == DeadlineRule(clock.length, unit).apply(CAL, start)


@SETTINGS
@given(starts, day_units, cd_counts, st.integers(min_value=0, max_value=150))
def test_zero_length_suspension_changes_nothing(start: date, unit: Unit, n: int, offset: int) -> None:
    clock = _clock(start, unit, n)
    on = start + timedelta(days=offset)
    stopped = clock.suspend(on).resume(on)
    assert stopped.due_date(CAL) == clock.due_date(CAL)
    today = start + timedelta(days=offset // 2)
    assert stopped.elapsed(CAL, today) == clock.elapsed(CAL, today)
    assert stopped.remaining(CAL, today) == clock.remaining(CAL, today)


@SETTINGS
@given(starts, wd_counts, st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=40))
def test_wd_suspension_shifts_due_by_the_working_days_suspended(start: date, n: int, offset: int, length: int) -> None:
    clock = StatutoryClock(start=start, unit=Unit.WD, length=n)
    due = clock.due_date(CAL)
    assert isinstance(due, date)
    s = start + timedelta(days=offset)
    r = s + timedelta(days=length)
    shifted = clock.suspend(s).resume(r).due_date(CAL)
    if s < due:
        assert shifted == add_working_days(CAL, due, count_working_days(CAL, s, r))
    else:
        assert shifted == due


@SETTINGS
@given(starts, cd_counts, st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=40))
def test_cd_suspension_shifts_the_unrolled_end_by_the_days_suspended(
    start: date, n: int, offset: int, length: int
) -> None:
    clock = StatutoryClock(start=start, unit=Unit.CD, length=n)
    end = add_calendar_days(start, n)
    s = start + timedelta(days=offset)
    r = s + timedelta(days=length)
    shifted = clock.suspend(s).resume(r)
    if s < end:
        assert shifted.unrolled_end(CAL) == end + (r - s)
        assert shifted.due_date(CAL) == roll_forward(CAL, end + (r - s))
    else:
        assert shifted.due_date(CAL) == clock.due_date(CAL)


@SETTINGS
@given(starts, day_units, cd_counts, st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_remaining_is_frozen_while_suspended(start: date, unit: Unit, n: int, offset: int, a: int, b: int) -> None:
    clock = _clock(start, unit, n).suspend(start + timedelta(days=offset))
    s = clock.suspensions[-1].suspended_on
    assert isinstance(s, date)
    assert clock.due_date(CAL) is None
    frozen = clock.remaining(CAL, s)
    assert clock.remaining(CAL, s + timedelta(days=a)) == frozen == clock.remaining(CAL, s + timedelta(days=b))
    assert frozen == clock.total_length - clock.elapsed(CAL, s)


@SETTINGS
@given(starts, wd_counts, st.integers(min_value=0, max_value=120))
def test_wd_elapsed_plus_remaining_is_the_length(start: date, n: int, offset: int) -> None:
    clock = StatutoryClock(start=start, unit=Unit.WD, length=n)
    today = start + timedelta(days=offset)
    assert clock.elapsed(CAL, today) + clock.remaining(CAL, today) == n
    assert clock.is_overdue(CAL, today) == (today > add_working_days(CAL, start, n))


@SETTINGS
@given(starts, day_units, st.integers(min_value=1, max_value=100), st.integers(min_value=0, max_value=30))
def test_clock_extension_matches_extend(start: date, unit: Unit, n: int, extra: int) -> None:
    # n >= 1: a 0 WD period ends on its start day unrolled, which extend() would roll (see its docstring)
    clock = _clock(start, unit, n)
    original = unrolled_end(CAL, unit, start, clock.length)
    assert clock.extend(extra).due_date(CAL) == extend(CAL, ExtensionPolicy(unit), original, extra)


@SETTINGS
@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 1, 1)),
    st.integers(0, 200),
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), max_size=3),
)
def test_hour_clock_due_is_start_plus_running_time(start: datetime, hours: int, gaps: list[tuple[int, int]]) -> None:
    clock = StatutoryClock(start=start, unit=Unit.HOURS, length=hours)
    moment = start
    for wait, pause in gaps:
        moment += timedelta(minutes=wait)
        clock = clock.suspend(moment)
        moment += timedelta(minutes=pause)
        clock = clock.resume(moment)
    due = clock.due_date(CAL)
    assert isinstance(due, datetime)
    assert clock.elapsed(CAL, due) == hours
    assert clock.remaining(CAL, due) == 0


@SETTINGS
@given(st.integers(0, 9999), st.sampled_from(list(Unit)))
def test_rule_text_round_trip(length: int, unit: Unit) -> None:
    rule = DeadlineRule(length, unit)
    assert parse_rule(str(rule)) == rule
