"""The official calendar as data: built-in years plus the years and regional overrides an administrator
loads (CLI or API) from the State Council's notice. Loaded documents are stored, versioned, in the
database so every app process and worker computes with the same calendar.
"""
from __future__ import annotations

import json
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..deadlines import (CalendarDataError, CalendarVersionError, OfficialCalendar, load_region_year_data,
                         load_year_data)
from ..engine import diagram_functions
from ..models import CalendarYear
from . import audit
from .errors import Conflict, Invalid

#: Other processes pick up a newly loaded year within this many seconds.
REFRESH_SECONDS = 30

_lock = threading.Lock()
#: Per database (URL): (stamp of calendar_year, monotonic time of the last check, built calendar).
_cache: dict[str, tuple[tuple, float, OfficialCalendar]] = {}


def _stamp_of(session: Session) -> tuple:
    # The table holds a few rows per year: its key columns are a cheap, exact change marker.
    return tuple(session.execute(select(CalendarYear.id, CalendarYear.region, CalendarYear.year,
                                        CalendarYear.version, CalendarYear.loaded_at)
                                 .order_by(CalendarYear.id)).all())


def build(session: Session) -> OfficialCalendar:
    calendar = OfficialCalendar.builtin()
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


def refresh(session: Session, force: bool = False) -> OfficialCalendar:
    """Install this database's calendar for the diagrams of the current use case.

    The built calendar is cached per database; whether new years were loaded (by any process) is checked
    at most every 30 s, or at once with ``force``.
    """
    key = str(session.get_bind().url)
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
    diagram_functions.use_calendar(cached[2])
    return cached[2]


def load(session: Session, document: dict | str | bytes, actor: str) -> CalendarYear:
    """Validate and store one year's document (national, or regional with a ``region`` field)."""
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
    current = build(session)
    try:
        current.with_region_year(data) if "region" in raw else current.with_year(data)
    except CalendarVersionError as exc:
        raise Conflict(str(exc), str(exc)) from None
    row = CalendarYear(region=raw.get("region", ""), year=data.year, version=data.version, source=data.source,
                       data=json.dumps(data.to_dict(), ensure_ascii=False), loaded_at=clock.now(), loaded_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "calendar.load", "calendar", f"{row.region or 'national'}:{row.year}",
                 after={"year": data.year, "version": data.version, "region": row.region, "source": data.source})
    from . import clocks  # clocks waiting for this year get their due dates now
    refresh(session, force=True)
    clocks.recompute_unknown(session)
    return row


def years(session: Session) -> list[dict]:
    builtin = OfficialCalendar.builtin()
    out = [{"year": y, "region": "", "version": 0, "source": "chinese-calendar (built-in)"} for y in builtin.years]
    for row in session.scalars(select(CalendarYear).order_by(CalendarYear.region, CalendarYear.year, CalendarYear.version)):
        out.append({"year": row.year, "region": row.region, "version": row.version, "source": row.source,
                    "loaded_at": row.loaded_at, "loaded_by": row.loaded_by})
    return out
