"""Deadline rules as process owners write them in configuration."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import DeadlineRule, OfficialCalendar, Unit, parse_rule


@pytest.mark.parametrize(
    ("text", "length", "unit"),
    [
        ("5WD", 5, Unit.WD),
        ("5wd", 5, Unit.WD),
        (" 5 WD ", 5, Unit.WD),
        ("60WD", 60, Unit.WD),
        ("5个工作日", 5, Unit.WD),
        ("5工作日", 5, Unit.WD),
        ("45CD", 45, Unit.CD),
        ("3D", 3, Unit.CD),
        ("3d", 3, Unit.CD),
        ("15日", 15, Unit.CD),
        ("15天", 15, Unit.CD),
        ("24h", 24, Unit.HOURS),
        ("24H", 24, Unit.HOURS),
        ("24小时", 24, Unit.HOURS),
        ("24个小时", 24, Unit.HOURS),
        ("５WD", 5, Unit.WD),  # full-width digit typed with a Chinese input method
        ("0WD", 0, Unit.WD),
    ],
)
def test_parse(text: str, length: int, unit: Unit) -> None:
    rule = parse_rule(text)
    assert rule == DeadlineRule(length, unit)
    assert parse_rule(str(rule)) == rule


def test_canonical_text() -> None:
    assert str(parse_rule("3D")) == "3CD"
    assert str(parse_rule("5个工作日")) == "5WD"
    assert str(parse_rule("24小时")) == "24h"


@pytest.mark.parametrize(
    "text",
    ["", "  ", "WD", "5", "5 W D", "-5WD", "+5WD", "5.5WD", "12345WD", "5WDX", "five WD", "5 weeks", "5WD 3CD", "5M"],
)
def test_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="无法识别的期限规则") as info:
        parse_rule(text)
    assert "invalid deadline rule" in str(info.value)


@pytest.mark.parametrize("value", [None, 5, b"5WD"])
def test_not_text(value: Any) -> None:
    with pytest.raises(ValueError, match="期限规则必须是文本"):
        parse_rule(value)


def test_apply(cal: OfficialCalendar) -> None:
    assert parse_rule("5WD").apply(cal, date(2025, 1, 24)) == date(2025, 2, 7)
    assert parse_rule("3D").apply(cal, date(2025, 1, 25)) == date(2025, 2, 5)
    assert parse_rule("45CD").apply(cal, date(2025, 8, 17)) == date(2025, 10, 9)
    assert parse_rule("45CD").unrolled_end(cal, date(2025, 8, 17)) == date(2025, 10, 1)
    start = datetime(2025, 9, 30, 18, 0, tzinfo=CHINA_TZ)
    assert parse_rule("24h").apply(cal, start) == datetime(2025, 10, 1, 18, 0, tzinfo=CHINA_TZ)
    with pytest.raises(TypeError, match="datetime"):
        parse_rule("24h").apply(cal, date(2025, 9, 30))


def test_rule_makes_a_clock(cal: OfficialCalendar) -> None:
    for text in ("5WD", "45CD", "3D", "0WD", "0CD"):
        rule = parse_rule(text)
        assert rule.clock(date(2025, 9, 26)).due_date(cal) == rule.apply(cal, date(2025, 9, 26)), text


def test_rule_validates_length() -> None:
    with pytest.raises(ValueError):
        DeadlineRule(-1, Unit.WD)
    with pytest.raises(ValueError):
        DeadlineRule(1, "weeks")  # type: ignore[arg-type]
