"""The official calendar as data: built-in years plus the years and regional overrides an administrator
loads (CLI or API) from the State Council's notice. Loaded documents are stored, versioned, in the
database so every app process and worker computes with the same calendar.

The application computes with the *provisional* calendar: a date in a year without data is counted
weekends-only and every stored due date that crosses such a year is flagged ``due_provisional`` (暂定);
loading the year queues the recomputation of those dates (docs/deadlines.md "Years without calendar
data").

:func:`current` is the one way to obtain a database's calendar; code that computes deadlines takes the
calendar as an argument (there is no ambient "current calendar").
"""
from __future__ import annotations

import json
import threading
import time
import weakref
from datetime import date, datetime

from sqlalchemy import event, insert, literal, or_, select
from sqlalchemy.orm import Session, attributes

from workflow_app.platform import clock
from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import (
    CalendarDataError,
    CalendarVersionError,
    OfficialCalendar,
    load_region_year_data,
    load_year_data,
)
from workflow_app.platform.persistence.models import (
    CalendarYear,
    DeadlineRecompute,
    ProcessInstance,
    StatutoryClockRow,
    TaskRow,
    TimerRow,
)
from workflow_app.platform.persistence.models.base import UTCDateTime
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Conflict, Invalid

#: From this day of each year (China time) administrators are warned that next year is not loaded.
WARNING_FROM = (10, 1)

#: Other processes pick up a newly loaded year within this many seconds.
REFRESH_SECONDS = 30

_lock = threading.Lock()
#: Per database engine: (stamp of calendar_year, monotonic time of the last check, built calendar). Keyed by
#: the engine, not the URL, so that a database recreated under the same URL (tests) never sees a stale one.
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _stamp_of(session: Session) -> tuple:
    # The table holds a few rows per year: its key columns are a cheap, exact change marker.
    return tuple(session.execute(select(CalendarYear.id, CalendarYear.region, CalendarYear.year,
                                        CalendarYear.version, CalendarYear.loaded_at)
                                 .order_by(CalendarYear.id)).all())


def build(session: Session) -> OfficialCalendar:
    calendar = OfficialCalendar.builtin().provisional()
    rows = session.scalars(select(CalendarYear).order_by(CalendarYear.region, CalendarYear.year, CalendarYear.version))
    for row in rows:
        document = json.loads(row.data)
        try:
            if row.region:
                calendar = calendar.with_region_year(load_region_year_data(document))
            else:
                calendar = calendar.with_year(load_year_data(document))
        except CalendarVersionError:
            continue  # an older version of a year a later row replaces
    return calendar


def current(session: Session, force: bool = False) -> OfficialCalendar:
    """The (provisional) calendar of the session's database: built-in years plus the years loaded into it.

    The built calendar is cached per database; whether new years were loaded (by any process) is checked
    at most every 30 s, or at once with ``force``.
    """
    key = session.get_bind()
    key = getattr(key, "engine", key)  # a Connection when the session is bound to one
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is None or force or now - cached[1] >= REFRESH_SECONDS:
        stamp = _stamp_of(session)
        if cached is None or stamp != cached[0]:
            cached = (stamp, now, build(session))
        else:
            cached = (stamp, now, cached[2])
        with _lock:
            _cache[key] = cached
    return cached[2]


def _parse(session: Session, document: dict | str | bytes):
    """The validated document (raw dict and its year data) and the calendar with it added; Chinese
    :class:`Invalid` for a bad document, :class:`Conflict` for a version not above the stored one."""
    try:
        raw = json.loads(document) if isinstance(document, (str, bytes)) else document
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("日历数据不是有效的JSON", f"not valid JSON: {exc}", errors={"document": "不是有效的JSON"}) from None
    if not isinstance(raw, dict):
        raise Invalid("日历数据格式不正确", "calendar document must be a JSON object", errors={"document": "应为对象"})
    try:
        data = load_region_year_data(raw) if "region" in raw else load_year_data(raw)
    except CalendarDataError as exc:
        problems = list(getattr(exc, "problems", [str(exc)]))
        raise Invalid("日历数据校验未通过：" + "；".join(problems[:3]), "; ".join(problems),
                      errors={"document": "；".join(problems)}) from None
    stored = build(session)
    try:
        updated = stored.with_region_year(data) if "region" in raw else stored.with_year(data)
    except CalendarVersionError as exc:
        raise Conflict(str(exc), str(exc)) from None
    return raw, data, stored, updated


