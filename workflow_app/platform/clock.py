"""The application's notion of "now".

Everything that asks for the current time — deadlines, timers, audit stamps, the scripts in diagrams —
goes through :func:`now`, so that tests (and replays) can move time without sleeping.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` directly from their own module; the
engine layer points that module at :class:`ClockDateTime` so timers follow this clock too.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

#: Statutory deadlines are counted in China Standard Time whatever the server's zone.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


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
    return _clock.now().astimezone(LOCAL_TZ).date()


class ClockDateTime(datetime):
    """A ``datetime`` whose ``now()`` follows the application clock (used to steer Spiff's timers)."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = _clock.now()
        return current.astimezone(tz) if tz is not None else current.astimezone(LOCAL_TZ).replace(tzinfo=None)
