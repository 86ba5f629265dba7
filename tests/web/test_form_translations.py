"""Every form of the library speaks English too: an English label for every field (item properties of
tables included) and every enum value, kept in the form file itself (docs/ui.md "Task forms")."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflow_app.entrypoints.web.form_renderer import form_fields
from workflow_app.platform.engine.library import parse_form

FORMS = sorted((Path(__file__).resolve().parents[2] / "forms").glob("*.json"))


def _keys(props: dict, prefix: str = ""):
    """(hint key, property) of every field, item property and object member."""
    for name, prop in props.items():
        key = prefix + name
        yield key, prop
        items = prop.get("items", {})
        if items.get("type") == "object":
            yield from _keys(items.get("properties", {}), key + ".")
        if prop.get("type") == "object":
            yield from _keys(prop.get("properties", {}), key + ".")


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_every_field_and_enum_value_has_an_english_label(path):
    form = parse_form(path.name, path.read_bytes())
    english = form["ui"]["translations"]["en"]
    for key, prop in _keys(form["schema"]["properties"]):
        assert english.get("labels", {}).get(key), f"{path.name}: no English label for {key}"
        enum = prop.get("enum") or prop.get("items", {}).get("enum") or []
        for value in enum:
            assert english.get("enumLabels", {}).get(key, {}).get(str(value)), \
                f"{path.name}: no English label for {key} = {value}"
    for key in form["ui"].get("help", {}):
        assert english.get("help", {}).get(key), f"{path.name}: no English help for {key}"


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_every_form_renders_in_both_languages(path):
    form = json.loads(path.read_text("utf-8"))
    chinese = form_fields(form, {}, locale="zh_CN")
    english = form_fields(form, {}, locale="en")
    assert [f["name"] for f in chinese] == [f["name"] for f in english]
    assert all(f["label"] for f in english)
