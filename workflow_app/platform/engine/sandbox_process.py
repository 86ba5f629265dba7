"""Diagram text runs in supervised worker processes, never in the server or the background worker.

One module although it passes 400 lines: it is one security boundary — the parent's supervision, the wire
format both sides decode with a restricted unpickler, and the child's loop — and a reviewer must be able to
read both sides of that protocol together (docs/sandbox.md).

An in-process interpreter cannot bound a single C-level call (``sum([[0] * 10**6] * 25, [])``) and a limit
that raises an exception inside the script can be caught by the script (``except Exception: pass``). So
every evaluation is sent to a small pool of long-lived child processes, forked by a fork server of our own
(a fresh, single-threaded interpreter started with ``subprocess``; the multi-threaded web server is never
forked, and unlike ``multiprocessing``'s ``forkserver`` nothing depends on how the main module is written).
The parent:

* measures the child's **own CPU time** (``/proc/<pid>/stat`` utime + stime) while it evaluates, and kills it
  with SIGKILL past ``CPU_LIMIT_SECONDS`` — a loaded machine slows the wall clock, not the CPU count, so a
  legitimate rule never fails because other work shares the cores;
* checks its resident memory on each poll; inside the child, ``RLIMIT_AS`` is set to its current size plus
  ``MAX_MEMORY_GROWTH`` before each evaluation (allocations beyond fail there, whatever the script
  catches), and ``RLIMIT_CPU`` is a backstop should the parent itself stall;
* waits at most ``WALL_BACKSTOP_SECONDS`` of wall-clock time (a stalled child, never a slow one);
* after a kill starts a fresh child for the next evaluation; the caller gets a
  :class:`~workflow_app.platform.engine.sandbox.ScriptLimitError`.

Values crossing the boundary are the task-data vocabulary (``engine/task_data.py``), checked on both sides.
The parent never unpickles what the child sends with the full ``pickle`` machinery: a restricted unpickler
knows only the vocabulary's classes (and exception classes for errors). What the parent sends — the task
data, the application clock's ``now``, when it changed the official calendar of the step, and the table of
diagram functions (names of module-level functions, never functions) — is its own data.

Functions: the parent's bootstrap registered the diagram functions (``functions.function_table``); the fork
server and every worker install the same table, importing each function by module and qualified name, and
the worker offers them bound to the calendar the parent sent with the evaluation.

The context is sent once and reused while it does not change (DMN tables evaluate many entries against the
same task data). docs/sandbox.md gives the limits and the measured overhead.
"""
from __future__ import annotations

import builtins
import copyreg
import importlib
import io
import json
import logging
import os
import pickle
import re
from pathlib import Path
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from multiprocessing.connection import Connection
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from workflow_app.platform import clock
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import functions, sandbox, task_data

log = logging.getLogger(__name__)

#: Workers alive at most at the same time (each evaluation holds one while it runs).
MAX_WORKERS = max(1, int(os.environ.get("CASEFLOW_SANDBOX_WORKERS", "4")))
#: How often the parent looks at a running child's CPU time and memory.
POLL_SECONDS = 0.02
#: Largest answer a child may send.
MAX_REPLY_BYTES = 16 * 1024 * 1024
#: A child whose resident memory stays this far above its start after an evaluation is replaced.
RECYCLE_GROWTH = sandbox.MAX_MEMORY_GROWTH
#: How long a new child may take to start (our own code, not diagram text: no CPU limit).
START_SECONDS = 120.0

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------------------------------------
# /proc readings of a child
# ------------------------------------------------------------------------------------------------

