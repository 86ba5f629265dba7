"""Running the definition tests of a library in memory (docs/definition-tests.md).

Three kinds of test, read from ``*.test.json`` files (engine/test_files.py):

* **decision** — a decision table evaluated against given inputs: the rows that match, the outputs they
  give, or that no row matches;
* **check** — a property of a table as data, applied to every row: an output's literal value within a
  statutory range or one of a set, a default row last, no two rows with the same inputs;
* **scenario** — a process run from its start data through steps (complete a user task with data, fire a
  timer, deliver a message), with expectations after any step and at the end: the ready tasks and their
  groups, the path of completed elements, the end, the messages thrown, the waiting timers and messages,
  data values.

Everything runs on SpiffWorkflow objects in memory with the script engine the runtime uses (every
expression in a sandbox process, within its limits); nothing touches a database, and the messages a
step throws — which the runtime would hand to their handlers or the outbox — are only recorded. The work
is bounded: at most :data:`MAX_STEPS` steps per scenario (the schema), :data:`MAX_ENGINE_TASKS` tasks the
engine completes per scenario, :data:`MAX_TESTS` tests per run.
"""
from __future__ import annotations

import ast
import hashlib
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from workflow_app.platform import clock
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import conventions, functions, runner, sandbox, task_data
from workflow_app.platform.engine.library import Library

#: Steps per scenario (also the schema's maxItems).
MAX_STEPS = 100
#: Elements the engine may complete in one scenario: a loop of script tasks cannot run away.
MAX_ENGINE_TASKS = 3000
#: Tests in one run (decision cases + checks + scenarios).
MAX_TESTS = 3000

_PAST = "2000-01-01T00:00:00+00:00"


@dataclass
class TestResult:
    """One test's outcome. ``element``: the BPMN/DMN element the failure is about (a rule, a task), when known."""
    __test__ = False  # not a pytest class

    file: str
    name: str
    kind: str  # decision | check | scenario
    target: str  # decision id or process id
    passed: bool
    message_zh: str
    message: str
    element: str | None = None
    step: int | None = None  # the scenario step that failed (1-based; 0 = the start)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TestReport:
    """All results of a run. ``problems``: the library itself was refused (file, line, reason), so no test ran."""
    __test__ = False

    results: list[TestResult] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and all(r.passed for r in self.results)

    @property
    def failures(self) -> list[TestResult]:
        return [r for r in self.results if not r.passed]

    def as_dict(self) -> dict:
        return {"passed": self.passed, "total": len(self.results), "failed": len(self.failures),
                "results": [r.as_dict() for r in self.results], "problems": list(self.problems)}


class _Failure(Exception):
    def __init__(self, zh: str, en: str, element: str | None = None):
        self.zh, self.en, self.element = zh, en, element
        super().__init__(en)


# ------------------------------------------------------------------------------------------------
# values


