"""The official calendar: built-in data, unknown years, loading year documents, regional overrides."""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
import pytest

from workflow_app.platform.calendar import (
    CalendarDataError,
    CalendarVersionError,
    OfficialCalendar,
    RegionYearData,
    UnknownYearError,
    YearData,
    add_working_days,
    load_region_year_data,
    load_year_data,
)

# ---- built-in data ---------------------------------------------------------------------------------


def test_builtin_covers_exactly_the_package_years(cal: OfficialCalendar) -> None:
    package_years = {d.year for d in chinese_calendar.holidays}
    assert cal.years == tuple(range(2004, 2027))
    assert set(cal.years) == package_years
    assert not cal.covers(2003) and not cal.covers(2027)


def test_builtin_agrees_with_the_package_on_every_day(cal: OfficialCalendar) -> None:
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    "day",
    [date(2025, 1, 26), date(2025, 2, 8), date(2024, 2, 4), date(2024, 2, 18), date(2025, 9, 28), date(2025, 10, 11)],
)
def test_adjusted_working_weekends(cal: OfficialCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)
    assert cal.is_adjusted_workday(day)
    assert cal.holiday_name(day) is None


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 1, 1), "元旦"),
        (date(2025, 1, 29), "春节"),
        (date(2024, 2, 17), "春节"),  # a Saturday inside the holiday period
        (date(2025, 10, 1), "国庆节"),
        (date(2025, 10, 6), "中秋"),  # 2025: Mid-Autumn falls inside the National Day period
        (date(2024, 9, 17), "中秋"),
        (date(2015, 9, 3), "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
    ],
)
def test_holidays_have_chinese_names(cal: OfficialCalendar, day: date, name: str) -> None:
    assert cal.holiday_name(day) == name
    assert not cal.is_working_day(day)


def test_ordinary_days(cal: OfficialCalendar) -> None:
    assert cal.is_working_day(date(2025, 3, 3))  # Monday
    assert not cal.is_working_day(date(2025, 3, 1))  # ordinary Saturday
    assert cal.holiday_name(date(2025, 3, 1)) is None
    assert not cal.is_adjusted_workday(date(2025, 3, 1))


def test_builtin_data_is_version_zero_and_names_the_package(cal: OfficialCalendar) -> None:
    data = cal.year_data(2025)
    assert data.version == 0
    assert "chinese_calendar" in data.source
    assert data.adjusted_workdays == (
        date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11),
    )


# ---- unknown years ------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2003, 2027, 2031])
def test_unknown_year_is_refused_with_the_year_named(cal: OfficialCalendar, year: int) -> None:
    with pytest.raises(UnknownYearError) as info:
        cal.is_working_day(date(year, 3, 2))
    assert isinstance(info.value, ValueError)
    assert info.value.year == year
    assert str(info.value) == f"缺少{year}年的法定节假日数据，无法计算期限 (no official calendar data for year {year})"
    with pytest.raises(UnknownYearError):
        cal.holiday_name(date(year, 3, 2))
    with pytest.raises(UnknownYearError):
        cal.next_working_day(date(year, 3, 2))
    with pytest.raises(UnknownYearError):
        cal.year_data(year)


def test_datetime_is_judged_by_its_china_day(cal: OfficialCalendar) -> None:
    # 2026-12-31 17:00 UTC is already 2027-01-01 in China: a year without data.
    with pytest.raises(UnknownYearError, match="2027"):
        cal.is_working_day(datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc))
    # 2025-01-25 20:00 UTC is Sunday 2025-01-26 04:00 in China, an adjusted working day.
    assert cal.is_working_day(datetime(2025, 1, 25, 20, 0, tzinfo=timezone.utc))
    assert not cal.is_working_day(datetime(2025, 1, 25, 20, 0))  # naive: China local Saturday


def test_counting_into_an_unknown_year_is_refused(cal: OfficialCalendar) -> None:
    with pytest.raises(UnknownYearError, match="2027"):
        add_working_days(cal, date(2026, 12, 28), 5)


# ---- loading a year ---------------------------------------------------------------------------------