def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of ``pid`` (its own, not its children's); None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def _resident_bytes(pid: int | str = "self") -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def _virtual_bytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * _PAGE


# ------------------------------------------------------------------------------------------------
# Pickling across the boundary
# ------------------------------------------------------------------------------------------------

def _mappingproxy(mapping: dict) -> types.MappingProxyType:
    return types.MappingProxyType(mapping)


def _reduce_mappingproxy(proxy: types.MappingProxyType):
    return _mappingproxy, (dict(proxy),)


_ZONE_KEY = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")


def _zone(key: str) -> ZoneInfo:
    if not isinstance(key, str) or not _ZONE_KEY.match(key):
        raise pickle.UnpicklingError("invalid time zone")
    return ZoneInfo(key)


def _reduce_zone(zone: ZoneInfo):
    return _zone, (zone.key,)


# The parent's own data may hold read-only mappings (the official calendar) and zone-aware datetimes; a
# private dispatch table teaches pickle both without changing pickling anywhere else.
_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[types.MappingProxyType] = _reduce_mappingproxy
_DISPATCH[ZoneInfo] = _reduce_zone


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


_VALUE_CLASSES = {
    ("datetime", "date"): date, ("datetime", "datetime"): datetime, ("datetime", "timedelta"): timedelta,
    ("datetime", "timezone"): timezone, ("decimal", "Decimal"): Decimal, ("uuid", "UUID"): UUID,
    ("workflow_app.platform.clock", "ClockDateTime"): clock.ClockDateTime, (__name__, "_zone"): _zone,
}


class _ValueUnpickler(pickle.Unpickler):
    """Unpickles only task-data values: what a (possibly subverted) child can make the parent build."""

    def find_class(self, module, name):
        found = _VALUE_CLASSES.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not a task-data type")
        return found


class _ErrorUnpickler(_ValueUnpickler):
    """Also exception classes: built-in ones and the application's own."""

    def find_class(self, module, name):
        if (module, name) in _VALUE_CLASSES:
            return _VALUE_CLASSES[(module, name)]
        if module == "builtins":
            found = getattr(builtins, name, None)
        elif module.startswith("workflow_app.") and "." not in name:
            try:
                found = getattr(importlib.import_module(module), name, None)
            except ImportError:
                found = None
        else:
            found = None
        if isinstance(found, type) and issubclass(found, Exception):
            return found
        raise pickle.UnpicklingError(f"{module}.{name} is not an exception class")


def _loads(data: bytes, unpickler=_ValueUnpickler) -> Any:
    return unpickler(io.BytesIO(data)).load()


# ------------------------------------------------------------------------------------------------
# The child
# ------------------------------------------------------------------------------------------------

class _ChildState:
    calendar = None
    context_bytes = b""


def _set_limits(cpu_limit: float) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_now = used.ru_utime + used.ru_stime
    # The parent kills at cpu_limit; RLIMIT_CPU (whole seconds, SIGXCPU then SIGKILL) is only a backstop.
    soft = int(cpu_now + cpu_limit) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_AS, (_virtual_bytes() + sandbox.MAX_MEMORY_GROWTH, resource.RLIM_INFINITY))


def _lift_limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _pack_error(exc: BaseException) -> bytes:
    args = tuple(a[:2000] if isinstance(a, str) else a if isinstance(a, (int, float, bool, type(None))) else str(a)[:2000]
                 for a in exc.args[:5])
    blob = None
    if type(exc).__module__ != "builtins":
        try:
            blob = _dumps(exc)
            if len(blob) > 16384:
                blob = None
        except Exception:
            blob = None
    return _dumps(("raise", type(exc).__module__, type(exc).__name__, args, str(exc)[:2000], blob))


def _evaluate_in_child(message: tuple, state: _ChildState, frozen: clock.FrozenClock) -> bytes:
    _, mode, source, context_bytes, external, now, calendar_bytes, cpu_limit = message
    if calendar_bytes is not None:
        state.calendar = pickle.loads(calendar_bytes)
    if context_bytes is not None:
        state.context_bytes = context_bytes
    frozen.set(now)
    try:
        _set_limits(cpu_limit)
        context = pickle.loads(state.context_bytes)
        result = sandbox.run_local(source, mode, context, external, state.calendar)
        del context
        if mode == "eval":
            task_data.check_value(result, "result")
        else:
            task_data.check_variables(result, names=False)
        reply = _dumps(("ok", result, _resident_bytes()))
        return reply
    except MemoryError:
        return _dumps(("memory",))
    except task_data.TaskDataError as exc:
        return _pack_error(sandbox.ScriptError(f"script produced data that cannot be stored: {exc}"))
    except BaseException as exc:  # the script's own error: the parent re-raises it
        try:
            return _pack_error(exc)
        except MemoryError:
            return _dumps(("memory",))
    finally:
        _lift_limits()


def _child_main(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server is the parent's business
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    frozen = clock.FrozenClock(datetime.now(timezone.utc))
    clock.set_clock(frozen)  # scripts' now()/today()/datetime.now() answer the parent's time
    state = _ChildState()
    conn.send_bytes(_dumps(("ready", _resident_bytes())))
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)  # the parent is gone
        if message[0] == "functions":
            _install_functions(message[1])
            reply = _dumps(("ready", _resident_bytes()))
        else:
            reply = _evaluate_in_child(message, state, frozen)
        try:
            conn.send_bytes(reply)
        except (EOFError, OSError):
            os._exit(0)


