"""Moving a running workflow to another version of its process, with SpiffWorkflow's own diff and
migration (``SpiffWorkflow.bpmn.util.diff``): what the move changes, whether it may happen, and the move.
No database: the operations layer stores the result (docs/operations.md "Migration").

SpiffWorkflow aligns the elements of two versions by their BPMN id (then by their place between aligned
neighbours), lists the elements of the source that have no counterpart in the target (removed) and the
attributes that differ for the others (changed), and migrates a workflow by swapping the specs of its tasks
and resetting every ready or waiting task, so that what lies ahead of it is predicted from the target.
This module adds what a running case needs on top:

* a task of a removed element that is ready, waiting or started cannot move (its work would vanish), and
  neither can one completed or cancelled (the stored history names an element the target lacks, and the
  state could not be loaded again); predicted tasks of removed elements are dropped by the reset;
* a running subprocess whose definition the target lacks cannot move;
* a reset keeps what an unchanged waiting element had computed: a timer keeps its due time, a ready task
  its data (SpiffWorkflow's reset would compute them again from the moment of the migration); a changed
  element is reset and its timer is computed again — the plan says so;
* the moved state is stored and restored once before it is accepted (what is stored is what loads).
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from workflow_app.platform.engine import runner, serialization

#: Attributes whose difference says only that a neighbour changed (a flow was added or removed next to
#: the element), not the element itself.
NEIGHBOUR_ATTRIBUTES = frozenset({"inputs", "outputs"})
#: States of tasks that are only predictions: a reset drops them and predicts again from the target.
PREDICTED = TaskState.MAYBE | TaskState.LIKELY | TaskState.FUTURE
#: States SpiffWorkflow's migration resets.
RESET = TaskState.READY | TaskState.WAITING
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class Obstacle:
    """Why an instance cannot move: a code, the element concerned and the sentence in both languages."""
    code: str
    element: str
    name: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "element": self.element, "name": self.name,
                "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass
class Reset:
    """An active task whose element changed in the target: it is reset (same task id) on the new element."""
    element: str
    name: str
    attributes: list[str]

    def as_dict(self) -> dict:
        return {"element": self.element, "name": self.name, "attributes": self.attributes}


@dataclass
class Plan:
    obstacles: list[Obstacle] = field(default_factory=list)
    resets: list[Reset] = field(default_factory=list)

    @property
    def movable(self) -> bool:
        return not self.obstacles


class MigrationRefused(Exception):
    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__("; ".join(o.message_en for o in plan.obstacles))


def _label(spec) -> str:
    return spec.bpmn_name or spec.name


def _significant(changes) -> list[str]:
    return sorted(a for a in changes if a not in NEIGHBOUR_ATTRIBUTES)


def _examine(workflow, spec, subprocess_specs):
    # What SpiffWorkflow's diff_workflow does, keeping each SpecDiff for the changed attributes.
    registry = serialization.spec_registry()
    top_spec_diff = SpecDiff(registry, workflow.spec, spec)
    plan = Plan()
    diffs = [(workflow, WorkflowDiff(workflow, top_spec_diff), spec, top_spec_diff)]
    for sp in workflow.subprocesses.values():
        target = subprocess_specs.get(sp.spec.name)
        if target is None:
            name = sp.spec.name
            plan.obstacles.append(Obstacle(
                "subprocess_missing", name, name, f"子流程“{name}”在目标版本中不存在，而实例正在其中办理",
                f"the running subprocess {name!r} has no definition in the target version"))
            continue
        sp_spec_diff = SpecDiff(registry, sp.spec, target)
        diffs.append((sp, WorkflowDiff(sp, sp_spec_diff), target, sp_spec_diff))
    seen: set[tuple[str, str]] = set()
    for _wf, diff, _spec, spec_diff in diffs:
        for task in diff.removed:
            key = (task.task_spec.name, "removed")
            if task.state & PREDICTED or key in seen:
                continue
            seen.add(key)
            name = _label(task.task_spec)
            if task.state & ACTIVE:
                plan.obstacles.append(Obstacle(
                    "removed_active", task.task_spec.name, name, f"实例正停在“{name}”，该环节在目标版本中已删除",
                    f"a token is on {task.task_spec.name!r}, which the target version removed"))
            else:
                plan.obstacles.append(Obstacle(
                    "removed_history", task.task_spec.name, name,
                    f"已办结的环节“{name}”在目标版本中已删除，其办理记录无法在新版本中保留",
                    f"the completed element {task.task_spec.name!r} was removed in the target version: "
                    "its history cannot be kept"))
        for task in diff.changed:
            attributes = _significant(spec_diff.changed.get(task.task_spec, []))
            if attributes and task.state & RESET and (task.task_spec.name, "changed") not in seen:
                seen.add((task.task_spec.name, "changed"))
                plan.resets.append(Reset(task.task_spec.name, _label(task.task_spec), attributes))
    return plan, diffs


def plan(workflow, spec, subprocess_specs) -> Plan:
    """What moving ``workflow`` to ``spec`` (and its ``subprocess_specs``) would do: its obstacles, the
    tasks it would reset. The workflow is not changed."""
    result, _ = _examine(workflow, spec, subprocess_specs)
    if result.movable:
        try:  # the whole move on a copy: what would be stored must load again
            _move(_copy(workflow, spec_of=workflow), spec, subprocess_specs, result, check_only=True)
        except MigrationRefused as exc:
            return exc.plan
    return result


def _copy(workflow, spec_of):
    text = serialization.dump_state(workflow)
    return serialization.load_state(text, spec_of.spec, spec_of.subprocess_specs, workflow.script_engine)


def migrate(workflow, spec, subprocess_specs):
    """Move ``workflow`` to ``spec``; returns ``(moved workflow, plan)``. Raises :class:`MigrationRefused`
    (with the plan's obstacles) when it cannot move; ``workflow`` itself must then be discarded."""
    result, _ = _examine(workflow, spec, subprocess_specs)
    if not result.movable:
        raise MigrationRefused(result)
    return _move(workflow, spec, subprocess_specs, result), result


def _move(workflow, spec, subprocess_specs, result: Plan, check_only: bool = False):
    _, diffs = _examine(workflow, spec, subprocess_specs)
    changed = {r.element for r in result.resets}
    kept = {}
    for wf, _diff, _spec, _sd in diffs:
        for task in wf.get_tasks(state=RESET, skip_subprocesses=True):
            if task.task_spec.name not in changed:
                kept[task.id] = (task.task_spec.name, deepcopy(task.internal_data), deepcopy(task.data))
    for wf, diff, target, _sd in diffs:
        migrate_workflow(diff, wf, target)
    workflow.subprocess_specs = subprocess_specs
    for wf, _diff, _spec, _sd in diffs:
        for task in wf.get_tasks(state=RESET, skip_subprocesses=True):
            saved = kept.get(task.id)
            if saved is not None and saved[0] == task.task_spec.name:
                task.internal_data, task.data = saved[1], saved[2]
    try:
        text = serialization.dump_state(workflow)
        moved = serialization.load_state(text, spec, subprocess_specs, workflow.script_engine)
        runner.snapshot(moved)
    except Exception as exc:  # whatever SpiffWorkflow raises: the instance stays where it is
        result.obstacles.append(Obstacle(
            "not_restorable", "", "", f"迁移后的流程状态无法在目标版本中恢复：{exc}",
            f"the migrated state cannot be restored on the target version: {type(exc).__name__}: {exc}"))
        raise MigrationRefused(result) from None
    return moved
