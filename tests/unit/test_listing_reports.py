"""Reports that a listing is wrong and navigators' reviews, as the registry keeps and applies them
(providers.reports): what a person searching sees change, and what survives a re-import."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from providers.ingest import Draft, ImportReport, Source
from providers.models import ListingReport
from providers.reports import ReviewError

OLD = Source("test_locator", "Test locator", "locator.csv", "2020-09")
NEWER = Source("test_feed", "Test feed", "feed.json", "2027-01-15")  # checked after the reviews below
METHADONE = ["medication:methadone"]
KENSINGTON = (39.9925, -75.1133)


def draft(key: str, name: str, street: str, lat: float, lng: float, source: Source = OLD, phone: str = "215-555-0101",
          terms=("medication:methadone", "medication:buprenorphine", "setting:otp")) -> Draft:
    d = Draft(key=key, source=source, name=name, organization=name, latitude=lat, longitude=lng, address_1=street,
              city="Philadelphia", state="PA", postal_code="19134", terms=set(terms))
    d.add_phone(phone)
    return d


def clinics() -> list[Draft]:
    return [draft("a", "Allegheny Avenue Clinic", "2000 E Allegheny Ave", 39.9925, -75.1133),
            draft("b", "Frankford Clinic", "3000 Frankford Ave", 39.9950, -75.1100),
            draft("c", "Kensington Clinic", "100 E Lehigh Ave", 39.9900, -75.1300)]


def load(registry, drafts: list[Draft]) -> None:
    registry.import_sources(shipped=False, extra=[(drafts, ImportReport("test"))])


@pytest.fixture
def registry(empty_registry):
    load(empty_registry, clinics())
    return empty_registry


def names(registry, terms=METHADONE) -> list[str]:
    return [r.name for r in registry.search(KENSINGTON, terms).results]


def find(registry, name: str):
    return next(r for r in registry.search(KENSINGTON, METHADONE, page_size=10).results if r.name == name)


def test_a_report_keeps_the_listing_reason_channel_and_day_and_nothing_else(registry):
    first = find(registry, "Allegheny Avenue Clinic")
    assert registry.report_problem(first.id, "wrong_phone", "sms", day="2026-12-01")
    with registry.Session() as session:
        (row,) = session.execute(select(ListingReport)).scalars()
        kept = {c.name: getattr(row, c.name) for c in ListingReport.__table__.columns if c.name != "id"}
    assert kept == {"listing_id": first.id, "reason": "wrong_phone", "channel": "sms", "term": None,
                    "day": "2026-12-01"}
    (open_,) = registry.open_reports()
    assert (open_.name, open_.reasons, open_.channels) == ("Allegheny Avenue Clinic", {"wrong_phone": 1}, {"sms": 1})
    assert open_.sources[0]["label"] == "Test locator"


@pytest.mark.parametrize("listing, reason, channel, term", [
    ("not-a-listing", "closed", "sms", None),
    (None, "hates it", "sms", None),
    (None, "closed", "carrier pigeon", None),
    (None, "not_offered", "web", "medication:ayahuasca"),
])
def test_a_report_of_something_unknown_stores_nothing(registry, listing, reason, channel, term):
    listing = listing or find(registry, "Frankford Clinic").id
    assert not registry.report_problem(listing, reason, channel, term)
    assert registry.open_reports() == []


def test_closed_reports_from_two_days_put_a_listing_last_and_marked_until_a_navigator_confirms_it(registry):
    nearest = find(registry, "Allegheny Avenue Clinic")
    assert names(registry)[0] == "Allegheny Avenue Clinic"
    registry.report_problem(nearest.id, "closed", "sms", day="2026-12-01")
    registry.report_problem(nearest.id, "closed", "web", day="2026-12-01")
    assert names(registry)[0] == "Allegheny Avenue Clinic"  # one day's reports: maybe one person, twice
    registry.report_problem(nearest.id, "closed", "navigator", day="2026-12-02")
    shown = registry.search(KENSINGTON, METHADONE).results
    assert [r.name for r in shown][-1] == "Allegheny Avenue Clinic" and shown[-1].reported_closed
    assert not any(r.reported_closed for r in shown[:-1])
    assert registry.listing(nearest.id).reported_closed

    registry.review(nearest.id, "confirmed", "Kensington Outreach", day="2026-12-03")
    again = find(registry, "Allegheny Avenue Clinic")
    assert names(registry)[0] == "Allegheny Avenue Clinic" and not again.reported_closed
    assert again.card["sources"][0] == {"label": "Kensington Outreach navigators", "file": "navigator review",
                                        "checked": "2026-12-03"}
    assert again.card["checked"] == "2026-12-03"
    assert registry.open_reports() == []


def test_a_listing_reviewed_closed_is_gone_and_stays_gone_after_a_reimport(registry):
    closed = find(registry, "Frankford Clinic")
    registry.review(closed.id, "closed", "Kensington Outreach", day="2026-12-03")
    assert "Frankford Clinic" not in names(registry)
    load(registry, clinics())
    assert "Frankford Clinic" not in names(registry)
    # A source checked after the review lists it again: the newer word wins.
    load(registry, clinics() + [draft("b2", "Frankford Clinic", "3000 Frankford Ave", 39.9950, -75.1100, NEWER)])
    assert closed.id in [r.id for r in registry.search(KENSINGTON, METHADONE).results]


def test_a_move_changes_the_address_and_point_and_survives_a_reimport(registry):
    moved = find(registry, "Kensington Clinic")
    registry.review(moved.id, "moved", "Kensington Outreach", day="2026-12-03",
                    address={"address_1": "500 Market St", "city": "Camden", "state": "nj", "postal_code": "08102"})
    for _ in range(2):
        listing = registry.listing(moved.id, KENSINGTON)
        assert listing.address_line == "500 Market St, Camden, NJ 08102"
        assert listing.fact("address") == ("Kensington Outreach navigators", "2026-12-03")
        assert listing.miles > 2  # at Camden's ZIP point now, across the river
        load(registry, clinics())


def test_a_new_phone_is_the_one_shown_until_a_newer_source_says_another(registry):
    listing = find(registry, "Allegheny Avenue Clinic")
    registry.review(listing.id, "new_phone", "Kensington Outreach", phone="(215) 555-0199", day="2026-12-03")
    assert find(registry, "Allegheny Avenue Clinic").phone == "(215) 555-0199"
    load(registry, clinics())
    assert find(registry, "Allegheny Avenue Clinic").phone == "(215) 555-0199"
    newer = draft("a", "Allegheny Avenue Clinic", "2000 E Allegheny Ave", 39.9925, -75.1133, NEWER,
                  phone="215-555-0777")
    load(registry, [newer] + clinics()[1:])
    assert find(registry, "Allegheny Avenue Clinic").phone == "215-555-0777"


def test_not_offered_takes_the_listing_out_of_that_search_only(registry):
    listing = find(registry, "Allegheny Avenue Clinic")
    registry.report_problem(listing.id, "not_offered", "sms", "medication:methadone")
    assert registry.open_reports()[0].terms == ["medication:methadone"]
    registry.review(listing.id, "not_offered", "Kensington Outreach", term="medication:methadone")
    load(registry, clinics())
    assert "Allegheny Avenue Clinic" not in names(registry)
    assert "Allegheny Avenue Clinic" in names(registry, ["medication:buprenorphine"])


@pytest.mark.parametrize("outcome, details, message", [
    ("reopened", {}, "outcome must be one of"),
    ("moved", {"address": {"address_1": "500 Market St", "city": "Camden", "state": "NJ"}}, "5-digit ZIP"),
    ("new_phone", {"phone": "555-0199"}, "10 digits"),
    ("not_offered", {"term": "medication:ayahuasca"}, "which service"),
])
def test_a_review_that_cannot_be_applied_says_why_and_changes_nothing(registry, outcome, details, message):
    listing = find(registry, "Allegheny Avenue Clinic")
    registry.report_problem(listing.id, "wrong_phone", "sms")
    before = registry.search(KENSINGTON, METHADONE)
    with pytest.raises(ReviewError, match=message):
        registry.review(listing.id, outcome, "Kensington Outreach", **details)
    assert registry.search(KENSINGTON, METHADONE) == before
    assert len(registry.open_reports()) == 1
    with pytest.raises(ReviewError, match="organization"):
        registry.review(listing.id, "confirmed", "  ")


def test_reviews_are_exported_in_hsds_as_metadata_of_their_own_source(registry):
    listing = find(registry, "Allegheny Avenue Clinic")
    registry.review(listing.id, "new_phone", "Kensington Outreach", phone="215-555-0199", day="2026-12-03")
    out = io.StringIO()
    registry.export_hsds(out)
    services = json.loads(out.getvalue())
    service = next(s for s in (services if isinstance(services, list) else services["services"])
                   if s["name"] == "Allegheny Avenue Clinic")
    by = [(m["field_name"], m["updated_by"], m["last_action_date"]) for m in service["metadata"]]
    assert ("source", "Kensington Outreach navigators", "2026-12-03") in by
    assert ("phones.number", "Kensington Outreach navigators", "2026-12-03") in by
    assert [p["number"] for p in service["phones"]] == ["215-555-0199"]


def test_an_hsds_import_keeps_the_reviews_too(registry, tmp_path):
    before = tmp_path / "before.json"
    with before.open("w") as out:
        registry.export_hsds(out)
    listing = find(registry, "Allegheny Avenue Clinic")
    registry.review(listing.id, "new_phone", "Kensington Outreach", phone="215-555-0199", day="2026-12-03")
    registry.import_hsds(before)  # a directory exported before the check
    assert find(registry, "Allegheny Avenue Clinic").phone == "215-555-0199"


def test_reports_of_a_listing_an_import_dropped_can_still_be_cleared(registry):
    dropped = find(registry, "Frankford Clinic")
    registry.report_problem(dropped.id, "closed", "web")
    load(registry, [d for d in clinics() if d.name != "Frankford Clinic"])
    (open_,) = registry.open_reports()
    assert open_.name is None
    with pytest.raises(ReviewError, match="no longer in the registry"):
        registry.review(dropped.id, "new_phone", "Kensington Outreach", phone="215-555-0199")
    registry.review(dropped.id, "closed", "Kensington Outreach")
    assert registry.open_reports() == []
    with pytest.raises(ReviewError, match="no such listing"):
        registry.review("never-a-listing", "confirmed", "Kensington Outreach")
    load(registry, clinics())  # it comes back: the review still stands
    assert "Frankford Clinic" not in names(registry)
