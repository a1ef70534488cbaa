"""Find listings near a point: nearest first, filtered by the vocabulary.

How a search works:
1. The required terms (what the person needs: a medication, a support) pick
   the rarest one to read through the ``listing_term`` index, inside a bounding
   box around the point; the box grows until enough listings match or the
   widest radius is reached, so a local search never reads the whole table.
   On PostgreSQL with PostGIS (providers.db) the index instead hands over that
   term's listings nearest first, in growing batches, with the same answers.
2. Each candidate is checked against every filter: required terms must be
   there; a listing that reports its payments (or settings) but not the asked
   one is left out; preferences only rank and are marked matched or unknown.
3. Great-circle distance narrows the candidates; exact geodesic distance (geopy)
   orders them: distance first (to a tenth of a mile), then how many requested
   terms match, then id, so ties are stable.
4. It never answers with nothing: the radius widens in steps and says so;
   when no listing in reach reports the asked payment or setting, the nearest
   that meet the need come back marked; past the widest radius (Juneau, Nome)
   the nearest listing wherever it is comes back with its distance (`beyond`);
   virtual services whose area covers the point and the national lines come
   with every answer.
5. Places only veterans can use (VA medical centers, providers.index) come
   after every other place, unless the person said they are a veteran.
   Places with open "closed" reports from two days (providers.reports) come
   last of all, marked, until a navigator reviews them.
6. Health centers are a tier of their own: a treatment search whose first page
   has fewer than three medication listings within NEAR_MILES also brings the
   nearest health centers (`health_centers`), never among its results; so does
   one that asks for a doctor or primary care (setting:health_center beside a
   treatment need). They are kept in memory (_HealthCenters), and looked for
   only then; one reported closed is not offered. Asked for alone, health
   centers are the results.
"""
from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, or_, select, text
from sqlalchemy.engine import Engine

from providers import db, geo, taxonomy
from providers.areas import Area
from providers.geocode import GeocodeResult, Place
from providers.index import ALL, FOR_VETERANS
from providers.matching import street_without_po_box
from providers.models import Listing, ListingTerm, RegistryInfo
from providers.reports import REPORTED_CLOSED
from providers.taxonomy import Filters

NEAR_MILES = 25.0  # what "near" means before a search says it widened
RADIUS_STEPS = (25.0, 50.0, 100.0, 250.0, 500.0)  # the radii a person is told about
FIRST_BOX_MILES = 5.0
GREAT_CIRCLE_MARGIN = 1.006  # great-circle is within 0.6% of geodesic
ANYWHERE_MILES = 12_500.0  # half way round the Earth: past the widest radius, the nearest listing wherever it is
VETERANS = "population:veterans"  # the person said they are a veteran: VA places rank with the others
NATIONAL_LINE_TERMS = ("support:crisis_line", "support:helpline")
# Methadone for opioid use disorder is dispensed only by certified opioid treatment programs.
IMPLIED_TERMS = {"medication:methadone": ("setting:otp",)}
ENOUGH_NEAR = 3  # medication listings within NEAR_MILES; with fewer, a treatment search offers health centers
HEALTH_CENTERS_OFFERED = 2
HEALTH_CENTER_MILES = RADIUS_STEPS[1]  # further than this, a health center is no nearer than the listings shown


class PlaceNotFound(ValueError):
    def __init__(self, result: GeocodeResult):
        super().__init__(result.reason or "not_found")
        self.result = result


