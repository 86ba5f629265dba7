"""Statutory deadline arithmetic on the official calendar (docs/deadlines.md).

Rules
-----
1. ``N WD from X`` (:func:`add_working_days`): the N-th working day after X; X itself is not counted.
2. ``N CD from X`` (:func:`add_calendar_days_rolled`): X + N days; if that day is not a working day, roll
   forward to the next working day.
3. ``N h`` (:func:`add_hours`): clock hours, no rolling.
4. Extensions (:func:`extend`) add to the original *un-rolled* end, then roll once; the unit (WD/CD) and the
   base (un-rolled, the default, or rolled end) are a configurable :class:`ExtensionPolicy`.
5. Suspension stops a :class:`StatutoryClock`; resuming continues it.

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
  :class:`~workflow_app.platform.calendar.official_calendar.UnknownYearError` on a strict calendar; a provisional calendar
  answers weekends-only there and the caller marks the result provisional (docs/deadlines.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from workflow_app.platform.calendar.official_calendar import CHINA_TZ, OfficialCalendar, to_local_date

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


def _check_count(n: Any, what: str = "n") -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"期限长度必须是整数 ({what} must be an int, got {type(n).__name__})")
    if n < 0:
        raise ValueError(f"期限长度不能为负数 ({what} must be >= 0, got {n})")
    return n


def _as_china_datetime(value: date | datetime, what: str) -> datetime:
    """An aware datetime in Asia/Shanghai; naive datetimes are taken as China local time."""
    if not isinstance(value, datetime):
        raise TypeError(f"按小时计算的期限需要具体时刻 ({what} must be a datetime, got {type(value).__name__})")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=CHINA_TZ)
    return value.astimezone(CHINA_TZ)


# --------------------------------------------------------------------------------------------------
# the three counting rules


def add_working_days(cal: OfficialCalendar, start: date | datetime, n: int, region: str | None = None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted); ``n == 0`` returns the
    start's day unchanged."""
    _check_count(n)
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
    _check_count(n)
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
    _check_count(n)
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


def end_of_day(day: date | datetime, tz: tzinfo = CHINA_TZ) -> datetime:
    """23:59:59 of ``day`` (a datetime counts by its China calendar day) in ``tz``: when a deadline
    that falls on ``day`` expires."""
    return datetime.combine(to_local_date(day), time(23, 59, 59), tzinfo=tz)


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
    return add_hours(_as_hour_start(start), n)


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
    _check_count(extra, "extra")
    if policy.unit is Unit.HOURS:
        return add_hours(_as_hour_start(original_unrolled_end), extra)
    base = to_local_date(original_unrolled_end)
    if policy.base is ExtensionBase.ROLLED:
        base = roll_forward(cal, base, region)
    if policy.unit is Unit.WD:
        end = add_working_days(cal, base, extra, region)
    else:
        end = base + timedelta(days=extra)
    return roll_forward(cal, end, region)


def _moment(value: date | datetime) -> datetime:
    """Narrow a value an hour clock has already normalised to an aware datetime (for the type checker)."""
    assert isinstance(value, datetime)
    return value


def _as_hour_start(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"按小时延期需要具体时刻 (an hour extension needs a datetime, got {type(value).__name__})")
    return value


# --------------------------------------------------------------------------------------------------
# rules written by process owners


_RULE = re.compile(
    r"^\s*([0-9０-９]{1,4})\s*(wd|cd|d|h|个?工作日|日|天|个?小时)\s*$",
    re.IGNORECASE,
)
_UNIT_WORDS = {
    "wd": Unit.WD, "工作日": Unit.WD, "个工作日": Unit.WD,
    "cd": Unit.CD, "d": Unit.CD, "日": Unit.CD, "天": Unit.CD,
    "h": Unit.HOURS, "小时": Unit.HOURS, "个小时": Unit.HOURS,
}


