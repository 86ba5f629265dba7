"""Migrating running instances of a process from one version to another (docs/operations.md "Migration").

A dry run tells, for each running instance of the source version, whether it can move to the target and
why not; a run moves the chosen instances in batches. Each instance moves in its own savepoint: its state is
migrated with SpiffWorkflow's diff and migration (``engine/version_migration.py``), checked (no ready task,
waiting timer or message subscription may be lost), stored with the target version and its projections
rebuilt, and audited; an instance that fails is rolled back to its savepoint — it stays on the source version,
untouched — and its reason is recorded. Statutory clocks belong to the instance, not to the version: they are
kept as they are. A run and its per-instance results are stored (``migration_run``, ``migration_result``).

Only process owners with deploy rights (``access.require_can_deploy``) dry-run or migrate: a migration
changes running cases of every bureau, as a deployment does (docs/security.md §2 "Deploy scope").
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.engine import runner, version_migration
from workflow_app.platform.errors import Conflict, DomainError, Invalid, NotFound
from workflow_app.platform.identity import access, directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import (
    MigrationResult,
    MigrationRun,
    ProcessInstance,
    ProcessVersion,
    TaskRow,
)
from workflow_app.platform.processes import registry
from workflow_app.platform.runtime import instances

log = logging.getLogger(__name__)

DEFAULT_BATCH = 50
MAX_BATCH = 500
#: The most instances one dry run examines (each is loaded); the page says when there are more.
DRY_RUN_LIMIT = 1000


@dataclass
class Candidate:
    """One instance in a dry run."""
    instance_id: int
    business_key: str
    started_at: datetime
    movable: bool
    obstacles: list[dict] = field(default_factory=list)
    resets: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"instance_id": self.instance_id, "business_key": self.business_key, "started_at": self.started_at,
                "movable": self.movable, "obstacles": self.obstacles, "resets": self.resets}


@dataclass
class DryRun:
    process_key: str
    source: ProcessVersion
    target: ProcessVersion
    candidates: list[Candidate]
    total: int  # running instances of the source version (the candidates may be fewer: DRY_RUN_LIMIT)

    @property
    def movable(self) -> list[Candidate]:
        return [c for c in self.candidates if c.movable]


class _InstanceFailed(Exception):
    def __init__(self, reason: str, detail: str, notes: list | None = None):
        self.reason, self.detail, self.notes = reason, detail, notes or []
        super().__init__(detail)


def _version(session: Session, process_key: str, number, field_name: str) -> ProcessVersion:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Invalid("请选择版本", f"{field_name} must be a version number",
                      errors={field_name: "请选择版本"}) from None
    found = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                        ProcessVersion.version == number))
    if found is None:
        raise NotFound(f"流程 {process_key} 没有第 {number} 版", f"process {process_key!r} has no version {number}",
                       english=f"Process {process_key} has no version {number}")
    return found


def _versions(session: Session, process_key: str, source, target) -> tuple[ProcessVersion, ProcessVersion]:
    if not isinstance(process_key, str) or registry.latest_version(session, process_key) is None:
        raise NotFound(f"流程 {process_key} 不存在", f"process {process_key!r} not found")
    src = _version(session, process_key, source, "source_version")
    tgt = _version(session, process_key, target, "target_version")
    if src.id == tgt.id:
        raise Invalid("源版本与目标版本相同", "source and target version are the same",
                      errors={"target_version": "目标版本须不同于源版本"})
    return src, tgt


def _instance_ids(value) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise Invalid("实例编号格式不正确", "instance_ids must be a list of integers",
                      errors={"instance_ids": "应为实例编号列表"})
    return sorted(set(value))


def _running(session: Session, source: ProcessVersion, ids: list[int] | None, limit: int | None = None):
    query = (select(ProcessInstance).where(ProcessInstance.process_version_id == source.id,
                                           ProcessInstance.status == "running").order_by(ProcessInstance.id))
    if ids is not None:
        query = query.where(ProcessInstance.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _count_running(session: Session, source: ProcessVersion) -> int:
    return session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.process_version_id == source.id, ProcessInstance.status == "running")) or 0


def dry_run(session: Session, principal: Principal, process_key: str, source_version, target_version,
            instance_ids=None) -> DryRun:
    """For each running instance of the source version (or of ``instance_ids`` among them): can it move to
    the target, and why not. Nothing is changed: the move is made on a copy of each state."""
    access.require_can_deploy(session, principal)
    source, target = _versions(session, process_key, source_version, target_version)
    ids = _instance_ids(instance_ids)
    target_loaded = registry.spec_cache.get(target)
    candidates = []
    for instance in _running(session, source, ids, DRY_RUN_LIMIT):
        try:
            _v, _loaded, workflow = instances.load_workflow(session, instance)
            plan = version_migration.plan(workflow, target_loaded.spec, target_loaded.subprocess_specs)
            obstacles, resets = [o.as_dict() for o in plan.obstacles], [r.as_dict() for r in plan.resets]
        except Exception as exc:  # a state that does not load is reported, not a failed page
            log.warning("dry run: instance %s could not be examined", instance.id, exc_info=True)
            obstacles, resets = [_unloadable(exc)], []
        candidates.append(Candidate(instance.id, instance.business_key, instance.started_at, not obstacles,
                                    obstacles, resets))
    total = len(candidates) if ids is not None else _count_running(session, source)
    return DryRun(process_key, source, target, candidates, total)


def _unloadable(exc: Exception) -> dict:
    return {"code": "not_loadable", "element": "", "name": "",
            "message_zh": "实例的流程状态无法读取", "message_en": f"the instance's state cannot be loaded: {exc}"}


# ------------------------------------------------------------------------------------------------
# Runs
# ------------------------------------------------------------------------------------------------

def start_run(session: Session, principal: Principal, process_key: str, source_version, target_version,
              instance_ids=None, batch_size: int = DEFAULT_BATCH) -> MigrationRun:
    """Record a run over ``instance_ids`` (default: every running instance of the source version), each
    pending; :func:`run_batch` moves them. Every id must be a running instance of the source version."""
    access.require_can_deploy(session, principal)
    source, target = _versions(session, process_key, source_version, target_version)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= MAX_BATCH:
        raise Invalid(f"每批数量应在1到{MAX_BATCH}之间", f"batch_size must be between 1 and {MAX_BATCH}",
                      errors={"batch_size": f"应在1到{MAX_BATCH}之间"})
    ids = _instance_ids(instance_ids)
    chosen = _running(session, source, ids)
    if ids is not None and len(chosen) != len(ids):
        missing = sorted(set(ids) - {i.id for i in chosen})
        raise Invalid(f"以下实例不是第 {source.version} 版的运行中实例：{', '.join(map(str, missing))}",
                      f"not running instances of version {source.version}: {missing}",
                      errors={"instance_ids": f"不是第 {source.version} 版的运行中实例：{', '.join(map(str, missing))}"})
    if not chosen:
        raise Invalid("没有可迁移的实例", "no instances to migrate", errors={"instance_ids": "没有选择实例"})
    now = clock.now()
    run = MigrationRun(process_key=process_key, source_version_id=source.id, target_version_id=target.id,
                       source_version=source.version, target_version=target.version, batch_size=batch_size,
                       status="running", total=len(chosen), migrated=0, failed=0, started_by=principal.username,
                       started_at=now)
    session.add(run)
    session.flush()
    for instance in chosen:
        session.add(MigrationResult(run_id=run.id, instance_id=instance.id, business_key=instance.business_key,
                                    status="pending"))
    audit.record(session, principal.username, "migration.start", "migration_run", run.id,
                 after={"process": process_key, "source": source.version, "target": target.version,
                        "instances": len(chosen), "batch_size": batch_size})
    session.flush()
    return run


def run_batch(session: Session, principal: Principal, run_id: int) -> MigrationRun:
    """Move the next batch of a run's pending instances, each in its own savepoint."""
    access.require_can_deploy(session, principal)
    run = _run(session, run_id)
    if run.status != "running":
        raise Conflict("该迁移已完成", f"migration run {run_id} is {run.status}",
                       english="This migration has already finished")
    target = session.get(ProcessVersion, run.target_version_id)
    batch_number = (session.scalar(select(func.max(MigrationResult.batch)).where(
        MigrationResult.run_id == run.id)) or 0) + 1
    pending = list(session.scalars(select(MigrationResult).where(
        MigrationResult.run_id == run.id, MigrationResult.status == "pending")
        .order_by(MigrationResult.id).limit(run.batch_size)))
    parents = identity.parent_map(session)
    for result in pending:
        result.batch, result.finished_at = batch_number, clock.now()
        try:
            with session.begin_nested():
                notes = _migrate_one(session, principal, run, target, result.instance_id, parents)
        except _InstanceFailed as exc:
            result.status, result.reason, result.detail = "failed", exc.reason, exc.detail
            result.notes = json.dumps(exc.notes, ensure_ascii=False) if exc.notes else None
            run.failed += 1
            continue
        except DomainError as exc:
            result.status, result.reason, result.detail = "failed", exc.message, exc.detail
            run.failed += 1
            continue
        except StaleDataError:
            result.status, result.reason = "failed", "实例正被他人同时办理，未迁移，请稍后重试"
            result.detail = "the instance changed concurrently; it was not migrated"
            run.failed += 1
            continue
        except Exception as exc:  # noqa: BLE001 — the instance stays on its version; the run goes on
            log.warning("migration run %s: instance %s failed", run.id, result.instance_id, exc_info=True)
            result.status, result.reason = "failed", "迁移失败，实例保持原版本"
            result.detail = f"{type(exc).__name__}: {exc}"
            run.failed += 1
            continue
        result.status = "migrated"
        result.notes = json.dumps(notes, ensure_ascii=False) if notes else None
        run.migrated += 1
    remaining = session.scalar(select(func.count(MigrationResult.id)).where(
        MigrationResult.run_id == run.id, MigrationResult.status == "pending"))
    if not remaining:
        run.status, run.finished_at = "finished", clock.now()
        audit.record(session, principal.username, "migration.finish", "migration_run", run.id,
                     after={"migrated": run.migrated, "failed": run.failed})
    session.flush()
    return run


