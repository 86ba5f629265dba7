"""Where a process instance has been and where it is now, for its diagram: each BPMN element completed or
active, read from the engine's task tree (SpiffWorkflow's own ``TaskState``) and the task rows.

The stored state is restored through the runtime (``instances.load_workflow``), never read as raw JSON.
"""
from __future__ import annotations

import json
import logging

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.persistence.models import ProcessInstance, ProcessVersion, TaskRow
from workflow_app.platform.runtime import instances

log = logging.getLogger(__name__)

#: Engine states in which an element counts as current: ready, started, or waiting (a timer, a message).
ACTIVE_STATES = TaskState.READY | TaskState.STARTED | TaskState.WAITING


def _engine_tasks(workflow):
    """Every task of the workflow and of its subprocesses (call activities, embedded subprocesses)."""
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def _engine_states(session: Session, instance: ProcessInstance) -> dict[str, str]:
    states: dict[str, str] = {}
    try:
        _version, _loaded, workflow = instances.load_workflow(session, instance)
    except Exception:  # an unreadable state still shows the task rows' progress, never a failed page
        log.warning("diagram: state of instance %s could not be restored", instance.id, exc_info=True)
        return states
    running = instance.status == "running"
    for task in _engine_tasks(workflow):
        spec = task.task_spec.name
        if task.state == TaskState.COMPLETED:
            states.setdefault(spec, "completed")
        elif task.state & ACTIVE_STATES and running:
            states[spec] = "active"
    return states


def element_states(session: Session, instance: ProcessInstance, tasks: list[TaskRow]) -> dict[str, str]:
    """BPMN element id -> ``completed`` | ``active``: the engine's task tree, then the task rows (an open
    user task is active, a completed one completed unless the element is active again, e.g. in a loop)."""
    states = _engine_states(session, instance)
    for t in tasks:
        if t.status == "open":
            states[t.task_spec] = "active"
        elif t.status == "completed" and states.get(t.task_spec) != "active":
            states[t.task_spec] = "completed"
    return states


def diagram(session: Session, instance: ProcessInstance) -> dict:
    """The instance's BPMN (the file of its process, from the deployed version), its element states and
    its open tasks — what the case file's diagram draws."""
    version = session.get(ProcessVersion, instance.process_version_id)
    files = json.loads(version.files_json).get("bpmn", {})
    xml = next((text for text in files.values() if f'id="{instance.process_key}"' in text),
               next(iter(files.values()), ""))
    tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id)).all()
    open_tasks = {t.task_spec: {"name": t.name, "assignee": t.assignee, "due_at": t.due_at and t.due_at.isoformat()}
                  for t in tasks if t.status == "open"}
    return {"process_key": instance.process_key, "version": version.version, "xml": xml,
            "has_di": "BPMNDiagram" in xml, "elements": element_states(session, instance, tasks),
            "open_tasks": open_tasks}
