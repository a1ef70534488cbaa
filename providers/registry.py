"""The registry as one object: build it from sources, search it, export it.

Every import replaces the registry's contents inside one transaction and
rebuilds the search index in the same transaction: a malformed file raises
before anything is committed, and a search never sees half an import.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from providers import db, hsds, index, migrations, reports
from providers.geocode import GeocodeResult, Place, default_geocoder
from providers.importers import directories, findtreatment, samhsa
from providers.ingest import Draft, ImportReport, check_points_against_zips, write_drafts
from providers.matching import merge_same_address, merge_sites
from providers.models import (
    Base,
    Listing,
    ListingReport,
    ListingReview,
    Location,
    Organization,
    RegistryInfo,
    Service,
)
from providers.search import PlaceNotFound, Result, Searcher, SearchResult
from providers.seed import SEED_SOURCE, national_services
from providers.taxonomy import Filters

Where = Place | tuple[float, float] | str


class Registry:
    def __init__(self, url: str | None = None, *, engine: Engine | None = None, geocoder=None, migrate: bool = False):
        """`migrate`: bring the schema up to date first (what `providers import` and `python -m bot.migrate`
        do); otherwise a schema older than the code raises migrations.SchemaError, as a serving process must."""
        if engine is None and not migrate and (missing := db.missing_sqlite_file(url)) is not None:
            # Opening it would make an empty file, then call its schema old: say what is wrong instead.
            raise migrations.SchemaError(f"there is no registry at {missing}: run `providers import`")
        self.engine = engine or db.make_engine(url)
        if migrate:
            db.migrate(self.engine)
        else:
            migrations.require_current(self.engine, migrations.REGISTRY)
        self.Session = db.session_factory(self.engine)
        self.searcher = Searcher(self.engine)
        self.geocoder = geocoder or default_geocoder()

    # --- building ------------------------------------------------------------------------------

    def import_sources(self, *, shipped: bool = True, findtreatment_files: Iterable[Path] = (),
                       extra: Iterable[tuple[list[Draft], ImportReport]] = ()) -> list[ImportReport]:
        """Replace the registry with the shipped listings (SAMHSA files, the FindTreatment.gov sample,
        the national services), plus FindTreatment.gov files and extra drafts; merge listings of one
        place across sources."""
        batches: list[tuple[list[Draft], ImportReport]] = []
        if shipped:
            locator_report = ImportReport(samhsa.LOCATOR_SOURCE.label)
            otp_report = ImportReport(samhsa.OTP_SOURCE.label)
            batches.append((samhsa.read_locator(samhsa.LOCATOR_FILE, locator_report), locator_report))
            batches.append((samhsa.read_otp_directory(samhsa.OTP_FILE, otp_report), otp_report))
            batches.append(findtreatment.read_findtreatment(findtreatment.SAMPLE_FILE))
            # Phones, payment and Medicare enrollment for the listings above; they create none.
            for read in (directories.read_directory_2015, directories.read_otp_phones_2020,
                         directories.read_cms_otps_2022):
                drafts, report = read()
                report.creates = False
                batches.append((drafts, report))
            # Health centers add their phone and sliding fee to the listing at their address; the others
            # become health center listings, a tier of their own (providers.search).
            batches.append(directories.read_hrsa_health_centers_2021())
            batches.append(directories.read_nj_syringe_services_2020())
        for path in findtreatment_files:
            batches.append(findtreatment.read_findtreatment(Path(path)))
        batches.extend(extra)
        if shipped:
            seeds = national_services()
            batches.append((seeds, ImportReport(SEED_SOURCE.label, rows_read=len(seeds))))

        listings: list[Draft] = []
        created_by: dict[int, ImportReport] = {}
        for drafts, report in batches:
            fresh = merge_sites(listings, drafts, report, create=report.creates)
            for d in fresh:
                d.terms |= d.source.own_listing_terms
            created_by.update((id(d), report) for d in fresh)
            listings += fresh
        # One place listed twice, by one source or two, or given the street address another listing
        # already had by a merge: one listing.
        listings = merge_same_address(listings, created_by)
        check_points_against_zips(listings, self.geocoder, {report.source: report for _, report in batches})
        with self.Session.begin() as session:
            self._clear(session)
            write_drafts(session, listings)
            reports.apply_reviews(session, self.geocoder)
            index.rebuild(session)
        return [report for _, report in batches]

    def import_hsds(self, path: Path) -> list[ImportReport]:
        """Replace the registry with an HSDS 3.0 document's contents."""
        document = hsds.read_document(Path(path))
        with self.Session.begin() as session:
            self._clear(session)
            report = hsds.import_document(session, document, source=Path(path).name)
            reports.apply_reviews(session, self.geocoder)
            index.rebuild(session)
        return [report]

    def export_hsds(self, out) -> int:
        with self.Session() as session:
            return hsds.export_json(session, out)

    @staticmethod
    def _clear(session) -> None:
        """Every imported row; reports and reviews are not imported and stay (providers.reports)."""
        kept = {RegistryInfo.__tablename__, ListingReport.__tablename__, ListingReview.__tablename__}
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in kept:
                session.execute(delete(table))

    # --- reports and reviews (providers.reports) -----------------------------------------------

    def report_problem(self, listing_id: str, reason: str, channel: str, term: str | None = None,
                       day: str | None = None) -> bool:
        """Store that a listing is wrong; False when the listing, reason, channel or term is unknown."""
        with self.Session.begin() as session:
            return reports.file_report(session, listing_id, reason, channel, term, day)

    def open_reports(self) -> list[reports.OpenReports]:
        with self.Session() as session:
            return reports.open_reports(session)

    def review(self, listing_id: str, outcome: str, organization: str, *, address: dict | None = None,
               phone: str | None = None, term: str | None = None, day: str | None = None) -> None:
        """A navigator checked a listing: store the review, close its reports, change the listing
        and rebuild the index, in one transaction. Raises reports.ReviewError for a review that
        cannot be applied as given, changing nothing."""
        with self.Session.begin() as session:
            reports.record_review(session, self.geocoder, listing_id, outcome, organization, address=address,
                                  phone=phone, term=term, day=day)
            index.rebuild(session)

    # --- reading -------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(Listing.id).limit(1)).first() is None

    def geocode(self, text: str) -> GeocodeResult:
        return self.geocoder.geocode(text)

    def locate(self, where: Where) -> Place:
        if isinstance(where, Place):
            return where
        if isinstance(where, tuple):
            lat, lng = where
            return Place(float(lat), float(lng), "exact", f"{lat:.4f},{lng:.4f}", None)
        result = self.geocoder.geocode(where)
        if result.place is None:
            raise PlaceNotFound(result)
        return result.place

    def search(self, where: Where, filters: Filters | Iterable[str] = Filters(), page: int = 1,
               page_size: int = 3, max_miles: float | None = None) -> SearchResult:
        if not isinstance(filters, Filters):
            filters = Filters.of(*filters)
        return self.searcher.search(self.locate(where), filters, page=page, page_size=page_size, max_miles=max_miles)

    def listing(self, listing_id: str, where: Where | None = None) -> Result | None:
        return self.searcher.listing(listing_id, self.locate(where) if where is not None else None)

    def stats(self) -> dict:
        with self.engine.connect() as conn:
            kinds = dict(conn.execute(select(Listing.kind, func.count()).group_by(Listing.kind)).all())
            counts = conn.execute(select(RegistryInfo.value).where(RegistryInfo.key == "term_counts")).scalar()
            return {
                "organizations": conn.execute(select(func.count()).select_from(Organization)).scalar(),
                "services": conn.execute(select(func.count()).select_from(Service)).scalar(),
                "locations": conn.execute(select(func.count()).select_from(Location)).scalar(),
                "physical_listings": kinds.get("physical", 0),
                "virtual_listings": kinds.get("virtual", 0),
                "listings_by_term": json.loads(counts) if counts else {},
            }