def _plain(value: Any) -> Any:
    """A value as JSON would carry it (dates as ISO text), for comparing with a test's expectation."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _matches(expected: Any, actual: Any) -> bool:
    """Objects match key by key (keys the test leaves out are not compared), lists item by item, numbers
    by value (1 == 1.0, but never True == 1), everything else by equality."""
    actual = _plain(actual)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(_matches(e, a) for e, a in zip(expected, actual)))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return expected == actual


def _show(value: Any) -> str:
    import json
    text = json.dumps(_plain(value), ensure_ascii=False, default=str, sort_keys=True)
    return text if len(text) <= 300 else text[:297] + "..."


_MISSING = object()
_RELATIVE = re.compile(r"^\$(now|today)(?:([+-])(\d{1,4}))?$")


def _resolve(value: Any) -> Any:
    """Start data, task data and payloads may say "$now" (this instant, China time), "$today", "$today-30"
    or "$today+5" (calendar days): a scenario means the same thing on whatever day it runs."""
    if isinstance(value, str):
        match = _RELATIVE.match(value)
        if not match:
            return value
        days = int(match.group(3) or 0) * (-1 if match.group(2) == "-" else 1)
        if match.group(1) == "now":
            return (clock.now().astimezone(clock.CHINA_TZ) + timedelta(days=days)).isoformat()
        return (clock.today_local() + timedelta(days=days)).isoformat()
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


def _difference(expected: Any, actual: Any, path: str = "") -> str:
    """Where ``actual`` first departs from ``expected`` (as :func:`_matches` compares): ``claims.0.rule: T6 ≠ T5``."""
    actual = _plain(actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            if key not in actual:
                return f"{path + '.' if path else ''}{key}: {_show(value)} ≠ (none)"
            if not _matches(value, actual[key]):
                return _difference(value, actual[key], f"{path + '.' if path else ''}{key}")
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (e, a) in enumerate(zip(expected, actual)):
            if not _matches(e, a):
                return _difference(e, a, f"{path + '.' if path else ''}{index}")
    return f"{path or '(value)'}: {_show(expected)} ≠ {_show(actual)}"


def _at_path(data: Any, path: str) -> Any:
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list | tuple) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _subsequence(expected: list, actual: list, same) -> int | None:
    """Index in ``expected`` of the first item not found in order in ``actual``; None when all are."""
    position = 0
    for index, item in enumerate(expected):
        while position < len(actual) and not same(item, actual[position]):
            position += 1
        if position == len(actual):
            return index
        position += 1
    return None


# ------------------------------------------------------------------------------------------------
# decisions


class _DecisionTask:
    """What SpiffWorkflow's DMN engine needs of a task: its data and the workflow's script engine."""

    def __init__(self, data: dict, engine, decision_id: str, filename: str):
        self.data = data
        self.task_spec = SimpleNamespace(bpmn_name=decision_id, name=decision_id, bpmn_id=decision_id)
        self.workflow = SimpleNamespace(script_engine=engine, spec=SimpleNamespace(file=filename))
        self.workflow.top_workflow = self.workflow


def _output_name(output) -> str:
    return output.name or output.label


def evaluate_decision(table, filename: str, decision_id: str, inputs: dict, engine) -> list[tuple[Any, dict]]:
    """The rows that match ``inputs`` (UNIQUE: the first one only, as SpiffWorkflow does) with each row's
    outputs by output name."""
    task = _DecisionTask(dict(inputs), engine, decision_id, filename)
    matched = DMNEngine(table).decide(task)
    out = []
    for rule in matched:
        values = {}
        for entry in rule.outputEntries:
            text = (getattr(entry, "text", "") or "").strip()
            values[_output_name(entry.output)] = engine.evaluate(task, text) if text else None
        out.append((rule, values))
    return out


def _output_value(table, rows: list[tuple[Any, dict]], name: str) -> Any:
    def one(values: dict) -> Any:
        if name in values:
            return values[name]
        nested: dict = {}
        for key, value in values.items():
            if key.startswith(name + "."):
                target = nested
                parts = key[len(name) + 1:].split(".")
                for part in parts[:-1]:
                    target = target.setdefault(part, {})
                target[parts[-1]] = value
        return nested
    if table.hit_policy == HitPolicy.COLLECT.value:
        return [one(values) for _, values in rows]
    return one(rows[0][1])


def _script_failure(exc: Exception) -> str:
    inner = getattr(exc, "exception", None)
    text = str(exc) if inner is None or str(inner) in str(exc) else f"{exc}: {inner}"
    return text.split("\n")[0][:500]


def _run_case(library: Library, engine, decision_id: str, case: dict) -> tuple[str | None, str, str]:
    """(element, zh, en) of a failing case; raises nothing for a passing one (returns None element, '')."""
    info = library.decisions[decision_id]
    try:
        rows = evaluate_decision(info.table, info.filename, decision_id, case["inputs"], engine)
    except (SpiffWorkflowException, sandbox.ScriptError, task_data.TaskDataError, TypeError, ValueError) as exc:
        raise _Failure(f"决策表求值出错：{_script_failure(exc)}", f"the table failed: {_script_failure(exc)}")
    ids = [rule.id for rule, _ in rows]
    if case.get("no_match"):
        if rows:
            raise _Failure(f"应当没有行命中，实际命中 {', '.join(ids)}",
                           f"expected no row to match, but {', '.join(ids)} matched", ids[0])
        return
    if "rules" in case and ids != case["rules"]:
        raise _Failure(f"命中行应为 {', '.join(case['rules']) or '（无）'}，实际为 {', '.join(ids) or '（无）'}",
                       f"expected rows {', '.join(case['rules']) or '(none)'} to match, got {', '.join(ids) or '(none)'}",
                       ids[0] if ids else None)
    if "expect" in case:
        if not rows:
            raise _Failure("没有任何行命中（期望有输出）", "no row matched (outputs were expected)")
        wrong = []
        for name, expected in case["expect"].items():
            actual = _output_value(info.table, rows, name)
            if not _matches(expected, actual):
                wrong.append((name, expected, actual))
        if wrong:
            zh = "；".join(f"输出 {n} 应为 {_show(e)}，实际为 {_show(a)}" for n, e, a in wrong)
            en = "; ".join(f"output {n}: expected {_show(e)}, got {_show(a)}" for n, e, a in wrong)
            raise _Failure(f"{zh}（命中行 {', '.join(ids)}）", f"{en} (rows {', '.join(ids)} matched)", ids[0])


# ------------------------------------------------------------------------------------------------
# checks


def _literal(text: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval((text or "").strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _run_check(library: Library, check: dict) -> None:
    table = library.decisions[check["decision"]].table
    rules = table.rules
    if check.get("default_row"):
        last = rules[-1] if rules else None
        if last is None or any(lhs is not None and str(lhs).strip() not in ("", "-")
                               for entry in last.inputEntries for lhs in entry.lhs):
            raise _Failure("表的最后一行不是缺省行（所有输入条目为“-”）",
                           "the table's last row is not a default row (every input entry '-')",
                           last.id if last else None)
        return
    if check.get("unique_inputs"):
        seen: dict[tuple, str] = {}
        for rule in rules:
            key = tuple(tuple(str(lhs).strip() if lhs is not None else "-" for lhs in e.lhs) for e in rule.inputEntries)
            if key in seen:
                raise _Failure(f"行 {rule.id} 与行 {seen[key]} 的输入条目完全相同",
                               f"row {rule.id} has the same input entries as row {seen[key]}", rule.id)
            seen[key] = rule.id
        return
    name = check["output"]
    bad_zh, bad_en, first = [], [], None
    found = False
    for rule in rules:
        for entry in rule.outputEntries:
            if _output_name(entry.output) != name:
                continue
            found = True
            text = (getattr(entry, "text", "") or "").strip()
            ok, value = _literal(text)
            problem = None
            if "one_of" in check:
                if not ok:
                    problem = (f"行 {rule.id} 的 {name} 为表达式 {text!r}，不是字面值",
                               f"row {rule.id}: {name} is the expression {text!r}, not a literal value")
                elif not any(_matches(v, value) and _matches(value, v) for v in check["one_of"]):
                    problem = (f"行 {rule.id} 的 {name} = {_show(value)}，不在允许的取值 {_show(check['one_of'])} 中",
                               f"row {rule.id}: {name} = {_show(value)} is not one of {_show(check['one_of'])}")
            else:
                low, high = check.get("min"), check.get("max")
                span = f"[{low if low is not None else '-∞'}, {high if high is not None else '+∞'}]"
                if not ok or isinstance(value, bool) or not isinstance(value, int | float):
                    problem = (f"行 {rule.id} 的 {name} 为 {text!r}，不是数字",
                               f"row {rule.id}: {name} is {text!r}, not a literal number")
                elif (low is not None and value < low) or (high is not None and value > high):
                    problem = (f"行 {rule.id} 的 {name} = {_show(value)}，超出区间 {span}",
                               f"row {rule.id}: {name} = {_show(value)} is outside {span}")
            if problem:
                bad_zh.append(problem[0])
                bad_en.append(problem[1])
                first = first or rule.id
    if not found:
        raise _Failure(f"表中没有输出 {name}", f"the table has no output {name}")
    if bad_zh:
        raise _Failure("；".join(bad_zh), "; ".join(bad_en), first)


# ------------------------------------------------------------------------------------------------
# scenarios


class _ScenarioLog(runner.StepLog):
    """The runtime's step log (clock directives are evaluated as the runtime would) that also records the
    path of completed elements and bounds the engine's work."""

    def __init__(self):
        super().__init__()
        self.path: list[str] = []
        self.seen: set = set()
        self.count = 0

    def task_completed(self, task) -> None:
        super().task_completed(task)
        self.note(task)

    def note(self, task) -> None:
        if task.id in self.seen:
            return
        self.seen.add(task.id)
        self.count += 1
        if self.count > MAX_ENGINE_TASKS:
            raise runner.EngineError(f"the scenario completed more than {MAX_ENGINE_TASKS} elements (a loop?)")
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and not (self.path and self.path[-1] == bpmn_id):  # a multi-instance task counts once
            self.path.append(bpmn_id)

    def catch_up(self, workflow) -> None:
        """Elements the engine completed without telling (e.g. inside an event's handling), by time."""
        done = [t for wf in [workflow, *workflow.subprocesses.values()] for t in wf.tasks.values()
                if t.state == TaskState.COMPLETED and t.id not in self.seen]
        for task in sorted(done, key=lambda t: t.last_state_change):
            self.note(task)


