"""Shared helpers: sizes, statistics, timing, databases, servers, machine description."""
from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LIBRARY = BENCH / "library"
RESULTS = BENCH / "results"
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent

PG_ADMIN_URL = os.environ.get("CASEFLOW_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_PREFIX = "caseflow_bench_"


# ------------------------------------------------------------------------------------------------
# Sizes
# ------------------------------------------------------------------------------------------------

@dataclass
class Sizes:
    mode: str = "full"
    # (a) engine overhead: cases per variant (interleaved with the raw baseline)
    a_cases: int = 200
    # (b) history: tasks completed before measuring, and measured completions per history
    b_low: int = 5
    b_high: int = 200
    b_samples: int = 20
    # (c) inbox
    c_rows: int = 1_000_000
    c_open: int = 100_000
    c_groups: int = 200
    c_runs: int = 200  # per query kind and database
    c_http_runs: int = 50  # per query kind, through the HTTP server of (f)
    # (d) claim race
    d_claimers: int = 50
    d_rounds: int = 10
    d_http_rounds: int = 3
    # (e) throughput
    e_starts: int = 2000
    e_concurrency: int = 8
    # databases to run on
    databases: tuple[str, ...] = ("sqlite", "postgresql")

    @classmethod
    def quick(cls) -> "Sizes":
        return cls(mode="quick", a_cases=20, b_low=5, b_high=40, b_samples=5, c_rows=20_000, c_open=2_000,
                   c_groups=200, c_runs=20, c_http_runs=5, d_claimers=50, d_rounds=2, d_http_rounds=1,
                   e_starts=150, e_concurrency=8)


# ------------------------------------------------------------------------------------------------
# Statistics and timing
# ------------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100)."""
    if not values:
        return float("nan")
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict:
    """p50/p95/mean/min/max in milliseconds of a list of durations in seconds."""
    ms = [s * 1000.0 for s in seconds]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "mean_ms": round(statistics.fmean(ms), 3), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


class Clock:
    def __init__(self):
        self.t0 = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.t0


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Databases
# ------------------------------------------------------------------------------------------------

def pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def pg_admin():
    from sqlalchemy import create_engine
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def pg_create(suffix: str) -> str:
    """Create a fresh benchmark database ``caseflow_bench_<suffix>_<pid>``; returns its URL."""
    from sqlalchemy import text
    name = f"{PG_PREFIX}{suffix}_{os.getpid()}"
    engine = pg_admin()
    try:
        with engine.connect() as conn:
            _terminate(conn, name)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return pg_url(name)


def pg_drop(url: str) -> None:
    from sqlalchemy import text
    name = url.rsplit("/", 1)[1]
    if not name.startswith(PG_PREFIX):
        raise ValueError(f"refusing to drop {name}: not a benchmark database")
    engine = pg_admin()
    try:
        with engine.connect() as conn:
            _terminate(conn, name)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        engine.dispose()


def _terminate(conn, name: str) -> None:
    from sqlalchemy import text
    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})


def pg_version() -> str:
    from sqlalchemy import text
    try:
        engine = pg_admin()
        try:
            with engine.connect() as conn:
                return conn.execute(text("SHOW server_version")).scalar()
        finally:
            engine.dispose()
    except Exception as exc:  # reported, not fatal here
        return f"unreachable: {type(exc).__name__}"


def pg_settings(keys=("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "max_connections",
                      "synchronous_commit", "jit")) -> dict:
    from sqlalchemy import text
    out = {}
    engine = pg_admin()
    try:
        with engine.connect() as conn:
            for key in keys:
                out[key] = conn.execute(text(f"SHOW {key}")).scalar()
    finally:
        engine.dispose()
    return out


@contextmanager
def database(kind: str, suffix: str, tmp: Path, keep: bool = False):
    """A fresh database URL of ``kind`` (sqlite file under ``tmp`` or a new PostgreSQL database), removed after."""
    if kind == "sqlite":
        path = tmp / f"{suffix}.sqlite"
        for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
            p.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        if not keep:
            for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
                p.unlink(missing_ok=True)
    else:
        url = pg_create(suffix)
        try:
            yield url
        finally:
            if not keep:
                pg_drop(url)


def make_app(url: str):
    """The application against ``url`` with the benchmark library only (schema created, library deployed)."""
    from workflow_app.entrypoints.app import create_app
    from workflow_app.entrypoints.config import Settings
    return create_app(Settings(database_url=url, secret_key="bench", library_folders=[LIBRARY]))


# ------------------------------------------------------------------------------------------------
# Servers (gunicorn app processes, the worker) and HTTP
# ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str) -> dict:
    env = dict(os.environ)
    env.update({"CASEFLOW_DATABASE_URL": url, "CASEFLOW_LIBRARY": str(LIBRARY), "CASEFLOW_SECRET_KEY": "bench",
                "PYTHONUNBUFFERED": "1"})
    return env


