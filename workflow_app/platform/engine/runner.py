"""Running a workflow one step at a time and describing what it waits for.

The service layer loads a workflow, asks this module to start it or complete a task, then takes a
:class:`Snapshot` — the ready user tasks, pending timers and message subscriptions — and writes it to the
projection tables. Nothing here touches the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from workflow_app.platform import clock
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import conventions, sandbox, script_environment

# Spiff's timers call datetime.now() from their own module; make them follow the application clock so
# tests (and the worker) can move time without sleeping.
spiff_timer.datetime = clock.ClockDateTime

#: Spiff stops iterating a task tree at depth 1000 and then silently stalls (docs/sandbox.md, "Engine limits"). Refuse any
#: step that would take a workflow near that limit.
MAX_TASK_DEPTH = 800


class EngineError(Exception):
    """A step failed inside the engine: a script raised, a limit was hit, a gateway had no way out."""

    def __init__(self, message: str, task_name: str | None = None):
        self.task_name = task_name
        super().__init__(message)


def script_engine(calendar: OfficialCalendar) -> PythonScriptEngine:
    """The engine a workflow runs diagram text with: the sandbox, deadlines computed on ``calendar``."""
    return PythonScriptEngine(environment=script_environment.RestrictedEnvironment(calendar))


def build_only_script_engine() -> PythonScriptEngine:
    """For the deploy-time check that a process instantiates: it never runs diagram text."""
    return PythonScriptEngine(environment=script_environment.BuildOnlyEnvironment())


def calendar_of(workflow: BpmnWorkflow) -> OfficialCalendar:
    """The official calendar the workflow's diagram text computes with (what its step used)."""
    return workflow.script_engine.environment.calendar


@dataclass
class ReadyTask:
    id: str
    spec_name: str
    name: str
    lane: str | None
    group: conventions.GroupRef | None
    form: str | None
    priority: int
    due_at: datetime | None
    summary: str | None
    #: ``sameAssigneeAs`` property: the diagram id of a task whose last handler gets this task again.
    same_assignee_as: str | None = None


@dataclass
class PendingTimer:
    task_id: str
    name: str
    due_at: datetime
    element: str | None = None  # the waiting BPMN element (its task spec name)


@dataclass
class PendingMessage:
    task_id: str
    name: str
    correlation_key: str | None  # the waiting task's ``correlation_key`` variable; None: the business key
    element: str | None = None  # the waiting BPMN element (its task spec name)


@dataclass
class Snapshot:
    ready: list[ReadyTask] = field(default_factory=list)
    timers: list[PendingTimer] = field(default_factory=list)
    messages: list[PendingMessage] = field(default_factory=list)
    completed: bool = False



def new_workflow(spec, subprocess_specs, calendar: OfficialCalendar) -> BpmnWorkflow:
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(calendar))


def _guarded(action, *args):
    try:
        return action(*args)
    except EngineError:
        raise
    except SpiffWorkflowException as exc:
        task = getattr(exc, "task", None)
        name = task.task_spec.bpmn_name or task.task_spec.name if task is not None else None
        raise EngineError(_message(exc), name) from None
    except sandbox.ScriptError as exc:
        raise EngineError(str(exc)) from None
    except RecursionError:
        raise EngineError("process recursion is too deep") from None


def _message(exc: Exception) -> str:
    # Spiff wraps the real error (raised inside its except block): report the cause, not only the wrapper.
    inner = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    text = str(exc).strip()
    if inner is not None and str(inner) and str(inner) not in text:
        text = f"{text}: {inner}"
    return text


#: Task properties that drive a case's statutory clocks (see services/clocks.py).
CLOCK_PROPERTIES = ("startClock", "stopClock", "suspendClock", "resumeClock", "extendClock")
#: Every task property this module evaluates as an expression; deployment compiles each (engine/library.py).
EXPRESSION_PROPERTIES = ("priority", "dueDate", "summary", *CLOCK_PROPERTIES)


@dataclass
class ClockDirective:
    kind: str  # one of CLOCK_PROPERTIES
    value: Any  # evaluated expression
    task_name: str


class StepLog:
    """What a step did that the services must act on: clock directives of the tasks it completed."""

    def __init__(self):
        self.directives: list[ClockDirective] = []

    def task_completed(self, task) -> None:
        props = conventions.task_properties(task.task_spec)
        for kind in CLOCK_PROPERTIES:
            if props.get(kind):
                value = _evaluate_property(task, kind, props[kind])
                if value not in (None, "", [], {}):
                    self.directives.append(ClockDirective(kind, value, task.task_spec.bpmn_name or task.task_spec.name))


def run_engine(workflow: BpmnWorkflow, log: StepLog | None = None) -> None:
    """Advance everything the engine can do by itself, then check the depth guard."""
    _guarded(workflow.do_engine_steps, None, log.task_completed if log else None)
    depth = tree_depth(workflow)
    if depth > MAX_TASK_DEPTH:
        raise EngineError(f"task tree depth {depth} exceeds the limit of {MAX_TASK_DEPTH}: "
                          "the process loops by back edges; model the loop with loop characteristics "
                          "or start one instance per cycle")


