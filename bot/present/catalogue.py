"""Every word the assistant says, from one catalogue per language (bot/present/text/<language>.yml).

Texts are filled in with the national lines' numbers (bot.present.national) and with the
values the caller gives; a placeholder nobody fills stays empty rather than showing braces.
Buttons are written in Rasa's payload form, so a tap sends the intent and entities straight
past the classifier.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot import vocabulary
from bot.present import national

TEXT_DIR = Path(__file__).with_name("text")
DEFAULT_LANGUAGE = "en"
DOMAIN_RESPONSE_PREFIX = "utter_"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@cache
def catalogue(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    return yaml.safe_load((TEXT_DIR / f"{language}.yml").read_text(encoding="utf-8"))


def has(key: str, language: str = DEFAULT_LANGUAGE) -> bool:
    return key in catalogue(language)


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    return catalogue(language)[key].format_map(_Blank(national.numbers(), **values))


def payload(intent: str, entities: dict[str, str] | None = None) -> str:
    """A button's payload in Rasa's form, "/intent{"entity": "value"}": a tap sends it as the
    message, and Rasa reads the intent and entities from it without the classifier."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def read_payload(text: str) -> tuple[str, dict]:
    """The intent and entities of a payload written as `payload` writes them."""
    intent, brace, rest = text.removeprefix("/").partition("{")
    return intent, json.loads(brace + rest) if brace else {}


def question_buttons(slot: str, language: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """A form question's numbered choices as buttons, in the vocabulary's order."""
    return [{"title": text(f"choice_{slot}_{value}", language), "payload": payload("inform", {slot: value})}
            for value in vocabulary.QUESTION_CHOICES[slot]]


def say(dispatcher: Any, key: str, buttons: list[dict] | None = None, language: str = DEFAULT_LANGUAGE,
        **values: Any) -> None:
    """Send one catalogue text through a rasa_sdk dispatcher."""
    dispatcher.utter_message(text=text(key, language, **values), buttons=buttons or [])


def domain_responses(language: str = DEFAULT_LANGUAGE) -> dict[str, list[dict[str, str]]]:
    """The responses rules send, as domain/responses.yml holds them."""
    return {key: [{"text": text(key, language)}] for key in catalogue(language)
            if key.startswith(DOMAIN_RESPONSE_PREFIX)}
