"""The registration's validation answers every problem in Chinese (``errors``) and, from the same run, in
English (``errors_en``, same keys) with an English ``detail`` (docs/intake.md "Messages in two languages").

The schema is loaded directly (no database) against the small catalogue of test_registration_schema.py.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.intake.conftest import NOW
from tests.intake.helpers import claim, registration
from tests.intake.test_registration_schema import BUREAUS, CATALOG, PARENTS, loaded
from workflow_app.domain.intake.registration_schema import load
from workflow_app.platform.errors import Invalid


def refusal(data) -> Invalid:
    with pytest.raises(Invalid) as raised:
        loaded(data)
    return raised.value


def assert_english_for_every_key(error: Invalid) -> None:
    errors, errors_en = error.extra["errors"], error.extra["errors_en"]
    assert set(errors_en) == set(errors)
    for key, text in errors_en.items():
        assert text and text.isascii(), (key, text)


def test_a_registration_with_many_problems_has_english_messages_for_every_key():
    data = registration(
        claim("wage_arrears", amount=-5, months_unpaid=1.5),
        claim("wage_arrears"),
        claim("no_such_issue"),
        kind="complaint", channel="transfer", workers_affected=0, received_at="yesterday",
        violation_ended_on="2026-13-01", description=5,
        complainant={"name": "", "id_number": "410105199001011234", "phone": "123", "nickname": "x"},
        employer={"name": "", "uscc": "91410105MA12345678", "district": "ly-laocheng"})
    error = refusal(data)
    assert_english_for_every_key(error)
    errors, errors_en = error.extra["errors"], error.extra["errors_en"]
    assert len(errors) >= 10
    assert errors["complainant.phone"].startswith("手机号码应为11位")
    assert errors_en["complainant.phone"] == "A mobile number has 11 digits, not 3"
    assert errors_en["complainant.nickname"] == 'Unknown field "nickname"'
    assert errors_en["workers_affected"] == "The number of workers concerned must not be less than 1"
    assert errors_en["claims[0].amount"] == 'The amount claimed for "wage_arrears" must not be negative'
    assert errors_en["claims[1].code"] == 'The claim "wage_arrears" is registered twice; please make it one'
    assert errors_en["source_department"] == "Please fill in the referring department"
    assert error.detail.startswith("registration does not validate: ")
    assert error.english.startswith("The registration has problems: ")


def test_a_missing_employer_and_claims_are_named_in_english():
    data = registration(kind="complaint")
    del data["employer"], data["claims"]
    error = refusal(data)
    assert_english_for_every_key(error)
    assert error.extra["errors"]["employer"] == "请填写被投诉举报用人单位"
    assert error.extra["errors_en"]["employer"] == "Please fill in the employer complained about"
    assert error.extra["errors_en"]["claims"] == "Please register at least one claim"


def test_identifier_problems_have_english():
    error = refusal(registration(complainant={"id_number": "41010519900101123X", "phone": "0371-123"},
                                 employer={"uscc": "123456789012345"}))
    assert_english_for_every_key(error)
    assert error.extra["errors"]["employer.uscc"].startswith("这是15位的旧版工商注册号")
    assert error.extra["errors_en"]["employer.uscc"].startswith("This is an old 15-digit business registration")


def test_a_registration_that_is_not_an_object_is_refused_in_both_languages():
    error = refusal(["not", "an", "object"])
    assert_english_for_every_key(error)
    assert error.english == "The registration must be a JSON object."


def test_a_claim_is_named_by_its_english_catalogue_name():
    codes = {**CATALOG.issue_codes, "wage_arrears": replace(CATALOG.issue_codes["wage_arrears"], label_en="Wage arrears")}
    with pytest.raises(Invalid) as raised:
        load(registration(claim("wage_arrears", amount=0.001)), catalog=replace(CATALOG, issue_codes=codes),
             bureaus=BUREAUS, window="zz-jinshui", parents=PARENTS, now=NOW)
    assert raised.value.extra["errors"]["claims[0].amount"] == "“拖欠工资”的金额最多保留两位小数"
    assert raised.value.extra["errors_en"]["claims[0].amount"] == \
        'The amount claimed for "Wage arrears" has at most two decimals'