class _Run:
    def __init__(self, library: Library, bundle, calendar: OfficialCalendar):
        self.library = library
        self.workflow = runner.new_workflow(bundle.spec, bundle.subprocess_specs, calendar)
        self.log = _ScenarioLog()
        self.thrown: list[tuple[str, Any]] = []
        self.last_data: dict = {}

    def settle(self) -> None:
        self.log.catch_up(self.workflow)
        for event in self.workflow.get_events():
            payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
            self.thrown.append((event.event_definition.name, payload))
        self.shot = runner.snapshot(self.workflow)  # evaluates priority, dueDate, summary as the runtime does

    def data(self) -> dict:
        if self.workflow.is_completed():
            return dict(self.workflow.data)
        tasks = [t for wf in [self.workflow, *self.workflow.subprocesses.values()] for t in wf.tasks.values()
                 if t.state == TaskState.COMPLETED]
        return dict(max(tasks, key=lambda t: t.last_state_change).data) if tasks else dict(self.workflow.task_tree.data)

    def ready(self, bpmn_id: str):
        return [t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
                if t.task_spec.bpmn_id == bpmn_id]

    def waiting_timers(self):
        return [t for t in self.workflow.event_manager.tasks.values()
                if t.has_state(TaskState.WAITING) and isinstance(t.task_spec.event_definition, TimerEventDefinition)]

    def waiting_messages(self) -> list[str]:
        return sorted({m.name for m in self.shot.messages})


