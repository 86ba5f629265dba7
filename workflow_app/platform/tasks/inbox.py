"""The task inbox: queries over the projection and the human task operations (Camunda's task model).

Every operation is a compare-and-set UPDATE on the task row, so concurrent users never overwrite each
other silently: of any number of concurrent claimers exactly one wins, the others get a 409 naming the
holder. Every operation appends an audit event with before and after.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from workflow_app.platform.forms import validation as forms
from workflow_app.platform.identity import access
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import ProcessVersion, StatutoryClockRow, TaskComment, TaskRow, User
from workflow_app.platform.processes import registry
from workflow_app.platform.runtime.instances import _require_open, visible_task

SORTABLE = {
    "priority": TaskRow.priority, "due_at": TaskRow.due_at, "created_at": TaskRow.created_at,
    "business_key": TaskRow.business_key, "name": TaskRow.name, "employer_name": TaskRow.employer_name,
}
MAX_PAGE_SIZE = 200


@dataclass
class TaskFilter:
    scope: str | None = None  # mine | group (my groups' unclaimed) | involved (default: everything visible)
    status: str | None = "open"
    body: str | None = None
    process_key: str | None = None
    business_key: str | None = None
    employer: str | None = None
    candidate_group: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    priority_min: int | None = None
    priority_max: int | None = None
    overdue: bool | None = None
    escalated: bool | None = None


def overdue_condition(now: datetime):
    """SQL: tasks that are late — past their own due date, or their case's running statutory clock is past
    its due instant. An inbox row shows 已超期 for either (the task's badge, the 法定时限 column), so the
    overdue filter selects both: a task without a due date of its own (立案调查, 处理决定审批) is late when
    its case's clock is."""
    clock_late = exists().where(StatutoryClockRow.instance_id == TaskRow.instance_id,
                                StatutoryClockRow.status == "running", StatutoryClockRow.due_at.is_not(None),
                                StatutoryClockRow.due_at < now)
    return or_(and_(TaskRow.due_at.is_not(None), TaskRow.due_at < now), clock_late)


def is_overdue(row: TaskRow, now: datetime, clock_view: dict | None = None) -> bool:
    """The row-level twin of :func:`overdue_condition`, given the view of the case's nearest running clock."""
    if row.status != "open":
        return False
    return (row.due_at is not None and row.due_at < now) or bool(clock_view and clock_view.get("overdue"))


def list_tasks(session: Session, principal: Principal, f: TaskFilter, sort: str = "-priority,due_at",
               page: int = 1, per_page: int = 50) -> tuple[list[TaskRow], int]:
    conditions = [access.task_visibility(principal)]
    if f.scope == "mine":
        conditions.append(TaskRow.assignee == principal.username)
    elif f.scope == "group":
        conditions.append(and_(TaskRow.assignee.is_(None), TaskRow.candidate_group.in_(sorted(principal.groups) or [""])))
    elif f.scope == "owned":
        conditions.append(TaskRow.owner == principal.username)
    if f.status:
        conditions.append(TaskRow.status == f.status)
    if f.body:
        conditions.append(TaskRow.body == f.body)
    if f.process_key:
        conditions.append(TaskRow.process_key == f.process_key)
    if f.business_key:
        conditions.append(TaskRow.business_key == f.business_key)
    if f.employer:
        escaped = f.employer.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(TaskRow.employer_name.like(f"%{escaped}%", escape="\\"))
    if f.candidate_group:
        conditions.append(TaskRow.candidate_group == f.candidate_group)
    if f.assignee:
        conditions.append(TaskRow.assignee == f.assignee)
    if f.due_before:
        conditions.append(TaskRow.due_at <= f.due_before)
    if f.due_after:
        conditions.append(TaskRow.due_at >= f.due_after)
    if f.priority_min is not None:
        conditions.append(TaskRow.priority >= f.priority_min)
    if f.priority_max is not None:
        conditions.append(TaskRow.priority <= f.priority_max)
    if f.overdue:
        conditions.append(overdue_condition(clock.now()))
    if f.escalated is not None:
        conditions.append(TaskRow.escalated_at.is_not(None) if f.escalated else TaskRow.escalated_at.is_(None))

    order = []
    for part in (sort or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        column = SORTABLE.get(part.lstrip("-+"))
        if column is None:
            raise Invalid(f"不支持按 {part} 排序", f"unknown sort field {part!r}; use {sorted(SORTABLE)}",
                          errors={"sort": "排序字段不正确"})
        # NULL due dates sort last in both directions on both databases.
        if part.lstrip("-+") == "due_at":
            order.append(column.is_(None))
        order.append(column.desc() if descending else column.asc())
    order.append(TaskRow.id)
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    page = max(1, page)
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(TaskRow).where(where))
    rows = session.scalars(select(TaskRow).where(where).order_by(*order)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total or 0


def _display(session: Session, username: str | None) -> str:
    if not username:
        return ""
    name = session.scalar(select(User.display_name).where(User.username == username))
    return f"{name}（{username}）" if name else username


def _snapshot(row: TaskRow) -> dict:
    return {"status": row.status, "assignee": row.assignee, "owner": row.owner,
            "delegation_state": row.delegation_state}


def _cas(session: Session, row: TaskRow, expected: dict, values: dict) -> bool:
    """Apply ``values`` only if the row is still as read (row_version) and matches ``expected``."""
    conditions = [TaskRow.id == row.id, TaskRow.row_version == row.row_version, TaskRow.status == "open"]
    for column, value in expected.items():
        attr = getattr(TaskRow, column)
        conditions.append(attr.is_(None) if value is None else attr == value)
    result = session.execute(update(TaskRow).where(*conditions)
                             .values(row_version=TaskRow.row_version + 1, **values)
                             .execution_options(synchronize_session=False))
    if result.rowcount == 1:
        session.refresh(row)
        return True
    return False


def _audit(session, principal, action, row, before, detail=None):
    audit.record(session, principal.username, action, "task", row.id, instance_id=row.instance_id,
                 business_key=row.business_key, before=before, after=_snapshot(row), detail=detail)


def claim(session: Session, principal: Principal, task_id: str) -> TaskRow:
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if not access.can_claim(principal, row):
        raise Forbidden("您不在该任务的候选组中，不能认领", "not a member of the candidate group",
                        english="You are not in the task's candidate group, so you cannot claim it")
    before = _snapshot(row)
    result = session.execute(
        update(TaskRow).where(TaskRow.id == row.id, TaskRow.status == "open", TaskRow.assignee.is_(None))
        .values(assignee=principal.username, claimed_at=clock.now(), row_version=TaskRow.row_version + 1)
        .execution_options(synchronize_session=False))
    session.refresh(row)
    if result.rowcount != 1:
        if row.status != "open":
            raise Conflict("任务已办结或已取消", f"task is {row.status}",
                           english="The task has already been completed or cancelled")
        if row.assignee == principal.username:
            return row  # claiming one's own task again changes nothing
        raise Conflict(f"任务已被{_display(session, row.assignee)}认领", f"task already claimed by {row.assignee}",
                       english=f"{_display(session, row.assignee)} has already claimed this task", holder=row.assignee)
    _audit(session, principal, "task.claim", row, before)
    return row


def unclaim(session: Session, principal: Principal, task_id: str) -> TaskRow:
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if row.assignee is None:
        return row
    if row.assignee != principal.username and not access.supervises(principal, row):
        raise Forbidden("只能退回自己认领的任务", "only the assignee or a supervisor may unclaim",
                        english="You can only hand back tasks you have claimed")
    if row.delegation_state == "pending":
        raise Conflict("任务处于委派中，不能退回", "task is delegated")
    before = _snapshot(row)
    if not _cas(session, row, {"assignee": row.assignee}, {"assignee": None, "claimed_at": None, "owner": None,
                                                            "delegation_state": None}):
        raise Conflict("任务状态已变化，请刷新后重试", "task changed concurrently",
                       english="The task has changed; reload the page and try again")
    _audit(session, principal, "task.unclaim", row, before)
    return row


def assign(session: Session, principal: Principal, task_id: str, username: str | None,
           expected_version: int | None = None, reason: str | None = None) -> TaskRow:
    """Supervisors assign or reassign (``username`` None returns the task to the group); the ``reason`` of a
    reassignment is the audit event's detail."""
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if not access.supervises(principal, row):
        raise Forbidden("只有科室负责人或领导可以分派任务", "assigning requires supervising the task's body",
                        english="Only the division head or the bureau's leaders can assign tasks")
    if expected_version is not None and expected_version != row.row_version:
        raise Conflict("任务已被他人修改，请刷新后重试", "row_version mismatch",
                       english="Someone else changed the task; reload the page and try again", current_version=row.row_version)
    if username is not None:
        if not identity.user_exists(session, username):
            raise Invalid(f"用户 {username} 不存在", f"user {username!r} not found", errors={"username": "用户不存在"})
        target = identity.principal_by_username(session, username)
        if not access.may_be_assigned(target, row):
            raise Invalid(f"{username} 不在该任务的候选组中", f"{username} is not in {row.candidate_group}",
                          errors={"username": "该用户不在候选组中"})
    before = _snapshot(row)
    values = {"assignee": username, "claimed_at": clock.now() if username else None,
              "owner": None, "delegation_state": None}
    if not _cas(session, row, {}, values):
        raise Conflict("任务状态已变化，请刷新后重试", "task changed concurrently",
                       english="The task has changed; reload the page and try again")
    _audit(session, principal, "task.assign", row, before, detail=reason)
    return row


def delegate(session: Session, principal: Principal, task_id: str, username: str) -> TaskRow:
    """The assignee hands the work to ``username`` and stays accountable as owner (Camunda semantics)."""
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if row.assignee != principal.username:
        raise Forbidden("只能委派自己办理的任务", "only the assignee may delegate",
                        english="You can only delegate tasks you are handling")
    if row.delegation_state == "pending":
        raise Conflict("任务已处于委派中", "task is already delegated")
    if username == principal.username:
        raise Invalid("不能委派给自己", "cannot delegate to oneself", errors={"username": "不能委派给自己"})
    if not identity.user_exists(session, username):
        raise Invalid(f"用户 {username} 不存在", f"user {username!r} not found", errors={"username": "用户不存在"})
    if not access.may_be_delegated(identity.principal_by_username(session, username), row):
        raise Invalid(f"{username} 不属于该任务的办理机构", f"{username} is not a member of {row.bureau}/{row.body}",
                      errors={"username": "只能委派给本机构的同事"})
    before = _snapshot(row)
    if not _cas(session, row, {"assignee": principal.username},
                {"owner": row.owner or principal.username, "assignee": username, "delegation_state": "pending"}):
        raise Conflict("任务状态已变化，请刷新后重试", "task changed concurrently",
                       english="The task has changed; reload the page and try again")
    _audit(session, principal, "task.delegate", row, before)
    return row


def resolve(session: Session, principal: Principal, task_id: str, data: dict | None) -> TaskRow:
    """The delegate hands the task back to its owner, with the data entered so far as a draft."""
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if row.delegation_state != "pending" or row.assignee != principal.username:
        raise Conflict("只有被委派人可以交回委派的任务", "task is not delegated to you")
    draft = _validated_draft(session, row, data or {})
    before = _snapshot(row)
    if not _cas(session, row, {"assignee": principal.username},
                {"assignee": row.owner, "delegation_state": "resolved", "draft": draft}):
        raise Conflict("任务状态已变化，请刷新后重试", "task changed concurrently",
                       english="The task has changed; reload the page and try again")
    _audit(session, principal, "task.resolve", row, before, detail=draft)
    return row


def save_draft(session: Session, principal: Principal, task_id: str, data: dict) -> TaskRow:
    row = visible_task(session, principal, task_id)
    _require_open(row)
    if row.assignee != principal.username:
        raise Forbidden("只能保存自己办理的任务", "only the assignee may save a draft")
    draft = _validated_draft(session, row, data)
    before = _snapshot(row)
    if not _cas(session, row, {"assignee": principal.username}, {"draft": draft}):
        raise Conflict("任务状态已变化，请刷新后重试", "task changed concurrently",
                       english="The task has changed; reload the page and try again")
    _audit(session, principal, "task.save_draft", row, before)
    return row


def _validated_draft(session: Session, row: TaskRow, data: dict) -> str:
    form = task_form(session, row)
    try:
        forms.validate(form, data)
    except Invalid as exc:
        # A draft may be incomplete: only "please fill in" errors are tolerated.
        errors = {k: v for k, v in exc.extra.get("errors", {}).items() if not v.startswith("请填写")}
        if errors:
            english = exc.extra.get("errors_en", {})
            raise Invalid(exc.message, exc.detail, errors=errors,
                          errors_en={k: english.get(k, v) for k, v in errors.items()}) from None
    return json.dumps(data, ensure_ascii=False)


def task_form(session: Session, row: TaskRow) -> dict:
    version = session.get(ProcessVersion, row.process_version_id)
    form = registry.spec_cache.get(version).forms.get(row.form or "")
    if form is None:
        raise NotFound("任务表单不存在", f"form {row.form!r} not found")
    return form


MAX_COMMENT = 5000


def add_comment(session: Session, principal: Principal, task_id: str, body: str) -> TaskComment:
    row = visible_task(session, principal, task_id)
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise Invalid(f"意见内容不能为空且不超过{MAX_COMMENT}字", "comment must be 1-5000 characters",
                      errors={"body": "意见内容不能为空且不超过5000字"})
    comment = TaskComment(task_id=row.id, instance_id=row.instance_id, author=principal.username, body=body,
                          created_at=clock.now())
    session.add(comment)
    session.flush()
    audit.record(session, principal.username, "task.comment", "task", row.id, instance_id=row.instance_id,
                 business_key=row.business_key, after={"comment_id": comment.id, "body": body})
    return comment


def comments(session: Session, principal: Principal, task_id: str) -> list[TaskComment]:
    row = visible_task(session, principal, task_id)
    return list(session.scalars(select(TaskComment).where(TaskComment.task_id == row.id)
                                .order_by(TaskComment.created_at, TaskComment.id)))
