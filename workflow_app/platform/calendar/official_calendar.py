"""The official Chinese working-day calendar: which days are working days, nationally and in a region.

Each year the State Council General Office publishes a notice (国务院办公厅关于XXXX年部分节假日安排的通知)
listing the days off of each public holiday period and the weekend days that become working days in
exchange (调休上班日). A day is a *working day* when it is listed as an adjusted working day, or when it is
a Monday–Friday that is not listed as a holiday. The years' data and where it comes from:
:mod:`workflow_app.platform.calendar.year_data` and :mod:`workflow_app.platform.calendar.documents`.

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

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType

from workflow_app.platform.clock import to_local_date
from workflow_app.platform.calendar.documents import builtin_year_data
from workflow_app.platform.calendar.errors import CalendarDataError, CalendarVersionError, UnknownYearError
from workflow_app.platform.calendar.year_data import RegionYearData, YearData


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
