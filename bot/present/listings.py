"""How a page of results and one listing read as text (SMS, REST, `rasa shell`). Every
listing shown says where it came from and when it was last checked.

Text separates listings with a blank line, so the SMS channel can split a reply between
messages at listing boundaries and never inside one. Cards for the web widget are built from
the same `Page` (bot.present.cards).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot import vocabulary
from bot.present.catalogue import text
from providers import taxonomy
from providers.search import NEAR_MILES, Result, SearchResult
from providers.taxonomy import Filters


def label(term_id: str) -> str:
    return taxonomy.BY_ID[term_id].label


def miles(value: float) -> str:
    return f"{value:.1f}"


def looking_for(filters: Filters) -> str:
    """What the person asked for, in their words: "buprenorphine (Suboxone)", "naloxone (Narcan)"."""
    for facet in ("medication", "support"):
        terms = filters.by_facet(facet)
        if terms:
            return text("either_or").join(label(t) for t in terms)
    needs = filters.by_facet("need")
    if needs == ["need:harm_reduction"]:
        return text("looking_for_harm_reduction")
    if needs == ["need:recovery_support"]:
        return text("looking_for_recovery_support")
    return text("looking_for_treatment")


def requested_labels(terms) -> list[str]:
    """What was asked for, as a listing matches it or not. Needs are implied by what was asked
    for; naming them again adds nothing. Several ways of paying (no insurance) read better as
    one question."""
    payments = [t for t in terms if t.startswith("payment:")]
    labels = [label(t) for t in terms if not t.startswith(("need:", "payment:"))]
    if len(payments) > 1:
        labels.append(text("payment_options"))
    elif payments:
        labels.append(label(payments[0]))
    return labels


@dataclass(frozen=True)
class Page:
    """One page of results as the assistant says it."""

    intro: str
    listings: list[tuple[int, Result]]  # (number the person replies with, listing)
    has_more: bool
    extras: list[str]  # lines about virtual services, national lines and harm reduction
    intro_short: str | None = None  # the intro in fewer words, where the listings' miles say the rest
    where: str = ""  # the place searched near
    health_centers: list[Result] = field(default_factory=list)  # few medication listings near: not among them


# Lines every reply about a crisis already names (988, Poison Control): on a page of supplies and
# support they are listed only when asked for.
UNASKED_LINES = frozenset({"support:crisis_line", "support:poison_control"})


def page_of(result: SearchResult, first_number: int, harm_reduction_line: str | None = None,
            open_now_line: str | None = None) -> Page:
    what = looking_for(result.filters)
    where = result.place.display_name
    intro_short = None
    # Treatment means a place to go; for everything else, what works from anywhere always helps.
    treatment = "need:treatment" in result.filters.terms
    if result.empty and not treatment:
        # No local listing is not no local service: most syringe programs and naloxone sites are
        # in no national file, so say the listings are missing and give what works anywhere.
        intro = text("intro_no_local_listings_virtual" if result.virtual else "intro_no_local_listings",
                     what=what, where=where)
        intro_short = text("intro_no_local_listings_virtual_short" if result.virtual
                           else "intro_no_local_listings_short", where=where)
    elif result.empty and result.virtual:
        intro = text("intro_none_but_virtual", what=what, where=where)
        intro_short = text("intro_none_but_virtual_short", where=where)
    elif result.empty:
        intro = text("intro_none", what=what, where=where, miles=f"{result.radius_miles:g}")
    elif result.beyond and first_number == 1:  # a second page says "More places", as everywhere
        intro = text("intro_beyond", what=what, where=where, miles=f"{result.radius_miles:g}")
        intro_short = text("intro_beyond_short", miles=f"{result.radius_miles:g}")
    elif result.relaxed:
        intro = text("intro_relaxed", what=what, where=where,
                     missing=", ".join(label(t) for t in result.relaxed))
    elif first_number > 1:
        intro = text("intro_more", what=what, where=where)
    elif result.widened:
        # The page reached past "near": say how many of its places are near, never "nothing" when one is.
        near = sum(1 for r in result.results if r.miles is not None and r.miles <= NEAR_MILES)
        key = "intro_widened" if near == 0 else "intro_widened_one" if near == 1 else "intro_widened_some"
        intro = text(key, what=what, where=where, miles=f"{result.radius_miles:g}", nearby_miles=f"{NEAR_MILES:g}",
                     count=near)
        intro_short = text("intro_nearby", what=what, where=where)
    else:
        intro = text("intro_nearby", what=what, where=where)
    extras = [open_now_line] if open_now_line else []
    if result.empty or not treatment:
        extras += [virtual_line(r) for r in result.virtual if set(r.card["terms"]) & result.filters.terms
                   or not set(r.card["terms"]) & UNASKED_LINES]
    if harm_reduction_line:
        extras.append(harm_reduction_line)
    if "setting:telehealth" in result.filters.terms:
        # Only a handful of telehealth services are in the federal files.
        extras.append(text("telehealth_few_listed"))
    elif result.beyond:
        # The nearest place is a long way off: care that reaches them where they are, and who finds it.
        extras.append(text("telehealth_beyond"))
    elif result.empty:
        extras.append(text("help_finding_more"))
    return Page(intro, list(enumerate(result.results, start=first_number)), result.has_more, extras, intro_short,
                where, result.health_centers)


def health_center_line(r: Result, short: str = "", name_chars: int | None = None) -> str:
    """A health center offered beside few medication listings: what it is, and never that it has a medication.
    `short` names a shorter wording ("short", "tight"); a name over `name_chars` is cut."""
    assert r.miles is not None  # offered by a search near a place
    name = r.name if name_chars is None or len(r.name) <= name_chars else r.name[:name_chars - 3].rstrip() + "..."
    phone = f", {r.phone}" if r.phone else text("health_center_no_phone")
    return text(f"health_center_line_{short}" if short else "health_center_line", name=name, miles=miles(r.miles),
                phone=phone)


def virtual_line(r: Result) -> str:
    how = r.card.get("how_to_start") or r.card.get("description") or ""
    return text("virtual_service", name=r.name, how=how).strip()


def nearby_harm_reduction_line(nearest: Result | None) -> str:
    """One line of harm reduction alongside treatment: the nearest listed service (already
    chosen by the caller as near enough), or the lines that work anywhere."""
    if nearest is None or nearest.miles is None:
        return text("stay_safer")
    phone = f", {nearest.phone}" if nearest.phone else ""
    # Some local lists run several sites into one name: the first words find it.
    name = nearest.name if len(nearest.name) <= 48 else nearest.name[:45].rstrip(" ,-") + "..."
    return text("harm_reduction_nearby", name=name, miles=miles(nearest.miles), phone=phone)


def address_text(r: Result) -> str | None:
    """Where a listing is, as a person reads it: its street address, or, where its only street is a
    P.O. box, its town and "call for the address"; None when it has no address (a virtual service)."""
    if r.address_line:
        return r.address_line
    return text("listing_call_for_address", town=r.town_line) if r.town_line else None


def call_line(r: Result) -> str:
    """"Call (215) 223-1100", with the year when the number is older than the listing's newest
    fact: a phone from the 2015 directory says so."""
    if not r.phone:
        return text("listing_no_phone")
    year = r.phone_year
    return text("listing_call", phone=r.phone) + (text("listing_phone_listed", year=year) if year else "")


def listing_text(n: int, r: Result, name_chars: int | None = None, has: bool = True, ask: bool = True) -> str:
    """One listing of a page. Its source is said once for the page (bot.present.sms.page_source), and
    so is what all its listings have (`has` False) or should be asked about (`ask` False); a name
    over `name_chars` is cut."""
    name = r.name if name_chars is None or len(r.name) <= name_chars else r.name[:name_chars - 3].rstrip() + "..."
    lines = [text("listing_heading_miles", n=n, name=name, miles=miles(r.miles)) if r.miles is not None
             else text("listing_heading", n=n, name=name)]
    if r.for_veterans:
        lines.append(text("listing_for_veterans"))
    if r.reported_closed:
        lines.append(text("reported_closed_warning"))
    lines.append(call_line(r))
    matched = requested_labels(r.matched)
    if matched and has:
        lines.append(text("listing_has", labels=", ".join(matched)))
    unsure = requested_labels(r.unknown) + requested_labels(r.missing)
    if unsure and ask:
        lines.append(text("listing_ask_about", labels=", ".join(unsure)))
    return "\n".join(lines)


def footer_text(page: Page, short: str = "") -> str | None:
    """What to reply; `short` names a shorter wording: "short", "tight"."""
    if not page.listings:
        return None
    first, last = page.listings[0][0], page.listings[-1][0]
    numbers = f"{first}" if last == first else f"{first}-{last}"
    key = f"footer_text_{short}" if short else "footer_text"
    return text(key, numbers=numbers, more=text(f"{key}_more") if page.has_more else "")


DETAIL_FACETS = ("medication", "setting", "payment", "population", "language", "support")


def details_text(r: Result, medication: str | None, payment: str | None) -> str:
    """Everything about one listing, and what to say when calling."""
    blocks = [text("details_heading_miles", name=r.name, miles=miles(r.miles)) if r.miles is not None
              else text("details_heading", name=r.name)]
    if r.for_veterans:
        blocks[0] += "\n" + text("listing_for_veterans")
    if r.reported_closed:
        blocks[0] += "\n" + text("reported_closed_warning")
    address = address_text(r)
    contact = [address] if address else []
    for phone in r.card["phones"]:
        key = "listing_text_us" if phone.get("type") == "text" else "listing_call"
        note = text("details_phone_note", note=phone["description"]) if phone.get("description") else ""
        year = r.fact_year(f"phone:{phone['number']}")
        listed = text("listing_phone_listed", year=year) if year and year < (r.card.get("checked") or "")[:4] else ""
        contact.append(text(key, phone=phone["number"]) + note + listed)
    if not r.card["phones"]:
        contact.append(text("details_no_phone"))
    if r.card.get("url"):
        contact.append(r.card["url"])
    blocks.append("\n".join(contact))
    offered = []
    for facet in DETAIL_FACETS:
        labels = [label(t) for t in r.card["terms"] if t.startswith(facet + ":")]
        if labels:
            offered.append(text(f"details_{facet}", labels=", ".join(labels)))
    if not any(t.startswith("payment:") for t in r.card["terms"]):
        offered.append(text("details_payment_unknown"))
    blocks.append("\n".join(offered))
    if r.card.get("how_to_start"):
        blocks.append(text("details_how_to_start", how=r.card["how_to_start"]))
    blocks.append(call_script(medication, payment))
    blocks.append(text("details_source", source=r.source_line))
    return "\n\n".join(blocks)


def call_script(medication: str | None, payment: str | None) -> str:
    """What to say when calling: the medication chosen, and the first way of paying it stands for."""
    term_id = f"medication:{medication}"
    wanted = label(term_id) if medication and term_id in taxonomy.BY_ID else text("details_wanted_default")
    payments = [label(t) for t in vocabulary.payment_terms(payment)][:1]
    ask_payment = text("details_call_script_payment", payments=text("either_or").join(payments)) if payments else ""
    return text("details_call_script", wanted=wanted, payment=ask_payment)
