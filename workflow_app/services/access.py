"""Who may see and act on what. Every rule lives here so the API and the web pages agree.

Baseline rules (the authorization issue refines them per body and jurisdiction):

* a task is visible to its assignee, its owner, the members of its candidate group, the supervisors of
  its body (division heads) or bureau (leadership), and administrators;
* only members of the candidate group (or supervisors) claim; only the assignee completes, delegates or
  unclaims; only supervisors assign and reassign;
* only process owners deploy; only administrators manage users.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_

from ..models import ProcessInstance, TaskRow
from .errors import Forbidden
from .identity import Principal


def task_visibility(p: Principal):
    """SQL condition selecting the task rows ``p`` may see."""
    if p.is_admin:
        return True
    clauses = [TaskRow.assignee == p.username, TaskRow.owner == p.username]
    if p.groups:
        clauses.append(TaskRow.candidate_group.in_(sorted(p.groups)))
    for bureau, body in sorted(p.supervised_scopes(), key=str):
        clauses.append(TaskRow.bureau == bureau if body is None else and_(TaskRow.bureau == bureau, TaskRow.body == body))
    return or_(*clauses)


def supervises(p: Principal, row: TaskRow) -> bool:
    if p.is_admin:
        return True
    scopes = p.supervised_scopes()
    return (row.bureau, row.body) in scopes or (row.bureau, None) in scopes


def can_see_task(p: Principal, row: TaskRow) -> bool:
    return (p.is_admin or row.assignee == p.username or row.owner == p.username
            or row.candidate_group in p.groups or supervises(p, row))


def can_claim(p: Principal, row: TaskRow) -> bool:
    return row.candidate_group in p.groups or supervises(p, row)


def may_be_assigned(target: Principal, row: TaskRow) -> bool:
    """A task may only be handed to someone who could see it (member of the group or a supervisor)."""
    return row.candidate_group in target.groups or supervises(target, row)


def instance_visibility(p: Principal):
    if p.is_admin or p.is_process_owner:
        return True
    bureaus = sorted({key.split("/")[0] for key in p.groups})
    if not bureaus:
        return false()
    return ProcessInstance.jurisdiction.in_(bureaus)


def can_see_instance(p: Principal, instance: ProcessInstance, parent_of: dict[str, str | None]) -> bool:
    if p.is_admin or p.is_process_owner:
        return True
    bureaus = {key.split("/")[0] for key in p.groups}
    return instance.jurisdiction in bureaus or parent_of.get(instance.jurisdiction) in bureaus


def require_process_owner(p: Principal) -> None:
    if not p.is_process_owner:
        raise Forbidden("只有流程管理员可以部署流程", "deploying requires the process_owner role")


def require_admin(p: Principal) -> None:
    if not p.is_admin:
        raise Forbidden("只有系统管理员可以执行此操作", "this action requires the administrator role")


def require_can_start(p: Principal, jurisdiction: str, parent_of: dict[str, str | None]) -> None:
    if p.is_admin or p.is_process_owner:
        return
    bureaus = {key.split("/")[0] for key in p.groups}
    if jurisdiction in bureaus or parent_of.get(jurisdiction) in bureaus:
        return
    raise Forbidden("无权在该辖区启动案件", f"no membership in jurisdiction {jurisdiction}")
