"""Statutory clocks of a case, driven by the diagram.

Task properties (expressions, evaluated when the task completes):

* ``startClock``  -> ``{"name": "acceptance", "label": "受理期限", "rule": "5WD", "start": received_at}``
  (or a list of them); ``region`` optional;
* ``stopClock``, ``suspendClock``, ``resumeClock`` -> a clock name (or a list of names);
* ``extendClock`` -> ``{"name": "investigation", "extra": 30, "reason": "..."}``, typically on the
  approval task of an extension request; whoever completes that task is recorded as the approver.

A clock's due date is recomputed on every change (extensions add to the original un-rolled end, then roll
once; suspension stops the clock, resumption continues it — see ``workflow_app.deadlines``).
"""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..deadlines import CHINA_TZ, StatutoryClock, UnknownYearError, end_of_day, parse_rule
from ..engine import diagram_functions
from ..engine.runner import ClockDirective, EngineError
from ..models import ProcessInstance, StatutoryClockRow
from . import audit


def _as_start(value) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    text = str(value)
    if len(text) == 10:
        return date.fromisoformat(text)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_TZ)


def _names(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _due(definition: StatutoryClock) -> datetime | None:
    """The due instant, or None while suspended — and while the due date falls in a year without official
    calendar data: the clock still runs (the case must not stop), its due date is never guessed, the case
    shows the missing year, and loading that year fills the date in (``recompute_unknown``)."""
    try:
        due = definition.due_date(diagram_functions.active_calendar())
    except UnknownYearError:
        return None
    if due is None:
        return None
    return due if isinstance(due, datetime) else end_of_day(due)


def recompute_unknown(session: Session) -> int:
    """After a calendar year was loaded: give running clocks without a due date their date."""
    count = 0
    for row in session.scalars(select(StatutoryClockRow).where(StatutoryClockRow.status == "running",
                                                               StatutoryClockRow.due_at.is_(None))):
        row.due_at = _due(StatutoryClock.from_dict(json.loads(row.definition)))
        count += row.due_at is not None
    return count


def apply(session: Session, instance: ProcessInstance, directives: list[ClockDirective], actor: str) -> None:
    """Apply a step's clock directives to the case's clocks (in the step's transaction)."""
    if not directives:
        return
    today = clock.now().astimezone(CHINA_TZ).date()
    rows = {r.name: r for r in session.scalars(select(StatutoryClockRow).where(
        StatutoryClockRow.instance_id == instance.id, StatutoryClockRow.status != "stopped"))}
    try:
        for d in directives:
            if d.kind == "startClock":
                for spec in d.value if isinstance(d.value, (list, tuple)) else [d.value]:
                    _start(session, instance, rows, spec, actor, d.task_name)
                continue
            if d.kind == "extendClock":
                _extend(session, instance, rows, d.value, actor, d.task_name)
                continue
            for name in _names(d.value):
                row = rows.get(name)
                if row is None:
                    raise EngineError(f"{d.kind}: the case has no running clock '{name}'", d.task_name)
                definition = StatutoryClock.from_dict(json.loads(row.definition))
                before = row.status
                if d.kind == "stopClock":
                    row.status, row.stopped_at = "stopped", clock.now()
                elif d.kind == "suspendClock" and not definition.is_suspended:
                    definition = definition.suspend(today)
                    row.status = "suspended"
                elif d.kind == "resumeClock" and definition.is_suspended:
                    definition = definition.resume(today)
                    row.status = "running"
                row.definition = json.dumps(definition.to_dict(), ensure_ascii=False, default=str)
                row.due_at = _due(definition) if row.status != "stopped" else row.due_at
                audit.record(session, actor, f"clock.{d.kind[:-5]}", "clock", row.id, instance_id=instance.id,
                             business_key=instance.business_key, before={"status": before},
                             after={"status": row.status, "name": name, "due_at": row.due_at.isoformat() if row.due_at else None})
    except UnknownYearError as exc:
        raise EngineError(str(exc)) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise EngineError(f"clock directive: {exc}") from None


def _start(session, instance, rows, spec, actor, task_name):
    if not isinstance(spec, dict) or not {"name", "rule", "start"} <= set(spec):
        raise EngineError("startClock must give name, rule and start", task_name)
    name = str(spec["name"])
    rule = parse_rule(str(spec["rule"]))
    definition = rule.clock(_as_start(spec["start"]), spec.get("region"))
    if name in rows:
        rows[name].status, rows[name].stopped_at = "stopped", clock.now()  # restarting replaces the clock
    row = StatutoryClockRow(
        instance_id=instance.id, business_key=instance.business_key, name=name,
        label=str(spec.get("label") or name), rule=str(rule), region=spec.get("region"),
        definition=json.dumps(definition.to_dict(), ensure_ascii=False, default=str), extensions="[]",
        status="running", due_at=_due(definition), started_at=clock.now())
    session.add(row)
    session.flush()
    rows[name] = row
    audit.record(session, actor, "clock.start", "clock", row.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 after={"name": name, "rule": str(rule), "due_at": row.due_at.isoformat() if row.due_at else None})


def _extend(session, instance, rows, spec, actor, task_name):
    if not isinstance(spec, dict) or "name" not in spec or "extra" not in spec:
        raise EngineError("extendClock must give name and extra", task_name)
    row = rows.get(str(spec["name"]))
    if row is None:
        raise EngineError(f"extendClock: the case has no running clock '{spec['name']}'", task_name)
    definition = StatutoryClock.from_dict(json.loads(row.definition)).extend(int(spec["extra"]))
    before = row.due_at
    row.definition = json.dumps(definition.to_dict(), ensure_ascii=False, default=str)
    row.due_at = _due(definition)
    extensions = json.loads(row.extensions)
    extensions.append({"extra": int(spec["extra"]), "approved_by": actor, "task": task_name,
                       "at": clock.now().isoformat(), "reason": spec.get("reason")})
    row.extensions = json.dumps(extensions, ensure_ascii=False)
    audit.record(session, actor, "clock.extend", "clock", row.id, instance_id=instance.id,
                 business_key=instance.business_key, before={"due_at": before.isoformat() if before else None},
                 after={"due_at": row.due_at.isoformat() if row.due_at else None, "extra": int(spec["extra"]),
                        "approved_by": actor})


def view(row: StatutoryClockRow) -> dict:
    """A clock as a case file shows it: due date, elapsed and remaining in the clock's unit."""
    definition = StatutoryClock.from_dict(json.loads(row.definition))
    calendar = diagram_functions.active_calendar()
    now = clock.now()
    out = {"name": row.name, "label": row.label, "rule": row.rule, "status": row.status,
           "unit": str(definition.unit), "length": definition.total_length,
           "started_at": row.started_at, "due_at": row.due_at, "stopped_at": row.stopped_at,
           "extensions": json.loads(row.extensions),
           "suspensions": [s for s in definition.to_dict().get("suspensions", [])]}
    try:
        reference = row.stopped_at or now
        out["elapsed"] = definition.elapsed(calendar, reference)
        out["remaining"] = definition.remaining(calendar, reference)
        out["overdue"] = row.status != "stopped" and definition.is_overdue(calendar, now)
    except UnknownYearError as exc:
        out["elapsed"] = out["remaining"] = None
        out["overdue"] = None
        out["error"] = str(exc)
    return out


def for_instance(session: Session, instance_id: int) -> list[dict]:
    from . import calendar
    calendar.refresh(session)
    return [view(r) for r in session.scalars(select(StatutoryClockRow).where(
        StatutoryClockRow.instance_id == instance_id).order_by(StatutoryClockRow.started_at, StatutoryClockRow.id))]
