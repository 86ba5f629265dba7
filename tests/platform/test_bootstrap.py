"""Service-level tests of the wiring (entrypoints/bootstrap.py) and of the calendar as an explicit argument.

Importing the application registers nothing; ``bootstrap.wire()`` registers every message handler, diagram
function and number kind, once however often it runs. Code that computes deadlines receives the calendar:
there is no default one, and the sandbox worker processes compute with exactly the calendar passed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from workflow_app.entrypoints import bootstrap
from workflow_app.platform.calendar import OfficialCalendar, load_year_data
from workflow_app.platform.deadlines import diagram_functions
from workflow_app.platform.engine import functions, runner, sandbox, sandbox_process, script_environment
from workflow_app.platform.runtime import instances as runtime

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_2027 = ROOT / "tests" / "deadlines" / "fixtures" / "TEST_FIXTURE_calendar_2027.json"
BUILTIN = OfficialCalendar.builtin().provisional()

#: Prints what is registered, as JSON, after importing every module of workflow_app (and, with "wire",
#: after wiring twice). A fresh interpreter: this test process is wired already.
_PROBE = """
import importlib, json, pkgutil, sys
import workflow_app
for module in pkgutil.walk_packages(workflow_app.__path__, "workflow_app."):
    if module.name != "workflow_app.entrypoints.wsgi":  # wsgi builds the app from the environment
        importlib.import_module(module.name)
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.platform.documents import issuing
from workflow_app.platform.engine import functions, sandbox
from workflow_app.platform.runtime import instances as runtime
if sys.argv[1:] == ["wire"]:
    from workflow_app.entrypoints import bootstrap
    bootstrap.wire()
    bootstrap.wire()
