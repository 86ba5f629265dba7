"""Where the official calendar's data comes from: JSON documents an administrator loads, and the tables of
the ``chinese_calendar`` package.

* 2004–2026: the tables shipped in the ``chinese_calendar`` package (PyPI ``chinesecalendar``), exactly the
  years that package covers. They are exposed as built-in :class:`YearData` with version 0
  (:func:`builtin_year_data`).
* Later years (and corrections): JSON documents that an administrator loads with :func:`load_year_data`
  and adds with :meth:`OfficialCalendar.with_year`. The format is::

      {
        "year": 2027,
        "version": 1,
        "source": "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）",
        "note": "optional free text",
        "holidays": [
          {"date": "2027-01-01", "name": "元旦"},
          {"date": "2027-02-06", "name": "春节"},
          ...
        ],
        "adjusted_workdays": ["2027-02-13", ...]
      }

  ``holidays`` lists *every* day off of the notice's holiday periods, including the Saturdays and Sundays
  that fall inside a period (ordinary weekends outside a period need not be listed). ``adjusted_workdays``
  lists the Saturdays/Sundays that are working days. ``version`` is an integer >= 1 (0 is reserved for the
  built-in data); a year can only be replaced by a higher version. Unknown fields are rejected.

* Regional overrides (e.g. an autonomous prefecture's ethnic-minority holidays) use the same format with
  an extra ``"region"`` field (region code, e.g. the administrative division code ``"652300"``), loaded with
  :func:`load_region_year_data` and added with :meth:`OfficialCalendar.with_region_year`. Their holiday list
  may be empty (a region that has no local holiday that year).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from workflow_app.platform.calendar.errors import CalendarDataError
from workflow_app.platform.calendar.year_data import (
    BUILTIN_VERSION,
    Holiday,
    RegionYearData,
    YearData,
    problems_in_days,
    problems_in_header,
    problems_in_region,
    valid_year,
)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NATIONAL_KEYS = frozenset({"year", "version", "source", "note", "holidays", "adjusted_workdays"})
_REQUIRED_KEYS = ("year", "version", "source", "holidays", "adjusted_workdays")


def load_year_data(document: Mapping[str, Any] | str | bytes) -> YearData:
    """Validate a national calendar document (a dict or its JSON text) strictly and return it as data.

    Raises :class:`CalendarDataError` listing every problem found (Chinese, with the English technical
    detail in parentheses).
    """
    raw = _parse_document(document, _NATIONAL_KEYS)
    problems = problems_in_header(
        raw.get("year"), raw.get("version"), raw.get("source"), raw.get("note"), loaded=True
    )
    holidays, workdays, day_problems = _parse_days(raw)
    problems += day_problems
    if valid_year(raw["year"]):
        # Check what could be parsed even if other parts failed, so that one pass reports everything.
        problems += problems_in_days(raw["year"], holidays, workdays, national=True)
    if problems:
        raise CalendarDataError(problems)
    return YearData(
        year=raw["year"],
        version=raw["version"],
        source=raw["source"],
        holidays=tuple(holidays),
        adjusted_workdays=tuple(workdays),
        note=raw.get("note"),
    )


def load_region_year_data(document: Mapping[str, Any] | str | bytes) -> RegionYearData:
    """Like :func:`load_year_data`, for a regional override document (extra ``"region"`` field)."""
    raw = _parse_document(document, _NATIONAL_KEYS | {"region"}, required=("region", *_REQUIRED_KEYS))
    problems = problems_in_region(raw.get("region"))
    problems += problems_in_header(
        raw.get("year"), raw.get("version"), raw.get("source"), raw.get("note"), loaded=True
    )
    holidays, workdays, day_problems = _parse_days(raw)
    problems += day_problems
    if valid_year(raw["year"]):
        # Check what could be parsed even if other parts failed, so that one pass reports everything.
        problems += problems_in_days(raw["year"], holidays, workdays, national=False)
    if problems:
        raise CalendarDataError(problems)
    return RegionYearData(
        region=raw["region"],
        year=raw["year"],
        version=raw["version"],
        source=raw["source"],
        holidays=tuple(holidays),
        adjusted_workdays=tuple(workdays),
        note=raw.get("note"),
    )


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CalendarDataError([f"JSON中字段“{key}”重复 (duplicate JSON key '{key}')"])
        out[key] = value
    return out


def _parse_document(
    document: Mapping[str, Any] | str | bytes,
    allowed: frozenset[str],
    required: Sequence[str] = _REQUIRED_KEYS,
) -> dict[str, Any]:
    if isinstance(document, (str, bytes)):
        try:
            parsed = json.loads(document, object_pairs_hook=_reject_duplicate_keys)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CalendarDataError([f"数据不是合法的JSON (invalid JSON: {exc})"]) from exc
    else:
        parsed = document
    if not isinstance(parsed, Mapping):
        raise CalendarDataError(
            [f"数据必须是一个JSON对象 (document must be a JSON object, got {type(parsed).__name__})"]
        )
    problems = [f"缺少字段“{k}” (missing field '{k}')" for k in required if k not in parsed]
    problems += [
        f"未知字段“{k}” (unknown field '{k}'; allowed: {', '.join(sorted(allowed))})"
        for k in sorted(map(str, parsed)) if k not in allowed
    ]
    if problems:
        raise CalendarDataError(problems)
    return dict(parsed)


def _parse_date(value: Any, where: str, problems: list[str]) -> date | None:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{where} 日期无效，应为YYYY-MM-DD格式 ({where} invalid date {value!r}, expected YYYY-MM-DD)")
    return None


def _parse_days(raw: Mapping[str, Any]) -> tuple[list[Holiday], list[date], list[str]]:
    problems: list[str] = []
    holidays: list[Holiday] = []
    workdays: list[date] = []
    items = raw.get("holidays")
    if not isinstance(items, list):
        problems.append("holidays必须是数组 (holidays must be a JSON array)")
        items = []
    for i, item in enumerate(items):
        where = f"holidays[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"date", "name"}:
            problems.append(
                f"{where} 必须是只含date和name两个字段的对象 ({where} must be an object with exactly 'date' and 'name')"
            )
            continue
        day = _parse_date(item["date"], f"{where}.date", problems)
        if day is not None:
            # Names are checked (non-empty, trimmed) with the other semantic rules.
            holidays.append(Holiday(day, item["name"]))
    days = raw.get("adjusted_workdays")
    if not isinstance(days, list):
        problems.append("adjusted_workdays必须是数组 (adjusted_workdays must be a JSON array)")
        days = []
    for i, value in enumerate(days):
        day = _parse_date(value, f"adjusted_workdays[{i}]", problems)
        if day is not None:
            workdays.append(day)
    return holidays, workdays, problems


def builtin_year_data() -> list[YearData]:
    """The package's tables converted to :class:`YearData` (version 0), one per year it covers."""
    import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints
    from chinese_calendar import constants

    package_version = getattr(chinese_calendar, "__version__", "unknown")
    chinese_names = {h.value: h.chinese for h in constants.Holiday}
    holidays: dict[int, list[Holiday]] = {}
    workdays: dict[int, list[date]] = {}
    for day, english in constants.holidays.items():
        holidays.setdefault(day.year, []).append(Holiday(day, chinese_names.get(english, english)))
    for day in constants.workdays:
        workdays.setdefault(day.year, []).append(day)
    # The package supports exactly the years from its first to its last holiday entry (the check in
    # chinese_calendar.utils._validate_date); refuse to build if that range has a hole.
    first, last = min(holidays), max(holidays)
    missing = [y for y in range(first, last + 1) if y not in holidays]
    if missing or any(y not in holidays for y in workdays):
        raise RuntimeError(f"chinese_calendar data has gaps: {missing}")
    source = (
        f"chinese_calendar {package_version} 软件包内置数据（据国务院办公厅历年节假日安排通知） "
        f"(built-in data of the chinese_calendar package {package_version})"
    )
    return [
        YearData(
            year=year,
            version=BUILTIN_VERSION,
            source=source,
            holidays=tuple(holidays[year]),
            adjusted_workdays=tuple(workdays.get(year, ())),
        )
        for year in range(first, last + 1)
    ]