@dataclass(frozen=True)
class DeadlineRule:
    """A period such as ``5WD``, ``45CD`` (= ``45D``) or ``24h``. ``str(rule)`` is its canonical text."""

    length: int
    unit: Unit

    def __post_init__(self) -> None:
        _check_count(self.length, "length")
        object.__setattr__(self, "unit", Unit(self.unit))

    def __str__(self) -> str:
        return f"{self.length}{self.unit.value}"

    def apply(self, cal: OfficialCalendar, start: date | datetime, region: str | None = None) -> date | datetime:
        """The due date (WD, CD) or due instant (hours) of this period counted from ``start``."""
        if self.unit is Unit.WD:
            return add_working_days(cal, start, self.length, region)
        if self.unit is Unit.CD:
            return add_calendar_days_rolled(cal, start, self.length, region)
        return add_hours(_as_hour_start(start), self.length)

    def unrolled_end(self, cal: OfficialCalendar, start: date | datetime, region: str | None = None) -> date | datetime:
        """The end before rolling forward, the base for :func:`extend`."""
        return unrolled_end(cal, self.unit, start, self.length, region)

    def clock(self, start: date | datetime, region: str | None = None) -> StatutoryClock:
        """A running :class:`StatutoryClock` for this period."""
        return StatutoryClock(start=start, unit=self.unit, length=self.length, region=region)


def parse_rule(text: str) -> DeadlineRule:
    """Parse a period written in configuration.

    Accepted: a number (1–4 digits) followed by a unit: ``WD``/``工作日``/``个工作日`` (working days),
    ``CD``/``D``/``日``/``天`` (calendar days rolled forward), ``h``/``小时``/``个小时`` (hours).
    Letters are case-insensitive; spaces around the parts are allowed. Anything else is a ValueError.
    """
    if not isinstance(text, str):
        raise ValueError(f"期限规则必须是文本 (deadline rule must be a string, got {type(text).__name__})")
    match = _RULE.match(text)
    if match is None:
        raise ValueError(
            f"无法识别的期限规则“{text}”：应为数字加单位，例如 5WD（工作日）、45CD 或 3D（自然日，"
            f"到期日非工作日则顺延）、24h（小时） "
            f"(invalid deadline rule {text!r}: expected <number><WD|CD|D|h>, e.g. 5WD, 45CD, 3D, 24h)"
        )
    number, word = match.groups()
    return DeadlineRule(length=int(number), unit=_UNIT_WORDS[word.lower()])


# --------------------------------------------------------------------------------------------------
# clocks that can be suspended and extended


@dataclass(frozen=True)
class Suspension:
    """The clock stopped on ``suspended_on`` and, unless ``resumed_on`` is None, resumed on ``resumed_on``."""

    suspended_on: date | datetime
    resumed_on: date | datetime | None = None


