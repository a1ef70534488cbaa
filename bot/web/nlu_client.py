"""Reads a navigator's one-line query ("bup walk-in medicaid 19134") through Rasa's
/model/parse: the place it names, its entities as vocabulary terms (bot.vocabulary), and the
intent. Rasa down, slow or refusing the token is a 502 naming `q`, never a crash."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.vocabulary import entity_terms
from bot.web.errors import ApiError
from bot.web.state import HTTP_CLIENT, SETTINGS
from providers import taxonomy

RASA_DOWN_MESSAGE = (
    "The assistant's language server (Rasa) could not read q. Search with the filter fields "
    "(place, medication, payment, ...) instead, or try again in a minute."
)


@dataclass(frozen=True)
class ParsedQuery:
    """What Rasa's NLU read in a one-line query."""

    terms: tuple[str, ...]
    location: str | None
    intent: str | None


async def parse_query(app: web.Application, text: str) -> ParsedQuery:
    settings = app[SETTINGS]
    try:
        async with app[HTTP_CLIENT].post(f"{settings.rasa_url}/model/parse", params={"token": settings.rasa_token},
                                         json={"text": text},
                                         timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout_seconds)) as answer:
            if answer.status != 200:
                raise ApiError(502, f"{RASA_DOWN_MESSAGE} (Rasa answered {answer.status})", "q")
            parsed = await answer.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        raise ApiError(502, RASA_DOWN_MESSAGE, "q") from None
    terms: list[str] = []
    location = None
    for entity in parsed.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if not isinstance(value, str):
            continue
        if name == "location" and location is None:
            location = value
        elif name in taxonomy.FACETS:
            terms.extend(entity_terms(name, value))
    intent = (parsed.get("intent") or {}).get("name")
    return ParsedQuery(tuple(dict.fromkeys(terms)), location, intent)
