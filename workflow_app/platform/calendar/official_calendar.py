"""The official Chinese working-day calendar, as data.

Each year the State Council General Office publishes a notice (国务院办公厅关于XXXX年部分节假日安排的通知)
listing the days off of each public holiday period and the weekend days that become working days in
exchange (调休上班日). A day is a *working day* when it is listed as an adjusted working day, or when it is
a Monday–Friday that is not listed as a holiday.

Where the data comes from
-------------------------
* 2004–2026: the tables shipped in the ``chinese_calendar`` package (PyPI ``chinesecalendar``), exactly the
  years that package covers. They are exposed as built-in :class:`YearData` with version 0.
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

Never guess silently
--------------------
A *strict* calendar (the default) answers any question about a day of a year without national data with
:class:`UnknownYearError`. A region that has override data must have it for every year from its first
loaded year on; a later year without it also raises :class:`UnknownYearError` (otherwise a local holiday
would silently count as a working day). Years before a region's first loaded year use the national
calendar alone.

A *provisional* calendar (:meth:`OfficialCalendar.provisional`, what the application computes with, see
docs/deadlines.md "Years without calendar data") answers instead: in a year without national data
Saturdays and Sundays are rest days and Monday–Friday working days; a region's missing year adds no local
days. Such answers are never presented as final: :meth:`OfficialCalendar.missing_years` tells which years
between today and a due date lack data, and every date computed across one of them is marked provisional
(暂定) by the caller and recomputed when the year is loaded.

Precedence for ``is_working_day(d, region)``: a regional holiday makes the day a rest day; otherwise a
national holiday makes it a rest day (a region cannot cancel a national holiday); otherwise a regional or
national adjusted working day makes it a working day; otherwise Monday–Friday are working days.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

#: Statutory periods are counted in China Standard Time, whatever the server's zone.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

#: Version number of the built-in (package) data; every loaded document must have a higher one.
BUILTIN_VERSION = 0

MIN_YEAR = 2000
MAX_YEAR = 2100
# Sanity limits. The busiest year in the package (2026) lists 33 holiday dates and the one with most
# adjusted working days (2013) lists 12; far larger lists mean a wrong file (e.g. every weekend listed).
MAX_HOLIDAYS = 60
MAX_ADJUSTED_WORKDAYS = 25
MAX_NAME_LENGTH = 50
MAX_SOURCE_LENGTH = 500
MAX_NOTE_LENGTH = 2000

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REGION_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.\-]{0,31}$")
_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --------------------------------------------------------------------------------------------------
# errors


class UnknownYearError(ValueError):
    """A date falls in a year for which the calendar has no data; no deadline can be computed."""

    def __init__(self, year: int, region: str | None = None) -> None:
        self.year = year
        self.region = region
        if region is None:
            message = f"缺少{year}年的法定节假日数据，无法计算期限 (no official calendar data for year {year})"
        else:
            message = (
                f"缺少地区{region}的{year}年地方节假日数据，无法计算期限 "
                f"(no regional calendar data for region {region}, year {year})"
            )
        super().__init__(message)


class CalendarDataError(ValueError):
    """A calendar data document is invalid. ``problems`` lists every problem found, one message each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("节假日数据无效 (invalid calendar data): " + "；".join(self.problems))


class CalendarVersionError(CalendarDataError):
    """A document would replace data of the same or a higher version."""


# --------------------------------------------------------------------------------------------------
# value objects


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


@dataclass(frozen=True, order=True)
class Holiday:
    """One day off, named in Chinese (元旦, 春节, ...)."""

    day: date
    name: str