def _group_text(group: conventions.GroupRef | None) -> str | None:
    if group is None:
        return None
    return ("^" if group.parent_level else "") + f"{group.body}/{group.role}"


def _form_problems(form: dict, data: dict) -> list[str]:
    """What the runtime's form validation would refuse (docs/ui.md "Task forms"): fields the form does
    not declare, and JSON Schema errors (formats checked)."""
    declared = form["schema"].get("properties", {})
    out = [f"{k}: the form has no such field" for k in data if k not in declared]
    validator = Draft202012Validator(form["schema"], format_checker=FormatChecker())
    for error in validator.iter_errors(data):
        where = ".".join(str(p) for p in error.absolute_path) or "(form)"
        out.append(f"{where}: {error.message}")
    return out[:5]


def _check_expect(run: _Run, expect: dict) -> list[tuple[str, str]]:
    """Every unmet expectation as (zh, en)."""
    out: list[tuple[str, str]] = []
    shot = run.shot
    if "ended" in expect:
        ended = run.workflow.is_completed()
        if ended != expect["ended"]:
            out.append(("流程应当已结束，实际未结束" if expect["ended"] else "流程不应结束，实际已结束",
                        "the process should have ended, it has not" if expect["ended"]
                        else "the process should still run, it has ended"))
    if "ready" in expect:
        actual = {t.spec_name: t for t in shot.ready}
        actual_ids = sorted({t.spec_name for t in shot.ready})
        wanted = [i if isinstance(i, str) else i["task"] for i in expect["ready"]]
        if sorted(set(wanted)) != actual_ids:
            out.append((f"待办任务应为 {', '.join(sorted(set(wanted))) or '（无）'}，实际为 {', '.join(actual_ids) or '（无）'}",
                        f"ready tasks: expected {', '.join(sorted(set(wanted))) or '(none)'}, "
                        f"got {', '.join(actual_ids) or '(none)'}"))
        for item in expect["ready"]:
            if isinstance(item, dict) and "group" in item and item["task"] in actual:
                group = _group_text(actual[item["task"]].group)
                if group != item["group"]:
                    out.append((f"任务 {item['task']} 的候选组应为 {item['group']}，实际为 {group}",
                                f"task {item['task']}: candidate group expected {item['group']}, got {group}"))
    if "path" in expect:
        missing = _subsequence(expect["path"], run.log.path, lambda a, b: a == b)
        if missing is not None:
            element = expect["path"][missing]
            where = ("未经过" if element not in run.log.path else "顺序不对：")
            out.append((f"路径应依次经过 {' → '.join(expect['path'])}；{where}{element}（实际路径 {' → '.join(run.log.path)}）",
                        f"path: expected {' -> '.join(expect['path'])} in order; "
                        f"{'missing' if element not in run.log.path else 'out of order'}: {element} "
                        f"(actual path {' -> '.join(run.log.path)})"))
    for element in expect.get("not_path", []):
        if element in run.log.path:
            out.append((f"不应经过 {element}，实际经过了", f"the path should not pass {element}, it did"))
    if "thrown" in expect:
        def same(item, actual):
            name, payload = (item, None) if isinstance(item, str) else (item["name"], item.get("payload"))
            return actual[0] == name and (payload is None or _matches(payload, actual[1]))
        missing = _subsequence(expect["thrown"], run.thrown, same)
        if missing is not None:
            item = expect["thrown"][missing]
            name = item if isinstance(item, str) else item["name"]
            got = [n for n, _ in run.thrown]
            payloads = [p for n, p in run.thrown if n == name]
            diff = _difference(item.get("payload"), payloads[-1]) if payloads and not isinstance(item, str) else ""
            extra_zh = f"（{name} 的内容与期望不同：{diff}）" if diff else ""
            extra_en = f" ({name} differs from the expectation: {diff})" if diff else ""
            out.append((f"应依次发出消息 {', '.join(i if isinstance(i, str) else i['name'] for i in expect['thrown'])}；"
                        f"未发出（或内容不符）：{name}；实际发出 {', '.join(got) or '（无）'}{extra_zh}",
                        f"messages thrown: expected {', '.join(i if isinstance(i, str) else i['name'] for i in expect['thrown'])} "
                        f"in order; not thrown (or not as expected): {name}; thrown: {', '.join(got) or '(none)'}{extra_en}"))
    for name in expect.get("not_thrown", []):
        if any(n == name for n, _ in run.thrown):
            out.append((f"不应发出消息 {name}，实际发出了", f"message {name} should not have been thrown, it was"))
    if "timers" in expect:
        actual = sorted({t.task_spec.bpmn_id for t in run.waiting_timers()})
        if sorted(set(expect["timers"])) != actual:
            out.append((f"等待中的定时器应为 {', '.join(sorted(set(expect['timers']))) or '（无）'}，实际为 {', '.join(actual) or '（无）'}",
                        f"waiting timers: expected {', '.join(sorted(set(expect['timers']))) or '(none)'}, "
                        f"got {', '.join(actual) or '(none)'}"))
    if "messages" in expect:
        actual = run.waiting_messages()
        if sorted(set(expect["messages"])) != actual:
            out.append((f"等待的消息应为 {', '.join(sorted(set(expect['messages']))) or '（无）'}，实际为 {', '.join(actual) or '（无）'}",
                        f"messages waited for: expected {', '.join(sorted(set(expect['messages']))) or '(none)'}, "
                        f"got {', '.join(actual) or '(none)'}"))
    if "data" in expect:
        data = run.data()
        for path, expected in expect["data"].items():
            actual = _at_path(data, path)
            if actual is _MISSING:
                out.append((f"数据 {path} 应为 {_show(expected)}，实际没有该数据", f"data {path}: expected {_show(expected)}, it is not set"))
            elif not _matches(expected, actual):
                diff = _difference(expected, actual, path)
                out.append((f"数据 {path} 应为 {_show(expected)}，实际为 {_show(actual)}（{diff}）",
                            f"data {path}: expected {_show(expected)}, got {_show(actual)} ({diff})"))
    return out


