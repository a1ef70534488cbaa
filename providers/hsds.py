"""Open Referral HSDS 3.0 JSON: export the registry, import a directory.

The document holds the taxonomies and their terms, then one object per service
nested as HSDS 3.0's compiled ``service`` schema nests it: organization,
phones, schedules, service_areas, service_at_locations (each with its location
and addresses), attributes (each with its taxonomy_term) and metadata. Every
service validates against that schema (providers/data/hsds-3.0/): an absent
field is left out rather than written as null, fields HSDS 3.0 has no place
for are left out, dates are full dates and a phone's extension is a number.
Export then import gives the same registry, less those left-out fields.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import IO

from sqlalchemy import inspect, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from providers.ingest import ImportReport, MalformedFile
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

HSDS_VERSION = "3.0"


def _columns(model) -> list[str]:
    return [c.key for c in inspect(model).column_attrs]


# Columns the registry keeps that HSDS 3.0 has no field for (attribute.label and service_area's
# service_at_location_id came with 3.1): a 3.0 document leaves them out.
NOT_IN_HSDS_3_0 = {Attribute: {"label"}, ServiceArea: {"service_at_location_id"}}
# HSDS 3.0's date fields (datapackage_type "date": YYYY-MM-DD).
DATE_FIELDS = {
    Service: {"assured_date"},
    Schedule: {"valid_from", "valid_to", "dtstart", "until"},
    Metadata: {"last_action_date"},
}
PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?")


def full_date(value: str) -> str:
    """A source that dates its data only to the year or month ("2022", "2020-09") gets the first day
    of that period ("2022-01-01", "2020-09-01"). HSDS 3.0 allows only a full date, and in metadata
    last_action_date is required, so leaving it out would drop the row; the first day never makes a
    listing look fresher than its source says it is."""
    match = PARTIAL_DATE.fullmatch(value)
    if match is None:
        return value
    return f"{match[1]}-{match[2] or '01'}-01"


def _row(obj, model) -> dict:
    """A row's HSDS fields. An empty field is left out: HSDS 3.0 types have no null."""
    row = {}
    for name in _columns(model):
        value = getattr(obj, name)
        if value is None or name in NOT_IN_HSDS_3_0.get(model, ()):
            continue
        if name in DATE_FIELDS.get(model, ()):
            value = full_date(value)
        row[name] = value
    if model is Phone and "extension" in row:
        _extension_as_number(row)
    return row


def _extension_as_number(phone: dict) -> None:
    """HSDS 3.0 types phone.extension as a number; one with other characters ("x12, then 3") is
    said in the description instead, so it is not lost."""
    extension = phone.pop("extension").strip()
    if extension.isdigit():
        phone["extension"] = int(extension)
    elif extension:
        phone["description"] = "; ".join(filter(None, [phone.get("description"), f"extension {extension}"]))


def export_document(session: Session) -> dict:
    by: defaultdict[type, defaultdict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))

    def group(model, key):
        for obj in session.execute(select(model).order_by(model.id)).scalars():
            by[model][getattr(obj, key)].append(_row(obj, model))

    group(Phone, "service_id")
    group(Schedule, "service_id")
    group(ServiceArea, "service_id")
    group(Address, "location_id")
    group(Metadata, "resource_id")
    terms = {t.id: _row(t, TaxonomyTerm) for t in session.execute(select(TaxonomyTerm)).scalars()}
    attributes = defaultdict(list)
    for a in session.execute(select(Attribute).order_by(Attribute.id)).scalars():
        row = _row(a, Attribute)
        if a.taxonomy_term_id in terms:
            row["taxonomy_term"] = terms[a.taxonomy_term_id]
        attributes[a.link_id].append(row)
    organizations = {o.id: _row(o, Organization) for o in session.execute(select(Organization)).scalars()}
    locations = {}
    for loc in session.execute(select(Location)).scalars():
        row = _row(loc, Location)
        row["addresses"] = by[Address][loc.id]
        locations[loc.id] = row
    sals = defaultdict(list)
    for sal in session.execute(select(ServiceAtLocation).order_by(ServiceAtLocation.id)).scalars():
        row = _row(sal, ServiceAtLocation)
        row["location"] = locations[sal.location_id]
        sals[sal.service_id].append(row)

    services = []
    for s in session.execute(select(Service).order_by(Service.id)).scalars():
        row = _row(s, Service)
        if s.organization_id in organizations:
            row["organization"] = organizations[s.organization_id]
        row["phones"] = by[Phone][s.id]
        row["schedules"] = by[Schedule][s.id]
        row["service_areas"] = by[ServiceArea][s.id]
        row["service_at_locations"] = sals[s.id]
        row["attributes"] = attributes[s.id]
        row["metadata"] = by[Metadata][s.id]
        services.append(row)
    return {
        "hsds_version": HSDS_VERSION,
        "taxonomies": [_row(t, Taxonomy) for t in session.execute(select(Taxonomy).order_by(Taxonomy.id)).scalars()],
        "taxonomy_terms": sorted(terms.values(), key=lambda t: t["id"]),
        "services": services,
    }


