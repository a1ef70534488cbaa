"""Listings a person can act on (issue 18): a P.O. box is never shown as a place to go, a point far
from its own ZIP code is moved there and reported, VA medical centers say they are for veterans and
come after other places, and a search past the widest radius still names the nearest place."""
from __future__ import annotations

from bot.present import national, sms
from bot.present.api import listing_json
from bot.present.cards import listing_card
from bot.present.catalogue import text
from bot.present.listings import details_text, listing_text, page_of
from bot.present.navigator import client_text
from providers.ingest import Draft, ImportReport, Source
from providers.search import Result

TEST_SOURCE = Source("test", "Test directory", "test.json", "2026-11-01")
METHADONE = ["need:treatment", "medication:methadone"]
BUPRENORPHINE = ["need:treatment", "medication:buprenorphine"]


def everything_shown(r: Result) -> dict[str, str]:
    """Each channel's words for one listing: SMS page and details, web card, API JSON, navigator text."""
    return {"sms page": listing_text(1, r), "sms details": sms.details_text(r, "methadone", None),
            "details": details_text(r, "methadone", None), "card": str(listing_card(1, r)),
            "api": str(listing_json(1, r)), "navigator": "\n".join(client_text([r]))}


def named(result, name: str) -> Result:
    found = [r for r in result.results if r.name.startswith(name)]
    assert found, [r.name for r in result.results]
    return found[0]


# --- 1. a P.O. box is not a door -------------------------------------------------------------------


def test_a_listing_whose_only_street_is_a_po_box_shows_its_town_and_phone_to_call_for_the_address(
        national_registry):
    longview = national_registry.search("Longview, TX", METHADONE, page_size=5)
    clinic = next(r for r in longview.results if r.name == "East Texas Clinic" and r.town_line)
    for channel, shown in everything_shown(clinic).items():
        if channel != "sms page":  # a page of results shows no addresses
            assert "Longview, TX 75608 - call for the address" in shown, channel
        assert "Box" not in shown, channel
    # South Jersey Drug Treatment Center, at its P.O. box in one file and its street in the others, is
    # one listing at its street (issue 18).
    bridgeton = national_registry.search("08302", METHADONE, page_size=5)
    (south_jersey,) = [r for r in bridgeton.results if r.name == "South Jersey Drug Treatment Center"]
    assert south_jersey.address_line.startswith("162 Sunny Slope Drive") and south_jersey.phone
    assert listing_card(1, clinic)["map_url"] is None  # no pin on the middle of a town
    aguadilla = named(national_registry.search("00603", METHADONE, page_size=5), "Clinica de Tratamiento Integral")
    assert "Bayamon, PR 00960-7087 - call for the address" in sms.details_text(aguadilla, "methadone", None)
    assert "(787)" in sms.details_text(aguadilla, "methadone", None)  # the number to call for it


def test_a_street_address_with_a_po_box_shows_only_the_street():
    card = {"name": "Acoma Clinic", "phones": [{"number": "(505) 555-0100", "type": "voice"}], "sources": [],
            "terms": ["medication:buprenorphine"],
            "address": {"address_1": "1912 Commerce Ave. NW, P.O. Box 2085", "address_2": None,
                        "city": "Albuquerque", "state": "NM", "postal_code": "87104"}}
    clinic = Result("x", "physical", 2.0, card, frozenset(card["terms"]))
    for channel, shown in everything_shown(clinic).items():
        if channel != "sms page":
            assert "1912 Commerce Ave. NW, Albuquerque, NM 87104" in shown, channel
        assert "Box" not in shown, channel


def test_a_po_box_in_the_second_address_line_is_left_out(national_registry):
    lisbon = named(national_registry.search("44432", BUPRENORPHINE, page_size=10), "Family Recovery Center")
    assert lisbon.address_line == "964 North Market Street, Lisbon, OH 44432"


# --- 2. a point far from its own ZIP code --------------------------------------------------------


