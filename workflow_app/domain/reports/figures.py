"""The dashboard's figures (领导看板): each one SQL aggregate over the viewer's jurisdiction and a period.

Every figure is computed by the database (``GROUP BY``, window functions for the percentiles); no row is
read into Python. The four that would otherwise aggregate hundreds of thousands of rows read the roll-ups
(``models.py``, kept by ``rollups.py``): ``channel``, ``district`` and ``issue`` the day buckets plus the raw
complaints above the watermark (exact at any moment), ``stage`` its snapshot plus the cases opened since,
``overdue`` its snapshot (as of ``as_of``). bench/leadership.py measures them at 1,000,000 complaints. Who
sees what (docs/reports.md):

* **leadership** (局领导) of a bureau: every body of that bureau and of the districts below it;
* **division heads** (科室负责人): their own body in their bureau and the districts below it — cases, tasks,
  clocks, transfers and police transfers of that body; the complaint figures (counts per channel, district
  and issue, no personal data) of the whole jurisdiction, because every body's work starts from them;
* nobody else: administrators support the system and read single cases, they do not get management figures.

The period (``from``..``to``, China dates, both included) selects complaints by receipt, cases by opening,
transfers by creation and closures by their closing time; the overdue figures and the open counts are "now"
(the injectable clock), whatever the period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import DateTime, Integer, and_, case, cast, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration.models import InterAgencyTransfer, SupervisedCase
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim
from workflow_app.domain.reports import rollups
from workflow_app.domain.reports.models import ClaimDay, ComplaintDay, OverdueSnapshot, RollupState, StageSnapshot
from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden, Invalid, NotFound
from workflow_app.platform.identity.directory import Principal, bureau_subtree
from workflow_app.platform.persistence.models import ProcessInstance, TaskRow

#: The steps of a police transfer (移送公安), in the order a transfer goes through them.
POLICE_STEPS = ("requested", "reporting", "reported", "not_eligible", "approved", "refused", "transferred",
                "received", "filed", "not_filed", "no_decision", "reconsideration", "supervision",
                "items_handed_over", "returned_to_admin")
GRAINS = ("week", "month")
#: The default period: the 90 days up to today.
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    grain: str = "week"

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC-comparable instants: [start 00:00, the day after end 00:00) China time."""
        return (datetime.combine(self.start, time.min, clock.CHINA_TZ),
                datetime.combine(self.end + timedelta(days=1), time.min, clock.CHINA_TZ))


def period(start: date | None = None, end: date | None = None, grain: str | None = None) -> Period:
    end = end or clock.today_local()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    grain = grain or "week"
    if grain not in GRAINS:
        raise Invalid("统计粒度只能是周或月", f"grain must be week or month, not {grain!r}")
    if start > end:
        raise Invalid("开始日期不能晚于结束日期", "the period starts after it ends")
    if (end - start).days > MAX_DAYS:
        raise Invalid("统计期间最长三年", "the period is longer than three years")
    return Period(start, end, grain)


@dataclass(frozen=True)
class Scope:
    """What a viewer's figures cover: (bureaus, body) entries; body None is every body of those bureaus."""

    entries: tuple[tuple[frozenset[str], str | None], ...]

    @property
    def bureaus(self) -> frozenset[str]:
        return frozenset().union(*(bureaus for bureaus, _ in self.entries))

    def where(self, bureau_column, body_column=None):
        """SQL: rows of the scope (by a bureau column and, for body-scoped entries, a body column)."""
        clauses = []
        for bureaus, body in self.entries:
            inside = bureau_column.in_(sorted(bureaus))
            clauses.append(inside if body is None or body_column is None else and_(inside, body_column == body))
        return or_(*clauses) if clauses else false()

    def where_bureaus(self, bureau_column):
        """SQL: rows of any bureau of the scope, whatever the body (the complaint figures)."""
        return bureau_column.in_(sorted(self.bureaus))


def viewer_scope(session: Session, p: Principal, district: str | None = None) -> Scope:
    """The scope of ``p``'s figures, optionally narrowed to one district; Forbidden for anyone else."""
    entries: list[tuple[frozenset[str], str | None]] = []
    for bureau in sorted(p.bureaus_with_role("leadership")):
        entries.append((frozenset(bureau_subtree(session, {bureau})), None))
    for bureau, body in sorted(b for b in p.supervised_scopes() if b[1] is not None):
        entries.append((frozenset(bureau_subtree(session, {bureau})), body))
    if not entries:
        raise Forbidden("只有局领导和科室负责人可以查看统计看板", "the dashboard is for leadership and division heads",
                        english="Only leadership and division heads may see the dashboard")
    if district:
        entries = [(bureaus & {district}, body) for bureaus, body in entries if district in bureaus]
        if not entries:
            raise Forbidden("无权查看该辖区的统计", f"district {district} is outside the viewer's jurisdiction",
                            english="You may not see the figures of this district")
    return Scope(tuple(entries))


