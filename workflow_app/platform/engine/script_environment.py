"""The script environment SpiffWorkflow runs diagram text with: every expression and script goes to a
supervised sandbox worker process (``sandbox_process.py``), which runs it in the restricted environment of
``sandbox.py`` (docs/sandbox.md). The server process never runs diagram text itself.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from workflow_app.platform.engine import sandbox_process
from workflow_app.platform.engine.sandbox import CPU_LIMIT_SECONDS, ScriptError


def evaluate(source: str, context: dict, external: dict | None = None,
             limit: float = CPU_LIMIT_SECONDS) -> Any:
    """Evaluate an expression against ``context`` (task data) in a sandbox worker process."""
    return sandbox_process.run("eval", source, context, external, limit)


def execute(source: str, context: dict, external: dict | None = None, limit: float = CPU_LIMIT_SECONDS) -> None:
    """Run a script in a sandbox worker process; ``context`` becomes the task data the script leaves
    (variables it assigns or deletes; functions and helpers excluded)."""
    data = sandbox_process.run("exec", source, context, external, limit)
    context.clear()
    context.update(data)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment backed by the sandbox."""

    def __init__(self, limit: float = CPU_LIMIT_SECONDS):
        super().__init__({})
        self.limit = limit

    def evaluate(self, expression, context, external_context=None):
        return evaluate(expression, context, external_context, self.limit)

    def execute(self, script, context, external_context=None):
        execute(script, context, external_context, self.limit)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptError("service tasks are not supported by this deployment")
