"""The errors of the official calendar: a year without data, an invalid data document, a stale version."""
from __future__ import annotations

from collections.abc import Sequence


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