@dataclass(frozen=True)
class Result:
    id: str
    kind: str  # physical | virtual
    miles: float | None
    card: dict
    terms: frozenset[str]
    matched: tuple[str, ...] = ()  # requested terms this listing has
    unknown: tuple[str, ...] = ()  # requested terms its source does not report either way
    missing: tuple[str, ...] = ()  # requested preferences it reports not having
    reported_closed: bool = False  # open "closed" reports from two days, not yet reviewed (providers.reports)

    @property
    def name(self) -> str:
        return self.card["name"]

    @property
    def phone(self) -> str | None:
        voice = [p["number"] for p in self.card["phones"] if p.get("type") in (None, "voice")]
        return voice[0] if voice else (self.card["phones"][0]["number"] if self.card["phones"] else None)

    def fact(self, key: str) -> tuple[str, str] | None:
        """(source label, date it was checked) of one fact: "name", "address", "phone:<number>",
        "term:<id>"; None when the registry does not know (an HSDS import without it)."""
        found = self.card.get("facts", {}).get(key)
        return (found[0], found[1]) if found else None

    def fact_year(self, key: str) -> str | None:
        found = self.fact(key)
        return found[1][:4] if found and found[1] else None

    @property
    def phone_year(self) -> str | None:
        """The year the phone shown was listed, when that is older than the listing's newest
        fact ("phone listed 2015"); None when it is as fresh as the rest, or unknown."""
        number = self.phone
        year = self.fact_year(f"phone:{number}") if number else None
        newest = (self.card.get("checked") or "")[:4]
        return year if year and newest and year < newest else None

    @property
    def text_number(self) -> str | None:
        texts = [p["number"] for p in self.card["phones"] if p.get("type") == "text"]
        return texts[0] if texts else None

    @property
    def address_line(self) -> str | None:
        """The address a person can walk to, without any P.O. box in it; None when the listing has
        none (no address, or only a P.O. box: see town_line)."""
        a = self.card.get("address")
        street = street_without_po_box(a["address_1"] or "") if a else None
        if a is None or street is None:
            return None
        suite = street_without_po_box(a.get("address_2") or "")
        street = f"{street}, {suite}" if suite else street
        return f"{street}, {a['city']}, {a['state']} {a['postal_code']}".rstrip()  # HRSA gives no ZIP code

    @property
    def town_line(self) -> str | None:
        """ "Bridgeton, NJ 08302": where a listing whose only street is a P.O. box is, to show with its
        phone; None when it has a street address (address_line) or no address at all."""
        a = self.card.get("address")
        if not a or self.address_line is not None:
            return None
        return f"{a['city']}, {a['state']} {a['postal_code']}".strip(", ")

    @property
    def for_veterans(self) -> bool:
        """Run by the VA: only veterans can go there (providers.index)."""
        return bool(self.card.get("for_veterans"))

    @property
    def source_line(self) -> str:
        """Every listing shown says where it came from and when it was last checked."""
        parts = [f"{s['label']}, checked {format_checked(s['checked'])}" for s in self.card["sources"]]
        return "; ".join(parts) or "source unknown"

    @property
    def partial(self) -> bool:
        return bool(self.unknown or self.missing)


@dataclass(frozen=True)
class SearchResult:
    place: Place
    filters: Filters
    results: list[Result]  # this page, nearest first
    page: int
    page_size: int
    has_more: bool
    radius_miles: float  # the radius that holds this page
    widened: bool  # the page needed more than NEAR_MILES
    virtual: list[Result] = field(default_factory=list)  # virtual services covering the point, matching the need
    national: list[Result] = field(default_factory=list)  # lines that serve everyone (988, SAMHSA helpline)
    relaxed: tuple[str, ...] = ()  # asked-for payments or settings no listing in reach reports: shown as missing
    beyond: bool = False  # nothing within the widest radius: the results are the nearest listings wherever they are
    # Few medication listings near: the nearest health centers, nearest first. Never counted among the results.
    health_centers: list[Result] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.results


def format_checked(checked: str | None) -> str:
    """ "2020-09" -> "Sep 2020"; "2026-11-23" -> "Nov 23, 2026"."""
    if not checked:
        return "date unknown"
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    parts = checked.split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        if len(parts) > 2:
            return f"{months[month - 1]} {int(parts[2])}, {year}"
        return f"{months[month - 1]} {year}"
    except (ValueError, IndexError):
        return checked


