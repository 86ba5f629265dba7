"""The script environment SpiffWorkflow runs diagram text with: every expression and script goes to a
supervised sandbox worker process (``sandbox_process.py``), which runs it in the restricted environment of
``sandbox.py`` (docs/sandbox.md). The server process never runs diagram text itself.

Every evaluation carries the official calendar of the step (the runtime passes the database's calendar
when it builds or loads a workflow): the deadline functions diagrams call compute on it. There is no
default calendar.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import sandbox_process
from workflow_app.platform.engine.sandbox import CPU_LIMIT_SECONDS, ScriptError


def evaluate(source: str, context: dict, external: dict | None = None, limit: float = CPU_LIMIT_SECONDS, *,
             calendar: OfficialCalendar) -> Any:
    """Evaluate an expression against ``context`` (task data) in a sandbox worker process."""
    return sandbox_process.run("eval", source, context, external, limit, calendar)


def execute(source: str, context: dict, external: dict | None = None, limit: float = CPU_LIMIT_SECONDS, *,
            calendar: OfficialCalendar) -> None:
    """Run a script in a sandbox worker process; ``context`` becomes the task data the script leaves
    (variables it assigns or deletes; functions and helpers excluded)."""
    data = sandbox_process.run("exec", source, context, external, limit, calendar)
    context.clear()
    context.update(data)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment backed by the sandbox, computing deadlines on ``calendar``."""

    def __init__(self, calendar: OfficialCalendar, limit: float = CPU_LIMIT_SECONDS):
        if not isinstance(calendar, OfficialCalendar):
            raise TypeError(f"a script environment needs the official calendar, got {type(calendar).__name__}")
        super().__init__({})
        self.calendar = calendar
        self.limit = limit

    def evaluate(self, expression, context, external_context=None):
        return evaluate(expression, context, external_context, self.limit, calendar=self.calendar)

    def execute(self, script, context, external_context=None):
        execute(script, context, external_context, self.limit, calendar=self.calendar)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptError("service tasks are not supported by this deployment")


class BuildOnlyEnvironment(BasePythonScriptEngineEnvironment):
    """For a workflow that is only built, never run (the deploy-time check that a process instantiates):
    it has no calendar, so evaluating anything with it is a programming error."""

    def __init__(self):
        super().__init__({})

    def evaluate(self, expression, context, external_context=None):
        raise TypeError("a workflow built only to check it cannot evaluate diagram text")

    def execute(self, script, context, external_context=None):
        raise TypeError("a workflow built only to check it cannot run diagram text")

    def call_service(self, context, **kwargs):
        raise ScriptError("service tasks are not supported by this deployment")
