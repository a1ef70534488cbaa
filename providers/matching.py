"""Is this the same place? Matching one source's listing to another's.

Sources spell one clinic differently ("Narcotic Drug Treatment Center, Inc."
and "Narcotic Drug Treatment Center Inc", "285 Shaker Rd." and "285 Shaker
Road", coordinates a few hundred feet apart). A listing is merged into another
only at one street address under a similar name, or on one phone number.
"""
from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz

from providers import geo
from providers.ingest import Draft, ImportReport

NEAR_MILES = 1.0  # one street address with ZIP codes that disagree (a lost digit), geocoded this close
SAME_ADDRESS_MILES = 3.0  # one street address in one ZIP, geocoded this far apart by two sources
GEOCODED_APART_MILES = 10.0  # the same written address and name in one ZIP code, geocoded this far apart
SAME_STREET = 85  # token-set similarity of two normalized streets with one house number
SIMILAR_NAME = 60  # token-set similarity of two normalized names at one street address

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
    "rte": "route", "rt": "route", "hiway": "highway",
    # "64 Second Avenue" and "64 2nd Avenue", "1000 Tenth Ave." and "1000 10th Avenue"
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
    "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th", "twelfth": "12th",
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
    text = re.sub(r"\bu\s+s\b", "us", _NON_WORD.sub(" ", text))  # "U.S. Highway 22"
    return " ".join(_STREET_WORDS.get(w, w) for w in text.split())


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


def phone_digits(draft: Draft) -> set[str]:
    """The ten digits of each of a listing's phone numbers (a leading 1 dropped)."""
    out = set()
    for number, _, _ in draft.phones:
        digits = re.sub(r"\D", "", re.split(r"x|ext", number, flags=re.I)[0])
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) == 10:
            out.add(digits)
    return out


def similar_name(a: str, b: str) -> bool:
    """Two names of one place: one contains most of the other's words ("Tarzana Treatment Center,
    Inc." and "Tarzana Treatment Centers Inc"), never two numbered programs."""
    na, nb = _trade_names(normalize_name(a)), _trade_names(normalize_name(b))
    if re.findall(r"\d+", na) != re.findall(r"\d+", nb):
        return False
    if _for_others(na, nb):
        return False
    if same_name(a, b):
        return True
    if _abbreviates(na, nb) or _abbreviates(nb, na):
        return True
    # "Central Mississippi Health Services" and "Hinds Behavioral Health Services" share only the
    # words every clinic has: the words that name this place must meet too.
    own_a, own_b = _own_words(na), _own_words(nb)
    if not own_a or not own_b:
        return fuzz.token_set_ratio(na, nb) >= 90
    return bool(own_a & own_b) and fuzz.token_set_ratio(na, nb) >= SIMILAR_NAME


_GENERIC_NAME_WORDS = frozenset("""
    health services service center centers treatment behavioral medical community inc family clinic clinics
    program programs counseling recovery care systems system hospital county department addiction addictions
    substance abuse and for at comprehensive mental wellness outpatient associates group healthcare institute
    foundation solutions corp llc management new life house human resources resource agency network
    """.split())


# Trade names the files use beside the company's own: BAART Programs is Addiction Research and
# Treatment, Inc. (the OTP directory lists both names at 1111 Market St, 433 Turk St and six more).
_TRADE_NAMES = {"baart": "addiction research and treatment art"}


def _trade_names(normalized_name: str) -> str:
    return " ".join(_TRADE_NAMES.get(w, w) for w in normalized_name.split())


_SERVES = ({"men", "man", "mens"}, {"women", "woman", "womens"}, {"adolescent", "adolescents", "youth", "teen"},
           {"adult", "adults"})


def _for_others(na: str, nb: str) -> bool:
    """"Hope House for Women" and "Hope House for Men": two programs of one house for two groups."""
    wa, wb = set(na.split()), set(nb.split())
    groups_a = {i for i, g in enumerate(_SERVES) if wa & g}
    groups_b = {i for i, g in enumerate(_SERVES) if wb & g}
    return bool(groups_a and groups_b and groups_a != groups_b)


