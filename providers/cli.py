"""`providers`: build, search, count and export the registry from a shell.

    providers import                       # the shipped listings (replaces the registry)
    providers import --findtreatment f.json
    providers import --hsds export.json    # exactly that directory
    providers search 19134 --medication buprenorphine --payment medicaid
    providers stats
    providers quality                      # phones, payment, P.O. boxes, far points, old facts per source
    providers export --format hsds > registry.json
    providers diff sqlite:///before.db sqlite:///var/registry.db   # or HSDS files: what an import changed
    providers pull-findtreatment --near 38.03,-78.48 --miles 25 --out pull.json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from providers import db, taxonomy
from providers.ingest import MalformedFile
from providers.migrations import SchemaError
from providers.search import PlaceNotFound, Result, SearchResult

FILTER_FACETS = ("need", "medication", "setting", "payment", "population", "language", "access", "support")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="providers", description="The treatment navigator's provider registry.")
    parser.add_argument("--database", help="SQLAlchemy URL (default: NAVIGATOR_DATABASE_URL or var/registry.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    p_import = sub.add_parser("import", help="replace the registry's listings")
    p_import.add_argument("--hsds", type=Path, help="an HSDS 3.0 JSON document: the registry becomes exactly it")
    p_import.add_argument("--findtreatment", type=Path, action="append", default=[],
                          help="a FindTreatment.gov JSON answer to add to the shipped listings")

    p_search = sub.add_parser("search", help="listings near a place")
    p_search.add_argument("place", help='a ZIP, "City, ST", a state or "lat,lng"')
    for facet in FILTER_FACETS:
        codes = ", ".join(t.code for t in taxonomy.terms_of(facet))
        p_search.add_argument(f"--{facet}", action="append", default=[], metavar="CODE", help=f"one of: {codes}")
    p_search.add_argument("--page", type=int, default=1)
    p_search.add_argument("--page-size", type=int, default=5)
    p_search.add_argument("--json", action="store_true", help="print the result as JSON")

    sub.add_parser("stats", help="what the registry holds")
    sub.add_parser("quality", help="how many listings a person can act on, per source")

    p_export = sub.add_parser("export", help="write the registry to stdout or a file")
    p_export.add_argument("--format", choices=["hsds"], default="hsds")
    p_export.add_argument("--out", type=Path)

    p_diff = sub.add_parser("diff", help="services added, removed and changed (name, address, phone, terms)")
    p_diff.add_argument("old", help="a registry's database URL (sqlite:///before.db) or an HSDS JSON file")
    p_diff.add_argument("new", help="the same, after")

    p_pull = sub.add_parser("pull-findtreatment", help="fetch FindTreatment.gov listings near a point (network)")
    p_pull.add_argument("--near", required=True, help="lat,lng")
    p_pull.add_argument("--miles", type=float, default=25)
    p_pull.add_argument("--out", type=Path, required=True)

    args = parser.parse_args(argv)
    from providers.registry import Registry  # after parsing, so --help stays fast

    try:
        if args.command == "pull-findtreatment":
            from providers.importers.findtreatment import pull
            lat, lng = (float(x) for x in args.near.split(","))
            n = asyncio.run(pull(lat, lng, args.miles, args.out))
            print(f"wrote {n} rows to {args.out}; import them with: providers import --findtreatment {args.out}")
            return 0
        if args.command == "diff":
            from providers import registry_diff
            diff = registry_diff.compare(registry_diff.read_side(args.old), registry_diff.read_side(args.new))
            print("\n".join(diff.lines()))
            return 0
        # An import writes the registry, so it may bring the schema up to date; other commands only read it.
        registry = Registry(args.database, migrate=args.command == "import")
        if args.command == "import":
            if args.hsds:
                reports = registry.import_hsds(args.hsds)
            else:
                reports = registry.import_sources(findtreatment_files=args.findtreatment)
            for report in reports:
                print("\n".join(report.lines()))
            stats = registry.stats()
            print(f"registry: {stats['physical_listings']} listings at a place, "
                  f"{stats['virtual_listings']} virtual or national services")
            return 0
        if args.command == "stats":
            print(json.dumps(registry.stats(), indent=1, sort_keys=True))
            return 0
        if args.command == "quality":
            from providers import quality
            print("\n".join(quality.report_lines(quality.measure(registry.engine, registry.geocoder))))
            return 0
        if args.command == "export":
            out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
            try:
                n = registry.export_hsds(out)
            finally:
                if args.out:
                    out.close()
            print(f"exported {n} services", file=sys.stderr)
            return 0
        if args.command == "search":
            terms = [taxonomy.resolve(facet, code).id for facet in FILTER_FACETS for code in getattr(args, facet)]
            if registry.is_empty():
                print("The registry is empty: run `providers import` first.", file=sys.stderr)
                return 1
            result = registry.search(args.place, terms, page=args.page, page_size=args.page_size)
            print(json.dumps(result_json(result), indent=1) if args.json else format_result(result))
            return 0
    except taxonomy.UnknownTerm as e:
        print(f"providers: {e}", file=sys.stderr)
        return 2
    except PlaceNotFound as e:
        print(f"providers: {describe_place_problem(e)}", file=sys.stderr)
        return 2
    except MalformedFile as e:
        print(f"providers: {e}. The registry was not changed.", file=sys.stderr)
        return 1
    except SchemaError as e:
        print(f"providers: {e}", file=sys.stderr)
        return 1
    except SQLAlchemyError as e:  # permission denied, cannot connect: one line, not a traceback
        print(f"providers: {db.describe_error(e, db.database_url(args.database))}", file=sys.stderr)
        return 1
    return 0


def describe_place_problem(e: PlaceNotFound) -> str:
    r = e.result
    if r.reason == "ambiguous":
        return "which one? " + "; ".join(c.display_name for c in r.candidates)
    return {"empty": "give a ZIP code, a city and state, or lat,lng",
            "outside_us": "that place is outside the US; the registry covers the US and its territories",
            "unknown_zip": "that is not a US ZIP code"}.get(r.reason or "", "no such place in the US that I know")


def format_result(result: SearchResult) -> str:
    lines = [f"Near {result.place.display_name} ({result.place.precision})"
             + (f" - widened to {result.radius_miles:g} miles" if result.widened else "")]
    if result.empty:
        lines.append(f"No listing at a place within {result.radius_miles:g} miles matches.")
    elif result.beyond:
        lines.append(f"No listing at a place within {result.radius_miles:g} miles matches; the nearest:")
    start = (result.page - 1) * result.page_size
    for i, r in enumerate(result.results, start=start + 1):
        lines.append(f"{i}. {r.name} - {r.miles:.1f} mi")
        lines += ["   " + line for line in describe(r)]
    if result.has_more:
        lines.append(f"(more: --page {result.page + 1})")
    if result.virtual:
        lines.append("Also available where you are:")
        for r in result.virtual:
            lines.append(f"- {r.name}")
            lines += ["   " + line for line in describe(r)]
    if result.national:
        lines.append("National lines: " + "; ".join(f"{r.name} {r.phone or ''}".strip() for r in result.national))
    return "\n".join(lines)


def describe(r: Result) -> list[str]:
    lines = [f"phone: {r.phone}" if r.phone else "phone: none listed"]
    if r.for_veterans:
        lines.append("for veterans only (VA)")
    if r.address_line:
        lines.append(r.address_line)
    elif r.town_line:
        lines.append(f"{r.town_line} (a P.O. box: call for the address)")
    elif r.card.get("url"):
        lines.append(r.card["url"])
    if r.matched:
        lines.append("matches: " + ", ".join(taxonomy.BY_ID[t].label for t in r.matched))
    if r.unknown:
        lines.append("ask about: " + ", ".join(taxonomy.BY_ID[t].label for t in r.unknown))
    if r.missing:
        lines.append("does not list: " + ", ".join(taxonomy.BY_ID[t].label for t in r.missing))
    lines.append(f"source: {r.source_line}")
    return lines


def result_json(result: SearchResult) -> dict:
    def one(r: Result) -> dict:
        return {"id": r.id, "kind": r.kind, "name": r.name, "miles": r.miles, "phone": r.phone,
                "address": r.address_line, "town": r.town_line, "for_veterans": r.for_veterans,
                "matched": list(r.matched), "unknown": list(r.unknown),
                "missing": list(r.missing), "source": r.source_line, "card": r.card}
    return {"place": {"display_name": result.place.display_name, "precision": result.place.precision,
                      "latitude": result.place.latitude, "longitude": result.place.longitude},
            "page": result.page, "page_size": result.page_size, "has_more": result.has_more,
            "radius_miles": result.radius_miles, "widened": result.widened, "beyond": result.beyond,
            "results": [one(r) for r in result.results], "virtual": [one(r) for r in result.virtual],
            "national": [one(r) for r in result.national]}


if __name__ == "__main__":
    raise SystemExit(main())
