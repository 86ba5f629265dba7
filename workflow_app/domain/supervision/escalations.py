"""The escalations that reached a supervisor: the team's open tasks escalated to them (past their due date,
``jobs/timers.escalate_overdue``, or because the case's statutory clock expired, ``jobs/clock_alerts``), and
the clock alerts the worker addressed to them in the bell."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.supervision import team
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import Notification, TaskRow

#: Notification kinds that are escalations or clock alerts (``platform/jobs``).
ALERT_KINDS = ("clock.escalate", "clock.remind", "timer.late")
MAX_ROWS = 200


def escalated_tasks(session: Session, p: Principal) -> list[TaskRow]:
    """Open escalated tasks of the supervised bodies, most recently escalated first."""
    where = team.open_team_tasks(p) + [TaskRow.escalated_at.is_not(None)]
    return list(session.scalars(select(TaskRow).where(*where)
                                .order_by(TaskRow.escalated_at.desc(), TaskRow.id).limit(MAX_ROWS)))


def alerts(session: Session, p: Principal) -> list[Notification]:
    """The clock alerts and escalation notices addressed to ``p``, newest first."""
    team.require_supervisor(p)
    return list(session.scalars(select(Notification).where(
        Notification.username == p.username, Notification.kind.in_(ALERT_KINDS))
        .order_by(Notification.id.desc()).limit(MAX_ROWS)))