def districts(session: Session, scope: Scope) -> list[str]:
    """The bureaus a viewer may filter by (codes, sorted)."""
    return sorted(scope.bureaus)


# ------------------------------------------------------------------------------------------------
# SQL helpers that differ between SQLite and PostgreSQL
# ------------------------------------------------------------------------------------------------

def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _bucket(session: Session, column, grain: str):
    """SQL: the first day (China time) of the week (Monday) or month of ``column``: a timestamp on PostgreSQL
    (formatting each row with to_char costs more than the grouping itself), 'YYYY-MM-DD' on SQLite."""
    if _postgres(session):
        return func.date_trunc(grain, column + literal(timedelta(hours=8)))
    local = func.datetime(column, "+8 hours")
    if grain == "month":
        return func.strftime("%Y-%m-01", local)
    return func.date(local, "weekday 0", "-6 days")


def _day_bucket(session: Session, column, grain: str):
    """SQL: ``_bucket`` of a date column (a roll-up's China day), in the same type as ``_bucket``."""
    if _postgres(session):
        return func.date_trunc(grain, cast(column, DateTime))
    if grain == "month":
        return func.strftime("%Y-%m-01", column)
    return func.date(column, "weekday 0", "-6 days")


def _seconds_between(session: Session, later, earlier):
    if _postgres(session):
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _in_period(column, p: Period):
    start, end = p.bounds()
    return and_(column >= start, column < end)


# ------------------------------------------------------------------------------------------------
# The figures
# ------------------------------------------------------------------------------------------------

def _watermark(session: Session, column) -> tuple[int, object]:
    """The watermark twice: as a number read now (so the planner sees how few raw rows lie above it) and as
    a subquery of the figure's own statement (one statement, one snapshot: a refresh committing in between
    neither doubles nor drops a row)."""
    read = session.scalar(select(column).where(RollupState.name == rollups.STATE)) or 0
    return read, func.coalesce(select(column).where(RollupState.name == rollups.STATE).scalar_subquery(), 0)


def _newer(session: Session, id_column, state_column):
    read, live = _watermark(session, state_column)
    return and_(id_column > read, id_column > live)


def _in_days(column, p: Period):
    return and_(column >= p.start, column <= p.end)


def _sum(column):
    return cast(func.sum(column), Integer)


def complaints_by_channel(session: Session, scope: Scope, p: Period) -> list[dict]:
    """Complaints received in the period per channel: the day buckets plus the complaints registered since."""
    rolled = (select(ComplaintDay.channel.label("channel"), ComplaintDay.count.label("n"))
              .where(scope.where_bureaus(ComplaintDay.district), _in_days(ComplaintDay.day, p)))
    raw = (select(Complaint.channel, func.count())
           .where(scope.where_bureaus(Complaint.employer_district), _in_period(Complaint.received_at, p),
                  _newer(session, Complaint.id, RollupState.complaint_watermark))
           .group_by(Complaint.channel))
    both = union_all(rolled, raw).subquery()
    stmt = (select(both.c.channel, _sum(both.c.n)).group_by(both.c.channel)
            .order_by(func.sum(both.c.n).desc(), both.c.channel))
    return [{"channel": channel, "count": n} for channel, n in session.execute(stmt)]


def complaints_by_district(session: Session, scope: Scope, p: Period) -> list[dict]:
    rolled = (select(ComplaintDay.district.label("district"), ComplaintDay.count.label("n"))
              .where(scope.where_bureaus(ComplaintDay.district), _in_days(ComplaintDay.day, p)))
    raw = (select(Complaint.employer_district, func.count())
           .where(scope.where_bureaus(Complaint.employer_district), _in_period(Complaint.received_at, p),
                  _newer(session, Complaint.id, RollupState.complaint_watermark))
           .group_by(Complaint.employer_district))
    both = union_all(rolled, raw).subquery()
    stmt = select(both.c.district, _sum(both.c.n)).group_by(both.c.district).order_by(both.c.district)
    return [{"district": district, "count": n} for district, n in session.execute(stmt)]


