"""Definition test files (``*.test.json``): reading them and checking what they name (docs/definition-tests.md).

A test file is library data like a diagram: it is validated when the library is built (its JSON Schema,
``definition_tests.schema.json`` next to this module, then every decision, output, rule, process, task,
timer and message it names must exist in the library it is deployed with). Running the tests is
``definition_tests.py``'s job.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from workflow_app.platform.engine.xml_safety import MAX_XML_BYTES, DefinitionError

SUFFIX = ".test.json"
SCHEMA_PATH = Path(__file__).with_name("definition_tests.schema.json")


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of a test file (shipped with the code, served by the API's documentation)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def is_test_file(filename: str) -> bool:
    return filename.lower().endswith(SUFFIX) and len(filename) > len(SUFFIX)


def _where(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the file)"


def parse_test_file(filename: str, content: bytes) -> dict:
    """The test file's document, or :class:`DefinitionError` naming the first problem and where it is."""
    if len(content) > MAX_XML_BYTES:
        raise DefinitionError(filename, "file is too large")
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DefinitionError(filename, f"not valid JSON: {exc}", getattr(exc, "lineno", None)) from None
    errors = sorted(_validator().iter_errors(document), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        error = min(errors, key=lambda e: -len(list(e.absolute_path)))  # the most specific place
        raise DefinitionError(filename, f"test file does not match the schema at {_where(error.absolute_path)}: "
                                        f"{_schema_message(error)}")
    names: set[tuple[str, str]] = set()
    for kind, items in (("decision", [c for d in document.get("decisions", []) for c in d["cases"]]),
                        ("check", document.get("checks", [])), ("scenario", document.get("scenarios", []))):
        for item in items:
            if (kind, item["name"]) in names:
                raise DefinitionError(filename, f"two {kind} tests are named '{item['name']}' (names must be unique)")
            names.add((kind, item["name"]))
    return document


def _schema_message(error) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: len(e.message))
        if error.validator == "oneOf" and isinstance(error.instance, dict):
            return ("give exactly one of its kinds (a step: complete | timer | message; a check: min/max | "
                    f"one_of | default_row | unique_inputs); {best.message}")
        return best.message
    return error.message


class ProcessFacts:
    """What test files may name in one process (with the processes it calls): element ids, user tasks,
    timer events and message names."""

    def __init__(self, spec, subprocess_specs: dict):
        self.elements: set[str] = set()
        self.user_tasks: set[str] = set()
        self.timers: set[str] = set()
        self.messages: set[str] = set()
        for spec_obj in [spec, *subprocess_specs.values()]:
            for task_spec in spec_obj.task_specs.values():
                bpmn_id = getattr(task_spec, "bpmn_id", None)
                if not bpmn_id:
                    continue
                self.elements.add(bpmn_id)
                if getattr(task_spec, "manual", False):
                    self.user_tasks.add(bpmn_id)
                definition = getattr(task_spec, "event_definition", None)
                if isinstance(definition, TimerEventDefinition):
                    self.timers.add(bpmn_id)
                elif isinstance(definition, MessageEventDefinition) and definition.name:
                    self.messages.add(definition.name)


def check_references(filename: str, document: dict, decisions: dict, processes: dict[str, ProcessFacts]
                     ) -> list[DefinitionError]:
    """Every name the test file uses must exist: ``decisions`` maps decision id -> its decision table."""
    problems: list[DefinitionError] = []

    def bad(reason: str) -> None:
        problems.append(DefinitionError(filename, reason))

    def check_output(where: str, decision_id: str, output: str) -> None:
        names = {o.name or o.label for o in decisions[decision_id].outputs}
        if output not in names and not any(n.startswith(output + ".") for n in names):
            bad(f"{where}: decision '{decision_id}' has no output '{output}' (outputs: {', '.join(sorted(names))})")

    for group in document.get("decisions", []):
        decision_id = group["decision"]
        if decision_id not in decisions:
            bad(f"decision tests: decision '{decision_id}' does not exist")
            continue
        rule_ids = {r.id for r in decisions[decision_id].rules}
        for case in group["cases"]:
            where = f"decision test '{case['name']}'"
            for output in case.get("expect", {}):
                check_output(where, decision_id, output)
            for rule in case.get("rules", []):
                if rule not in rule_ids:
                    bad(f"{where}: decision '{decision_id}' has no rule '{rule}'")
    for check in document.get("checks", []):
        where = f"check '{check['name']}'"
        if check["decision"] not in decisions:
            bad(f"{where}: decision '{check['decision']}' does not exist")
        elif "output" in check:
            check_output(where, check["decision"], check["output"])
        if "min" in check and "max" in check and check["min"] > check["max"]:
            bad(f"{where}: min {check['min']} is above max {check['max']}")
    for scenario in document.get("scenarios", []):
        where = f"scenario '{scenario['name']}'"
        facts = processes.get(scenario["process"])
        if facts is None:
            bad(f"{where}: process '{scenario['process']}' does not exist")
            continue
        start_message = scenario["start"].get("message")
        if start_message and start_message not in facts.messages:
            bad(f"{where}: process '{scenario['process']}' has no message event '{start_message}'")
        expectations = [("expect", scenario.get("expect") or {})]
        for number, step in enumerate(scenario.get("steps", []), start=1):
            at = f"{where} step {number}"
            if "complete" in step and step["complete"] not in facts.user_tasks:
                bad(f"{at}: '{step['complete']}' is not a user task of process '{scenario['process']}'")
            if "timer" in step and step["timer"] not in facts.timers:
                bad(f"{at}: '{step['timer']}' is not a timer event of process '{scenario['process']}'")
            if "message" in step and step["message"] not in facts.messages:
                bad(f"{at}: process '{scenario['process']}' waits for no message '{step['message']}'")
            expectations.append((f"step {number}", step.get("expect") or {}))
        for label, expect in expectations:
            for item in expect.get("ready", []):
                task = item if isinstance(item, str) else item["task"]
                if task not in facts.user_tasks:
                    bad(f"{where} ({label}): expected ready task '{task}' is not a user task of the process")
            for element in expect.get("path", []) + expect.get("not_path", []):
                if element not in facts.elements:
                    bad(f"{where} ({label}): element '{element}' is not in process '{scenario['process']}'")
            for timer in expect.get("timers", []):
                if timer not in facts.timers:
                    bad(f"{where} ({label}): '{timer}' is not a timer event of the process")
    return problems