def _element_of(run: _Run, task_name: str | None) -> str | None:
    if not task_name:
        return None
    for wf in [run.workflow, *run.workflow.subprocesses.values()]:
        for spec in wf.spec.task_specs.values():
            if task_name in (getattr(spec, "bpmn_name", None), spec.name):
                return getattr(spec, "bpmn_id", None)
    return None


def _step_label(number: int, step: dict | None) -> tuple[str, str]:
    if step is None:
        return "启动", "start"
    if "complete" in step:
        return f"第{number}步（办理 {step['complete']}）", f"step {number} (complete {step['complete']})"
    if "timer" in step:
        return f"第{number}步（定时器 {step['timer']} 到期）", f"step {number} (timer {step['timer']} fires)"
    return f"第{number}步（收到消息 {step['message']}）", f"step {number} (message {step['message']})"


def _do_step(run: _Run, step: dict) -> None:
    workflow = run.workflow
    if "complete" in step:
        tasks = run.ready(step["complete"])
        if not tasks:
            ready = ", ".join(sorted({t.spec_name for t in run.shot.ready})) or "（无）"
            raise _Failure(f"任务 {step['complete']} 不在待办中（待办：{ready}）",
                           f"task {step['complete']} is not ready (ready: {ready.replace('（无）', '(none)')})",
                           step["complete"])
        task = tasks[0]
        data = _resolve(dict(step.get("data") or {}))
        form_name = conventions.task_properties(task.task_spec).get("form")
        form = run.library.forms.get(form_name) if form_name else None
        if form is not None:
            problems = _form_problems(form, data)
            if problems:
                raise _Failure(f"提交的数据不符合表单 {form_name}：{'；'.join(problems)}",
                               f"the data does not match form {form_name}: {'; '.join(problems)}", step["complete"])
        _check_data(data, step["complete"])
        runner.complete_task(workflow, task, data, run.log)
    elif "timer" in step:
        timers = [t for t in run.waiting_timers() if t.task_spec.bpmn_id == step["timer"]]
        if not timers:
            waiting = ", ".join(sorted({t.task_spec.bpmn_id for t in run.waiting_timers()})) or "（无）"
            raise _Failure(f"定时器 {step['timer']} 不在等待中（等待中：{waiting}）",
                           f"timer {step['timer']} is not waiting (waiting: {waiting.replace('（无）', '(none)')})",
                           step["timer"])
        for timer in timers:
            # The timer's moment is "now" for this test: its value moves to the past, the clock stays.
            value = timer._get_internal_data("event_value")
            if isinstance(timer.task_spec.event_definition, CycleTimerEventDefinition):
                if isinstance(value, dict):
                    value["next"] = _PAST
            else:
                timer._set_internal_data(event_value=_PAST)
        runner.fire_timers(workflow, run.log)
    else:
        payload = _resolve(dict(step.get("payload") or {}))
        _check_data(payload, step["message"], names=False)
        runner.deliver_message(workflow, step["message"], payload, run.log)


