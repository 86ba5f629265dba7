"""Case routing for labour-rights enforcement: BPMN processes on SpiffWorkflow behind a REST API."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, request

from workflow_app.entrypoints import bootstrap, schema  # noqa: F401  (schema: every table, for create_schema)
from workflow_app.entrypoints.api import init_api
from workflow_app.entrypoints.config import InsecureConfiguration, Settings
from workflow_app.entrypoints.logging_setup import configure, install_request_logging
from workflow_app.entrypoints.web import init_web
from workflow_app.platform.files import attachments
from workflow_app.platform.files.content_types import FileTypePolicy
from workflow_app.platform.files.storage import BlobStore, LocalFolderStorage, S3Storage
from workflow_app.platform.modelling import publication
from workflow_app.platform.persistence.database import Database, in_transaction
from workflow_app.platform.persistence.migrate import current_revision, head_revision
from workflow_app.platform.processes import registry

log = logging.getLogger(__name__)


def blob_store(settings: Settings) -> BlobStore:
    """The attachments' blob store the settings name (docs/files.md "Storage")."""
    if settings.files_backend == "s3":
        return S3Storage(settings.s3_bucket or "", endpoint_url=settings.s3_endpoint, region=settings.s3_region,
                         access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                         prefix=settings.s3_prefix)
    return LocalFolderStorage(settings.blob_folder())


def configure_files(settings: Settings) -> FileTypePolicy:
    """Install the blob store and the file-type policy of the settings; returns the policy."""
    policy = FileTypePolicy.load(settings.file_types_path, settings.max_file_bytes)
    attachments.configure(blob_store(settings), policy)
    return policy


def open_database(settings: Settings) -> Database:
    """The database the settings name, ready for the application: its schema created (demo, development)
    or checked to be at the code's revision, and the process library synced when the settings ask for it;
    the attachments' file store and the publication rule (four eyes or not) configured. The app and the worker
    start the same way. Wired first: the sync runs the library's definition tests, whose diagram text calls
    the bootstrap's functions."""
    bootstrap.wire()
    configure_files(settings)
    publication.configure(settings.publish_approvals)
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url, pool_size=settings.pool_size)
    if settings.create_schema:
        db.create_schema()
    else:
        current, head = current_revision(settings.database_url), head_revision()
        if current != head:
            raise InsecureConfiguration(f"database schema is at {current}, the code needs {head}: "
                                        "run `caseflow db upgrade` first")
    if settings.sync_library_on_start:
        result = in_transaction(db, lambda s: registry.sync_folders(s, settings.library_folders))
        log.info("process library: %d new versions, %d unchanged",
                 len(result.created), len(result.unchanged))
    return db


#: The endpoints that receive files (docs/files.md "Limits"): their requests may be as large as one file allows;
#: every other request keeps MAX_CONTENT_LENGTH.
FILE_UPLOAD_ENDPOINTS = frozenset({"attachments.upload", "web.upload_file"})


def _file_upload_limit() -> None:
    if request.endpoint in FILE_UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["CASEFLOW_UPLOAD_REQUEST_BYTES"]


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    if settings.configure_logging:
        configure(settings.log_format, settings.log_level)
    bootstrap.wire()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        # a file upload carries one file of at most the policy's limit, plus the form around it
        CASEFLOW_UPLOAD_REQUEST_BYTES=FileTypePolicy.load(settings.file_types_path, settings.max_file_bytes).max_bytes
        + 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.extensions["caseflow.db"] = open_database(settings)
    app.extensions["caseflow.settings"] = settings

    app.before_request(_file_upload_limit)  # before the API's screening, which may read the form
    init_api(app)
    init_web(app)  # server-rendered pages (docs/ui.md)
    install_request_logging(app)
    return app