@dataclass(frozen=True)
class _Request:
    required: frozenset[str]
    exclusive: dict[str, frozenset[str]]  # facet -> acceptable terms
    requested: tuple[str, ...]  # every term asked for, for marking matches


def _request(filters: Filters) -> _Request:
    required: set[str] = set()
    exclusive: dict[str, set[str]] = {}
    for tid in filters.terms:
        t = taxonomy.term(tid)
        policy = taxonomy.FACETS[t.facet]
        if tid == taxonomy.HEALTH_CENTER:
            required.add(tid)  # a kind of listing, found only by asking for it (providers.index.index_terms)
        elif policy == "required" and t.parent and taxonomy.term(t.parent).facet == t.facet:
            # A form of a medication (the naltrexone shot, the buprenorphine shot): most sources
            # list only the medication, so require that and mark the form "ask about".
            required.add(t.parent)
            required.update(IMPLIED_TERMS.get(t.parent, ()))
        elif policy == "required":
            required.add(tid)
            required.update(IMPLIED_TERMS.get(tid, ()))
        elif policy == "exclusive":
            exclusive.setdefault(t.facet, set()).add(tid)
    return _Request(frozenset(required), {k: frozenset(v) for k, v in exclusive.items()},
                    tuple(sorted(filters.terms)))


def _evaluate(req: _Request, terms: frozenset[str]) -> tuple[tuple, tuple, tuple] | None:
    """(matched, unknown, missing) requested terms, or None when the listing is left out."""
    if not req.required <= terms:
        return None
    for facet, wanted in req.exclusive.items():
        reported = any(t.startswith(facet + ":") for t in terms)
        if facet == "payment" and "payment:free" in terms:
            continue  # free serves every way of paying
        if reported and not (wanted & terms):
            return None
    matched, unknown, missing = [], [], []
    for tid in req.requested:
        if tid in terms or (tid.startswith("payment:") and "payment:free" in terms):
            matched.append(tid)
        elif taxonomy.BY_ID[tid].parent in terms:
            unknown.append(tid)  # the medication is listed, not which forms of it
        elif any(t.startswith(taxonomy.BY_ID[tid].facet + ":") for t in terms):
            missing.append(tid)
        else:
            unknown.append(tid)
    return tuple(matched), tuple(unknown), tuple(missing)


class _HealthCenters:
    """Every health center's point, kept in memory in cells of a tenth of a degree: the one or two nearest
    are found in tens of microseconds, not by another read of the database on a search that made one."""

    CELL = 0.1  # degrees: about 7 miles of latitude
    FIRST_RADIUS = 6.25  # miles; doubled until the nearest are known, as _in_boxes does

    def __init__(self, rows=()):
        self._cells: dict[tuple[int, int], list[tuple[str, float, float, frozenset[str]]]] = {}
        sets: dict[str, frozenset[str]] = {}  # most share one set of terms
        for listing_id, la, lo, terms in rows:
            term_set = sets.get(terms) or sets.setdefault(terms, frozenset(terms.split()))
            self._cells.setdefault(self._cell(la, lo), []).append((listing_id, la, lo, term_set))

    def _cell(self, lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / self.CELL), math.floor(lng / self.CELL)

    def _within(self, lat: float, lng: float, radius: float) -> list[tuple]:
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
        (low_row, low_col), (high_row, high_col) = self._cell(min_lat, min_lng), self._cell(max_lat, max_lng)
        within = radius * GREAT_CIRCLE_MARGIN
        candidates = []
        for row in range(low_row, high_row + 1):
            for col in range(low_col, high_col + 1):
                for listing_id, la, lo, terms in self._cells.get((row, col), ()):
                    approx = geo.haversine_miles(lat, lng, la, lo)
                    if approx <= within:
                        candidates.append((approx, listing_id, la, lo, terms))
        candidates.sort(key=lambda c: c[0])
        return candidates

    def nearest(self, lat: float, lng: float, needed: int, limit: float) -> list[tuple]:
        """The `needed` nearest within `limit` miles, as _nearest gives them: (miles, id, terms, evaluation)."""
        if not self._cells:
            return []
        radius = min(self.FIRST_RADIUS, limit)
        while True:
            candidates = self._within(lat, lng, radius)
            if radius >= limit or _page_fits([c[0] for c in candidates], needed, radius):
                break
            radius = min(radius * 2, limit)
        if len(candidates) > needed:  # exact distances only for the ones that can rank
            cutoff = _reach(candidates[needed - 1][0])
            candidates = [c for c in candidates if c[0] <= cutoff]
        exact = []
        for _, listing_id, la, lo, terms in candidates:
            miles = geo.lambert_miles(lat, lng, la, lo)  # geodesic to within a foot, some fifty times faster
            if miles <= limit:
                exact.append((round(miles, 1), listing_id, terms, ((), (), ())))
        exact.sort(key=lambda c: (c[0], c[1]))
        return exact[:needed]