def _check_data(data: dict, element: str | None, names: bool = True) -> None:
    try:
        task_data.check_variables(data, "data", value_limit=task_data.MAX_TASK_DATA_UNITS, names=names)
    except task_data.TaskDataError as exc:
        raise _Failure(f"数据不合法：{exc.message_zh}", f"data refused: {exc}", element) from None


def _run_scenario(library: Library, scenario: dict, calendar: OfficialCalendar) -> tuple[int | None, _Failure | None]:
    bundle = library.processes[scenario["process"]]
    start = scenario.get("start") or {}
    data = _resolve(dict(start.get("data") or {}))
    number, step = 0, None
    run = None
    try:
        _check_data(data, None)
        run = _Run(library, bundle, calendar)
        variables = {k: v for k, v in data.items() if k not in ("business_key", "jurisdiction")}
        run.workflow.task_tree.data.update(variables)
        run.workflow.task_tree.data.update({
            "business_key": start.get("business_key") or data.get("business_key") or f"TEST-{scenario['process']}",
            "jurisdiction": start.get("jurisdiction") or data.get("jurisdiction") or "test",
            "employer_name": data.get("employer_name")})
        runner.run_engine(run.workflow, run.log)
        if start.get("message"):
            runner.deliver_message(run.workflow, start["message"], data, run.log)
        run.settle()
        for number, step in enumerate(scenario.get("steps", []), start=1):
            _do_step(run, step)
            run.settle()
            unmet = _check_expect(run, step.get("expect") or {})
            if unmet:
                raise _Failure("；".join(z for z, _ in unmet), "; ".join(e for _, e in unmet), step.get("complete"))
        number, step = None, None
        unmet = _check_expect(run, scenario.get("expect") or {})
        if unmet:
            raise _Failure("；".join(z for z, _ in unmet), "; ".join(e for _, e in unmet))
    except _Failure as failure:
        return number, _located(failure, number, step)
    except runner.EngineError as exc:
        element = _element_of(run, exc.task_name) if run is not None else None
        where = f"（{exc.task_name}）" if exc.task_name else ""
        failure = _Failure(f"流程执行失败{where}：{exc}", f"the process failed{f' at {exc.task_name}' if exc.task_name else ''}: {exc}",
                           element)
        return number, _located(failure, number, step)
    return None, None


