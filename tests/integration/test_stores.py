"""The stores production runs on, against real servers: the registry and the conversation store
in PostgreSQL (the same answers as SQLite, with PostGIS or without), retention on both, and the
lock in Redis that keeps one conversation's turns in order across Rasa replicas."""
from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import zipcodes
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server.lock_store import RedisURLLockStore
from bot.rasa_server.tracker_store import FORGET_ACTION, PrivateSQLTrackerStore
from bot.senders import ChannelStore
from providers import db, search
from providers.registry import Registry
from providers.taxonomy import Filters

ROOT = Path(__file__).resolve().parents[2]
FILTER_CHOICES = [(), ("medication:buprenorphine",), ("medication:methadone",), ("medication:naltrexone",),
                  ("medication:buprenorphine", "payment:medicaid"), ("need:harm_reduction",),
                  ("medication:methadone", "payment:self_pay"), ("setting:residential",)]


# --- the registry --------------------------------------------------------------------------------

def test_postgres_holds_the_same_registry_as_sqlite(national_registry, postgres_registry):
    assert postgres_registry.stats() == national_registry.stats()


def random_searches(n: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    codes = [z["zip_code"] for z in zipcodes.list_all() if z["lat"] and z["zip_code_type"] == "STANDARD"]
    return [(rng.choice(codes), rng.choice(FILTER_CHOICES), rng.choice([1, 1, 2])) for _ in range(n)]


def assert_same_answers(registry: Registry, reference: Registry, searches: list[tuple]) -> None:
    for zip_code, terms, page in searches:
        expected = reference.search(zip_code, Filters.of(*terms), page=page)
        answer = registry.search(zip_code, Filters.of(*terms), page=page)
        assert [(r.id, r.miles, r.matched) for r in answer.results] == \
               [(r.id, r.miles, r.matched) for r in expected.results], (zip_code, terms, page)
        assert [r.id for r in answer.national] == [r.id for r in expected.national]
        assert (answer.widened, answer.has_more, answer.radius_miles, answer.relaxed) == \
               (expected.widened, expected.has_more, expected.radius_miles, expected.relaxed), (zip_code, terms, page)


def test_postgres_answers_every_search_as_sqlite_does(postgres, national_registry, postgres_registry):
    postgres.require_postgis()
    # From 90069 the 4th methadone program is 5.0 miles away, just past the first box: both searches must
    # look past that box, to the same radius, and count it as more.
    assert_same_answers(postgres_registry, national_registry,
                        [("90069", ("medication:methadone",), 1)] + random_searches(60, seed=11))
    assert postgres_registry.searcher.postgis  # nearest first from the PostGIS index, not bounding boxes


def test_with_postgis_a_search_reads_the_nearest_listings_from_its_gist_index(postgres, postgres_registry):
    postgres.require_postgis()
    postgres_registry.search("19134", ["medication:methadone"])
    assert postgres_registry.searcher.postgis
    with postgres_registry.engine.connect() as conn:
        conn.execute(sa.text("ANALYZE listing_term"))  # the plan once autovacuum has run, not only a fresh table's
        for term in ("*", "medication:methadone"):
            plan = "\n".join(conn.execute(sa.text("EXPLAIN " + search._NEAREST_FIRST.text),
                                          {"term": term, "lat": 39.99, "lng": -75.09, "n": 16}).scalars())
            assert f"Index Scan using {db.POINT_INDEX}" in plan and "Order By" in plan, plan


def test_without_postgis_postgres_answers_as_with_it(postgres, postgres_registry):
    """A role that may not create PostGIS (as on many managed databases) gets bounding boxes, the same answers."""
    postgres.require_postgis()  # the answers compared with are read through PostGIS
    admin = sa.create_engine(postgres.url(), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE ROLE plain LOGIN"))
        conn.execute(sa.text("CREATE DATABASE registry_plain OWNER plain"))
    admin.dispose()
    registry = Registry(postgres.url("registry_plain", user="plain"), migrate=True)
    registry.import_sources()
    with registry.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")).scalar() == 0
    assert_same_answers(registry, postgres_registry, random_searches(40, seed=12))
    assert registry.searcher.postgis is False
    registry.engine.dispose()


def test_methadone_from_19134_on_postgres_is_certified_programs_nearest_first(postgres_registry):
    result = postgres_registry.search("19134", ["medication:methadone"], page_size=10)
    assert len(result.results) == 10
    assert all("setting:otp" in r.terms for r in result.results)
    miles = [r.miles for r in result.results]
    assert miles == sorted(miles) and miles[0] < 3


# --- the conversation store ----------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_endpoint(request, tmp_path) -> dict:
    """The tracker store's endpoint settings, on each database a deployment can use."""
    if request.param == "sqlite":
        return {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    postgres = request.getfixturevalue("postgres")
    return {"dialect": "postgresql", "url": postgres.create_database(f"tracker_{tmp_path.name[-12:].lower()}")}


def open_store(endpoint: dict, **options) -> PrivateSQLTrackerStore:
    """The store as Rasa builds it from those settings (endpoints.yml's `url` is its `host`)."""
    settings = {("host" if key == "url" else key): value for key, value in endpoint.items()}
    return PrivateSQLTrackerStore(Domain.empty(), **settings, **options)


def conversation(sender: str, at: float) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(UserUttered("need subs near 19134", {"name": "find_treatment"}, timestamp=at))
    tracker.update(BotUttered("Here are 3 places near Philadelphia, PA.", timestamp=at + 0.5))
    return tracker


async def test_a_saved_conversation_comes_back_without_its_words_and_forget_me_deletes_it(tracker_endpoint):
    store = open_store(tracker_endpoint)
    await store.save(conversation("kept", time.time()))
    await store.save(conversation("forgets", time.time()))
    kept = (await store.retrieve("kept")).events
    assert [(e.text, e.intent_name) for e in kept if isinstance(e, UserUttered)] == [(None, "find_treatment")]
    assert [e.text for e in kept if isinstance(e, BotUttered)] == [None]  # a reply with listings

    forgets = await store.retrieve("forgets")
    forgets.update(UserUttered("forget me", {"name": "forget_me"}))
    forgets.update(ActionExecuted(FORGET_ACTION))
    await store.save(forgets)

    assert await store.retrieve("forgets") is None
    assert await store.retrieve("kept") is not None


def test_the_retention_command_deletes_idle_conversations_and_keeps_recent_ones(tracker_endpoint, tmp_path):
    # A store that has not purged lately, as after a quiet night without turns.
    store = open_store(tracker_endpoint, purge_every_seconds=float("inf"))
    now = time.time()
    asyncio.run(store.save(conversation("two-days-ago", now - 48 * 3600)))
    asyncio.run(store.save(conversation("an-hour-ago", now - 3600)))
    assert asyncio.run(store.retrieve("two-days-ago")) is not None
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore\n"
                         + "".join(f"  {key}: {value}\n" for key, value in tracker_endpoint.items()))

    sms_store = f"sqlite:///{tmp_path / 'channels.db'}"

    def retention() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.rasa_server.retention", "--endpoints", str(endpoints)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={"NAVIGATOR_RETENTION_HOURS": "24", "NAVIGATOR_CHANNEL_DATABASE_URL": sms_store,
                                   "PATH": "/usr/bin:/bin"})

    # Before `python -m bot.migrate` has made the SMS store: conversations are deleted all the same,
    # and the run fails with one line that says what to do.
    done = retention()
    assert done.returncode == 1
    assert done.stderr.strip() == ("SMS store not purged: the SMS database schema is older than the code: "
                                   "run `python -m bot.migrate`"), done.stderr
    assert "deleted 1 conversations idle longer than 24 hours" in done.stdout
    assert asyncio.run(store.retrieve("two-days-ago")) is None
    assert asyncio.run(store.retrieve("an-hour-ago")) is not None

    ChannelStore(sms_store, migrate=True).engine.dispose()
    done = retention()
    assert done.returncode == 0, done.stderr
    assert "deleted 0 conversations idle longer than 24 hours" in done.stdout


