"""What a reply may carry on the channel a message came in on.

A channel that can show more than text says so on each message it passes to Rasa, in the
message's metadata (`ReplyCapabilities.as_metadata`); the actions read it back from the conversation
(`reply_capabilities`) and choose the form of their reply. A channel that says nothing (SMS,
REST, `rasa shell`) gets text.
"""
from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from bot.present import catalogue, national

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


# --- the widget's wording ----------------------------------------------------------------------
#
# Texts written for SMS say "Reply with a number", "Text HELP" or "Text NEW": on the web page a
# person taps buttons instead. The catalogue keeps the widget's wording of such a text under
# "web_" + its key; the widget's output channel (bot/rasa_server/channels/socketio_secure.py)
# passes every text it sends through `web_text`, so the actions and the responses rules send
# (domain/responses.yml) stay the same for every channel.

WEB_PREFIX = "web_"


def web_text(sent: str, language: str = catalogue.DEFAULT_LANGUAGE) -> str:
    """The widget's wording of a catalogue text, with the values it was filled with; any other text as it is."""
    for key, pattern in _web_patterns(language):
        match = pattern.fullmatch(sent)
        if match:
            return catalogue.text(WEB_PREFIX + key, language, **match.groupdict())
    return sent


@cache
def _web_patterns(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    texts = catalogue.catalogue(language)
    return tuple((key, _pattern(template)) for key, template in texts.items()
                 if not key.startswith(WEB_PREFIX) and WEB_PREFIX + key in texts)


def _pattern(template: str) -> re.Pattern[str]:
    """A regular expression that matches the template filled in: the national lines' numbers as they
    are, any other placeholder as a named group."""
    numbers = national.numbers()
    parts, seen = [], set()
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field in numbers:
            parts.append(re.escape(str(numbers[field])))
        elif field in seen:
            parts.append(f"(?P={field})")
        else:
            seen.add(field)
            parts.append(f"(?P<{field}>.*?)")
    return re.compile("".join(parts), re.DOTALL)
