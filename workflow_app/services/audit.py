"""Writing the audit trail: every state change appends who, when, what, before and after."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import clock
from ..models import AuditEvent


def record(session: Session, actor: str, action: str, entity_type: str, entity_id: Any, *,
           instance_id: int | None = None, business_key: str | None = None,
           before: dict | None = None, after: dict | None = None, detail: str | None = None) -> AuditEvent:
    event = AuditEvent(
        occurred_at=clock.now(), actor=actor, action=action, entity_type=entity_type,
        entity_id=str(entity_id), instance_id=instance_id, business_key=business_key,
        before=before, after=after, detail=detail,
    )
    session.add(event)
    return event
