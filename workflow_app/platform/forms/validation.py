"""Validating task submissions against their form (JSON Schema 2020-12) with Chinese messages per field.

Only fields the form declares are accepted: a submission can never overwrite process variables the form
does not show (for example a case's jurisdiction or its urgency flag).
"""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from workflow_app.platform.errors import Invalid

_TYPE_ZH = {"string": "文本", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "列表",
            "object": "对象", "null": "空值"}
_FORMAT_ZH = {"date": "日期（YYYY-MM-DD）", "date-time": "日期时间", "email": "电子邮箱", "time": "时间"}


def label_of(form: dict, field: str) -> str:
    ui = form.get("ui", {})
    return ui.get("labels", {}).get(field) or form["schema"].get("properties", {}).get(field, {}).get("title") or field


def _message(form: dict, field: str, error) -> str:
    label = label_of(form, field)
    v, value = error.validator, error.validator_value
    if v == "required":
        return f"请填写{label}"
    if v == "type":
        expected = value if isinstance(value, str) else value[0]
        return f"{label}应为{_TYPE_ZH.get(expected, expected)}"
    if v == "minLength":
        return f"请填写{label}" if value == 1 else f"{label}至少{value}个字"
    if v == "maxLength":
        return f"{label}最多{value}个字"
    if v == "minimum":
        return f"{label}不能小于{value}"
    if v == "maximum":
        return f"{label}不能大于{value}"
    if v == "exclusiveMinimum":
        return f"{label}必须大于{value}"
    if v == "exclusiveMaximum":
        return f"{label}必须小于{value}"
    if v in ("enum", "const"):
        return f"{label}的取值不在允许范围内"
    if v == "format":
        return f"{label}不是有效的{_FORMAT_ZH.get(value, value)}"
    if v == "pattern":
        return f"{label}格式不正确"
    if v in ("minItems",):
        return f"{label}至少选择{value}项"
    if v in ("maxItems",):
        return f"{label}最多选择{value}项"
    return f"{label}不符合要求"


def validate(form: dict, data: Any) -> dict:
    """Return the accepted data or raise :class:`Invalid` with ``errors`` = {field: 中文消息}."""
    if not isinstance(data, dict):
        raise Invalid("提交的数据格式不正确", "form data must be a JSON object", errors={"_": "提交的数据格式不正确"})
    schema = form["schema"]
    declared = schema.get("properties", {})
    errors: dict[str, str] = {}
    for key in data:
        if key not in declared:
            errors[str(key)] = f"表单中没有字段“{key}”"
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            for field in error.validator_value:
                if field not in instance:
                    errors.setdefault(field, _message(form, field, error))
            continue
        field = str(error.path[0]) if error.path else "_"
        errors.setdefault(field, _message(form, field, error))
    if errors:
        summary = "；".join(errors.values())
        raise Invalid(f"表单填写有误：{summary}", "form data does not match the form schema", errors=errors)
    return data
