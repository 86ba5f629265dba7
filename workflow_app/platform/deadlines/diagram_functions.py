"""Deadline functions that diagrams may call (timer expressions, ``dueDate`` properties, DMN entries).

A process owner writes a statutory deadline directly in the diagram, e.g. a boundary timer
``due_at("5WD", received_at)`` or a reminder ``reminder_at("5WD", received_at, 1)``. Each function that
counts working days takes the official calendar as its first parameter: the bootstrap registers them with
the sandbox as calendar functions (``entrypoints/bootstrap.py``), and an evaluation binds them to the
calendar of the step (the database's, ``calendar_years.current``), so diagram text never names it. There
is no default calendar: calling one without it is a TypeError.

The calendar the runtime passes is the provisional one: a date in a year without calendar data is counted
weekends-only, and the stored result is marked 暂定 and recomputed when the year is loaded
(docs/deadlines.md "Years without calendar data").
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
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

#: Reminders fire at the start of the office day.
REMINDER_TIME = time(9, 0)


def as_day(value: Any) -> date | datetime:
    """A date or datetime from diagram data: a bare ``YYYY-MM-DD`` is that day, text with a time and no
    zone is China time (the one parser: ``clock.parse_day_or_instant``, docs/deadlines.md)."""
    return clock.parse_day_or_instant(value)


def working_days_after(calendar: OfficialCalendar, start: Any, n: int, region: str | None = None) -> date:
    """The n-th working day after ``start`` (``start`` itself not counted)."""
    return add_working_days(calendar, as_day(start), int(n), region)


def working_days_before(calendar: OfficialCalendar, day: Any, n: int, region: str | None = None) -> date:
    """The working day that lies ``n`` working days before ``day``."""
    current, left = as_day(day), int(n)
    current = current.astimezone(CHINA_TZ).date() if isinstance(current, datetime) else current
    while left > 0:
        current -= timedelta(days=1)
        if calendar.is_working_day(current, region):
            left -= 1
    return current


def calendar_days_after(calendar: OfficialCalendar, start: Any, n: int, region: str | None = None) -> date:
    """``start`` + n days, rolled forward to a working day."""
    return add_calendar_days_rolled(calendar, as_day(start), int(n), region)


def hours_after(start: Any, n: int) -> datetime:
    value = as_day(start)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0), CHINA_TZ)
    return add_hours(value, int(n))


def deadline(calendar: OfficialCalendar, rule: str, start: Any, region: str | None = None) -> date | datetime:
    """Apply a rule such as ``"5WD"``, ``"45CD"``, ``"3D"`` or ``"24h"`` to ``start``."""
    return parse_rule(rule).apply(calendar, as_day(start), region)


def due_at(calendar: OfficialCalendar, rule: str, start: Any, region: str | None = None) -> str:
    """The instant a deadline expires, as ISO text (what a BPMN timeDate expects)."""
    value = deadline(calendar, rule, start, region)
    moment = value if isinstance(value, datetime) else end_of_day(value)
    return moment.isoformat()


def reminder_at(calendar: OfficialCalendar, rule: str, start: Any, working_days_before_due: int = 1,
                region: str | None = None) -> str:
    """9:00 on the working day ``working_days_before_due`` before the deadline, as ISO text."""
    value = deadline(calendar, rule, start, region)
    day = value.astimezone(CHINA_TZ).date() if isinstance(value, datetime) else value
    reminder_day = working_days_before(calendar, day, working_days_before_due, region)
    return datetime.combine(reminder_day, REMINDER_TIME, CHINA_TZ).isoformat()


def is_working_day(calendar: OfficialCalendar, day: Any, region: str | None = None) -> bool:
    value = as_day(day)
    value = value.astimezone(CHINA_TZ).date() if isinstance(value, datetime) else value
    return calendar.is_working_day(value, region)


def day_end(day: Any) -> datetime:
    """``end_of_day`` for diagram data (text or a date): 23:59:59 China time."""
    return end_of_day(as_day(day))


def now_iso() -> str:
    """The application clock's instant in China time, as ISO text."""
    return clock.now().astimezone(CHINA_TZ).isoformat()


#: The functions diagrams call, by the name diagrams use. The bootstrap registers them with the sandbox.
CALENDAR_FUNCTIONS = {func.__name__: func for func in (
    working_days_after, working_days_before, calendar_days_after, deadline, due_at, reminder_at, is_working_day)}
PLAIN_FUNCTIONS = {"hours_after": hours_after, "end_of_day": day_end, "now_iso": now_iso}
