"""The case file's diagram JSON: each BPMN element completed or active, from the engine state and the
task rows (platform/runtime/history.py)."""
from __future__ import annotations


def test_a_running_case_shows_what_is_done_and_what_waits(start_case, as_user):
    case = start_case()
    answer = as_user("inspector").get(f"/cases/{case['id']}/diagram.json")
    assert answer.status_code == 200
    doc = answer.json
    assert doc["process_key"] == "inspection_case" and doc["version"] == 1 and 'id="inspection_case"' in doc["xml"]
    elements = doc["elements"]
    assert elements["start"] == "completed"
    assert elements["accept"] == "active"  # the open user task
    assert elements["accept_deadline"] == "active"  # a timer the instance waits on
    assert set(elements.values()) == {"completed", "active"}  # elements not reached yet are not listed
    assert doc["open_tasks"]["accept"]["name"] == "受理审查" and doc["open_tasks"]["accept"]["assignee"] is None


def test_the_diagram_of_an_invisible_case_is_not_found(start_case, as_user):
    case = start_case(jurisdiction="zz-erqi")
    assert as_user("inspector").get(f"/cases/{case['id']}/diagram.json").status_code == 404
