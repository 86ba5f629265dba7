"""The process owners' view of deployed processes (docs/operations.md "Live view"): the process list
(versions, running instances per version, open incidents) and one version's diagram with, per element, the
instances there now — open user tasks, waiting timers, message waits —, the overdue tasks and the open
incidents, and the instances at one element.

Every figure is one grouped query over the projections (``task_row``, ``timer_row``,
``message_subscription``, ``incident``), never a walk over workflow states: the cost does not grow with the
states' size. Only timers and subscriptions stored before their waiting element was recorded (schema 0015)
are resolved from their instances' states, and only those instances are loaded; any step of such an
instance records the element.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.jobs import timers as jobs
from workflow_app.platform.persistence.models import (
    Incident,
    MessageSubscription,
    ProcessInstance,
    ProcessVersion,
    TaskRow,
    TimerRow,
)
from workflow_app.platform.processes import registry
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.tasks import inbox

log = logging.getLogger(__name__)

#: The most instances the list at one element shows (the page says when there are more).
AT_ELEMENT_LIMIT = 200
#: Kinds of what waits at an element.
KINDS = ("tasks", "timers", "messages")


def require_reader(principal: Principal) -> None:
    """Process owners read the list and the live views (docs/operations.md "Who")."""
    access.require_process_owner(principal)


def _running_by_version(session: Session, process_key: str | None = None) -> dict[int, int]:
    query = (select(ProcessInstance.process_version_id, func.count(ProcessInstance.id))
             .where(ProcessInstance.status == "running").group_by(ProcessInstance.process_version_id))
    if process_key is not None:
        query = query.where(ProcessInstance.process_key == process_key)
    return dict(session.execute(query).all())


def _incidents_by_process(session: Session) -> dict[str, int]:
    return dict(session.execute(
        select(ProcessInstance.process_key, func.count(Incident.id))
        .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
        .where(Incident.resolved_at.is_(None)).group_by(ProcessInstance.process_key)).all())


def process_list(session: Session, principal: Principal) -> list[dict]:
    """Each process (its latest name), its versions with their running instances, its open incidents."""
    require_reader(principal)
    running = _running_by_version(session)
    incidents = _incidents_by_process(session)
    versions: dict[str, list[dict]] = defaultdict(list)
    for v in session.execute(select(ProcessVersion.id, ProcessVersion.process_key, ProcessVersion.version,
                                    ProcessVersion.name, ProcessVersion.deployed_at)
                             .order_by(ProcessVersion.process_key, ProcessVersion.version.desc())):
        versions[v.process_key].append({"id": v.id, "version": v.version, "name": v.name,
                                        "deployed_at": v.deployed_at, "running": running.get(v.id, 0)})
    out = []
    for key, items in sorted(versions.items()):
        out.append({"key": key, "name": items[0]["name"], "latest": items[0]["version"], "versions": items,
                    "running": sum(i["running"] for i in items), "incidents": incidents.get(key, 0)})
    return out


def _pick_version(session: Session, process_key: str, version) -> tuple[ProcessVersion, list[dict]]:
    if registry.latest_version(session, process_key) is None:
        raise NotFound(f"流程 {process_key} 不存在", f"process {process_key!r} not found",
                       english=f"Process {process_key} does not exist")
    running = _running_by_version(session, process_key)
    rows = list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                                .order_by(ProcessVersion.version.desc())))
    versions = [{"version": v.version, "deployed_at": v.deployed_at, "running": running.get(v.id, 0)} for v in rows]
    if version not in (None, ""):
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise Invalid("版本号应为数字", "version must be a number", errors={"version": "应为数字"}) from None
        chosen = next((v for v in rows if v.version == number), None)
        if chosen is None:
            raise NotFound(f"流程 {process_key} 没有第 {number} 版", f"process {process_key!r} has no version {number}",
                           english=f"Process {process_key} has no version {number}")
        return chosen, versions
    # default: the latest version with running instances, else the latest
    return next((v for v in rows if running.get(v.id)), rows[0]), versions


def _xml(version: ProcessVersion) -> str:
    files = json.loads(version.files_json).get("bpmn", {})
    return next((text for text in files.values() if f'id="{version.process_key}"' in text),
                next(iter(files.values()), ""))


def _unknown_elements(session: Session, version: ProcessVersion, model) -> dict[str, str]:
    """task id -> element for rows of ``model`` (timers, subscriptions) without their element: from the
    states of only the instances that have such rows."""
    ids = list(session.scalars(
        select(model.instance_id).join(ProcessInstance, ProcessInstance.id == model.instance_id)
        .where(ProcessInstance.process_version_id == version.id, model.element.is_(None)).distinct()
        .limit(AT_ELEMENT_LIMIT)))
    found: dict[str, str] = {}
    for instance_id in ids:
        instance = session.get(ProcessInstance, instance_id)
        try:
            _v, _l, workflow = runtime.load_workflow(session, instance)
        except Exception:  # an unreadable state: its rows are counted under no element
            log.warning("live view: state of instance %s could not be restored", instance_id, exc_info=True)
            continue
        for wf in [workflow, *workflow.subprocesses.values()]:
            for task in wf.tasks.values():
                found[str(task.id)] = task.task_spec.name
    return found


def _grouped_waits(session: Session, version: ProcessVersion, model, pending) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    base = (select(model.element, func.count(model.id)).join(ProcessInstance, ProcessInstance.id == model.instance_id)
            .where(ProcessInstance.process_version_id == version.id, ProcessInstance.status == "running", pending)
            .group_by(model.element))
    unknown = 0
    for element, n in session.execute(base):
        if element is None:
            unknown = n
        else:
            counts[element] += n
    if unknown:
        resolved = _unknown_elements(session, version, model)
        for (task_id,) in session.execute(
                select(model.task_id).join(ProcessInstance, ProcessInstance.id == model.instance_id)
                .where(ProcessInstance.process_version_id == version.id, ProcessInstance.status == "running",
                       model.element.is_(None), pending)):
            counts[resolved.get(task_id, "")] += 1
    return counts


def live_view(session: Session, principal: Principal, process_key: str, version=None) -> dict:
    """One version's diagram and its figures per element: ``tasks`` (open user tasks), ``overdue`` (of those,
    late by the inbox's rule), ``timers`` (waiting timers), ``messages`` (message waits), ``incidents`` (open
    incidents of its timers); plus the open incidents of the version's instances, each with its element when
    it has one."""
    require_reader(principal)
    chosen, versions = _pick_version(session, process_key, version)
    now = clock.now()
    elements: dict[str, dict] = defaultdict(lambda: {"tasks": 0, "overdue": 0, "timers": 0, "messages": 0,
                                                     "incidents": 0})
    for spec, n, late in session.execute(
            select(TaskRow.task_spec, func.count(TaskRow.id),
                   func.sum(case((inbox.overdue_condition(now), 1), else_=0)))
            .where(TaskRow.process_version_id == chosen.id, TaskRow.status == "open").group_by(TaskRow.task_spec)):
        elements[spec]["tasks"] += n
        elements[spec]["overdue"] += int(late or 0)
    for element, n in _grouped_waits(session, chosen, TimerRow, TimerRow.status.in_(("pending", "incident"))).items():
        elements[element]["timers"] += n
    for element, n in _grouped_waits(session, chosen, MessageSubscription, True).items():
        elements[element]["messages"] += n

    incidents = []
    rows = session.execute(
        select(Incident, ProcessInstance.business_key, TimerRow.element, TimerRow.name)
        .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
        .outerjoin(TimerRow, and_(Incident.kind == "timer", TimerRow.id == Incident.ref_id))
        .where(ProcessInstance.process_version_id == chosen.id, Incident.resolved_at.is_(None))
        .order_by(Incident.id))
    for incident, business_key, element, timer_name in rows:
        if element:
            elements[element]["incidents"] += 1
        incidents.append({"id": incident.id, "kind": incident.kind, "instance_id": incident.instance_id,
                          "business_key": business_key, "element": element, "timer": timer_name,
                          "error": incident.error, "attempts": incident.attempts, "created_at": incident.created_at})
    elements.pop("", None)
    totals = {k: sum(e[k] for e in elements.values()) for k in ("tasks", "overdue", "timers", "messages")}
    totals["incidents"] = len(incidents)
    return {"process_key": process_key, "name": chosen.name, "version": chosen.version, "versions": versions,
            "running": next(v["running"] for v in versions if v["version"] == chosen.version),
            "xml": _xml(chosen), "has_di": "BPMNDiagram" in _xml(chosen),
            "elements": dict(elements), "totals": totals, "incidents": incidents}


def instances_at(session: Session, principal: Principal, process_key: str, version, element: str) -> dict:
    """The instances of one version at one element: their open task there (business key, started, due,
    assignee, overdue), or what they wait for (a timer's due time, a message)."""
    require_reader(principal)
    if not isinstance(element, str) or not element or len(element) > 200:
        raise Invalid("请选择流程图中的环节", "element must be a BPMN element id", errors={"element": "请选择环节"})
    chosen, _ = _pick_version(session, process_key, version)
    now = clock.now()
    items = []
    for row, started_at, late in session.execute(
            select(TaskRow, ProcessInstance.started_at, case((inbox.overdue_condition(now), True), else_=False))
            .join(ProcessInstance, ProcessInstance.id == TaskRow.instance_id)
            .where(TaskRow.process_version_id == chosen.id, TaskRow.status == "open", TaskRow.task_spec == element)
            .order_by(TaskRow.due_at.is_(None), TaskRow.due_at, TaskRow.created_at).limit(AT_ELEMENT_LIMIT + 1)):
        items.append({"kind": "task", "instance_id": row.instance_id, "business_key": row.business_key,
                      "started_at": started_at, "due_at": row.due_at, "assignee": row.assignee,
                      "candidate_group": row.candidate_group, "task_id": row.id, "name": row.name,
                      "overdue": bool(late)})
    for model, kind in ((TimerRow, "timer"), (MessageSubscription, "message")):
        when_col = TimerRow.due_at if model is TimerRow else MessageSubscription.created_at
        label = TimerRow.name if model is TimerRow else MessageSubscription.message_name
        resolved = None
        for instance_id, business_key, started_at, when, name, row_element, task_id in session.execute(
                select(model.instance_id, ProcessInstance.business_key, ProcessInstance.started_at, when_col, label,
                       model.element, model.task_id)
                .join(ProcessInstance, ProcessInstance.id == model.instance_id)
                .where(ProcessInstance.process_version_id == chosen.id, ProcessInstance.status == "running",
                       or_(model.element == element, model.element.is_(None)))
                .order_by(when_col).limit(AT_ELEMENT_LIMIT + 1)):
            if row_element is None:  # stored before its element was recorded: ask the instance's state
                resolved = resolved if resolved is not None else _unknown_elements(session, chosen, model)
                if resolved.get(task_id) != element:
                    continue
            items.append({"kind": kind, "instance_id": instance_id, "business_key": business_key,
                          "started_at": started_at, "due_at": when if kind == "timer" else None,
                          "waiting_since": when if kind == "message" else None, "assignee": None, "name": name,
                          "overdue": False})
    more = len(items) > AT_ELEMENT_LIMIT
    return {"element": element, "version": chosen.version, "items": items[:AT_ELEMENT_LIMIT], "more": more}


def retry_incident(session: Session, principal: Principal, process_key: str, incident_id: int):
    """Put an incident of this process's instances back in the queue (audited by the job runner's retry)."""
    access.require_can_deploy(session, principal)
    incident = session.get(Incident, incident_id) if isinstance(incident_id, int) else None
    key = session.scalar(select(ProcessInstance.process_key).where(ProcessInstance.id == incident.instance_id)) \
        if incident is not None and incident.instance_id is not None else None
    if incident is None or key != process_key:
        raise NotFound("故障记录不存在", f"incident {incident_id} of process {process_key!r} not found",
                       english="The incident does not exist")
    return jobs.retry_incident(session, incident_id, principal.username)