_NOT_INITIALS = frozenset({"and", "for", "at", "in", "on", "to", "dba", "llc", "inc"})


def _abbreviates(short: str, long: str) -> bool:
    """One name is the other's initials: "STEPS Inc" and "Specialized Treatment Education and
    Prevention Services Inc", "CHCSI Centerville" and "Community Hlth Ctrs of Southern IA",
    "VPCHC - Terre Haute" and "Valley Professionals Community Health" (a name cut short)."""
    words = [w for w in long.split() if w not in _NOT_INITIALS]
    if len(words) < 3:
        return False
    initials = "".join(w[0] for w in words)
    for token in short.split():
        if len(token) < 3 or not token.isalpha() or token in _GENERIC_NAME_WORDS or token in long.split():
            continue
        # the initials of the long name's first words, or of all of it when it was cut short
        if (len(token) >= 4 and initials.startswith(token)) or token == initials \
                or (len(initials) >= 4 and token.startswith(initials)):
            return True
    return False


def _own_words(normalized_name: str) -> set[str]:
    return {w for w in normalized_name.split() if len(w) > 2 and w not in _GENERIC_NAME_WORDS}


def _names_agree(new: Draft, old: Draft) -> bool:
    """At one street address: a similar name, or, between two sources, one medication both offer
    under two names (the OTP directory names the licensee, "Quality Addiction Management, Inc.",
    where the locator names the clinic, "Racine Comprehensive Treatment Center"). Two numbered
    programs ("Harlem No 2 OTP", "Harlem No 6/7 OTP") are never one."""
    na, nb = normalize_name(new.name), normalize_name(old.name)
    numbers_a, numbers_b = re.findall(r"\d+", na), re.findall(r"\d+", nb)
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return False
    if similar_name(new.name, old.name):
        return True
    shared_medication = any(t.startswith("medication:") for t in new.terms & old.terms)
    return shared_medication and new.source != old.source


def match_score(new: Draft, old: Draft) -> float | None:
    """How sure we are that two listings are one place; None when they are not.

    One place is one street address (house number, street and ZIP code) under a similar name,
    or one phone number where neither address contradicts it. Never a name alone (a chain's
    clinics share it), and never two house numbers: the clinic at 3640 Briarwood Lane is not
    the one at 3700, however close their points and names."""
    street_new, street_old = normalize_street(new.address_1 or ""), normalize_street(old.address_1 or "")
    number_new, number_old = house_number(street_new), house_number(street_old)
    if number_new != number_old and number_new is not None and number_old is not None:
        return None
    zip_new, zip_old = (new.postal_code or "")[:5], (old.postal_code or "")[:5]
    miles = None
    if new.point is not None and old.point is not None:
        miles = geo.haversine_miles(*new.point, *old.point)
        if miles > SAME_ADDRESS_MILES:
            # One door written the same way in one ZIP code, under one name, that one source geocoded
            # to the middle of its town (the 2015 directory put 400 Woodland Road, Aliquippa 3.7 miles
            # from where the locator has it): the address says more than the points do.
            if not (miles <= GEOCODED_APART_MILES and zip_new == zip_old and number_new is not None
                    and number_new == number_old and _exactly_one_street(street_new, street_old)
                    and similar_name(new.name, old.name)):
                return None
    same_place = zip_new == zip_old or (miles is not None and miles <= NEAR_MILES)
    if not same_place:
        return None
    street = fuzz.token_set_ratio(street_new, street_old)
    name = fuzz.token_set_ratio(normalize_name(new.name), normalize_name(old.name))
    shared_phone = bool(phone_digits(new) & phone_digits(old))
    if number_new is not None and number_new == number_old:
        core = _street_core(street_new)
        same_address = (street >= SAME_STREET or (bool(core) and core == _street_core(street_old))
                        or _joined(street_new) == _joined(street_old))
    else:  # no house number on either (Puerto Rico's "Carr 2 Km 8.1"): the whole street must agree
        same_address = number_new is None and number_old is None and street >= 95
    if not shared_phone and not (same_address and _names_agree(new, old)):
        return None
    shared = len(new.terms & old.terms)
    return (name + street + (100 if shared_phone else 0) + 15 * shared + (10 if zip_new == zip_old else 0)
            - 20 * (miles or 0.0))


