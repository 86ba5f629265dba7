"""Statutory deadline arithmetic on the official calendar (docs/deadlines.md).

Rules
-----
1. ``N WD from X`` (:func:`add_working_days`): the N-th working day after X; X itself is not counted.
2. ``N CD from X`` (:func:`add_calendar_days_rolled`): X + N days; if that day is not a working day, roll
   forward to the next working day.
3. ``N h`` (:func:`add_hours`): clock hours, no rolling.
4. Extensions (:func:`extend`) add to the original *un-rolled* end, then roll once; the unit (WD/CD) and the
   base (un-rolled, the default, or rolled end) are a configurable :class:`ExtensionPolicy`.
5. Suspension stops a :class:`~workflow_app.platform.calendar.statutory_clock.StatutoryClock`; resuming
   continues it (that module). Rules written as text (``5WD``) are read in
   :mod:`workflow_app.platform.calendar.rules`.

Design choices
--------------
* **Deadlines are dates.** WD and CD arithmetic accepts a ``date`` or a ``datetime`` and returns a ``date``:
  a statutory period ends with the last day of the period (until 24:00), not at the start's time of day.
  A ``datetime`` is first reduced to its calendar day in China (aware values are converted to
  Asia/Shanghai; naive values are taken as China local time). :func:`end_of_day` turns a due date into the
  instant a timer should fire: 23:59:59 Asia/Shanghai of that day (on time means ``done <= end_of_day``).
* **N == 0.** ``add_working_days(start, 0)`` returns the start's day unchanged, even if it is not a working
  day ("on the spot"); ``add_calendar_days_rolled(start, 0)`` applies the formula of rule 2 with N = 0, i.e.
  the start's day rolled forward; ``add_hours(start, 0)`` returns ``start``. N < 0 is a ValueError.
* Any day the arithmetic has to look at in a year without calendar data raises
  :class:`~workflow_app.platform.calendar.errors.UnknownYearError` on a strict calendar; a provisional calendar
  answers weekends-only there and the caller marks the result provisional (docs/deadlines.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from workflow_app.platform.clock import end_of_day, to_local_date
from workflow_app.platform.calendar.official_calendar import OfficialCalendar

__all__ = [
    "ExtensionBase", "ExtensionPolicy", "Unit", "add_calendar_days", "add_calendar_days_rolled", "add_hours",
    "add_working_days", "as_hour_start", "check_count", "count_working_days", "end_of_day", "extend",
    "roll_forward", "unrolled_end",
]

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)


class Unit(StrEnum):
    """The unit a statutory period is counted in."""

    WD = "WD"  # working days of the official calendar
    CD = "CD"  # calendar days, the end rolled forward to a working day
    HOURS = "h"  # clock hours, no rolling

    @property
    def label(self) -> str:
        """The Chinese word for display, e.g. ``f"{n}{unit.label}"`` -> "5个工作日"."""
        return {"WD": "个工作日", "CD": "日", "h": "小时"}[self.value]


class ExtensionBase(StrEnum):
    """What an extension is added to."""

    UNROLLED = "unrolled"  # the original end before rolling forward (the default, docs/deadlines.md)
    ROLLED = "rolled"  # the original due date after rolling forward


def check_count(n: Any, what: str = "n") -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"期限长度必须是整数 ({what} must be an int, got {type(n).__name__})")
    if n < 0:
        raise ValueError(f"期限长度不能为负数 ({what} must be >= 0, got {n})")
    return n


# --------------------------------------------------------------------------------------------------
# the three counting rules


def add_working_days(cal: OfficialCalendar, start: date | datetime, n: int, region: str | None = None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted); ``n == 0`` returns the
    start's day unchanged."""
    check_count(n)
    day = to_local_date(start)
    if n == 0:
        cal.is_working_day(day, region)  # only to refuse a day in a year without data
    counted = 0
    while counted < n:
        day += _ONE_DAY
        if cal.is_working_day(day, region):
            counted += 1
    return day


def roll_forward(cal: OfficialCalendar, day: date | datetime, region: str | None = None) -> date:
    """``day`` if it is a working day, else the next working day."""
    d = to_local_date(day)
    while not cal.is_working_day(d, region):
        d += _ONE_DAY
    return d


def add_calendar_days(start: date | datetime, n: int) -> date:
    """``start + n`` days, not rolled: the *un-rolled* end of an ``n CD`` period."""
    check_count(n)
    return to_local_date(start) + timedelta(days=n)


