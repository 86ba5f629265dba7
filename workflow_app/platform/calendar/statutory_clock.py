"""A statutory clock: a running period that can be suspended, resumed and extended, and stored as JSON
(docs/deadlines.md)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from workflow_app.platform.clock import CHINA_TZ, end_of_day, to_local_date
from workflow_app.platform.calendar.arithmetic import Unit, check_count, roll_forward
from workflow_app.platform.calendar.official_calendar import OfficialCalendar

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)


def _as_china_datetime(value: date | datetime, what: str) -> datetime:
    """An aware datetime in Asia/Shanghai; naive datetimes are taken as China local time."""
    if not isinstance(value, datetime):
        raise TypeError(f"按小时计算的期限需要具体时刻 ({what} must be a datetime, got {type(value).__name__})")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=CHINA_TZ)
    return value.astimezone(CHINA_TZ)


def _moment(value: date | datetime) -> datetime:
    """Narrow a value an hour clock has already normalised to an aware datetime (for the type checker)."""
    assert isinstance(value, datetime)
    return value



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
        check_count(self.length, "length")
        extensions = tuple(self.extensions)
        for extra in extensions:
            check_count(extra, "extension")
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
        check_count(extra, "extra")
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
