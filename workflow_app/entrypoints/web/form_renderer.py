"""A task form's round trip: its JSON Schema and UI hints, with the values and the errors of the moment,
become the field descriptions ``templates/web/tasks/_task_form.html`` (entry) and ``_decision.html``
(read-only) draw; a submitted form becomes the data the schema validates (docs/ui.md "Task forms").

UI hints (all optional): ``order`` (field names first, the others follow in schema order), ``labels``,
``widgets`` (a field's widget by name), ``enumLabels`` (``{field: {value: label}}``, ``"field.prop"`` for
an item property of a table), ``help``, and ``translations`` (``{"en": {"labels", "help", "enumLabels"}}``)
used when the page is in that language. Without a widget hint a field's widget follows its schema: boolean
-> radio (是/否), array of enum values -> checkboxes, other arrays of strings -> list (repeatable rows),
array of objects -> table, object -> fieldset, enum -> select, ``format: date`` -> date, ``format:
date-time`` -> datetime, ``x-unit: yuan`` -> amount, integer/number -> number, ``maxLength`` over 200 ->
textarea, otherwise text. Widgets only a hint can choose: ``user`` and ``group`` (pickers of the
organisation, their options passed in ``choices``) and ``files`` (attachment ids).

Nested values are named so that the form submits without JavaScript: ``room_routes[0][code]``,
``materials[1]``, ``address[city]``; :func:`parse_form_data` rebuilds the lists and objects and drops rows
left fully empty. Conditional rules of the schema (``if``/``then``/``else``, ``allOf`` of them,
``dependentRequired``) become ``show_when`` / ``required_when`` descriptions the browser applies live.
Pure: no database, no request.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from workflow_app.entrypoints.web.formats import china_time, yuan
from workflow_app.platform import clock

#: Longer strings get a text area.
TEXTAREA_FROM = 200
#: Blank rows a table or list offers beyond its values, so that it can be filled without JavaScript.
BLANK_ROWS = 2
#: The two answers of a yes/no question, by page language.
BOOLEAN_LABELS = {"zh": {"true": "是", "false": "否"}, "en": {"true": "Yes", "false": "No"}}


def language_of(locale) -> str:
    """``"en"`` for an English page, ``"zh"`` otherwise (the forms' own language)."""
    return "en" if str(locale or "").lower().startswith("en") else "zh"


class _Texts:
    """The labels, help and enum labels of a form in one language, falling back to the form's Chinese."""

    def __init__(self, form: dict, lang: str):
        ui = form.get("ui", {})
        self.lang = lang
        self._zh = ui
        self._tr = ui.get("translations", {}).get(lang, {}) if lang != "zh" else {}

    def _pick(self, kind: str, key: str):
        return self._tr.get(kind, {}).get(key) or self._zh.get(kind, {}).get(key)

    def label(self, key: str, prop: dict) -> str:
        return self._pick("labels", key) or prop.get("title") or key.rsplit(".", 1)[-1]

    def help(self, key: str, prop: dict):
        return self._pick("help", key) or (prop.get("description") if self.lang == "zh" else None)

    def enum_label(self, key: str, value) -> str:
        labels = dict(self._zh.get("enumLabels", {}).get(key, {}))
        labels.update(self._tr.get("enumLabels", {}).get(key, {}))
        return labels.get(str(value), str(value))


def _kind(prop: dict) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind


def _default_widget(prop: dict, kind: str, enum) -> str:
    if kind == "boolean":
        return "radio"
    if kind == "array":
        items = prop.get("items", {})
        if items.get("enum"):
            return "checkboxes"
        return "table" if _kind(items) == "object" else "list"
    if kind == "object":
        return "fieldset"
    if enum:
        return "select"
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "date-time":
        return "datetime"
    if prop.get("x-unit") == "yuan":
        return "amount"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("maxLength", 0) > TEXTAREA_FROM:
        return "textarea"
    return "text"


# -- conditional rules --------------------------------------------------------------------------------

def _condition(if_schema: dict) -> list[dict] | None:
    """The tests of an ``if`` that compares fields with constants: [{field, values}] (all must hold);
    None when the ``if`` says something else (then the page does not apply it live)."""
    tests = []
    for field, sub in (if_schema.get("properties") or {}).items():
        if "const" in sub:
            values = [sub["const"]]
        elif "enum" in sub:
            values = list(sub["enum"])
        else:
            return None
        tests.append({"field": field, "values": [_as_form_value(v) for v in values]})
    return tests or None


def _mentioned(branch: dict | None) -> tuple[set, set]:
    """The fields a branch mentions, and those it requires."""
    if not branch:
        return set(), set()
    required = set(branch.get("required", []))
    return set(branch.get("properties", {})) | required, required


def conditional_rules(schema: dict) -> dict[str, dict]:
    """``{field: {"show_when": [...], "required_when": [...]}}`` from the schema's conditionals. A field a
    branch mentions is shown only while one of the branches mentioning it applies (each alternative is
    ``{"all": [{field, values, negate}]}``); a field a branch requires, or ``dependentRequired`` names, is
    required while that applies. A controlling field without an answer applies no branch."""
    rules: dict[str, dict] = {}
    blocks = [schema] + [b for b in schema.get("allOf", []) if isinstance(b, dict)]
    for block in blocks:
        if "if" not in block:
            continue
        tests = _condition(block["if"])
        if tests is None:
            continue
        for branch, negate in ((block.get("then"), False), (block.get("else"), True)):
            if negate and len(tests) != 1:
                continue  # "not (a and b)" is not one test per field; such an else is left to the server
            alternative = {"all": [dict(t, negate=negate) for t in tests]}
            mentioned, required = _mentioned(branch)
            for field in mentioned:
                rules.setdefault(field, {"show_when": [], "required_when": []})["show_when"].append(alternative)
            for field in required:
                rules[field]["required_when"].append(alternative)
    for trigger, fields in (schema.get("dependentRequired") or {}).items():
        for field in fields:
            rules.setdefault(field, {"show_when": [], "required_when": []})["required_when"].append(
                {"all": [{"field": trigger, "present": True}]})
    return rules


def _as_form_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- formatting for reading ---------------------------------------------------------------------------

def format_date(value, lang: str) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


# -- field descriptions -------------------------------------------------------------------------------

def _html_name(path: list) -> str:
    return str(path[0]) + "".join(f"[{p}]" for p in path[1:])


def _describe(prop: dict, path: list, key: str, value, ctx: dict, required: bool) -> dict:
    """One field (or table cell, list item, fieldset member) at ``path``; ``key`` names its hints."""
    texts: _Texts = ctx["texts"]
    kind = _kind(prop)
    widget = ctx["widgets"].get(key) or _default_widget(prop, kind, prop.get("enum"))
    if widget == "textarea" and len(path) > 1 and key not in ctx["widgets"]:
        widget = "text"  # a table cell or list row stays one line unless a hint asks for a text area
    enum = prop.get("enum") or (prop.get("items", {}).get("enum") if kind == "array" else None)
    options = [(str(v), texts.enum_label(key, v)) for v in enum] if enum else []
    if kind == "boolean" and not options:
        options = [(v, BOOLEAN_LABELS[texts.lang][v]) for v in ("true", "false")]
    if widget in PICKERS:
        options = list(ctx["choices"].get(widget, []))
    dotted = ".".join(str(p) for p in path)
    field = {"name": str(path[-1]) if len(path) == 1 else dotted, "path": dotted, "html_name": _html_name(path),
             "id": "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", dotted), "key": key,
             "label": texts.label(key, prop), "type": kind, "widget": widget, "options": options,
             "required": required, "help": texts.help(key, prop), "value": value,
             "min": prop.get("minimum"), "max": prop.get("maximum"), "maxlength": prop.get("maxLength"),
             "step": "1" if kind == "integer" else "0.01", "error": ctx["errors"].get(dotted),
             "readonly": not ctx["editable"], "unit": prop.get("x-unit") or ("yuan" if widget == "amount" else None)}
    if kind == "boolean" and value is not None and not isinstance(value, str):
        field["value"] = "true" if value else "false"
    if widget == "datetime" and value:
        field["value"] = china_time(value, "%Y-%m-%dT%H:%M")
    if widget == "table":
        _describe_table(field, prop, path, key, value, ctx)
    elif widget in ("list", "files"):
        items = value if isinstance(value, list) else []
        item_prop = prop.get("items", {})
        if widget == "list":
            count = len(items) + (BLANK_ROWS if ctx["editable"] else 0)
            field["entries"] = [_describe(item_prop, path + [i], key + "[]", items[i] if i < len(items) else None,
                                        ctx, False) for i in range(count)]
            field["template"] = _describe(item_prop, path + ["__INDEX__"], key + "[]", None, ctx, False)
        field["value"] = items
    elif widget == "fieldset":
        sub_required = set(prop.get("required", []))
        current = value if isinstance(value, dict) else {}
        field["children"] = [_describe(sub, path + [name], f"{key}.{name}", current.get(name), ctx, name in sub_required)
                             for name, sub in prop.get("properties", {}).items()]
    if field["error"] and widget in ("table", "list", "fieldset"):
        # An error inside is shown at its cell or row; the field's own line would only repeat it.
        if any(k.startswith(dotted + ".") for k in ctx["errors"]):
            field["error"] = None
    field["display"] = _display(field, value, texts.lang, ctx)
    return field


