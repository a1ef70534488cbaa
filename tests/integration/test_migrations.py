"""Schema migrations (providers/migrations, `python -m bot.migrate`) on SQLite and real PostgreSQL:
databases made by the create_all of earlier versions, with rows in them, are stamped and upgraded
without losing a row; two processes migrating at once end with one schema and no error; a serving
process on an old schema refuses with one line; and the least-privilege statements of
docs/deploy.md work as written: migrate as the owner, serve as the runtime role, which cannot
create a table."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.migrate import migrate_all
from bot.senders import ChannelStore
from providers import migrations
from providers.migrations import SchemaError
from providers.models import Base as RegistryBase
from providers.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
OLD_LINE = "schema is older than the code: run `python -m bot.migrate`"
SENDER = "sms-" + "a" * 64


def old_registry(url: str) -> None:
    """The registry as `create_all` made it before migrations, with a row in it."""
    engine = sa.create_engine(url, future=True)
    baseline = [RegistryBase.metadata.tables[name] for name in migrations.REGISTRY.baseline_tables]
    RegistryBase.metadata.create_all(engine, tables=baseline)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO registry_info (key, value) VALUES ('term_counts', '{\"x\": 1}')"))
        conn.execute(sa.text("INSERT INTO organization (id, name, description) VALUES ('o1', 'Kept', '')"))
    engine.dispose()


def old_channels(url: str, *, with_reply_table: bool) -> None:
    """The SMS store as earlier versions' create_all made it: a `reply` column in sms_message_seen, and
    (before replies moved) no sms_reply table; a STOP and a seen message in it."""
    engine = sa.create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sms_suppression (sender_hash VARCHAR(80) PRIMARY KEY, "
                             "since TIMESTAMP NOT NULL)"))
        conn.execute(sa.text("CREATE TABLE sms_message_seen (sid_hash VARCHAR(64) PRIMARY KEY, "
                             "created_at TIMESTAMP NOT NULL, reply TEXT)"))
        conn.execute(sa.text("CREATE INDEX ix_sms_message_seen_created_at ON sms_message_seen (created_at)"))
        if with_reply_table:
            conn.execute(sa.text("CREATE TABLE sms_reply (sid_hash VARCHAR(64) PRIMARY KEY, sender_hash VARCHAR(80) "
                                 "NOT NULL, created_at TIMESTAMP NOT NULL, twiml TEXT NOT NULL)"))
            conn.execute(sa.text("CREATE INDEX ix_sms_reply_created_at ON sms_reply (created_at)"))
            conn.execute(sa.text("CREATE INDEX ix_sms_reply_sender_hash ON sms_reply (sender_hash)"))
        conn.execute(sa.text("INSERT INTO sms_suppression VALUES (:s, :t)"), {"s": SENDER, "t": datetime(2026, 1, 1)})
        conn.execute(sa.text("INSERT INTO sms_message_seen VALUES ('h1', :t, 'an old reply')"),
                     {"t": datetime.utcnow()})
    engine.dispose()


def columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url, future=True)
    try:
        return {column["name"] for column in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def assert_upgraded_with_rows_kept(registry_url: str, channels_url: str) -> None:
    # Serving processes refuse the old schema with one line naming the command.
    with pytest.raises(SchemaError, match=re.escape(OLD_LINE)):
        Registry(registry_url)
    with pytest.raises(SchemaError, match=re.escape(OLD_LINE)):
        ChannelStore(channels_url)

    lines = migrate_all({"NAVIGATOR_DATABASE_URL": registry_url, "NAVIGATOR_CHANNEL_DATABASE_URL": channels_url})
    # Stamped (its tables are the baseline's), then upgraded.
    assert lines == ["the registry store is at r0002_listing_reports (was r0001_baseline)",
                     "the SMS store is at c0002_replies_apart (was c0001_baseline)"]

    registry = Registry(registry_url)  # now current: no refusal
    with registry.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM organization")).scalars().all() == ["Kept"]
    registry.engine.dispose()
    store = ChannelStore(channels_url)
    assert store.is_suppressed(SENDER)  # the STOP list survived
    assert store.seen_seconds_ago("never") is None
    store.store_reply("SM1", SENDER, "<Response/>")
    assert store.reply_for("SM1") == "<Response/>"
    store.engine.dispose()
    assert "reply" not in columns(channels_url, "sms_message_seen")  # reply texts are not kept past migration

    # Again: nothing left to do.
    assert migrate_all({"NAVIGATOR_DATABASE_URL": registry_url, "NAVIGATOR_CHANNEL_DATABASE_URL": channels_url}) == [
        "the registry store is at r0002_listing_reports", "the SMS store is at c0002_replies_apart"]


@pytest.mark.parametrize("with_reply_table", [False, True], ids=["before-sms_reply", "today"])
def test_sqlite_stores_made_by_create_all_are_stamped_and_upgraded_with_their_rows(tmp_path, with_reply_table):
    registry_url, channels_url = f"sqlite:///{tmp_path / 'registry.db'}", f"sqlite:///{tmp_path / 'channels.db'}"
    old_registry(registry_url)
    old_channels(channels_url, with_reply_table=with_reply_table)
    assert_upgraded_with_rows_kept(registry_url, channels_url)


@pytest.mark.parametrize("with_reply_table", [False, True], ids=["before-sms_reply", "today"])
def test_postgres_stores_made_by_create_all_are_stamped_and_upgraded_with_their_rows(postgres, with_reply_table):
    registry_url = postgres.create_database(f"old_registry_{int(with_reply_table)}")
    channels_url = postgres.create_database(f"old_channels_{int(with_reply_table)}")
    old_registry(registry_url)
    old_channels(channels_url, with_reply_table=with_reply_table)
    assert_upgraded_with_rows_kept(registry_url, channels_url)


def test_both_stores_may_share_one_postgres_database(postgres):
    url = postgres.create_database("shared_stores")
    assert migrate_all({"NAVIGATOR_DATABASE_URL": url, "NAVIGATOR_CHANNEL_DATABASE_URL": url}) == [
        "the registry store is at r0002_listing_reports (was empty)",
        "the SMS store is at c0002_replies_apart (was empty)"]
    Registry(url).engine.dispose()
    ChannelStore(url).engine.dispose()


def migrate_process(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot.migrate"], cwd=ROOT, env=dict(os.environ, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("old", [False, True], ids=["empty", "made-by-create_all"])
def test_two_processes_migrating_one_postgres_database_at_once_end_with_one_schema_and_no_error(postgres, old):
    """Two replicas' start scripts running `python -m bot.migrate` together (issue 21: the second crashed on
    `UniqueViolation ... (typname, typnamespace)` when both ran create_all)."""
    for attempt in range(3):
        registry_url = postgres.create_database(f"race_registry_{int(old)}_{attempt}")
        channels_url = postgres.create_database(f"race_channels_{int(old)}_{attempt}")
        if old:
            old_registry(registry_url)
            old_channels(channels_url, with_reply_table=False)
        env = {"NAVIGATOR_DATABASE_URL": registry_url, "NAVIGATOR_CHANNEL_DATABASE_URL": channels_url}
        processes = [migrate_process(env) for _ in range(2)]
        outputs = [process.communicate(timeout=120) for process in processes]
        assert [process.returncode for process in processes] == [0, 0], outputs
        assert all(not stderr.strip() for _, stderr in outputs), outputs
        for url, store in ((registry_url, migrations.REGISTRY), (channels_url, migrations.CHANNELS)):
            engine = sa.create_engine(url, future=True)
            with engine.connect() as conn:
                assert conn.execute(sa.text(f"SELECT version_num FROM {store.version_table}")).scalars().all() == \
                    [migrations.head(store)]
            engine.dispose()
        # For each store exactly one of them did the work; the other found it done.
        lines = [line for stdout, _ in outputs for line in stdout.splitlines()]
        # (A registry made by create_all is only stamped: it is at the baseline and was already.)
        for store in ("SMS",) if old else ("registry", "SMS"):
            assert len([line for line in lines if f"the {store} store" in line and "(was" in line]) == 1, lines
        if old:
            assert ChannelStore(channels_url).is_suppressed(SENDER)
            assert "reply" not in columns(channels_url, "sms_message_seen")


def production_env(registry_url: str, channels_url: str, tracker_url: str) -> dict:
    return {"NAVIGATOR_MODE": "production", "NAVIGATOR_DATABASE_URL": registry_url,
            "NAVIGATOR_CHANNEL_DATABASE_URL": channels_url, "NAVIGATOR_TRACKER_DATABASE_URL": tracker_url,
            "NAVIGATOR_REDIS_URL": "redis://127.0.0.1:1/0", "NAVIGATOR_RASA_TOKEN": "t" * 32,
            "NAVIGATOR_SENDER_KEY": "00ff", "NAVIGATOR_WIDGET_SECRET": "w" * 32,
            "NAVIGATOR_WIDGET_ORIGINS": "https://health.example.gov"}


def run_one_line(args: list[str], env: dict, expected_code: int) -> str:
    """Run a command that must fail: its error is one line, not a traceback."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == expected_code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr.strip()


