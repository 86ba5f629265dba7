"""How pages write amounts and times (pure: no request, no database), shared by the templates' filters
(``common.py``) and the form renderer's read-only display (docs/ui.md "Names, not codes")."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from workflow_app.platform import clock


def yuan(value) -> str:
    """An amount in yuan as people write it: ``36000`` -> ``¥36,000.00``; empty for no amount."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,.2f}"


def china_time(value, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A moment (a datetime or its ISO text) in China time; text that is no date-time stays as it is, a
    moment without a zone is taken as China time."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(clock.CHINA_TZ)
    return value.strftime(pattern)
