"""The production path: migrations, refusal of insecure settings, gunicorn app processes and workers.

The end-to-end test starts two app processes (gunicorn) and two workers on PostgreSQL, drives 100 cases
through a user task, a timer fired by the workers, and a second user task, and checks that nothing is
lost or duplicated.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import PG_ADMIN_URL, ROOT
from tests.samples import form_bytes, process, user_task
from workflow_app.platform.persistence import migrate
from workflow_app.entrypoints.config import InsecureConfiguration, Settings
from workflow_app.platform.persistence.models import AuditEvent, Base, ProcessInstance, TaskRow

VENV_BIN = os.path.dirname(sys.executable)


def test_production_refuses_insecure_settings(monkeypatch):
    monkeypatch.setenv("CASEFLOW_ENV", "production")
    monkeypatch.delenv("CASEFLOW_SECRET_KEY", raising=False)
    monkeypatch.delenv("CASEFLOW_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    with pytest.raises(InsecureConfiguration) as err:
        settings.check()
    assert "CASEFLOW_SECRET_KEY" in str(err.value) and "PostgreSQL" in str(err.value)
    monkeypatch.setenv("CASEFLOW_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CASEFLOW_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    Settings.from_env().check()  # secure now


def test_migrations_build_exactly_the_models_schema(db_url):
    """The migration chain and the models agree (autogenerate finds nothing to do) on both databases."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    engine = create_engine(db_url)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(port, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


E2E = process(
    "t_e2e",
    '<bpmn:startEvent id="s" />' + user_task("a", "第一步")
    + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>"PT1S"'
      '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
    + user_task("b", "第二步") + '<bpmn:endEvent id="e" />',
    [("f1", "s", "a"), ("f2", "a", "wait"), ("f3", "wait", "b"), ("f4", "b", "e")], lane_nodes=["a", "b"])


@pytest.mark.slow
@pytest.mark.multiprocess
def test_two_app_processes_and_two_workers_lose_and_duplicate_nothing(tmp_path):
    dbname = f"caseflow_prod_{os.getpid()}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{dbname}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    library = tmp_path / "library"
    library.mkdir()
    (library / "t_e2e.bpmn").write_text(E2E)
    (library / "t_form.json").write_bytes(form_bytes())
    env = dict(os.environ, CASEFLOW_ENV="production", CASEFLOW_DATABASE_URL=url, CASEFLOW_SECRET_KEY="s" * 48,
               CASEFLOW_LIBRARY=str(library), CASEFLOW_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    caseflow = [os.path.join(VENV_BIN, "caseflow")]
    procs = []
    try:
        def run(*args):
            result = subprocess.run(caseflow + list(args), env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
            return result.stdout.strip()
        run("db", "upgrade")
        run("bureau", "zz", "郑州市人社局", "--level", "city")
        run("bureau", "zz-jinshui", "金水区人社局", "--level", "district", "--parent", "zz")
        run("body", "zz-jinshui", "inspection", "劳动保障监察大队")
        run("group", "zz-jinshui", "inspection", "inspector")
        run("group", "zz", "bureau", "administrator")
        run("user", "insp", "张监察", "--group", "zz-jinshui/inspection/inspector")
        run("user", "boss", "管理员", "--group", "zz/bureau/administrator")
        inspector, boss = run("token", "create", "insp"), run("token", "create", "boss")

        ports = [_free_port(), _free_port()]
        for port in ports:
            procs.append(subprocess.Popen([os.path.join(VENV_BIN, "gunicorn"), "-w", "2", "--threads", "4",
                                           "-b", f"127.0.0.1:{port}", "workflow_app.entrypoints.wsgi:app"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=str(ROOT)))
        for _ in range(2):
            procs.append(subprocess.Popen(caseflow + ["worker", "--poll", "0.2"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=str(ROOT)))
        deadline = time.time() + 60
        for port in ports:
            while True:
                try:
                    if urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ready", timeout=2).status == 200:
                        break
                except OSError:
                    pass
                assert time.time() < deadline, "app process did not become ready"
                time.sleep(0.3)

        def start(n):
            return _call(ports[n % 2], "POST", "/api/instances", boss,
                         {"process_key": "t_e2e", "business_key": f"E{n:03d}", "jurisdiction": "zz-jinshui"})

        def work(task_id, n):
            port = ports[n % 2]
            status, body = _call(port, "POST", f"/api/tasks/{task_id}/claim", inspector)
            assert status == 200, body
            status, body = _call(ports[(n + 1) % 2], "POST", f"/api/tasks/{task_id}/complete", inspector,
                                 {"data": {"note": f"办理{n}"}})
            assert status == 200, body

        with ThreadPoolExecutor(8) as pool:
            started = list(pool.map(start, range(100)))
            assert all(status == 201 for status, _ in started), [b for s, b in started if s != 201][:3]
            list(pool.map(lambda pair: work(pair[1][1]["tasks"][0]["id"], pair[0]), enumerate(started)))
            # the workers fire each instance's timer; the second task appears
            deadline = time.time() + 120
            while True:
                status, page = _call(ports[0], "GET", "/api/tasks?scope=group&per_page=200", inspector)
                if page["total"] == 100:
                    break
                assert time.time() < deadline, f"only {page['total']} second tasks after the timers"
                time.sleep(0.5)
            list(pool.map(lambda pair: work(pair[1]["id"], pair[0]), enumerate(page["items"])))

        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ProcessInstance)) == 100
            assert conn.scalar(select(func.count()).select_from(ProcessInstance)
                               .where(ProcessInstance.status == "completed")) == 100
            per_instance = conn.execute(select(TaskRow.instance_id, func.count()).where(TaskRow.status == "completed")
                                        .group_by(TaskRow.instance_id)).all()
            assert len(per_instance) == 100 and all(count == 2 for _, count in per_instance)
            fired = conn.execute(select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "timer.fire")
                                 .group_by(AuditEvent.instance_id)).all()
            assert len(fired) == 100 and all(count == 1 for _, count in fired)
        engine.dispose()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": dbname})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
        admin.dispose()
