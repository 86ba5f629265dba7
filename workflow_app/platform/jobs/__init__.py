"""Background jobs the worker runs: due timers, task escalation and reminders, clock alerts, recompute of
provisional dates, incidents (docs/deadlines.md).
"""
