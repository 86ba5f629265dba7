"""The functions diagram text may call: the sandbox's own (dates, the application clock) and those the
bootstrap registered (``entrypoints/bootstrap.py``), addressed by module and qualified name so that every
sandbox worker process installs exactly the same ones (docs/sandbox.md "Worker processes").

Functions that count working days take the official calendar as their first parameter; an evaluation
binds them to the calendar of the step (:func:`available_functions`), so diagram text never names it and
never reaches the calendar object.
"""
from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from workflow_app.platform import clock
from workflow_app.platform.calendar import OfficialCalendar


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = clock.parse_day_or_instant(value)  # an instant counts by the day written in its text
    return parsed.date() if isinstance(parsed, datetime) else parsed


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    parsed = clock.parse_day_or_instant(value)
    return parsed if isinstance(parsed, datetime) else clock.start_of_day(parsed)  # a bare date: its midnight


#: The sandbox's own functions: every diagram may call them, in every process.
BASE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "date": date,
    "datetime": clock.ClockDateTime,
    "timedelta": timedelta,
    "now": lambda: clock.now().astimezone(clock.CHINA_TZ),
    "today": clock.today_local,
    "parse_date": _parse_date,
    "parse_datetime": _parse_datetime,
}


@dataclass(frozen=True)
class FunctionEntry:
    """One function the bootstrap exposed to diagrams, addressed by module and qualified name so that a
    sandbox worker process can import exactly the same function (functions never cross the process
    boundary; lambdas could not). ``takes_calendar``: the function's first parameter is the official
    calendar, which the evaluation supplies; diagram text calls it without that argument."""
    name: str
    module: str
    qualname: str
    takes_calendar: bool


_FUNCTIONS_LOCK = threading.Lock()
#: What the bootstrap registered (``entrypoints/bootstrap.py``): diagram name -> (entry, function).
_REGISTERED: dict[str, tuple[FunctionEntry, Callable[..., Any]]] = {}


def resolve(module: str, qualname: str) -> Any:
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def register(name: str, func: Callable[..., Any], *, takes_calendar: bool = False) -> None:
    """Add ``func`` under ``name`` (``sandbox.register_function`` checks the name against the policy first).

    ``func`` must be importable by its module and qualified name (a module-level function, not a lambda):
    the sandbox worker processes import it from there. The same function again does nothing; another
    function under a name already taken is refused."""
    module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or not qualname:
        raise ValueError(f"{name!r}: a diagram function must be a module-level function the sandbox workers "
                         f"can import by name, not {func!r}")
    try:
        importable = resolve(module, qualname) is func
    except (ImportError, AttributeError):
        importable = False
    if not importable:
        raise ValueError(f"{name!r}: {module}.{qualname} does not name the function given")
    entry = FunctionEntry(name, module, qualname, bool(takes_calendar))
    with _FUNCTIONS_LOCK:
        existing = _REGISTERED.get(name)
        if existing is not None and existing[0] != entry:
            raise ValueError(f"diagram function {name!r} is already {existing[0].module}.{existing[0].qualname}")
        _REGISTERED[name] = (entry, func)


def function_table() -> tuple[FunctionEntry, ...]:
    """The registered functions by name: what a sandbox worker process installs to offer the same ones."""
    with _FUNCTIONS_LOCK:
        return tuple(entry for entry, _ in sorted(_REGISTERED.values(), key=lambda item: item[0].name))


def _bind(func: Callable[..., Any], calendar: OfficialCalendar) -> Callable[..., Any]:
    # A closure, not functools.partial: a partial's public ``args`` would hand the calendar object itself
    # to diagram text, and the closure's cells are behind an underscore name the policy refuses.
    def bound(*args: Any, **kwargs: Any) -> Any:
        return func(calendar, *args, **kwargs)
    return bound


#: The last namespace functions built (a worker evaluates many texts with the same calendar).
_bound_cache: tuple[OfficialCalendar, tuple, dict[str, Callable[..., Any]]] | None = None


def available_functions(calendar: OfficialCalendar) -> dict[str, Callable[..., Any]]:
    """Every function diagram text may call, the calendar functions bound to ``calendar``."""
    global _bound_cache
    if not isinstance(calendar, OfficialCalendar):
        raise TypeError(f"diagram functions need the official calendar, got {type(calendar).__name__}")
    with _FUNCTIONS_LOCK:
        registered = tuple(_REGISTERED.values())
        cached = _bound_cache
    if cached is not None and cached[0] is calendar and cached[1] == registered:
        return cached[2]
    functions = dict(BASE_FUNCTIONS)
    for entry, func in registered:
        functions[entry.name] = _bind(func, calendar) if entry.takes_calendar else func
    with _FUNCTIONS_LOCK:
        _bound_cache = (calendar, registered, functions)
    return functions
