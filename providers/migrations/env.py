"""Alembic's environment, shared by both stores (each store's directory has an env.py that runs this).

`providers.migrations` passes the connection, already inside the transaction that holds the
migration lock, and the store's version table; nothing here opens a connection of its own.
"""
from __future__ import annotations

from alembic import context


def run() -> None:
    config = context.config
    connection = config.attributes["connection"]
    context.configure(connection=connection, version_table=config.attributes["version_table"],
                      render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()
