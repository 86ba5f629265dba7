"""The team board's read model: every open task of the bodies a supervisor supervises, its filters
(overdue, escalated, due this week, unassigned, one person), their counts and the workload per person.

Whose work a supervisor sees is :mod:`workflow_app.platform.identity.access`'s rule (``supervised_scopes``):
a division head supervises their body in their bureau, leadership the whole bureau. "Overdue" is the inbox's
rule (``inbox.overdue_condition``: the task's due date or its case's running statutory clock), so the board,
the inbox and its badges agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import Group, Membership, TaskRow, User
from workflow_app.platform.tasks import inbox

#: The board's filters, in the order the page offers them.
FILTERS = ("overdue", "escalated", "due_week", "unassigned")
#: The person filter's value for tasks nobody holds.
NOBODY = "-"
MAX_ROWS = 500


@dataclass
class TeamFilter:
    person: str | None = None  # a username, or NOBODY
    overdue: bool = False
    escalated: bool = False
    due_week: bool = False
    unassigned: bool = False


def require_supervisor(p: Principal) -> set[tuple[str, str | None]]:
    """The principal's supervised scopes; Forbidden for someone who supervises nobody."""
    scopes = p.supervised_scopes()
    if not scopes:
        raise Forbidden("只有科室负责人或局领导可以查看团队工作", "the team board needs a division head or leadership role",
                        english="Only division heads and the bureau's leaders can see the team's work")
    return scopes


def scope_condition(scopes):
    """SQL: task rows of the supervised (bureau, body) pairs; body None is the whole bureau."""
    clauses = [TaskRow.bureau == b if k is None else and_(TaskRow.bureau == b, TaskRow.body == k)
               for b, k in sorted(scopes, key=str)]
    return or_(*clauses) if clauses else false()


def end_of_week(now: datetime) -> datetime:
    """23:59:59 China time of the Sunday of ``now``'s week (weeks run Monday to Sunday)."""
    today = clock.to_local_date(now)
    return clock.end_of_day(today + timedelta(days=6 - today.weekday()))


def conditions(now: datetime):
    """SQL conditions of the filters, by name."""
    return {"overdue": inbox.overdue_condition(now),
            "escalated": TaskRow.escalated_at.is_not(None),
            "due_week": and_(TaskRow.due_at.is_not(None), TaskRow.due_at >= now, TaskRow.due_at <= end_of_week(now)),
            "unassigned": TaskRow.assignee.is_(None)}


def open_team_tasks(p: Principal) -> list:
    """SQL conditions: the open tasks of the bodies ``p`` supervises (Forbidden for a non-supervisor)."""
    scopes = require_supervisor(p)
    # the supervisor's scopes, and never more than the access rule lets them see
    return [TaskRow.status == "open", scope_condition(scopes), access.task_visibility(p)]


def _person(person: str | None):
    if not person:
        return None
    return TaskRow.assignee.is_(None) if person == NOBODY else TaskRow.assignee == person


def team_tasks(session: Session, p: Principal, f: TeamFilter) -> list[TaskRow]:
    """The open tasks of the team matching ``f``, grouped by person (unassigned first), late work first."""
    now = clock.now()
    where = open_team_tasks(p)
    named = conditions(now)
    where += [named[name] for name in FILTERS if getattr(f, name)]
    if (person := _person(f.person)) is not None:
        where.append(person)
    stmt = (select(TaskRow).where(*where)
            .order_by(TaskRow.assignee.is_not(None), TaskRow.assignee, TaskRow.due_at.is_(None), TaskRow.due_at,
                      TaskRow.id).limit(MAX_ROWS))
    return list(session.scalars(stmt))


def counts(session: Session, p: Principal, person: str | None = None) -> dict[str, int]:
    """How many open tasks each filter selects (``all`` for none), for one person or the whole team."""
    now = clock.now()
    where = open_team_tasks(p)
    if (condition := _person(person)) is not None:
        where.append(condition)
    named = conditions(now)
    columns = [func.count().label("all")] + [func.sum(case((named[name], 1), else_=0)).label(name) for name in FILTERS]
    row = session.execute(select(*columns).select_from(TaskRow).where(*where)).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


def members(session: Session, p: Principal) -> list[str]:
    """Active users of the supervised bodies (a whole bureau for leadership), by username."""
    clauses = [Group.key.like(f"{b}/%") if k is None else Group.key.like(f"{b}/{k}/%")
               for b, k in sorted(require_supervisor(p), key=str)]
    return list(session.scalars(
        select(User.username).join(Membership, Membership.user_id == User.id).join(Group, Group.id == Membership.group_id)
        .where(or_(*clauses), User.is_active.is_(True)).distinct().order_by(User.username)))


def workload(session: Session, p: Principal) -> list[dict]:
    """Per person: open, overdue and due-this-week tasks. Everyone of the supervised bodies is listed (also
    with nothing to do), holders from elsewhere when they hold the team's work, and a row for unassigned
    tasks (person None) when there are any."""
    now = clock.now()
    named = conditions(now)
    rows = session.execute(
        select(TaskRow.assignee, func.count(),
               func.sum(case((named["overdue"], 1), else_=0)), func.sum(case((named["due_week"], 1), else_=0)))
        .where(*open_team_tasks(p)).group_by(TaskRow.assignee)).all()
    load = {assignee: {"person": assignee, "open": int(n or 0), "overdue": int(o or 0), "due_week": int(w or 0)}
            for assignee, n, o, w in rows}
    table = [load.pop(name, {"person": name, "open": 0, "overdue": 0, "due_week": 0}) for name in members(session, p)]
    unassigned = load.pop(None, None)
    table += sorted(load.values(), key=lambda r: r["person"])
    table.sort(key=lambda r: (-r["overdue"], -r["open"], r["person"]))
    return ([unassigned] if unassigned else []) + table