@dataclass
class Server:
    proc: subprocess.Popen
    port: int | None
    log_path: Path
    kind: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The master and its children (gunicorn's worker)."""
        import psutil
        try:
            p = psutil.Process(self.proc.pid)
            return [p.pid] + [c.pid for c in p.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> dict:
        """RSS in MB of the master and the worker process(es)."""
        import psutil
        out = {}
        for n, pid in enumerate(self.pids()):
            try:
                out["master" if n == 0 else f"worker{n}"] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
            except psutil.NoSuchProcess:
                pass
        out["total"] = round(sum(v for k, v in out.items()), 1)
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_gunicorn(url: str, logdir: Path, workers: int = 1, extra: list[str] | None = None) -> Server:
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(VENV_BIN)) or "gunicorn"
    log_path = logdir / f"gunicorn_{port}.log"
    cmd = [gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "5",
           *(extra or []), "workflow_app.entrypoints.app:create_app()"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(url), stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
    server = Server(proc, port, log_path, "gunicorn")
    wait_http(server)
    return server


def start_worker(url: str, logdir: Path) -> Server:
    caseflow = shutil.which("caseflow", path=str(VENV_BIN)) or "caseflow"
    log_path = logdir / "worker.log"
    proc = subprocess.Popen([caseflow, "worker"], cwd=ROOT, env=server_env(url), stdout=open(log_path, "wb"),
                            stderr=subprocess.STDOUT)
    return Server(proc, None, log_path, "worker")


def wait_http(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited: {server.log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(server.url + "/api/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer within {timeout}s: {server.log_path}")


def http(method: str, url: str, token: str | None = None, body=None, timeout: float = 60.0) -> tuple[int, dict | None]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            payload = r.read()
            return r.status, (json.loads(payload) if payload else None)
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return exc.code, json.loads(payload) if payload else None
        except ValueError:
            return exc.code, {"raw": payload[:500].decode(errors="replace")}


# ------------------------------------------------------------------------------------------------
# Machine
# ------------------------------------------------------------------------------------------------

def machine() -> dict:
    import psutil
    cpu = platform.processor() or "unknown"
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        if any(line.startswith("flags") and " hypervisor" in line for line in info):
            cpu += " (virtual machine)"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    except OSError:
        pass
    try:
        import SpiffWorkflow  # noqa: F401
        from importlib.metadata import version
        spiff = version("SpiffWorkflow")
        sqlalchemy = version("SQLAlchemy")
    except Exception:
        spiff = sqlalchemy = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "workflow_app"], cwd=ROOT,
                                    capture_output=True, text=True, timeout=5).stdout.strip())
    except Exception:
        commit, dirty = "?", False
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": os_name, "python": platform.python_version(), "postgresql": pg_version(),
        "sqlite": sqlite3.sqlite_version, "spiffworkflow": spiff, "sqlalchemy": sqlalchemy,
        "git_commit": commit + ("+uncommitted changes in workflow_app/" if dirty else ""),
        "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
    }


def load_snapshot() -> dict:
    """Load average and the busiest other processes (the machine is shared)."""
    import psutil
    one, five, fifteen = os.getloadavg()
    return {"loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)],
            "cpu_percent": psutil.cpu_percent(interval=0.5)}


class CpuSampler:
    """CPU seconds used by groups of processes between start() and stop() (psutil)."""

    def __init__(self, groups: dict[str, list[int]]):
        import psutil
        self.groups = {}
        for name, pids in groups.items():
            procs = []
            for pid in pids:
                try:
                    procs.append(psutil.Process(pid))
                except psutil.NoSuchProcess:
                    pass
            self.groups[name] = procs
        self.start_times: dict[str, float] = {}

    @staticmethod
    def _cpu(procs) -> float:
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except Exception:
                pass
        return total

    @staticmethod
    def postgres_pids(dbname: str | None = None) -> list[int]:
        """PostgreSQL processes: the backends connected to ``dbname`` (all backends if None) and the shared
        writer processes (WAL writer, checkpointer, background writer)."""
        import psutil
        out = []
        for p in psutil.process_iter(["name", "cmdline"]):
            try:
                if not (p.info["name"] or "").startswith("postgres"):
                    continue
                cmd = " ".join(p.info["cmdline"] or [])
                shared = any(k in cmd for k in ("walwriter", "wal writer", "checkpointer", "background writer"))
                if dbname is None or shared or f" {dbname} " in f"{cmd} ":
                    out.append(p.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return out

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.start_times = {name: self._cpu(procs) for name, procs in self.groups.items()}

    def stop(self) -> dict:
        elapsed = time.perf_counter() - self.t0
        out = {}
        for name, procs in self.groups.items():
            used = self._cpu(procs) - self.start_times[name]
            out[name] = {"cpu_s": round(used, 2), "cores_busy": round(used / elapsed, 2) if elapsed else 0}
        return out


def tmpdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="caseflow_bench_"))


def as_dict(obj) -> dict:
    return asdict(obj)
