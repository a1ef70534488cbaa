"""What the privacy answer says is kept is what the conversation store holds (issue 19, finding 3):
a conversation through the trained assistant and the real store, then the database file itself."""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

import sqlalchemy as sa

from bot.actions import search

SENDER = "kept-test"
# Words only the person wrote: none may be stored, in a row or anywhere in the file.
PRIVATE_WORDS = ("scared", "mom", "zzprivatezz")


def stored_rows(agent) -> list[dict]:
    store = agent.tracker_store._tracker_store
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"), {"s": SENDER})
        return [json.loads(data) for (data,) in rows]


def file_bytes(agent) -> bytes:
    store = agent.tracker_store._tracker_store
    path = store.engine.url.database
    return b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))


async def say(agent, text: str) -> str:
    return "\n".join(m.get("text") or "" for m in await agent.handle_text(text, sender_id=SENDER))


async def test_the_store_keeps_the_choices_not_the_words_as_the_privacy_answer_says(in_process_assistant,
                                                                                     monkeypatch):
    agent = in_process_assistant
    # Daytime, so the open-now line below comes from "tonight" said a turn before the results.
    monkeypatch.setattr(search, "clock", lambda: datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc))
    await say(agent, "im scared my mom will find out zzprivatezz. need bupe near 15213 tonight")
    results = await say(agent, "no insurance")
    assert re.search(r"^1\. ", results, re.M), results
    assert re.search(r"Hours aren't listed|No hours listed", results)  # "tonight" remembered without its words

    privacy = await say(agent, "what do you keep about me")
    assert "not your words" in privacy and "24 hours after your last" in privacy
    rows = stored_rows(agent)
    users = [row for row in rows if row["event"] == "user"]
    assert users and all(row["text"] is None and "text" not in row["parse_data"] for row in users)
    assert all(row["parse_data"]["intent"]["name"] for row in users)  # what was understood stays
    slots = {row["name"]: row["value"] for row in rows if row["event"] == "slot"}
    assert slots.get("medication") == "buprenorphine" and slots.get("payment") == "uninsured"
    replies = [row["text"] for row in rows if row["event"] == "bot"]
    assert not any(text and "15213" in text for text in replies)  # no reply with listings
    on_disk = file_bytes(agent).lower()
    for word in PRIVATE_WORDS:
        assert word.encode() not in on_disk and all(word not in str(row).lower() for row in rows)

    await say(agent, "forget me")
    assert stored_rows(agent) == []