def _install_functions(table) -> None:
    for entry in table:
        try:
            sandbox.install_function_table((entry,))
        except Exception:  # a missing function then fails as a NameError in the diagram that uses it
            log.exception("sandbox worker could not install the diagram function %s", entry)


# ------------------------------------------------------------------------------------------------
# The parent: workers and the pool
# ------------------------------------------------------------------------------------------------

class _ForkServer:
    """A fresh interpreter (started with ``subprocess``, never a fork of the multi-threaded server) that has
    imported the sandbox and installed the diagram functions once and forks a worker on request — a worker
    starts in milliseconds, with nothing of the server's threads, locks, sockets or data in it.

    Protocol on a Unix socket: the parent sends the pickled function table (``functions.function_table``);
    the fork server installs it, forks, and answers with the worker's pid and (SCM_RIGHTS) the parent's end
    of a new socket pair.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self._pid = os.getpid()

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        code = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
                "from workflow_app.platform.engine import sandbox_process; sandbox_process._server_main(int(sys.argv[2]))")
        package_root = str(Path(__file__).resolve().parents[3])  # the folder holding workflow_app/
        self._process = subprocess.Popen(
            [sys.executable, "-c", code, json.dumps([package_root]), str(theirs.fileno()),
             _table_argument(functions.function_table())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        ours.settimeout(START_SECONDS)
        self._sock = ours

    def fork(self, table: tuple[functions.FunctionEntry, ...]) -> tuple[int, int]:
        with self._lock:
            if os.getpid() != self._pid:  # a forked copy of the parent must not share the fork server
                self._sock, self._process, self._pid = None, None, os.getpid()
            for attempt in (1, 2):
                if self._sock is None or self._process is None or self._process.poll() is not None:
                    self._close()
                    self._start()
                try:
                    payload = pickle.dumps(_plain_table(table))
                    self._sock.sendall(len(payload).to_bytes(4, "big") + payload)
                    data, fds, _flags, _addr = socket.recv_fds(self._sock, 64, 1)
                    if not data or not fds:
                        raise OSError("fork server closed")
                    return int(data.decode()), fds[0]
                except (OSError, ValueError):
                    self._close()
                    if attempt == 2:
                        raise sandbox.ScriptError("the sandbox could not start a worker process") from None
        raise AssertionError("unreachable")

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._sock, self._process = None, None


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _server_main(fd: int) -> None:
    """The fork server's loop (runs in its own interpreter)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    control = socket.socket(fileno=fd)
    _install_functions(_entries(json.loads(sys.argv[3]) if len(sys.argv) > 3 else []))
    while True:
        try:
            size = int.from_bytes(_recv_exact(control, 4), "big")
            wanted = pickle.loads(_recv_exact(control, size))
        except (EOFError, OSError):
            os._exit(0)  # the parent is gone
        _install_functions(_entries(wanted))
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                parent_end.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _child_main(Connection(child_end.detach()))
            finally:
                os._exit(0)
        child_end.close()
        try:
            socket.send_fds(control, [str(pid).encode()], [parent_end.fileno()])
        except OSError:
            os._exit(0)
        finally:
            parent_end.close()


_FORK_SERVER = _ForkServer()


def _kill_pid(pid: int, pidfd: int | None) -> None:
    try:
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)  # exactly that process, never a reused pid
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, OSError):
        pass