def load(session: Session, document: dict | str | bytes, actor: str) -> CalendarYear:
    """Validate and store one year's document (national, or regional with a ``region`` field)."""
    raw, data, _stored, _updated = _parse(session, document)
    row = CalendarYear(region=raw.get("region", ""), year=data.year, version=data.version, source=data.source,
                       data=json.dumps(data.to_dict(), ensure_ascii=False), loaded_at=clock.now(), loaded_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "calendar.load", "calendar", f"{row.region or 'national'}:{row.year}",
                 after={"year": data.year, "version": data.version, "region": row.region, "source": data.source})
    current(session, force=True)  # this process computes with the new year at once
    enqueue_recompute(session, f"calendar {row.region or 'national'}:{row.year} v{row.version}")
    return row


#: A preview lists at most this many provisional dates (its counts are exact).
PREVIEW_LIMIT = 200


def preview(session: Session, document: dict | str | bytes) -> dict:
    """What :func:`load` of ``document`` would change, storing nothing: the holidays and adjusted working
    days added or removed against the data the year has now (none: weekends only), the days whose status
    changes (working day <-> day off), and the provisional dates whose instances the load queues for
    recomputation (those crossing the document's year first). Same errors as :func:`load`."""
    raw, data, stored, updated = _parse(session, document)
    region = raw.get("region") or None
    if region:
        old = stored.region_year_data(region, data.year) if data.year in stored.region_years(region) else None
    else:
        old = stored.year_data(data.year) if stored.covers(data.year) else None
    old_holidays = {h.day: h.name for h in old.holidays} if old else {}
    new_holidays = {h.day: h.name for h in data.holidays}
    old_workdays, new_workdays = set(old.adjusted_workdays) if old else set(), set(data.adjusted_workdays)
    now_off, now_working = [], []
    day = date(data.year, 1, 1)
    while day.year == data.year:
        before, after = stored.is_working_day(day, region), updated.is_working_day(day, region)
        if before and not after:
            now_off.append({"date": day, "name": updated.holiday_name(day, region)})
        elif after and not before:
            now_working.append({"date": day})
        day = date.fromordinal(day.toordinal() + 1)
    dates = provisional_dates(session, stored, data.year, region)
    return {
        "year": data.year, "region": region or "", "version": data.version, "source": data.source,
        "note": getattr(data, "note", None), "replaces_version": old.version if old else None,
        "holidays_added": [{"date": d, "name": n} for d, n in sorted(new_holidays.items()) if old_holidays.get(d) != n],
        "holidays_removed": [{"date": d, "name": n} for d, n in sorted(old_holidays.items()) if d not in new_holidays],
        "workdays_added": sorted(new_workdays - old_workdays), "workdays_removed": sorted(old_workdays - new_workdays),
        "now_days_off": now_off, "now_working_days": now_working,
        "provisional": dates[:PREVIEW_LIMIT], "provisional_total": len(dates),
        "instances_to_recompute": len({d["instance_id"] for d in dates}),
    }


def provisional_dates(session: Session, calendar: OfficialCalendar, year: int, region: str | None = None) -> list[dict]:
    """Every provisional date a load queues for recomputation (open tasks, pending timers, running clocks),
    those crossing ``year`` first, each by due time; ``crosses_year`` says which."""
    today = clock.now().astimezone(CHINA_TZ).date()
    queries = (
        ("task", select(TaskRow.instance_id, TaskRow.name, TaskRow.due_at)
         .where(TaskRow.status == "open", TaskRow.due_provisional.is_(True))),
        ("timer", select(TimerRow.instance_id, TimerRow.name, TimerRow.due_at).where(TimerRow.due_provisional.is_(True))),
        ("clock", select(StatutoryClockRow.instance_id, StatutoryClockRow.label, StatutoryClockRow.due_at)
         .where(StatutoryClockRow.status != "stopped", StatutoryClockRow.due_provisional.is_(True))),
    )
    out = []
    for kind, query in queries:
        for instance_id, name, due_at in session.execute(query):
            out.append({"kind": kind, "instance_id": instance_id, "name": name, "due_at": due_at,
                        "crosses_year": due_at is not None and year in calendar.missing_years(
                            today, due_at, region=region, any_region=region is None)})
    keys = dict(session.execute(select(ProcessInstance.id, ProcessInstance.business_key)
                                .where(ProcessInstance.id.in_({d["instance_id"] for d in out}))).all()) if out else {}
    for item in out:
        item["business_key"] = keys.get(item["instance_id"], "")
    return sorted(out, key=lambda d: (not d["crosses_year"], d["due_at"] is None, d["due_at"] or clock.now()))


