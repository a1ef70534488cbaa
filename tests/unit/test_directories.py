"""Phones, payment and Medicare enrollment from three more federal files, each fact with the
source and year that said it (issue 18)."""
from __future__ import annotations

import io
import json
from pathlib import Path

from providers.importers import directories
from providers.ingest import ImportReport, MalformedFile


def listing_at(registry, where: str, medication: str, street_number: str):
    result = registry.search(where, [medication], page_size=10)
    found = [r for r in result.results if (r.card["address"] or {}).get("address_1", "").startswith(street_number)]
    assert found, [r.address_line for r in result.results]
    return found[0]


def test_a_phone_line_with_an_intake_number_and_an_extension_gives_both_numbers():
    assert directories.phones_in("(334)428-5050 Intake: (334)428-5040x12") == [
        "(334) 428-5050", "(334) 428-5040 ext. 12"]
    assert directories.phones_in("(718)665-9340 Intakes: (718)665-9341x118 (718)665- 9342x119") == [
        "(718) 665-9340", "(718) 665-9341 ext. 118", "(718) 665-9342 ext. 119"]


def test_the_2015_directory_gives_its_main_and_intake_lines_and_its_payment_codes():
    drafts, report = directories.read_directory_2015()
    assert report.rows_read == 11928
    tarzana = next(d for d in drafts if d.name == "Tarzana Treatment Center Inc" and d.address_1.startswith("18646"))
    assert tarzana.phones == [("(800) 996-1051", "voice", "main"), ("(818) 996-1051", "voice", "intake")]
    assert {"payment:medicaid", "payment:private_insurance", "language:spanish"} <= tarzana.terms
    # Medications come from the newer files: a 2015 code never adds one.
    assert not any(t.startswith("medication:") for d in drafts for t in d.terms)


def test_the_cms_list_with_its_byte_order_mark_two_npis_and_zip_plus_4_is_read():
    drafts, report = directories.read_cms_otps_2022()
    assert (report.rows_read, report.skipped_total) == (1339, 0)
    baart = next(d for d in drafts if d.address_1 == "617 Comstock Rd")
    assert baart.external_ids == [("npi", "1003081399"), ("npi", "1013055110")]
    assert baart.postal_code == "05602-8498"
    assert baart.address_2 == "Ste 5"
    assert baart.phones == [("(802) 223-2003", "voice", "main")]
    assert {"payment:medicare", "setting:otp", "medication:methadone"} <= baart.terms


def test_the_2020_otp_directory_with_a_byte_order_mark_gives_its_phones():
    drafts, report = directories.read_otp_phones_2020()
    assert report.skipped_total == 0
    assert drafts[0].name == "Serenity Health, LLC" and drafts[0].phones == [("(410) 273-1030", "voice", "main")]
    assert sum(1 for d in drafts if d.phones) >= 1750


def test_a_file_of_another_layout_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "cms.csv"
    bad.write_text("name,phone\nA,1\n", encoding="utf-8")
    try:
        directories.read_cms_otps_2022(bad)
    except MalformedFile as e:
        assert "not the expected layout" in str(e)
    else:
        raise AssertionError("a file of another layout was read")


def test_the_muncie_methadone_clinic_now_has_a_phone_with_its_source(national_registry):
    clinic = listing_at(national_registry, "47304", "medication:methadone", "3640")
    assert clinic.phone is not None
    label, checked = clinic.fact(f"phone:{clinic.phone}")
    assert (label, checked[:4]) in {("Medicare enrollment (CMS)", "2022"),
                                     ("SAMHSA opioid treatment program directory", "2020")}


def test_a_phone_only_the_2015_directory_gives_says_2015(national_registry):
    """Wedge Medical Center, 3609 North Broad Street, Philadelphia: in the 2020 locator without a
    phone, in the 2015 directory with one."""
    wedge = listing_at(national_registry, "19140", "medication:buprenorphine", "3609")
    assert wedge.phone == "(215) 223-1100"
    assert wedge.fact(f"phone:{wedge.phone}") == ("SAMHSA national directory", "2015")
    assert wedge.phone_year == "2015"
    assert wedge.fact("address") == ("SAMHSA treatment locator", "2020-09")


