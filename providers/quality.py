"""How many listings a person can act on (`providers quality`): per source and in total, listings
with a phone, with payment information, P.O. boxes shown as a place to go, points far from their
own ZIP code, and facts older than five years; and how often one page of a search shows two
listings at one street address, over a fixed national sample of searches.

A listing counts under every source that describes it, and once in the total.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine

from providers import geo
from providers.geocode import Place
from providers.ingest import FAR_FROM_ZIP_MILES, POINT_FIELD, zip_point
from providers.matching import house_number, is_po_box, normalize_street, similar_name
from providers.models import Listing, Metadata, ServiceAtLocation
from providers.search import Result, Searcher
from providers.taxonomy import Filters

OLD_FACT_YEARS = 5
TOTAL = "total"
# Health centers are a tier of their own (sliding fee by law, medication unknown): counted apart, so
# the total says what the places for treatment, harm reduction and support are like.
HEALTH_CENTERS = "community health centers (not in the total)"


@dataclass
class Figures:
    listings: int = 0
    otps: int = 0
    otps_with_phone: int = 0
    medication: int = 0  # listings offering a medication for opioid use disorder
    medication_with_phone: int = 0
    with_payment: int = 0
    po_boxes_shown: int = 0
    po_boxes_hidden: int = 0  # a P.O. box in the address, shown as the town and "call for the address"
    far_flagged: int = 0  # over FAR_FROM_ZIP_MILES from its ZIP code's point, and the import said so
    far_unflagged: int = 0
    facts: int = 0
    old_facts: int = 0

    def lines(self, name: str) -> list[str]:
        return [
            f"{name}: {self.listings} listings at a place",
            f"  with a phone: {_share(self.otps_with_phone, self.otps)} of opioid treatment programs, "
            f"{_share(self.medication_with_phone, self.medication)} of medication listings",
            f"  with payment information: {_share(self.with_payment, self.listings)}",
            f"  P.O. boxes shown: {self.po_boxes_shown} ({self.po_boxes_hidden} P.O. boxes left out of the address)",
            f"  more than {FAR_FROM_ZIP_MILES:g} miles from their ZIP code: {self.far_flagged} flagged, "
            f"{self.far_unflagged} unflagged",
            f"  facts older than {OLD_FACT_YEARS} years: {_share(self.old_facts, self.facts)}",
        ]


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({100 * part / whole:.0f}%)" if whole else "0 of 0"


def measure(engine: Engine, geocoder, today: date | None = None) -> dict[str, Figures]:
    """Figures per source label, and under TOTAL for every physical listing once."""
    today = today or date.today()
    cutoff = f"{today.year - OLD_FACT_YEARS:04d}-{today.month:02d}-{today.day:02d}"
    by_source: dict[str, Figures] = {}
    total, health_centers = Figures(), Figures()
    with engine.connect() as conn:
        service_of = dict(conn.execute(select(ServiceAtLocation.id, ServiceAtLocation.service_id)).all())
        flagged = set(conn.execute(select(Metadata.resource_id).where(Metadata.field_name == POINT_FIELD)).scalars())
        rows = conn.execute(select(Listing.id, Listing.latitude, Listing.longitude, Listing.card)
                            .where(Listing.kind == "physical").order_by(Listing.id)).all()
    zip_points: dict[str, tuple[float, float] | None] = {}
    for listing_id, lat, lng, card_text in rows:
        card = json.loads(card_text)
        r = Result(listing_id, "physical", None, card, frozenset(card["terms"]))
        address = card.get("address") or {}
        zip5 = (address.get("postal_code") or "")[:5]
        if zip5 not in zip_points:
            zip_points[zip5] = zip_point(geocoder, zip5)
        at_zip = zip_points[zip5]
        far = at_zip is not None and geo.haversine_miles(lat, lng, *at_zip) > FAR_FROM_ZIP_MILES
        is_flagged = service_of.get(listing_id) in flagged
        stored = ", ".join(x for x in (address.get("address_1"), address.get("address_2")) if x)
        for label in dict.fromkeys([s["label"] for s in card["sources"]]):
            _count(by_source.setdefault(label, Figures()), r, stored, far, is_flagged, cutoff, label)
        in_tier = "setting:health_center" in card["terms"]
        _count(health_centers if in_tier else total, r, stored, far, is_flagged, cutoff, None)
    return {**dict(sorted(by_source.items())), TOTAL: total, HEALTH_CENTERS: health_centers}


def _count(f: Figures, r: Result, stored_address: str, far: bool, flagged: bool, cutoff: str,
           source: str | None) -> None:
    terms = r.card["terms"]
    f.listings += 1
    if "setting:otp" in terms:
        f.otps += 1
        f.otps_with_phone += bool(r.phone)
    if any(t.startswith("medication:") for t in terms):
        f.medication += 1
        f.medication_with_phone += bool(r.phone)
    f.with_payment += any(t.startswith("payment:") for t in terms)
    f.po_boxes_shown += bool(r.address_line and is_po_box(r.address_line))
    f.po_boxes_hidden += is_po_box(stored_address) and not (r.address_line and is_po_box(r.address_line))
    f.far_flagged += flagged
    f.far_unflagged += far and not flagged
    # Under a source, the facts that source said; in the total, every fact.
    for label, checked in (r.card.get("facts") or {}).values():
        if source is None or label == source:
            f.facts += 1
            f.old_facts += bool(checked) and checked < cutoff


def report_lines(figures: dict[str, Figures]) -> list[str]:
    return [line for name, f in figures.items() for line in f.lines(name)]


# --- one place twice on one page ---------------------------------------------------------------------

SAMPLE_SEARCHES = 600
SAMPLE_SEED = 18  # issue 18: the sample is the same every run, so two registries can be compared
SAMPLE_PAGE_SIZE = 5
# What people ask for, in turn: each ZIP code of the sample is searched for one of these.
SAMPLE_NEEDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("methadone", ("need:treatment", "medication:methadone")),
    ("buprenorphine", ("need:treatment", "medication:buprenorphine")),
    ("naltrexone", ("need:treatment", "medication:naltrexone")),
    ("any treatment", ("need:treatment",)),
    ("harm reduction", ("need:harm_reduction",)),
)


@dataclass
class Duplicates:
    searches: int = 0
    pages_with_one: int = 0  # searches whose first page showed one street address twice or more
    pairs: int = 0  # two listings on one page at one house number, street and ZIP code
    similar_names: int = 0  # of those, pairs under similar names: one place listed twice
    examples: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [
            f"same-address duplicates in top-{SAMPLE_PAGE_SIZE} pages over a {self.searches}-search national "
            f"sample: {self.pairs} in {self.pages_with_one} of {self.searches} searches",
            f"  of them under similar names (one place listed twice): {self.similar_names}; the others are "
            "programs of different names at one street address",
            *(f"  e.g. {e}" for e in self.examples),
        ]


def sample_places(n: int = SAMPLE_SEARCHES, seed: int = SAMPLE_SEED) -> list[Place]:
    """`n` ZIP codes drawn with a fixed seed from every standard US ZIP code (the `zipcodes`
    package the geocoder reads), each as its point: the same sample for every registry."""
    import zipcodes

    standard = sorted((z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["active"]
                       and z["lat"] and z["long"]), key=lambda z: z["zip_code"])
    drawn = random.Random(seed).sample(standard, n)
    return [Place(float(z["lat"]), float(z["long"]), "zip", f"{z['city']}, {z['state']} {z['zip_code']}",
                  z["state"], postal_code=z["zip_code"]) for z in drawn]


def address_key(r: Result) -> tuple[str, str, str] | None:
    """A listing's house number, street and ZIP code, normalised as the matching reads them;
    None for one without a house number (a P.O. box, "Carr 2 Km 8.1")."""
    address = r.card.get("address") or {}
    street = normalize_street(address.get("address_1") or "")
    number = house_number(street)
    if number is None or is_po_box(address.get("address_1") or ""):
        return None
    return number, street, (address.get("postal_code") or "")[:5]


def same_address_duplicates(engine: Engine, places: list[Place] | None = None) -> Duplicates:
    """Search each place of the sample (`sample_places()` unless given) for one need in turn and count
    the listings on each first page that share a house number, street and ZIP code with another."""
    searcher = Searcher(engine)
    out = Duplicates()
    examples: list[str] = []
    for i, place in enumerate(sample_places() if places is None else places):
        _, terms = SAMPLE_NEEDS[i % len(SAMPLE_NEEDS)]
        result = searcher.search(place, Filters.of(*terms), page=1, page_size=SAMPLE_PAGE_SIZE)
        out.searches += 1
        at: dict[tuple[str, str, str], list[Result]] = {}
        for r in result.results:
            key = address_key(r) if r.kind == "physical" else None
            if key is not None:
                at.setdefault(key, []).append(r)
        pairs = [(first, other) for same in at.values() for first in same[:1] for other in same[1:]]
        out.pages_with_one += bool(pairs)
        out.pairs += len(pairs)
        for a, b in pairs:
            similar = similar_name(a.name, b.name)
            out.similar_names += similar
            example = f"{a.name} / {b.name}, {(a.card.get('address') or {}).get('address_1')} ({place.postal_code})"
            if similar and example not in examples:
                examples.append(example)
    out.examples = tuple(examples[:3])
    return out
