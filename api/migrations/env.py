"""Alembic's environment: the URL comes from the config given by `api.store.session.upgrade` (which takes it
from Settings), or from Settings when Alembic is run by hand (`alembic -c api/migrations/alembic.ini ...`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

import api.webhooks.tables  # noqa: F401  (registers the webhook tables on Base)
from api.store.tables import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from api.settings import Settings

    url = Settings().database_url


def run_migrations_online() -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # several API processes may start at once
                connection.execute(text("SELECT pg_advisory_xact_lock(7262830)"))
            context.run_migrations()
    engine.dispose()


run_migrations_online()
