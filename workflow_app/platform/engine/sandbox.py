"""The restricted environment in which diagram text runs.

Script tasks, pre/post scripts, gateway conditions, timer expressions, task-property expressions and DMN
entries are all Python written by process owners. SpiffWorkflow's default environment runs them with plain
``exec``/``eval``, which is not a sandbox (attribute walks reach ``os``). Here they are:

* compiled with RestrictedPython (no imports, no names or attributes starting with ``_``, no ``exec``/
  ``eval``), plus our own policy: the allocating operators ``*``, ``**``, ``<<`` and ``%``-formatting go
  through size checks, and f-string widths are bounded;
* run with a curated set of built-ins and functions — never a module object;
* run in a separate, supervised worker process (``engine/sandbox_process.py``): the parent counts the
  worker's own CPU time and memory and kills it (SIGKILL, which nothing can catch) when a script passes
  1 s of CPU time or 64 MB of growth; what crosses the process boundary is restricted to the task-data
  vocabulary (``engine/task_data.py``). See docs/sandbox.md.

``check_source`` is used at deploy time so that a hostile diagram is refused before it is stored;
``RestrictedEnvironment`` is what the workflow's script engine uses at run time.
"""
from __future__ import annotations

import ast
import math
import operator
import re
import types
from functools import lru_cache
from typing import Any, Callable

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import functions
from workflow_app.platform.engine.functions import BASE_FUNCTIONS, FunctionEntry, available_functions

#: CPU time (the worker process's own user + system time) one script or expression may use.
CPU_LIMIT_SECONDS = 1.0
TIME_LIMIT_SECONDS = CPU_LIMIT_SECONDS  # former name
#: Wall-clock backstop: only a stalled worker (never a slow machine) should ever reach it.
WALL_BACKSTOP_SECONDS = 60.0
#: Largest string (characters) or sequence (items) a script may build with one operator.
MAX_SEQUENCE = 1_000_000
#: Largest integer (bits) a script may build with ``**`` or ``<<``.
MAX_INT_BITS = 4096
#: Largest diagram text we agree to compile.
MAX_SOURCE_CHARS = 20_000
#: Largest growth of the worker process's memory while one script or expression runs.
MAX_MEMORY_GROWTH = 64 * 1024 * 1024

#: Names that must never be looked up even though a variable could carry them.
FORBIDDEN_NAMES = frozenset({
    "open", "compile", "exec", "eval", "globals", "locals", "vars", "getattr", "setattr", "delattr",
    "breakpoint", "input", "help", "exit", "quit", "memoryview", "super", "object", "classmethod",
    "staticmethod", "property", "type", "__import__",
})

#: str methods that allocate proportionally to a caller-chosen width.
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})

_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d{4,})|%[-#0 +]*\d*\.(\*|\d{4,})")


class ScriptError(Exception):
    """Diagram text failed: refused at compile time, raised, or exceeded a limit."""


class ScriptLimitError(ScriptError):
    """A resource limit was passed: the worker process that ran the text was killed."""


class ScriptTimeout(ScriptLimitError):
    """The text used more CPU time than allowed (or stalled past the wall-clock backstop)."""


class ScriptMemoryError(ScriptLimitError):
    """The text grew its worker process by more than allowed."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus allocation guards."""

    _GUARDED = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}

    def visit_BinOp(self, node: ast.BinOp):
        node = self.node_contents_visit(node)
        symbol = self._GUARDED.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call

    def visit_FormattedValue(self, node: ast.FormattedValue):
        spec = node.format_spec
        if spec is not None:
            for part in getattr(spec, "values", []):
                if not isinstance(part, ast.Constant):
                    self.error(node, "f-string format specifications must be constant.")
                elif re.search(r"\d{4,}", str(part.value)):
                    self.error(node, "f-string format width is too large.")
        return self.node_contents_visit(node)

    def visit_Import(self, node: ast.Import):
        self.error(node, "import is not allowed in diagram scripts.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom):
        self.error(node, "import is not allowed in diagram scripts.")
        return node

    def visit_ClassDef(self, node: ast.ClassDef):
        self.error(node, "Class definitions are not allowed.")
        return node

    def visit_Name(self, node: ast.Name):
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not available in diagram scripts.')
            return node
        return super().visit_Name(node)


def _size_of(value: Any) -> int | None:
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value)
    return None


def _guarded_binop(symbol: str, left: Any, right: Any) -> Any:
    if symbol == "*":
        for seq, count in ((left, right), (right, left)):
            size = _size_of(seq)
            if size is not None and isinstance(count, int) and size * max(count, 0) > MAX_SEQUENCE:
                raise ScriptError("sequence repetition exceeds the size limit")
        return left * right
    if symbol == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            if right * math.log2(abs(left)) > MAX_INT_BITS:
                raise ScriptError("power exceeds the integer size limit")
        return left ** right
    if symbol == "<<":
        if isinstance(right, int) and right > MAX_INT_BITS:
            raise ScriptError("shift exceeds the integer size limit")
        return left << right
    if symbol == "%":
        if isinstance(left, (str, bytes)):
            pattern = left.decode("latin-1") if isinstance(left, bytes) else left
            if _FORMAT_WIDTH.search(pattern):
                raise ScriptError("%-format width or precision is too large")
        return left % right
    raise ScriptError(f"unsupported operator {symbol}")


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "/=": operator.itruediv, "//=": operator.ifloordiv,
    "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor, ">>=": operator.irshift,
    "@=": operator.imatmul,
}


