"""How listings read: SMS-sized text for text channels (SMS, REST) and cards for the web
widget. Every listing shown says where it came from and when it was last checked.

Text output separates listings with a blank line, so the SMS channel can split a reply
between messages at listing boundaries and never inside one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote_plus

from providers import taxonomy
from providers.search import Result, SearchResult
from providers.taxonomy import Filters

HELPLINE = "SAMHSA helpline 1-800-662-4357 (free, 24/7)"
NEVER_USE_ALONE = "Never Use Alone 1-800-484-3731 stays on the line while you use"
NEXT_DISTRO = "free naloxone by mail at nextdistro.org"
CARD_CHANNELS = {"socketio"}


def wants_cards(input_channel: str | None) -> bool:
    return input_channel in CARD_CHANNELS


def label(term_id: str) -> str:
    return taxonomy.BY_ID[term_id].label


def looking_for(filters: Filters) -> str:
    """What the person asked for, in their words: "buprenorphine (Suboxone)", "naloxone (Narcan)"."""
    for facet in ("medication", "support"):
        terms = filters.by_facet(facet)
        if terms:
            return " or ".join(label(t) for t in terms)
    needs = filters.by_facet("need")
    if needs == ["need:harm_reduction"]:
        return "harm reduction"
    if needs == ["need:recovery_support"]:
        return "recovery support"
    return "treatment"


def tel_link(number: str | None) -> str | None:
    """A tap-to-call link for a US number: tel:+12155550100, tel:988."""
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10:
        return f"tel:+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"tel:+{digits}"
    if 3 <= len(digits) <= 6:
        return f"tel:{digits}"
    return None


def _requested_labels(terms) -> list[str]:
    # Needs are implied by what was asked for; naming them again adds nothing. Several ways of
    # paying (no insurance) read better as one question.
    payments = [t for t in terms if t.startswith("payment:")]
    labels = [label(t) for t in terms if not t.startswith(("need:", "payment:"))]
    if len(payments) > 1:
        labels.append("payment options")
    elif payments:
        labels.append(label(payments[0]))
    return labels


@dataclass(frozen=True)
class Page:
    """One page of results as the assistant says it."""

    intro: str
    listings: list[tuple[int, Result]]  # (number the person replies with, listing)
    footer: str | None
    extras: list[str]  # lines about virtual services and national lines


def page_of(result: SearchResult, first_number: int, harm_reduction_line: str | None = None) -> Page:
    what = looking_for(result.filters)
    where = result.place.display_name
    # Treatment means a place to go; for everything else, what works from anywhere always helps.
    treatment = "need:treatment" in result.filters.terms
    if result.empty and result.virtual:
        intro = f"I don't have {what} listed near {where}. These work from anywhere:"
    elif result.empty:
        intro = f"I couldn't find {what} within {result.radius_miles:g} miles of {where}."
    elif result.relaxed:
        intro = (f"No place near {where} lists {', '.join(label(t) for t in result.relaxed)}. "
                 f"These are the closest for {what}; ask them about it:")
    elif result.widened:
        intro = f"Nothing within 25 miles. The closest for {what}, within {result.radius_miles:g} miles of {where}:"
    else:
        intro = f"Closest for {what} near {where}:"
    numbered = list(enumerate(result.results, start=first_number))
    footer = None
    if numbered:
        last = numbered[-1][0]
        choices = f"{first_number}" if last == first_number else f"{first_number}-{last}"
        footer = f"Reply {choices} for details, " + ("MORE for more, " if result.has_more else "") + \
            "NEW to start over."
    extras = []
    if result.empty or not treatment:
        extras += [virtual_line(r) for r in result.virtual]
    if harm_reduction_line:
        extras.append(harm_reduction_line)
    if result.empty:
        extras.append(f"Help finding more: {HELPLINE}.")
    return Page(intro, numbered, footer, extras)


def virtual_line(r: Result) -> str:
    how = r.card.get("how_to_start") or r.card.get("description") or ""
    return f"{r.name}: {how}".strip()


def listing_text(n: int, r: Result) -> str:
    lines = [f"{n}. {r.name} - {r.miles:.1f} mi" if r.miles is not None else f"{n}. {r.name}"]
    lines.append(f"Call {r.phone}" if r.phone else "No phone listed")
    matched = _requested_labels(r.matched)
    if matched:
        lines.append("Has: " + ", ".join(matched))
    unsure = _requested_labels(r.unknown) + _requested_labels(r.missing)
    if unsure:
        lines.append("Ask about: " + ", ".join(unsure))
    lines.append(r.source_line)
    return "\n".join(lines)


def page_text(page: Page) -> str:
    blocks = [page.intro] + [listing_text(n, r) for n, r in page.listings] + page.extras
    if page.footer:
        blocks.append(page.footer)
    return "\n\n".join(blocks)


def listing_card(n: int, r: Result) -> dict:
    address = r.address_line
    return {
        "n": n, "id": r.id, "name": r.name, "miles": r.miles, "phone": r.phone, "tel": tel_link(r.phone),
        "address": address, "map_url": map_link(address) if address else None,
        "matched": _requested_labels(r.matched),
        "ask_about": _requested_labels(r.unknown) + _requested_labels(r.missing),
        "source": r.source_line, "url": r.card.get("url"),
    }


WEB_FOOTER = "Tap Details on a place to see more. Type MORE for more places, or NEW to start over."


def page_cards(page: Page) -> dict:
    """The widget's payload: it renders every field as text, never as HTML."""
    return {"type": "listings", "intro": page.intro,
            "listings": [listing_card(n, r) for n, r in page.listings],
            "extras": page.extras, "footer": WEB_FOOTER if page.listings else None}