def test_a_point_far_from_its_zip_code_is_placed_at_it_and_reported(empty_registry):
    # The 2020 locator put Dexter, MO's clinic 209 miles away, in Kentucky.
    dexter = Draft(key="dexter", source=TEST_SOURCE, name="Family Counseling Center Inc", organization="FCC",
                   latitude=37.56, longitude=-86.54, address_1="1719 Business Highway 60", city="Dexter", state="MO",
                   postal_code="63841", terms={"medication:buprenorphine"})
    report = ImportReport(TEST_SOURCE.label)
    empty_registry.import_sources(shipped=False, extra=[([dexter], report)])
    assert any(line.startswith("  placed 1 at their ZIP code's point") and "Dexter MO" in line
               for line in report.lines()), report.lines()
    found = empty_registry.search("Dexter, MO", BUPRENORPHINE)
    assert [r.name for r in found.results] == ["Family Counseling Center Inc"]
    assert found.results[0].miles < 5


def test_the_dexter_clinic_is_offered_in_dexter_not_in_kentucky(national_registry):
    dexter = named(national_registry.search("63841", [], page_size=5), "Family Counseling Center")
    assert dexter.miles < 5
    kentucky = national_registry.search((37.56, -86.54), [], page_size=10)
    assert "Family Counseling Center Inc" not in [r.name for r in kentucky.results]


# --- 3. VA medical centers are for veterans --------------------------------------------------------


def test_a_va_medical_center_says_it_is_for_veterans_and_comes_after_other_places(national_registry):
    anyone = national_registry.search("84148", BUPRENORPHINE, page_size=5)
    assert "VA SLC Healthcare System" not in [r.name for r in anyone.results]  # 0.2 miles away, yet after these
    veteran = national_registry.search("84148", BUPRENORPHINE + ["population:veterans"], page_size=5)
    va = veteran.results[0]
    assert va.name == "VA SLC Healthcare System" and va.miles < 1
    for channel, shown in everything_shown(va).items():
        assert "For veterans only" in shown, channel
    assert all(listing_card(1, r)["for_veterans"] is None for r in anyone.results)


def test_a_va_clinic_is_still_offered_after_the_other_places(empty_registry):
    def clinic(key, name, lat):
        return Draft(key=key, source=TEST_SOURCE, name=name, organization=name, latitude=lat, longitude=-75.13,
                     address_1=f"{key} Street", city="Philadelphia", state="PA", postal_code="19134",
                     terms={"medication:buprenorphine"})

    empty_registry.import_sources(shipped=False, extra=[([
        clinic("va", "Philadelphia VA Medical Center (PVAMC)", 39.99),
        clinic("far", "Kensington Clinic", 40.30)], ImportReport("test"))])
    anyone = empty_registry.search((39.99, -75.13), BUPRENORPHINE)
    assert [r.name for r in anyone.results] == ["Kensington Clinic", "Philadelphia VA Medical Center (PVAMC)"]
    assert listing_text(2, anyone.results[1]).splitlines()[1] == "For veterans only (VA)"


# --- 4. never empty ------------------------------------------------------------------------------


def test_past_the_widest_radius_the_nearest_place_comes_with_its_distance_telehealth_and_the_helpline(
        national_registry):
    for zip_code, town in (("99801", "Juneau"), ("99762", "Nome")):
        result = national_registry.search(zip_code, METHADONE)
        assert result.results and result.results[0].miles > 500, zip_code
        reply = sms.page_text(page_of(result, 1))
        # Beside a health center's line (issue 18), the page may say it in fewer words.
        assert reply.startswith((f"Nothing within 500 miles of {town}, AK {zip_code}", "Nothing within 500 mi.")), reply
        assert f"{result.results[0].miles:.1f} mi" in reply
        assert national.numbers()["helpline"] in reply and "video" in reply
    # A search capped nearer (syringe programs) stays capped, and support a long way off is no help.
    syringes = national_registry.search("99762", ["support:syringe_services"], max_miles=50)
    assert syringes.empty and not syringes.beyond
    assert not national_registry.search("99762", ["need:recovery_support"]).beyond


def test_the_telehealth_line_names_only_the_seeds_helpline():
    assert national.numbers()["helpline"] in text("telehealth_beyond")