def _describe_table(field: dict, prop: dict, path: list, key: str, value, ctx: dict) -> None:
    items = prop.get("items", {})
    columns = items.get("properties", {})
    sub_required = set(items.get("required", []))
    rows = value if isinstance(value, list) else []
    count = len(rows) + (BLANK_ROWS if ctx["editable"] else 0)

    def row(i, current):
        current = current if isinstance(current, dict) else {}
        return [_describe(sub, path + [i, name], f"{key}.{name}", current.get(name), ctx, name in sub_required)
                for name, sub in columns.items()]

    field["columns"] = [{"name": name, "label": ctx["texts"].label(f"{key}.{name}", sub),
                         "required": name in sub_required} for name, sub in columns.items()]
    field["rows"] = [row(i, rows[i] if i < len(rows) else None) for i in range(count)]
    field["row_errors"] = [ctx["errors"].get(f"{field['path']}.{i}") for i in range(count)]
    field["template"] = row("__INDEX__", None)
    field["value"] = rows


def _display(field: dict, value, lang: str, ctx: dict):
    """The value as a reader sees it: labels for enums, yes/no, ¥ amounts, dates zh-CN style, names."""
    if value is None or value == "" or value == []:
        return ""
    widget = field["widget"]
    if widget in ("table", "fieldset", "list"):
        return None  # drawn from rows / children / items
    if isinstance(value, list):
        labels = dict(field["options"])
        return "、".join(labels.get(str(v), str(v)) for v in value) if lang == "zh" else \
            ", ".join(labels.get(str(v), str(v)) for v in value)
    if field["type"] == "boolean" or field["options"]:
        return dict(field["options"]).get(_as_form_value(value), str(value))
    if widget == "amount":
        return yuan(value)
    if widget == "date":
        return format_date(value, lang)
    if widget == "datetime":
        return china_time(value)
    return str(value)


