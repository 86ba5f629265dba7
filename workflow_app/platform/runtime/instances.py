"""Durable execution: start instances and complete tasks, persisting state and projections together.

Each use case runs in one transaction: load the instance (deserialize, no history replay) with the
database's official calendar (``calendar_years.current``: the engine computes the diagrams' deadlines on
it), let the engine step, write the state back under the optimistic ``lock_version``, and re-project the
instance's ready user tasks, pending timers and message subscriptions. The cost of a step depends only on the
instance itself, never on how many other instances exist.

:func:`in_transaction` retries a use case whose optimistic write lost a race; after the retries the
caller gets a clean 409.
"""
from __future__ import annotations

import json
import logging
from typing import Callable, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from workflow_app.platform import clock
from workflow_app.platform.persistence.database import Database, in_transaction
from workflow_app.platform.engine import runner, serialization, task_data
from workflow_app.platform.persistence.models import (
    Bureau,
    Group,
    Membership,
    MessageSubscription,
    OutboxMessage,
    ProcessInstance,
    ProcessVersion,
    TaskRow,
    TimerRow,
    User,
)
from workflow_app.platform.identity import access, directory as identity
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.deadlines import calendar_years, statutory_clocks as clocks
from workflow_app.platform.forms import validation as forms
from workflow_app.platform.processes import registry
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound, ProcessFailed
from workflow_app.platform.identity.directory import Principal

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_VARIABLES_BYTES = 256 * 1024
RETRIES = 5


#: Synchronous handlers for thrown messages, by message name: domain actions that belong to the same
#: transaction as the step that threw them (e.g. intake opening one case per handling body). The
#: bootstrap registers them (``entrypoints/bootstrap.py``); importing a module registers nothing.
EventHandler = Callable[[Session, ProcessInstance, dict, Principal], None]
_EVENT_HANDLERS: dict[str, EventHandler] = {}


def register_event_handler(message_name: str, handler: EventHandler) -> None:
    """Handle the thrown message ``message_name`` with ``handler``. Registering the same handler again does
    nothing; a second handler for the same message is refused (one message, one owner)."""
    existing = _EVENT_HANDLERS.get(message_name)
    if existing is not None and existing is not handler:
        raise ValueError(f"message {message_name!r} is already handled by {existing.__module__}.{existing.__qualname__}")
    _EVENT_HANDLERS[message_name] = handler


def event_handlers() -> dict[str, EventHandler]:
    """The registered handlers by message name (a copy)."""
    return dict(_EVENT_HANDLERS)



