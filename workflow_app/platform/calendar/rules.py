"""Deadline rules as process owners write them in diagrams and configuration: ``5WD``, ``45CD`` (= ``45D``),
``24h``, or in Chinese ``5个工作日``, ``3天``, ``24小时`` (docs/deadlines.md)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from workflow_app.platform.calendar.arithmetic import (
    Unit,
    add_calendar_days_rolled,
    add_hours,
    add_working_days,
    as_hour_start,
    check_count,
    unrolled_end,
)
from workflow_app.platform.calendar.official_calendar import OfficialCalendar
from workflow_app.platform.calendar.statutory_clock import StatutoryClock


_RULE = re.compile(
    r"^\s*([0-9０-９]{1,4})\s*(wd|cd|d|h|个?工作日|日|天|个?小时)\s*$",
    re.IGNORECASE,
)
_UNIT_WORDS = {
    "wd": Unit.WD, "工作日": Unit.WD, "个工作日": Unit.WD,
    "cd": Unit.CD, "d": Unit.CD, "日": Unit.CD, "天": Unit.CD,
    "h": Unit.HOURS, "小时": Unit.HOURS, "个小时": Unit.HOURS,
}


@dataclass(frozen=True)
class DeadlineRule:
    """A period such as ``5WD``, ``45CD`` (= ``45D``) or ``24h``. ``str(rule)`` is its canonical text."""

    length: int
    unit: Unit

    def __post_init__(self) -> None:
        check_count(self.length, "length")
        object.__setattr__(self, "unit", Unit(self.unit))

    def __str__(self) -> str:
        return f"{self.length}{self.unit.value}"

    def apply(self, cal: OfficialCalendar, start: date | datetime, region: str | None = None) -> date | datetime:
        """The due date (WD, CD) or due instant (hours) of this period counted from ``start``."""
        if self.unit is Unit.WD:
            return add_working_days(cal, start, self.length, region)
        if self.unit is Unit.CD:
            return add_calendar_days_rolled(cal, start, self.length, region)
        return add_hours(as_hour_start(start), self.length)

    def unrolled_end(self, cal: OfficialCalendar, start: date | datetime, region: str | None = None) -> date | datetime:
        """The end before rolling forward, the base for :func:`extend`."""
        return unrolled_end(cal, self.unit, start, self.length, region)

    def clock(self, start: date | datetime, region: str | None = None) -> StatutoryClock:
        """A running :class:`StatutoryClock` for this period."""
        return StatutoryClock(start=start, unit=self.unit, length=self.length, region=region)


def parse_rule(text: str) -> DeadlineRule:
    """Parse a period written in configuration.

    Accepted: a number (1–4 digits) followed by a unit: ``WD``/``工作日``/``个工作日`` (working days),
    ``CD``/``D``/``日``/``天`` (calendar days rolled forward), ``h``/``小时``/``个小时`` (hours).
    Letters are case-insensitive; spaces around the parts are allowed. Anything else is a ValueError.
    """
    if not isinstance(text, str):
        raise ValueError(f"期限规则必须是文本 (deadline rule must be a string, got {type(text).__name__})")
    match = _RULE.match(text)
    if match is None:
        raise ValueError(
            f"无法识别的期限规则“{text}”：应为数字加单位，例如 5WD（工作日）、45CD 或 3D（自然日，"
            f"到期日非工作日则顺延）、24h（小时） "
            f"(invalid deadline rule {text!r}: expected <number><WD|CD|D|h>, e.g. 5WD, 45CD, 3D, 24h)"
        )
    number, word = match.groups()
    return DeadlineRule(length=int(number), unit=_UNIT_WORDS[word.lower()])
