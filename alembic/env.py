"""Alembic environment: URL from TS_STORE_DB_URL (or -x url=...), schema from the models."""

from dataclasses import replace

from alembic import context
from sqlmodel import SQLModel

from ts_store.store import models  # noqa: F401  (registers the tables)
from ts_store.store.db import DatabaseSettings, database_url, make_engine

config = context.config
url = context.get_x_argument(as_dictionary=True).get("url") or database_url()


def run_migrations_offline() -> None:
    context.configure(
        url=url, target_metadata=SQLModel.metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable, target_metadata=SQLModel.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    # Migrations may rewrite big tables: no statement timeout for them.
    engine = make_engine(url, replace(DatabaseSettings.from_env(), statement_timeout_ms=0))
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
