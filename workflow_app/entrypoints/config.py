"""Settings from the environment (``CASEFLOW_*``), with demo-friendly defaults.

In production (``CASEFLOW_ENV=production``) the application refuses to start on an insecure or
embedded-only setting: the development secret key, SQLite, or creating tables outside migrations.

| variable | meaning | default |
|---|---|---|
| CASEFLOW_ENV | ``development`` or ``production`` | development |
| CASEFLOW_DATABASE_URL | SQLAlchemy URL | SQLite file under ``instance/`` |
| CASEFLOW_SECRET_KEY | session signing key (≥ 32 characters in production) | a development key |
| CASEFLOW_LIBRARY | process library folders, ``:``-separated | ``bpmn:forms`` of the checkout |
| CASEFLOW_SYNC_LIBRARY | deploy changed library files at start-up (``0``/``1``) | 1 |
| CASEFLOW_LOG_FORMAT | ``json`` or ``text`` | json in production, text otherwise |
| CASEFLOW_LOG_LEVEL | logging level | INFO |
| CASEFLOW_DB_POOL_SIZE | connections per process (PostgreSQL) | 10 |
| CASEFLOW_FILES_BACKEND | where attachments' bytes live: ``local`` or ``s3`` (docs/files.md) | local |
| CASEFLOW_FILES_FOLDER | the local blob folder | beside the SQLite file, else ``instance/files`` |
| CASEFLOW_S3_BUCKET, _ENDPOINT, _REGION, _ACCESS_KEY, _SECRET_KEY, _PREFIX | the S3-compatible store | — |
| CASEFLOW_FILE_TYPES | JSON file: allowed file types, kinds, size limit | platform/files/file_types.json |
| CASEFLOW_MAX_FILE_BYTES | size limit of one uploaded file (overrides the JSON file's) | 50 MB |
| CASEFLOW_PUBLISH_APPROVALS | second process owners who must approve a publication: ``1`` (four eyes) or ``0`` (docs/workspace.md) | 1 |
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository (workflow_app/entrypoints/config.py)
DEV_SECRET = "dev-insecure-secret"


class InsecureConfiguration(RuntimeError):
    pass


@dataclass
class Settings:
    env: str = "development"
    database_url: str = "sqlite:///" + str(ROOT / "instance" / "caseflow.sqlite")
    secret_key: str = DEV_SECRET
    library_folders: list[Path] = field(default_factory=lambda: [ROOT / "bpmn", ROOT / "forms"])
    sync_library_on_start: bool = True
    create_schema: bool = True
    max_upload_bytes: int = 8 * 1024 * 1024  # a request without files; uploads get the file limit + 1 MB
    files_backend: str = "local"
    files_folder: Path | None = None  # None: beside the SQLite file, else instance/files
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_prefix: str = ""
    file_types_path: Path | None = None  # None: the platform's file_types.json
    max_file_bytes: int | None = None  # None: the file-types JSON's max_bytes
    log_format: str = "text"
    log_level: str = "INFO"
    pool_size: int = 10
    configure_logging: bool = False  # from_env (servers, CLI) sets it; tests leave logging alone
    publish_approvals: int = 1  # second approvals a publication needs: 1 (four eyes) or 0 (docs/workspace.md)

    @property
    def production(self) -> bool:
        return self.env == "production"

    def blob_folder(self) -> Path:
        """The local blob folder: the setting, or beside the SQLite database file, or ``instance/files``."""
        if self.files_folder is not None:
            return Path(self.files_folder)
        if self.database_url.startswith("sqlite:///") and ":memory:" not in self.database_url:
            database = Path(self.database_url[len("sqlite:///"):])
            return database.with_name(database.stem + "-files")
        return ROOT / "instance" / "files"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls(configure_logging=True)
        env = os.environ
        s.env = env.get("CASEFLOW_ENV", s.env)
        if s.production:
            # Production schemas come from migrations (caseflow db upgrade), never from create_all.
            s.create_schema = False
            s.log_format = "json"
        if env.get("CASEFLOW_DATABASE_URL"):
            s.database_url = env["CASEFLOW_DATABASE_URL"]
        if env.get("CASEFLOW_SECRET_KEY"):
            s.secret_key = env["CASEFLOW_SECRET_KEY"]
        if env.get("CASEFLOW_LIBRARY"):
            s.library_folders = [Path(p) for p in env["CASEFLOW_LIBRARY"].split(os.pathsep) if p]
        if env.get("CASEFLOW_SYNC_LIBRARY"):
            s.sync_library_on_start = env["CASEFLOW_SYNC_LIBRARY"] not in ("0", "false", "no")
        s.log_format = env.get("CASEFLOW_LOG_FORMAT", s.log_format)
        s.log_level = env.get("CASEFLOW_LOG_LEVEL", s.log_level)
        if env.get("CASEFLOW_DB_POOL_SIZE"):
            s.pool_size = int(env["CASEFLOW_DB_POOL_SIZE"])
        s.files_backend = env.get("CASEFLOW_FILES_BACKEND", s.files_backend)
        if env.get("CASEFLOW_FILES_FOLDER"):
            s.files_folder = Path(env["CASEFLOW_FILES_FOLDER"])
        for name in ("bucket", "endpoint", "region", "access_key", "secret_key", "prefix"):
            if env.get(f"CASEFLOW_S3_{name.upper()}"):
                setattr(s, f"s3_{name}", env[f"CASEFLOW_S3_{name.upper()}"])
        if env.get("CASEFLOW_FILE_TYPES"):
            s.file_types_path = Path(env["CASEFLOW_FILE_TYPES"])
        if env.get("CASEFLOW_MAX_FILE_BYTES"):
            s.max_file_bytes = int(env["CASEFLOW_MAX_FILE_BYTES"])
        if env.get("CASEFLOW_PUBLISH_APPROVALS"):
            value = env["CASEFLOW_PUBLISH_APPROVALS"].strip()
            if value not in ("0", "1"):
                raise InsecureConfiguration("CASEFLOW_PUBLISH_APPROVALS must be 0 or 1")
            s.publish_approvals = int(value)
        for key, value in overrides.items():
            setattr(s, key, value)
        return s

    def check(self) -> None:
        """Refuse to run production on insecure or embedded-only settings."""
        if not self.production:
            return
        problems = []
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            problems.append("CASEFLOW_SECRET_KEY must be set to a random value of at least 32 characters")
        if self.database_url.startswith("sqlite"):
            problems.append("CASEFLOW_DATABASE_URL must point to PostgreSQL (SQLite is for the demo and tests)")
        if self.files_backend not in ("local", "s3"):
            problems.append("CASEFLOW_FILES_BACKEND must be local or s3")
        if self.files_backend == "s3" and not self.s3_bucket:
            problems.append("CASEFLOW_S3_BUCKET must name the bucket of the s3 file backend")
        if self.create_schema:
            problems.append("production schemas come from migrations: run `caseflow db upgrade`")
        if problems:
            raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