#: Widgets whose options the page supplies in ``choices``: the organisation's users and groups, and the
#: claims of the task's case (``claim``: value the claim's code, label its name; docs/ui.md "Task forms").
PICKERS = ("user", "group", "claim")


def uses_pickers(form: dict | None, kinds=PICKERS) -> bool:
    """Whether the form has one of the pickers ``kinds`` (then the page loads their options)."""
    return bool(form) and any(w in kinds for w in form.get("ui", {}).get("widgets", {}).values())


def prefill_variables(form: dict | None) -> list[str]:
    """The process variables a form's ``ui.prefill`` starts from (``{"data": name}`` rules)."""
    rules = ((form or {}).get("ui", {}).get("prefill") or {}).values()
    return [r["data"] for r in rules if isinstance(r, dict) and isinstance(r.get("data"), str)]


def prefilled(form: dict | None, claims: list[dict], data: dict | None = None) -> dict:
    """A form's starting values, for a task without a draft, from ``ui.prefill`` (docs/ui.md "Task forms"):
    ``{"data": name}`` — the value of the process variable ``name`` (``data``, read by the caller);
    ``{"claims": route, "column": name}`` — for a table, one row per claim of the case whose route is
    ``route`` (every claim with ``"*"``), with ``column`` holding the claim's code."""
    values, data = {}, data or {}
    for field, rule in ((form or {}).get("ui", {}).get("prefill") or {}).items():
        if not isinstance(rule, dict):
            continue
        if isinstance(rule.get("data"), str):
            if data.get(rule["data"]) not in (None, "", []):
                values[field] = data[rule["data"]]
            continue
        if not isinstance(rule.get("column"), str):
            continue
        route = rule.get("claims", "*")
        rows = [{rule["column"]: c["code"]} for c in claims
                if c.get("code") and (route == "*" or c.get("route") == route)]
        if rows:
            values[field] = rows
    return values


