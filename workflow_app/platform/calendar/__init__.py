"""Statutory deadlines on the official Chinese working-day calendar (docs/deadlines.md). Pure Python: no
database, no Flask.

Counting rules
--------------
* ``N WD from X``: the N-th working day after X, X not counted. Working days are Monday–Friday that are
  not public holidays, plus the weekend days the State Council notice makes working days (调休上班日).
* ``N CD from X``: X + N days, rolled forward to the next working day if that day is not one.
* ``N h``: clock hours, no rolling.
* Extensions add to the original un-rolled end, then roll once (:class:`ExtensionPolicy`, configurable).
* Suspension stops a :class:`StatutoryClock`; resuming continues it (the days in ``(suspended_on,
  resumed_on]`` do not count).
* Deadlines are dates; :func:`end_of_day` gives the expiry instant, 23:59:59 China time (the zone is
  :data:`workflow_app.platform.clock.CHINA_TZ`).

The calendar is data
--------------------
:meth:`OfficialCalendar.builtin` holds the years covered by the ``chinese_calendar`` package (2004–2026).
Later years are loaded from JSON documents (:func:`load_year_data`, format in
:mod:`workflow_app.platform.calendar.documents`) and added with :meth:`OfficialCalendar.with_year`; regional
holidays with :func:`load_region_year_data` and :meth:`OfficialCalendar.with_region_year`. Asking a
strict calendar about a day in a year without data raises :class:`UnknownYearError`; a provisional one
(:meth:`OfficialCalendar.provisional`) counts weekends only there, and :meth:`OfficialCalendar.missing_years`
tells the caller that the result is provisional (docs/deadlines.md "Years without calendar data").

Example::

    cal = OfficialCalendar.builtin().with_year(load_year_data(text_of_2027_notice))
    due = parse_rule("5WD").apply(cal, date(2025, 1, 24))      # -> date(2025, 2, 7)
    timer_at = end_of_day(due)                                   # 2025-02-07 23:59:59+08:00

Modules
-------
``errors`` (the calendar's errors), ``year_data`` (one validated year), ``documents`` (loading JSON documents
and the package's built-in years), ``official_calendar`` (the calendar object: working days, regions,
provisional answers), ``arithmetic`` (the counting rules and extensions), ``rules`` (rules written as text,
``5WD``), ``statutory_clock`` (suspendable clocks).
"""
from workflow_app.platform.clock import end_of_day, to_local_date
from workflow_app.platform.calendar.arithmetic import (
    ExtensionBase,
    ExtensionPolicy,
    Unit,
    add_calendar_days,
    add_calendar_days_rolled,
    add_hours,
    add_working_days,
    count_working_days,
    extend,
    roll_forward,
    unrolled_end,
)
from workflow_app.platform.calendar.documents import load_region_year_data, load_year_data
from workflow_app.platform.calendar.errors import CalendarDataError, CalendarVersionError, UnknownYearError
from workflow_app.platform.calendar.official_calendar import OfficialCalendar
from workflow_app.platform.calendar.rules import DeadlineRule, parse_rule
from workflow_app.platform.calendar.statutory_clock import StatutoryClock, Suspension
from workflow_app.platform.calendar.year_data import Holiday, RegionYearData, YearData

__all__ = [
    "CalendarDataError",
    "CalendarVersionError",
    "DeadlineRule",
    "ExtensionBase",
    "ExtensionPolicy",
    "Holiday",
    "OfficialCalendar",
    "RegionYearData",
    "StatutoryClock",
    "Suspension",
    "Unit",
    "UnknownYearError",
    "YearData",
    "add_calendar_days",
    "add_calendar_days_rolled",
    "add_hours",
    "add_working_days",
    "count_working_days",
    "end_of_day",
    "extend",
    "load_region_year_data",
    "load_year_data",
    "parse_rule",
    "roll_forward",
    "to_local_date",
    "unrolled_end",
]