def _claimed(listing: Draft, new: Draft, own_rows: dict[str | None, list[Draft]]) -> bool:
    """Another row of the same source is this listing under its own name: at 1900 Second Avenue the
    OTP directory lists both the Metropolitan Hospital program and the Center for Comprehensive
    Health Practice, so the locator's Center for Comprehensive Health Practice is not Metropolitan's."""
    number = house_number(normalize_street(listing.address_1 or ""))
    rows = own_rows.get(number, []) + (own_rows.get(None, []) if number is not None else [])

    def near(row: Draft) -> bool:
        if _zip5(row):
            return _zip5(row) == _zip5(listing)
        return (row.point is not None and listing.point is not None
                and geo.haversine_miles(*row.point, *listing.point) <= NEAR_MILES)

    return any(row is not new and near(row) and _name_rank(row, listing) and match_score(row, listing) is not None
               for row in rows)


def _zip5(d: Draft) -> str:
    return (d.postal_code or "")[:5]


def _name_rank(new: Draft, old: Draft) -> int:
    """2: one name spelt two ways; 1: similar names; 0: two names (one place only by its address
    and a medication both offer, or its phone)."""
    if same_name(new.name, old.name):
        return 2
    return 1 if similar_name(new.name, old.name) else 0


def merge_sites(existing: list[Draft], incoming: list[Draft], report: ImportReport, *,
                create: bool = True, unmatched_reason: str = "no listing at this address") -> list[Draft]:
    """Merge each incoming listing into the listing at the same place, among the existing ones and
    the incoming ones before it (a source that lists one place twice gives one listing); return
    the incoming listings that are new places. With `create` false an unmatched row is skipped
    with `unmatched_reason` (a source too old, or without coordinates, to stand on its own)."""
    by_zip: dict[str, list[Draft]] = defaultdict(list)
    by_phone: dict[str, list[Draft]] = defaultdict(list)
    grid: dict[tuple[int, int], list[Draft]] = defaultdict(list)

    def add(d: Draft) -> None:
        if d.postal_code:  # a source without ZIP codes (HRSA) is matched by point and phone
            by_zip[d.postal_code[:5]].append(d)
        for digits in phone_digits(d):
            by_phone[digits].append(d)
        if d.point is not None:
            grid[_cell(*d.point)].append(d)

    for d in existing:
        if d.location_type == "physical":
            add(d)
    own_rows: dict[str | None, list[Draft]] = defaultdict(list)  # this source's rows, by house number
    for d in incoming:
        if d.location_type == "physical":
            own_rows[house_number(normalize_street(d.address_1 or ""))].append(d)
    fresh: list[Draft] = []
    for new in incoming:
        candidates: dict[int, Draft] = {}
        if new.location_type == "physical":
            for d in by_zip.get((new.postal_code or "")[:5], ()) if new.postal_code else ():
                candidates[id(d)] = d
            for digits in phone_digits(new):
                for d in by_phone.get(digits, ()):
                    candidates[id(d)] = d
            if new.point is not None:
                cx, cy = _cell(*new.point)
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        for d in grid.get((cx + dx, cy + dy), ()):
                            candidates[id(d)] = d
        # The listing of the row's own name first: at 1741 15th Street NW the 2015 directory's
        # "Womens Wellbriety Center" is that listing, not "Oshki Manidoo" upstairs with the same
        # switchboard number; then the surest match.
        scored = [(rank, score, i, d) for i, d in enumerate(candidates.values())
                  if (score := match_score(new, d)) is not None
                  and ((rank := _name_rank(new, d)) or not _claimed(d, new, own_rows))]
        if scored:
            *_, best = max(scored, key=lambda s: (s[0], s[1], -s[2]))
            absorb(best, new)
            report.merged += 1
        elif create:
            fresh.append(new)
            if new.location_type == "physical":
                add(new)
        else:
            report.skip(unmatched_reason)
    report.created += len(fresh)
    return fresh