# ------------------------------------------------------------------------------------------------
# provisional dates


def is_provisional(calendar: OfficialCalendar, due: datetime | date | None, region: str | None = None,
                   any_region: bool = False) -> bool:
    """Whether a due date crosses a year without the data it needs, counted from the current year
    (docs/deadlines.md "Years without calendar data", rule 2)."""
    if due is None:
        return False
    today = clock.now().astimezone(CHINA_TZ).date()
    return bool(calendar.missing_years(today, due, region=region, any_region=any_region))


@event.listens_for(Session, "before_flush")
def _derive_provisional_flags(session: Session, _context, _instances) -> None:
    """Keep ``due_provisional`` true to ``due_at`` whoever writes a task, timer or clock row (the
    projection of a step, the recompute job, a clock directive): the flag is derived, never set by hand."""
    calendar = None
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, (TaskRow, TimerRow, StatutoryClockRow)):
            continue
        if obj not in session.new and not attributes.get_history(obj, "due_at").has_changes():
            continue
        calendar = calendar or current(session)
        if isinstance(obj, StatutoryClockRow):
            flag = is_provisional(calendar, obj.due_at, region=obj.region)
        else:
            flag = is_provisional(calendar, obj.due_at, any_region=True)
        if obj.due_provisional is not flag:
            obj.due_provisional = flag


def enqueue_recompute(session: Session, reason: str) -> int:
    """Queue one recompute job per instance with a provisional date (one INSERT … SELECT, however many)."""
    affected = (select(TaskRow.instance_id).where(TaskRow.status == "open", TaskRow.due_provisional.is_(True))
                .union(select(TimerRow.instance_id).where(TimerRow.due_provisional.is_(True)),
                       select(StatutoryClockRow.instance_id).where(StatutoryClockRow.status != "stopped",
                                                                   StatutoryClockRow.due_provisional.is_(True))))
    pending = select(DeadlineRecompute.instance_id).where(DeadlineRecompute.status == "pending")
    rows = select(ProcessInstance.id, literal(reason[:200]), literal("pending"), literal(0),
                  literal(clock.now(), UTCDateTime())).where(
        ProcessInstance.id.in_(affected), ProcessInstance.id.not_in(pending))
    result = session.execute(insert(DeadlineRecompute).from_select(
        ["instance_id", "reason", "status", "attempts", "created_at"], rows))
    return result.rowcount or 0


def status(session: Session) -> dict:
    """What the calendar lacks now, and the administrators' warning (from 1 October for next year)."""
    calendar = current(session)
    today = clock.now().astimezone(CHINA_TZ).date()
    missing = [y for y in (today.year, today.year + 1) if not calendar.covers(y)]
    due = [y for y in missing if y == today.year or (today.month, today.day) >= WARNING_FROM]
    warning = None
    if due:
        years = "、".join(f"{y}年" for y in due)
        warning = (f"尚未导入{years}法定节假日数据：涉及该年的期限按暂定规则（仅扣除周末）计算并标注“暂定”，"
                   f"导入后自动重算。请导入国务院办公厅节假日安排通知（caseflow calendar load 或 POST /api/calendar/years）。")
    return {"today": today, "current_year": today.year, "next_year": today.year + 1,
            "covered_until": max(calendar.years) if calendar.years else None, "missing": missing,
            "warning_years": due, "warning": warning,
            "warning_detail": (f"national calendar data missing for {', '.join(map(str, due))}; deadlines in "
                               f"those years are provisional (weekends only)") if due else None}


def years(session: Session) -> list[dict]:
    builtin = OfficialCalendar.builtin()
    out = [{"year": y, "region": "", "version": 0, "source": "chinese-calendar (built-in)"} for y in builtin.years]
    for row in session.scalars(select(CalendarYear).order_by(CalendarYear.region, CalendarYear.year, CalendarYear.version)):
        out.append({"year": row.year, "region": row.region, "version": row.version, "source": row.source,
                    "loaded_at": row.loaded_at, "loaded_by": row.loaded_by})
    return out
