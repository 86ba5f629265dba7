"""Statutory clocks of a case, driven by the diagram.

Task properties (expressions, evaluated when the task completes):

* ``startClock``  -> ``{"name": "acceptance", "label": "受理期限", "rule": "5WD", "start": received_at}``
  (or a list of them); ``region`` optional; ``remind`` optional: working days (hours, for an hour clock)
  before the due date at which the worker reminds the case's task holders (default 1);
* ``stopClock``, ``suspendClock``, ``resumeClock`` -> a clock name (or a list of names);
* ``extendClock`` -> ``{"name": "investigation", "extra": 30, "reason": "..."}``, typically on the
  approval task of an extension request; whoever completes that task is recorded as the approver.

A clock's due date is recomputed on every change (extensions add to the original un-rolled end, then roll
once; suspension stops the clock, resumption continues it — see ``workflow_app.platform.calendar``). A due date
in a year without calendar data is provisional (暂定, docs/deadlines.md "Years without calendar data").

The worker reminds and escalates on the clock rows (``platform/jobs/clock_alerts.py``;
docs/deadlines.md "Reminders and escalation of a clock").

Every computation takes the official calendar as an argument: the step's (``runner.calendar_of``) when
a step applies its directives, the database's (``calendar_years.current``) otherwise.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.clock import CHINA_TZ
from workflow_app.platform.calendar import OfficialCalendar, StatutoryClock, Unit, UnknownYearError, end_of_day, parse_rule
from workflow_app.platform.engine.runner import ClockDirective, EngineError
from workflow_app.platform.persistence.models import ProcessInstance, StatutoryClockRow
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.deadlines import calendar_years, diagram_functions


def _as_start(value) -> date | datetime:
    return clock.parse_day_or_instant(value)  # a bare date starts the period on that day


def _names(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


#: Largest ``remind`` a startClock may declare (a reminder months ahead is a typo).
MAX_REMIND = 60


def _due(definition: StatutoryClock, calendar: OfficialCalendar) -> datetime | None:
    """The due instant (provisional where the calendar lacks a year), or None while suspended."""
    due = definition.due_date(calendar)
    if due is None:
        return None
    return due if isinstance(due, datetime) else end_of_day(due)


def _remind_at(definition: StatutoryClock, due_at: datetime | None, remind: int,
               calendar: OfficialCalendar) -> datetime | None:
    """09:00 on the working day ``remind`` working days before the due date; for an hour clock, ``remind``
    hours before the due instant."""
    if due_at is None:
        return None
    if definition.unit is Unit.HOURS:
        return due_at - timedelta(hours=remind)
    day = diagram_functions.working_days_before(calendar, due_at.astimezone(CHINA_TZ).date(), remind,
                                                definition.region)
    return datetime.combine(day, diagram_functions.REMINDER_TIME, CHINA_TZ)


def set_due(row: StatutoryClockRow, definition: StatutoryClock, calendar: OfficialCalendar) -> None:
    """Recompute the row's due date and reminder instant. When the due date moved, a reminder or escalation
    still ahead is re-armed (each fires once per due date); one already past stays as it was."""
    before = row.due_at
    row.due_at = _due(definition, calendar)
    row.remind_at = _remind_at(definition, row.due_at, row.remind if row.remind is not None else 1, calendar)
    if row.due_at != before:
        now = clock.now()
        if row.remind_at is not None and row.remind_at > now:
            row.reminded_at = None
        if row.due_at is not None and row.due_at > now:
            row.escalated_at = None


def recompute(row: StatutoryClockRow, calendar: OfficialCalendar) -> tuple[datetime | None, datetime | None]:
    """After a calendar year was loaded: the clock's dates on the new ``calendar``. Returns (before, after)."""
    before = row.due_at
    set_due(row, StatutoryClock.from_dict(json.loads(row.definition)), calendar)
    return before, row.due_at


