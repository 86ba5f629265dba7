"""Messages between processes: the outbox, delivery to subscriptions by correlation key, receipts.
"""
