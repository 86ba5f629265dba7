"""A task form's round trip: its JSON Schema and UI hints, with the values and the errors of the moment,
become the field descriptions ``templates/web/tasks/_task_form.html`` draws; a submitted form becomes the
data the schema validates.

UI hints (all optional): ``order`` (field names first, the others follow in schema order), ``labels``,
``widgets`` (a field's widget by name), ``enumLabels`` (``{field: {value: label}}``), ``help``.
Without a widget hint a field's widget follows its schema: boolean -> radio (是/否), array -> checkboxes,
enum -> select, ``format: date`` -> date, integer/number -> number, ``maxLength`` over 200 -> textarea,
otherwise text. Pure: no database, no request.
"""
from __future__ import annotations

#: Longer strings get a text area.
TEXTAREA_FROM = 200
BOOLEAN_OPTIONS = [("true", "是"), ("false", "否")]


def _default_widget(prop: dict, kind: str, enum) -> str:
    if kind == "boolean":
        return "radio"
    if kind == "array":
        return "checkboxes"
    if enum:
        return "select"
    if prop.get("format") == "date":
        return "date"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("maxLength", 0) > TEXTAREA_FROM:
        return "textarea"
    return "text"


def form_fields(form: dict, values: dict, errors: dict | None = None, editable: bool = True) -> list[dict]:
    """One description per field, in display order: name, label, type, widget, options ((value, label)
    pairs), required, help, value (a boolean as "true"/"false"), min/max/maxlength/step, the field's
    error message (or None) and whether it is read-only (a task not held by the reader)."""
    errors = errors or {}
    schema, ui = form.get("schema", {}), form.get("ui", {})
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = [f for f in ui.get("order", []) if f in props] + [f for f in props if f not in ui.get("order", [])]
    labels, widgets = ui.get("labels", {}), ui.get("widgets", {})
    enum_labels, helps = ui.get("enumLabels", {}), ui.get("help", {})
    fields = []
    for name in order:
        prop = props[name]
        kind = prop.get("type", "string")
        options = []
        enum = prop.get("enum") or (prop.get("items", {}).get("enum") if kind == "array" else None)
        if enum:
            options = [(str(v), enum_labels.get(name, {}).get(str(v), str(v))) for v in enum]
        widget = widgets.get(name) or _default_widget(prop, kind, enum)
        if kind == "boolean" and not options:
            options = list(BOOLEAN_OPTIONS)
        value = values.get(name)
        if kind == "boolean" and value is not None:
            value = "true" if value else "false"
        fields.append({"name": name, "label": labels.get(name) or prop.get("title") or name, "type": kind,
                       "widget": widget, "options": options, "required": name in required,
                       "help": helps.get(name) or prop.get("description"), "value": value,
                       "min": prop.get("minimum"), "max": prop.get("maximum"), "maxlength": prop.get("maxLength"),
                       "step": "1" if kind == "integer" else "0.01",
                       "error": errors.get(name), "readonly": not editable})
    return fields


def parse_form_data(form: dict, source) -> dict:
    """The submitted values (a ``MultiDict``) typed by the schema; empty fields are left out, an array
    field sent empty (present but nothing checked) is an empty list. Values that do not parse stay text
    for the schema's validation to report."""
    props = form.get("schema", {}).get("properties", {})
    data = {}
    for name, prop in props.items():
        kind = prop.get("type", "string")
        if kind == "array":
            values = [v for v in source.getlist(name) if v != ""]
            if values or name in source:
                item_type = prop.get("items", {}).get("type")
                data[name] = [_coerce(v, item_type) for v in values]
            continue
        raw = source.get(name)
        if raw is None or raw.strip() == "":
            continue
        data[name] = _coerce(raw.strip(), kind)
    return data


def _coerce(raw: str, kind):
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            number = float(raw)
            return int(number) if number.is_integer() and "." not in raw else number
        except ValueError:
            return raw
    return raw