@dataclass(frozen=True)
class StatutoryClock:
    """A running statutory period: start, unit, length, extensions and suspensions. Immutable.

    Counting (WD and CD clocks)
        A day *runs* when it is after ``start`` and not inside a suspension. A suspension
        ``(suspended_on=s, resumed_on=r)`` removes the days in ``(s, r]``: the day of suspension still
        counts (the clock ran that day), the day of resumption does not (like the start day of a period,
        counting continues the day after). An open suspension removes every day after ``s``.
        A CD clock consumes one unit per running day, a WD clock one per running *working* day.
        So a WD clock counts the working days consumed before the suspension and continues counting after
        the resumption; a suspension of zero length (``s == r``) changes nothing; a suspension that starts
        before the un-rolled end pushes the due date by the working days (WD) or calendar days (CD) in
        ``(s, r]``; a suspension that starts on or after the un-rolled end does not move it.

    Counting (hour clocks)
        Start and suspension instants are datetimes (naive ones are taken as China local time); elapsed
        time is the time since ``start`` outside ``[s, r)``, in hours (a float).

    Extensions
        ``extensions`` are extra lengths in the clock's own unit, added to the un-rolled end
        (the default, docs/deadlines.md); the end is rolled forward once. For other extension policies use
        :func:`extend` on the dates.

    Results
        ``due_date``: the date (or instant, for hours) on which the consumed units reach
        ``total_length``, rolled forward for CD clocks; None while suspended (it depends on when the clock
        resumes). ``elapsed``: units consumed in ``(start, today]``. ``remaining``: while suspended,
        ``total_length - elapsed`` (frozen); while running, the running units from ``today`` to the due
        date, negative once past it (for CD clocks this includes any days the due date was rolled over).
        A WD clock is 0 WD overdue on the weekend right after its due date: use ``is_overdue``.
    """

    start: date | datetime
    unit: Unit
    length: int
    suspensions: tuple[Suspension, ...] = ()
    extensions: tuple[int, ...] = ()
    region: str | None = None

    def __post_init__(self) -> None:
        unit = Unit(self.unit)
        object.__setattr__(self, "unit", unit)
        _check_count(self.length, "length")
        extensions = tuple(self.extensions)
        for extra in extensions:
            _check_count(extra, "extension")
        object.__setattr__(self, "extensions", extensions)
        convert = self._instant if unit is Unit.HOURS else to_local_date
        start = convert(self.start)
        suspensions = tuple(
            Suspension(convert(s.suspended_on), None if s.resumed_on is None else convert(s.resumed_on))
            for s in self.suspensions
        )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "suspensions", suspensions)
        self._check_suspensions(start, suspensions)

    @staticmethod
    def _instant(value: date | datetime) -> datetime:
        return _as_china_datetime(value, "time")

    @staticmethod
    def _check_suspensions(start: date | datetime, suspensions: tuple[Suspension, ...]) -> None:
        previous_end: Any = start
        for i, s in enumerate(suspensions):
            if s.suspended_on < previous_end:
                raise ValueError(
                    f"第{i + 1}次中止日期{s.suspended_on}早于期限起算或上一次恢复 "
                    f"(suspension {i} starts {s.suspended_on}, "
                    f"before the start or the previous resumption {previous_end})"
                )
            if s.resumed_on is None:
                if i != len(suspensions) - 1:
                    raise ValueError(
                        f"只有最后一次中止可以尚未恢复 (only the last suspension may be open; suspension {i} is open)"
                    )
                break
            if s.resumed_on < s.suspended_on:
                raise ValueError(
                    f"第{i + 1}次恢复日期{s.resumed_on}早于中止日期{s.suspended_on} "
                    f"(suspension {i} resumes {s.resumed_on} before it started {s.suspended_on})"
                )
            previous_end = s.resumed_on

    # ---- state changes (each returns a new clock)

    @property
    def total_length(self) -> int:
        return self.length + sum(self.extensions)

    @property
    def is_suspended(self) -> bool:
        return bool(self.suspensions) and self.suspensions[-1].resumed_on is None

    def suspend(self, on: date | datetime) -> StatutoryClock:
        if self.is_suspended:
            since = self.suspensions[-1].suspended_on
            raise ValueError(f"期限已经中止，不能再次中止 (the clock is already suspended since {since})")
        return replace(self, suspensions=(*self.suspensions, Suspension(on)))

    def resume(self, on: date | datetime) -> StatutoryClock:
        if not self.is_suspended:
            raise ValueError("期限未中止，无需恢复 (the clock is not suspended)")
        last = self.suspensions[-1]
        return replace(self, suspensions=(*self.suspensions[:-1], Suspension(last.suspended_on, on)))

    def extend(self, extra: int) -> StatutoryClock:
        """A clock whose period is longer by ``extra`` units of the clock's unit."""
        _check_count(extra, "extra")
        return replace(self, extensions=(*self.extensions, extra))

    # ---- day clocks: which days count

    def _runs_on(self, day: date) -> bool:
        if day <= self.start:
            return False
        for s in self.suspensions:
            if s.suspended_on < day and (s.resumed_on is None or day <= s.resumed_on):
                return False
        return True

    def _consumes(self, cal: OfficialCalendar, day: date) -> bool:
        return self._runs_on(day) and (self.unit is Unit.CD or cal.is_working_day(day, self.region))

    def _count(self, cal: OfficialCalendar, after: date, until: date) -> int:
        """Units consumed in ``(after, until]``."""
        count = 0
        day = after + _ONE_DAY
        while day <= until:
            if self._consumes(cal, day):
                count += 1
            day += _ONE_DAY
        return count

    # ---- results

    def unrolled_end(self, cal: OfficialCalendar) -> date | datetime | None:
        """The day (instant) the consumed units reach ``total_length``, before rolling; None while suspended."""
        if self.is_suspended:
            return None
        if self.unit is Unit.HOURS:
            return self._hours_due()
        day: date = self.start
        needed = self.total_length
        while needed > 0:
            day += _ONE_DAY
            if self._consumes(cal, day):
                needed -= 1
        return day

    def due_date(self, cal: OfficialCalendar) -> date | datetime | None:
        """The due date (WD/CD) or due instant (hours); None while suspended."""
        end = self.unrolled_end(cal)
        if end is None or self.unit is not Unit.CD:
            return end
        return roll_forward(cal, end, self.region)

    def due_at(self, cal: OfficialCalendar) -> datetime | None:
        """The instant the period expires: 23:59:59 China time of the due date, or the hour clock's instant."""
        due = self.due_date(cal)
        if due is None or isinstance(due, datetime):
            return due
        return end_of_day(due)

    def elapsed(self, cal: OfficialCalendar, today: date | datetime) -> int | float:
        """Units consumed from the start up to ``today`` (inclusive); hours as a float for hour clocks."""
        if self.unit is Unit.HOURS:
            return self._hours_elapsed(self._instant(today))
        return self._count(cal, self.start, to_local_date(today))

    def remaining(self, cal: OfficialCalendar, today: date | datetime) -> int | float:
        """Units left until the due date (negative when past it); frozen while suspended."""
        if self.is_suspended or self.unit is Unit.HOURS:
            return self.total_length - self.elapsed(cal, today)
        due = self.due_date(cal)
        assert isinstance(due, date)
        t = to_local_date(today)
        if t < due:
            return self._count(cal, t, due)
        return -self._count(cal, due, t)

    def is_overdue(self, cal: OfficialCalendar, today: date | datetime) -> bool:
        """Whether ``today`` (a day, or an instant for hour clocks) is past the due date; never while suspended."""
        due = self.due_date(cal)
        if due is None:
            return False
        if isinstance(due, datetime):
            return self._instant(today) > due
        return to_local_date(today) > due

    # ---- hour clocks

    def _hours_due(self) -> datetime:
        due = _moment(self.start) + self.total_length * _ONE_HOUR
        for s in self.suspensions:
            # Suspensions are in order; one that starts before the (so far) due instant pushes it.
            if s.resumed_on is not None and _moment(s.suspended_on) < due:
                due += _moment(s.resumed_on) - _moment(s.suspended_on)
        return due

    def _hours_elapsed(self, now: datetime) -> float:
        start = _moment(self.start)
        if now <= start:
            return 0.0
        running = now - start
        for s in self.suspensions:
            stopped = _moment(s.suspended_on)
            restarted = now if s.resumed_on is None else min(now, _moment(s.resumed_on))
            if restarted > stopped:
                running -= restarted - stopped
        return running / _ONE_HOUR

    # ---- persistence

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` reads it back."""
        return {
            "start": self.start.isoformat(),
            "unit": self.unit.value,
            "length": self.length,
            "extensions": list(self.extensions),
            "suspensions": [
                {
                    "suspended_on": s.suspended_on.isoformat(),
                    "resumed_on": None if s.resumed_on is None else s.resumed_on.isoformat(),
                }
                for s in self.suspensions
            ],
            "region": self.region,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatutoryClock:
        try:
            unit = Unit(data["unit"])
            parse = datetime.fromisoformat if unit is Unit.HOURS else date.fromisoformat
            return cls(
                start=parse(data["start"]),
                unit=unit,
                length=data["length"],
                extensions=tuple(data.get("extensions", ())),
                suspensions=tuple(
                    Suspension(
                        parse(s["suspended_on"]),
                        None if s.get("resumed_on") is None else parse(s["resumed_on"]),
                    )
                    for s in data.get("suspensions", ())
                ),
                region=data.get("region"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"期限计时数据无效 (invalid clock data: {exc!r})") from exc
