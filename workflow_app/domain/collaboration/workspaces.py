"""The page a collaboration instance is worked on: a liaison meeting (or one of its action items), a joint
hearing, a police transfer. Inbox rows and the team board link every task to its instance; for these
instances the instance is not a case, so the link leads to the page that shows them (docs/roles.md)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration.models import (InterAgencyTransfer, JointHearing, LiaisonMeeting,
                                                      MeetingActionItem)


def workspace_of(session: Session, instance_id: int) -> tuple[str, int] | None:
    """``("meeting", id)``, ``("hearing", id)``, ``("police_transfer", id)``, or None for any other instance."""
    meeting = session.scalar(select(LiaisonMeeting.id).where(LiaisonMeeting.instance_id == instance_id))
    if meeting is None:
        meeting = session.scalar(select(MeetingActionItem.meeting_id).where(MeetingActionItem.instance_id == instance_id))
    if meeting is not None:
        return "meeting", meeting
    hearing = session.scalar(select(JointHearing.id).where(JointHearing.instance_id == instance_id))
    if hearing is not None:
        return "hearing", hearing
    police = session.scalar(select(InterAgencyTransfer.id).where(InterAgencyTransfer.instance_id == instance_id,
                                                                InterAgencyTransfer.kind == "police"))
    if police is not None:
        return "police_transfer", police
    return None
