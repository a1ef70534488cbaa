"""How fast is a search? Prints median, p95 and p99 latency.

    .venv/bin/python bench/search.py [--queries 1000] [--sizes 100000,1000000] [--database URL] [--postgres]

1. The national registry (var/registry.db, built by `make registry`): 1,000
   queries from random US ZIP codes with random filter combinations.
2. The same queries against 100,000 and 1,000,000 synthetic sites, generated
   here into a temporary SQLite file (never committed). Synthetic sites are
   placed at random real ZIP points with up to ~2 miles of jitter, so density
   follows where people live, and carry terms drawn with the national data's
   frequencies. They are written straight into the search index tables
   (`listing`, `listing_term`), the only tables a search reads.

3. With --postgres, the national registry imported into a throwaway PostgreSQL
   (tests/support/services.py): searched through the PostGIS index when PostGIS is
   installed, and by bounding boxes.

A query's time is Searcher.search() from a geocoded point: the SQL, distances,
filters and the page's cards. Geocoding is timed on its own.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import zipcodes  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from providers import db, index, taxonomy  # noqa: E402
from providers.geocode import default_geocoder  # noqa: E402
from providers.models import Listing, ListingTerm, RegistryInfo  # noqa: E402
from providers.registry import Registry  # noqa: E402
from providers.search import Searcher  # noqa: E402
from providers.taxonomy import Filters  # noqa: E402

NEEDS = [(), ("medication:buprenorphine",), ("medication:methadone",), ("medication:naltrexone",),
         ("need:treatment",), ("need:harm_reduction",), ("need:recovery_support",),
         ("medication:buprenorphine_injectable",), ("medication:naltrexone_injectable",)]
PREFERENCES = ["payment:medicaid", "payment:medicare", "payment:self_pay", "payment:private_insurance",
               "setting:outpatient", "setting:residential", "setting:telehealth", "population:pregnant_postpartum",
               "population:veterans", "language:spanish", "access:walk_in"]


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def report(label, seconds):
    ms = [s * 1000 for s in seconds]
    print(f"{label:<44} n={len(ms):>5}  p50={statistics.median(ms):7.2f} ms  p95={percentile(ms, 95):7.2f} ms  "
          f"p99={percentile(ms, 99):7.2f} ms")


def make_queries(n, rng):
    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["active"]
            and z["state"] not in ("AA", "AE", "AP", "FM", "MH", "PW")]
    geocoder = default_geocoder()
    queries, geocode_times = [], []
    for _ in range(n):
        z = rng.choice(zips)["zip_code"]
        t = time.perf_counter()
        result = geocoder.geocode(z)
        geocode_times.append(time.perf_counter() - t)
        terms = list(rng.choice(NEEDS)) + rng.sample(PREFERENCES, rng.choice((0, 0, 1, 1, 2, 3)))
        queries.append((result.place, Filters.of(*terms)))
    return queries, geocode_times


def run(searcher, queries, page_size=3):
    times = []
    for place, filters in queries[:20]:  # warm caches, as a running server has
        searcher.search(place, filters, page_size=page_size)
    for place, filters in queries:
        t = time.perf_counter()
        searcher.search(place, filters, page_size=page_size)
        times.append(time.perf_counter() - t)
    return times


def synthesize(url, n, rng, national):
    """n synthetic sites into a fresh database's search index."""
    engine = db.make_engine(url)
    db.migrate(engine)
    with national.connect() as conn:
        term_sets = [row.split() for row in conn.execute(
            select(Listing.terms).where(Listing.kind == "physical")).scalars()]
        virtual = conn.execute(select(Listing).where(Listing.kind == "virtual")).all()
    zips = [z for z in zipcodes.list_all() if z["state"] not in ("AA", "AE", "AP", "FM", "MH", "PW")]
    card = json.dumps({"name": "Synthetic site", "phones": [], "address": None, "sources": [
        {"label": "synthetic", "file": "bench", "checked": "2026-11-23"}], "checked": "2026-11-23", "terms": []})
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        conn.execute(insert(Listing), [dict(r._mapping) for r in virtual])
        listings, rows = [], []
        for i in range(n):
            z = rng.choice(zips)
            lat = float(z["lat"]) + rng.uniform(-0.03, 0.03)
            lng = float(z["long"]) + rng.uniform(-0.03, 0.03)
            base = set(rng.choice(term_sets))
            base |= {t for t in rng.sample(PREFERENCES, rng.choice((0, 1, 2, 3)))}
            terms = index.searchable_terms(t for t in base if t in taxonomy.BY_ID)
            joined = " ".join(sorted(terms))
            listing_id = f"synthetic-{i:07d}"
            listings.append({"id": listing_id, "kind": "physical", "latitude": lat, "longitude": lng,
                             "terms": joined, "card": card})
            for t in sorted(index.index_terms(terms)):  # as the registry indexes them: health centers apart
                counts[t] = counts.get(t, 0) + 1
                rows.append({"term": t, "latitude": lat, "longitude": lng, "listing_id": listing_id, "terms": joined})
            if len(rows) > 50_000:
                conn.execute(insert(Listing), listings)
                conn.execute(insert(ListingTerm), rows)
                listings, rows = [], []
        if rows:
            conn.execute(insert(Listing), listings)
            conn.execute(insert(ListingTerm), rows)
        conn.execute(insert(RegistryInfo), [{"key": "generation", "value": "1"},
                                            {"key": "term_counts", "value": json.dumps(counts)}])
    return engine


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--database", default=None, help="the national registry (default var/registry.db)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true",
                        help="also the national registry on a throwaway PostgreSQL, with and without PostGIS")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    national = db.make_engine(args.database)
    with national.connect() as conn:
        n_sites = conn.execute(select(Listing.id).where(Listing.kind == "physical")).all()
    if not n_sites:
        sys.exit("The registry is empty: run `make registry` first.")
    queries, geocode_times = make_queries(args.queries, rng)
    print(f"{args.queries} queries from random US ZIP codes, random filter combinations, 3 results a page")
    report("geocode a ZIP (offline)", geocode_times)
    report(f"national registry ({len(n_sites):,} sites)", run(Searcher(national), queries))

    if args.postgres:
        from support import services

        with services.Postgres() as pg:
            registry = Registry(pg.create_database("registry"), migrate=True)
            registry.import_sources()
            with registry.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")  # the plans a database gets once autovacuum has run
            searcher = Searcher(registry.engine)
            searcher.search(*queries[0])
            if searcher.postgis:
                report("  on PostgreSQL + PostGIS (nearest first)", run(searcher, queries))
            searcher.postgis = False  # the same database searched as one without PostGIS is
            report("  on PostgreSQL (bounding boxes)", run(searcher, queries))
            registry.engine.dispose()

    for size in [int(s) for s in args.sizes.split(",") if s]:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            engine = synthesize(f"sqlite:///{tmp}/synthetic.db", size, rng, national)
            built = time.perf_counter() - t
            report(f"synthetic {size:,} sites (built in {built:.0f} s)", run(Searcher(engine), queries))
            engine.dispose()


if __name__ == "__main__":
    main()