def test_medicare_comes_from_cms_and_medicaid_from_the_2015_directory(national_registry):
    """Shelby County Treatment Center, Alabaster AL: each payment fact keeps its own source."""
    clinic = listing_at(national_registry, "35007", "medication:methadone", "750")
    assert clinic.fact("term:payment:medicare") == ("Medicare enrollment (CMS)", "2022")
    assert clinic.fact("term:payment:medicaid") == ("SAMHSA national directory", "2015")
    # The same number in 2015 and 2022 is a 2022 fact: it is not "listed 2015".
    assert clinic.fact("phone:(205) 216-0200") == ("Medicare enrollment (CMS)", "2022")


def test_most_listings_a_person_can_be_shown_now_have_a_phone(national_registry):
    with national_registry.engine.connect() as conn:
        cards = [json.loads(c) for (c,) in conn.exec_driver_sql("select card from listing where kind='physical'")]
    otps = [c for c in cards if "setting:otp" in c["terms"]]
    medication = [c for c in cards if any(t.startswith("medication:") for t in c["terms"])]
    assert sum(1 for c in otps if c["phones"]) / len(otps) >= 0.90
    assert sum(1 for c in medication if c["phones"]) / len(medication) >= 0.50
    assert sum(1 for c in medication if any(t.startswith("payment:") for t in c["terms"])) / len(medication) >= 0.45


def test_each_fact_exports_as_hsds_metadata_with_its_source_and_date(national_registry):
    out = io.StringIO()
    national_registry.export_hsds(out)
    document = json.loads(out.getvalue())
    wedge = next(s for s in document["services"] if s["name"] == "Wedge Medical Center"
                 and any(p["number"] == "(215) 223-1100" and len(s["phones"]) == 1 for p in s["phones"]))
    phone_facts = [m for m in wedge["metadata"] if m["field_name"] == "phones.number"]
    # HSDS 3.0 dates are full dates: a year-only source date is exported as its first day.
    assert [(m["replacement_value"], m["updated_by"], m["last_action_date"]) for m in phone_facts] == [
        ("(215) 223-1100", "SAMHSA national directory", "2015-01-01")]


def test_the_import_report_says_what_the_merge_only_files_added(national_registry):
    reports = {r.source: r for r in national_registry.import_sources()}
    cms = reports["Medicare enrollment (CMS), 2022"]
    assert cms.created == 0 and cms.merged >= 1250
    assert cms.rows_read == cms.merged + cms.skipped_total
    assert ImportReport("x").creates


def test_health_centers_add_a_phone_and_the_sliding_fee_but_never_a_medication(national_registry):
    drafts, report = directories.read_hrsa_health_centers_2021()
    assert report.skipped["temporary COVID-19 site"] >= 140
    assert all(d.terms == {"payment:sliding_fee"} for d in drafts)
    reports = {r.source: r for r in national_registry.import_sources()}
    hrsa = reports["HRSA health center list, 2021"]
    # A site at no treatment listing's address is a health center listing of its own (issue 18).
    assert hrsa.created >= 5000 and hrsa.merged >= 200
    with national_registry.engine.connect() as conn:
        cards = [json.loads(c) for (c,) in conn.exec_driver_sql("select card from listing where kind='physical'")]
    from_hrsa = [c for c in cards if any(s["label"] == "HRSA health center list" for s in c["sources"])]
    assert from_hrsa
    for c in from_hrsa:
        medications = [k for k in c["facts"] if k.startswith("term:medication:")]
        assert all(c["facts"][k][0] != "HRSA health center list" for k in medications)
        assert medications or c["terms"] == ["payment:sliding_fee", "setting:health_center"]
    assert any(c["facts"].get("term:payment:sliding_fee", [""])[0] == "HRSA health center list" for c in from_hrsa)


def test_camden_syringe_access_comes_from_new_jerseys_own_list(national_registry):
    result = national_registry.search("08102", ["need:harm_reduction"], page_size=3)
    first = result.results[0]
    assert first.name.startswith("Camden Area Health Education Center")
    assert "support:syringe_services" in first.terms
    assert first.fact("term:support:syringe_services") == ("New Jersey Department of Health", "2020-12")
