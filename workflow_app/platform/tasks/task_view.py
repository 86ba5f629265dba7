"""What a task page shows beside the form: the saved draft (its holder's only) and the comments (masked),
the decision a completed task recorded, the people the task can go to (the candidate group's members for
assigning, the body's colleagues for delegating), and the options of the forms' user and group pickers."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import group_label
from workflow_app.platform.persistence.models import AuditEvent, Bureau, Group, Membership, TaskRow, User
from workflow_app.platform.tasks import inbox


def draft_author(session: Session, row: TaskRow) -> str | None:
    """Whose the saved draft is: the actor of the last ``task.save_draft``, or the owner a delegate handed the
    task back to with ``task.resolve`` (the hand-back gives the draft to the owner); None without a draft."""
    if not row.draft:
        return None
    last = session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "task", AuditEvent.entity_id == str(row.id),
        AuditEvent.action.in_(("task.save_draft", "task.resolve")))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        return None
    return (last.after or {}).get("assignee") or row.owner if last.action == "task.resolve" else last.actor


def draft(session: Session, row: TaskRow, principal: Principal | None = None) -> dict:
    """The task's saved draft, masked like every value a page shows; empty without a draft. With
    ``principal``, only the draft's author sees it, and only while holding the open task: a task returned to
    the group and claimed by a colleague does not show the previous holder's draft (docs/ui.md "Drafts")."""
    if not row.draft:
        return {}
    if principal is not None:
        if row.assignee != principal.username or row.status != "open":
            return {}
        if draft_author(session, row) != principal.username:
            return {}
    return masking.mask_data(json.loads(row.draft))


def decision(session: Session, row: TaskRow) -> dict | None:
    """What a completed task recorded: its data (as the audit trail keeps it, masked), its form
    (``schema_form``), who completed it (username and display name) and when; None for a task not
    completed. The caller has checked that the reader may see the task."""
    if row.status != "completed":
        return None
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "task.complete", AuditEvent.entity_type == "task", AuditEvent.entity_id == row.id)
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    data = ((event.after or {}).get("data") if event is not None else None) or {}
    name = session.scalar(select(User.display_name).where(User.username == row.completed_by))
    return {"task_id": row.id, "task_name": row.name, "form": row.form, "schema_form": inbox.task_form(session, row),
            "data": data,
            "completed_by": row.completed_by, "completed_by_name": name or row.completed_by or "",
            "completed_at": row.completed_at}


def decisions(session: Session, instance_id: int) -> list[dict]:
    """Every completed task with a form of an instance, in the order they were completed."""
    rows = session.scalars(select(TaskRow).where(
        TaskRow.instance_id == instance_id, TaskRow.status == "completed", TaskRow.form.is_not(None))
        .order_by(TaskRow.completed_at, TaskRow.id)).all()
    return [d for d in (decision(session, r) for r in rows) if d is not None]


def picker_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The options of a form's ``user`` picker (active users by display name) and ``group`` picker (groups
    by their Chinese label: body and role), values being usernames and group keys."""
    users = [(u, n) for u, n in session.execute(
        select(User.username, User.display_name).where(User.is_active.is_(True)).order_by(User.display_name))]
    bureaus = dict(session.execute(select(Bureau.code, Bureau.name)).all())
    groups = [(key, group_label(key, bureaus)) for key in session.scalars(select(Group.key).order_by(Group.key))]
    return {"user": users, "group": groups}


def comments(session: Session, principal: Principal, task_id: str) -> list[dict]:
    return [{"author": c.author, "body": masking.mask_text(c.body), "created_at": c.created_at}
            for c in inbox.comments(session, principal, task_id)]


def _active_members(session: Session, group_condition) -> list[tuple[str, str]]:
    return [(u, n) for u, n in session.execute(
        select(User.username, User.display_name).join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id).where(group_condition, User.is_active.is_(True))
        .order_by(User.username)).all()]


def candidates(session: Session, group_key: str) -> list[tuple[str, str]]:
    """(username, display name) of the active members of a candidate group, by username."""
    return _active_members(session, Group.key == group_key)


def colleagues(session: Session, row: TaskRow) -> list[tuple[str, str]]:
    """(username, display name) of the active members of the task's body, for delegating an open task."""
    if row.status != "open":
        return []
    return sorted(set(_active_members(session, Group.key.like(f"{row.bureau}/{row.body}/%"))))