def _check_variables(variables: dict) -> dict:
    if not isinstance(variables, dict):
        raise Invalid("流程变量格式不正确", "variables must be a JSON object", errors={"variables": "应为对象"})
    bad = [k for k in variables if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise Invalid("流程变量名不合法", f"variable names must be identifiers not starting with '_': {bad}",
                      errors={"variables": f"变量名不合法：{', '.join(map(str, bad))}"})
    if len(json.dumps(variables, ensure_ascii=False, default=str)) > MAX_VARIABLES_BYTES:
        raise Invalid("流程变量过大", "variables exceed 256 KiB", errors={"variables": "数据过大"})
    check_task_data(variables, "variables")
    return variables


def check_task_data(data: dict, field: str, names: bool = True) -> None:
    """Refuse values the instance could not store and load again (docs/sandbox.md, "Task data"): the one
    check every entry uses — start variables, form data, message payloads. The error names the field."""
    try:
        task_data.check_variables(data, field, value_limit=task_data.MAX_TASK_DATA_UNITS, names=names)
    except task_data.TaskDataError as exc:
        raise Invalid(f"数据不合法：{exc.message_zh}", f"{exc.path}: {exc.reason}",
                      errors={exc.path or field: exc.message_zh}) from None


def start_instance(session: Session, principal: Principal, process_key: str, business_key: str,
                   jurisdiction: str, variables: dict | None = None, employer_name: str | None = None,
                   summary: str | None = None, authorize: bool = True) -> ProcessInstance:
    """Start the latest version of a process. ``authorize=False`` is for the system itself acting on a
    process's behalf (a message start event), never for a user's request."""
    variables = _check_variables(dict(variables or {}))
    if not business_key or len(business_key) > 100:
        raise Invalid("案件编号不能为空且不超过100字", "business_key must be 1-100 characters",
                      errors={"business_key": "案件编号不能为空且不超过100字"})
    if session.scalar(select(Bureau.id).where(Bureau.code == jurisdiction)) is None:
        raise Invalid(f"辖区 {jurisdiction} 不存在", f"unknown jurisdiction {jurisdiction!r}",
                      errors={"jurisdiction": "辖区不存在"})
    parents = identity.parent_map(session)
    if authorize:
        access.require_can_start(principal, jurisdiction, parents)
    version = registry.get_version(session, process_key)
    loaded = registry.spec_cache.get(version)

    workflow = runner.new_workflow(loaded.spec, loaded.subprocess_specs, calendar_years.current(session))
    workflow.task_tree.data.update(variables)
    workflow.task_tree.data.update({"business_key": business_key, "jurisdiction": jurisdiction,
                                    "employer_name": employer_name or variables.get("employer_name")})
    log = runner.StepLog()
    _engine(runner.run_engine, workflow, log)

    now = clock.now()
    instance = ProcessInstance(
        process_key=process_key, process_version_id=version.id, business_key=business_key,
        jurisdiction=jurisdiction, status="running", state="{}",
        employer_name=employer_name or variables.get("employer_name"), summary=summary,
        started_at=now, started_by=principal.username, updated_at=now)
    session.add(instance)
    session.flush()
    audit.record(session, principal.username, "instance.start", "instance", instance.id,
                 instance_id=instance.id, business_key=business_key,
                 after={"process": process_key, "version": version.version, "jurisdiction": jurisdiction})
    persist_step(session, instance, version, workflow, log, principal, parents)
    return instance


def _engine(action, *args) -> None:
    try:
        action(*args)
    except runner.EngineError as exc:
        raise ProcessFailed(f"流程执行失败：{exc}", str(exc), task=exc.task_name) from None


def persist_step(session: Session, instance: ProcessInstance, version: ProcessVersion, workflow,
                 log: runner.StepLog, principal: Principal, parents: dict[str, str | None] | None = None) -> None:
    """After the engine moved: store the state (optimistic lock), re-project, dispatch thrown messages,
    apply clock directives — all in the caller's transaction."""
    events = workflow.get_events()  # drained before serializing, or they would be stored with the state
    instance.state = _dump(workflow)
    instance.updated_at = clock.now()
    _project(session, instance, version, workflow, parents if parents is not None else identity.parent_map(session))
    session.flush()  # raises StaleDataError here if another step of this instance committed first
    _dispatch_events(session, instance, events, principal)
    _engine(clocks.apply, session, instance, log.directives, principal.username, runner.calendar_of(workflow))


def store_migrated(session: Session, instance: ProcessInstance, version: ProcessVersion, workflow) -> None:
    """Store a workflow moved to ``version`` (docs/operations.md "Migration"): its state under the optimistic
    lock, the instance's version, and its projections rebuilt — task rows that stay keep their ids, timers
    and message subscriptions are re-derived from the engine's waiting tasks. No engine step runs."""
    instance.state = _dump(workflow)
    instance.process_version_id = version.id
    instance.updated_at = clock.now()
    _project(session, instance, version, workflow, identity.parent_map(session))
    session.flush()  # raises StaleDataError here if a step of this instance committed meanwhile


def load_workflow(session: Session, instance: ProcessInstance):
    """The instance's version, its loaded definitions and its workflow, whose diagram text computes on the
    database's official calendar."""
    version = session.get(ProcessVersion, instance.process_version_id)
    loaded = registry.spec_cache.get(version)
    engine = runner.script_engine(calendar_years.current(session))
    return version, loaded, serialization.load_state(instance.state, loaded.spec, loaded.subprocess_specs, engine)


def task_values(session: Session, row: TaskRow, names) -> dict:
    """The values of the process variables ``names`` as the open task ``row`` sees them (those it has),
    for a form that starts from them (``ui.prefill``, docs/ui.md "Task forms"); empty for a task that is no
    longer ready. The caller has checked that the reader may see the task."""
    names = [n for n in names if isinstance(n, str)]
    if not names or row.status != "open":
        return {}
    instance = session.get(ProcessInstance, row.instance_id)
    _, _, workflow = load_workflow(session, instance)
    task = runner.find_ready_task(workflow, row.id)
    if task is None:
        return {}
    return {n: task.data[n] for n in names if n in task.data}


def visible_task(session: Session, principal: Principal, task_id: str) -> TaskRow:
    """The task row, or 404 — also when it exists but is not the principal's to see (no leaking)."""
    row = session.get(TaskRow, task_id) if isinstance(task_id, str) and len(task_id) <= 36 else None
    if row is None or not access.can_see_task(principal, row):
        raise NotFound("任务不存在或无权查看", f"task {task_id} not found",
                       english="The task does not exist or you may not see it")
    return row


def complete_task(session: Session, principal: Principal, task_id: str, data: dict) -> TaskRow:
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if row.delegation_state == "pending":
        raise Conflict("任务已委派，需由被委派人办理后交回（resolve）", "delegated task: the delegate must resolve it")
    if row.assignee is None:
        raise Conflict("请先认领任务再办理", "task is not claimed", english="Claim the task before working on it")
    if row.assignee != principal.username:
        raise Forbidden("该任务由他人办理", f"task is assigned to {row.assignee}",
                        english="Someone else is handling this task")
    version = session.get(ProcessVersion, row.process_version_id)
    loaded = registry.spec_cache.get(version)
    form = loaded.forms.get(row.form) if row.form else None
    if form is None:
        raise ProcessFailed("任务表单缺失", f"form {row.form!r} not in version {version.id}")
    data = forms.validate(form, data)
    check_task_data(data, "data", names=False)

    # Compare-and-set: exactly one completer passes; on PostgreSQL the row lock also orders it against
    # a concurrent reassignment.
    claimed = session.execute(
        update(TaskRow).where(TaskRow.id == row.id, TaskRow.status == "open",
                              TaskRow.assignee == principal.username, TaskRow.row_version == row.row_version)
        .values(status="completing", row_version=TaskRow.row_version + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict("任务状态已变化，请刷新后重试", "task changed concurrently",
                       english="The task has changed; reload the page and try again")

    instance = session.get(ProcessInstance, row.instance_id)
    version, loaded, workflow = load_workflow(session, instance)
    task = runner.find_ready_task(workflow, row.id)
    if task is None:
        raise Conflict("任务已不在待办状态", "task is no longer ready in the workflow")
    log = runner.StepLog()
    _engine(runner.complete_task, workflow, task, data, log)
    session.execute(update(TaskRow).where(TaskRow.id == row.id).values(
        status="completed", completed_at=clock.now(), completed_by=principal.username, draft=None)
        .execution_options(synchronize_session=False))
    audit.record(session, principal.username, "task.complete", "task", row.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 before={"status": "open", "assignee": row.assignee},
                 after={"status": "completed", "data": data})
    persist_step(session, instance, version, workflow, log, principal)
    session.refresh(row)
    return row


def _dispatch_events(session: Session, instance: ProcessInstance, events, principal: Principal) -> None:
    """Thrown messages: a registered handler runs now, in this transaction; any other message goes to the
    outbox, written in this transaction and delivered after commit."""
    for index, event in enumerate(events):
        name = event.event_definition.name
        payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
        handler = _EVENT_HANDLERS.get(name)
        if handler is not None:
            handler(session, instance, payload, principal)
            continue
        # A message names its receiver with "to" (a case number or another correlation key); without it the
        # message can only start a new instance (message start event).
        session.add(OutboxMessage(
            instance_id=instance.id, message_name=name, correlation_key=str(payload.get("to") or "")[:300],
            payload=json.dumps(payload, ensure_ascii=False, default=str),
            idempotency_key=f"{instance.id}:{instance.lock_version}:{index}", status="pending", attempts=0,
            created_at=clock.now()))


def _dump(workflow) -> str:
    try:
        return serialization.dump_state(workflow)
    except serialization.StateNotStorable as exc:
        raise ProcessFailed(f"流程执行失败：{exc}", str(exc)) from None


def _require_open(row: TaskRow) -> None:
    if row.status != "open":
        raise Conflict("任务已办结或已取消", f"task is {row.status}")


def _returning_handler(session: Session, instance_id: int, spec_name: str | None, group_key: str) -> str | None:
    """Who handled ``spec_name`` last in this instance, while still an active member of the group: a task
    sent back (e.g. a refused approval, docs/procedures.md) returns to the person who worked it, not to
    the group's queue. None when the task was never completed or its handler has left the group."""
    if not spec_name:
        return None
    username = session.scalar(
        select(TaskRow.completed_by).where(TaskRow.instance_id == instance_id, TaskRow.task_spec == spec_name,
                                           TaskRow.status == "completed")
        .order_by(TaskRow.step.desc(), TaskRow.completed_at.desc()).limit(1))
    if not username:
        return None
    member = session.scalar(
        select(User.id).join(Membership, Membership.user_id == User.id).join(Group, Group.id == Membership.group_id)
        .where(User.username == username, User.is_active.is_(True), Group.key == group_key))
    return username if member is not None else None


def _project(session: Session, instance: ProcessInstance, version: ProcessVersion, workflow,
             parents: dict[str, str | None]) -> None:
    """Rewrite this instance's projections from the workflow's current state."""
    try:
        shot = runner.snapshot(workflow)
    except runner.EngineError as exc:
        raise ProcessFailed(f"流程执行失败：{exc}", str(exc), task=exc.task_name) from None
    now = clock.now()
    instance.tree_depth = runner.tree_depth(workflow)
    if shot.completed:
        instance.status, instance.completed_at = "completed", now

    open_rows = {r.id: r for r in session.scalars(
        select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.status == "open"))}
    ready_ids = {t.id for t in shot.ready}
    for task_id, row in open_rows.items():
        if task_id not in ready_ids:  # interrupted by a boundary event, a cancel, or a terminate end
            row.status, row.completed_at = "cancelled", now
    new_ids = [t.id for t in shot.ready if t.id not in open_rows]
    known = set(session.scalars(select(TaskRow.id).where(TaskRow.id.in_(new_ids)))) if new_ids else set()
    for ready in shot.ready:
        if ready.id in open_rows or ready.id in known:
            continue  # a row exists already (a task id is never ready twice)
        group = ready.group
        key = group.resolve(instance.jurisdiction, parents)
        bureau, body, role = key.split("/")
        assignee = _returning_handler(session, instance.id, ready.same_assignee_as, key)
        session.add(TaskRow(
            id=ready.id, instance_id=instance.id, process_key=instance.process_key, process_name=version.name,
            process_version_id=version.id, task_spec=ready.spec_name, name=ready.name, form=ready.form,
            candidate_group=key, bureau=bureau, body=body, role=role, assignee=assignee,
            claimed_at=now if assignee else None, owner=None,
            priority=ready.priority, due_at=ready.due_at, created_at=now, step=instance.lock_version, status="open",
            business_key=instance.business_key, employer_name=instance.employer_name,
            summary=ready.summary or instance.summary, row_version=1))

    session.execute(delete(TimerRow).where(TimerRow.instance_id == instance.id, TimerRow.status == "pending"))
    for timer in shot.timers:
        session.add(TimerRow(instance_id=instance.id, task_id=timer.task_id, element=timer.element, name=timer.name,
                             due_at=timer.due_at, status="pending", attempts=0))
    session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == instance.id))
    for message in shot.messages:
        session.add(MessageSubscription(
            instance_id=instance.id, task_id=message.task_id, element=message.element, message_name=message.name,
            correlation_key=(message.correlation_key or instance.business_key)[:300], created_at=now))
