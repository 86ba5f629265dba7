"""Persistence: the database (engine, sessions, transactions with optimistic retries), migrations, and the
platform's tables.
"""
