"""Deadlines on the database: loaded calendar years and provisional dates, statutory clocks of a case
(docs/deadlines.md). The pure arithmetic is ``platform/calendar``.
"""