def claims_by_issue(session: Session, scope: Scope, p: Period) -> list[dict]:
    """Claims per issue code and week (or month) of receipt: one row per (bucket, issue) with claims."""
    rolled = (select(_day_bucket(session, ClaimDay.day, p.grain).label("bucket"), ClaimDay.code.label("code"),
                     ClaimDay.label.label("label"), ClaimDay.count.label("n"))
              .where(scope.where_bureaus(ClaimDay.district), _in_days(ClaimDay.day, p)))
    bucket = _bucket(session, Complaint.received_at, p.grain)
    raw = (select(bucket, ComplaintClaim.code, func.min(ComplaintClaim.label), func.count())
           .join(Complaint, Complaint.id == ComplaintClaim.complaint_id)
           .where(scope.where_bureaus(Complaint.employer_district), _in_period(Complaint.received_at, p),
                  _newer(session, Complaint.id, RollupState.complaint_watermark))
           .group_by(bucket, ComplaintClaim.code))
    both = union_all(rolled, raw).subquery()
    stmt = (select(both.c.bucket, both.c.code, func.min(both.c.label), _sum(both.c.n))
            .group_by(both.c.bucket, both.c.code).order_by(both.c.bucket, both.c.code))
    return [{"bucket": b if isinstance(b, str) else b.strftime("%Y-%m-%d"), "issue": code, "label": label, "count": n}
            for b, code, label, n in session.execute(stmt)]


def cases_by_stage(session: Session, scope: Scope, p: Period) -> list[dict]:
    """Cases opened in the period per body and stage: the name of the open task of a running case, or the
    instance's end status (completed, terminated). A case waiting on no task (a timer, a message) is
    counted with stage None; a case with two open tasks (parallel work) counts at both stages (a plain
    count: counting distinct cases would sort every row). The snapshot (as of ``as_of``) plus the cases
    opened since, counted live."""
    rolled = (select(StageSnapshot.body.label("body"), StageSnapshot.status.label("status"),
                     StageSnapshot.stage.label("stage"), StageSnapshot.count.label("n"))
              .where(scope.where(StageSnapshot.jurisdiction, StageSnapshot.body), _in_days(StageSnapshot.day, p)))
    raw = (select(Case.body, ProcessInstance.status, TaskRow.name, func.count())
           .join(ProcessInstance, ProcessInstance.id == Case.instance_id)
           .outerjoin(TaskRow, and_(TaskRow.instance_id == Case.instance_id, TaskRow.status == "open"))
           .where(scope.where(Case.jurisdiction, Case.body), _in_period(Case.opened_at, p),
                  _newer(session, Case.id, RollupState.case_watermark))
           .group_by(Case.body, ProcessInstance.status, TaskRow.name))
    both = union_all(rolled, raw).subquery()
    stmt = (select(both.c.body, both.c.status, both.c.stage, _sum(both.c.n))
            .group_by(both.c.body, both.c.status, both.c.stage)
            .order_by(both.c.body, both.c.status, both.c.stage))
    return [{"body": body, "status": status, "stage": name, "count": n}
            for body, status, name, n in session.execute(stmt)]


def overdue_by_body(session: Session, scope: Scope) -> list[dict]:
    """Open tasks and the overdue ones per body; running statutory clocks of cases and the overdue ones: as
    of the last snapshot (``as_of``), or now when none was taken yet."""
    snapped = rollups.state(session)
    if snapped is None or snapped.snapshot_at is None:
        counts = rollups.overdue_counts(session, clock.now())
        rows = [{"bureau": bureau, "body": body, **values} for (bureau, body), values in counts.items()]
        inside = _in_scope(scope, rows)
    else:
        S = OverdueSnapshot
        inside = [{"body": r.body, "open_tasks": r.open_tasks, "overdue_tasks": r.overdue_tasks,
                   "running_clocks": r.running_clocks, "overdue_clocks": r.overdue_clocks}
                  for r in session.scalars(select(S).where(scope.where(S.bureau, S.body)))]
    out: dict[str, dict] = {}
    for r in inside:
        row = out.setdefault(r["body"], _empty_overdue(r["body"]))
        for key in ("open_tasks", "overdue_tasks", "running_clocks", "overdue_clocks"):
            row[key] += r[key]
    out = {body: row for body, row in out.items() if row["open_tasks"] or row["running_clocks"]}
    for row in out.values():
        row["task_rate"] = round(row["overdue_tasks"] / row["open_tasks"], 4) if row["open_tasks"] else 0.0
        row["clock_rate"] = round(row["overdue_clocks"] / row["running_clocks"], 4) if row["running_clocks"] else 0.0
    return [out[body] for body in sorted(out)]


def _in_scope(scope: Scope, rows: list[dict]) -> list[dict]:
    """The rows of (bureau, body) inside the scope, the Python twin of ``Scope.where``."""
    return [r for r in rows if any(r["bureau"] in bureaus and (body is None or r["body"] == body)
                                   for bureaus, body in scope.entries)]


def as_of(session: Session, name: str) -> datetime | None:
    """The instant a snapshot figure (``stage``, ``overdue``) stands at; None: live (every other figure, or no
    snapshot yet)."""
    if name not in SNAPSHOT_FIGURES:
        return None
    row = rollups.state(session)
    return row.snapshot_at if row else None


def _empty_overdue(body: str) -> dict:
    return {"body": body, "open_tasks": 0, "overdue_tasks": 0, "running_clocks": 0, "overdue_clocks": 0}