def _problems_in_days(
    year: int,
    holidays: Sequence[Holiday],
    adjusted_workdays: Sequence[date],
    *,
    national: bool,
) -> list[str]:
    """Semantic checks shared by national and regional data (types are checked by the parser)."""
    problems: list[str] = []
    seen: set[date] = set()
    for i, h in enumerate(holidays):
        where = f"holidays[{i}]"
        if h.day.year != year:
            problems.append(f"{where} 日期{h.day}不属于{year}年 ({where} {h.day} is not in year {year})")
        if h.day in seen:
            problems.append(f"{where} 日期{h.day}重复 ({where} duplicate holiday date {h.day})")
        seen.add(h.day)
        if not isinstance(h.name, str) or not h.name.strip():
            problems.append(f"{where} 节日名称不能为空 ({where}.name must be a non-empty string)")
        elif h.name != h.name.strip() or len(h.name) > MAX_NAME_LENGTH:
            problems.append(
                f"{where} 节日名称不能有首尾空白且不超过{MAX_NAME_LENGTH}个字符 "
                f"({where}.name must be trimmed and at most {MAX_NAME_LENGTH} characters)"
            )
    seen_work: set[date] = set()
    for i, d in enumerate(adjusted_workdays):
        where = f"adjusted_workdays[{i}]"
        if d.year != year:
            problems.append(f"{where} 日期{d}不属于{year}年 ({where} {d} is not in year {year})")
        if d in seen_work:
            problems.append(f"{where} 日期{d}重复 ({where} duplicate adjusted working day {d})")
        seen_work.add(d)
        if d.weekday() < 5:
            problems.append(
                f"{where} {d}是{_WEEKDAYS_ZH[d.weekday()]}，调休上班日只能是星期六或星期日 "
                f"({where} {d} is a {_WEEKDAYS_EN[d.weekday()]}; adjusted working days must be Saturdays or Sundays)"
            )
        if d in seen:
            problems.append(
                f"{d}既是节假日又是调休上班日 ({d} is both a holiday and an adjusted working day)"
            )
    if len(holidays) > MAX_HOLIDAYS:
        problems.append(
            f"节假日共{len(holidays)}天，超过上限{MAX_HOLIDAYS}天，请检查是否误列了普通周末 "
            f"(too many holidays: {len(holidays)} > {MAX_HOLIDAYS}; ordinary weekends must not be listed)"
        )
    if len(adjusted_workdays) > MAX_ADJUSTED_WORKDAYS:
        problems.append(
            f"调休上班日共{len(adjusted_workdays)}天，超过上限{MAX_ADJUSTED_WORKDAYS}天 "
            f"(too many adjusted working days: {len(adjusted_workdays)} > {MAX_ADJUSTED_WORKDAYS})"
        )
    if national:
        # 元旦 (1 January) is a day off in every year under 全国年节及纪念日放假办法; a national list
        # without it is certainly incomplete or for another year.
        new_year = date(year, 1, 1)
        if new_year not in seen:
            problems.append(
                f"节假日中缺少元旦（{new_year}） (holidays must include New Year's Day {new_year})"
            )
    return problems


def _problems_in_header(year: Any, version: Any, source: Any, note: Any, *, loaded: bool) -> list[str]:
    problems: list[str] = []
    if not _valid_year(year):
        problems.append(
            f"year必须是{MIN_YEAR}至{MAX_YEAR}之间的整数 "
            f"(year must be an integer in {MIN_YEAR}..{MAX_YEAR}, got {year!r})"
        )
    lowest = BUILTIN_VERSION + 1 if loaded else BUILTIN_VERSION
    if not _is_int(version) or version < lowest:
        problems.append(
            f"version必须是不小于{lowest}的整数（0保留给内置数据） "
            f"(version must be an integer >= {lowest}; 0 is reserved for built-in data, got {version!r})"
        )
    if not isinstance(source, str) or not source.strip() or len(source) > MAX_SOURCE_LENGTH:
        problems.append(
            f"source必须写明通知名称和文号，且不超过{MAX_SOURCE_LENGTH}个字符 "
            f"(source must be a non-empty string of at most {MAX_SOURCE_LENGTH} characters naming the notice)"
        )
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH):
        problems.append(
            f"note必须是不超过{MAX_NOTE_LENGTH}个字符的文本 "
            f"(note must be a string of at most {MAX_NOTE_LENGTH} characters)"
        )
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_year(value: Any) -> bool:
    return _is_int(value) and MIN_YEAR <= value <= MAX_YEAR


def _problems_in_region(region: Any) -> list[str]:
    if not isinstance(region, str) or not _REGION_CODE.match(region):
        return [
            f"region必须是地区代码（字母、数字，最长32位） "
            f"(region must be a code of letters/digits/._- up to 32 characters, got {region!r})"
        ]
    return []