def _guarded_inplace(op: str, target: Any, value: Any) -> Any:
    if op in ("*=", "**=", "<<=", "%="):
        return _guarded_binop(op[:-1], target, value)
    if op == "+=":
        total = (_size_of(target) or 0) + (_size_of(value) or 0)
        if total > MAX_SEQUENCE:
            raise ScriptError("sequence exceeds the size limit")
    func = _INPLACE.get(op)
    if func is None:
        raise ScriptError(f"unsupported operator {op}")
    return func(target, value)


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, str) and name in _WIDTH_METHODS:
        raise ScriptError(f'str.{name} is not available in diagram scripts')
    if isinstance(obj, types.BuiltinFunctionType | types.ModuleType):
        # A built-in function's attributes lead to its module; modules are never exposed.
        raise ScriptError("attributes of built-in functions are not available")
    return safer_getattr(obj, name, default)


def _guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _guarded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_SEQUENCE:
        raise ScriptError("range exceeds the size limit")
    return r


def _guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is not None:
        return pow(base, exp, mod)
    return _guarded_binop("**", base, exp)


def _write_guard(obj: Any) -> Any:
    # Item assignment on plain containers is fine; attribute assignment on anything else is refused.
    if type(obj) in (dict, list):
        return obj
    raise ScriptError(f"cannot modify objects of type {type(obj).__name__}")


_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False,
    "abs": abs, "all": all, "any": any, "bool": bool, "chr": chr, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "frozenset": frozenset, "int": int,
    "isinstance": isinstance, "len": len, "list": list, "map": map, "max": max, "min": min, "ord": ord,
    "pow": _guarded_pow, "range": _guarded_range, "repr": repr, "reversed": reversed, "round": round,
    "set": set, "sorted": sorted, "str": str, "sum": sum, "tuple": tuple, "zip": zip,
    # Exceptions scripts may raise or catch.
    "Exception": Exception, "ValueError": ValueError, "KeyError": KeyError, "TypeError": TypeError,
    "IndexError": IndexError, "ZeroDivisionError": ZeroDivisionError,
}

def register_function(name: str, func: Callable[..., Any], *, takes_calendar: bool = False) -> None:
    """Expose ``func`` to diagram text under ``name`` (curated functions only, never modules): the name
    passes the sandbox's policy, then goes into the function table (``engine/functions.py``). Only the
    bootstrap calls this; the same function again does nothing, another one under a taken name is refused."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or name in FORBIDDEN_NAMES \
            or name in BASE_FUNCTIONS:
        raise ValueError(f"cannot expose {name!r} to diagrams")
    functions.register(name, func, takes_calendar=takes_calendar)


def install_function_table(table: tuple[FunctionEntry, ...]) -> None:
    """In a sandbox worker process: register the functions the parent registered, imported by name."""
    for entry in table:
        register_function(entry.name, functions.resolve(entry.module, entry.qualname),
                          takes_calendar=entry.takes_calendar)


_GUARDS = {
    "_getattr_": _guarded_getattr,
    "_getitem_": _guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write_guard,
    "_inplacevar_": _guarded_inplace,
    "_binop_": _guarded_binop,
}
_RESERVED = frozenset(_GUARDS) | {"__builtins__"}


def check_source(source: str, mode: str = "eval") -> list[str]:
    """Errors that refuse ``source`` (empty list: it compiles under the sandbox policy)."""
    if not isinstance(source, str):
        return ["script text must be a string"]
    if len(source) > MAX_SOURCE_CHARS:
        return [f"script is longer than {MAX_SOURCE_CHARS} characters"]
    try:
        result = _compile(source, mode)
    except ScriptError as exc:
        return [str(exc)]
    return list(result.errors)


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptError(f"script is longer than {MAX_SOURCE_CHARS} characters")
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        return compiler(source, filename="<diagram>", policy=_Policy)
    except (RecursionError, MemoryError, ValueError) as exc:
        # Pathologically nested text; report it as a refusal, never as a crash.
        raise ScriptError(f"script cannot be compiled: {type(exc).__name__}") from None


def _compiled(source: str, mode: str):
    result = _compile(source, mode)
    if result.errors:
        raise ScriptError("; ".join(result.errors))
    return result.code


def _namespace(context: dict, external: dict | None, functions: dict[str, Callable[..., Any]]) -> dict:
    namespace: dict[str, Any] = dict(functions)
    namespace.update(external or {})
    namespace.update(context)
    # Guards last: task data can never replace them.
    namespace.update(_GUARDS)
    namespace["__builtins__"] = _BUILTINS
    return namespace


def run_local(source: str, mode: str, context: dict, external: dict | None, calendar: OfficialCalendar) -> Any:
    """Run diagram text in *this* process, without resource limits; the deadline functions compute on
    ``calendar`` (required: there is no default calendar).

    Only the sandbox worker process calls this (``engine/sandbox_process.py``), where the supervising parent
    and the worker's own rlimits bound CPU time and memory; the server never runs diagram text itself.
    ``eval`` returns the expression's value; ``exec`` returns the task data the script leaves behind.
    """
    functions = available_functions(calendar)
    code = _compiled(source, mode)
    namespace = _namespace(context, external, functions)
    try:
        if mode == "eval":
            return eval(code, namespace)  # noqa: S307 - code was compiled by RestrictedPython
        exec(code, namespace)  # noqa: S102
    except RecursionError:
        raise ScriptError("script recursion is too deep") from None
    skip = _RESERVED | set(external or {})
    data: dict[str, Any] = {}
    for key, value in namespace.items():
        if key in skip or key.startswith("_"):
            continue
        if key in functions and value is functions[key]:
            continue
        if callable(value):
            continue  # functions defined by the script are not data
        data[key] = value
    return data