def export_json(session: Session, out: IO[str]) -> int:
    document = export_document(session)
    json.dump(document, out, indent=1, sort_keys=True, ensure_ascii=False)
    out.write("\n")
    return len(document["services"])


def read_document(path: Path) -> dict:
    """An HSDS document: this registry's export (a dict with a list of services), a list of
    services, or one service object as the spec's own examples are."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise MalformedFile(f"{path}: cannot read ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MalformedFile(f"{path.name}: not JSON ({e})") from None
    if isinstance(document, list):
        document = {"services": document}
    elif isinstance(document, dict) and "services" not in document and "id" in document and "name" in document:
        document = {"services": [document]}
    if not isinstance(document, dict) or not isinstance(document.get("services"), list):
        raise MalformedFile(f"{path.name}: not an HSDS document (no list of services)")
    return document


def _objects(parent: dict, key: str) -> list[dict]:
    """parent[key], a list of objects; a file that has something else there is not HSDS."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise MalformedFile(f"{parent.get('id', '?')}: {key} is not a list of objects")
    return value


def _object(parent: dict, key: str) -> dict | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, dict):
        raise MalformedFile(f"{parent.get('id', '?')}: {key} is not an object")
    return value


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def import_document(session: Session, document: dict, source: str = "HSDS") -> ImportReport:
    """Add an HSDS document's rows as they are, ids included, to a cleared registry. Objects that
    appear in several services (an organization, a taxonomy term, a phone) are written once.
    What the registry has no place for (contacts, languages, cost options, ...) is named in the
    report's "not kept" lines rather than dropped without a word."""
    report = ImportReport(source)
    seen: set[tuple[type, str]] = set()
    stored_ids: set = set()
    # (table, object, its nested fields this import walks): checked once every row is added, so a
    # phone listed both under the service and under its location counts as kept.
    read: list[tuple[str, dict, set[str]]] = []

    def add(model, data: dict | None, nested: frozenset[str] = frozenset(), **override) -> bool:
        if not isinstance(data, dict) or not data.get("id"):
            return False
        key = (model, data["id"])
        if key in seen:
            return True
        columns = _columns(model)
        values = {name: data.get(name) for name in columns if name in data}
        values.update(override)
        for name, value in values.items():
            if isinstance(value, (dict, list)):
                raise MalformedFile(f"{model.__tablename__} {data['id']}: {name} is not a single value")
        extension = values.get("extension") if model is Phone else None
        if isinstance(extension, (int, float)):
            values["extension"] = str(int(extension))  # HSDS 3.0: a number; stored as text
        missing = [c.key for c in inspect(model).column_attrs
                   if not c.columns[0].nullable and c.columns[0].default is None and values.get(c.key) is None]
        if missing:
            raise MalformedFile(f"{model.__tablename__} {data['id']}: missing {', '.join(missing)}")
        seen.add(key)
        stored_ids.add(data["id"])
        read.append((model.__tablename__, data, set(columns) | nested))
        session.add(model(**values))
        return True

    def add_metadata(data: dict, resource_type: str) -> None:
        for m in _objects(data, "metadata"):
            add(Metadata, m, resource_id=m.get("resource_id") or data["id"],
                resource_type=m.get("resource_type") or resource_type)

    for t in _objects(document, "taxonomies"):
        add(Taxonomy, t)
    # A term's parent must be written before it.
    terms = _objects(document, "taxonomy_terms")
    by_id = {t.get("id"): t for t in terms}

    def depth(t, seen=()):
        parent = by_id.get(t.get("parent_id"))
        return 0 if parent is None or t.get("id") in seen else 1 + depth(parent, (*seen, t.get("id")))

    for t in sorted(terms, key=depth):
        add(TaxonomyTerm, t)
    for s in document["services"]:
        report.rows_read += 1
        if not isinstance(s, dict) or not s.get("id") or not s.get("name"):
            report.skip("service without an id or a name")
            continue
        if (Service, s["id"]) in seen:
            report.skip("the same service twice")
            continue
        org = _object(s, "organization")
        if org is not None:
            add(Organization, org)
            add_metadata(org, "organization")
        add(Service, s, frozenset({"organization", "phones", "schedules", "service_areas", "service_at_locations",
                                   "attributes", "metadata"}),
            organization_id=s.get("organization_id") or (org or {}).get("id"))
        for p in _objects(s, "phones"):
            add(Phone, p, service_id=s["id"])
        for sched in _objects(s, "schedules"):
            add(Schedule, sched, service_id=s["id"])
        for area in _objects(s, "service_areas"):
            add(ServiceArea, area, service_id=s["id"])
        for sal in _objects(s, "service_at_locations"):
            location = _object(sal, "location")
            if location is None or not add(Location, location, frozenset({"addresses", "metadata"})):
                report.skip("service at a location with no location")
                continue
            for a in _objects(location, "addresses"):
                add(Address, a, location_id=location["id"])
            add_metadata(location, "location")
            add(ServiceAtLocation, sal, frozenset({"location"}), service_id=s["id"], location_id=location["id"])
        for attribute in _objects(s, "attributes"):
            term = _object(attribute, "taxonomy_term")
            if term is not None:
                detail = _object(term, "taxonomy_detail")
                add(Taxonomy, detail)
                add(TaxonomyTerm, term, frozenset({"taxonomy_detail"}),
                    taxonomy_id=term.get("taxonomy_id") or (detail or {}).get("id"))
            add(Attribute, attribute, frozenset({"taxonomy_term"}), link_id=attribute.get("link_id") or s["id"],
                taxonomy_term_id=attribute.get("taxonomy_term_id") or (term or {}).get("id"))
        add_metadata(s, "service")
        report.created += 1
    _drop_links_to_absent_terms(session, stored_ids, report)
    for table, data, walked in read:
        for name, value in data.items():
            if name in walked or _is_empty(value):
                continue
            if isinstance(value, list) and all(isinstance(v, dict) and v.get("id") in stored_ids for v in value):
                continue  # the same objects, kept where they are also listed
            report.not_kept[f"{table}.{name}"] += 1
    try:
        session.flush()
    except (IntegrityError, DataError) as e:
        raise MalformedFile(f"{source}: rows the registry cannot hold ({str(e.orig).splitlines()[0]})") from None
    return report


def _drop_links_to_absent_terms(session: Session, stored_ids: set, report: ImportReport) -> None:
    """A term's parent or taxonomy that the file does not hold (the spec's example points at one)
    would break the registry's foreign keys: the link is left out and reported."""
    for obj in session.new:
        if isinstance(obj, TaxonomyTerm):
            for name in ("parent_id", "taxonomy_id"):
                if getattr(obj, name) is not None and getattr(obj, name) not in stored_ids:
                    setattr(obj, name, None)
                    report.not_kept[f"taxonomy_term.{name} (a term or taxonomy the file does not hold)"] += 1
