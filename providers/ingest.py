"""From a source's rows to HSDS rows: the draft every importer produces, the
report every import ends with, and the writer that turns drafts into rows.

Importers parse and merge; only this module creates HSDS objects from them, so
every source gets the same provenance, ids and vocabulary handling.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.orm import Session

from providers import geo, taxonomy
from providers.models import (
    Address,
    Attribute,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

ID_NAMESPACE = uuid.UUID("3f0c8b9e-2a41-4d7b-8e55-1f6a0d2c7b19")


def stable_id(*parts: str) -> str:
    """The same source key gives the same id on every import, so links and exports stay valid."""
    return str(uuid.uuid5(ID_NAMESPACE, "\x1f".join(parts)))


class MalformedFile(ValueError):
    """A file that is not what its importer reads; the registry is left as it was."""


@dataclass(frozen=True)
class Source:
    id: str  # short and stable: samhsa_moud_locator_2020
    label: str  # what a person reads: "SAMHSA treatment locator"
    file: str  # the file name or feed URL it came from
    checked: str  # ISO date the source last checked its listings
    names_shown: bool = True  # False: its names are cut short or in capitals, never shown over another's
    own_listing_terms: frozenset[str] = frozenset()  # terms of a listing it alone describes, never merged into another


@dataclass
class Draft:
    """One listing as a source describes it, before it becomes HSDS rows."""

    key: str  # unique within its first source
    source: Source
    name: str
    organization: str
    latitude: float | None = None
    longitude: float | None = None
    alternate_name: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    county: str | None = None
    location_type: str = "physical"
    description: str | None = None
    application_process: str | None = None
    url: str | None = None
    phones: list[tuple[str, str, str | None]] = field(default_factory=list)  # (number, type, description)
    terms: set[str] = field(default_factory=set)
    also_from: list[Source] = field(default_factory=list)  # sources merged into this listing
    external_ids: list[tuple[str, str]] = field(default_factory=list)  # (scheme, id) per source row
    area_uri: str | None = None  # virtual services: see providers.areas
    area_name: str | None = None
    area_extent: str | None = None
    schedules: list[dict] = field(default_factory=list)  # HSDS schedule fields
    # Which source said each fact, where it is not `source`: "name", "address", "phone:<number>",
    # "term:<id>". Each becomes an HSDS metadata row of its service (providers.ingest.write_drafts).
    facts: dict[str, Source] = field(default_factory=dict)
    far_from_zip: FarPoint | None = None  # its point disagreed with its ZIP code (check_points_against_zips)

    def fact_source(self, fact: str) -> Source:
        return self.facts.get(fact, self.source)

    @property
    def sources(self) -> list[Source]:
        return [self.source, *self.also_from]

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None for a listing that is not at a place."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    def add_phone(self, number: str | None, kind: str = "voice", description: str | None = None,
                  source: Source | None = None) -> None:
        number = (number or "").strip()
        if not number:
            return
        if all(p[0] != number for p in self.phones):
            self.phones.append((number, kind, description))
        elif source is None or source.checked <= self.fact_source(f"phone:{number}").checked:
            return  # a number already known, said again by an older source
        if source is not None and source != self.source:
            self.facts[f"phone:{number}"] = source


FAR_FROM_ZIP_MILES = 40.0  # a point further than this from its own ZIP code's point is wrong, or its ZIP is
# HSDS metadata of a listing whose point was checked against its ZIP code: field_name and last_action_type.
POINT_FIELD = "location.point"
PLACED_AT_ZIP = "placed at its ZIP code's point"
KEPT_NEAR_TOWN = "kept: near its town, not its ZIP"
NEAR_TOWN_MILES = 15.0  # a point this near its own town's is right, and a ZIP code far from both is the typo


@dataclass(frozen=True)
class FarPoint:
    """A listing whose coordinates were more than FAR_FROM_ZIP_MILES from its ZIP code's point."""

    name: str
    city: str
    state: str
    miles: float  # from its ZIP code's point, as the source gave it
    latitude: float  # the source's point
    longitude: float
    moved: bool  # placed at the ZIP code's point; False: kept, the ZIP code looks mistyped

    def example(self) -> str:
        return f"{self.city} {self.state} {self.miles:.0f} mi"


