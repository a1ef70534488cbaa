"""The search index: one ``listing`` row per service at a location (or per
virtual service) and one ``listing_term`` row per term of a physical listing.

It is derived from the HSDS rows and rebuilt inside the import's transaction,
so a search never sees a half-imported registry. ``listing.card`` holds what a
message shows, so a search reads two indexed tables and nothing else.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from providers import taxonomy
from providers.ingest import FACT_FIELDS
from providers.models import (
    Address,
    Attribute,
    Listing,
    ListingTerm,
    Location,
    Metadata,
    Phone,
    RegistryInfo,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

FOR_VETERANS = "for_veterans"  # registry_info key: the ids of listings only veterans can use
ALL = "*"  # the term every physical listing has: a search with no required term
BATCH = 5000
SCHEDULE_FIELDS = ("byday", "opens_at", "closes_at", "description", "freq", "valid_from", "valid_to", "notes")


# Run by the Department of Veterans Affairs, which serves veterans only: "Atlanta VAMC", "Louis Stokes VA Medical
# Center", "Department of Veteran Affairs", "Gulf Coast Veterans Healthcare System". Not "Pinnacle Treatment Centers,
# VA-I, LLC" (Virginia), nor a program for veterans among others ("Women Veterans Program").
_RUN_BY_THE_VA = re.compile(
    r"\b(VA|VAMC|PVAMC|CBOC)\b(?!-)"
    r"|\b(?i:veterans?)\s+(?i:affairs|administration|health\s*care|healthcare|health|hospital|hosp|medical|mh)\b")


def run_by_the_va(name: str) -> bool:
    return bool(_RUN_BY_THE_VA.search(name))


def searchable_terms(term_ids) -> set[str]:
    """A listing is found by its terms, their broader terms and the needs they serve."""
    terms = taxonomy.with_ancestors(t for t in term_ids if t in taxonomy.BY_ID)
    return terms | taxonomy.needs_of(terms)


def index_terms(terms: set[str]) -> set[str]:
    """The terms a physical listing is found by. A health center that serves no need (HRSA says where it
    is, not what it treats) is found only by asking for health centers: not by a search with no
    required term, never as a place for a medication."""
    if taxonomy.HEALTH_CENTER in terms and not any(t.startswith("need:") for t in terms):
        return {taxonomy.HEALTH_CENTER}
    return terms | {ALL}


def rebuild(session: Session) -> dict[str, int]:
    """Replace the index with one built from the HSDS rows; returns how many listings of each kind."""
    session.execute(delete(ListingTerm))
    session.execute(delete(Listing))

    term_code = dict(session.execute(select(TaxonomyTerm.id, TaxonomyTerm.code)).all())
    service_terms: dict[str, list[str]] = defaultdict(list)
    for link_id, term_id in session.execute(
            select(Attribute.link_id, Attribute.taxonomy_term_id).where(Attribute.link_entity == "service")):
        code = term_code.get(term_id)
        if code in taxonomy.BY_ID:
            service_terms[link_id].append(code)
    phones: dict[str, list[dict]] = defaultdict(list)
    for row in session.execute(select(Phone.service_id, Phone.location_id, Phone.number, Phone.type,
                                      Phone.description).order_by(Phone.id)):
        phones[row.service_id or row.location_id].append(
            {"number": row.number, "type": row.type or "voice", "description": row.description})
    sources: dict[str, list[dict]] = defaultdict(list)
    # Newest check first: the listing's freshest word comes first in a message.
    for row in session.execute(
            select(Metadata).where(Metadata.resource_type == "service", Metadata.field_name == "source")
            .order_by(Metadata.last_action_date.desc(), Metadata.updated_by)).scalars():
        sources[row.resource_id].append({"label": row.updated_by, "file": row.replacement_value,
                                         "checked": row.last_action_date})
    # Which source said each fact, and when (providers.ingest writes one metadata row per fact).
    field_kinds = {field: kind for kind, field in FACT_FIELDS.items()}
    facts: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for resource_id, field_name, value, label, checked in session.execute(
            select(Metadata.resource_id, Metadata.field_name, Metadata.replacement_value, Metadata.updated_by,
                   Metadata.last_action_date).where(Metadata.field_name.in_(list(field_kinds)))):
        kind = field_kinds[field_name]
        key = f"{kind}:{value}" if kind in ("phone", "term") else kind
        facts[resource_id][key] = [label, checked]
    for service_id, service_phones in phones.items():  # the newest number first: the one to call
        known = facts.get(service_id, {})
        service_phones.sort(key=lambda p: (known.get(f"phone:{p['number']}") or ["", ""])[1], reverse=True)
    addresses = {a.location_id: a for a in session.execute(select(Address)).scalars()}
    areas = {a.service_id: a for a in session.execute(select(ServiceArea)).scalars()}
    schedules: dict[str, list[dict]] = defaultdict(list)
    for s in session.execute(select(Schedule)).scalars():
        schedules[s.service_id].append({f: getattr(s, f) for f in SCHEDULE_FIELDS if getattr(s, f) is not None})

    counts: Counter = Counter()
    for_veterans: list[str] = []  # searches rank these after other places (providers.search)
    term_counts: Counter = Counter()
    listings: list[dict] = []
    listing_terms: list[dict] = []

    def flush() -> None:
        if listings:
            session.execute(insert(Listing), listings)
        if listing_terms:
            session.execute(insert(ListingTerm), listing_terms)
        listings.clear()
        listing_terms.clear()

    rows = session.execute(
        select(Service, ServiceAtLocation.id, Location)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Service.status == "active")
        .order_by(ServiceAtLocation.id)
    ).yield_per(BATCH)
    for service, sal_id, location in rows:
        primary = sorted(set(service_terms.get(service.id, ())))
        terms = searchable_terms(primary)
        virtual = location.location_type == "virtual" or location.latitude is None
        area = areas.get(service.id)
        card = {
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "how_to_start": service.application_process,
            "url": service.url or location.url,
            "phones": phones.get(service.id, []) + phones.get(location.id, []),
            "address": _address(addresses.get(location.id)),
            "sources": sources.get(service.id, []),
            "checked": service.assured_date,
            "terms": primary,
            "schedules": schedules.get(service.id, []),
            "facts": facts.get(service.id, {}),
            "area": {"uri": area.uri, "name": area.name, "extent": area.extent} if area else None,
            "for_veterans": run_by_the_va(service.name),
        }
        listing_id = service.id if virtual else sal_id
        listings.append({
            "id": listing_id, "kind": "virtual" if virtual else "physical",
            "latitude": None if virtual else location.latitude, "longitude": None if virtual else location.longitude,
            "terms": " ".join(sorted(terms)), "card": json.dumps(card, separators=(",", ":"), sort_keys=True),
        })
        counts["virtual" if virtual else "physical"] += 1
        if card["for_veterans"] and not virtual:
            for_veterans.append(listing_id)
        if not virtual:
            joined = " ".join(sorted(terms))
            for t in sorted(index_terms(terms)):
                term_counts[t] += 1
                listing_terms.append({"term": t, "latitude": location.latitude, "longitude": location.longitude,
                                      "listing_id": listing_id, "terms": joined})
        if len(listing_terms) >= BATCH:
            flush()
    flush()

    info = {r.key: r for r in session.execute(select(RegistryInfo)).scalars()}
    generation = int(info["generation"].value) + 1 if "generation" in info else 1
    for key, value in (("generation", str(generation)), ("term_counts", json.dumps(term_counts, sort_keys=True)),
                       (FOR_VETERANS, json.dumps(sorted(for_veterans)))):
        if key in info:
            info[key].value = value
        else:
            session.add(RegistryInfo(key=key, value=value))
    session.flush()
    return dict(counts)


def _address(a: Address | None) -> dict | None:
    if a is None:
        return None
    return {"address_1": a.address_1, "address_2": a.address_2, "city": a.city, "state": a.state_province,
            "postal_code": a.postal_code, "county": a.region}