def same_address_twice(a: Draft, b: Draft) -> bool:
    """Two listings, of one source or two, that are one place: one house number on one street in one
    ZIP code under similar names (Tarzana Treatment Center twice at 18646 Oxnard St), or one name in
    one ZIP code where one of them gives only a P.O. box and their points are the same town block
    (South Jersey Drug Treatment Center at 162 Sunny Slope Drive and at PO Box 867, Bridgeton).
    Never a name alone: Aguadilla's methadone program has its P.O. box in Bayamon, 60 miles from it."""
    if a.location_type != "physical" or b.location_type != "physical":
        return False
    zip_a, zip_b = (a.postal_code or "")[:5], (b.postal_code or "")[:5]
    if not zip_a or zip_a != zip_b:
        return False
    if a.point is not None and b.point is not None:
        miles = geo.haversine_miles(*a.point, *b.point)
    else:
        miles = None
    street_a, street_b = normalize_street(a.address_1 or ""), normalize_street(b.address_1 or "")
    number_a, number_b = house_number(street_a), house_number(street_b)
    box_a = street_without_po_box(a.address_1 or "") is None
    box_b = street_without_po_box(b.address_1 or "") is None
    if box_a != box_b:
        return (miles is not None and miles <= NEAR_MILES and same_name(a.name, b.name))
    if number_a is None or number_a != number_b:
        return False
    if miles is not None and miles > GEOCODED_APART_MILES:
        return False
    street = fuzz.token_set_ratio(street_a, street_b)
    if not (_exactly_one_street(street_a, street_b) or (street >= SAME_STREET and miles is not None
                                                         and miles <= NEAR_MILES)):
        return False
    return similar_name(a.name, b.name)


def merge_same_address(listings: list[Draft], created_by: dict[int, ImportReport] | None = None) -> list[Draft]:
    """The listings with each place once: after every source is merged, two listings that are one
    place (`same_address_twice`) become one, as `absorb` merges a source's row, the newer source's
    name and street winning. Sources spell one place two ways, and a merge can give a listing the
    address another already had. `created_by` (id of a listing -> the report of the source that
    created it): a listing merged away is counted there as merged, not created."""
    created_by = created_by or {}
    by_zip: dict[str, list[Draft]] = defaultdict(list)
    for d in listings:
        if d.location_type == "physical":
            by_zip[(d.postal_code or "")[:5]].append(d)
    gone: set[int] = set()
    for group in by_zip.values():
        for i, a in enumerate(group):
            if id(a) in gone:
                continue
            for b in group[i + 1:]:
                if id(b) in gone or not same_address_twice(a, b):
                    continue
                into, other = _keeper(a, b)
                absorb(into, other)
                gone.add(id(other))
                report = created_by.get(id(other))
                if report is not None:
                    report.created -= 1
                    report.merged += 1
                if into is b:
                    gone.add(id(a))
                    break
    return [d for d in listings if id(d) not in gone]


def _keeper(a: Draft, b: Draft) -> tuple[Draft, Draft]:
    """Which of two listings of one place absorbs the other: the one at a street address over one at
    a P.O. box, then the one with more sources (its id stays the one people were given)."""
    box_a = street_without_po_box(a.address_1 or "") is None
    box_b = street_without_po_box(b.address_1 or "") is None
    if box_a != box_b:
        return (b, a) if box_a else (a, b)
    return (b, a) if len(b.sources) > len(a.sources) else (a, b)