@dataclass(frozen=True)
class YearData:
    """The official holiday arrangement of one year (national)."""

    year: int
    version: int
    source: str
    holidays: tuple[Holiday, ...]
    adjusted_workdays: tuple[date, ...]
    note: str | None = None
    _names: Mapping[date, str] = field(init=False, repr=False, compare=False)
    _workdays: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = _problems_in_header(self.year, self.version, self.source, self.note, loaded=False)
        if not problems:
            problems = _problems_in_days(self.year, self.holidays, self.adjusted_workdays, national=True)
        if problems:
            raise CalendarDataError(problems)
        _freeze_days(self)

    def __reduce__(self) -> tuple:
        return (type(self), tuple(getattr(self, f) for f in _DATA_FIELDS[type(self).__name__]))

    def holiday_name(self, day: date) -> str | None:
        return self._names.get(day)

    def is_adjusted_workday(self, day: date) -> bool:
        return day in self._workdays

    def to_dict(self) -> dict[str, Any]:
        """The JSON document this data was (or could have been) loaded from; ``load_year_data`` reads it
        back. Built-in data serialises with version 0, which the loader refuses on purpose."""
        return _to_dict(self, {})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class RegionYearData:
    """Local additions to the national calendar for one region and year."""

    region: str
    year: int
    version: int
    source: str
    holidays: tuple[Holiday, ...]
    adjusted_workdays: tuple[date, ...]
    note: str | None = None
    _names: Mapping[date, str] = field(init=False, repr=False, compare=False)
    _workdays: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = _problems_in_region(self.region)
        problems += _problems_in_header(self.year, self.version, self.source, self.note, loaded=False)
        if not problems:
            problems = _problems_in_days(self.year, self.holidays, self.adjusted_workdays, national=False)
        if problems:
            raise CalendarDataError(problems)
        _freeze_days(self)

    def __reduce__(self) -> tuple:
        return (type(self), tuple(getattr(self, f) for f in _DATA_FIELDS[type(self).__name__]))

    def holiday_name(self, day: date) -> str | None:
        return self._names.get(day)

    def is_adjusted_workday(self, day: date) -> bool:
        return day in self._workdays

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self, {"region": self.region})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _freeze_days(data: YearData | RegionYearData) -> None:
    # Store sorted tuples so that equal data compares (and serialises) equal whatever the input order.
    object.__setattr__(data, "holidays", tuple(sorted(data.holidays)))
    object.__setattr__(data, "adjusted_workdays", tuple(sorted(data.adjusted_workdays)))
    object.__setattr__(data, "_names", MappingProxyType({h.day: h.name for h in data.holidays}))
    object.__setattr__(data, "_workdays", frozenset(data.adjusted_workdays))