def _located(failure: _Failure, number: int | None, step: dict | None) -> _Failure:
    if number is None:
        failure.zh, failure.en = f"结束时：{failure.zh}", f"at the end: {failure.en}"
    else:
        zh, en = _step_label(number, step)
        failure.zh, failure.en = f"{zh}：{failure.zh}", f"{en}: {failure.en}"
    return failure


# ------------------------------------------------------------------------------------------------
# the run


def default_calendar() -> OfficialCalendar:
    """The calendar tests compute deadlines on when the caller gives none: the built-in years, provisional
    beyond them (a test must not fail because a year's holidays are not loaded yet)."""
    return OfficialCalendar.builtin().provisional()


def run_library(library: Library, calendar: OfficialCalendar | None = None) -> TestReport:
    """Run every test of every test file of ``library`` (built by :func:`library.build_library`)."""
    calendar = calendar or default_calendar()
    engine = runner.script_engine(calendar)
    report = TestReport()
    count = 0
    for filename, document in sorted(library.tests.items()):
        for group in document.get("decisions", []):
            for case in group["cases"]:
                count += 1
                report.results.append(_decision_result(library, engine, filename, group["decision"], case, count))
        for check in document.get("checks", []):
            count += 1
            report.results.append(_check_result(library, filename, check, count))
        for scenario in document.get("scenarios", []):
            count += 1
            report.results.append(_scenario_result(library, filename, scenario, calendar, count))
    return report


def _over_limit(filename: str, name: str, kind: str, target: str) -> TestResult:
    return TestResult(filename, name, kind, target, False, f"测试过多：一次最多运行 {MAX_TESTS} 个测试",
                      f"too many tests: at most {MAX_TESTS} run at once")


def _decision_result(library, engine, filename, decision_id, case, count) -> TestResult:
    if count > MAX_TESTS:
        return _over_limit(filename, case["name"], "decision", decision_id)
    try:
        _run_case(library, engine, decision_id, case)
    except _Failure as f:
        return TestResult(filename, case["name"], "decision", decision_id, False,
                          f"决策测试“{case['name']}”未通过：{f.zh}", f"decision test '{case['name']}' failed: {f.en}",
                          f.element or decision_id)
    return TestResult(filename, case["name"], "decision", decision_id, True, "通过", "passed")


def _check_result(library, filename, check, count) -> TestResult:
    if count > MAX_TESTS:
        return _over_limit(filename, check["name"], "check", check["decision"])
    try:
        _run_check(library, check)
    except _Failure as f:
        return TestResult(filename, check["name"], "check", check["decision"], False,
                          f"检查“{check['name']}”未通过：{f.zh}", f"check '{check['name']}' failed: {f.en}",
                          f.element or check["decision"])
    return TestResult(filename, check["name"], "check", check["decision"], True, "通过", "passed")


def _scenario_result(library, filename, scenario, calendar, count) -> TestResult:
    if count > MAX_TESTS:
        return _over_limit(filename, scenario["name"], "scenario", scenario["process"])
    number, failure = _run_scenario(library, scenario, calendar)
    if failure is not None:
        return TestResult(filename, scenario["name"], "scenario", scenario["process"], False,
                          f"场景“{scenario['name']}”未通过，{failure.zh}", f"scenario '{scenario['name']}' failed, {failure.en}",
                          failure.element, number)
    return TestResult(filename, scenario["name"], "scenario", scenario["process"], True, "通过", "passed")


# ------------------------------------------------------------------------------------------------
# a memo for deployments


_memo_lock = threading.Lock()
_passed_memo: set[str] = set()


def fingerprint(files: dict[str, bytes]) -> str:
    """What a run's outcome depends on: every file, the day (diagram text may read today's date) and the
    functions diagrams may call."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    digest.update(clock.today_local().isoformat().encode())
    digest.update(repr(functions.function_table()).encode())
    return digest.hexdigest()


def run_for_deployment(library: Library, files: dict[str, bytes]) -> TestReport:
    """:func:`run_library` for a deployment of ``files``: a library that passed today is not run again
    (the start-up sync of every server process deploys the same library)."""
    key = fingerprint(files)
    with _memo_lock:
        if key in _passed_memo:
            return TestReport(results=[])
    report = run_library(library)
    if report.passed:
        with _memo_lock:
            if len(_passed_memo) > 256:
                _passed_memo.clear()
            _passed_memo.add(key)
    return report