def absorb(into: Draft, other: Draft) -> None:
    """One place described by two sources: keep both sources and everything either says; the
    newer source's name and street address win (never a P.O. box over a door)."""
    # `other` may itself be a merged listing: its name and address are those of the source that said them.
    said_name, said_address = other.fact_source("name"), other.fact_source("address")
    if said_name.checked > into.fact_source("name").checked and said_name.names_shown and other.name:
        into.name = other.name
        into.facts["name"] = said_name
    newer = said_address.checked > into.fact_source("address").checked
    if newer and other.address_1 and not is_po_box(other.address_1):
        into.address_1, into.address_2 = other.address_1, other.address_2
        into.city = other.city or into.city
        into.state = other.state or into.state
        into.postal_code = other.postal_code or into.postal_code
        if other.point is not None:
            into.latitude, into.longitude = other.latitude, other.longitude
        into.facts["address"] = said_address
    for t in other.terms:
        if t not in into.terms or other.fact_source(f"term:{t}").checked > into.fact_source(f"term:{t}").checked:
            into.facts[f"term:{t}"] = other.fact_source(f"term:{t}")
    into.terms |= other.terms
    for s in other.sources:
        if s not in into.sources:
            into.also_from.append(s)
    into.external_ids.extend(x for x in other.external_ids if x not in into.external_ids)
    for number, kind, description in other.phones:
        into.add_phone(number, kind, description, source=other.fact_source(f"phone:{number}"))
    for attr in ("url", "description", "application_process", "alternate_name", "county", "address_2"):
        if not getattr(into, attr) and getattr(other, attr):
            setattr(into, attr, getattr(other, attr))
    into.schedules.extend(s for s in other.schedules if s not in into.schedules)


_PO_BOX = re.compile(r"\b(p\.?\s*o\.?\s*box|post office box|box \d+)", re.I)


def is_po_box(street: str) -> bool:
    """A mailing address, not a door to walk to."""
    return bool(_PO_BOX.search(street))


def street_without_po_box(street: str) -> str | None:
    """The part of a street address a person can walk to: "1912 Commerce Ave. NW, P.O. Box 2085" ->
    "1912 Commerce Ave. NW"; None when all it has is a P.O. box ("PO Box 867")."""
    parts = [p.strip() for p in street.split(",") if p.strip() and not is_po_box(p)]
    return ", ".join(parts) or None


_DIRECTIONS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}
_STREET_TYPES = {"street", "avenue", "road", "boulevard", "drive", "highway", "parkway", "lane", "court", "place",
                 "square", "terrace", "circle", "way", "route", "us", *_DIRECTIONS}


def _joined(street: str) -> str:
    """"760 southkings highway" and "760 south kingshighway": one street, spaced two ways."""
    return street.replace(" ", "")


def _exactly_one_street(a: str, b: str) -> bool:
    """One house number on one street, written alike but for its type ("Rd"/"Road"/"Drive") or
    spacing: the same directions, the same street name."""
    if _joined(a) == _joined(b):
        return True
    if {w for w in a.split() if w in _DIRECTIONS} != {w for w in b.split() if w in _DIRECTIONS}:
        return False
    core = _street_core(a)
    return bool(core) and core == _street_core(b)


def _street_core(street: str) -> str:
    """The street's own name, without its house number, type or direction: "1264 rodeo road" and
    "1264 rodeo drive" are one address written twice."""
    words = street.split()[1:]
    return " ".join(w for w in words if w not in _STREET_TYPES) or " ".join(words[:-1])


def house_number(street: str) -> str | None:
    m = re.match(r"\s*(\d+)", street)
    return m.group(1) if m else None


def _cell(lat: float, lng: float) -> tuple[int, int]:
    # 0.05 degrees of latitude is 3.4 miles, 0.1 of longitude 3 miles or more south of 72 degrees north,
    # so a cell and its neighbours hold everything within SAME_ADDRESS_MILES.
    return int(lat // 0.05), int(lng // 0.1)