@dataclass
class ImportReport:
    source: str
    rows_read: int = 0
    created: int = 0
    merged: int = 0
    skipped: Counter = field(default_factory=Counter)
    creates: bool = True  # False: its rows only add to listings other sources created (providers.matching)
    far_points: list[FarPoint] = field(default_factory=list)  # its listings whose point was far from their ZIP
    not_kept: Counter = field(default_factory=Counter)  # "table.field": rows whose field the registry has no place for

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def lines(self) -> list[str]:
        out = [f"{self.source}: {self.rows_read} rows read, {self.created} listings created, "
               f"{self.merged} merged into another listing, {self.skipped_total} skipped"]
        for reason, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  skipped {n}: {reason}")
        if self.not_kept:
            out.append("  not kept, the registry has no place for them (rows with the field): "
                       + ", ".join(f"{name} {n}" for name, n in sorted(self.not_kept.items())))
        moved = [f for f in self.far_points if f.moved]
        kept = [f for f in self.far_points if not f.moved]
        if moved:
            out.append(f"  placed {len(moved)} at their ZIP code's point, over {FAR_FROM_ZIP_MILES:g} miles from it: "
                       + ", ".join(f.example() for f in sorted(moved, key=lambda f: -f.miles)[:5]))
        if kept:
            out.append(f"  kept {len(kept)} near their town, over {FAR_FROM_ZIP_MILES:g} miles from a mistyped ZIP "
                       "code: " + ", ".join(f.example() for f in sorted(kept, key=lambda f: -f.miles)[:5]))
        return out


def zip_point(geocoder, postal_code: str | None) -> tuple[float, float] | None:
    """A ZIP code's point, from the geocoder's own ZIP lookup; None for one it has no point for."""
    found = geocoder.geocode(postal_code[:5]) if postal_code else None
    if found is None or found.place is None or found.place.precision != "zip":
        return None
    return found.place.latitude, found.place.longitude


def check_points_against_zips(drafts: list[Draft], geocoder, reports: dict[str, ImportReport]) -> None:
    """Place each listing whose point is over FAR_FROM_ZIP_MILES from its own ZIP code's point at that
    ZIP's point, and report it under its source (`reports` by source label): a clinic in Dexter, MO
    geocoded 209 miles away would be offered to people who cannot reach it. A point near its own
    town under a ZIP code of another town is kept: there the ZIP code is the typo (28540 as 27540).
    A P.O. box's ZIP code is the post office's, not the door's: its point is kept too."""
    from providers.matching import street_without_po_box  # matching reads drafts: imported here, not above

    for d in drafts:
        if d.point is None or not d.postal_code:
            continue
        lat, lng = d.point
        at_zip = zip_point(geocoder, d.postal_code)
        if at_zip is None:
            continue  # a ZIP code the geocoder has no point for: nothing to check against
        zip_lat, zip_lng = at_zip
        miles = geo.haversine_miles(lat, lng, zip_lat, zip_lng)
        if miles <= FAR_FROM_ZIP_MILES:
            continue
        town = geocoder.geocode(f"{d.city}, {d.state}") if d.city and d.state else None
        near_town = (town is not None and town.ok and town.place.precision == "city"
                     and geo.haversine_miles(lat, lng, town.place.latitude, town.place.longitude)
                     <= NEAR_TOWN_MILES)
        po_box_only = street_without_po_box(d.address_1 or "") is None
        moved = not (near_town or po_box_only)
        d.far_from_zip = FarPoint(d.name, d.city or "", d.state or "", round(miles), lat, lng, moved)
        if moved:
            d.latitude, d.longitude = zip_lat, zip_lng
        report = reports.get(d.source.label)
        if report is not None:
            report.far_points.append(d.far_from_zip)


def ensure_taxonomy(session: Session) -> dict[str, str]:
    """Write the vocabulary as an HSDS taxonomy; returns term id -> taxonomy_term row id."""
    if session.get(Taxonomy, taxonomy.TAXONOMY_ID) is None:
        session.add(Taxonomy(id=taxonomy.TAXONOMY_ID, name=taxonomy.TAXONOMY_NAME,
                             description="Medications, settings, payment, populations, languages, access and supports "
                                         "for opioid use treatment and harm reduction.",
                             uri=taxonomy.TAXONOMY_URI, version="1"))
    existing = {row.code: row.id for row in session.query(TaxonomyTerm).all()}
    for t in taxonomy.TERMS:
        if t.id in existing:
            continue
        row_id = stable_id("taxonomy_term", t.id)
        session.add(TaxonomyTerm(
            id=row_id, code=t.id, name=t.label, description=t.description or t.label,
            parent_id=stable_id("taxonomy_term", t.parent) if t.parent else None,
            taxonomy=taxonomy.TAXONOMY_NAME, taxonomy_id=taxonomy.TAXONOMY_ID, language="en",
            term_uri=f"{taxonomy.TAXONOMY_URI}:{t.id}",
        ))
        existing[t.id] = row_id
    session.flush()
    return existing


