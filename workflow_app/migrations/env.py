"""Alembic environment: the target metadata is the application's models; the URL comes from the caller
(``caseflow db upgrade``) or ``CASEFLOW_DATABASE_URL``."""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from workflow_app.entrypoints.schema import Base  # every table: the platform's and the domain's

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or os.environ["CASEFLOW_DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
