"""StatutoryClock: suspension, resumption, extension, elapsed/remaining, persistence."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import (
    ExtensionPolicy,
    OfficialCalendar,
    StatutoryClock,
    Suspension,
    Unit,
    UnknownYearError,
    end_of_day,
    extend,
    load_region_year_data,
)

D = date


def award_clock() -> StatutoryClock:
    """Arbitration award: 45 CD from acceptance on 2025-08-17 (un-rolled end 10-01, due 10-09)."""
    return StatutoryClock(start=D(2025, 8, 17), unit=Unit.CD, length=45)


def test_running_cd_clock(cal: OfficialCalendar) -> None:
    clock = award_clock()
    assert not clock.is_suspended
    assert clock.unrolled_end(cal) == D(2025, 10, 1)
    assert clock.due_date(cal) == D(2025, 10, 9)
    assert clock.due_at(cal) == end_of_day(D(2025, 10, 9))
    assert clock.elapsed(cal, D(2025, 8, 17)) == 0
    assert clock.elapsed(cal, D(2025, 8, 1)) == 0  # before the start
    assert clock.elapsed(cal, D(2025, 9, 30)) == 44
    # remaining counts to the (rolled) due date: 10-01 .. 10-09
    assert clock.remaining(cal, D(2025, 9, 30)) == 9
    assert clock.remaining(cal, D(2025, 10, 9)) == 0
    assert not clock.is_overdue(cal, D(2025, 10, 9))
    assert clock.remaining(cal, D(2025, 10, 12)) == -3
    assert clock.is_overdue(cal, D(2025, 10, 10))


def test_suspended_cd_clock(cal: OfficialCalendar) -> None:
    clock = award_clock().suspend(D(2025, 9, 1))
    assert clock.is_suspended
    assert clock.due_date(cal) is None and clock.due_at(cal) is None and clock.unrolled_end(cal) is None
    assert not clock.is_overdue(cal, D(2025, 12, 31))
    # the day of suspension still counts; nothing after it
    assert clock.elapsed(cal, D(2025, 9, 1)) == 15
    assert clock.elapsed(cal, D(2025, 9, 20)) == 15
    assert clock.remaining(cal, D(2025, 9, 2)) == 30
    assert clock.remaining(cal, D(2025, 11, 20)) == 30  # frozen
    resumed = clock.resume(D(2025, 9, 11))
    assert not resumed.is_suspended
    # 10 days (09-02 .. 09-11) did not count: un-rolled end 10-11, an adjusted working Saturday
    assert resumed.unrolled_end(cal) == D(2025, 10, 11)
    assert resumed.due_date(cal) == D(2025, 10, 11)
    assert resumed.elapsed(cal, D(2025, 9, 11)) == 15
    assert resumed.elapsed(cal, D(2025, 9, 12)) == 16
    # the original clock is unchanged (immutable)
    assert award_clock().due_date(cal) == D(2025, 10, 9)


def test_wd_clock_suspension(cal: OfficialCalendar) -> None:
    clock = StatutoryClock(start=D(2025, 1, 20), unit=Unit.WD, length=5)
    assert clock.due_date(cal) == D(2025, 1, 26)  # 21, 22, 23, 24 and the adjusted Sunday 26
    assert clock.remaining(cal, D(2025, 1, 21)) == 4
    assert clock.remaining(cal, D(2025, 1, 27)) == -1
    assert clock.is_overdue(cal, D(2025, 1, 27))
    # suspended on Wednesday 01-22, resumed on Friday 01-24: 01-23 and 01-24 do not count
    stopped = clock.suspend(D(2025, 1, 22)).resume(D(2025, 1, 24))
    assert stopped.elapsed(cal, D(2025, 1, 24)) == 2
    # 21, 22 | 26, 27, 02-05 (Spring Festival in between)
    assert stopped.due_date(cal) == D(2025, 2, 5)
    assert stopped.remaining(cal, D(2025, 1, 27)) == 1


def test_suspension_after_the_end_does_not_move_it(cal: OfficialCalendar) -> None:
    clock = award_clock().suspend(D(2025, 10, 3)).resume(D(2025, 10, 20))
    assert clock.due_date(cal) == D(2025, 10, 9)


def test_several_suspensions(cal: OfficialCalendar) -> None:
    clock = award_clock().suspend(D(2025, 8, 20)).resume(D(2025, 8, 25)).suspend(D(2025, 8, 25)).resume(D(2025, 8, 30))
    assert clock.due_date(cal) == D(2025, 10, 11)  # 10 days removed, as one 08-20 .. 08-30 suspension
    assert len(clock.suspensions) == 2


def test_extension(cal: OfficialCalendar) -> None:
    clock = award_clock().extend(15)
    assert clock.total_length == 60
    assert clock.due_date(cal) == D(2025, 10, 16)
    assert clock.due_date(cal) == extend(cal, ExtensionPolicy(Unit.CD), D(2025, 10, 1), 15)
    assert clock.remaining(cal, D(2025, 10, 1)) == 15


def test_hour_clock() -> None:
    cal = OfficialCalendar()  # hours need no calendar data
    start = datetime(2025, 3, 3, 9, 0, tzinfo=CHINA_TZ)
    clock = StatutoryClock(start=start, unit=Unit.HOURS, length=24)
    assert clock.due_date(cal) == datetime(2025, 3, 4, 9, 0, tzinfo=CHINA_TZ)
    assert clock.due_at(cal) == clock.due_date(cal)
    stopped = clock.suspend(datetime(2025, 3, 3, 12, 0, tzinfo=CHINA_TZ))
    assert stopped.elapsed(cal, datetime(2025, 3, 3, 13, 0, tzinfo=CHINA_TZ)) == 3.0
    assert stopped.remaining(cal, datetime(2025, 3, 5, 0, 0, tzinfo=CHINA_TZ)) == 21.0
    # UTC input is converted: 07:00 UTC = 15:00 China
    resumed = stopped.resume(datetime(2025, 3, 3, 7, 0, tzinfo=timezone.utc))
    assert resumed.due_date(cal) == datetime(2025, 3, 4, 12, 0, tzinfo=CHINA_TZ)
    assert resumed.elapsed(cal, datetime(2025, 3, 3, 16, 30, tzinfo=CHINA_TZ)) == 4.5
    assert resumed.remaining(cal, datetime(2025, 3, 4, 13, 0, tzinfo=CHINA_TZ)) == -1.0
    assert resumed.is_overdue(cal, datetime(2025, 3, 4, 12, 0, 1, tzinfo=CHINA_TZ))
    naive = StatutoryClock(start=datetime(2025, 3, 3, 9, 0), unit=Unit.HOURS, length=24)
    assert naive.due_date(cal) == clock.due_date(cal)
    with pytest.raises(TypeError, match="datetime"):
        StatutoryClock(start=D(2025, 3, 3), unit=Unit.HOURS, length=24)


def test_day_clock_takes_datetimes_by_china_day(cal: OfficialCalendar) -> None:
    start = datetime(2025, 8, 16, 18, 0, tzinfo=timezone.utc)  # 2025-08-17 02:00 in China
    clock = StatutoryClock(start=start, unit="CD", length=45)  # type: ignore[arg-type]  # text is accepted
    assert clock.start == D(2025, 8, 17) and clock.unit is Unit.CD
    assert clock.due_date(cal) == D(2025, 10, 9)


def test_region_clock(cal: OfficialCalendar) -> None:
    regional = cal.with_region_year(load_region_year_data({
        "region": "650000", "year": 2025, "version": 1, "source": "TEST FIXTURE (fictitious)",
        "holidays": [{"date": "2025-03-31", "name": "肉孜节（测试）"}], "adjusted_workdays": [],
    }))
    national = StatutoryClock(start=D(2025, 3, 28), unit=Unit.WD, length=1)
    local = StatutoryClock(start=D(2025, 3, 28), unit=Unit.WD, length=1, region="650000")
    assert national.due_date(regional) == D(2025, 3, 31)
    assert local.due_date(regional) == D(2025, 4, 1)


def test_unknown_year(cal: OfficialCalendar) -> None:
    clock = StatutoryClock(start=D(2026, 12, 20), unit=Unit.WD, length=15)
    with pytest.raises(UnknownYearError, match="2027"):
        clock.due_date(cal)


def test_invalid_clocks() -> None:
    clock = award_clock()
    with pytest.raises(ValueError, match="已经中止"):
        clock.suspend(D(2025, 9, 1)).suspend(D(2025, 9, 2))
    with pytest.raises(ValueError, match="未中止"):
        clock.resume(D(2025, 9, 1))
    with pytest.raises(ValueError, match="早于中止日期"):
        clock.suspend(D(2025, 9, 10)).resume(D(2025, 9, 1))
    with pytest.raises(ValueError, match="早于期限起算"):
        clock.suspend(D(2025, 8, 1))
    with pytest.raises(ValueError, match="早于期限起算或上一次恢复"):
        clock.suspend(D(2025, 9, 1)).resume(D(2025, 9, 5)).suspend(D(2025, 9, 4))
    with pytest.raises(ValueError, match="只有最后一次中止"):
        StatutoryClock(D(2025, 1, 1), Unit.CD, 5, suspensions=(Suspension(D(2025, 1, 2)), Suspension(D(2025, 1, 3))))
    with pytest.raises(ValueError):
        StatutoryClock(D(2025, 1, 1), Unit.CD, -5)
    with pytest.raises(ValueError):
        clock.extend(-1)
    with pytest.raises(ValueError):
        StatutoryClock(D(2025, 1, 1), "weeks", 5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "clock",
    [
        award_clock(),
        award_clock().suspend(D(2025, 9, 1)),
        award_clock().suspend(D(2025, 9, 1)).resume(D(2025, 9, 11)).extend(15),
        StatutoryClock(D(2025, 1, 20), Unit.WD, 5, region="650000"),
        StatutoryClock(datetime(2025, 3, 3, 9, 0, tzinfo=CHINA_TZ), Unit.HOURS, 24)
        .suspend(datetime(2025, 3, 3, 12, 0, tzinfo=CHINA_TZ)),
    ],
)
def test_round_trip(clock: StatutoryClock) -> None:
    data = json.loads(json.dumps(clock.to_dict()))
    assert StatutoryClock.from_dict(data) == clock


def test_from_dict_rejects_bad_data() -> None:
    bad_data: list[dict[str, object]] = [
        {},
        {"start": "2025-13-01", "unit": "CD", "length": 5},
        {"start": "2025-01-01", "unit": "x", "length": 5},
    ]
    for bad in bad_data:
        with pytest.raises(ValueError, match="期限计时数据无效"):
            StatutoryClock.from_dict(bad)


def test_zero_length_clock(cal: OfficialCalendar) -> None:
    assert StatutoryClock(D(2025, 2, 1), Unit.WD, 0).due_date(cal) == D(2025, 2, 1)
    assert StatutoryClock(D(2025, 2, 1), Unit.CD, 0).due_date(cal) == D(2025, 2, 5)
    assert StatutoryClock(D(2025, 2, 1), Unit.CD, 0).remaining(cal, D(2025, 2, 1)) == 4
    assert StatutoryClock(D(2025, 3, 3), Unit.WD, 1).remaining(cal, D(2025, 3, 3) - timedelta(days=2)) == 1
