"""Case routing for labour-rights enforcement: BPMN processes on SpiffWorkflow behind a REST API."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from workflow_app.entrypoints import schema  # noqa: F401  (every table, for create_schema)
from workflow_app.entrypoints.config import InsecureConfiguration, Settings
from workflow_app.platform.persistence.database import Database

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    if settings.configure_logging:
        from workflow_app.entrypoints.logging_setup import configure
        configure(settings.log_format, settings.log_level)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url, pool_size=settings.pool_size)
    if settings.create_schema:
        db.create_schema()
    else:
        from workflow_app.platform.persistence.migrate import current_revision, head_revision
        current, head = current_revision(settings.database_url), head_revision()
        if current != head:
            raise InsecureConfiguration(f"database schema is at {current}, the code needs {head}: "
                                        "run `caseflow db upgrade` first")
    app.extensions["caseflow.db"] = db
    app.extensions["caseflow.settings"] = settings

    if settings.sync_library_on_start:
        from workflow_app.platform.processes import registry
        from workflow_app.platform.persistence.database import in_transaction
        result = in_transaction(db, lambda s: registry.sync_folders(s, settings.library_folders))
        log.info("process library: %d new versions, %d unchanged",
                 len(result.created), len(result.unchanged))

    from workflow_app.entrypoints.api import init_api
    from workflow_app.entrypoints.logging_setup import install_request_logging
    init_api(app)
    from workflow_app.entrypoints.web import init_web  # server-rendered pages (docs/ui.md)
    init_web(app)
    install_request_logging(app)
    return app