def _to_dict(data: YearData | RegionYearData, head: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(head)
    out["year"] = data.year
    out["version"] = data.version
    out["source"] = data.source
    if data.note is not None:
        out["note"] = data.note
    out["holidays"] = [{"date": h.day.isoformat(), "name": h.name} for h in data.holidays]
    out["adjusted_workdays"] = [d.isoformat() for d in data.adjusted_workdays]
    return out


#: Constructor arguments, in order, for pickling (the derived lookup fields are rebuilt).
_DATA_FIELDS = {
    "YearData": ("year", "version", "source", "holidays", "adjusted_workdays", "note"),
    "RegionYearData": ("region", "year", "version", "source", "holidays", "adjusted_workdays", "note"),
}


# --------------------------------------------------------------------------------------------------
# loading documents


_NATIONAL_KEYS = frozenset({"year", "version", "source", "note", "holidays", "adjusted_workdays"})
_REQUIRED_KEYS = ("year", "version", "source", "holidays", "adjusted_workdays")


def load_year_data(document: Mapping[str, Any] | str | bytes) -> YearData:
    """Validate a national calendar document (a dict or its JSON text) strictly and return it as data.

    Raises :class:`CalendarDataError` listing every problem found (Chinese, with the English technical
    detail in parentheses).
    """
    raw = _parse_document(document, _NATIONAL_KEYS)
    problems = _problems_in_header(
        raw.get("year"), raw.get("version"), raw.get("source"), raw.get("note"), loaded=True
    )
    holidays, workdays, day_problems = _parse_days(raw)
    problems += day_problems
    if _valid_year(raw["year"]):
        # Check what could be parsed even if other parts failed, so that one pass reports everything.
        problems += _problems_in_days(raw["year"], holidays, workdays, national=True)
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
    problems = _problems_in_region(raw.get("region"))
    problems += _problems_in_header(
        raw.get("year"), raw.get("version"), raw.get("source"), raw.get("note"), loaded=True
    )
    holidays, workdays, day_problems = _parse_days(raw)
    problems += day_problems
    if _valid_year(raw["year"]):
        # Check what could be parsed even if other parts failed, so that one pass reports everything.
        problems += _problems_in_days(raw["year"], holidays, workdays, national=False)
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


# --------------------------------------------------------------------------------------------------
# the calendar


class OfficialCalendar:
    """An immutable working-day calendar: national years plus regional overrides.

    ``with_year`` and ``with_region_year`` return new calendars; a calendar never changes once built, so
    one instance can be shared between threads and cached.
    """

    __slots__ = ("_years", "_regions", "_provisional")

    def __init__(self, years: Iterable[YearData] = (), regions: Iterable[RegionYearData] = (),
                 provisional: bool = False) -> None:
        by_year: dict[int, YearData] = {}
        for data in years:
            if data.year in by_year:
                raise ValueError(f"{data.year}年的数据重复 (year {data.year} given twice)")
            by_year[data.year] = data
        by_region: dict[str, dict[int, RegionYearData]] = {}
        for rdata in regions:
            slot = by_region.setdefault(rdata.region, {})
            if rdata.year in slot:
                raise ValueError(
                    f"地区{rdata.region}的{rdata.year}年数据重复 (region {rdata.region} year {rdata.year} given twice)"
                )
            slot[rdata.year] = rdata
        self._years: Mapping[int, YearData] = MappingProxyType(by_year)
        self._regions: Mapping[str, Mapping[int, RegionYearData]] = MappingProxyType(
            {code: MappingProxyType(slot) for code, slot in by_region.items()}
        )
        self._provisional = bool(provisional)

    def __reduce__(self) -> tuple:
        # Picklable (mapping proxies are not): script evaluation may run in a child process that receives
        # the active calendar.
        return (type(self), (tuple(self._years.values()), tuple(self._all_region_data()), self._provisional))

    def provisional(self) -> OfficialCalendar:
        """The same data, answering for years without data provisionally (weekends only) instead of
        raising :class:`UnknownYearError`."""
        if self._provisional:
            return self
        return type(self)(self._years.values(), self._all_region_data(), provisional=True)

    @property
    def is_provisional(self) -> bool:
        """Whether this calendar answers for years without data (see :meth:`provisional`)."""
        return self._provisional

    def missing_years(self, first: date | datetime, last: date | datetime, region: str | None = None,
                      any_region: bool = False) -> tuple[int, ...]:
        """The years from ``first``'s to ``last``'s (either order) without the data a date in them needs:
        national data, and for ``region`` (or, with ``any_region``, for every region that has overrides)
        regional data from the region's first loaded year on. A date computed across one of these years is
        provisional."""
        a, b = sorted((to_local_date(first).year, to_local_date(last).year))
        regions = self.regions if any_region else ((region,) if region and region in self._regions else ())
        out = []
        for year in range(a, b + 1):
            if year not in self._years or any(
                    year >= min(self._regions[r]) and year not in self._regions[r] for r in regions):
                out.append(year)
        return tuple(out)

    @classmethod
    def builtin(cls) -> OfficialCalendar:
        """The calendar of the years covered by the ``chinese_calendar`` package (2004–2026 in 1.11.0)."""
        return _builtin_calendar()

    def __repr__(self) -> str:
        years = self.years
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return f"<OfficialCalendar years={span} ({len(years)}) regions={list(self.regions)}>"

    # ---- what the calendar knows

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self._years))

    def covers(self, year: int) -> bool:
        return year in self._years

    def year_data(self, year: int) -> YearData:
        try:
            return self._years[year]
        except KeyError:
            raise UnknownYearError(year) from None

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted(self._regions))

    def region_years(self, region: str) -> tuple[int, ...]:
        return tuple(sorted(self._regions.get(region, {})))

    def region_year_data(self, region: str, year: int) -> RegionYearData:
        try:
            return self._regions[region][year]
        except KeyError:
            raise UnknownYearError(year, region) from None

    # ---- adding data

    def with_year(self, data: YearData) -> OfficialCalendar:
        """A new calendar with ``data`` added, or replacing the same year if its version is higher."""
        current = self._years.get(data.year)
        if current is not None and data.version <= current.version:
            raise CalendarVersionError([
                f"{data.year}年已有版本{current.version}的数据，新数据版本{data.version}必须更高 "
                f"(year {data.year} already has version {current.version}; "
                f"a replacement needs a higher version, got {data.version})"
            ])
        years = {**self._years, data.year: data}
        return type(self)(years.values(), self._all_region_data(), self._provisional)

    def with_region_year(self, data: RegionYearData) -> OfficialCalendar:
        """A new calendar with the regional override ``data`` added (or replacing a lower version)."""
        current = self._regions.get(data.region, {}).get(data.year)
        if current is not None and data.version <= current.version:
            raise CalendarVersionError([
                f"地区{data.region}的{data.year}年已有版本{current.version}的数据，新数据版本{data.version}必须更高 "
                f"(region {data.region} year {data.year} already has version {current.version}; "
                f"a replacement needs a higher version, got {data.version})"
            ])
        national = self._years.get(data.year)
        if national is not None:
            clashes = [d for d in data.adjusted_workdays if national.holiday_name(d) is not None]
            if clashes:
                # Precedence would ignore these days anyway; refusing makes the mistake visible.
                raise CalendarDataError([
                    f"地区调休上班日{d}是全国法定节假日（{national.holiday_name(d)}），地方不能取消 "
                    f"(regional adjusted working day {d} is a national holiday)"
                    for d in clashes
                ])
        others = [r for r in self._all_region_data() if (r.region, r.year) != (data.region, data.year)]
        return type(self)(self._years.values(), [*others, data], self._provisional)

    def _all_region_data(self) -> list[RegionYearData]:
        return [r for slot in self._regions.values() for r in slot.values()]

    # ---- questions about days

    def _region_data(self, region: str | None, year: int) -> RegionYearData | None:
        if region is None:
            return None
        slot = self._regions.get(region)
        if not slot:
            return None  # a region without local rules follows the national calendar
        data = slot.get(year)
        if data is not None:
            return data
        if year < min(slot):
            return None  # before the region's first loaded year: no local rules were configured
        if self._provisional:
            return None  # provisional: no local days are known for this year
        raise UnknownYearError(year, region)

    def _national(self, year: int) -> YearData | None:
        data = self._years.get(year)
        if data is None and not self._provisional:
            raise UnknownYearError(year)
        return data

    def is_working_day(self, day: date | datetime, region: str | None = None) -> bool:
        """Whether ``day`` (its China calendar day, for a datetime) is a working day, optionally for a region."""
        d = to_local_date(day)
        national = self._national(d.year)
        local = self._region_data(region, d.year)
        if local is not None and local.holiday_name(d) is not None:
            return False
        if national is not None and national.holiday_name(d) is not None:
            return False
        if local is not None and local.is_adjusted_workday(d):
            return True
        if national is not None and national.is_adjusted_workday(d):
            return True
        return d.weekday() < 5

    def holiday_name(self, day: date | datetime, region: str | None = None) -> str | None:
        """The name of the holiday ``day`` belongs to (regional first), or None for any other day."""
        d = to_local_date(day)
        national = self._national(d.year)
        local = self._region_data(region, d.year)
        if local is not None and (name := local.holiday_name(d)) is not None:
            return name
        return national.holiday_name(d) if national is not None else None

    def is_adjusted_workday(self, day: date | datetime, region: str | None = None) -> bool:
        """Whether ``day`` is a weekend day made a working day (调休上班日)."""
        d = to_local_date(day)
        return d.weekday() >= 5 and self.is_working_day(d, region)

    def next_working_day(self, day: date | datetime, region: str | None = None) -> date:
        """The first working day strictly after ``day``."""
        d = to_local_date(day)
        while True:
            d = date.fromordinal(d.toordinal() + 1)
            if self.is_working_day(d, region):
                return d


# --------------------------------------------------------------------------------------------------
# built-in data from the chinese_calendar package


@lru_cache(maxsize=1)
def _builtin_calendar() -> OfficialCalendar:
    return OfficialCalendar(builtin_year_data())


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