def apply(session: Session, instance: ProcessInstance, directives: list[ClockDirective], actor: str,
          calendar: OfficialCalendar) -> None:
    """Apply a step's clock directives to the case's clocks (in the step's transaction), on the step's
    ``calendar``."""
    if not directives:
        return
    today = clock.now().astimezone(CHINA_TZ).date()
    rows = {r.name: r for r in session.scalars(select(StatutoryClockRow).where(
        StatutoryClockRow.instance_id == instance.id, StatutoryClockRow.status != "stopped"))}
    try:
        for d in directives:
            if d.kind == "startClock":
                for spec in d.value if isinstance(d.value, (list, tuple)) else [d.value]:
                    _start(session, instance, rows, spec, actor, d.task_name, calendar)
                continue
            if d.kind == "extendClock":
                _extend(session, instance, rows, d.value, actor, d.task_name, calendar)
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
                if row.status != "stopped":
                    set_due(row, definition, calendar)
                audit.record(session, actor, f"clock.{d.kind[:-5]}", "clock", row.id, instance_id=instance.id,
                             business_key=instance.business_key, before={"status": before},
                             after={"status": row.status, "name": name, "due_at": row.due_at.isoformat() if row.due_at else None})
    except UnknownYearError as exc:
        raise EngineError(str(exc)) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise EngineError(f"clock directive: {exc}") from None


def _start(session, instance, rows, spec, actor, task_name, calendar):
    if not isinstance(spec, dict) or not {"name", "rule", "start"} <= set(spec):
        raise EngineError("startClock must give name, rule and start", task_name)
    name = str(spec["name"])
    rule = parse_rule(str(spec["rule"]))
    definition = rule.clock(_as_start(spec["start"]), spec.get("region"))
    remind = spec.get("remind", 1)
    if not isinstance(remind, int) or isinstance(remind, bool) or not 0 <= remind <= MAX_REMIND:
        raise EngineError(f"startClock remind must be a whole number of days 0..{MAX_REMIND}, got {remind!r}",
                          task_name)
    if name in rows:
        rows[name].status, rows[name].stopped_at = "stopped", clock.now()  # restarting replaces the clock
    row = StatutoryClockRow(
        instance_id=instance.id, business_key=instance.business_key, name=name,
        label=str(spec.get("label") or name), rule=str(rule), region=spec.get("region"),
        definition=json.dumps(definition.to_dict(), ensure_ascii=False, default=str), extensions="[]",
        status="running", remind=remind, started_at=clock.now())
    set_due(row, definition, calendar)
    session.add(row)
    session.flush()
    rows[name] = row
    audit.record(session, actor, "clock.start", "clock", row.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 after={"name": name, "rule": str(rule), "due_at": row.due_at.isoformat() if row.due_at else None})


def _extend(session, instance, rows, spec, actor, task_name, calendar):
    if not isinstance(spec, dict) or "name" not in spec or "extra" not in spec:
        raise EngineError("extendClock must give name and extra", task_name)
    row = rows.get(str(spec["name"]))
    if row is None:
        raise EngineError(f"extendClock: the case has no running clock '{spec['name']}'", task_name)
    definition = StatutoryClock.from_dict(json.loads(row.definition)).extend(int(spec["extra"]))
    before = row.due_at
    row.definition = json.dumps(definition.to_dict(), ensure_ascii=False, default=str)
    set_due(row, definition, calendar)
    extensions = json.loads(row.extensions)
    extensions.append({"extra": int(spec["extra"]), "approved_by": actor, "task": task_name,
                       "at": clock.now().isoformat(), "reason": spec.get("reason")})
    row.extensions = json.dumps(extensions, ensure_ascii=False)
    audit.record(session, actor, "clock.extend", "clock", row.id, instance_id=instance.id,
                 business_key=instance.business_key, before={"due_at": before.isoformat() if before else None},
                 after={"due_at": row.due_at.isoformat() if row.due_at else None, "extra": int(spec["extra"]),
                        "approved_by": actor})


def view(row: StatutoryClockRow, calendar: OfficialCalendar) -> dict:
    """A clock as a case file shows it: due date, elapsed and remaining (counted on ``calendar``) in the
    clock's unit."""
    definition = StatutoryClock.from_dict(json.loads(row.definition))
    now = clock.now()
    out = {"name": row.name, "label": row.label, "rule": row.rule, "status": row.status,
           "unit": str(definition.unit), "length": definition.total_length,
           "started_at": row.started_at, "due_at": row.due_at, "due_provisional": bool(row.due_provisional),
           "remind_at": row.remind_at, "reminded_at": row.reminded_at, "escalated_at": row.escalated_at,
           "stopped_at": row.stopped_at,
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
    """The clocks of an instance, counted on the database's calendar."""
    calendar = calendar_years.current(session)
    return [view(r, calendar) for r in session.scalars(select(StatutoryClockRow).where(
        StatutoryClockRow.instance_id == instance_id).order_by(StatutoryClockRow.started_at, StatutoryClockRow.id))]
