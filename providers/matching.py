"""Is this the same place? Matching one source's listing to another's.

Sources spell one clinic differently ("Narcotic Drug Treatment Center, Inc."
and "Narcotic Drug Treatment Center Inc", "285 Shaker Rd." and "285 Shaker
Road", coordinates a few hundred feet apart). A listing is merged into another
only when the place and something else (street address or name) agree.
"""
from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz

from providers import geo
from providers.ingest import Draft, ImportReport

NEAR_MILES = 1.0  # two listings this close may be one place if the name or the street agrees
SAME_ADDRESS_MILES = 3.0  # one street address in one ZIP, geocoded this far apart by two sources

_NAME_WORDS = {
    "ctr": "center", "cntr": "center", "centre": "center", "svcs": "services", "servs": "services",
    "serv": "services", "svc": "services", "hlth": "health", "behav": "behavioral", "bhvrl": "behavioral",
    "med": "medical", "hosp": "hospital", "trt": "treatment", "tx": "treatment", "assn": "association",
    "mgmt": "management", "natl": "national", "cnty": "county", "dept": "department",
    "mt": "mount", "st": "saint", "ctrs": "centers", "rehab": "rehabilitation", "prog": "program",
    "&": "and", "wellnes": "wellness", "fo": "for",
}
_NAME_DROP = {"inc", "llc", "ltd", "corp", "corporation", "pc", "pllc", "lp", "the", "of", "a"}
_STREET_WORDS = {
    "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "rd": "road", "blvd": "boulevard",
    "dr": "drive", "hwy": "highway", "pkwy": "parkway", "ln": "lane", "ct": "court", "pl": "place",
    "sq": "square", "ter": "terrace", "cir": "circle", "expy": "expressway", "fwy": "freeway", "tpke": "turnpike",
    "n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest",
    "se": "southeast", "sw": "southwest", "mt": "mount", "ft": "fort",
}
_SUITE = re.compile(r"\b(suite|ste|unit|room|rm|floor|fl|bldg|building|apt)\b.*$")
_NON_WORD = re.compile(r"[^a-z0-9&]+")


def normalize_name(name: str) -> str:
    words = _NON_WORD.sub(" ", name.lower().replace("&", " & ")).split()
    return " ".join(_NAME_WORDS.get(w, w) for w in words if w not in _NAME_DROP)


def normalize_street(street: str) -> str:
    text = street.lower().replace(".", " ")
    # "Carl Robinson Institution, 285 Shaker Rd": the numbered part is the street.
    parts = [p for p in text.split(",") if p.strip()]
    numbered = [p for p in parts if re.match(r"\s*\d", p)]
    text = numbered[0] if numbered else (parts[0] if parts else "")
    text = _SUITE.sub("", text)
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def same_name(a: str, b: str) -> bool:
    """Two spellings of one site's name: case, suffixes, typos and names cut short, but never
    two numbered programs ("Harlem No 2 OTP" and "Harlem No 6/7 OTP")."""
    na, nb = normalize_name(a), normalize_name(b)
    if na == nb:
        return True
    if re.findall(r"\d+", na) != re.findall(r"\d+", nb):
        return False
    shorter, longer = sorted((na, nb), key=len)
    if len(shorter) >= 12 and longer.startswith(shorter):
        return True
    return fuzz.ratio(na, nb) >= 92


def match_score(new: Draft, old: Draft) -> float | None:
    """How sure we are that two listings are one place; None when they are not."""
    new_point, old_point = new.point, old.point
    if new_point is None or old_point is None:
        return None
    miles = geo.haversine_miles(*new_point, *old_point)
    if miles > SAME_ADDRESS_MILES:
        return None
    name = fuzz.token_set_ratio(normalize_name(new.name), normalize_name(old.name))
    street_new, street_old = normalize_street(new.address_1 or ""), normalize_street(old.address_1 or "")
    number = _house_number(street_new)
    same_number = number is not None and number == _house_number(street_old)
    street = fuzz.token_set_ratio(street_new, street_old)
    same_zip = (new.postal_code or "")[:5] == (old.postal_code or "")[:5]
    if same_number and street >= 85 and (same_zip or miles <= 1.5):
        pass  # one street address
    elif miles > NEAR_MILES:
        return None
    elif same_number and street >= 80:
        pass  # one street address, nearby
    elif name >= 85 and (miles < 0.5 or same_zip):
        pass  # one name, nearby
    elif miles < 0.1 and (name >= 60 or street >= 70):
        pass  # one building, and something else agrees
    else:
        return None
    shared = len(new.terms & old.terms)
    return name + street + 15 * shared + (10 if same_zip else 0) - 20 * miles


def merge_sites(existing: list[Draft], incoming: list[Draft], report: ImportReport) -> list[Draft]:
    """Merge each incoming listing into the existing listing at the same place (each used once,
    best pairs first); return the incoming listings that are new places."""
    grid: dict[tuple[int, int], list[Draft]] = defaultdict(list)
    for d in existing:
        if d.point is not None:
            grid[_cell(*d.point)].append(d)
    pairs = []
    for i, new in enumerate(incoming):
        if new.point is None:
            continue
        cx, cy = _cell(*new.point)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for old in grid.get((cx + dx, cy + dy), ()):
                    score = match_score(new, old)
                    if score is not None:
                        pairs.append((score, i, old.key, new, old))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_new: set[int] = set()
    used_old: set[str] = set()
    for _, i, old_key, new, old in pairs:
        if i in used_new or old_key in used_old:
            continue
        used_new.add(i)
        used_old.add(old_key)
        absorb(old, new)
        report.merged += 1
    fresh = [new for i, new in enumerate(incoming) if i not in used_new]
    report.created += len(fresh)
    return fresh


def absorb(into: Draft, other: Draft) -> None:
    """One place described by two sources: keep both sources and everything either says."""
    into.terms |= other.terms
    for s in other.sources:
        if s not in into.sources:
            into.also_from.append(s)
    into.external_ids.extend(x for x in other.external_ids if x not in into.external_ids)
    for number, kind, description in other.phones:
        into.add_phone(number, kind, description)
    for attr in ("url", "description", "application_process", "alternate_name", "county", "address_2"):
        if not getattr(into, attr) and getattr(other, attr):
            setattr(into, attr, getattr(other, attr))
    into.schedules.extend(s for s in other.schedules if s not in into.schedules)


def _house_number(street: str) -> str | None:
    m = re.match(r"\s*(\d+)", street)
    return m.group(1) if m else None


def _cell(lat: float, lng: float) -> tuple[int, int]:
    # 0.05 degrees of latitude is 3.4 miles, 0.1 of longitude 3 miles or more south of 72 degrees north,
    # so a cell and its neighbours hold everything within SAME_ADDRESS_MILES.
    return int(lat // 0.05), int(lng // 0.1)
