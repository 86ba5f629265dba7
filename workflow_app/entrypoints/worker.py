"""The background worker: recomputes provisional dates after a calendar load, wakes exactly the instances
whose timers are due, delivers queued messages, escalates overdue tasks, reminds and escalates on
statutory clocks.

Run as ``caseflow worker`` (any number side by side on PostgreSQL), or inside the server process for the
SQLite demo. Timers that fell due while everything was stopped fire on the first pass after start.
A worker wires the application itself (``bootstrap.wire``): it needs the message handlers and the
diagram functions, never the Flask app.
"""
from __future__ import annotations

import logging
import threading

from workflow_app.domain.collaboration import meetings
from workflow_app.domain.reports import rollups
from workflow_app.entrypoints import bootstrap
from workflow_app.platform.persistence.database import Database
from workflow_app.platform.messaging import outbox as messaging
from workflow_app.platform.jobs import clock_alerts, timers

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, db: Database, batch: int = 50, poll_seconds: float = 1.0):
        bootstrap.wire()
        self.db = db
        self.batch = batch
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()

    def run_once(self) -> int:
        """One pass; returns how much work it did (0: nothing was due)."""
        with self.db.transaction() as session:
            recompute_ids = timers.pending_recomputes(session, self.batch)
        # Provisional dates are recomputed first, so that a timer whose year is now loaded fires on its
        # real date rather than its provisional one (docs/deadlines.md "Years without calendar data").
        recomputed = sum(1 for job_id in recompute_ids if timers.recompute_instance(self.db, job_id))
        with self.db.transaction() as session:
            instance_ids = timers.due_instances(session, self.batch)
            message_ids = messaging.pending_ids(session, self.batch)
        fired = sum(1 for instance_id in instance_ids if timers.fire_instance_timers(self.db, instance_id))
        delivered = sum(1 for message_id in message_ids if messaging.deliver(self.db, message_id))
        escalated = timers.escalate_overdue(self.db)
        # Reminders and escalation of the statutory clocks (docs/deadlines.md).
        clock_work = clock_alerts.remind_due(self.db) + clock_alerts.escalate_due(self.db)
        scheduled = meetings.run_due(self.db)  # quarterly liaison meetings (docs/collaboration.md)
        # The dashboard's roll-ups (docs/reports.md "Roll-ups"): periodic upkeep on its own timetable, not
        # work that was due, so it does not count (an idle worker stays idle).
        rollups.run_due(self.db)
        if recomputed or fired or delivered or escalated or clock_work or scheduled:
            log.info("worker: %d instances recomputed, timers fired in %d instances, %d messages delivered, "
                     "%d tasks escalated, %d clock reminders/escalations, %d scheduled meetings started",
                     recomputed, fired, delivered, escalated, clock_work, scheduled)
        return recomputed + fired + delivered + escalated + clock_work + scheduled

    def run_until_idle(self, max_passes: int = 1000) -> int:
        total = 0
        for _ in range(max_passes):
            done = self.run_once()
            total += done
            if done == 0:
                break
        return total

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:  # the database may be briefly unavailable; keep the worker alive
                log.exception("worker pass failed")
                done = 0
            if done == 0:
                self._stop.wait(self.poll_seconds)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="caseflow-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
