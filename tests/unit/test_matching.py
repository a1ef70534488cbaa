"""One place is one listing, and two places are never one: rows cut from the shipped files.

Every case here was a wrong merge or a duplicate in the registry people were shown (issue 18):
the OTP directory's program at one house number was folded into the locator's clinic at
another, so the clinic that dispenses methadone disappeared and one that does not was offered
for methadone.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from providers.importers import samhsa
from providers.ingest import ImportReport
from providers.models import Listing

LOCATOR_LINES = samhsa.LOCATOR_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
OTP_LINES = samhsa.OTP_FILE.read_bytes().decode("cp1252").splitlines(keepends=True)


def locator_rows(*row_numbers: int) -> list[str]:
    wanted = {f'"{n}",' for n in row_numbers}
    rows = [line for line in LOCATOR_LINES[1:] if line[: line.index(",") + 1] in wanted]
    assert len(rows) == len(row_numbers), "the shipped locator lost a row this test is about"
    return rows


def otp_rows(*needles: str) -> list[str]:
    rows = [line for line in OTP_LINES[1:] if any(n in line for n in needles)]
    assert len(rows) >= len(needles), "the shipped OTP directory lost a row this test is about"
    return rows


def import_cut(tmp_path: Path, registry, locator: list[str], otp: list[str]) -> list[dict]:
    locator_path, otp_path = tmp_path / "locator.csv", tmp_path / "otp.csv"
    locator_path.write_text(LOCATOR_LINES[0] + "".join(locator), encoding="utf-8")
    otp_path.write_bytes((OTP_LINES[0] + "".join(otp)).encode("cp1252"))
    locator_report, otp_report = ImportReport("locator"), ImportReport("otp")
    registry.import_sources(shipped=False, extra=[
        (samhsa.read_locator(locator_path, locator_report), locator_report),
        (samhsa.read_otp_directory(otp_path, otp_report), otp_report)])
    with registry.engine.connect() as conn:
        return [json.loads(c) for c in conn.execute(select(Listing.card).order_by(Listing.id)).scalars()]


def by_street_number(cards: list[dict]) -> dict[str, dict]:
    return {c["address"]["address_1"].split()[0]: c for c in cards}


# (locator rows of one clinic, the OTP program next door, the clinic's number, the program's number)
NEIGHBOURS = [
    pytest.param((914, 6773), "Muncie Treatment Center", "3700", "3640", id="Spero Health / Muncie Treatment Center"),
    pytest.param((2276,), "Hampden Health Solutions", "3617", "3612", id="KP Counseling / Hampden Health Solutions"),
    pytest.param((3620, 10053), "ADCARE Hospital Of Worcester", "121", "107", id="SaVida Health / ADCARE"),
    pytest.param((2466,), "534 W. Broad Street,Hazleton", "223", "534", id="Pathway to Recovery / Pinnacle"),
    pytest.param((8982,), "5408 East Ave", "5410", "5408", id="Mandala / Alternatives in Treatment"),
    pytest.param((2796, 9167), "1300 Hibiscus Drive", "1190", "1300", id="Second Chance Detox / Ocean Breeze"),
]


@pytest.mark.parametrize("locator, program, clinic_number, program_number", NEIGHBOURS)
def test_an_opioid_treatment_program_next_door_stays_its_own_listing(
        tmp_path, empty_registry, locator, program, clinic_number, program_number):
    cards = by_street_number(import_cut(tmp_path, empty_registry, locator_rows(*locator), otp_rows(program)))
    assert set(cards) == {clinic_number, program_number}
    assert "medication:methadone" in cards[program_number]["terms"]
    assert "setting:otp" in cards[program_number]["terms"]
    assert "setting:otp" not in cards[clinic_number]["terms"]
    assert "medication:methadone" not in cards[clinic_number]["terms"]


def test_a_buprenorphine_clinic_in_bayamon_is_not_the_aguadilla_methadone_program(tmp_path, empty_registry):
    cards = import_cut(tmp_path, empty_registry, locator_rows(4127), otp_rows("de Aguadilla"))
    assert len(cards) == 2
    bup = next(c for c in cards if c["name"] == "Clinica de Tratamiento")
    assert bup["terms"] == ["medication:buprenorphine"]


def test_one_place_listed_twice_by_the_otp_directory_is_one_listing(tmp_path, empty_registry):
    """Tarzana Treatment Center at 18646 Oxnard St: three locator rows and two directory rows."""
    cards = import_cut(tmp_path, empty_registry, locator_rows(3531, 5402, 9970), otp_rows("18646 Oxnard"))
    (card,) = cards
    assert {"medication:buprenorphine", "medication:methadone", "medication:naltrexone", "setting:otp"} <= set(
        card["terms"])
    assert len(card["sources"]) == 2


def test_a_merged_listing_shows_the_newest_name_and_address(tmp_path, empty_registry):
    """The 2021 directory's spelling wins over the 2020 locator's for the one place both describe."""
    (card,) = import_cut(tmp_path, empty_registry, locator_rows(3531, 5402, 9970), otp_rows("18646 Oxnard"))
    assert card["name"].startswith("Tarzana Treatment Center")
    assert card["address"]["address_1"] == "18646 Oxnard St."


def test_muncie_methadone_search_finds_the_clinic_that_dispenses_it_first(national_registry):
    result = national_registry.search("47304", ["medication:methadone"])
    assert result.results[0].name.startswith("Muncie Treatment Center")
    assert all(not r.name.startswith("Spero Health") for r in result.results)


def test_tarzana_treatment_center_is_listed_once_near_tarzana(national_registry):
    result = national_registry.search("91356", ["medication:methadone"], page_size=5)
    at_oxnard = [r for r in result.results if (r.card["address"] or {}).get("address_1", "").startswith("18646")]
    assert len(at_oxnard) == 1


def test_a_health_center_in_another_organizations_building_gives_it_neither_phone_nor_fee(tmp_path):
    """Mountain Health & Wellness (HRSA) and Horizon Health and Wellness (locator), both at 625 N
    Plaza Dr, Apache Junction: they share only the words every clinic has."""
    from providers.importers import directories
    from providers.matching import merge_sites

    locator_path = tmp_path / "locator.csv"
    locator_path.write_text(LOCATOR_LINES[0] + "".join(
        line for line in LOCATOR_LINES[1:] if "Horizon Health and Wellness" in line and "625 North Plaza" in line))
    horizon = merge_sites([], samhsa.read_locator(locator_path, ImportReport("l")), ImportReport("l"))
    assert len(horizon) == 1
    hrsa_rows = [d for d in directories.read_hrsa_health_centers_2021()[0] if d.address_1 == "625 N Plaza Dr"]
    assert [d.name for d in hrsa_rows] == ["Mountain Health & Wellness"]
    report = ImportReport("hrsa")
    merge_sites(horizon, hrsa_rows, report, create=False)
    assert report.merged == 0
    assert horizon[0].phones == [] and "payment:sliding_fee" not in horizon[0].terms


def test_one_address_written_with_two_street_types_is_one_place(tmp_path, empty_registry):
    """Progressive Medical Specialists, 2453 West Pike Street (locator) and Rd. (OTP directory)."""
    locator = [line for line in LOCATOR_LINES[1:] if "Progressive Medical Specialists" in line and "2453" in line]
    cards = import_cut(tmp_path, empty_registry, locator, otp_rows("2453 West Pike"))
    (card,) = cards
    assert "setting:otp" in card["terms"]
