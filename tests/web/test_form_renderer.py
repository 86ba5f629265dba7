"""The task form renderer on its own: schema + UI hints + values + errors -> field descriptions, and a
submitted form -> typed data. No database, no Flask app."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from workflow_app.entrypoints.web.form_renderer import form_fields, parse_form_data


def _form(properties: dict, required=(), **ui) -> dict:
    return {"schema": {"type": "object", "properties": properties, "required": list(required)}, "ui": ui}


def _field(form: dict, name: str, values: dict | None = None, **kw) -> dict:
    return {f["name"]: f for f in form_fields(form, values or {}, **kw)}[name]


# -- rendering ---------------------------------------------------------------------------------------

def test_fields_follow_the_ui_order_then_the_schema_order():
    form = _form({"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}, order=["c", "x", "a"])
    assert [f["name"] for f in form_fields(form, {})] == ["c", "a", "b"]


def test_label_comes_from_the_ui_then_the_schema_title_then_the_name():
    form = _form({"a": {"type": "string", "title": "标题A"}, "b": {"type": "string", "title": "标题B"},
                  "c": {"type": "string"}}, labels={"a": "界面A"})
    assert [f["label"] for f in form_fields(form, {})] == ["界面A", "标题B", "c"]


def test_a_string_is_a_text_input_with_its_maximum_length():
    field = _field(_form({"note": {"type": "string", "maxLength": 50}}), "note")
    assert field["widget"] == "text" and field["type"] == "string" and field["maxlength"] == 50


def test_a_field_without_a_type_is_a_string():
    field = _field(_form({"note": {}}), "note")
    assert field["type"] == "string" and field["widget"] == "text"


def test_a_long_string_is_a_text_area():
    assert _field(_form({"note": {"type": "string", "maxLength": 201}}), "note")["widget"] == "textarea"
    assert _field(_form({"note": {"type": "string", "maxLength": 200}}), "note")["widget"] == "text"


def test_an_enum_is_a_select_with_the_ui_labels_and_unlabelled_values_as_they_are():
    form = _form({"kind": {"type": "string", "enum": ["a", "b"]}}, enumLabels={"kind": {"a": "甲"}})
    field = _field(form, "kind")
    assert field["widget"] == "select" and field["options"] == [("a", "甲"), ("b", "b")]


def test_enum_values_are_offered_as_text():
    field = _field(_form({"level": {"type": "integer", "enum": [1, 2]}}), "level")
    assert field["widget"] == "select" and field["options"] == [("1", "1"), ("2", "2")]


def test_an_array_of_enum_values_is_a_set_of_check_boxes():
    form = _form({"tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}}},
                 enumLabels={"tags": {"y": "乙"}})
    field = _field(form, "tags", {"tags": ["y"]})
    assert field["widget"] == "checkboxes" and field["options"] == [("x", "x"), ("y", "乙")]
    assert field["value"] == ["y"]


def test_a_boolean_is_a_yes_no_radio_and_its_value_is_text():
    form = _form({"ok": {"type": "boolean"}})
    assert _field(form, "ok")["widget"] == "radio"
    assert _field(form, "ok")["options"] == [("true", "是"), ("false", "否")]
    assert _field(form, "ok", {"ok": True})["value"] == "true"
    assert _field(form, "ok", {"ok": False})["value"] == "false"
    assert _field(form, "ok")["value"] is None


def test_an_integer_is_a_number_input_in_steps_of_one_with_its_bounds():
    field = _field(_form({"days": {"type": "integer", "minimum": 1, "maximum": 30}}), "days")
    assert field["widget"] == "number" and field["step"] == "1" and (field["min"], field["max"]) == (1, 30)


def test_a_number_is_a_number_input_in_hundredths():
    field = _field(_form({"amount": {"type": "number"}}), "amount")
    assert field["widget"] == "number" and field["step"] == "0.01" and field["min"] is None


def test_a_date_is_a_date_input():
    assert _field(_form({"on": {"type": "string", "format": "date"}}), "on")["widget"] == "date"


def test_a_widget_hint_overrides_the_schema():
    form = _form({"note": {"type": "string"}, "ok": {"type": "boolean"}}, widgets={"note": "textarea"})
    assert _field(form, "note")["widget"] == "textarea" and _field(form, "ok")["widget"] == "radio"


def test_required_fields_are_marked():
    form = _form({"a": {"type": "string"}, "b": {"type": "string"}}, required=["a"])
    assert _field(form, "a")["required"] is True and _field(form, "b")["required"] is False


def test_help_comes_from_the_ui_then_the_schema_description():
    form = _form({"a": {"type": "string", "description": "说明A"}, "b": {"type": "string", "description": "说明B"},
                  "c": {"type": "string"}}, help={"a": "帮助A"})
    assert [f["help"] for f in form_fields(form, {})] == ["帮助A", "说明B", None]


def test_inline_errors_are_attached_to_their_fields():
    form = _form({"a": {"type": "string"}, "b": {"type": "string"}})
    fields = form_fields(form, {}, {"a": "请填写", "_": "表单有误"})
    assert [(f["name"], f["error"]) for f in fields] == [("a", "请填写"), ("b", None)]


def test_values_are_kept_after_a_failed_submit():
    form = _form({"days": {"type": "integer"}, "note": {"type": "string"}})
    fields = {f["name"]: f for f in form_fields(form, {"days": "abc", "note": "已核实"}, {"days": "应为整数"})}
    assert fields["days"]["value"] == "abc" and fields["days"]["error"] == "应为整数"
    assert fields["note"]["value"] == "已核实"


def test_a_field_without_a_value_has_none():
    assert _field(_form({"note": {"type": "string"}}), "note")["value"] is None


def test_fields_are_editable_unless_the_view_is_read_only():
    form = _form({"a": {"type": "string"}, "b": {"type": "boolean"}})
    assert all(not f["readonly"] for f in form_fields(form, {}))
    assert all(f["readonly"] for f in form_fields(form, {}, editable=False))


def test_a_form_without_schema_has_no_fields():
    assert form_fields({}, {}) == []


# -- parsing a submitted form ------------------------------------------------------------------------

def test_submitted_booleans_become_booleans():
    form = _form({"ok": {"type": "boolean"}, "no": {"type": "boolean"}, "odd": {"type": "boolean"}})
    assert parse_form_data(form, MultiDict({"ok": "true", "no": "false", "odd": "maybe"})) == \
        {"ok": True, "no": False, "odd": "maybe"}


def test_submitted_integers_become_integers_and_other_text_stays_for_validation():
    form = _form({"a": {"type": "integer"}, "b": {"type": "integer"}})
    assert parse_form_data(form, MultiDict({"a": " 3 ", "b": "3天"})) == {"a": 3, "b": "3天"}


def test_submitted_numbers_keep_their_decimals():
    form = _form({"a": {"type": "number"}, "b": {"type": "number"}, "c": {"type": "number"}, "d": {"type": "number"}})
    data = parse_form_data(form, MultiDict({"a": "3", "b": "3.0", "c": "2.5", "d": "x"}))
    assert data == {"a": 3, "b": 3.0, "c": 2.5, "d": "x"} and isinstance(data["a"], int) and isinstance(data["b"], float)


def test_empty_and_missing_fields_are_left_out_and_text_is_trimmed():
    form = _form({"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}})
    assert parse_form_data(form, MultiDict({"a": "  ", "b": " x "})) == {"b": "x"}


def test_fields_outside_the_schema_are_ignored():
    assert parse_form_data(_form({"a": {"type": "string"}}), MultiDict({"a": "1", "evil": "2"})) == {"a": "1"}


def test_check_boxes_become_a_typed_list_and_sent_empty_an_empty_list():
    form = _form({"tags": {"type": "array", "items": {"type": "integer"}},
                  "none": {"type": "array", "items": {"type": "string"}},
                  "absent": {"type": "array", "items": {"type": "string"}}})
    data = parse_form_data(form, MultiDict([("tags", "1"), ("tags", ""), ("tags", "2"), ("none", "")]))
    assert data == {"tags": [1, 2], "none": []}