def write_drafts(session: Session, drafts: list[Draft]) -> None:
    """Write drafts as HSDS rows into a cleared registry, one bulk insert per table.
    Organizations are shared by name within a state."""
    term_rows = ensure_taxonomy(session)
    rows: dict[type, list[dict]] = {model: [] for model in (
        Organization, Service, Phone, Schedule, Attribute, Metadata, Location, Address, ServiceAtLocation, ServiceArea)}
    organizations: set[str] = set()
    for d in drafts:
        org_id = stable_id("organization", _norm(d.organization), d.state or "")
        if org_id not in organizations:
            organizations.add(org_id)
            rows[Organization].append({"id": org_id, "name": d.organization, "description": ""})

        service_id = stable_id("service", d.source.id, d.key)
        rows[Service].append({
            "id": service_id, "organization_id": org_id, "name": d.name, "alternate_name": d.alternate_name,
            "description": d.description, "url": d.url, "status": "active",
            "application_process": d.application_process, "assured_date": max(s.checked for s in d.sources)})
        # The newest source's number first: it is the one a person is told to call.
        phones = sorted(d.phones, key=lambda p: d.fact_source(f"phone:{p[0]}").checked, reverse=True)
        for number, kind, description in phones:
            rows[Phone].append({"id": stable_id("phone", service_id, number, kind), "service_id": service_id,
                                "number": number, "type": kind, "description": description})
        rows[Metadata].extend(_fact_rows(service_id, d))
        if d.far_from_zip is not None:
            far = d.far_from_zip
            rows[Metadata].append({
                "id": stable_id("metadata", service_id, POINT_FIELD), "resource_id": service_id,
                "resource_type": "service", "last_action_date": d.source.checked,
                "last_action_type": PLACED_AT_ZIP if far.moved else KEPT_NEAR_TOWN, "field_name": POINT_FIELD,
                "previous_value": f"{far.latitude},{far.longitude}",
                "replacement_value": f"{d.latitude},{d.longitude}", "updated_by": f"{far.miles:g} miles from its ZIP"})
        for i, sched in enumerate(d.schedules):
            rows[Schedule].append({"id": stable_id("schedule", service_id, str(i)), "service_id": service_id, **sched})
        for t in sorted(d.terms):
            taxonomy.term(t)  # an importer may only use the vocabulary
            rows[Attribute].append({
                "id": stable_id("attribute", service_id, t), "link_id": service_id, "link_entity": "service",
                "link_type": "service_type", "taxonomy_term_id": term_rows[t], "label": taxonomy.BY_ID[t].label})
        for s in d.sources:
            rows[Metadata].append({
                "id": stable_id("metadata", service_id, s.id), "resource_id": service_id, "resource_type": "service",
                "last_action_date": s.checked, "last_action_type": "imported", "field_name": "source",
                "previous_value": "", "replacement_value": s.file, "updated_by": s.label})

        location_id = stable_id("location", d.source.id, d.key)
        rows[Location].append({
            "id": location_id, "organization_id": org_id, "location_type": d.location_type, "name": d.name,
            "latitude": d.latitude, "longitude": d.longitude,
            "url": d.url if d.location_type == "virtual" else None,
            "external_identifier": ";".join(f"{scheme}:{ext}" for scheme, ext in d.external_ids) or None,
            "external_identifier_type": "source rows" if d.external_ids else None})
        if d.address_1:
            rows[Address].append({
                "id": stable_id("address", location_id), "location_id": location_id, "address_1": d.address_1,
                "address_2": d.address_2, "city": d.city or "", "region": d.county, "state_province": d.state or "",
                "postal_code": d.postal_code or "", "country": "US", "address_type": "physical"})
        rows[ServiceAtLocation].append({"id": stable_id("service_at_location", service_id, location_id),
                                        "service_id": service_id, "location_id": location_id})
        if d.area_uri or d.area_extent:
            rows[ServiceArea].append({
                "id": stable_id("service_area", service_id), "service_id": service_id, "name": d.area_name,
                "uri": d.area_uri, "extent": d.area_extent, "extent_type": "geojson" if d.area_extent else None})
    for model, table_rows in rows.items():  # parents before children
        if table_rows:
            session.execute(insert(model), table_rows)


# Field names of the per-fact metadata rows (HSDS metadata.field_name): which source said each
# fact and when. providers.index reads them back into each listing's card.
FACT_FIELDS = {"name": "name", "address": "address", "phone": "phones.number", "term": "attributes.taxonomy_term"}


def _fact_rows(service_id: str, d: Draft) -> list[dict]:
    """One HSDS metadata row per fact of a listing: its name, street address, each phone number
    and each vocabulary term, with the source that said it and that source's date."""
    facts: list[tuple[str, str, Source]] = [("name", d.name, d.fact_source("name"))]
    if d.address_1:
        facts.append(("address", d.address_1, d.fact_source("address")))
    facts += [("phone", number, d.fact_source(f"phone:{number}")) for number, _, _ in d.phones]
    facts += [("term", t, d.fact_source(f"term:{t}")) for t in sorted(d.terms)]
    return [{"id": stable_id("metadata", service_id, kind, value), "resource_id": service_id,
             "resource_type": "service", "last_action_date": source.checked, "last_action_type": "imported",
             "field_name": FACT_FIELDS[kind], "previous_value": "", "replacement_value": value,
             "updated_by": source.label} for kind, value, source in facts]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
