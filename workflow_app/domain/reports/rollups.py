"""Keeping the dashboard's roll-ups (``models.py``) up to date: the worker's job and the full rebuild.

Two transactions, each all-or-nothing (a crash leaves the previous figures and watermarks, which always go
together), each under the row lock of the state row (``SELECT … FOR UPDATE SKIP LOCKED``): a second worker
that finds the row locked skips its pass instead of waiting or computing the same thing twice. On SQLite
the database's single writer does the same (the second writer waits or fails and retries on its next pass).

1. **Day buckets** (``advance``): the complaints registered since the last run (``id`` above the complaint
   watermark) name the China days of receipt they fall on — back-dated receipts included, because the
   watermark is the registration order, not the receipt date; exactly those days are recounted from the raw
   rows up to the new watermark. On PostgreSQL the transaction first takes ``LOCK TABLE complaint,
   complaint_claim IN SHARE MODE``: it waits for the registrations in flight (an id handed out earlier but
   committed later would otherwise fall below the watermark unseen) and holds new ones back for the few
   milliseconds the recount takes.
2. **Snapshots** (``snapshot``): the ``stage`` counts per opening day (cases up to the case watermark) and
   the ``overdue`` counts, recomputed whole "as of" one instant; at most every ``SNAPSHOT_SECONDS``.

The figures (``figures.py``) add the raw rows above the watermarks, so the complaint figures are exact
whenever they are read and ``stage`` misses only changes of existing cases since the snapshot.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from time import perf_counter

from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim
from workflow_app.domain.reports.models import ClaimDay, ComplaintDay, OverdueSnapshot, RollupState, StageSnapshot
from workflow_app.platform import clock
from workflow_app.platform.persistence.database import Database
from workflow_app.platform.persistence.models import ProcessInstance, StatutoryClockRow, TaskRow

STATE = "dashboard"
#: How often the worker recounts the day buckets (the figures are exact in between: raw rows are added).
REFRESH_SECONDS = 60
#: How often the worker retakes the snapshots (the ``stage`` and ``overdue`` cards show their instant).
SNAPSHOT_SECONDS = 300


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def china_day(session: Session, column):
    """SQL: the China date of a UTC timestamp column."""
    if _postgres(session):
        return cast(column + literal(timedelta(hours=8)), Date)
    return func.date(column, "+8 hours")


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def state(session: Session) -> RollupState | None:
    return session.get(RollupState, STATE)


def _locked_state(session: Session) -> RollupState | None:
    """The state row, locked for this transaction; None when another worker holds it."""
    row = session.scalar(select(RollupState).where(RollupState.name == STATE).with_for_update(skip_locked=True))
    if row is not None:
        return row
    if session.scalar(select(func.count()).select_from(RollupState).where(RollupState.name == STATE)):
        return None  # it exists, so another worker has it locked
    try:
        with session.begin_nested():
            row = RollupState(name=STATE, complaint_watermark=0, case_watermark=0)
            session.add(row)
            session.flush()
    except IntegrityError:  # created by another worker at the same moment
        return None
    return row


def _day_ranges(days: list[date]) -> list[tuple[datetime, datetime]]:
    """Consecutive days merged into [first 00:00, day after last 00:00) China-time ranges."""
    ranges: list[list[date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(datetime.combine(a, time.min, clock.CHINA_TZ), datetime.combine(b + timedelta(days=1), time.min,
                                                                           clock.CHINA_TZ)) for a, b in ranges]


def _recount(session: Session, days: list[date] | None, watermark: int) -> None:
    """Recount the day buckets of ``days`` (None: every day) from the complaints with ``id <= watermark``."""
    received = Complaint.received_at
    if days is None:
        session.execute(delete(ComplaintDay))
        session.execute(delete(ClaimDay))
        where = Complaint.id <= watermark
    else:
        if not days:
            return
        session.execute(delete(ComplaintDay).where(ComplaintDay.day.in_(days)))
        session.execute(delete(ClaimDay).where(ClaimDay.day.in_(days)))
        where = and_(Complaint.id <= watermark,
                     or_(*(and_(received >= a, received < b) for a, b in _day_ranges(days))))
    day = china_day(session, received)
    session.execute(insert(ComplaintDay).from_select(
        ["day", "district", "channel", "count"],
        select(day, Complaint.employer_district, Complaint.channel, func.count())
        .where(where).group_by(day, Complaint.employer_district, Complaint.channel)))
    session.execute(insert(ClaimDay).from_select(
        ["day", "district", "code", "label", "count"],
        select(day, Complaint.employer_district, ComplaintClaim.code, func.min(ComplaintClaim.label), func.count())
        .join(Complaint, Complaint.id == ComplaintClaim.complaint_id)
        .where(where).group_by(day, Complaint.employer_district, ComplaintClaim.code)))


def _hold_registrations(session: Session) -> None:
    """PostgreSQL: wait for the registrations in flight and hold new ones until this transaction ends."""
    if _postgres(session):
        session.execute(text("SET LOCAL lock_timeout = '10s'"))
        session.execute(text("LOCK TABLE complaint, complaint_claim IN SHARE MODE"))


def advance(db: Database, full: bool = False) -> int | None:
    """Bring the day buckets up to the newest complaint (``full``: recount every day). Returns how many
    complaints were added (``None``: another worker is at it)."""
    def run(session: Session):
        row = _locked_state(session)
        if row is None:
            return None
        _hold_registrations(session)
        newest = session.scalar(select(func.max(Complaint.id))) or 0
        old = 0 if full else row.complaint_watermark
        if full:
            _recount(session, None, newest)
        elif newest > old:
            day = china_day(session, Complaint.received_at)
            touched = [_as_date(d) for d in session.scalars(
                select(day).where(Complaint.id > old, Complaint.id <= newest).distinct())]
            _recount(session, touched, newest)
        row.complaint_watermark = newest
        row.refreshed_at = clock.now()
        return newest - old
    with db.transaction() as session:
        return run(session)


def _stage_snapshot(session: Session, watermark: int) -> None:
    session.execute(delete(StageSnapshot))
    day = china_day(session, Case.opened_at)
    stmt = (select(day, Case.jurisdiction, Case.body, ProcessInstance.status, TaskRow.name, func.count())
            .join(ProcessInstance, ProcessInstance.id == Case.instance_id)
            .outerjoin(TaskRow, and_(TaskRow.instance_id == Case.instance_id, TaskRow.status == "open"))
            .where(Case.id <= watermark)
            .group_by(day, Case.jurisdiction, Case.body, ProcessInstance.status, TaskRow.name))
    session.execute(insert(StageSnapshot).from_select(
        ["day", "jurisdiction", "body", "status", "stage", "count"], stmt))


def overdue_counts(session: Session, now: datetime) -> dict[tuple[str, str], dict]:
    """Per (bureau, body) at ``now``: open tasks and the overdue ones (by the task's bureau and body);
    running statutory clocks and the overdue ones (by the case's jurisdiction and body)."""
    out: dict[tuple[str, str], dict] = {}

    def slot(bureau, body):
        return out.setdefault((bureau, body), {"open_tasks": 0, "overdue_tasks": 0, "running_clocks": 0,
                                               "overdue_clocks": 0})
    for bureau, body, n, late in session.execute(
            select(TaskRow.bureau, TaskRow.body, func.count(), func.sum(case((TaskRow.due_at < now, 1), else_=0)))
            .where(TaskRow.status == "open").group_by(TaskRow.bureau, TaskRow.body)):
        slot(bureau, body).update(open_tasks=int(n), overdue_tasks=int(late or 0))
    for bureau, body, n, late in session.execute(
            select(Case.jurisdiction, Case.body, func.count(),
                   func.sum(case((StatutoryClockRow.due_at < now, 1), else_=0)))
            .join(Case, Case.instance_id == StatutoryClockRow.instance_id)
            .where(StatutoryClockRow.status == "running").group_by(Case.jurisdiction, Case.body)):
        slot(bureau, body).update(running_clocks=int(n), overdue_clocks=int(late or 0))
    return out


def snapshot(db: Database) -> bool:
    """Retake the ``stage`` and ``overdue`` snapshots as of now; False when another worker is at it."""
    with db.transaction() as session:
        row = _locked_state(session)
        if row is None:
            return False
        now = clock.now()
        newest_case = session.scalar(select(func.max(Case.id))) or 0
        _stage_snapshot(session, newest_case)
        session.execute(delete(OverdueSnapshot))
        counts = overdue_counts(session, now)
        if counts:
            session.execute(insert(OverdueSnapshot), [{"bureau": bureau, "body": body, **values}
                                                      for (bureau, body), values in counts.items()])
        row.case_watermark = newest_case
        row.snapshot_at = now
        return True


def run_due(db: Database) -> int:
    """The worker's job: the day buckets every ``REFRESH_SECONDS``, the snapshots every ``SNAPSHOT_SECONDS``.
    Returns how many of the two were done."""
    with db.transaction() as session:
        row = state(session)
        refreshed, snapped = (row.refreshed_at, row.snapshot_at) if row else (None, None)
    now = clock.now()
    done = 0
    if refreshed is None or now - refreshed >= timedelta(seconds=REFRESH_SECONDS):
        done += 1 if advance(db) is not None else 0
    if snapped is None or now - snapped >= timedelta(seconds=SNAPSHOT_SECONDS):
        done += 1 if snapshot(db) else 0
    return done


def rebuild(db: Database) -> dict:
    """Recount every day bucket and retake the snapshots (``caseflow reports rebuild``)."""
    t0 = perf_counter()
    added = advance(db, full=True)
    t1 = perf_counter()
    snapped = snapshot(db)
    t2 = perf_counter()
    return {"complaints": added, "buckets_seconds": round(t1 - t0, 2), "snapshots": snapped,
            "snapshot_seconds": round(t2 - t1, 2), "seconds": round(t2 - t0, 2)}