def map_link(address: str) -> str:
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


def details_text(r: Result, medication: str | None, payment_labels: list[str]) -> str:
    """Everything about one listing, and what to say when calling."""
    blocks = [r.name + (f" - {r.miles:.1f} mi" if r.miles is not None else "")]
    contact = []
    if r.address_line:
        contact.append(r.address_line)
    for phone in r.card["phones"]:
        kind = "Text" if phone.get("type") == "text" else "Call"
        note = f" ({phone['description']})" if phone.get("description") else ""
        contact.append(f"{kind} {phone['number']}{note}")
    if not r.card["phones"]:
        contact.append(f"No phone listed. The {HELPLINE} can help you reach them.")
    if r.card.get("url"):
        contact.append(r.card["url"])
    blocks.append("\n".join(contact))
    offered = []
    for facet, heading in (("medication", "Medications"), ("setting", "Care"), ("payment", "Pays with"),
                           ("population", "Programs for"), ("language", "Languages"), ("support", "Also")):
        labels = [label(t) for t in r.card["terms"] if t.startswith(facet + ":")]
        if labels:
            offered.append(f"{heading}: {', '.join(labels)}")
    if not any(t.startswith("payment:") for t in r.card["terms"]):
        offered.append("Payment: not listed, ask when you call")
    blocks.append("\n".join(offered))
    if r.card.get("how_to_start"):
        blocks.append("How to start: " + r.card["how_to_start"])
    blocks.append("When you call, you can say: " + call_script(medication, payment_labels))
    blocks.append("Source: " + r.source_line)
    return "\n\n".join(blocks)


def call_script(medication: str | None, payment_labels: list[str]) -> str:
    wanted = label(f"medication:{medication}") if medication and f"medication:{medication}" in taxonomy.BY_ID \
        else "treatment for opioid use"
    ask_payment = f" Do you take {' or '.join(payment_labels)}?" if payment_labels else ""
    return f"\"Hi, I'd like to start {wanted}. Are you taking new patients?{ask_payment} Can I come in today?\""
