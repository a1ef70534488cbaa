"""A search result as the web API's JSON (`GET /api/search`, described in bot/web's OpenAPI
document): the same listings, sources and dates as the assistant's replies, as data."""
from __future__ import annotations

from typing import Protocol

from bot.present.cards import health_center_card, listing_card, tel_link
from providers import taxonomy
from providers.search import Result, SearchResult, format_checked


class Understood(Protocol):
    """What the assistant's NLU read in a one-line query."""

    @property
    def terms(self) -> tuple[str, ...]: ...

    @property
    def location(self) -> str | None: ...

    @property
    def intent(self) -> str | None: ...


def term_labels(term_ids) -> list[dict]:
    return [{"id": t, "label": taxonomy.BY_ID[t].label} for t in term_ids]


def listing_json(n: int, result: Result) -> dict:
    card = listing_card(n, result)
    del card["report"]  # the widget's chat payload (a Rasa intent): no use to a caller of the search API
    card["sources"] = [{"label": source["label"], "checked": source.get("checked"),
                        "checked_label": format_checked(source.get("checked"))} for source in result.card["sources"]]
    # People reported it closed on two days and no navigator has checked yet (providers.reports).
    card["reported_closed"] = result.reported_closed
    return card


def service_json(result: Result) -> dict:
    return {"id": result.id, "name": result.name, "phone": result.phone, "tel": tel_link(result.phone),
            "text": result.text_number,
            "how_to_start": result.card.get("how_to_start") or result.card.get("description"),
            "url": result.card.get("url"), "source": result.source_line}


def search_json(result: SearchResult, understood: Understood | None) -> dict:
    first = (result.page - 1) * result.page_size + 1
    place = result.place
    body = {
        "place": {"name": place.display_name, "precision": place.precision, "latitude": round(place.latitude, 5),
                  "longitude": round(place.longitude, 5)},
        "filters": term_labels(sorted(result.filters.terms)),
        "page": result.page, "page_size": result.page_size, "has_more": result.has_more,
        "radius_miles": result.radius_miles, "widened": result.widened, "beyond": result.beyond,
        "relaxed": term_labels(result.relaxed),
        "listings": [listing_json(n, r) for n, r in enumerate(result.results, start=first)],
        # Few medication listings near: health centers, apart from the listings and never counted among them.
        "health_centers": [health_center_card(r) for r in result.health_centers],
        "virtual": [service_json(r) for r in result.virtual],
        "national": [service_json(r) for r in result.national],
    }
    if understood is not None:
        body["understood"] = {"place": understood.location, "filters": term_labels(understood.terms),
                              "intent": understood.intent}
    return body