async def test_saving_a_turn_also_deletes_conversations_past_the_window(tracker_endpoint):
    store = open_store(tracker_endpoint)
    await store.save(conversation("two-days-ago", time.time() - 48 * 3600))
    await store.save(conversation("now", time.time()))
    assert await store.retrieve("two-days-ago") is None
    assert await store.retrieve("now") is not None


def test_the_production_endpoints_file_reads_its_urls_from_the_environment(postgres, redis_server, monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("NAVIGATOR_ACTIONS_URL", "http://localhost:5055/webhook")
    monkeypatch.setenv("NAVIGATOR_TRACKER_DATABASE_URL", postgres.create_database("tracker_production"))
    monkeypatch.setenv("NAVIGATOR_REDIS_URL", redis_server.url)
    endpoints = str(ROOT / "endpoints.production.yml")

    tracker_store = TrackerStore.create(read_endpoint_config(endpoints, "tracker_store"))
    lock_store = LockStore.create(read_endpoint_config(endpoints, "lock_store"))

    assert isinstance(tracker_store, PrivateSQLTrackerStore)
    assert tracker_store.engine.dialect.name == "postgresql"
    assert isinstance(lock_store, RedisURLLockStore)
    assert lock_store.red.ping()


# --- the lock ------------------------------------------------------------------------------------

async def test_two_replicas_take_turns_on_one_conversation_through_redis(redis_server):
    """Two lock stores, as in two Rasa replicas: the second waits until the first has finished."""
    first = RedisURLLockStore(EndpointConfig(url=redis_server.url))
    second = RedisURLLockStore(EndpointConfig(url=redis_server.url))
    order: list[str] = []

    async def turn(store, name, hold):
        async with store.lock("sms-one-phone", wait_time_in_seconds=0.01):
            order.append(f"{name} starts")
            await asyncio.sleep(hold)
            order.append(f"{name} ends")

    first_turn = asyncio.create_task(turn(first, "first", 0.3))
    await asyncio.sleep(0.05)
    await asyncio.gather(first_turn, turn(second, "second", 0))

    assert order == ["first starts", "first ends", "second starts", "second ends"]


def test_the_retention_job_needs_only_the_conversation_stores_settings(tmp_path):
    """As compose and the systemd timer run it: production's endpoints file, no action server URL."""
    base = {"PATH": "/usr/bin:/bin", "NAVIGATOR_MODE": "production",
            "NAVIGATOR_CHANNEL_DATABASE_URL": f"sqlite:///{tmp_path / 'channels.db'}"}
    job = [sys.executable, "-m", "bot.rasa_server.retention"]
    ChannelStore(base["NAVIGATOR_CHANNEL_DATABASE_URL"], migrate=True).engine.dispose()  # `python -m bot.migrate`
    done = subprocess.run(job, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**base, "NAVIGATOR_TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}"})
    assert done.returncode == 0, done.stderr
    assert "deleted 0 conversations idle longer than 24 hours" in done.stdout
    unset = subprocess.run(job, cwd=ROOT, capture_output=True, text=True, timeout=120, env=base)
    assert unset.returncode != 0 and "set NAVIGATOR_TRACKER_DATABASE_URL" in unset.stderr
    assert "Traceback" not in unset.stderr
