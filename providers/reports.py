"""Reports that a listing is wrong, and navigators' reviews of them.

Anyone shown a listing can report it (SMS "WRONG 2", a button on a web card or on the navigator
page): the listing, the reason, the channel and the day are stored, nothing about the person. A
listing with open "closed" reports from two different days ranks last with a warning until a
navigator reviews it.

A review is a source of its own ("<organization> navigators", the day it was checked). It changes
the listing's HSDS rows (status, address, phone, taxonomy attributes) with a metadata row for each
change, so the HSDS export carries it; reviews are kept apart from the imported rows and applied
again after every import, so a re-import does not undo a navigator's check. A newer source still
wins: a fact an import dated after the review says is kept.
"""
from __future__ import annotations

import json
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from providers import taxonomy
from providers.ingest import FACT_FIELDS, stable_id, zip_point
from providers.models import (
    Address,
    Attribute,
    Listing,
    ListingReport,
    ListingReview,
    Location,
    Metadata,
    Phone,
    RegistryInfo,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

# What a person can say is wrong, in the order a menu offers them.
REASONS = ("closed", "wrong_phone", "wrong_address", "not_offered", "other")
CHANNELS = ("sms", "web", "navigator", "other")
# What a navigator found when they checked.
OUTCOMES = ("confirmed", "closed", "moved", "new_phone", "not_offered")
REPORTED_CLOSED = "reported_closed"  # registry_info key: listings with open "closed" reports from 2+ days
CLOSED_REPORT_DAYS = 2
REVIEW_SOURCE_FILE = "navigator review"
_PHONE_DIGITS = re.compile(r"\d")


class ReviewError(ValueError):
    """A review that cannot be applied as given; the message says what to fix."""


@dataclass
class OpenReports:
    """A listing's open reports, as a reviewer sees them."""

    listing_id: str
    name: str | None  # None: the listing is no longer in the registry (a re-import dropped it)
    address: str | None
    phones: list[str]
    sources: list[dict]  # the listing's sources, newest first: label, file, checked
    reasons: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    first_day: str = ""
    last_day: str = ""
    reported_closed: bool = False


def reviewer_label(organization: str) -> str:
    """How a review names itself as a source: "checked by Allegheny County navigators"."""
    return f"{organization.strip()} navigators"


def today() -> str:
    return date.today().isoformat()


def file_report(session: Session, listing_id: str, reason: str, channel: str, term: str | None = None,
                day: str | None = None) -> bool:
    """Store one report; False (and nothing stored) for a listing not in the registry, a reason or
    channel not in the lists, or a term not in the vocabulary."""
    if reason not in REASONS or channel not in CHANNELS or (term is not None and term not in taxonomy.BY_ID):
        return False
    if session.execute(select(Listing.id).where(Listing.id == listing_id)).first() is None:
        return False
    session.add(ListingReport(id=str(uuid.uuid4()), listing_id=listing_id, reason=reason, channel=channel,
                              term=term if reason == "not_offered" else None, day=day or today()))
    session.flush()
    refresh_reported_closed(session)
    return True


def refresh_reported_closed(session: Session) -> None:
    """Recompute which listings rank last with a warning; searches re-read it (providers.search)."""
    rows = session.execute(
        select(ListingReport.listing_id).where(ListingReport.reason == "closed")
        .group_by(ListingReport.listing_id)
        .having(func.count(func.distinct(ListingReport.day)) >= CLOSED_REPORT_DAYS)).scalars()
    value = json.dumps(sorted(rows))
    row = session.get(RegistryInfo, REPORTED_CLOSED)
    if row is None:
        session.add(RegistryInfo(key=REPORTED_CLOSED, value=value))
    elif row.value != value:
        row.value = value
    session.flush()


def open_reports(session: Session) -> list[OpenReports]:
    """Every listing with open reports, most reported first."""
    reports: dict[str, list[ListingReport]] = defaultdict(list)
    for report in session.execute(select(ListingReport).order_by(ListingReport.day)).scalars():
        reports[report.listing_id].append(report)
    if not reports:
        return []
    cards = {row.id: json.loads(row.card) for row in session.execute(
        select(Listing.id, Listing.card).where(Listing.id.in_(list(reports))))}
    closed = reported_closed_ids(session)
    listed = []
    for listing_id, rows in reports.items():
        card = cards.get(listing_id) or {}
        a = card.get("address")
        listed.append(OpenReports(
            listing_id=listing_id, name=card.get("name"),
            address=f"{a['address_1']}, {a['city']}, {a['state']} {a['postal_code']}" if a else None,
            phones=[p["number"] for p in card.get("phones", [])], sources=card.get("sources", []),
            reasons=dict(Counter(r.reason for r in rows)), channels=dict(Counter(r.channel for r in rows)),
            terms=sorted({r.term for r in rows if r.term}), first_day=rows[0].day, last_day=rows[-1].day,
            reported_closed=listing_id in closed))
    listed.sort(key=lambda o: (not o.reported_closed, -sum(o.reasons.values()), o.last_day))
    return listed


def record_review(session: Session, geocoder, listing_id: str, outcome: str, organization: str, *,
                  address: dict | None = None, phone: str | None = None, term: str | None = None,
                  day: str | None = None) -> ListingReview:
    """Store a navigator's review, close the listing's reports, and apply it to the HSDS rows. The
    caller rebuilds the search index in the same transaction (providers.registry)."""
    review = ListingReview(id=str(uuid.uuid4()), listing_id=listing_id, outcome=outcome,
                           reviewer=(organization or "").strip(), day=day or today(), term=term,
                           phone=(phone or "").strip() or None)
    if address:
        review.address_1 = (address.get("address_1") or "").strip() or None
        review.city = (address.get("city") or "").strip() or None
        review.state_province = (address.get("state") or "").strip().upper() or None
        review.postal_code = (address.get("postal_code") or "").strip() or None
    _check(session, review)
    session.add(review)
    session.execute(delete(ListingReport).where(ListingReport.listing_id == listing_id))
    session.flush()
    apply_review(session, geocoder, review)
    refresh_reported_closed(session)
    return review


def _check(session: Session, review: ListingReview) -> None:
    if review.outcome not in OUTCOMES:
        raise ReviewError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not review.reviewer:
        raise ReviewError("a review names the organization whose navigators checked it")
    if review.outcome in ("moved", "new_phone", "not_offered") and _service_of(session, review.listing_id) is None:
        # "Confirmed" or "closed" of a listing an import dropped still clears its reports, and waits
        # in case the listing comes back; a change needs a listing to change.
        raise ReviewError("this listing is no longer in the registry: mark it confirmed or closed")
    if _service_of(session, review.listing_id) is None and not session.execute(
            select(ListingReport.id).where(ListingReport.listing_id == review.listing_id)).first():
        raise ReviewError("no such listing")
    if review.outcome == "moved" and not (review.address_1 and review.city and review.state_province
                                          and re.fullmatch(r"[A-Z]{2}", review.state_province)
                                          and re.fullmatch(r"\d{5}(-\d{4})?", review.postal_code or "")):
        raise ReviewError("a move needs the new street, city, two-letter state and 5-digit ZIP code")
    if review.outcome == "new_phone" and len(_PHONE_DIGITS.findall(review.phone or "")) not in (10, 11):
        raise ReviewError("a new phone needs its 10 digits")
    if review.outcome == "not_offered" and review.term not in taxonomy.BY_ID:
        raise ReviewError("say which service is not offered (a term such as medication:methadone)")


def _service_of(session: Session, listing_id: str) -> tuple[Service, str | None] | None:
    """The listing's service and location id (None for a virtual service)."""
    found = session.execute(
        select(Service, ServiceAtLocation.location_id)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .where(ServiceAtLocation.id == listing_id)).first()
    if found is not None:
        return found[0], found[1]
    service = session.get(Service, listing_id)
    return (service, None) if service is not None else None


def apply_reviews(session: Session, geocoder) -> int:
    """Apply every stored review to freshly imported rows (oldest first, so the latest check wins);
    how many applied. Reviews of listings an import dropped wait, in case the listing comes back."""
    applied = 0
    for review in session.execute(select(ListingReview).order_by(ListingReview.day, ListingReview.id)).scalars():
        applied += apply_review(session, geocoder, review)
    refresh_reported_closed(session)
    return applied


def _newest_fact(session: Session, service_id: str, field_name: str) -> str:
    return session.execute(select(func.max(Metadata.last_action_date)).where(
        Metadata.resource_id == service_id, Metadata.field_name == field_name,
        Metadata.last_action_type == "imported")).scalar() or ""


def apply_review(session: Session, geocoder, review: ListingReview) -> bool:
    """Change the listing's HSDS rows as the review says, unless a source dated after the review
    says otherwise; False when the listing is not in the registry."""
    found = _service_of(session, review.listing_id)
    if found is None:
        return False
    service, location_id = found
    label = reviewer_label(review.reviewer)

    def note(field_name: str, action: str, previous: str = "", replacement: str = "") -> None:
        row_id = stable_id("metadata", service.id, "review", field_name)
        session.execute(delete(Metadata).where(Metadata.id == row_id))
        session.add(Metadata(id=row_id, resource_id=service.id, resource_type="service",
                             last_action_date=review.day, last_action_type=action, field_name=field_name,
                             previous_value=previous, replacement_value=replacement, updated_by=label))

    # The review is one of the listing's sources, and its date is the listing's last check.
    note("source", f"reviewed: {review.outcome}", replacement=REVIEW_SOURCE_FILE)
    service.assured_date = max(service.assured_date or "", review.day)

    if review.outcome == "closed":
        newest_import = _newest_fact(session, service.id, "source")
        if newest_import <= review.day:
            note("status", "reviewed: closed", previous=service.status or "active", replacement="inactive")
            service.status = "inactive"
    elif review.outcome == "moved" and location_id is not None:
        _move(session, geocoder, service, location_id, review, note)
    elif review.outcome == "new_phone":
        _replace_phone(session, service, review, note)
    elif review.outcome == "not_offered":
        _remove_term(session, service, review, note)
    session.flush()
    return True


def _fact_row(service_id: str, kind: str, value: str, review: ListingReview) -> Metadata:
    """The same per-fact metadata row an import writes (providers.ingest), said by the review."""
    return Metadata(id=stable_id("metadata", service_id, kind, value), resource_id=service_id,
                    resource_type="service", last_action_date=review.day, last_action_type="reviewed",
                    field_name=FACT_FIELDS[kind], previous_value="", replacement_value=value,
                    updated_by=reviewer_label(review.reviewer))


def _move(session: Session, geocoder, service: Service, location_id: str, review: ListingReview, note) -> None:
    if _newest_fact(session, service.id, FACT_FIELDS["address"]) > review.day:
        return
    address = session.execute(select(Address).where(Address.location_id == location_id)).scalars().first()
    previous = ""
    if address is None:
        address = Address(id=stable_id("address", location_id), location_id=location_id, country="US",
                          address_type="physical")
        session.add(address)
    else:
        previous = f"{address.address_1}, {address.city}, {address.state_province} {address.postal_code}"
    old_zip = (address.postal_code or "")[:5]
    address.address_1, address.address_2 = review.address_1, None
    address.city, address.state_province, address.postal_code = review.city, review.state_province, review.postal_code
    session.execute(delete(Metadata).where(Metadata.resource_id == service.id,
                                           Metadata.field_name == FACT_FIELDS["address"]))
    session.add(_fact_row(service.id, "address", review.address_1 or "", review))
    note("address", "reviewed: moved", previous=previous,
         replacement=f"{review.address_1}, {review.city}, {review.state_province} {review.postal_code}")
    point = zip_point(geocoder, review.postal_code) if (review.postal_code or "")[:5] != old_zip else None
    if point is not None:  # a move to another ZIP code: its point, until a source gives the street's
        location = session.get(Location, location_id)
        location.latitude, location.longitude = point


def _replace_phone(session: Session, service: Service, review: ListingReview, note) -> None:
    if _newest_fact(session, service.id, FACT_FIELDS["phone"]) > review.day:
        return
    old = session.execute(select(Phone.number).where(Phone.service_id == service.id)).scalars().all()
    session.execute(delete(Phone).where(Phone.service_id == service.id))
    session.execute(delete(Metadata).where(Metadata.resource_id == service.id,
                                           Metadata.field_name == FACT_FIELDS["phone"]))
    number = review.phone or ""
    session.add(Phone(id=stable_id("phone", service.id, number, "voice"), service_id=service.id, number=number,
                      type="voice"))
    session.add(_fact_row(service.id, "phone", number, review))
    note("phones.number", "reviewed: new phone", previous="; ".join(old), replacement=number)


def _remove_term(session: Session, service: Service, review: ListingReview, note) -> None:
    code = review.term or ""
    said = session.execute(select(Metadata.last_action_date).where(
        Metadata.resource_id == service.id, Metadata.field_name == FACT_FIELDS["term"],
        Metadata.replacement_value == code, Metadata.last_action_type == "imported")).scalar()
    if said is not None and said > review.day:
        return
    term_id = session.execute(select(TaxonomyTerm.id).where(TaxonomyTerm.code == code)).scalar()
    if term_id is None:
        return
    removed = session.execute(delete(Attribute).where(Attribute.link_id == service.id,
                                                      Attribute.taxonomy_term_id == term_id)).rowcount
    session.execute(delete(Metadata).where(Metadata.resource_id == service.id,
                                           Metadata.field_name == FACT_FIELDS["term"],
                                           Metadata.replacement_value == code))
    if removed:
        note(f"{FACT_FIELDS['term']}:{code}", "reviewed: not offered", previous=code)


def reported_closed_ids(connection) -> frozenset[str]:
    value = connection.execute(select(RegistryInfo.value).where(RegistryInfo.key == REPORTED_CLOSED)).scalar()
    return frozenset(json.loads(value)) if value else frozenset()
