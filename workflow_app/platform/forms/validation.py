"""Validating task submissions against their form (JSON Schema 2020-12) with a message per field in
Chinese and in English (docs/ui.md "Task forms").

Only fields the form declares are accepted: a submission can never overwrite process variables the form
does not show (for example a case's jurisdiction or its urgency flag). An error inside a list or object is
keyed by its path (``room_routes.0.code``) and, so that clients reading the top-level key keep working,
also by its field (``room_routes``).
"""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from workflow_app.platform.errors import Invalid

LANGUAGES = ("zh", "en")

_TYPE = {"zh": {"string": "文本", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "列表",
                "object": "对象", "null": "空值"},
         "en": {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "yes or no",
                "array": "a list", "object": "an object", "null": "empty"}}
_FORMAT = {"zh": {"date": "日期（YYYY-MM-DD）", "date-time": "日期时间", "email": "电子邮箱", "time": "时间"},
           "en": {"date": "date (YYYY-MM-DD)", "date-time": "date and time", "email": "email address",
                  "time": "time"}}

#: Message patterns by JSON Schema keyword and language; ``{label}`` and ``{value}`` are filled in.
_MESSAGES = {
    "required": {"zh": "请填写{label}", "en": "Please fill in {label}"},
    "type": {"zh": "{label}应为{value}", "en": "{label} must be {value}"},
    "minLength": {"zh": "{label}至少{value}个字", "en": "{label} needs at least {value} characters"},
    "maxLength": {"zh": "{label}最多{value}个字", "en": "{label} allows at most {value} characters"},
    "minimum": {"zh": "{label}不能小于{value}", "en": "{label} must not be less than {value}"},
    "maximum": {"zh": "{label}不能大于{value}", "en": "{label} must not be greater than {value}"},
    "exclusiveMinimum": {"zh": "{label}必须大于{value}", "en": "{label} must be greater than {value}"},
    "exclusiveMaximum": {"zh": "{label}必须小于{value}", "en": "{label} must be less than {value}"},
    "enum": {"zh": "{label}的取值不在允许范围内", "en": "{label} is not one of the allowed values"},
    "format": {"zh": "{label}不是有效的{value}", "en": "{label} is not a valid {value}"},
    "pattern": {"zh": "{label}格式不正确", "en": "{label} is not in the right format"},
    "minItems": {"zh": "{label}至少选择{value}项", "en": "{label} needs at least {value} entries"},
    "maxItems": {"zh": "{label}最多选择{value}项", "en": "{label} allows at most {value} entries"},
    "unknown": {"zh": "表单中没有字段“{label}”", "en": "the form has no field \"{label}\""},
    "other": {"zh": "{label}不符合要求", "en": "{label} is not acceptable"},
}
_ROW = {"zh": "{label}第{n}行的{cell}", "en": "{cell} in row {n} of {label}"}
_PART = {"zh": "{label}的{cell}", "en": "{cell} of {label}"}


def _texts(form: dict, lang: str) -> tuple[dict, dict]:
    ui = form.get("ui", {})
    return ui.get("labels", {}), (ui.get("translations", {}).get(lang, {}).get("labels", {}) if lang != "zh" else {})


def label_of(form: dict, field: str, lang: str = "zh") -> str:
    """A field's label (``field`` may be an item property as ``"room_routes.code"``) in ``lang``."""
    zh, tr = _texts(form, lang)
    prop = _prop_at(form["schema"], field.split("."))
    return tr.get(field) or zh.get(field) or (prop or {}).get("title") or field.rsplit(".", 1)[-1]


def _prop_at(schema: dict, keys: list[str]) -> dict | None:
    prop = schema
    for key in keys:
        if prop.get("type") == "array" or "items" in prop:
            prop = prop.get("items", {})
        prop = (prop.get("properties") or {}).get(key)
        if prop is None:
            return None
    return prop


def _path_label(form: dict, path: list, lang: str) -> str:
    """"诉求分送第1行的诉求代码" for ``["room_routes", 0, "code"]``; the plain label for a top-level field."""
    label = label_of(form, str(path[0]), lang)
    hint_key, row = str(path[0]), None
    for part in path[1:]:
        if isinstance(part, int):
            row = part + 1
            continue
        hint_key = f"{hint_key}.{part}"
        cell = label_of(form, hint_key, lang)
        label = (_ROW if row else _PART)[lang].format(label=label, n=row, cell=cell)
        row = None
    if row is not None:
        label = _ROW[lang].format(label=label, n=row, cell="").rstrip("的 ").rstrip() if lang == "zh" \
            else f"row {row} of {label}"
    return label


def _message(form: dict, path: list, error, lang: str) -> str:
    label = _path_label(form, path, lang)
    v, value = error.validator, error.validator_value
    if v == "type":
        expected = value if isinstance(value, str) else value[0]
        value = _TYPE[lang].get(expected, expected)
    elif v == "format":
        value = _FORMAT[lang].get(value, value)
    elif v == "minLength" and value == 1:
        v = "required"
    elif v == "const":
        v = "enum"
    pattern = _MESSAGES.get(v, _MESSAGES["other"])[lang]
    return pattern.format(label=label, value=value)


def _key(path: list) -> str:
    return ".".join(str(p) for p in path)


def messages(form: dict, data: Any, lang: str = "zh") -> dict[str, str]:
    """Every problem of ``data`` against the form, ``{field or path: message}`` in ``lang``; empty when
    the data is acceptable."""
    if not isinstance(data, dict):
        return {"_": "提交的数据格式不正确" if lang == "zh" else "the form data must be an object"}
    schema = form["schema"]
    declared = schema.get("properties", {})
    errors: dict[str, str] = {}
    for key in data:
        if key not in declared:
            errors[str(key)] = _MESSAGES["unknown"][lang].format(label=key)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            for field in error.validator_value:
                if field not in instance:
                    _add(errors, list(error.path) + [field], _message(form, list(error.path) + [field], error, lang))
            continue
        path = list(error.path)
        if not path:
            errors.setdefault("_", _message(form, ["_"], error, lang))
            continue
        _add(errors, path, _message(form, path, error, lang))
    return errors


def _add(errors: dict, path: list, message: str) -> None:
    errors.setdefault(_key(path), message)
    if len(path) > 1:
        errors.setdefault(str(path[0]), message)


def validate(form: dict, data: Any) -> dict:
    """Return the accepted data or raise :class:`Invalid` with ``errors`` = {field: 中文消息} and the same
    keys in English as ``errors_en``."""
    errors = messages(form, data, "zh")
    if errors:
        errors_en = messages(form, data, "en")
        summary = "；".join(v for k, v in errors.items() if "." not in k)
        if not isinstance(data, dict):
            raise Invalid("提交的数据格式不正确", "form data must be a JSON object", errors=errors, errors_en=errors_en)
        raise Invalid(f"表单填写有误：{summary}",
                      "form data does not match the form schema: " + "; ".join(
                          v for k, v in errors_en.items() if "." not in k),
                      errors=errors, errors_en=errors_en)
    return data
