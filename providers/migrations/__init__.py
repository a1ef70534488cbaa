"""Schema migrations (Alembic) for the tables this project owns, and the check serving processes make.

Two stores, each with its own revisions and its own version table, so they may share one database
or live in two: the registry (providers.models; `registry/versions/`, table `alembic_version_registry`)
and the SMS store (bot.senders; `channels/versions/`, table `alembic_version_channels`). Rasa's own
`events` table is Rasa's: its SQLTrackerStore creates it.

`python -m bot.migrate` upgrades every configured database once, before the servers start; `providers
import` upgrades the registry it writes. A serving process never changes a schema: `require_current`
refuses one older (or newer) than the code with one line that says what to run.

A database made by `create_all` before migrations existed has the baseline's tables and no version
table: `upgrade` stamps it at the baseline, then applies what came after. On PostgreSQL the whole
upgrade runs in one transaction holding an advisory lock, so processes started together migrate one
after the other and the later ones find nothing left to do.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
MIGRATE_COMMAND = "python -m bot.migrate"
# pg_advisory_xact_lock's key: any constant no other program on the database uses ("navigat" in ASCII).
LOCK_KEY = 0x6E617669676174


@dataclass(frozen=True)
class Store:
    name: str  # as messages name it
    directory: Path
    version_table: str
    baseline: str  # the revision equal to the schema create_all made before migrations
    baseline_tables: tuple[str, ...]


REGISTRY = Store("registry", HERE / "registry", "alembic_version_registry", "r0001_baseline",
                 ("organization", "service", "location", "address", "service_at_location", "phone", "schedule",
                  "service_area", "taxonomy", "taxonomy_term", "attribute", "metadata", "listing", "listing_term",
                  "registry_info"))
CHANNELS = Store("SMS", HERE / "channels", "alembic_version_channels", "c0001_baseline",
                 ("sms_suppression", "sms_message_seen"))
STORES = (REGISTRY, CHANNELS)


class SchemaError(RuntimeError):
    """A database whose schema this code cannot use; the message is one line for the operator."""


def _config(store: Store, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(store.directory))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = store.version_table
    return config


@functools.cache
def head(store: Store) -> str:
    newest = ScriptDirectory.from_config(_config(store)).get_current_head()
    if newest is None:
        raise SchemaError(f"no revisions in {store.directory}")
    return newest


@functools.cache
def _known(store: Store) -> frozenset[str]:
    return frozenset(script.revision for script in ScriptDirectory.from_config(_config(store)).walk_revisions())


def current(connection: Connection, store: Store) -> str | None:
    """The revision a database is at; None for a database never migrated (empty, or made by create_all)."""
    context = MigrationContext.configure(connection, opts={"version_table": store.version_table})
    return context.get_current_revision()


def upgrade(engine: Engine, store: Store) -> tuple[str | None, str]:
    """Bring a database's tables of `store` to the newest revision: (the revision before, the one now)."""
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: another process migrating waits, then finds the work done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        config = _config(store, connection)
        before = current(connection, store)
        if before is None and _made_by_create_all(connection, store):
            command.stamp(config, store.baseline)
            before = store.baseline
        command.upgrade(config, "head")
        now = current(connection, store)
    assert now is not None
    return before, now


def _made_by_create_all(connection: Connection, store: Store) -> bool:
    tables = set(inspect(connection).get_table_names())
    present = [name for name in store.baseline_tables if name in tables]
    if present and len(present) < len(store.baseline_tables):
        missing = ", ".join(name for name in store.baseline_tables if name not in tables)
        raise SchemaError(f"the {store.name} database has some of its tables but not {missing}: "
                          "restore it from a backup or start from an empty database")
    return bool(present)


def require_current(engine: Engine, store: Store) -> None:
    """Refuse (SchemaError, one line) a database whose schema is not the one this code was written for."""
    with engine.connect() as connection:
        revision = current(connection, store)
    if revision == head(store):
        return
    if revision is not None and revision not in _known(store):
        raise SchemaError(f"the {store.name} database schema ({revision}) is newer than the code: "
                          "run the version of the code that migrated it")
    raise SchemaError(f"the {store.name} database schema is older than the code: run `{MIGRATE_COMMAND}`")