print(json.dumps({
    "handlers": {name: f"{h.__module__}.{h.__qualname__}" for name, h in runtime.event_handlers().items()},
    "functions": [[e.name, e.module, e.qualname, e.takes_calendar] for e in functions.function_table()],
    "number_kinds": sorted(numbering.KINDS),
    "patterns": sorted(numbering.DEFAULT_PATTERNS),
    "document_sources": sorted(issuing.context_sources()),
}))
"""


def _probe(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


INTAKE_KINDS = ["arbitration", "complaint", "inspection", "si_audit"]
DOCUMENT_KINDS = ["doc_complaint_receipt", "doc_transfer_letter"]  # documents/types.json
COLLABORATION_KINDS = ["assistance", "joint_hearing", "liaison_meeting", "notification", "police_transfer",
                       "transfer"]


def test_importing_every_module_registers_nothing():
    state = _probe()
    assert state["handlers"] == {}
    assert state["functions"] == []
    assert state["number_kinds"] == [] and state["patterns"] == [] and state["document_sources"] == []


def test_bootstrap_wires_every_handler_function_and_number_kind_once():
    state = _probe("wire")
    assert state["handlers"] == {
        "intake_routed": "workflow_app.domain.intake.triage.on_routed",
        "intake_room_decided": "workflow_app.domain.collaboration.hearings.on_room_decided",
        "transfer_event": "workflow_app.domain.collaboration.transfers.on_transfer_event",
        "hearing_event": "workflow_app.domain.collaboration.hearings.on_event",
        "meeting_event": "workflow_app.domain.collaboration.meetings.on_event",
        "task_reminder": "workflow_app.platform.jobs.timers.on_reminder",
    }
    functions = {name: (f"{module}.{qualname}", takes_calendar) for name, module, qualname, takes_calendar
                 in state["functions"]}
    deadlines = "workflow_app.platform.deadlines.diagram_functions"
    assert functions == {
        **{name: (f"{deadlines}.{name}", True) for name in (
            "working_days_after", "working_days_before", "calendar_days_after", "deadline", "due_at",
            "reminder_at", "is_working_day")},
        "first_working_day_of_quarter": ("workflow_app.domain.collaboration.meetings.first_working_day_of_quarter_of",
                                         True),
        "hours_after": (f"{deadlines}.hours_after", False),
        "end_of_day": (f"{deadlines}.day_end", False),
        "now_iso": (f"{deadlines}.now_iso", False),
        "years_after": ("workflow_app.domain.intake.triage.years_after", False),
    }
    assert state["number_kinds"] == sorted(INTAKE_KINDS + COLLABORATION_KINDS + DOCUMENT_KINDS)
    assert state["patterns"] == state["number_kinds"]
    assert state["document_sources"] == ["complaint_receipt", "transfer_letter"]


def test_wiring_again_changes_nothing():
    before = (runtime.event_handlers(), functions.function_table())
    bootstrap.wire()
    assert (runtime.event_handlers(), functions.function_table()) == before


def test_a_second_handler_for_a_wired_message_is_refused():
    with pytest.raises(ValueError, match="intake_routed"):
        runtime.register_event_handler("intake_routed", lambda *args: None)
    assert runtime.event_handlers()["intake_routed"] is bootstrap.EVENT_HANDLERS[0][1]


def test_a_diagram_function_must_be_importable_by_name():
    with pytest.raises(ValueError, match="module-level"):
        sandbox.register_function("shout", lambda text: str(text).upper())
    assert "shout" not in {entry.name for entry in functions.function_table()}


def test_the_sandbox_workers_offer_the_wired_functions():
    assert script_environment.evaluate("years_after('2024-02-29', 2)", {}, calendar=BUILTIN) == date(2026, 2, 28)
    assert script_environment.evaluate("first_working_day_of_quarter('2026-11-20')", {}, calendar=BUILTIN) \
        == date(2026, 10, 8)


def test_the_workers_compute_with_the_calendar_passed():
    loaded = BUILTIN.with_year(load_year_data(FIXTURE_2027.read_text(encoding="utf-8")))
    # 1 January 2027 is a Friday: a working day counted weekends-only, the New Year holiday once loaded.
    assert script_environment.evaluate("is_working_day('2027-01-01')", {}, calendar=BUILTIN) is True
    assert script_environment.evaluate("is_working_day('2027-01-01')", {}, calendar=loaded) is False
    assert script_environment.evaluate("is_working_day('2027-01-01')", {}, calendar=BUILTIN) is True
    assert diagram_functions.is_working_day(loaded, "2027-01-01") is False


def test_the_calendar_is_never_handed_to_diagram_text():
    """Bound calendar functions are closures: nothing a script may reach leads to the calendar object."""
    assert "args" not in dir(sandbox.available_functions(BUILTIN)["due_at"])
    with pytest.raises(sandbox.ScriptError):
        script_environment.evaluate("due_at.__closure__", {}, calendar=BUILTIN)


def test_a_missing_calendar_is_a_programming_error():
    with pytest.raises(TypeError):
        script_environment.evaluate("1", {})
    with pytest.raises(TypeError):
        sandbox_process.run("eval", "1", {}, None, sandbox.CPU_LIMIT_SECONDS, None)
    with pytest.raises(TypeError):
        runner.script_engine()
    with pytest.raises(TypeError):
        sandbox.available_functions(None)
    with pytest.raises(TypeError):
        diagram_functions.due_at("5WD", "2026-11-20")


def test_the_calendar_is_no_ambient_state():
    assert not hasattr(diagram_functions, "active_calendar") and not hasattr(diagram_functions, "use_calendar")
    from workflow_app.platform.deadlines import calendar_years
    assert not hasattr(calendar_years, "refresh")


def test_the_worker_command_builds_no_flask_app(app, db_url, monkeypatch, capsys):
    from workflow_app.entrypoints import cli

    def no_app(*args, **kwargs):
        raise AssertionError("the worker built the Flask app")
    monkeypatch.setattr(cli, "create_app", no_app)
    assert cli.main(["--database-url", db_url, "worker", "--once"]) == 0
    assert "work done: 0" in capsys.readouterr().out
