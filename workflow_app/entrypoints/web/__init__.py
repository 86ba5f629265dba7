"""The web interface (Chinese first, English available): server-rendered Jinja pages with htmx.

* pages call the services directly inside ``in_transaction`` as the session's principal
  (the browser session of :mod:`workflow_app.platform.identity.web_login`; CSRF token on every
  state-changing request);
* browser libraries (htmx, bpmn-js, bpmn-auto-layout, swagger-ui) come from npm into ``node_modules``
  and are served by :func:`vendor` from an allow-list only;
* translations: flask-babel, message ids are the Chinese texts; ``translations/en`` holds English.

One module per area, its templates in ``templates/web/<area>/`` (``base.html`` and the shared partials stay
in ``templates/web/``): ``login`` (login, logout, language), ``inbox``, ``tasks`` (task page and its form,
drawn by ``form_renderer``), ``cases`` (case file, diagram), ``intake`` (registration pages),
``notifications``, ``files`` (case files: upload, preview, download); ``common`` holds what they share.
A new area (liaison, supervision, leadership, administration, process owners) is a new module here, its
template folder, and an entry in :data:`AREAS`.
Pages ask services (``platform``, ``domain``) inside ``in_transaction`` and render what they answer.
See docs/ui.md.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, request, send_from_directory
from flask_babel import Babel

from workflow_app.entrypoints.api.common import CSRF_EXEMPT
from workflow_app.entrypoints.web import (  # the areas and the notifications blueprint
    admin,
    case_actions,
    cases,
    documents,
    files,
    hearings,
    inbox,
    intake,
    leadership,
    liaison,
    login,
    meetings,
    modeler,
    notifications,
    processes,
    search,
    supervision,
    tasks,
    workspace,
)
from workflow_app.entrypoints.web.common import LANG_COOKIE, LANGUAGES, bp

HERE = Path(__file__).resolve().parent

#: The areas whose routes are on the ``web`` blueprint (imported for their routes).
AREAS = (
    login,
    inbox,
    tasks,
    cases,
    intake,
    files,
    documents,
    case_actions,
    hearings,
    search,
    meetings,
    admin,
    leadership,
    supervision,
    liaison,
    processes,
    modeler,
    workspace,
)

#: The only files /vendor/ serves: {package: (exact files, allowed prefixes)}.
VENDOR_FILES: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "htmx.org": ({"dist/htmx.min.js"}, ()),
    "echarts": ({"dist/echarts.min.js"}, ()),
    "bpmn-js": ({"dist/bpmn-navigated-viewer.production.min.js", "dist/bpmn-modeler.production.min.js"},
                ("dist/assets/",)),
    "dmn-js": ({"dist/dmn-modeler.production.min.js"}, ("dist/assets/",)),
    "bpmn-auto-layout": ({"dist/index.js"}, ()),
    "bpmn-moddle": ({"dist/index.js"}, ()),
    "moddle": ({"dist/index.js"}, ()),
    "moddle-xml": ({"dist/index.js"}, ()),
    "saxen": ({"dist/index.js"}, ()),
    "min-dash": ({"dist/index.js"}, ()),
    "swagger-ui-dist": ({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                         "favicon-16x16.png", "favicon-32x32.png", "index.css"}, ()),
}


def node_modules() -> Path:
    return Path(os.environ.get("CASEFLOW_NODE_MODULES") or HERE.parents[2] / "node_modules")  # the repository's node_modules


def vendor(package: str, path: str):
    allowed = VENDOR_FILES.get(package)
    if allowed is None or ".." in path.split("/") or "\\" in path:
        abort(404)
    files, prefixes = allowed
    if path not in files and not any(path.startswith(p) for p in prefixes):
        abort(404)
    response = send_from_directory(node_modules() / package, path, max_age=3600)
    return response


def select_locale() -> str:
    lang = request.cookies.get(LANG_COOKIE) if request else None
    return lang if lang in LANGUAGES else "zh_CN"


def compile_catalogs() -> None:
    """Compile .po to .mo when the .mo is missing or older: a checkout that skipped ``scripts/translations
    compile`` (which setup-venv runs) still serves its languages. The .mo files are build output, not
    committed (docs/ui.md "Translations")."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in (HERE / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        try:
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as dst:
                write_mo(dst, catalog)
        except OSError:  # read-only install: the setup script compiled them
            pass


def init_web(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(HERE / "translations"))
    Babel(app, locale_selector=select_locale)
    app.add_url_rule("/vendor/<string:package>/<path:path>", "vendor", vendor)
    app.register_blueprint(bp)  # the areas of AREAS
    app.register_blueprint(notifications.bp)  # notifications page, bell, calendar banner (docs/deadlines.md)
    # The login form has its own signed double-submit token (auth_web.check_login_csrf).
    CSRF_EXEMPT.add("web.login")