class _Worker:
    def __init__(self):
        table = functions.function_table()
        self.pid, fd = _FORK_SERVER.fork(table)
        self.conn = Connection(fd)
        self.pidfd: int | None = None
        self.functions = set(table)
        self.context_bytes: bytes | None = None
        self.calendar = None
        self.dead = False
        self.last_rss: int | None = None
        try:
            self.baseline = self._wait_ready()
            try:
                self.pidfd = os.pidfd_open(self.pid)  # it answered, so it is alive and is ours
            except (AttributeError, OSError):
                self.pidfd = None
        except BaseException:
            self.kill()
            raise

    def _wait_ready(self) -> int | None:
        if not self.conn.poll(START_SECONDS):
            raise sandbox.ScriptError("the sandbox worker did not start")
        reply = _loads(self.conn.recv_bytes(4096))
        if reply[0] != "ready":
            raise sandbox.ScriptError("the sandbox worker did not start")
        return reply[1]

    def sync_functions(self) -> None:
        """Functions registered after this worker started (a late bootstrap, a test) are installed in it."""
        missing = [entry for entry in functions.function_table() if entry not in self.functions]
        if missing:
            self.conn.send_bytes(_dumps(("functions", _plain_table(missing))))
            self._wait_ready()
            self.functions.update(missing)

    def alive(self) -> bool:
        return not self.dead  # a worker that died is noticed by the next call (end of file on its socket)

    def kill(self) -> None:
        if not self.dead:
            self.dead = True
            _kill_pid(self.pid, self.pidfd)
        for close in (self.conn.close, lambda: os.close(self.pidfd) if self.pidfd is not None else None):
            try:
                close()
            except OSError:
                pass
        self.pidfd = None

    def call(self, message: bytes, cpu_limit: float) -> bytes:
        """Send one evaluation and wait for the answer under the CPU, memory and wall-clock limits.
        Raises ScriptLimitError after killing the child."""
        start_cpu = _cpu_seconds(self.pid)
        start_rss = None
        started = time.monotonic()
        self.conn.send_bytes(message)
        while not self.conn.poll(POLL_SECONDS):
            cpu = _cpu_seconds(self.pid)
            if cpu is None:
                break  # gone: recv below reports it
            if start_cpu is not None and cpu - start_cpu > cpu_limit:
                self.kill()
                raise sandbox.ScriptTimeout(f"script exceeded its CPU time limit of {cpu_limit:g} s")
            rss = _resident_bytes(self.pid)
            if start_rss is None:  # first look (a fast evaluation never gets here): RLIMIT_AS covers the start
                start_rss = self.last_rss if isinstance(self.last_rss, int) else rss
            if rss is not None and start_rss is not None and rss - start_rss > sandbox.MAX_MEMORY_GROWTH:
                self.kill()
                raise sandbox.ScriptMemoryError(
                    f"script exceeded its memory limit of {sandbox.MAX_MEMORY_GROWTH // 2**20} MB")
            if time.monotonic() - started > sandbox.WALL_BACKSTOP_SECONDS:
                self.kill()
                raise sandbox.ScriptTimeout(f"script exceeded its time limit: no answer within "
                                            f"{sandbox.WALL_BACKSTOP_SECONDS:g} s")
        try:
            return self.conn.recv_bytes(MAX_REPLY_BYTES)
        except (EOFError, OSError):
            cpu = _cpu_seconds(self.pid)
            self.kill()
            if cpu is not None and start_cpu is not None and cpu - start_cpu > cpu_limit:
                raise sandbox.ScriptTimeout(f"script exceeded its CPU time limit of {cpu_limit:g} s") from None
            raise sandbox.ScriptLimitError(
                f"script exceeded a sandbox limit (its worker process ended): CPU time is limited to "
                f"{cpu_limit:g} s and memory to {sandbox.MAX_MEMORY_GROWTH // 2**20} MB") from None

    def worn_out(self) -> bool:
        # The child reports its resident size with each answer: only used to decide on recycling it.
        rss = self.last_rss
        return isinstance(rss, int) and isinstance(self.baseline, int) and rss - self.baseline > RECYCLE_GROWTH


class _Pool:
    def __init__(self):
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._count = 0
        self._pid = os.getpid()

    def _check_fork(self) -> None:
        if os.getpid() != self._pid:  # a forked copy of the parent: those workers belong to the original
            self._idle, self._busy, self._count, self._pid = [], set(), 0, os.getpid()

    def acquire(self) -> _Worker:
        deadline = time.monotonic() + sandbox.WALL_BACKSTOP_SECONDS
        with self._cond:
            self._check_fork()
            while True:
                while self._idle:
                    worker = self._idle.pop()  # most recently used first: its cached context is warm
                    if worker.alive():
                        self._busy.add(worker)
                        return worker
                    self._count -= 1
                if self._count < MAX_WORKERS:
                    self._count += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise sandbox.ScriptError("all sandbox workers are busy; try again")
                self._cond.wait(left)
        try:
            worker = _Worker()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._busy.add(worker)
        return worker

    def release(self, worker: _Worker, healthy: bool) -> None:
        if healthy and (not worker.alive() or worker.worn_out()):
            healthy = False
        if not healthy:
            worker.kill()
        with self._cond:
            self._busy.discard(worker)
            if os.getpid() != self._pid:
                return
            if healthy:
                self._idle.append(worker)
            else:
                self._count -= 1
            self._cond.notify()

    def shutdown(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.kill()

    def size(self) -> int:
        with self._cond:
            return self._count

    def busy_pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in self._busy]


_POOL = _Pool()


def pool_size() -> int:
    """Workers alive now (idle or busy)."""
    return _POOL.size()


def busy_pids() -> list[int]:
    """Process ids of the workers evaluating something right now (operations, tests)."""
    return _POOL.busy_pids()