# Built once: the statements a search runs. For each box it reads:
_IN_BOX = (
    select(ListingTerm.listing_id, ListingTerm.latitude, ListingTerm.longitude, ListingTerm.terms)
    .where(and_(ListingTerm.term == bindparam("term"),
                ListingTerm.latitude.between(bindparam("min_lat"), bindparam("max_lat")),
                ListingTerm.longitude.between(bindparam("min_lng"), bindparam("max_lng"))))
)
# With PostGIS, for each batch it reads nearest first. `<->` on geography orders by great-circle distance, as
# haversine_miles measures it; the GiST index serves it only with the index's own expression (db.LISTING_POINT).
# No ST_DWithin: with table statistics the planner turns it into a read of every listing in reach, then a sort.
_NEAREST_FIRST = text(
    f"SELECT listing_id, latitude, longitude, terms FROM listing_term WHERE term = :term"
    f" ORDER BY {db.LISTING_POINT} <-> ST_MakePoint(:lng, :lat)::geography LIMIT :n"
)


def _medication_listings_near(found: list[tuple], near_miles: float) -> int:
    """How many of the ranked (miles, id, terms, evaluation) listings are within `near_miles` and list a medication."""
    return sum(1 for miles, _, terms, _ in found
               if miles <= near_miles and any(t.startswith("medication:") for t in terms))


def _candidates(req: _Request, lat: float, lng: float, rows, within: float) -> list[tuple]:
    """(great-circle miles, id, lat, lng, terms, evaluation) of the rows in reach that pass the filters."""
    candidates = []
    for listing_id, la, lo, terms_text in rows:
        approx = geo.haversine_miles(lat, lng, la, lo)
        if approx > within:
            continue
        terms = frozenset(terms_text.split())
        evaluation = _evaluate(req, terms)
        if evaluation is not None:
            candidates.append((approx, listing_id, la, lo, terms, evaluation))
    return candidates


def _page_fits(approx_miles: list[float], needed: int, radius: float) -> bool:
    """Whether a box of `radius` holds the `needed` nearest (sorted great-circle miles) and every listing
    that could rank with them: a box that only just holds them could leave a page short."""
    return len(approx_miles) >= needed and _reach(approx_miles[needed - 1]) <= radius * GREAT_CIRCLE_MARGIN


def _reach(approx: float) -> float:
    """How far (great-circle) a listing can be and still rank with one `approx` miles away: the approximation's
    margin both ways, and a tenth of a mile for the rounding of exact distances."""
    return approx * 1.012 + 0.1


# What a search checks before each query: whether an import or a report changed the registry
# (two equalities, not IN: an expanding IN is rendered again on every execution).
_REGISTRY_STATE = select(RegistryInfo.key, RegistryInfo.value).where(
    or_(RegistryInfo.key == "generation", RegistryInfo.key == REPORTED_CLOSED))