def find_ready_task(workflow: BpmnWorkflow, task_id: str):
    from uuid import UUID
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError):
        return None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        return None
    return task


def complete_task(workflow: BpmnWorkflow, task, data: dict, log: StepLog | None = None) -> None:
    task.data.update(data)
    _guarded(task.run)
    if log is not None:
        log.task_completed(task)
    run_engine(workflow, log)


def fire_timers(workflow: BpmnWorkflow, log: StepLog | None = None) -> None:
    """Let every timer whose time has come (by the application clock) fire, then advance."""
    _guarded(workflow.refresh_timers)
    run_engine(workflow, log)


def waits_for_message(workflow: BpmnWorkflow, name: str) -> bool:
    return any(isinstance(t.task_spec.event_definition, MessageEventDefinition)
               and t.task_spec.event_definition.name == name and t.has_state(TaskState.WAITING)
               for t in workflow.event_manager.tasks.values())


def deliver_message(workflow: BpmnWorkflow, name: str, payload: dict, log: StepLog | None = None) -> None:
    """Hand a message to the task waiting for it (its payload becomes task data), then advance."""
    waiting = [t for t in workflow.event_manager.tasks.values()
               if isinstance(t.task_spec.event_definition, MessageEventDefinition)
               and t.task_spec.event_definition.name == name and t.has_state(TaskState.WAITING)]
    if not waiting:
        raise EngineError(f"the instance is not waiting for message '{name}'")
    event = BpmnEvent(waiting[0].task_spec.event_definition, payload=payload, correlations={})
    _guarded(workflow.send_event, event)
    run_engine(workflow, log)


def message_start_names(spec) -> set[str]:
    """Names of the messages that start this process (message start events)."""
    names = set()
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and type(task_spec).__name__ == "StartEvent":
            names.add(definition.name)
    return names


def tree_depth(workflow: BpmnWorkflow) -> int:
    """Deepest live (not finished) task, walking parents; O(tasks) and independent of Spiff's iterator."""
    deepest = 0
    live = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.FUTURE | TaskState.LIKELY
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            if task.state & live:
                deepest = max(deepest, task.depth)
    return deepest


def _as_datetime(value: Any) -> datetime | None:
    """Interpret a dueDate expression result: datetime, date (end of day), ISO text or ISO duration."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.CHINA_TZ)
    if isinstance(value, date):
        return clock.end_of_day(value)
    if isinstance(value, timedelta):
        return clock.now() + value
    if isinstance(value, str):
        text = value.strip()
        if text.upper().startswith("P"):
            parsed = TimerEventDefinition.parse_iso_duration(text)
            return clock.now() + TimerEventDefinition.get_timedelta_from_start(parsed, clock.now())
        return _as_datetime(clock.parse_day_or_instant(text))
    raise ValueError(f"cannot use {type(value).__name__} as a due date")


def _evaluate_property(task, name: str, text: str) -> Any:
    try:
        return task.workflow.script_engine.environment.evaluate(text, task.data)
    except sandbox.ScriptError as exc:
        raise EngineError(f"property {name}: {exc}", task.task_spec.bpmn_name) from None
    except Exception as exc:  # the expression's own error (NameError, TypeError...) is the process owner's
        raise EngineError(f"property {name}: {type(exc).__name__}: {exc}", task.task_spec.bpmn_name) from None


def describe_ready_task(task) -> ReadyTask:
    spec = task.task_spec
    props = conventions.task_properties(spec)
    priority = conventions.DEFAULT_PRIORITY
    if props.get("priority"):
        value = _evaluate_property(task, "priority", props["priority"])
        try:
            priority = int(value)
        except (TypeError, ValueError):
            raise EngineError(f"property priority: {value!r} is not a number", spec.bpmn_name) from None
    due_at = None
    if props.get("dueDate"):
        value = _evaluate_property(task, "dueDate", props["dueDate"])
        try:
            due_at = _as_datetime(value)
        except Exception as exc:
            raise EngineError(f"property dueDate: {exc}", spec.bpmn_name) from None
    summary = None
    if props.get("summary"):
        summary = str(_evaluate_property(task, "summary", props["summary"]))[:500]
    return ReadyTask(
        id=str(task.id),
        spec_name=spec.name,
        name=spec.bpmn_name or spec.name,
        lane=getattr(spec, "lane", None),
        group=conventions.candidate_group_of(spec),
        form=props.get("form"),
        priority=priority,
        due_at=due_at,
        summary=summary,
        same_assignee_as=props.get("sameAssigneeAs") or None,
    )


def snapshot(workflow: BpmnWorkflow) -> Snapshot:
    shot = Snapshot(completed=workflow.is_completed())
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        shot.ready.append(describe_ready_task(task))
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        definition = task.task_spec.event_definition
        if isinstance(definition, TimerEventDefinition):
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):  # cycle timers keep their next firing
                value = value.get("next")
            if value:
                due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
                shot.timers.append(PendingTimer(str(task.id), definition.name or task.task_spec.name, due,
                                                task.task_spec.name))
        elif isinstance(definition, MessageEventDefinition):
            key = task.data.get("correlation_key")
            shot.messages.append(PendingMessage(str(task.id), definition.name, str(key) if key else None,
                                                task.task_spec.name))
    return shot
