"""Where the registry lives: a SQLite file by default, PostgreSQL given a URL.

On PostgreSQL with PostGIS (optional) the search index also gets a GiST index
on each listing's point, so a search reads its nearest listings first.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from providers import migrations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'registry.db'}"
DATABASE_URL_ENV = "NAVIGATOR_DATABASE_URL"
# The KNN index of providers.search: its expression must be the one the search orders by.
POINT_INDEX = "ix_listing_term_point"
LISTING_POINT = "(ST_MakePoint(longitude, latitude)::geography)"

log = logging.getLogger(__name__)


def database_url(url: str | None = None) -> str:
    return url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        return sqlite_engine(url, _sqlite_pragmas, future=True)
    return create_engine(url, future=True, pool_pre_ping=True)


def missing_sqlite_file(url: str | None = None) -> Path | None:
    """The file a SQLite URL names when it does not exist; None for any other URL."""
    url = database_url(url)
    path = make_url(url).database if url.startswith("sqlite") else None
    if not path or path == ":memory:" or Path(path).exists():
        return None
    return Path(path)


def sqlite_engine(url: str | URL, on_connect, **options) -> Engine:
    """A SQLite file's engine that keeps its connections open. SQLAlchemy 1.4 opens and closes one
    per session for a file, and closing the last one checkpoints the write-ahead log to disk: on the
    conversation store that cost more than the rest of saving a turn, and a new connection costs
    more than a search."""
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=QueuePool,
                           pool_size=5, max_overflow=10, **options)
    event.listen(engine, "connect", on_connect)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    sqlite_write_ahead(dbapi_connection, _record)


def sqlite_write_ahead(dbapi_connection, _record) -> None:
    """For SQLite connections (registry and conversation store): WAL lets the action server
    read while an import writes, and a commit needs no fsync (about 5 ms a turn); a crash can
    lose the last commits, never corrupt the file."""
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def sqlite_private_store(dbapi_connection, record) -> None:
    """For the stores of conversations and texts: write-ahead as above, and deleted rows overwritten
    with zeros in the file (secure_delete is a compile-time default that differs between builds)."""
    sqlite_write_ahead(dbapi_connection, record)
    dbapi_connection.execute("PRAGMA secure_delete=ON")


def sqlite_truncate_log(engine: Engine) -> None:
    """After a deletion: copy the write-ahead log into the file and empty it, so deleted rows do not
    linger in the -wal file until it is next overwritten."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Bring the registry's tables to the code's schema (providers.migrations), then add the PostGIS
    index where it can be had: (the revision before, the one now)."""
    revisions = migrations.upgrade(engine, migrations.REGISTRY)
    if engine.dialect.name == "postgresql":
        create_point_index(engine)
    return revisions


def create_point_index(engine: Engine) -> None:
    try:
        with engine.begin() as conn:
            if not has_point_index(conn):  # CREATE INDEX IF NOT EXISTS would still wait for a running import
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
                conn.execute(text(f"CREATE INDEX IF NOT EXISTS {POINT_INDEX} ON listing_term "
                                  f"USING gist (term, {LISTING_POINT})"))
    except DBAPIError as e:
        # PostGIS is not installed, or this role may not create it: searches read bounding boxes instead.
        log.info("no PostGIS (%s): searches read bounding boxes", str(e.orig).strip().splitlines()[0])


def has_point_index(conn) -> bool:
    """Whether this database has the PostGIS index a search can read the nearest listings first from."""
    return conn.dialect.name == "postgresql" and \
        conn.execute(text("SELECT to_regclass(:name)"), {"name": POINT_INDEX}).scalar() is not None


def describe_error(error: Exception, url: str | None = None) -> str:
    """A database error as one line for the operator: where (password hidden) and the server's first line,
    such as `permission denied for schema public` or `connection refused`."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    where = ""
    if url:
        try:
            where = f" {make_url(url).render_as_string(hide_password=True)}"
        except ArgumentError:
            where = " (a URL that cannot be read)"
    return f"the database{where}: {detail[0] if detail else type(error).__name__}"


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, class_=Session, future=True, expire_on_commit=False)
