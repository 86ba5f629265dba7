"""The task-data vocabulary: the only values a process instance may hold.

Task data is stored with SpiffWorkflow's serializer (``engine/serialization.py``), which turns a handful of
Python types into tagged JSON objects and — on loading — turns *every* JSON object carrying the reserved key
``typename`` back into an object of that type. A variable such as ``{"v": {"typename": "nope"}}`` therefore
used to be stored happily and make the instance unloadable for good. This module is the one validator that
every entry uses (start variables, form data, message payloads, the values diagram text produces) so that
what is stored can always be loaded again. See docs/sandbox.md, "Task data".

Accepted: ``None``, ``bool``, ``int`` (at most 4096 bits), finite ``float``, ``str`` (no NUL, no lone
surrogate), ``list``/``tuple`` and ``dict`` with ``str`` keys (never the key ``typename``), ``date``,
``datetime``, ``timedelta``, ``Decimal`` and ``UUID`` — exactly the types the serializer stores. Anything else
(sets, functions, ranges, objects) is refused with the path of the offending value. Sizes are counted in
"units": a character of text or of a key is one unit, any other scalar eight, a container two plus one per
entry; nesting is limited to 32 levels.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from workflow_app.platform.clock import ClockDateTime

#: The key SpiffWorkflow's serializer reserves for tagged objects (DictionaryConverter.restore).
RESERVED_KEY = "typename"
#: Largest single value (one variable) a script or expression may write, in units (~bytes of JSON).
MAX_VALUE_UNITS = 256 * 1024
#: Largest task data a script step may leave behind, in units.
MAX_TASK_DATA_UNITS = 1024 * 1024
#: Deepest nesting of lists and objects.
MAX_DEPTH = 32
#: Largest integer, in bits (the same bound the sandbox puts on ``**`` and ``<<``).
MAX_INT_BITS = 4096

_SCALARS = (type(None), bool, int, float, str, date, datetime, ClockDateTime, timedelta, Decimal, UUID)
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class TaskDataError(ValueError):
    """A value outside the vocabulary; ``path`` names it (``claims[2].amount``), ``reason`` says why (English),
    ``message_zh`` says it to a user."""

    def __init__(self, path: str, reason: str, zh: str = "数据格式不受支持"):
        self.path = path
        self.reason = reason
        self.message_zh = f"{path}：{zh}" if path else zh
        super().__init__(f"{path}: {reason}" if path else reason)


_RESERVED_ZH = f"不能使用保留的键名“{RESERVED_KEY}”"


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class _Budget:
    __slots__ = ("left", "limit", "what")

    def __init__(self, limit: int, what: str):
        self.left = limit
        self.limit = limit
        self.what = what

    def spend(self, units: int, path: str) -> None:
        self.left -= units
        if self.left < 0:
            raise TaskDataError(path, f"{self.what} is larger than the limit of {self.limit} units "
                                      f"(about {self.limit // 1024} KiB of JSON)", "数据过大")


def _walk(value: Any, path: str, depth: int, budget: _Budget, reserved: bool) -> None:
    kind = type(value)
    if kind is str:
        budget.spend(len(value) + 2, path)
        if _BAD_TEXT.search(value):
            raise TaskDataError(path, "text contains a NUL character or an unpaired surrogate", "文本含有不允许的字符")
        return
    if kind is dict:
        if depth >= MAX_DEPTH:
            raise TaskDataError(path, f"nested deeper than {MAX_DEPTH} levels", "嵌套层级过深")
        budget.spend(2, path)
        for key, item in value.items():
            if type(key) is not str:
                raise TaskDataError(path, f"object keys must be text, not {type(key).__name__}", "键名必须是文本")
            if reserved and key == RESERVED_KEY:
                raise TaskDataError(_join(path, key), f'the key "{RESERVED_KEY}" is reserved by the workflow '
                                                      "engine's storage format", _RESERVED_ZH)
            budget.spend(len(key) + 1, path)
            _walk(item, _join(path, key), depth + 1, budget, reserved)
        return
    if kind is list or kind is tuple:
        if depth >= MAX_DEPTH:
            raise TaskDataError(path, f"nested deeper than {MAX_DEPTH} levels", "嵌套层级过深")
        budget.spend(2, path)
        for index, item in enumerate(value):
            budget.spend(1, path)
            _walk(item, _join(path, index), depth + 1, budget, reserved)
        return
    if kind not in _SCALARS:
        raise TaskDataError(path, f"a value of type {kind.__name__} cannot be task data "
                                  "(allowed: text, numbers, yes/no, null, lists, objects, dates, times, durations)",
                            "数据类型不受支持")
    budget.spend(8, path)
    if kind is int and value.bit_length() > MAX_INT_BITS:
        raise TaskDataError(path, f"integer larger than {MAX_INT_BITS} bits", "数值过大")
    if kind is float and not math.isfinite(value):
        raise TaskDataError(path, "number is not finite (NaN or infinity)", "数值无效")
    if kind is Decimal and not value.is_finite():
        raise TaskDataError(path, "decimal is not finite", "数值无效")


def check_value(value: Any, path: str = "", limit: int = MAX_VALUE_UNITS, reserved: bool = True) -> None:
    """Raise :class:`TaskDataError` unless ``value`` belongs to the vocabulary and fits ``limit`` units.

    ``reserved=False`` skips the reserved-key rule: used for data already stored (what goes *into* the
    sandbox), where such a key is harmless in memory."""
    _walk(value, path, 0, _Budget(limit, f"value {path}" if path else "value"), reserved)


def check_variables(data: Any, path: str = "", value_limit: int = MAX_VALUE_UNITS,
                    total_limit: int = MAX_TASK_DATA_UNITS, reserved: bool = True, names: bool = True) -> None:
    """Check a set of variables (task data, form data, a message payload): an object with text keys
    (identifiers not starting with ``_`` when ``names``), each value within ``value_limit`` and all of them
    within ``total_limit``."""
    if type(data) is not dict:
        raise TaskDataError(path, "variables must be an object", "应为对象")
    total = _Budget(total_limit, "task data")
    for key, value in data.items():
        if type(key) is not str:
            raise TaskDataError(path, f"variable names must be text, not {type(key).__name__}", "变量名必须是文本")
        if names and (not key.isidentifier() or key.startswith("_")):
            raise TaskDataError(_join(path, key), "variable names must be identifiers not starting with '_'",
                                "变量名不合法")
        if reserved and key == RESERVED_KEY:
            raise TaskDataError(_join(path, key), f'the key "{RESERVED_KEY}" is reserved by the workflow '
                                                  "engine's storage format", _RESERVED_ZH)
        budget = _Budget(value_limit, f"variable {_join(path, key)}")
        _walk(value, _join(path, key), 1, budget, reserved)
        total.spend(value_limit - budget.left + len(key), _join(path, key))
