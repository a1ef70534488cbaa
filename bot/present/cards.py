"""Listings as the web widget's cards: each field is text the widget renders as text, never
as HTML; phone numbers and addresses come with the links a tap needs."""
from __future__ import annotations

import re
from urllib.parse import quote_plus

from bot.present.catalogue import payload, text
from bot.present.listings import Page, address_text, health_center_line, requested_labels
from providers.search import Result


def tel_link(number: str | None) -> str | None:
    """A tap-to-call link for a US number: tel:+12155550100, tel:988."""
    if not number:
        return None
    digits = re.sub(r"\D", "", re.split(r"ext|x", number, flags=re.I)[0])  # "(800) 996-1051 ext. 3850"
    if len(digits) == 10:
        return f"tel:+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"tel:+{digits}"
    if 3 <= len(digits) <= 6:
        return f"tel:{digits}"
    return None


def map_link(address: str) -> str:
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


def listing_card(n: int, r: Result) -> dict:
    # A map link only to a street address: a town's middle is not where the place is.
    return {
        "n": n, "id": r.id, "name": r.name, "miles": r.miles, "phone": r.phone, "tel": tel_link(r.phone),
        "address": address_text(r), "map_url": map_link(r.address_line) if r.address_line else None,
        "for_veterans": text("listing_for_veterans") if r.for_veterans else None,
        "matched": requested_labels(r.matched),
        "ask_about": requested_labels(r.unknown) + requested_labels(r.missing),
        "source": r.source_line, "url": r.card.get("url"),
        "warning": text("reported_closed_warning") if r.reported_closed else None,
        # Sends the report with this listing's number; the reasons then come as buttons.
        "report": {"title": text("button_report"), "payload": payload("report_problem", {"number": str(n)})},
    }


def health_center_card(r: Result) -> dict:
    """A health center offered beside few medication listings: its own line, never a listing's "matched"."""
    return {"id": r.id, "name": r.name, "miles": r.miles, "phone": r.phone, "tel": tel_link(r.phone),
            "address": address_text(r), "map_url": map_link(r.address_line) if r.address_line else None,
            "line": health_center_line(r), "source": r.source_line}


def page_cards(page: Page) -> dict:
    """The widget's payload for one page of results: the cards (each with its Details button), and
    buttons for more places and a new search where SMS says "MORE" and "NEW"."""
    buttons = [{"title": text("button_more"), "payload": payload("more_results")}] if page.has_more else []
    buttons.append({"title": text("button_new_search"), "payload": payload("new_search")})
    return {"type": "listings", "intro": page.intro,
            "listings": [listing_card(n, r) for n, r in page.listings],
            "health_centers": [health_center_card(r) for r in page.health_centers],
            "extras": page.extras, "footer": text("footer_cards") if page.listings else None,
            "buttons": buttons}
