"""Notifications to users (in-app; the one writer) (docs/deadlines.md).
"""
