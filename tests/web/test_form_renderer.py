"""The task form renderer on its own: schema + UI hints + values + errors -> field descriptions, and a
submitted form -> typed data. No database, no Flask app."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from workflow_app.entrypoints.web.form_renderer import form_fields, parse_form_data, prefilled, uses_pickers


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


# -- every shape ---------------------------------------------------------------------------------------

ROOM = {"schema": {"type": "object", "properties": {
    "decision": {"type": "string", "enum": ["route", "hearing"]},
    "routes": {"type": "array", "title": "诉求分送", "items": {"type": "object", "required": ["code", "body"], "properties": {
        "code": {"type": "string", "title": "诉求代码"}, "body": {"type": "string", "enum": ["inspection", "arbitration"]}}}},
    "reason": {"type": "string"}},
    "allOf": [{"if": {"properties": {"decision": {"const": "route"}}, "required": ["decision"]},
               "then": {"required": ["routes"]}},
              {"if": {"properties": {"decision": {"const": "hearing"}}, "required": ["decision"]},
               "then": {"required": ["reason"]}}]},
    "ui": {"labels": {"routes.body": "办理机构"}, "enumLabels": {"routes.body": {"inspection": "劳动保障监察"}},
           "translations": {"en": {"labels": {"routes": "Routing", "routes.body": "Body"},
                                   "enumLabels": {"routes.body": {"inspection": "Inspection"}}}}}}


def test_an_array_of_objects_is_a_table_with_a_column_per_property_and_blank_rows():
    field = _field(ROOM, "routes", {"routes": [{"code": "C1", "body": "inspection"}]})
    assert field["widget"] == "table"
    assert [(c["name"], c["label"], c["required"]) for c in field["columns"]] == \
        [("code", "诉求代码", True), ("body", "办理机构", True)]
    assert len(field["rows"]) == 3  # the row entered and two blank ones
    code, body = field["rows"][0]
    assert code["html_name"] == "routes[0][code]" and code["value"] == "C1"
    assert body["widget"] == "select" and body["options"] == [("inspection", "劳动保障监察"), ("arbitration", "arbitration")]
    assert field["rows"][2][0]["html_name"] == "routes[2][code]" and field["rows"][2][0]["value"] is None
    assert field["template"][0]["html_name"] == "routes[__INDEX__][code]"


def test_a_read_only_table_has_only_its_rows_with_their_labels():
    field = _field(ROOM, "routes", {"routes": [{"code": "C1", "body": "inspection"}]}, editable=False)
    assert [[c["display"] for c in row] for row in field["rows"]] == [["C1", "劳动保障监察"]]


def test_an_error_in_a_cell_is_shown_at_the_cell_not_on_the_table():
    errors = {"routes": "请填写诉求分送第1行的办理机构", "routes.0.body": "请填写诉求分送第1行的办理机构"}
    field = _field(ROOM, "routes", {"routes": [{"code": "C1"}]}, errors=errors)
    assert field["error"] is None and field["rows"][0][1]["error"] == "请填写诉求分送第1行的办理机构"
    assert field["rows"][0][0]["error"] is None


def test_an_array_of_strings_without_enum_is_a_list_of_rows():
    form = _form({"materials": {"type": "array", "items": {"type": "string"}}})
    field = _field(form, "materials", {"materials": ["移送书"]})
    assert field["widget"] == "list"
    assert [(i["html_name"], i["value"]) for i in field["entries"]] == \
        [("materials[0]", "移送书"), ("materials[1]", None), ("materials[2]", None)]


def test_an_object_is_a_fieldset_of_its_members():
    form = _form({"address": {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string", "title": "城市"}, "street": {"type": "string"}}}})
    field = _field(form, "address", {"address": {"city": "上海"}})
    assert field["widget"] == "fieldset"
    assert [(c["html_name"], c["label"], c["required"], c["value"]) for c in field["children"]] == \
        [("address[city]", "城市", True, "上海"), ("address[street]", "street", False, None)]


def test_dates_date_times_and_amounts_are_shown_zh_cn_style():
    form = _form({"on": {"type": "string", "format": "date"}, "at": {"type": "string", "format": "date-time"},
                  "owed": {"type": "number", "x-unit": "yuan"}, "paid": {"type": "number"}}, widgets={"paid": "amount"})
    fields = {f["name"]: f for f in form_fields(form, {"on": "2026-11-20", "at": "2026-11-20T02:00:00+00:00",
                                                        "owed": 36000, "paid": 12.5}, editable=False)}
    assert fields["on"]["widget"] == "date" and fields["on"]["display"] == "2026年11月20日"
    assert fields["at"]["widget"] == "datetime" and fields["at"]["display"] == "2026-11-20 10:00"
    assert fields["at"]["value"] == "2026-11-20T10:00"  # the datetime-local input, in China time
    assert fields["owed"]["widget"] == "amount" and fields["owed"]["display"] == "¥36,000.00"
    assert fields["paid"]["display"] == "¥12.50"


def test_user_and_group_pickers_offer_the_choices_given():
    form = _form({"who": {"type": "string"}, "team": {"type": "string"}}, widgets={"who": "user", "team": "group"})
    choices = {"user": [("inspector", "王监察")], "group": [("b/inspection/inspector", "劳动保障监察·劳动保障监察员")]}
    fields = {f["name"]: f for f in form_fields(form, {"who": "inspector"}, choices=choices, editable=False)}
    assert fields["who"]["options"] == [("inspector", "王监察")] and fields["who"]["display"] == "王监察"
    assert fields["team"]["widget"] == "group" and fields["team"]["options"] == choices["group"]


def test_a_files_field_holds_a_list_of_attachment_ids():
    form = _form({"evidence": {"type": "array", "items": {"type": "string"}}}, widgets={"evidence": "files"})
    assert _field(form, "evidence", {"evidence": ["a1"]})["value"] == ["a1"]
    assert parse_form_data(form, MultiDict([("evidence", ""), ("evidence", "a1"), ("evidence", "a2")])) == \
        {"evidence": ["a1", "a2"]}


def test_the_english_page_uses_the_forms_translations_and_falls_back_to_chinese():
    field = _field(ROOM, "routes", {}, locale="en")
    assert field["label"] == "Routing" and field["columns"][0]["label"] == "诉求代码"
    assert field["rows"][0][1]["options"] == [("inspection", "Inspection"), ("arbitration", "arbitration")]
    assert _field(_form({"ok": {"type": "boolean"}}), "ok", locale="en")["options"] == [("true", "Yes"), ("false", "No")]


def test_conditional_rules_become_show_and_required_rules_of_the_fields():
    routes, reason, decision = _field(ROOM, "routes"), _field(ROOM, "reason"), _field(ROOM, "decision")
    assert routes["show_when"] == [{"all": [{"field": "decision", "values": ["route"], "negate": False}]}]
    assert routes["required_when"] == routes["show_when"]
    assert reason["show_when"] == [{"all": [{"field": "decision", "values": ["hearing"], "negate": False}]}]
    assert decision["show_when"] is None


def test_an_else_branch_shows_its_fields_when_the_answer_differs_and_dependent_required_marks_required():
    form = {"schema": {"type": "object", "properties": {"send": {"type": "boolean"}, "why": {"type": "string"},
                                                        "phone": {"type": "string"}, "name": {"type": "string"}},
                       "if": {"properties": {"send": {"const": True}}}, "else": {"required": ["why"]},
                       "dependentRequired": {"phone": ["name"]}}}
    fields = {f["name"]: f for f in form_fields(form, {})}
    assert fields["why"]["show_when"] == [{"all": [{"field": "send", "values": ["true"], "negate": True}]}]
    assert fields["name"]["required_when"] == [{"all": [{"field": "phone", "present": True}]}]
    assert fields["name"]["show_when"] is None


# -- parsing nested names --------------------------------------------------------------------------------

def test_table_rows_are_rebuilt_from_their_names_and_fully_empty_rows_dropped():
    source = MultiDict([("routes[0][code]", "C1"), ("routes[0][body]", "inspection"), ("routes[1][code]", ""),
                        ("routes[1][body]", ""), ("routes[2][code]", " C2 "), ("routes[2][body]", ""),
                        ("routes[10][code]", "C3"), ("routes[10][body]", "arbitration")])
    assert parse_form_data(ROOM, source)["routes"] == [
        {"code": "C1", "body": "inspection"}, {"code": "C2"}, {"code": "C3", "body": "arbitration"}]


def test_a_table_left_blank_is_an_empty_list_and_an_absent_one_is_left_out():
    assert parse_form_data(ROOM, MultiDict([("routes[0][code]", ""), ("routes[0][body]", "")])) == {"routes": []}
    assert parse_form_data(ROOM, MultiDict([("decision", "route")])) == {"decision": "route"}


def test_list_items_and_object_members_are_rebuilt_and_typed():
    form = _form({"materials": {"type": "array", "items": {"type": "string"}},
                  "ids": {"type": "array", "items": {"type": "integer"}},
                  "address": {"type": "object", "properties": {"city": {"type": "string"}, "floor": {"type": "integer"}}},
                  "at": {"type": "string", "format": "date-time"}})
    source = MultiDict([("materials[0]", "移送书"), ("materials[1]", ""), ("materials[2]", "调查报告"),
                        ("ids[0]", "3"), ("address[city]", "上海"), ("address[floor]", "5"), ("at", "2026-11-20T10:00")])
    assert parse_form_data(form, source) == {"materials": ["移送书", "调查报告"], "ids": [3],
                                             "address": {"city": "上海", "floor": 5}, "at": "2026-11-20T10:00:00+08:00"}


def test_odd_names_are_ignored():
    form = _form({"a": {"type": "string"}})
    assert parse_form_data(form, MultiDict([("a[", "x"), ("a]b", "y"), ("a", "z")])) == {"a": "z"}


def test_only_forms_with_a_picker_need_the_directory():
    from workflow_app.entrypoints.web.form_renderer import uses_pickers
    assert uses_pickers(_form({"who": {"type": "string"}}, widgets={"who": "user"}))
    assert not uses_pickers(_form({"who": {"type": "string"}}, widgets={"who": "textarea"}))
    assert not uses_pickers(None)


ROUTES_FORM = {"schema": {"type": "object", "properties": {"routes": {"type": "array", "items": {
    "type": "object", "properties": {"code": {"type": "string"}, "body": {"type": "string", "enum": ["inspection"]}}}}}},
    "ui": {"widgets": {"routes": "table", "routes.code": "claim"},
           "prefill": {"routes": {"claims": "triage_room", "column": "code"}}}}
CASE_CLAIMS = [{"code": "wage_arrears", "label": "拖欠工资", "route": "triage_room"},
               {"code": "insurance", "label": "未缴社会保险", "route": "si_audit"},
               {"code": "dismissal", "label": "解除劳动合同争议", "route": "triage_room"}]


def test_a_claim_column_offers_the_cases_claims_by_name_and_reads_back_by_name():
    choices = {"claim": [(c["code"], c["label"]) for c in CASE_CLAIMS]}
    field = form_fields(ROUTES_FORM, {"routes": [{"code": "dismissal"}]}, choices=choices)[0]
    cell = field["rows"][0][0]
    assert cell["widget"] == "claim" and ("dismissal", "解除劳动合同争议") in cell["options"]
    shown = form_fields(ROUTES_FORM, {"routes": [{"code": "dismissal", "body": "inspection"}]}, editable=False,
                        choices=choices)[0]
    assert shown["rows"][0][0]["display"] == "解除劳动合同争议"
    assert uses_pickers(ROUTES_FORM, ("claim",)) and not uses_pickers(ROUTES_FORM, ("user", "group"))


def test_a_table_starts_with_one_row_per_claim_of_the_prefill_route():
    assert prefilled(ROUTES_FORM, CASE_CLAIMS) == {"routes": [{"code": "wage_arrears"}, {"code": "dismissal"}]}
    every = {"ui": {"prefill": {"routes": {"claims": "*", "column": "code"}}}}
    assert len(prefilled(every, CASE_CLAIMS)["routes"]) == 3
    assert prefilled({"ui": {"prefill": {"routes": "nonsense"}}}, CASE_CLAIMS) == {}
    assert prefilled(ROUTES_FORM, []) == {}
