"""Delete every conversation idle longer than the retention window, and SMS replies and message
ids past theirs (bot.senders), now.

    NAVIGATOR_RETENTION_HOURS=24 python -m bot.rasa_server.retention [--endpoints endpoints.production.yml]

The Rasa server also does this by itself every five minutes (bot.rasa_server.patches.housekeeping);
run this from cron or a systemd timer (docs/deploy.md) as well, so nothing outlives the window
while no Rasa server runs. Prints how many conversations were deleted.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot import quiet_start

quiet_start.apply()  # before Rasa and SQLAlchemy load: a timer's journal shows what the job did, no notices

import yaml  # noqa: E402
from rasa.core.tracker_store import TrackerStore  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402

from bot import files, settings  # noqa: E402
from bot.rasa_server.tracker_store import PrivateSQLTrackerStore  # noqa: E402
from bot.senders import ChannelStore  # noqa: E402
from providers.migrations import SchemaError  # noqa: E402


def default_endpoints() -> Path:
    return files.path("endpoints.production.yml" if settings.production() else "endpoints.yml")


def tracker_store(endpoints: Path) -> PrivateSQLTrackerStore:
    """The conversation store the endpoints file names. Only its `tracker_store` section is read, so
    the job needs no setting of the servers' other sections (the action server's URL)."""
    section = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store")
    if not section:
        raise SystemExit(f"{endpoints}: no tracker_store section")
    try:
        config = EndpointConfig.from_dict(settings.expand_variables(section))
    except ValueError as missing:
        raise SystemExit(f"{endpoints}: the tracker store needs its settings: {missing}") from None
    store = TrackerStore.create(config)
    if not isinstance(store, PrivateSQLTrackerStore):
        raise SystemExit(f"{endpoints}: the tracker store is not bot.rasa_server.tracker_store.PrivateSQLTrackerStore")
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=Path, default=None)
    args = parser.parse_args(argv)
    store = tracker_store(args.endpoints or default_endpoints())
    deleted = asyncio.run(store.delete_idle())
    print(f"deleted {deleted} conversations idle longer than {store.retention_seconds / 3600:g} hours")
    try:
        ChannelStore().purge()
    except SchemaError as error:  # conversations are deleted all the same; the timer's run shows as failed
        print(f"SMS store not purged: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