def test_load_fixture_2027(cal: OfficialCalendar, year_2027: YearData, cal_2027: OfficialCalendar) -> None:
    assert "TEST FIXTURE" in year_2027.source  # fictitious data, never the official notice
    assert cal_2027.covers(2027) and not cal.covers(2027)  # the original calendar is unchanged
    assert cal_2027.years == tuple(range(2004, 2028))
    assert cal_2027.holiday_name(date(2027, 2, 10)) == "春节"
    assert cal_2027.is_working_day(date(2027, 2, 20))  # fixture's adjusted Saturday
    assert not cal_2027.is_working_day(date(2027, 2, 27))  # ordinary Saturday
    assert add_working_days(cal_2027, date(2026, 12, 28), 5) == date(2027, 1, 5)
    with pytest.raises(UnknownYearError, match="2031"):
        add_working_days(cal_2027, date(2031, 3, 3), 1)


def test_round_trip(year_2027: YearData, fixture_2027_text: str) -> None:
    assert year_2027.to_dict() == json.loads(fixture_2027_text)
    assert load_year_data(year_2027.to_dict()) == year_2027
    assert load_year_data(year_2027.to_json()) == year_2027
    assert load_year_data(year_2027.to_json().encode("utf-8")) == year_2027


def test_input_order_does_not_matter(fixture_2027_text: str, year_2027: YearData) -> None:
    doc = json.loads(fixture_2027_text)
    doc["holidays"].reverse()
    doc["adjusted_workdays"].reverse()
    assert load_year_data(doc) == year_2027


def test_versions(cal: OfficialCalendar, cal_2027: OfficialCalendar, fixture_2027_text: str) -> None:
    doc = json.loads(fixture_2027_text)
    with pytest.raises(CalendarVersionError, match="version 1"):
        cal_2027.with_year(load_year_data(doc))
    doc["version"] = 2
    doc["adjusted_workdays"].remove("2027-02-20")
    newer = cal_2027.with_year(load_year_data(doc))
    assert not newer.is_working_day(date(2027, 2, 20))
    assert cal_2027.is_working_day(date(2027, 2, 20))
    doc["version"] = 1
    with pytest.raises(CalendarVersionError):
        newer.with_year(load_year_data(doc))


def test_a_loaded_year_may_replace_builtin_data(cal: OfficialCalendar) -> None:
    doc = cal.year_data(2026).to_dict()
    assert doc["version"] == 0
    with pytest.raises(CalendarDataError, match="version"):
        load_year_data(doc)  # 0 is reserved for built-in data
    doc["version"] = 1
    doc["source"] = "更正 (correction, test)"
    doc["holidays"].append({"date": "2026-03-02", "name": "测试假日"})
    corrected = cal.with_year(load_year_data(doc))
    assert not corrected.is_working_day(date(2026, 3, 2))
    assert cal.is_working_day(date(2026, 3, 2))


def test_every_builtin_year_passes_the_loader(cal: OfficialCalendar) -> None:
    for year in cal.years:
        doc = cal.year_data(year).to_dict()
        doc["version"] = 1
        loaded, builtin = load_year_data(doc), cal.year_data(year)
        assert (loaded.holidays, loaded.adjusted_workdays) == (builtin.holidays, builtin.adjusted_workdays)


# ---- malformed documents ------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], Any]