def shutdown() -> None:
    """Stop the idle workers (tests; a new evaluation starts fresh ones)."""
    _POOL.shutdown()


def _plain_table(table) -> tuple[tuple[str, str, str, bool], ...]:
    """The function table as plain tuples: what crosses to the fork server and the workers."""
    return tuple((e.name, e.module, e.qualname, e.takes_calendar) for e in table)


def _entries(plain) -> tuple[functions.FunctionEntry, ...]:
    return tuple(functions.FunctionEntry(str(name), str(module), str(qualname), bool(takes_calendar))
                 for name, module, qualname, takes_calendar in plain)


def _table_argument(table) -> str:
    return json.dumps([list(item) for item in _plain_table(table)])


def _check_in(value: Any, what: str) -> None:
    try:
        task_data.check_value(value, what, limit=task_data.MAX_TASK_DATA_UNITS * 4, reserved=False)
    except task_data.TaskDataError as exc:
        raise sandbox.ScriptError(f"task data cannot be passed to the sandbox: {exc}") from None


def run(mode: str, source: str, context: dict, external: dict | None, cpu_limit: float,
        calendar: OfficialCalendar) -> Any:
    """Evaluate (``eval``: the value) or execute (``exec``: the task data left) ``source`` in a worker; the
    deadline functions compute on ``calendar``, the step's official calendar (required)."""
    if not isinstance(calendar, OfficialCalendar):
        raise TypeError(f"diagram text is evaluated with the official calendar, got {type(calendar).__name__}")
    sandbox._compiled(source, mode)  # refused text fails here, without a round trip
    try:
        context_bytes = _dumps(context)
    except Exception:
        _check_in(context, "task data")  # names the offending value
        raise sandbox.ScriptError("task data cannot be passed to the sandbox") from None
    external = dict(external or {})
    if external:
        _check_in(external, "external data")
    worker = _POOL.acquire()
    healthy = False
    try:
        worker.sync_functions()
        send_context = None
        if context_bytes != worker.context_bytes:
            _check_in(context, "task data")
            send_context = context_bytes
        send_calendar = None
        if calendar is not worker.calendar:
            send_calendar = _dumps(calendar)
        message = _dumps(("run", mode, source, send_context, external, clock.now(), send_calendar, cpu_limit))
        worker.context_bytes, worker.calendar = None, None  # unknown until the child answered
        raw = worker.call(message, cpu_limit)
        worker.context_bytes, worker.calendar = context_bytes, calendar
        try:
            return _decode(raw, mode, worker)
        finally:
            healthy = True
    finally:
        _POOL.release(worker, healthy)


def _decode(raw: bytes, mode: str, worker: _Worker | None = None) -> Any:
    try:
        reply = _loads(raw)
    except Exception:
        reply = None
    if not isinstance(reply, tuple) or not reply:
        # Only a broken child can answer this: its error record may still name the script's exception.
        try:
            reply = _loads(raw, _ErrorUnpickler)
        except Exception:
            raise sandbox.ScriptError("the sandbox answered something that is not task data") from None
    if reply[0] == "ok" and len(reply) == 3:
        value = reply[1]
        if worker is not None:
            worker.last_rss = reply[2] if isinstance(reply[2], int) else None
        try:
            if mode == "eval":
                task_data.check_value(value, "result")
            else:
                task_data.check_variables(value, names=False)
        except task_data.TaskDataError as exc:
            raise sandbox.ScriptError(f"script produced data that cannot be stored: {exc}") from None
        return value
    if reply[0] == "memory":
        raise sandbox.ScriptMemoryError(f"script exceeded its memory limit of {sandbox.MAX_MEMORY_GROWTH // 2**20} MB")
    if reply[0] == "raise" and len(reply) == 6:
        raise _rebuild(*reply[1:])
    raise sandbox.ScriptError("the sandbox answered something that is not task data")


_BUILTIN_ERRORS = {name: cls for name, cls in vars(builtins).items()
                   if isinstance(cls, type) and issubclass(cls, Exception)}


def _rebuild(module: str, name: str, args: tuple, message: str, blob: bytes | None) -> Exception:
    """The script's exception, as the same class where that is safe (built-in or the application's)."""
    if module == "builtins" and name in _BUILTIN_ERRORS:
        try:
            return _BUILTIN_ERRORS[name](*args)
        except Exception:
            return sandbox.ScriptError(f"{name}: {message}")
    if blob is not None:
        try:
            exc = _loads(blob, _ErrorUnpickler)
            if isinstance(exc, Exception):
                return exc
        except Exception:
            pass
    return sandbox.ScriptError(f"{name}: {message}")
