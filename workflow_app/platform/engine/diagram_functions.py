"""Deadline functions that diagrams may call (timer expressions, ``dueDate`` properties, DMN entries).

A process owner writes a statutory deadline directly in the diagram, e.g. a boundary timer
``due_at("5WD", received_at)`` or a reminder ``reminder_at("5WD", received_at, 1)``. Every function
reads the active official calendar (built-in years plus the years an administrator loaded). It is the
provisional calendar: a date in a year without calendar data is counted weekends-only, and the stored
result is marked 暂定 and recomputed when the year is loaded (docs/deadlines.md "Years without calendar
data").
"""
from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime, time
from typing import Any

from workflow_app.platform import clock
from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import (
    OfficialCalendar,
    add_calendar_days_rolled,
    add_hours,
    add_working_days,
    end_of_day,
    parse_rule,
)
from workflow_app.platform.engine import sandbox

#: The calendar of the database the current use case works on (set by services.calendar.refresh);
#: a context variable, so threads serving different requests never see each other's calendar.
_calendar: ContextVar[OfficialCalendar | None] = ContextVar("official_calendar", default=None)

#: Reminders fire at the start of the office day.
REMINDER_TIME = time(9, 0)


def active_calendar() -> OfficialCalendar:
    """The calendar diagrams compute with: the database's (see services.calendar), else the built-in years;
    always provisional, so that a year without data never stops work. Picklable."""
    return _calendar.get() or OfficialCalendar.builtin().provisional()


def use_calendar(calendar: OfficialCalendar) -> None:
    """Install the calendar the diagrams compute with in this context (the calendar service calls this)."""
    _calendar.set(calendar.provisional())


def _day(value: Any) -> date | datetime:
    return clock.parse_day_or_instant(value)  # a bare date stays a day (docs/deadlines.md)


def working_days_after(start: Any, n: int, region: str | None = None) -> date:
    """The n-th working day after ``start`` (``start`` itself not counted)."""
    return add_working_days(active_calendar(), _day(start), int(n), region)


def working_days_before(day: Any, n: int, region: str | None = None) -> date:
    """The working day that lies ``n`` working days before ``day``."""
    cal, current, left = active_calendar(), _day(day), int(n)
    current = current.astimezone(CHINA_TZ).date() if isinstance(current, datetime) else current
    from datetime import timedelta
    while left > 0:
        current -= timedelta(days=1)
        if cal.is_working_day(current, region):
            left -= 1
    return current


def calendar_days_after(start: Any, n: int, region: str | None = None) -> date:
    """``start`` + n days, rolled forward to a working day."""
    return add_calendar_days_rolled(active_calendar(), _day(start), int(n), region)


def hours_after(start: Any, n: int) -> datetime:
    value = _day(start)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0), CHINA_TZ)
    return add_hours(value, int(n))


def deadline(rule: str, start: Any, region: str | None = None) -> date | datetime:
    """Apply a rule such as ``"5WD"``, ``"45CD"``, ``"3D"`` or ``"24h"`` to ``start``."""
    return parse_rule(rule).apply(active_calendar(), _day(start), region)


def due_at(rule: str, start: Any, region: str | None = None) -> str:
    """The instant a deadline expires, as ISO text (what a BPMN timeDate expects)."""
    value = deadline(rule, start, region)
    moment = value if isinstance(value, datetime) else end_of_day(value)
    return moment.isoformat()


def reminder_at(rule: str, start: Any, working_days_before_due: int = 1, region: str | None = None) -> str:
    """9:00 on the working day ``working_days_before_due`` before the deadline, as ISO text."""
    value = deadline(rule, start, region)
    day = value.astimezone(CHINA_TZ).date() if isinstance(value, datetime) else value
    reminder_day = working_days_before(day, working_days_before_due, region)
    return datetime.combine(reminder_day, REMINDER_TIME, CHINA_TZ).isoformat()


def is_working_day(day: Any, region: str | None = None) -> bool:
    value = _day(day)
    value = value.astimezone(CHINA_TZ).date() if isinstance(value, datetime) else value
    return active_calendar().is_working_day(value, region)


def _register() -> None:
    for func in (working_days_after, working_days_before, calendar_days_after, hours_after, deadline, due_at,
                 reminder_at, is_working_day):
        sandbox.register_function(func.__name__, func)
    sandbox.register_function("end_of_day", lambda day: end_of_day(_day(day)))
    sandbox.register_function("now_iso", lambda: clock.now().astimezone(CHINA_TZ).isoformat())


_register()
