"""The web UI's catalogues (docs/ui.md "Translations"): the committed template is what extraction finds, every
string in it has its English translation, and switching to English shows it."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from workflow_app.entrypoints import demo
from workflow_app.entrypoints.web import LANG_COOKIE

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "workflow_app" / "entrypoints" / "web" / "translations"
PYBABEL = Path(sys.executable).with_name("pybabel")


def _ids(path: Path) -> set[str]:
    with path.open("rb") as source:
        return {message.id for message in read_po(source) if message.id}


def test_the_committed_template_is_what_extraction_finds(tmp_path):
    fresh = tmp_path / "messages.pot"
    # The same command as `scripts/translations extract`, into a scratch file.
    subprocess.run([str(PYBABEL), "-q", "extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l",
                    "--no-location", "--omit-header", "-o", str(fresh), "."], cwd=ROOT, check=True)
    committed = _ids(TRANSLATIONS / "messages.pot")
    found = _ids(fresh)
    assert found - committed == set(), "new strings: run scripts/translations extract and update"
    assert committed - found == set(), "strings gone from the code: run scripts/translations extract and update"


def test_every_string_has_its_english_translation():
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        english = {m.id: m for m in read_po(source) if m.id}
    untranslated = sorted(i for i in _ids(TRANSLATIONS / "messages.pot")
                          if i not in english or not english[i].string or english[i].fuzzy)
    assert untranslated == []


def test_the_english_switch_shows_english_pages(app):
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"csrf_token": token, "username": "inspector",
                                       "password": demo.DEMO_PASSWORD}).status_code == 302
    assert "我的待办" in client.get("/inbox").text
    assert client.get("/lang/en?next=%2Finbox").status_code == 302
    client.set_cookie(LANG_COOKIE, "en")  # what the switch sets (the test client may drop Secure cookies)
    page = client.get("/inbox").text
    assert "My tasks" in page and "Group queue" in page and "我的待办" not in page
