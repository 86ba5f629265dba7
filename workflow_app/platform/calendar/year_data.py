"""One year of the official calendar as validated data: the holidays and adjusted working days of a State
Council notice (:class:`YearData`) or of a region's local rules (:class:`RegionYearData`).

What the fields mean and the JSON format they are loaded from are described in
:mod:`workflow_app.platform.calendar.documents`; the checks here (dates in the year, no duplicates,
adjusted working days on weekends, 元旦 in every national year, sanity limits) run whenever such data is
built, so no invalid year can reach a calendar.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from workflow_app.platform.calendar.errors import CalendarDataError

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

_REGION_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.\-]{0,31}$")
_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, order=True)
class Holiday:
    """One day off, named in Chinese (元旦, 春节, ...)."""

    day: date
    name: str


def problems_in_days(
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


def problems_in_header(year: Any, version: Any, source: Any, note: Any, *, loaded: bool) -> list[str]:
    problems: list[str] = []
    if not valid_year(year):
        problems.append(
            f"year必须是{MIN_YEAR}至{MAX_YEAR}之间的整数 "
            f"(year must be an integer in {MIN_YEAR}..{MAX_YEAR}, got {year!r})"
        )
    lowest = BUILTIN_VERSION + 1 if loaded else BUILTIN_VERSION
    if not is_int(version) or version < lowest:
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


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def valid_year(value: Any) -> bool:
    return is_int(value) and MIN_YEAR <= value <= MAX_YEAR


def problems_in_region(region: Any) -> list[str]:
    if not isinstance(region, str) or not _REGION_CODE.match(region):
        return [
            f"region必须是地区代码（字母、数字，最长32位） "
            f"(region must be a code of letters/digits/._- up to 32 characters, got {region!r})"
        ]
    return []


class _DaysOfYear:
    """What national and regional year data share: lookups of their days, pickling and JSON."""

    def __reduce__(self) -> tuple:
        return (type(self), tuple(getattr(self, f) for f in _DATA_FIELDS[type(self).__name__]))

    def holiday_name(self, day: date) -> str | None:
        return self._names.get(day)

    def is_adjusted_workday(self, day: date) -> bool:
        return day in self._workdays

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class YearData(_DaysOfYear):
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
        problems = problems_in_header(self.year, self.version, self.source, self.note, loaded=False)
        if not problems:
            problems = problems_in_days(self.year, self.holidays, self.adjusted_workdays, national=True)
        if problems:
            raise CalendarDataError(problems)
        _freeze_days(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document this data was (or could have been) loaded from; ``load_year_data`` reads it
        back. Built-in data serialises with version 0, which the loader refuses on purpose."""
        return _to_dict(self, {})



@dataclass(frozen=True)
class RegionYearData(_DaysOfYear):
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
        problems = problems_in_region(self.region)
        problems += problems_in_header(self.year, self.version, self.source, self.note, loaded=False)
        if not problems:
            problems = problems_in_days(self.year, self.holidays, self.adjusted_workdays, national=False)
        if problems:
            raise CalendarDataError(problems)
        _freeze_days(self)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self, {"region": self.region})



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