def advance(session: Session, principal: Principal, run_id: int) -> tuple[MigrationRun, list[MigrationResult]]:
    """The next batch of a run that is still running (nothing for a finished one), then the run and its
    results: what the migration page asks for, batch after batch."""
    if _run(session, run_id).status == "running":
        run_batch(session, principal, run_id)
    return get_run(session, principal, run_id)


def migrate(session: Session, principal: Principal, process_key: str, source_version, target_version,
            instance_ids=None, batch_size: int = DEFAULT_BATCH) -> MigrationRun:
    """A whole run in the caller's transaction: batch after batch, each instance in its savepoint."""
    run = start_run(session, principal, process_key, source_version, target_version, instance_ids, batch_size)
    while run.status == "running":
        run_batch(session, principal, run.id)
    return run


def _migrate_one(session: Session, principal: Principal, run: MigrationRun, target: ProcessVersion,
                 instance_id: int, parents) -> list[dict]:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or instance.status != "running":
        raise _InstanceFailed("实例已不在运行中", f"instance {instance_id} is no longer running")
    if instance.process_version_id != run.source_version_id:
        raise _InstanceFailed(f"实例已不在第 {run.source_version} 版",
                              f"instance {instance_id} is no longer on version {run.source_version}")
    source, _loaded, workflow = instances.load_workflow(session, instance)
    before = runner.snapshot(workflow)
    target_loaded = registry.spec_cache.get(target)
    try:
        moved, plan = version_migration.migrate(workflow, target_loaded.spec, target_loaded.subprocess_specs)
    except version_migration.MigrationRefused as exc:
        raise _InstanceFailed("；".join(o.message_zh for o in exc.plan.obstacles),
                              "; ".join(o.message_en for o in exc.plan.obstacles),
                              [o.as_dict() for o in exc.plan.obstacles]) from None
    after = runner.snapshot(moved)
    _require_nothing_lost(before, after)

    # Open task rows: same ids; the rows of changed elements take the target's name, form, group, priority,
    # due date and summary (a changed group returns the task to the new group's queue).
    changed = {r.element for r in plan.resets}
    ready = {t.id: t for t in after.ready}
    notes = [{"reset": r.as_dict()} for r in plan.resets]
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.status == "open")):
        task = ready.get(row.id)
        if task is None:  # not ready before either: the projection cancels it, as any step would
            continue
        same_element = row.task_spec == task.spec_name
        row.process_version_id, row.process_name, row.task_spec = target.id, target.name, task.spec_name
        if same_element and task.spec_name not in changed:
            continue
        row.name, row.form, row.priority, row.summary = task.name, task.form, task.priority, task.summary or row.summary
        row.due_at = task.due_at
        key = task.group.resolve(instance.jurisdiction, parents)
        if key != row.candidate_group:
            notes.append({"regrouped": {"task": row.id, "from": row.candidate_group, "to": key,
                                        "assignee": row.assignee}})
            row.candidate_group = key
            row.bureau, row.body, row.role = key.split("/")
            row.assignee = row.claimed_at = row.owner = row.delegation_state = None
        row.row_version += 1
    instances.store_migrated(session, instance, target, moved)
    audit.record(session, principal.username, "instance.migrate", "instance", instance.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 before={"process": instance.process_key, "version": source.version},
                 after={"version": target.version, "run": run.id, "reset": [r.element for r in plan.resets],
                        "tasks": sorted(ready), "timers": [t.task_id for t in after.timers],
                        "messages": [m.task_id for m in after.messages]})
    return notes


