"""Reassigning a team member's task (改派): who it may go to, and the reassignment itself through the
inbox's ``assign`` (its rules, its compare-and-set, its audit event ``task.assign`` with the reason); the new
holder is told in the bell."""
from __future__ import annotations

from sqlalchemy.orm import Session

from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identity import access
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.notifications import inbox as notifications
from workflow_app.platform.persistence.models import TaskRow
from workflow_app.platform.runtime.instances import visible_task
from workflow_app.platform.tasks import inbox, task_view

MAX_REASON = 500


def choices(session: Session, p: Principal, task_id: str) -> tuple[TaskRow, list[tuple[str, str]]]:
    """The task (visible to ``p``) and the people it may be reassigned to: the members of its candidate
    group other than its current holder, by username."""
    row = visible_task(session, p, task_id)
    people = [(u, n) for u, n in task_view.candidates(session, row.candidate_group) if u != row.assignee]
    return row, people


def check(session: Session, p: Principal, row: TaskRow, username: str | None, reason: str) -> str:
    """What a reassignment needs before it is confirmed; the cleaned reason. Refusals in Chinese."""
    if row.status != "open":
        raise Invalid("任务已办结或已取消，不能改派", f"task is {row.status}", errors={"username": "任务已办结"})
    if not access.supervises(p, row):
        raise Forbidden("只有科室负责人或领导可以分派任务", "assigning requires supervising the task's body",
                        english="Only the division head or the bureau's leaders can assign tasks")
    if not username:
        raise Invalid("请选择改派给谁", "no target user", errors={"username": "请选择改派对象"},
                      english="Choose who the task goes to")
    if username == row.assignee:
        raise Invalid("任务已由该人员办理，无需改派", "task already held by the target",
                      errors={"username": "任务已由该人员办理"}, english="The task is already with that person")
    if not identity.user_exists(session, username):
        raise Invalid("改派对象不存在", f"user {username!r} not found", errors={"username": "用户不存在"},
                      english="That user does not exist")
    if not access.may_be_assigned(identity.principal_by_username(session, username), row):
        raise Invalid("改派对象不在该任务的候选组中，不能办理此任务", f"{username} is not in {row.candidate_group}",
                      errors={"username": "该人员不在候选组中"},
                      english="That person is not in the task's candidate group and cannot handle it")
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= MAX_REASON:
        raise Invalid(f"请填写改派理由（2至{MAX_REASON}字）", "reason must be 2-500 characters",
                      errors={"reason": "请填写改派理由"}, english="Give the reason for the reassignment (2 to 500 characters)")
    return reason


def reassign(session: Session, p: Principal, task_id: str, username: str, reason: str,
             expected_version: int | None = None) -> TaskRow:
    """Hand the task to ``username`` (confirmed on the page): audited by the inbox (before: the previous
    holder; detail: the reason); the new holder is notified."""
    row = visible_task(session, p, task_id)
    reason = check(session, p, row, username, reason)
    row = inbox.assign(session, p, task_id, username, expected_version=expected_version, reason=reason)
    notifications.notify(session, [username], "task.reassigned", f"{row.business_key}：任务已改派给您",
                         f"{p.display_name}将“{row.name}”改派给您。理由：{reason}", instance_id=row.instance_id,
                         business_key=row.business_key, task_id=row.id, link=notifications.task_link(row))
    return row
