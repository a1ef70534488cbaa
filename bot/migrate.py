"""Bring every configured database's schema up to the code's: run once before the servers start.

    python -m bot.migrate

Upgrades the registry (`NAVIGATOR_DATABASE_URL`, default var/registry.db) and the SMS store
(`NAVIGATOR_CHANNEL_DATABASE_URL`, default var/channels.db) through providers/migrations, stamping a
database made before migrations existed. Rasa's conversation store creates its own table. Safe to
run again, and from several machines at once (on PostgreSQL they take turns on an advisory lock).
In production it runs as the database's owner role; the servers run as a role that cannot change
the schema (docs/deploy.md). A database error is one line on standard error, and the exit code 1.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from sqlalchemy.exc import SQLAlchemyError

from bot import settings
from bot.senders import channel_database_url, channel_engine
from providers import db, migrations
from providers.migrations import SchemaError


class MigrationFailed(RuntimeError):
    """One line: which database, and what went wrong."""


def database_urls(env: Mapping[str, str] | None = None) -> list[tuple[migrations.Store, str]]:
    """Each store this configuration has, with its database."""
    env = os.environ if env is None else env
    if settings.production(env):
        missing = [setting.name for setting in (settings.DATABASE_URL, settings.CHANNEL_DATABASE_URL)
                   if not setting.read(env)]
        if missing:
            raise MigrationFailed(f"production mode needs {' and '.join(missing)}")
    registry = settings.DATABASE_URL.read(env) or db.DEFAULT_DATABASE_URL
    return [(migrations.REGISTRY, registry), (migrations.CHANNELS, channel_database_url(env=env))]


def migrate_all(env: Mapping[str, str] | None = None) -> list[str]:
    """Upgrade every configured database; a line for each saying what was done."""
    lines = []
    for store, url in database_urls(env):
        try:
            engine = channel_engine(url) if store is migrations.CHANNELS else db.make_engine(url)
            try:
                before, now = db.migrate(engine) if store is migrations.REGISTRY else migrations.upgrade(engine, store)
            finally:
                engine.dispose()
        except SchemaError as e:
            raise MigrationFailed(str(e)) from e
        except SQLAlchemyError as e:
            raise MigrationFailed(f"the {store.name} store: {db.describe_error(e, url)}") from e
        lines.append(f"the {store.name} store is at {now}" + ("" if before == now else f" (was {before or 'empty'})"))
    return lines


def main() -> int:
    settings.keep_files_private()  # the SQLite files it may create hold the STOP list: this user's only
    try:
        for line in migrate_all():
            print(f"bot.migrate: {line}", flush=True)
    except MigrationFailed as e:
        print(f"bot.migrate: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