def add_calendar_days_rolled(
    cal: OfficialCalendar, start: date | datetime, n: int, region: str | None = None
) -> date:
    """``start + n`` days, rolled forward to the next working day if that day is not one."""
    return roll_forward(cal, add_calendar_days(start, n), region)


def add_hours(start: datetime, n: int) -> datetime:
    """``start + n`` clock hours, no rolling; the result keeps ``start``'s time zone (or naivety).

    China has had no daylight saving time since 1991, so wall-clock and elapsed hours agree.
    """
    check_count(n)
    if not isinstance(start, datetime):
        raise TypeError(f"按小时计算的期限需要具体时刻 (start must be a datetime, got {type(start).__name__})")
    return start + n * _ONE_HOUR


def count_working_days(
    cal: OfficialCalendar, start: date | datetime, end: date | datetime, region: str | None = None
) -> int:
    """The number of working days in ``(start, end]``; 0 when ``end <= start``."""
    first, last = to_local_date(start), to_local_date(end)
    count = 0
    day = first + _ONE_DAY
    while day <= last:
        if cal.is_working_day(day, region):
            count += 1
        day += _ONE_DAY
    return count


def unrolled_end(
    cal: OfficialCalendar, unit: Unit, start: date | datetime, n: int, region: str | None = None
) -> date | datetime:
    """The end of an ``n``-unit period before any rolling: the base an extension is added to.

    For WD it is the due date itself (already a working day); for CD it is ``start + n``; for hours the
    due instant."""
    unit = Unit(unit)
    if unit is Unit.WD:
        return add_working_days(cal, start, n, region)
    if unit is Unit.CD:
        return add_calendar_days(start, n)
    return add_hours(as_hour_start(start), n)


# --------------------------------------------------------------------------------------------------
# extensions


@dataclass(frozen=True)
class ExtensionPolicy:
    """How an extension of a deadline is counted (docs/deadlines.md, configurable).

    ``unit``: the unit of the extension (WD or CD; HOURS for hour periods).
    ``base``: UNROLLED (the default) adds the extension to the original end before rolling;
    ROLLED adds it to the original due date after rolling. The result is rolled forward once.
    """

    unit: Unit = Unit.CD
    base: ExtensionBase = ExtensionBase.UNROLLED

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", Unit(self.unit))
        object.__setattr__(self, "base", ExtensionBase(self.base))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ExtensionPolicy:
        """From configuration like ``{"unit": "WD", "base": "unrolled"}`` (both keys optional)."""
        unknown = set(config) - {"unit", "base"}
        if unknown:
            raise ValueError(f"延期规则配置含未知字段 (unknown extension policy keys: {sorted(unknown)})")
        try:
            unit = Unit(config.get("unit", Unit.CD))
            base = ExtensionBase(config.get("base", ExtensionBase.UNROLLED))
        except ValueError as exc:
            raise ValueError(
                f"延期规则配置无效：unit应为WD、CD或h，base应为unrolled或rolled (invalid extension policy {config!r})"
            ) from exc
        return cls(unit=unit, base=base)


def extend(
    cal: OfficialCalendar,
    policy: ExtensionPolicy,
    original_unrolled_end: date | datetime,
    extra: int,
    region: str | None = None,
) -> date | datetime:
    """The due date after extending a period by ``extra`` units of ``policy.unit``.

    ``original_unrolled_end`` is the original period's end before rolling (see :func:`unrolled_end`).
    The extension is added to it (or to its rolled due date, per ``policy.base``), then the result is
    rolled forward once. ``extra == 0`` gives the original due date rolled forward (the due date itself,
    except for a 0 WD period starting on a rest day, whose "due date" is that rest day).
    """
    check_count(extra, "extra")
    if policy.unit is Unit.HOURS:
        return add_hours(as_hour_start(original_unrolled_end), extra)
    base = to_local_date(original_unrolled_end)
    if policy.base is ExtensionBase.ROLLED:
        base = roll_forward(cal, base, region)
    if policy.unit is Unit.WD:
        end = add_working_days(cal, base, extra, region)
    else:
        end = base + timedelta(days=extra)
    return roll_forward(cal, end, region)


def as_hour_start(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"按小时延期需要具体时刻 (an hour extension needs a datetime, got {type(value).__name__})")
    return value