class Searcher:
    """Searches one registry database; safe to share between threads."""

    def __init__(self, engine: Engine, near_miles: float = NEAR_MILES, radius_steps=RADIUS_STEPS):
        self.engine = engine
        self.near_miles = near_miles
        self.radius_steps = tuple(radius_steps)
        self.max_miles = self.radius_steps[-1]
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._term_counts: dict[str, int] = {}
        self._virtual: list[tuple[Result, Area]] = []
        self._for_veterans: frozenset[str] = frozenset()
        self._health_centers = _HealthCenters()
        self._reported_closed: frozenset[str] = frozenset()
        self._reported_closed_value: str | None = None
        self.postgis: bool | None = None  # whether searches read the PostGIS index; known after the first search

    # --- cached facts of the current registry generation ---------------------------------------

    def _refresh(self, conn) -> None:
        # Reports change between imports: a report does not make every search reload the registry.
        now = dict(conn.execute(_REGISTRY_STATE).all())
        closed = now.get(REPORTED_CLOSED)
        if closed != self._reported_closed_value:
            self._reported_closed = frozenset(json.loads(closed)) if closed else frozenset()
            self._reported_closed_value = closed
        generation = now.get("generation")
        if generation == self._generation:
            return
        with self._lock:
            counts = conn.execute(select(RegistryInfo.value).where(RegistryInfo.key == "term_counts")).scalar()
            veterans = conn.execute(select(RegistryInfo.value).where(RegistryInfo.key == FOR_VETERANS)).scalar()
            virtual = []
            for row in conn.execute(select(Listing.id, Listing.terms, Listing.card).where(Listing.kind == "virtual")
                                    .order_by(Listing.id)):
                card = json.loads(row.card)
                area = card.get("area") or {}
                try:
                    shape = Area.from_hsds(area.get("uri"), area.get("extent"))
                except ValueError:
                    continue  # a virtual service without a usable area is offered nowhere
                virtual.append((Result(row.id, "virtual", None, card, frozenset(row.terms.split())), shape))
            # Read once a generation (8,725 rows, some milliseconds), so a search never reads them.
            centers = _HealthCenters(conn.execute(
                select(ListingTerm.listing_id, ListingTerm.latitude, ListingTerm.longitude, ListingTerm.terms)
                .where(ListingTerm.term == taxonomy.HEALTH_CENTER)).all())
            self._term_counts = json.loads(counts) if counts else {}
            self._health_centers = centers
            self._virtual = virtual
            self._for_veterans = frozenset(json.loads(veterans)) if veterans else frozenset()
            self._generation = generation

    # --- the search ----------------------------------------------------------------------------

    def search(self, place: Place, filters: Filters = Filters(), page: int = 1, page_size: int = 3,
               max_miles: float | None = None) -> SearchResult:
        """`max_miles` caps the widening: a meeting or a syringe program is only worth listing
        nearby, while a methadone clinic may be worth a long drive."""
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        limit = min(max_miles or self.max_miles, self.max_miles)
        treatment = "need:treatment" in taxonomy.needs_of(filters.terms)
        # Asking for a doctor or primary care with a treatment need: the treatment listings, and health centers
        # beside them however many listings are near. Asked for alone, health centers are the listings.
        asked_for_health_centers = treatment and taxonomy.HEALTH_CENTER in filters.terms
        req = _request(Filters(filters.terms - {taxonomy.HEALTH_CENTER}) if asked_for_health_centers else filters)
        offer_health_centers = page == 1 and treatment
        needed = page * page_size + 1  # one more tells whether there is a next page
        if offer_health_centers:
            needed = max(needed, ENOUGH_NEAR)
        lat, lng = place.latitude, place.longitude
        relaxed: tuple[str, ...] = ()
        beyond = False
        with self.engine.connect() as conn:
            self._refresh(conn)
            # Listings people say closed come last of all, veteran or not, until a navigator checks.
            later = (frozenset() if VETERANS in filters.terms else self._for_veterans) | self._reported_closed
            found, searched = self._nearest(conn, req, lat, lng, needed, limit, later)
            if not found and req.exclusive:
                # Nothing in reach reports that payment or setting: show the nearest that meet the
                # need, marked, rather than no place at all.
                relaxed = tuple(sorted(t for terms in req.exclusive.values() for t in terms))
                req = _Request(req.required, {}, req.requested)
                found, searched = self._nearest(conn, req, lat, lng, needed, limit, later)
            if not found and max_miles is None and "need:treatment" in taxonomy.needs_of(filters.terms):
                # No treatment within the widest radius (Juneau, Nome): the nearest place wherever it is,
                # with its distance, beats no place. Supports and searches capped nearer stay local.
                found, _ = self._nearest(conn, req, lat, lng, needed, ANYWHERE_MILES, later, first_box=limit)
                beyond = bool(found)
            shown = found[(page - 1) * page_size: page * page_size]
            centers = []
            # Only then: on most searches no health center is looked for.
            if offer_health_centers and (asked_for_health_centers
                                         or _medication_listings_near(found, self.near_miles) < ENOUGH_NEAR):
                # A medication place another source lists at a health center is on the page already; one
                # people say is closed is not offered to call.
                skip = {r[1] for r in shown} | self._reported_closed
                centers = [c for c in self._health_centers.nearest(lat, lng, HEALTH_CENTERS_OFFERED + 2,
                                                                   HEALTH_CENTER_MILES)
                           if c[1] not in skip][:HEALTH_CENTERS_OFFERED]
            cards = {}
            if shown or centers:
                ids = [r[1] for r in shown + centers]
                cards = {row.id: json.loads(row.card)
                         for row in conn.execute(select(Listing.id, Listing.card).where(Listing.id.in_(ids)))}
        results = [Result(listing_id, "physical", miles, cards[listing_id], terms, matched, unknown, missing,
                          reported_closed=listing_id in self._reported_closed)
                   for miles, listing_id, terms, (matched, unknown, missing) in shown]
        health_centers = [Result(listing_id, "physical", miles, cards[listing_id], terms)
                          for miles, listing_id, terms, _ in centers]
        furthest = results[-1].miles if results else searched
        radius = limit if beyond else next((r for r in self.radius_steps if r >= furthest), limit)
        virtual, national = [], []
        state = geo.state_at(lat, lng)
        for result, area in self._virtual:
            if not area.contains(lat, lng, state=state):
                continue
            if result.terms & set(NATIONAL_LINE_TERMS):
                national.append(result)
            evaluation = _evaluate(req, result.terms)
            if evaluation is not None and (req.required or not result.terms & set(NATIONAL_LINE_TERMS)):
                virtual.append(Result(result.id, "virtual", None, result.card, result.terms, *evaluation))
        return SearchResult(
            place=place, filters=filters, results=results, page=page, page_size=page_size,
            has_more=len(found) > page * page_size, radius_miles=radius, widened=radius > self.near_miles,
            virtual=virtual, national=national, relaxed=relaxed, beyond=beyond, health_centers=health_centers,
        )

    def _nearest(self, conn, req: _Request, lat: float, lng: float, needed: int, limit: float,
                 later: frozenset[str] = frozenset(), first_box: float = FIRST_BOX_MILES):
        """The `needed` nearest matching listings within `limit` miles (fewer if there are not so
        many), as (miles, id, terms, evaluation) sorted by rank, the listings in `later` after all
        others; and the radius that was searched."""
        term = min(req.required, key=lambda t: self._term_counts.get(t, 0)) if req.required else ALL
        if req.required and any(self._term_counts.get(t, 0) == 0 for t in req.required):
            return [], limit
        if self.postgis is None:
            self.postgis = db.has_point_index(conn)  # the index comes with the schema, before any search
        nearest = self._nearest_first if self.postgis else self._in_boxes
        candidates, radius = nearest(conn, req, term, lat, lng, needed, limit, later, first_box)
        candidates.sort(key=lambda c: c[0])
        # Exact distances for the ones that can reach the page, with a margin for the approximation.
        first = [c for c in candidates if c[1] not in later]
        if len(first) >= needed:
            cutoff = _reach(first[needed - 1][0])
            candidates = [c for c in first if c[0] <= cutoff]
        elif len(candidates) > needed:
            rest = [c for c in candidates if c[1] in later]
            cutoff = _reach(rest[needed - len(first) - 1][0])
            candidates = first + [c for c in rest if c[0] <= cutoff]
        exact = []
        for _, listing_id, la, lo, terms, evaluation in candidates:
            miles = geo.geodesic_miles(lat, lng, la, lo)
            if miles <= limit:
                exact.append((round(miles, 1), listing_id, terms, evaluation))
        exact.sort(key=lambda c: (c[1] in later, c[0], -len(c[3][0]), c[1]))
        return exact[:needed], radius

    @staticmethod
    def _in_boxes(conn, req: _Request, term: str, lat: float, lng: float, needed: int, limit: float,
                  later: frozenset[str], first_box: float):
        """Candidates in a box that doubles from `first_box` (a radius known to hold too few) until `needed`
        pass or it reaches `limit`; and its radius."""
        radius = min(first_box, limit)
        while True:
            min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
            rows = conn.execute(_IN_BOX, {"term": term, "min_lat": min_lat, "max_lat": max_lat,
                                          "min_lng": min_lng, "max_lng": max_lng}).all()
            candidates = _candidates(req, lat, lng, rows, radius * GREAT_CIRCLE_MARGIN)
            if radius >= limit or _page_fits(sorted(c[0] for c in candidates if c[1] not in later), needed, radius):
                return candidates, radius
            radius = min(radius * 2, limit)

    @staticmethod
    def _nearest_first(conn, req: _Request, term: str, lat: float, lng: float, needed: int, limit: float,
                       later: frozenset[str], first_box: float):
        """The candidates and radius _in_boxes finds, read nearest first in growing batches: until `needed`
        pass and the batch reaches past every listing that could rank with them, or past `limit`."""
        within = limit * GREAT_CIRCLE_MARGIN
        n = needed * 4
        while True:
            rows = conn.execute(_NEAREST_FIRST, {"term": term, "lat": lat, "lng": lng, "n": n}).all()
            candidates = _candidates(req, lat, lng, rows, within)
            ranked = [c for c in candidates if c[1] not in later]
            far = _reach(ranked[needed - 1][0]) if len(ranked) >= needed else within
            if len(rows) < n or geo.haversine_miles(lat, lng, rows[-1].latitude, rows[-1].longitude) > min(far, within):
                break
            n *= 4
        # Stop at the box _in_boxes stops at, so the answers are the same to the listing on every database.
        radius = min(first_box, limit)
        while radius < limit and not _page_fits([c[0] for c in candidates if c[1] not in later], needed, radius):
            radius = min(radius * 2, limit)
        return [c for c in candidates if c[0] <= radius * GREAT_CIRCLE_MARGIN], radius

    def listing(self, listing_id: str, place: Place | None = None) -> Result | None:
        with self.engine.connect() as conn:
            self._refresh(conn)
            listing = conn.execute(select(Listing.id, Listing.kind, Listing.latitude, Listing.longitude, Listing.terms,
                                          Listing.card).where(Listing.id == listing_id)).first()
        if listing is None:
            return None
        miles = None
        if place is not None and listing.latitude is not None:
            miles = round(geo.geodesic_miles(place.latitude, place.longitude, listing.latitude, listing.longitude), 1)
        return Result(listing.id, listing.kind, miles, json.loads(listing.card), frozenset(listing.terms.split()),
                      reported_closed=listing.id in self._reported_closed)