def test_a_production_launch_on_an_old_schema_refuses_with_one_line(postgres):
    registry_url, channels_url = postgres.create_database("launch_registry"), postgres.create_database("launch_sms")
    old_registry(registry_url)
    old_channels(channels_url, with_reply_table=True)
    env = production_env(registry_url, channels_url, postgres.url("launch_conversations"))
    line = run_one_line(["-m", "bot.run", "--only", "actions"], env, 2)
    assert line == f"the registry database {OLD_LINE}"
    migrate_all(env)
    old_channels_url = postgres.create_database("launch_sms_old")
    old_channels(old_channels_url, with_reply_table=False)
    line = run_one_line(["-m", "bot.run", "--only", "actions,rasa", "--model", __file__],
                        dict(env, NAVIGATOR_CHANNEL_DATABASE_URL=old_channels_url), 2)
    assert line == f"the SMS database {OLD_LINE}"


def test_database_errors_reach_the_operator_as_one_line(postgres):
    nowhere = "postgresql://navigator:secret-password@127.0.0.1:1/navigator"
    line = run_one_line(["-m", "bot.migrate"], {"NAVIGATOR_DATABASE_URL": nowhere,
                                                "NAVIGATOR_CHANNEL_DATABASE_URL": nowhere}, 1)
    assert line.startswith("bot.migrate: the registry store: the database postgresql://navigator:***@127.0.0.1:1/")
    assert "secret-password" not in line and "Connection refused" in line
    line = run_one_line(["-m", "providers.cli", "--database", nowhere, "import"], {}, 1)
    assert line.startswith("providers: the database postgresql://navigator:***@127.0.0.1:1/navigator: ")
    env = production_env(nowhere, nowhere, postgres.url("elsewhere"))
    line = run_one_line(["-m", "bot.run", "--only", "actions"], env, 2)
    assert line.startswith("the registry store: the database postgresql://navigator:***@") and "refused" in line


