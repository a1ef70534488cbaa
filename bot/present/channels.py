"""What a reply may carry on the channel a message came in on.

A channel that can show more than text says so on each message it passes to Rasa, in the
message's metadata (`ReplyCapabilities.as_metadata`); the actions read it back from the conversation
(`reply_capabilities`) and choose the form of their reply. A channel that says nothing (SMS,
REST, `rasa shell`) gets text.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

METADATA_KEY = "reply_capabilities"


@dataclass(frozen=True)
class ReplyCapabilities:
    cards: bool = False  # listings as cards (the web widget draws them)

    def as_metadata(self) -> dict[str, Any]:
        return {METADATA_KEY: asdict(self)}


TEXT_ONLY = ReplyCapabilities()


def reply_capabilities(events: Iterable[Mapping[str, Any]]) -> ReplyCapabilities:
    """What the channel of the latest message said it can show."""
    for event in reversed(list(events)):
        if event.get("event") == "user":
            declared = (event.get("metadata") or {}).get(METADATA_KEY) or {}
            return ReplyCapabilities(cards=declared.get("cards") is True)
    return TEXT_ONLY
