"""Task form validation on its own: nested errors keyed by path (and by field), the schema's conditional
rules, and the messages in Chinese and English (docs/ui.md "Task forms"). No database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflow_app.platform.errors import Invalid
from workflow_app.platform.forms.validation import messages, validate

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _form(name: str) -> dict:
    return json.loads((FORMS / f"{name}.json").read_text("utf-8"))


def _errors(form, data):
    with pytest.raises(Invalid) as raised:
        validate(form, data)
    return raised.value


def test_an_error_in_a_table_cell_is_keyed_by_its_path_and_by_its_field():
    error = _errors(_form("triage_room_review"), {"room_decision": "route", "room_opinion": "同意分送",
                                                  "room_routes": [{"code": "C1", "body": "inspection"}, {"code": "C2"}]})
    assert error.extra["errors"] == {"room_routes.1.body": "请填写诉求分送第2行的办理机构",
                                     "room_routes": "请填写诉求分送第2行的办理机构"}
    assert error.extra["errors_en"]["room_routes.1.body"] == "Please fill in Handling body in row 2 of Routing of claims"
    assert error.message == "表单填写有误：请填写诉求分送第2行的办理机构"
    assert "Handling body in row 2" in error.detail


def test_a_wrong_value_in_a_cell_names_the_row_and_the_column():
    errors = messages(_form("triage_room_review"), {"room_decision": "route", "room_opinion": "同意分送",
                                                   "room_routes": [{"code": "C1", "body": "police"}]})
    assert errors["room_routes.0.body"] == "诉求分送第1行的办理机构的取值不在允许范围内"


def test_the_branch_of_a_conditional_applies_only_when_its_condition_holds():
    form = _form("collab_transfer_package")
    assert validate(form, {"send": True, "materials": ["移送书"], "letter": "现将案件移送贵局依法处理。"})
    assert validate(form, {"send": False, "refusal_reason": "不属于移送范围"})
    assert messages(form, {"send": False}) == {"refusal_reason": "请填写不同意移送的理由"}
    assert messages(form, {"send": True}) == {"materials": "请填写移送材料", "letter": "请填写案件移送函"}
    assert messages(form, {"send": True, "materials": [], "letter": "短"}) == \
        {"materials": "移送材料至少选择1项", "letter": "案件移送函至少10个字"}


def test_not_accepting_a_case_needs_a_reason():
    form = _form("case_acceptance")
    assert messages(form, {"accepted": False, "acceptance_opinion": "不予受理"}) == {"refusal_reason": "请填写不予受理理由"}
    assert messages(form, {"accepted": True, "acceptance_opinion": "同意受理"}) == {}


def test_messages_in_english_use_the_forms_english_labels():
    form = _form("case_acceptance")
    assert messages(form, {"accepted": "maybe", "acceptance_opinion": "x"}, "en") == {
        "accepted": "Accept the case must be yes or no",
        "acceptance_opinion": "Accept the case needs at least 2 characters".replace("Accept the case", "Acceptance opinion")}


def test_fields_the_form_does_not_declare_are_refused_in_both_languages():
    error = _errors(_form("approval"), {"approved": True, "approval_opinion": "同意", "jurisdiction": "x"})
    assert error.extra["errors"] == {"jurisdiction": "表单中没有字段“jurisdiction”"}
    assert error.extra["errors_en"] == {"jurisdiction": "the form has no field \"jurisdiction\""}


def test_data_that_is_not_an_object_is_refused():
    error = _errors(_form("approval"), ["x"])
    assert error.extra["errors"] == {"_": "提交的数据格式不正确"}
