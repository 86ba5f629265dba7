"""Definition tests for the workspace: run every test of a library in memory (docs/definition-tests.md).

``run_tests(files)`` takes the files of the library as they would be after a publication (the current
library merged with a draft) and answers a :class:`TestReport`: every decision test, check and scenario
with its outcome, a failing one named with what was expected and what came out, in Chinese and English,
and the BPMN/DMN element it is about when known (for markers on the diagram). Nothing is stored and no
case is created. A library that does not build answers ``passed = False`` with its ``problems`` (file,
line, reason) and no results.

The core lives in the engine (``engine/definition_tests.py``) so that deployment (``processes/registry.py``,
below this package) refuses failing tests with the same code.
"""
from __future__ import annotations

from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import definition_tests as core
from workflow_app.platform.engine import library as lib
from workflow_app.platform.engine import runner
from workflow_app.platform.engine.definition_tests import TestReport, TestResult

__all__ = ["TestReport", "TestResult", "run_tests"]


def run_tests(files: dict[str, bytes], calendar: OfficialCalendar | None = None) -> TestReport:
    """Build the library from ``files`` and run all its definition tests in memory."""
    try:
        library = lib.build_library(files, runner.build_only_script_engine)
    except lib.LibraryError as exc:
        return TestReport(results=[], problems=[p.as_dict() for p in exc.problems])
    return core.run_library(library, calendar)
