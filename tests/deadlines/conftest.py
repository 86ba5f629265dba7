"""Shared fixtures for the deadline library tests (pure Python, no database)."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflow_app.platform.calendar import OfficialCalendar, YearData, load_year_data

FIXTURES = Path(__file__).parent / "fixtures"
#: Fictitious 2027 data (see fixtures/README.md): NOT the official notice.
FIXTURE_2027 = FIXTURES / "TEST_FIXTURE_calendar_2027.json"


@pytest.fixture(scope="session")
def cal() -> OfficialCalendar:
    return OfficialCalendar.builtin()


@pytest.fixture(scope="session")
def fixture_2027_text() -> str:
    return FIXTURE_2027.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def year_2027(fixture_2027_text: str) -> YearData:
    return load_year_data(fixture_2027_text)


@pytest.fixture(scope="session")
def cal_2027(cal: OfficialCalendar, year_2027: YearData) -> OfficialCalendar:
    return cal.with_year(year_2027)
