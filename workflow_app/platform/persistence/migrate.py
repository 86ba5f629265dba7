"""Schema migrations (Alembic): the only way a production schema is created or changed."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from workflow_app.platform.persistence.models import install_triggers

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"  # workflow_app/migrations


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
    engine = create_engine(database_url)
    try:
        install_triggers(engine)  # the audit trail's append-only triggers
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def revision(database_url: str, message: str) -> None:
    """Autogenerate a revision from the models (developers: run against an up-to-date database)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
