"""The application's time: "now", the China time zone, calendar days in China, and the one parser of dates
and times written by people and diagrams (docs/deadlines.md "Dates and times in text").

Everything that asks for the current time — deadlines, timers, audit stamps, the scripts in diagrams —
goes through :func:`now`, so that tests (and replays) can move time without sleeping.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` directly from their own module; the
engine layer points that module at :class:`ClockDateTime` so timers follow this clock too.
"""
from __future__ import annotations

import re
import threading
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

#: Statutory deadlines are counted in China Standard Time whatever the server's zone. The only place the
#: zone is named.
CHINA_TZ = ZoneInfo("Asia/Shanghai")


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Clock:
    """Real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now = self._now + delta


_clock: Clock = Clock()


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide and return the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def get_clock() -> Clock:
    return _clock


def now() -> datetime:
    """Current time, aware, UTC."""
    return _clock.now()


def today_local() -> date:
    """Today's date in China Standard Time (the date deadlines are counted from)."""
    return _clock.now().astimezone(CHINA_TZ).date()


class ClockDateTime(datetime):
    """A ``datetime`` whose ``now()`` follows the application clock (used to steer Spiff's timers)."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = _clock.now()
        return current.astimezone(tz) if tz is not None else current.astimezone(CHINA_TZ).replace(tzinfo=None)


# --------------------------------------------------------------------------------------------------
# calendar days in China


def to_local_date(value: date | datetime) -> date:
    """The calendar day of ``value`` in China: aware datetimes are converted to Asia/Shanghai first,
    naive datetimes are taken as China local time, dates are returned as they are."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(CHINA_TZ)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"需要日期 (expected date or datetime, got {type(value).__name__})")


def start_of_day(day: date | datetime, tz: tzinfo = CHINA_TZ) -> datetime:
    """00:00:00 of ``day`` (a datetime counts by its China calendar day) in ``tz``."""
    return datetime.combine(to_local_date(day), time(0, 0), tzinfo=tz)


def end_of_day(day: date | datetime, tz: tzinfo = CHINA_TZ) -> datetime:
    """23:59:59 of ``day`` (a datetime counts by its China calendar day) in ``tz``: when a deadline
    that falls on ``day`` expires."""
    return datetime.combine(to_local_date(day), time(23, 59, 59), tzinfo=tz)


# --------------------------------------------------------------------------------------------------
# dates and times written as text


def parse_day_or_instant(value: Any) -> date | datetime:
    """Read a date or a date-time written by a person or a diagram (docs/deadlines.md).

    * A ``date`` or ``datetime`` object is returned unchanged.
    * A bare date ``YYYY-MM-DD`` is a **calendar day in China**, not an instant: the result is a ``date``.
      A caller that needs an instant says which one: :func:`start_of_day` or :func:`end_of_day`.
    * Any other ISO 8601 text is an instant: with an offset (``+08:00``, ``Z``) as written, without one in
      China time. The result is an aware ``datetime``.

    Surrounding spaces are ignored; anything else raises ``ValueError``.
    """
    if isinstance(value, (date, datetime)):
        return value
    text = str(value).strip()
    if _BARE_DATE.fullmatch(text):
        return date.fromisoformat(text)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_TZ)
