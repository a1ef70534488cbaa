"""FindTreatment.gov's locator API: its JSON (the 2019 sample ships with the
project) and an aiohttp client for a live pull that a deployer runs by hand.

The navigator never calls the API at run time: a pull writes a JSON file, and
`providers import --findtreatment FILE` turns it into listings.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from pathlib import Path

import aiohttp

from providers import geo, taxonomy
from providers.ingest import Draft, ImportReport, MalformedFile, Source
from providers.matching import merge_sites

log = logging.getLogger(__name__)

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "findtreatment" / "findtreatment_api_sample_2019.json"
SAMPLE_SOURCE = Source("findtreatment_api_sample_2019", "FindTreatment.gov", "findtreatment_api_sample_2019.json",
                       "2019-05")
API_URL = "https://findtreatment.gov/locator/exportsAsJson/v2"
METRES_PER_MILE = 1609.344

# Rows that say so are not about opioid use disorder.
NOT_OPIOID_TREATMENT = {"does not treat opioid addiction"}


def source_for(path: Path) -> Source:
    if path.resolve() == SAMPLE_FILE.resolve():
        return SAMPLE_SOURCE
    checked = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    return Source(f"findtreatment:{path.name}", "FindTreatment.gov", path.name, checked)


def read_findtreatment(path: Path, source: Source | None = None) -> tuple[list[Draft], ImportReport]:
    """One listing per facility: the SA and MH rows of one facility are merged."""
    source = source or source_for(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise MalformedFile(f"{path}: cannot read ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MalformedFile(f"{path.name}: not JSON ({e})") from None
    return parse_rows(document, source, path.name)


def parse_rows(document, source: Source, name: str = "FindTreatment.gov answer") -> tuple[list[Draft], ImportReport]:
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise MalformedFile(f"{name}: not a FindTreatment.gov answer (no list of rows)")
    report = ImportReport(source.label)
    substance_use: list[Draft] = []
    mental_health_only: list[Draft] = []
    for row in document["rows"]:
        report.rows_read += 1
        if not isinstance(row, dict):
            report.skip("not a facility record")
            continue
        draft = _draft(row, source, report)
        if draft is None:
            continue
        (substance_use if row.get("typeFacility") != "MH" else mental_health_only).append(draft)
    # A facility comes back once as SA and once as MH: the MH row adds what it knows to the SA one.
    facilities = list(substance_use)
    twins = ImportReport(source.label)
    unmatched_mh = merge_sites(facilities, mental_health_only, twins)
    report.merged += twins.merged
    for d in unmatched_mh:
        if "need:treatment" in taxonomy.needs_of(d.terms) and any(t.startswith("medication:") for t in d.terms):
            facilities.append(d)
        else:
            report.skip("mental health care only (no substance use treatment)")
    return facilities, report


def _draft(row: dict, source: Source, report: ImportReport) -> Draft | None:
    lat, lng = _float(row.get("latitude")), _float(row.get("longitude"))
    if lat is None or lng is None:
        report.skip("missing coordinates")
        return None
    if not geo.listing_in_us(lat, lng, _text(row.get("state"))):
        report.skip("coordinates outside the US")
        return None
    name = _text(row.get("name1"))
    street = _text(row.get("street1"))
    if not name or not street:
        report.skip("missing name or street")
        return None
    terms: set[str] = set()
    labels: list[str] = []
    for service in row.get("services") or []:
        if isinstance(service, dict):
            labels += [v.strip() for v in str(service.get("f3") or "").split(";") if v.strip()]
    if any(label.lower() in NOT_OPIOID_TREATMENT for label in labels):
        report.skip("does not treat opioid use disorder")
        return None
    for label in labels:
        t = taxonomy.from_findtreatment_label(label)
        if t is not None:
            terms.add(t.id)
    zip_code = _text(row.get("zip"))
    postal = zip_code.zfill(5) if zip_code and zip_code.isdigit() and len(zip_code) <= 5 else None
    if postal is None:
        report.skip("bad ZIP code")
        return None
    draft = Draft(
        key=_text(row.get("frid")) or f"{name}|{street}|{postal}", source=source, name=name, organization=name,
        alternate_name=_text(row.get("name2")), latitude=lat, longitude=lng, address_1=street,
        address_2=_text(row.get("street2")), city=_text(row.get("city")), state=_text(row.get("state")),
        postal_code=postal, url=_text(row.get("website")), terms=terms,
        external_ids=[("findtreatment_frid", _text(row.get("frid")) or "")],
    )
    draft.add_phone(_text(row.get("phone")), "voice", "main")
    draft.add_phone(_text(row.get("intake1")), "voice", "intake")
    draft.add_phone(_text(row.get("hotline1")), "voice", "hotline")
    return draft


async def pull(lat: float, lng: float, miles: float, out: Path, *, session: aiohttp.ClientSession | None = None,
               base_url: str = API_URL, page_size: int = 100, max_pages: int = 50, timeout: float = 30.0,
               pause: float = 1.0) -> int:
    """Fetch every substance-use facility within `miles` of a point into one JSON file of the
    API's shape; returns how many rows were written. The API takes "lat,lng" and metres."""
    own = session is None
    session = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    rows: list = []
    try:
        page, total_pages = 1, 1
        while page <= min(total_pages, max_pages):
            params = {"sAddr": f"{lat:.6f},{lng:.6f}", "limitType": "2",
                      "limitValue": str(round(miles * METRES_PER_MILE)), "sType": "SA",
                      "pageSize": str(page_size), "page": str(page), "sort": "0"}
            async with session.get(base_url, params=params) as response:
                response.raise_for_status()
                document = await response.json(content_type=None)
            if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
                raise MalformedFile(f"page {page} of the FindTreatment.gov answer has no rows")
            rows += document["rows"]
            total_pages = int(document.get("totalPages") or 1)
            page += 1
            if page <= total_pages and pause:
                await asyncio.sleep(pause)  # be gentle with a public service
    finally:
        if own:
            await session.close()
    out.write_text(json.dumps({"page": 1, "totalPages": 1, "recordCount": len(rows), "rows": rows}))
    return len(rows)


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _float(value) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if f == f else None
