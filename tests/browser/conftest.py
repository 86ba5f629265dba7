"""Browser tests: a real server (werkzeug in a thread) on a free port, Debian's chromium driven by Playwright.

The browser is ``/usr/bin/chromium`` (``CASEFLOW_CHROMIUM`` overrides); when it or Playwright is missing the
tests FAIL with a message, they never skip. Screenshots go to ``test-output/browser/``.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, ROOT, make_app
from workflow_app.entrypoints import demo

CHROMIUM = os.environ.get("CASEFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-output" / "browser"
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A fresh database per test module, on each of the two databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web') / 'caseflow.sqlite'}"
        return
    from sqlalchemy import create_engine, text
    name = f"caseflow_browser_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="module")
def server(database_url):
    from werkzeug.serving import make_server
    if not (ROOT / "node_modules" / "bpmn-js").is_dir():
        pytest.fail("node_modules is missing: run scripts/setup-venv (npm ci) before the browser tests")
    app = make_app(database_url)
    app.config["CASEFLOW_COOKIE_SECURE"] = False  # plain-HTTP test server (CASEFLOW_INSECURE_COOKIES=1)
    db = app.extensions["caseflow.db"]
    demo.seed_organisation(db)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield type("Server", (), {"url": f"http://127.0.0.1:{httpd.server_port}", "app": app, "db": db})
    httpd.shutdown()
    db.dispose()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium; "
                    ".ci/run does it) — browser tests never skip")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(locale="zh-CN"):
        context = browser.new_context(viewport=VIEWPORT, locale=locale)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()
    yield make
    for c in contexts:
        c.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
