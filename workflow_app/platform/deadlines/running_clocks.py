"""The nearest running statutory clock of each of several instances (an inbox row, a task page's header)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.deadlines import calendar_years
from workflow_app.platform.deadlines import statutory_clocks as clocks
from workflow_app.platform.persistence.models import StatutoryClockRow


def nearest_by_instance(session: Session, instance_ids) -> dict[int, dict]:
    """instance id -> the view (``statutory_clocks.view``) of its running clock due first."""
    if not instance_ids:
        return {}
    calendar = calendar_years.current(session)
    rows = session.scalars(select(StatutoryClockRow).where(StatutoryClockRow.instance_id.in_(instance_ids),
                                                          StatutoryClockRow.status == "running"))
    best: dict[int, StatutoryClockRow] = {}
    for r in rows:
        if r.due_at is not None and (r.instance_id not in best or r.due_at < best[r.instance_id].due_at):
            best[r.instance_id] = r
    return {iid: clocks.view(row, calendar) for iid, row in best.items()}
