"""Every form of the library drawn by the real templates: the entry form names each value so that it
submits without JavaScript, and the read-only decision shows what was entered (docs/ui.md "Task forms")."""
from __future__ import annotations

import json
import types
from pathlib import Path

from flask import render_template
from werkzeug.datastructures import MultiDict

from workflow_app.entrypoints.web.form_renderer import form_fields, parse_form_data

FORMS = sorted((Path(__file__).resolve().parents[2] / "forms").glob("*.json"))
TASK = types.SimpleNamespace(id="t1", status="open", delegation_state=None)
CHOICES = {"user": [("inspector", "张监察")], "group": [("zz-jinshui/inspection/inspector", "劳动保障监察·劳动保障监察员")]}
MINUTES = {"minutes_text": "会议纪要：议定两项事项", "decisions": ["责令限期支付工资"],
           "action_items": [{"title": "督促整改", "owner_body": "inspection", "owner": "inspector", "due_on": "2026-12-01"}],
           "closed_items": [3]}


def _names(fields):
    for f in fields:
        if f.get("rows"):
            for row in f["rows"]:
                yield from _names(row)
        elif f.get("entries"):
            yield from _names(f["entries"])
        elif f.get("children"):
            yield from _names(f["children"])
        else:
            yield f["html_name"]


def test_every_form_draws_an_input_for_every_value(app):
    with app.test_request_context("/"):
        for path in FORMS:
            form = json.loads(path.read_text("utf-8"))
            # A "files" field lists the case's files for the signed-in reader: tests/web/test_files_pages.py.
            fields = [f for f in form_fields(form, {}, {}, editable=True, choices=CHOICES) if f["widget"] != "files"]
            html = render_template("web/tasks/_task_form.html", task=TASK, fields=fields, errors={}, mine=True)
            for name in _names(fields):
                assert f'name="{name}"' in html, (path.name, name)


def test_minutes_round_trip_through_the_page_and_read_back_as_a_decision(app):
    form = json.loads((FORMS[0].parent / "collab_meeting_minutes.json").read_text("utf-8"))
    submitted = MultiDict([("minutes_text", MINUTES["minutes_text"]), ("decisions[0]", "责令限期支付工资"),
                           ("decisions[1]", ""), ("action_items[0][title]", "督促整改"),
                           ("action_items[0][owner_body]", "inspection"), ("action_items[0][owner]", "inspector"),
                           ("action_items[0][due_on]", "2026-12-01"), ("action_items[1][title]", ""),
                           ("action_items[1][owner_body]", ""), ("action_items[1][owner]", ""),
                           ("action_items[1][due_on]", ""), ("closed_items[0]", "3")])
    assert parse_form_data(form, submitted) == MINUTES
    with app.test_request_context("/"):
        decision = {"task_id": "t1", "task_name": "联席会议纪要", "completed_by_name": "张监察", "completed_at": None,
                    "fields": form_fields(form, MINUTES, editable=False, choices=CHOICES)}
        html = render_template("web/tasks/_decision.html", d=decision)
    for text in ("责令限期支付工资", "督促整改", "劳动保障监察", "张监察", "2026年12月1日"):
        assert text in html
    assert "<input" not in html