def form_fields(form: dict, values: dict, errors: dict | None = None, editable: bool = True,
                locale=None, choices: dict | None = None) -> list[dict]:
    """One description per field, in display order: name, label, type, widget, options ((value, label)
    pairs), required, help, value (a boolean as "true"/"false"), min/max/maxlength/step, the field's error
    message (or None), whether it is read-only, its ``display`` text, the HTML ``html_name``/``id``, and
    its live rules ``show_when``/``required_when``; a table has ``columns``, ``rows`` (cells) and a row
    ``template``, a list ``entries``, a fieldset ``children``. ``locale`` picks the form's translations;
    ``choices`` holds the options of the ``user`` and ``group`` pickers."""
    schema, ui = form.get("schema", {}), form.get("ui", {})
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = [f for f in ui.get("order", []) if f in props] + [f for f in props if f not in ui.get("order", [])]
    ctx = {"texts": _Texts(form, language_of(locale)), "widgets": ui.get("widgets", {}), "errors": errors or {},
           "editable": editable, "choices": choices or {}}
    rules = conditional_rules(schema)
    fields = []
    for name in order:
        field = _describe(props[name], [name], name, values.get(name), ctx, name in required)
        rule = rules.get(name, {})
        field["show_when"] = rule.get("show_when") or None
        field["required_when"] = rule.get("required_when") or None
        fields.append(field)
    return fields


# -- parsing a submitted form -------------------------------------------------------------------------

_PART = re.compile(r"\[([^\[\]]*)\]")


def _split(key: str) -> list[str] | None:
    head, _, rest = key.partition("[")
    if not rest:
        return [head]
    rest = "[" + rest
    parts = _PART.findall(rest)
    if "".join(f"[{p}]" for p in parts) != rest:
        return None
    return [head] + parts


def _tree(source) -> dict:
    """The submitted names as a tree: ``a[0][b]`` -> {"a": {"0": {"b": [values]}}}; leaves are lists."""
    root: dict = {}
    for key in source.keys():
        parts = _split(key)
        if not parts:
            continue
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = list(source.getlist(key))
    return root


def _build(prop: dict, node):
    """The typed value of one field from its subtree; None when nothing was entered."""
    if node is None:
        return None
    kind = _kind(prop)
    if kind == "object":
        if not isinstance(node, dict):
            return None
        built = {name: _build(sub, node.get(name)) for name, sub in prop.get("properties", {}).items()}
        built = {k: v for k, v in built.items() if v is not None}
        return built or None
    if kind == "array":
        item_prop = prop.get("items", {})
        if isinstance(node, dict):
            keys = sorted((k for k in node if k.isdigit()), key=int)
            items = [_build(item_prop, node[k]) for k in keys]
            items += [_build(item_prop, [v]) for v in node.get("", [])]  # name[] as a list
        else:
            items = [_build(item_prop, [v]) for v in node]
        return [item for item in items if item is not None]
    if isinstance(node, dict):
        return None
    raw = next((v.strip() for v in node if v.strip() != ""), None)
    if raw is None:
        return None
    if prop.get("format") == "date-time" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", raw):
        # The browser's datetime-local has no zone: it is China time (docs/ui.md "Task forms").
        raw = datetime.fromisoformat(raw).replace(tzinfo=clock.CHINA_TZ).isoformat()
    return _coerce(raw, kind)


def parse_form_data(form: dict, source) -> dict:
    """The submitted values (a ``MultiDict``) typed by the schema; empty fields are left out, an array
    field sent empty (present but nothing checked or every row blank) is an empty list, fully empty rows
    are dropped. Values that do not parse stay text for the schema's validation to report."""
    props = form.get("schema", {}).get("properties", {})
    tree = _tree(source)
    data = {}
    for name, prop in props.items():
        value = _build(prop, tree.get(name))
        if value is not None:
            data[name] = value
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
