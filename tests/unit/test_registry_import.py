"""Importing SAMHSA's files: one listing per place, quirks handled, a report that adds up."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from providers.importers import findtreatment, samhsa
from providers.ingest import ImportReport, MalformedFile
from providers.models import Address, Listing, Service

LOCATOR_HEADER = '"","name1","name2","street1","street2","city","state","zip","zip4","category","countyGEOID",' \
                 '"countyName","source","geom","Longitude","Latitude"\n'
OTP_HEADER = "ID,ADDRESS,CITY,STATE,POSTAL,Latitude,Longitude\n"


def locator_row(n, name, street, city, state, zip5, category, lng, lat, zip4="NA", name2="NA"):
    return (f'"{n}","{name}",{name2 if name2 == "NA" else chr(34) + name2 + chr(34)},"{street}",NA,"{city}","{state}",'
            f'"{zip5}",{zip4 if zip4 == "NA" else chr(34) + zip4 + chr(34)},"{category}","42101","Philadelphia",'
            f'"SAMHSA",c({lng}, {lat}),{lng},{lat}\n')


def write_files(tmp_path: Path, locator_rows: list[str], otp_rows: list[str] = ()) -> tuple[Path, Path]:
    locator = tmp_path / "locator.csv"
    locator.write_text(LOCATOR_HEADER + "".join(locator_rows), encoding="utf-8")
    otp = tmp_path / "otp.csv"
    otp.write_bytes((OTP_HEADER + "".join(otp_rows)).encode("cp1252"))
    return locator, otp


def import_files(registry, locator: Path, otp: Path):
    locator_report, otp_report = ImportReport("locator"), ImportReport("otp")
    batches = [(samhsa.read_locator(locator, locator_report), locator_report),
               (samhsa.read_otp_directory(otp, otp_report), otp_report)]
    registry.import_sources(shipped=False, extra=batches)
    return locator_report, otp_report


def listings(registry) -> list[dict]:
    with registry.engine.connect() as conn:
        return [json.loads(card) for card in conn.execute(select(Listing.card).order_by(Listing.id)).scalars()]


def test_three_medication_rows_of_one_site_become_one_listing_with_three_medications(tmp_path, empty_registry):
    rows = [locator_row(1, "Kensington Recovery Center", "2000 East Allegheny Avenue", "Philadelphia", "PA", "19134",
                        category, -75.1133, 39.9925)
            for category in ("buprenorphine", "methadone", "naltrexone/vivitrol")]
    report, _ = import_files(empty_registry, *write_files(tmp_path, rows))
    (card,) = listings(empty_registry)
    assert card["name"] == "Kensington Recovery Center"
    assert {t for t in card["terms"] if t.startswith("medication:")} == {
        "medication:buprenorphine", "medication:methadone", "medication:naltrexone"}
    assert (report.rows_read, report.created, report.merged, report.skipped_total) == (3, 1, 2, 0)


def test_names_cut_short_or_misspelt_at_one_address_are_one_site_but_numbered_programs_are_not(tmp_path, empty_registry):
    rows = [
        locator_row(1, "Behavioral Wellness Center", "1 Main Street", "Philadelphia", "PA", "19134", "buprenorphine", -75.11, 39.99),
        locator_row(2, "Behavioral Wellnes Center", "1 Main St.", "Philadelphia", "PA", "19134", "naltrexone/vivitrol", -75.11, 39.99),
        locator_row(3, "Harlem No 2 OTP", "5 Side Street", "Philadelphia", "PA", "19134", "methadone", -75.12, 39.98),
        locator_row(4, "Harlem No 6/7 OTP", "5 Side Street", "Philadelphia", "PA", "19134", "methadone", -75.12, 39.98),
    ]
    import_files(empty_registry, *write_files(tmp_path, rows))
    names = sorted(card["name"] for card in listings(empty_registry))
    assert names == ["Behavioral Wellness Center", "Harlem No 2 OTP", "Harlem No 6/7 OTP"]


def test_otp_directory_program_and_its_locator_row_become_one_listing(tmp_path, empty_registry):
    locator_rows = [locator_row(1, "Narcotic Drug Treatment Center Inc", "1015 East 6th Avenue", "Anchorage", "AK",
                                "99501", "methadone", -149.8640, 61.2170)]
    # The directory spells it differently and geocodes it a few hundred feet away.
    otp_rows = ['"Narcotic Drug Treatment Center, Inc.",1015 East 6th Avenue,Anchorage,AK,99501,61.21659747,-149.86372\n']
    _, otp_report = import_files(empty_registry, *write_files(tmp_path, locator_rows, otp_rows))
    (card,) = listings(empty_registry)
    assert {"setting:otp", "medication:methadone"} <= set(card["terms"])
    assert [s["label"] for s in card["sources"]] == ["SAMHSA opioid treatment program directory",
                                                     "SAMHSA treatment locator"]
    assert (otp_report.merged, otp_report.created) == (1, 0)


def test_zip_plus_4_and_lost_leading_zeros_are_kept_as_text(tmp_path, empty_registry):
    locator_rows = [locator_row(1, "Valley Clinic", "10 Elm Street", "Hartford", "CT", "6112", "buprenorphine",
                                -72.69, 41.80, zip4="1234")]
    otp_rows = ["Wasilla Clinic,2521 E. Mountain Village Drive,Wasilla,AK,99654-8525,61.57309268,-149.3869844\n",
                "Enfield Clinic,285 Shaker Rd.,Enfield,CT,6082,42.01721801,-72.51716604\n"]
    import_files(empty_registry, *write_files(tmp_path, locator_rows, otp_rows))
    with empty_registry.engine.connect() as conn:
        codes = sorted(conn.execute(select(Address.postal_code)).scalars())
    assert codes == ["06082", "06112-1234", "99654-8525"]


def test_na_coordinates_and_points_outside_the_us_are_skipped_with_their_reason(tmp_path, empty_registry):
    rows = [
        locator_row(1, "Good Clinic", "1 Main Street", "Philadelphia", "PA", "19134", "buprenorphine", -75.11, 39.99),
        '"2","No Place Clinic",NA,"2 Main Street",NA,"Philadelphia","PA","19134",NA,"buprenorphine","42101",'
        '"Philadelphia","SAMHSA",c(NA, NA),NA,NA\n',
        locator_row(3, "Ministry of Health", "1 Koror Road", "Koror", "PW", "96940", "buprenorphine", 134.464026, 7.354053),
        locator_row(4, "Paris Clinic", "1 Rue", "Paris", "PA", "19134", "buprenorphine", 2.3522, 48.8566),
    ]
    report, _ = import_files(empty_registry, *write_files(tmp_path, rows))
    assert [c["name"] for c in listings(empty_registry)] == ["Good Clinic"]
    assert report.skipped == {"missing coordinates": 1, "coordinates outside the US": 2}
    assert (report.rows_read, report.created) == (4, 1)


def test_a_malformed_file_raises_a_clear_error_and_leaves_the_registry_as_it_was(tmp_path, national_registry):
    before = national_registry.stats()
    bad = tmp_path / "broken.csv"
    bad.write_text("this,is,not\nthe,locator,file\n")
    with pytest.raises(MalformedFile, match="not the SAMHSA locator layout"):
        import_files(national_registry, bad, tmp_path / "missing.csv")
    not_json = tmp_path / "broken.json"
    not_json.write_text('{"rows": [')
    with pytest.raises(MalformedFile, match="not JSON"):
        national_registry.import_sources(findtreatment_files=[not_json])
    assert national_registry.stats() == before


def test_a_border_river_town_is_kept_though_the_simplified_outline_cuts_it_off(tmp_path, empty_registry):
    rows = [locator_row(1, "Aroostook Mental Health Center", "88 Fox Street", "Madawaska", "ME", "04756",
                        "buprenorphine", -68.3476539675666, 47.3525916099583),
            locator_row(2, "Across the River", "1 Rue", "Edmundston", "NB", "04756", "buprenorphine", -68.33, 47.37)]
    report, _ = import_files(empty_registry, *write_files(tmp_path, rows))
    assert [c["name"] for c in listings(empty_registry)] == ["Aroostook Mental Health Center"]
    assert report.skipped == {"coordinates outside the US": 1}


def test_the_otp_directory_is_read_as_windows_1252(tmp_path, empty_registry):
    otp_rows = ["Clínica de Tratamiento Integral Cayey,Calle 1,Cayey,PR,00736,18.1119,-66.1660\n"]
    import_files(empty_registry, *write_files(tmp_path, [], otp_rows))
    assert [c["name"] for c in listings(empty_registry)] == ["Clínica de Tratamiento Integral Cayey"]


def test_jail_programs_are_not_listed(tmp_path, empty_registry):
    otp_rows = ["Estrella Jail,2939 W Durango St,Phoenix,AZ,85009,33.4394,-112.1263\n",
                "Community Health Resources,\"Carl Robinson Correctional Institution, 285 Shaker Rd.\",Enfield,CT,"
                "6082,42.01721801,-72.51716604\n"]
    _, report = import_files(empty_registry, *write_files(tmp_path, [], otp_rows))
    assert listings(empty_registry) == []
    assert report.skipped == {"inside a jail or prison (not open to the public)": 2}


def test_findtreatment_sa_and_mh_rows_of_one_facility_are_one_listing(empty_registry):
    drafts, report = findtreatment.read_findtreatment(findtreatment.SAMPLE_FILE)
    empty_registry.import_sources(shipped=False, extra=[(drafts, report)])
    cards = listings(empty_registry)
    names = [c["name"] for c in cards]
    assert len(names) == len(set((c["name"], c["address"]["address_1"]) for c in cards))
    assert report.rows_read == 30
    assert report.skipped["does not treat opioid use disorder"] == 3
    assert report.rows_read == report.created + report.merged + report.skipped_total
    region_ten = [c for c in cards if c["name"] == "Region Ten Community Services Board"]
    assert region_ten and all(c["phones"] for c in region_ten)


def test_the_national_import_report_counts_add_up(national_registry, tmp_path):
    reports = national_registry.import_sources()
    by_source = {r.source: r for r in reports}
    locator = by_source["SAMHSA treatment locator"]
    otp = by_source["SAMHSA opioid treatment program directory"]
    assert locator.rows_read == 10556
    assert otp.rows_read == 1831
    for r in reports:
        assert r.rows_read == r.created + r.merged + r.skipped_total, r.lines()
    # Palau is not the US; Guam is.
    assert locator.skipped["coordinates outside the US"] >= 1
    stats = national_registry.stats()
    created = sum(r.created for r in reports)
    assert stats["physical_listings"] + stats["virtual_listings"] == created
    assert stats["listings_by_term"]["setting:otp"] > 1700
    with national_registry.engine.connect() as conn:
        guam = conn.execute(select(func.count()).select_from(Address).where(Address.state_province == "GU")).scalar()
        assert guam >= 1
        assert conn.execute(select(func.count()).select_from(Service)).scalar() == created
