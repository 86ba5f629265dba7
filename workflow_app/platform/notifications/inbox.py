"""Notifications: tell users about their cases and tasks (docs/deadlines.md "Notifications").

This module is the only writer of ``notification`` rows. Today the channel is in-app (the bell in the page
header, ``GET /api/notifications``); a later channel (e-mail, SMS) can deliver the rows :func:`notify`
writes, without its callers changing. Callers describe *who* (usernames, or :func:`holders_of` a task,
:func:`group_members` of a candidate group) and *what* (kind, title, body, link); notifying happens in the
caller's transaction, so a rolled-back step notifies nobody.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.persistence.models import Group, Membership, Notification, TaskRow, User
from workflow_app.platform.errors import NotFound
from workflow_app.platform.identity.directory import Principal

MAX_PAGE = 200


def group_members(session: Session, group_key: str) -> list[str]:
    """Active members of a candidate group (``bureau/body/role``)."""
    return list(session.scalars(
        select(User.username).join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.key == group_key, User.is_active.is_(True)).order_by(User.username)))


def holders_of(session: Session, task: TaskRow) -> list[str]:
    """Who holds a task: its assignee, else the members of its candidate group."""
    if task.assignee:
        return [task.assignee]
    return group_members(session, task.candidate_group)


def task_link(task: TaskRow) -> str:
    return f"/tasks/{task.id}"


def case_link(instance_id: int) -> str:
    return f"/cases/{instance_id}"


def notify(session: Session, usernames: Iterable[str], kind: str, title: str, body: str = "", *,
           instance_id: int | None = None, business_key: str | None = None, task_id: str | None = None,
           link: str | None = None) -> list[Notification]:
    """One notification per distinct user, in the caller's transaction."""
    now = clock.now()
    rows = []
    for username in dict.fromkeys(u for u in usernames if u):
        row = Notification(username=username, kind=kind[:64], title=title[:300], body=body, instance_id=instance_id,
                           business_key=business_key, task_id=task_id, link=link, created_at=now)
        session.add(row)
        rows.append(row)
    return rows


def notify_task_holders(session: Session, task: TaskRow, kind: str, title: str, body: str = "") -> list[Notification]:
    return notify(session, holders_of(session, task), kind, title, body, instance_id=task.instance_id,
                  business_key=task.business_key, task_id=task.id, link=task_link(task))


def list_for(session: Session, principal: Principal, unread_only: bool = False, page: int = 1,
             per_page: int = 50) -> tuple[list[Notification], int, int]:
    """The principal's own notifications, newest first: (page of rows, total, unread count)."""
    mine = Notification.username == principal.username
    where = [mine, Notification.read_at.is_(None)] if unread_only else [mine]
    per_page = max(1, min(per_page, MAX_PAGE))
    rows = session.scalars(select(Notification).where(*where).order_by(Notification.id.desc())
                           .limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    total = session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    return list(rows), total, unread_count(session, principal)


def unread_count(session: Session, principal: Principal) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.username == principal.username, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, principal: Principal, notification_id: int) -> Notification:
    """Mark one of the principal's notifications read (someone else's answers 404: no leaking)."""
    row = session.get(Notification, notification_id)
    if row is None or row.username != principal.username:
        raise NotFound("通知不存在", f"notification {notification_id} not found")
    if row.read_at is None:
        row.read_at = clock.now()
    return row


def mark_all_read(session: Session, principal: Principal) -> int:
    result = session.execute(update(Notification).where(
        Notification.username == principal.username, Notification.read_at.is_(None)).values(read_at=clock.now()))
    return result.rowcount or 0
