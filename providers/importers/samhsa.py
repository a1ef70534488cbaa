"""SAMHSA's 2020 MOUD locator extract and 2021 OTP directory, as shipped in
providers/data/samhsa (see its README for provenance and quirks).

The locator has one row per (site, medication); rows of one site are merged
into one listing here. Each OTP-directory program becomes a draft that
providers.matching merges into the locator listing at the same place (adding
the OTP certification), or a listing of its own when no locator row describes it.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from collections import defaultdict
from pathlib import Path

from providers import geo, taxonomy
from providers.ingest import Draft, ImportReport, MalformedFile, Source
from providers.matching import normalize_name, normalize_street, same_name

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "samhsa"
LOCATOR_FILE = DATA_DIR / "samhsa_moud_locator_2020.csv"
OTP_FILE = DATA_DIR / "samhsa_otp_directory_2021.csv"

LOCATOR_SOURCE = Source("samhsa_moud_locator_2020", "SAMHSA treatment locator", "samhsa_moud_locator_2020.csv",
                        "2020-09")
OTP_SOURCE = Source("samhsa_otp_directory_2021", "SAMHSA opioid treatment program directory",
                    "samhsa_otp_directory_2021.csv", "2021-07")

LOCATOR_HEADER = ["", "name1", "name2", "street1", "street2", "city", "state", "zip", "zip4", "category",
                  "countyGEOID", "countyName", "source", "geom", "Longitude", "Latitude"]
OTP_HEADER = ["ID", "ADDRESS", "CITY", "STATE", "POSTAL", "Latitude", "Longitude"]


def _samhsa_term(code: str) -> str:
    """The vocabulary's term for a SAMHSA service code: the taxonomy holds the one code table."""
    found = taxonomy.from_samhsa(code)
    if found is None:  # fail at import time rather than drop a medication from every listing
        raise taxonomy.UnknownTerm(f"SAMHSA code {code!r} is not in the vocabulary")
    return found.id


# The locator's `category` names a medication; these are SAMHSA's codes for them.
LOCATOR_CATEGORIES = {
    "buprenorphine": _samhsa_term("BU"),
    "methadone": _samhsa_term("MU"),
    "naltrexone/vivitrol": _samhsa_term("NU"),
}
# Every program in the OTP directory is a certified opioid treatment program, which dispenses methadone.
OTP_TERMS = frozenset({_samhsa_term("OTP"), _samhsa_term("MU")})

# A program inside a jail or prison is not a door a person can walk into.
CORRECTIONAL = re.compile(
    r"\b(jail|correctional|corrections|detention|prison|penitentiary|sheriff'?s?|rikers)\b", re.I)


def read_locator(path: Path, report: ImportReport) -> list[Draft]:
    """Rows of the R export, merged into one draft per site."""
    text = _read_text(path, "utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != LOCATOR_HEADER:
        raise MalformedFile(f"{path.name}: not the SAMHSA locator layout (header {header!r})")
    sites: dict[tuple[str, str], list[Draft]] = defaultdict(list)
    drafts: list[Draft] = []
    for row in reader:
        report.rows_read += 1
        # `geom` is unquoted "c(lng, lat)", so a good row has one field more than the header.
        if len(row) != len(LOCATOR_HEADER) + 1:
            report.skip("wrong number of fields")
            continue
        row_no, name1, name2, street1, street2, city, state, zip5, zip4, category = (_na(v) for v in row[:10])
        county = _na(row[11])
        lng, lat = _float(row[-2]), _float(row[-1])
        if lat is None or lng is None:
            report.skip("missing coordinates")
            continue
        if not geo.listing_in_us(lat, lng, state):
            report.skip("coordinates outside the US")
            continue
        medication = LOCATOR_CATEGORIES.get((category or "").lower())
        if medication is None:
            report.skip("unknown medication category")
            continue
        if not name1 or not street1:
            report.skip("missing name or street")
            continue
        if CORRECTIONAL.search(f"{name1} {name2 or ''} {street1}"):
            report.skip("inside a jail or prison (not open to the public)")
            continue
        postal = _zip5(zip5)
        if postal is None:
            report.skip("bad ZIP code")
            continue
        site_key = (normalize_street(street1), postal)
        same_site = next((d for d in sites[site_key] if same_name(d.name, name1)), None)
        if same_site is not None:
            same_site.terms.add(medication)
            same_site.external_ids.append(("samhsa_locator_row", row_no or ""))
            if len(name1) > len(same_site.name):  # rows cut names short; keep the longest spelling
                same_site.name = same_site.organization = name1
            report.merged += 1
            continue
        draft = Draft(
            key=f"{postal}:{site_key[0]}:{normalize_name(name1)}", source=LOCATOR_SOURCE, name=name1,
            organization=name1, alternate_name=name2, latitude=lat, longitude=lng, address_1=street1,
            address_2=street2, city=city, state=state, postal_code=f"{postal}-{zip4}" if _is_zip4(zip4) else postal,
            county=f"{county} County" if county and not county.lower().endswith(("county", "parish")) else county,
            terms={medication}, external_ids=[("samhsa_locator_row", row_no or "")],
        )
        sites[site_key].append(draft)
        drafts.append(draft)
    return drafts


def read_otp_directory(path: Path, report: ImportReport) -> list[Draft]:
    # The directory is Windows-1252 ("Clínica de Tratamiento ..." in Puerto Rico).
    text = _read_text(path, "cp1252")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != OTP_HEADER:
        raise MalformedFile(f"{path.name}: not the SAMHSA OTP directory layout (header {header!r})")
    programs = []
    for line, row in enumerate(reader, start=2):
        report.rows_read += 1
        if len(row) != len(OTP_HEADER):
            report.skip("wrong number of fields")
            continue
        name, address, city, state, postal, lat_text, lng_text = (v.strip() for v in row)
        lat, lng = _float(lat_text), _float(lng_text)
        if lat is None or lng is None:
            report.skip("missing coordinates")
            continue
        if not geo.listing_in_us(lat, lng, state):
            report.skip("coordinates outside the US")
            continue
        if CORRECTIONAL.search(f"{name} {address}"):
            report.skip("inside a jail or prison (not open to the public)")
            continue
        postal_code = _otp_postal(postal)
        if postal_code is None:
            report.skip("bad ZIP code")
            continue
        programs.append(Draft(
            key=f"otp:{line}", source=OTP_SOURCE, name=name, organization=name, latitude=lat, longitude=lng,
            address_1=address, city=city, state=state, postal_code=postal_code,
            terms=set(OTP_TERMS), external_ids=[("samhsa_otp_directory_line", str(line))],
        ))
    return programs


def _read_text(path: Path, encoding: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise MalformedFile(f"{path}: cannot read ({e.strerror})") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise MalformedFile(f"{path.name}: not {encoding} text ({e})") from None


def _na(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "NA") else value


def _float(value: str) -> float | None:
    try:
        f = float(value.strip().strip("c()"))
    except ValueError:
        return None
    return f if f == f else None  # NaN


def _zip5(value: str | None) -> str | None:
    if value and value.isdigit() and len(value) <= 5:
        return value.zfill(5)  # other tools drop the leading zero
    return None


def _is_zip4(value: str | None) -> bool:
    return value is not None and value.isdigit() and len(value) == 4


def _otp_postal(value: str) -> str | None:
    value = value.strip()
    digits, _, four = value.partition("-")
    five = _zip5(digits)
    if five is None:
        return None
    return f"{five}-{four}" if _is_zip4(four) else five
