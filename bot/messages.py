"""What the custom actions say, from bot/messages.yml.

Texts that rules send live in domain.yml; Rasa treats every response there as an
action a story must use, so the ones only actions send live here instead.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml
from rasa_sdk.executor import CollectingDispatcher

MESSAGES_FILE = Path(__file__).with_name("messages.yml")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def text(key: str, **values) -> str:
    return catalogue()[key]["text"].format_map(_Blank(values))


def buttons(key: str) -> list[dict]:
    return list(catalogue()[key].get("buttons", []))


def say(dispatcher: CollectingDispatcher, key: str, buttons_: list[dict] | None = None, **values) -> None:
    dispatcher.utter_message(text=text(key, **values), buttons=buttons_ if buttons_ is not None else buttons(key))


def payload(intent: str, entities: dict[str, str] | None = None) -> str:
    """A button's payload in Rasa's form, "/intent{"entity": "value"}": a tap sends it as the
    message, and Rasa reads the intent and entities from it without the classifier."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def read_payload(text: str) -> tuple[str, dict]:
    """The intent and entities of a payload written as `payload` writes them."""
    intent, brace, rest = text.removeprefix("/").partition("{")
    return intent, json.loads(brace + rest) if brace else {}

