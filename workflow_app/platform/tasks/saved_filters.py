"""Saved inbox filters: a named inbox query, owned by a user, optionally shared with one of their groups.

The page checks the name and the group it may share with; this module stores, lists and deletes.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden, NotFound
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import SavedFilter

MAX_QUERY = 1000


def visible(session: Session, principal: Principal) -> list[SavedFilter]:
    """The principal's own filters and those shared with one of their groups, by name."""
    return session.scalars(select(SavedFilter).where(or_(
        SavedFilter.owner == principal.username, SavedFilter.shared_group.in_(sorted(principal.groups) or [""])))
        .order_by(SavedFilter.name, SavedFilter.id)).all()


def save(session: Session, principal: Principal, name: str, shared_group: str | None, query: str) -> SavedFilter:
    row = SavedFilter(owner=principal.username, shared_group=shared_group, name=name, query=query[:MAX_QUERY],
                      created_at=clock.now())
    session.add(row)
    return row


def delete(session: Session, principal: Principal, filter_id: int) -> None:
    """Only the owner deletes; a filter the principal cannot see is "not found" (no leaking)."""
    row = session.get(SavedFilter, filter_id)
    if row is None or (row.owner != principal.username and row.shared_group not in principal.groups):
        raise NotFound("筛选不存在", "saved filter not found")
    if row.owner != principal.username:
        raise Forbidden("只能删除自己保存的筛选", "not the owner")
    session.delete(row)
