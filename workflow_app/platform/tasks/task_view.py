"""What a task page shows beside the form: the saved draft and the comments (masked), and the people the
task can go to (the candidate group's members for assigning, the body's colleagues for delegating)."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import Group, Membership, TaskRow, User
from workflow_app.platform.tasks import inbox


def draft(row: TaskRow) -> dict:
    """The task's saved draft, masked like every value a page shows; empty without a draft."""
    return masking.mask_data(json.loads(row.draft)) if row.draft else {}


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