def deploy_guide_sql() -> list[tuple[str | None, list[str]]]:
    """The least-privilege statements of docs/deploy.md, as (database to connect to, statements) runs."""
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Set up the databases"):]
    block = section[section.index("```sql\n") + 7:section.index("\n```", section.index("```sql\n"))]
    runs: list[tuple[str | None, list[str]]] = [(None, [])]
    for chunk in re.split(r"^(\\connect \w+)$", block, flags=re.M):
        if chunk.startswith("\\connect"):
            runs.append((chunk.split()[1], []))
        else:
            runs[-1][1].extend(statement.strip() for statement in chunk.split(";") if statement.strip())
    return runs


def test_the_deploy_guides_least_privilege_statements_migrate_as_owner_and_serve_as_a_role_that_cannot_create(
        postgres):
    runs = deploy_guide_sql()
    assert [database for database, _ in runs] == [None, "navigator", "navigator_sms"]
    for database, statements in runs:
        engine = sa.create_engine(postgres.url(database or "postgres"), isolation_level="AUTOCOMMIT", future=True)
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
        engine.dispose()

    owner = {"NAVIGATOR_DATABASE_URL": postgres.url("navigator", user="navigator_owner"),
             "NAVIGATOR_CHANNEL_DATABASE_URL": postgres.url("navigator_sms", user="navigator_owner")}
    app = {"NAVIGATOR_DATABASE_URL": postgres.url("navigator", user="navigator_app"),
           "NAVIGATOR_CHANNEL_DATABASE_URL": postgres.url("navigator_sms", user="navigator_app")}

    # The runtime role cannot make the schema (PostgreSQL 15's `public`): one line, as issue 21 asked.
    line = run_one_line(["-m", "bot.migrate"], app, 1)
    assert line.startswith("bot.migrate: the registry store: the database postgresql://navigator_app@")
    assert line.endswith("permission denied for schema public")

    assert migrate_all(owner)[0] == "the registry store is at r0002_listing_reports (was empty)"
    done = subprocess.run([sys.executable, "-m", "providers.cli", "--database", owner["NAVIGATOR_DATABASE_URL"],
                           "import"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr

    # Serving as the runtime role: the registry reads, the SMS store reads and writes rows.
    registry = Registry(app["NAVIGATOR_DATABASE_URL"])
    found = registry.search("19134", ["medication:methadone"]).results
    # ...and keeps what people report and what navigators find (providers.reports).
    assert registry.report_problem(found[0].id, "wrong_phone", "sms")
    registry.review(found[0].id, "new_phone", "Test County", phone="215-555-0199")
    assert registry.listing(found[0].id).phone == "215-555-0199"
    registry.engine.dispose()
    store = ChannelStore(app["NAVIGATOR_CHANNEL_DATABASE_URL"])
    store.suppress(SENDER)
    assert store.is_suppressed(SENDER)
    assert store.claim("SM1") and not store.claim("SM1")
    store.store_reply("SM1", SENDER, "<Response/>")
    store.forget(SENDER)
    store.purge()
    store.unsuppress(SENDER)
    store.engine.dispose()

    # ...and can change no schema: not create a table, not alter one.
    for url in app.values():
        engine = sa.create_engine(url, future=True)
        for ddl in ("CREATE TABLE intruder (id integer)", "ALTER TABLE alembic_version_registry ADD COLUMN x integer"
                    if "sms" not in url else "ALTER TABLE sms_suppression ADD COLUMN x integer"):
            with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be"):
                conn.execute(sa.text(ddl))
        engine.dispose()
    # Rasa's own table: the conversations' database is the runtime role's.
    engine = sa.create_engine(postgres.url("navigator_conversations", user="navigator_app"), future=True)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE events (id serial PRIMARY KEY)"))
    engine.dispose()