def _set(key: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        doc[key] = value
    return mutate


def _drop(key: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        del doc[key]
    return mutate


def _add_holiday(day: str, name: str = "测试") -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        doc["holidays"].append({"date": day, "name": name})
    return mutate


def _add_workday(day: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        doc["adjusted_workdays"].append(day)
    return mutate


def _remove_new_year(doc: dict[str, Any]) -> None:
    doc["holidays"] = [h for h in doc["holidays"] if h["date"] != "2027-01-01"]


def _every_weekend(doc: dict[str, Any]) -> None:
    day = date(2027, 1, 1)
    while day.year == 2027:
        if day.weekday() >= 5 and day.isoformat() not in {h["date"] for h in doc["holidays"]}:
            doc["holidays"].append({"date": day.isoformat(), "name": "周末"})
        day += timedelta(days=1)
    doc["adjusted_workdays"] = []


def _holiday_extra_key(doc: dict[str, Any]) -> None:
    doc["holidays"][0]["official"] = True


MALFORMED: list[tuple[str, Mutation, str]] = [
    ("holiday of another year", _add_holiday("2026-12-31"), "2026-12-31不属于2027年"),
    ("workday of another year", _add_workday("2028-01-08"), "2028-01-08不属于2027年"),
    ("both holiday and workday", _add_workday("2027-02-13"), "既是节假日又是调休上班日"),
    ("workday on a Wednesday", _add_workday("2027-03-03"), "调休上班日只能是星期六或星期日"),
    ("no New Year's Day", _remove_new_year, "缺少元旦"),
    ("duplicate holiday", _add_holiday("2027-02-10", "春节"), "重复"),
    ("duplicate workday", _add_workday("2027-02-20"), "重复"),
    ("empty holiday name", _add_holiday("2027-03-01", "  "), "节日名称不能为空"),
    ("untrimmed holiday name", _add_holiday("2027-03-01", " 春节"), "首尾空白"),
    ("impossible date", _add_holiday("2027-02-30"), "日期无效"),
    ("slashed date", _add_holiday("2027/03/01"), "日期无效"),
    ("workday not a string", _add_workday(20270220), "日期无效"),
    ("every weekend listed", _every_weekend, "超过上限"),
    ("version 0", _set("version", 0), "version必须"),
    ("version as text", _set("version", "1"), "version必须"),
    ("version as bool", _set("version", True), "version必须"),
    ("year as text", _set("year", "2027"), "year必须"),
    ("year out of range", _set("year", 1999), "year必须"),
    ("empty source", _set("source", " "), "source必须"),
    ("note not text", _set("note", 5), "note必须"),
    ("unknown field", _set("holiday", []), "未知字段“holiday”"),
    ("missing field", _drop("adjusted_workdays"), "缺少字段“adjusted_workdays”"),
    ("holidays not a list", _set("holidays", {"2027-01-01": "元旦"}), "holidays必须是数组"),
    ("holiday with extra key", _holiday_extra_key, "只含date和name"),
]


@pytest.mark.parametrize(("mutate", "fragment"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_documents_are_rejected(fixture_2027_text: str, mutate: Mutation, fragment: str) -> None:
    doc = json.loads(fixture_2027_text)
    mutate(doc)
    with pytest.raises(CalendarDataError) as info:
        load_year_data(doc)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert fragment in message
    assert "(" in message and "invalid calendar data" in message  # English technical part


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "不是合法的JSON"),
        ('{"year": 2027, "year": 2028}', "字段“year”重复"),
        ("[]", "必须是一个JSON对象"),
        (b"\xff\xfe", "不是合法的JSON"),
    ],
)
def test_malformed_json_text(text: str | bytes, fragment: str) -> None:
    with pytest.raises(CalendarDataError, match=fragment):
        load_year_data(text)


def test_all_problems_are_reported_at_once(fixture_2027_text: str) -> None:
    doc = json.loads(fixture_2027_text)
    doc["adjusted_workdays"] += ["2027-03-03", "2028-01-08"]
    doc["holidays"].append({"date": "2027-13-01", "name": "x"})
    with pytest.raises(CalendarDataError) as info:
        load_year_data(doc)
    assert len(info.value.problems) == 3


def test_loading_does_not_modify_the_input(fixture_2027_text: str) -> None:
    doc = json.loads(fixture_2027_text)
    before = copy.deepcopy(doc)
    load_year_data(doc)
    assert doc == before


# ---- regional overrides ---------------------------------------------------------------------------------

REGION = "650000"


def _region_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "region": REGION,
        "year": 2025,
        "version": 1,
        "source": "TEST FIXTURE 地方节假日测试数据 (fictitious regional data for tests)",
        "holidays": [{"date": "2025-03-31", "name": "肉孜节（测试）"}],
        "adjusted_workdays": ["2025-03-29"],
    }
    doc.update(changes)
    return doc


@pytest.fixture(scope="module")
def regional(cal: OfficialCalendar) -> OfficialCalendar:
    return cal.with_region_year(load_region_year_data(_region_doc()))


def test_region_holiday_and_workday(cal: OfficialCalendar, regional: OfficialCalendar) -> None:
    monday, saturday = date(2025, 3, 31), date(2025, 3, 29)
    assert cal.is_working_day(monday) and not cal.is_working_day(saturday)
    assert not regional.is_working_day(monday, REGION)
    assert regional.holiday_name(monday, REGION) == "肉孜节（测试）"
    assert regional.is_working_day(saturday, REGION)
    assert regional.is_adjusted_workday(saturday, REGION)
    # the nation and other regions are unaffected
    assert regional.is_working_day(monday) and regional.is_working_day(monday, "110000")
    assert not regional.is_working_day(saturday, "110000")
    assert regional.regions == (REGION,) and regional.region_years(REGION) == (2025,)
    assert cal.regions == ()


def test_region_shifts_working_day_arithmetic(regional: OfficialCalendar) -> None:
    friday = date(2025, 3, 28)
    assert add_working_days(regional, friday, 1) == date(2025, 3, 31)
    assert add_working_days(regional, friday, 1, REGION) == date(2025, 3, 29)
    assert add_working_days(regional, friday, 2, REGION) == date(2025, 4, 1)


def test_region_year_without_data_is_refused(regional: OfficialCalendar) -> None:
    with pytest.raises(UnknownYearError) as info:
        regional.is_working_day(date(2026, 3, 2), REGION)
    assert info.value.region == REGION and info.value.year == 2026
    assert "地区650000" in str(info.value) and "region 650000, year 2026" in str(info.value)
    assert regional.is_working_day(date(2026, 3, 2))  # the national calendar knows 2026
    # years before the region's first loaded year follow the national calendar
    assert regional.is_working_day(date(2024, 3, 4), REGION)


def test_region_versions(regional: OfficialCalendar) -> None:
    with pytest.raises(CalendarVersionError):
        regional.with_region_year(load_region_year_data(_region_doc()))
    newer = regional.with_region_year(load_region_year_data(_region_doc(version=2, holidays=[], adjusted_workdays=[])))
    assert newer.is_working_day(date(2025, 3, 31), REGION)
    assert newer.region_year_data(REGION, 2025).version == 2
    data = newer.region_year_data(REGION, 2025)
    assert load_region_year_data(data.to_dict()) == data


def test_region_cannot_cancel_a_national_holiday(cal: OfficialCalendar) -> None:
    data = load_region_year_data(_region_doc(adjusted_workdays=["2025-02-01"]))  # Saturday in Spring Festival
    with pytest.raises(CalendarDataError, match="全国法定节假日"):
        cal.with_region_year(data)
    # built directly without the national year, national precedence still applies afterwards
    combined = OfficialCalendar([], [data]).with_year(cal.year_data(2025))
    assert not combined.is_working_day(date(2025, 2, 1), REGION)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"region": ""}, "region必须"),
        ({"region": "65 00"}, "region必须"),
        ({"region": 650000}, "region必须"),
        ({"adjusted_workdays": ["2025-03-31"]}, "既是节假日又是调休上班日"),
        ({"adjusted_workdays": ["2025-04-02"]}, "只能是星期六或星期日"),
        ({"holidays": [{"date": "2024-03-31", "name": "x"}]}, "不属于2025年"),
    ],
)
def test_malformed_region_documents(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(CalendarDataError, match=fragment):
        load_region_year_data(_region_doc(**changes))


def test_region_document_needs_region_field() -> None:
    doc = _region_doc()
    del doc["region"]
    with pytest.raises(CalendarDataError, match="缺少字段“region”"):
        load_region_year_data(doc)
    with pytest.raises(CalendarDataError, match="未知字段“region”"):
        load_year_data(_region_doc())


def test_year_data_constructor_validates() -> None:
    with pytest.raises(CalendarDataError, match="缺少元旦"):
        YearData(year=2027, version=1, source="x", holidays=(), adjusted_workdays=())
    with pytest.raises(CalendarDataError, match="region必须"):
        RegionYearData(region="", year=2027, version=1, source="x", holidays=(), adjusted_workdays=())


def test_duplicate_years_in_constructor(cal: OfficialCalendar) -> None:
    with pytest.raises(ValueError, match="2025"):
        OfficialCalendar([cal.year_data(2025), cal.year_data(2025)])