def _transfer_scope(scope: Scope):
    T = InterAgencyTransfer
    return or_(scope.where(T.from_bureau, T.from_body), scope.where(T.to_bureau, T.to_body))


def acknowledgement_times(session: Session, scope: Scope, p: Period) -> list[dict]:
    """Hours from sending to acknowledgement (签收) per kind and receiving body, for the transfers created in
    the period that were acknowledged: count, median and 90th percentile (nearest rank: the value at rank
    ⌈q·n⌉ of the n sorted times), computed by window functions in the database."""
    T = InterAgencyTransfer
    seconds = _seconds_between(session, T.acknowledged_at, T.sent_at)
    groups = (T.kind, T.to_body)
    ranked = (select(T.kind.label("kind"), T.to_body.label("body"), seconds.label("s"),
                     func.row_number().over(partition_by=groups, order_by=seconds).label("rn"),
                     func.count().over(partition_by=groups).label("n"))
              .where(T.sent_at.is_not(None), T.acknowledged_at.is_not(None), _transfer_scope(scope),
                     _in_period(T.created_at, p))
              .subquery())
    median_rank = (ranked.c.n + 1) // 2
    p90_rank = (ranked.c.n * 9 + 9) // 10
    stmt = (select(ranked.c.kind, ranked.c.body, func.max(ranked.c.n),
                   func.max(case((ranked.c.rn == median_rank, ranked.c.s))),
                   func.max(case((ranked.c.rn == p90_rank, ranked.c.s))))
            .group_by(ranked.c.kind, ranked.c.body).order_by(ranked.c.kind, ranked.c.body))
    return [{"kind": kind, "body": body, "count": n, "median_hours": _hours(median), "p90_hours": _hours(p90)}
            for kind, body, n, median, p90 in session.execute(stmt)]


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 1)


def police_pipeline(session: Session, scope: Scope, p: Period) -> list[dict]:
    """Police transfers created in the period per step, every step listed (zero included), in order."""
    T = InterAgencyTransfer
    counts = dict(session.execute(
        select(T.status, func.count())
        .where(T.kind == "police", scope.where(T.from_bureau, T.from_body), _in_period(T.created_at, p))
        .group_by(T.status)).all())
    steps = list(POLICE_STEPS) + sorted(set(counts) - set(POLICE_STEPS))
    return [{"step": step, "count": counts.get(step, 0)} for step in steps]


def emergencies(session: Session, scope: Scope, p: Period) -> list[dict]:
    """Urgent (应急) cases and supervised cases (挂牌督办): open now, and closed in the period."""
    start, end = p.bounds()
    urgent = session.execute(
        select(func.sum(case((ProcessInstance.status == "running", 1), else_=0)),
               func.sum(case((and_(ProcessInstance.status != "running", ProcessInstance.completed_at >= start,
                                   ProcessInstance.completed_at < end), 1), else_=0)))
        .select_from(Case).join(ProcessInstance, ProcessInstance.id == Case.instance_id)
        .where(Case.urgent.is_(True), scope.where(Case.jurisdiction, Case.body))).one()
    supervised = session.execute(
        select(func.sum(case((SupervisedCase.status == "open", 1), else_=0)),
               func.sum(case((and_(SupervisedCase.status == "closed", SupervisedCase.closed_at >= start,
                                   SupervisedCase.closed_at < end), 1), else_=0)))
        .select_from(SupervisedCase).join(Case, Case.id == SupervisedCase.case_id)
        .where(scope.where(Case.jurisdiction, Case.body))).one()
    return [{"flag": "emergency", "open": int(urgent[0] or 0), "closed": int(urgent[1] or 0)},
            {"flag": "supervised", "open": int(supervised[0] or 0), "closed": int(supervised[1] or 0)}]


#: The figures by the dashboard's chart names, each ``f(session, scope, period)``.
#: The figures read from a snapshot: their cards show its instant.
SNAPSHOT_FIGURES = ("stage", "overdue")
FIGURES = {
    "channel": complaints_by_channel,
    "district": complaints_by_district,
    "issue": claims_by_issue,
    "stage": cases_by_stage,
    "overdue": lambda session, scope, p: overdue_by_body(session, scope),
    "acks": acknowledgement_times,
    "police": police_pipeline,
    "emergencies": emergencies,
}


def figure(session: Session, principal: Principal, name: str, p: Period, district: str | None = None) -> list[dict]:
    """One figure for ``principal``: Forbidden outside leadership and division heads, NotFound for an
    unknown figure name."""
    if name not in FIGURES:
        raise NotFound("没有这个统计图", f"unknown figure {name!r}", english="There is no such chart")
    return FIGURES[name](session, viewer_scope(session, principal, district), p)