def _require_nothing_lost(before: runner.Snapshot, after: runner.Snapshot) -> None:
    """Every ready task, waiting timer and message subscription of the instance is still there (same task
    ids) after the move; otherwise the instance does not move."""
    lost = []
    for kind, zh, old, new in (("task", "待办任务", before.ready, after.ready), ("timer", "定时器", before.timers, after.timers),
                               ("message", "消息等待", before.messages, after.messages)):
        kept = {item.task_id if kind != "task" else item.id for item in new}
        for item in old:
            ident = item.task_id if kind != "task" else item.id
            if ident not in kept:
                lost.append((kind, zh, getattr(item, "name", ident)))
    if lost:
        raise _InstanceFailed("迁移会丢失" + "、".join(f"{zh}“{name}”" for _k, zh, name in lost),
                              "the move would lose " + ", ".join(f"{k} {name!r}" for k, _zh, name in lost))


def _run(session: Session, run_id) -> MigrationRun:
    run = session.get(MigrationRun, run_id) if isinstance(run_id, int) else None
    if run is None:
        raise NotFound("迁移记录不存在", f"migration run {run_id} not found",
                       english="The migration run does not exist")
    return run


def get_run(session: Session, principal: Principal, run_id: int) -> tuple[MigrationRun, list[MigrationResult]]:
    """A run and its results (process owners)."""
    access.require_process_owner(principal)
    run = _run(session, run_id)
    results = list(session.scalars(select(MigrationResult).where(MigrationResult.run_id == run.id)
                                   .order_by(MigrationResult.id)))
    return run, results


def list_runs(session: Session, principal: Principal, process_key: str, limit: int = 50) -> list[MigrationRun]:
    access.require_process_owner(principal)
    return list(session.scalars(select(MigrationRun).where(MigrationRun.process_key == process_key)
                                .order_by(MigrationRun.id.desc()).limit(limit)))


def result_notes(result: MigrationResult) -> list[dict]:
    return json.loads(result.notes) if result.notes else []
