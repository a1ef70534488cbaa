"""One place is one listing (issue 18): the same place listed twice at one street address, within a
source or across two, becomes one listing; a row of a phone file goes to the listing of its own
name; and two programs at one address, or two places of one name, stay two."""
from __future__ import annotations

from providers.ingest import Draft, ImportReport, Source
from providers.matching import merge_same_address, merge_sites, similar_name

LOCATOR = Source("samhsa_moud_locator_2020", "SAMHSA treatment locator", "locator.csv", "2020-09")
OTP_2021 = Source("samhsa_otp_directory_2021", "SAMHSA opioid treatment program directory", "otp.csv", "2021-07")
DIRECTORY_2015 = Source("samhsa_directory_2015", "SAMHSA national directory", "dir2015.csv", "2015")
OTP_PHONES = Source("samhsa_otp_directory_phones_2020", "SAMHSA opioid treatment program directory",
                    "phones.csv", "2020-07-04")
METHADONE = {"medication:methadone", "setting:otp"}


def draft(key, source, name, street, postal, lat, lng, terms=(), phone=None, city="Town", state="CA"):
    d = Draft(key=key, source=source, name=name, organization=name, latitude=lat, longitude=lng,
              address_1=street, city=city, state=state, postal_code=postal, terms=set(terms))
    if phone:
        d.add_phone(phone, "voice", "main")
    return d


def merged(*batches: list[Draft]) -> list[Draft]:
    listings: list[Draft] = []
    for drafts in batches:
        listings += merge_sites(listings, drafts, ImportReport("test"))
    return merge_same_address(listings)


def test_tarzana_treatment_center_twice_at_18646_oxnard_street_is_one_listing_with_the_newest_name():
    older = draft("loc", LOCATOR, "Tarzana Treatment Center", "18646 Oxnard Street", "91356", 34.1799, -118.5397,
                  {"medication:buprenorphine"}, phone="(818) 996-1051")
    # Another spelling, a street type abbreviated and a ZIP+4, geocoded 300 feet away.
    newer = draft("otp", OTP_2021, "Tarzana Treatment Centers, Inc.", "18646 Oxnard St.", "91356-1411",
                  34.1807, -118.5397, METHADONE)
    report = ImportReport("otp", rows_read=1, created=1)
    (one,) = merge_same_address([older, newer], {id(newer): report})
    assert (report.created, report.merged) == (0, 1)  # the source's row is counted as merged
    assert one.name == "Tarzana Treatment Centers, Inc." and one.address_1 == "18646 Oxnard St."
    assert {"medication:buprenorphine", *METHADONE} <= one.terms
    assert one.phones[0][0] == "(818) 996-1051"
    assert one.fact_source("name") == OTP_2021 and one.fact_source("term:medication:buprenorphine") == LOCATOR
    assert {s.id for s in one.sources} == {LOCATOR.id, OTP_2021.id}


def test_one_source_listing_one_place_twice_gives_one_listing():
    a = draft("a", LOCATOR, "Western Pacific Med Corp", "4838 Laurel Canyon Blvd", "91607", 34.1587, -118.3965,
              {"medication:methadone"})
    b = draft("b", LOCATOR, "Western Pacific Med-Corp", "4838 Laurel Canyon Boulevard", "91607", 34.1588, -118.3964,
              {"medication:buprenorphine"})
    (one,) = merge_same_address([a, b])
    assert one.terms == {"medication:methadone", "medication:buprenorphine"}


def test_south_jersey_drug_treatment_center_at_its_street_and_at_its_po_box_is_one_listing_at_the_street():
    street = draft("loc", LOCATOR, "South Jersey Drug Treatment Center", "162 Sunny Slope Drive", "08302",
                   39.427337, -75.2340768, {"medication:buprenorphine"}, phone="(856) 455-5555", state="NJ")
    box = draft("otp", OTP_2021, "South Jersey Drug Treatment Center", "PO Box 867", "08302", 39.425825, -75.2435,
                METHADONE, state="NJ")
    (one,) = merged([street], [box])
    assert one.address_1 == "162 Sunny Slope Drive"  # never a P.O. box over a door
    assert {"medication:buprenorphine", *METHADONE} <= one.terms and one.phones


def test_the_aguadilla_methadone_program_with_its_po_box_in_bayamon_is_not_the_bayamon_clinic():
    """The P.O. box's ZIP code is Bayamon's post office; the program is 60 miles west, in Aguadilla."""
    bayamon = draft("loc", LOCATOR, "Clinica de Tratamiento", "Calle 2 Urbanizacion Santa Cruz 12", "00960",
                    18.396966, -66.15707, {"medication:buprenorphine"}, state="PR")
    aguadilla = draft("otp", OTP_2021, "Clinica de Tratamiento", "PO Box 7087", "00960-7087", 18.4275, -67.1541,
                      METHADONE, state="PR")
    listings = merged([bayamon], [aguadilla])
    assert len(listings) == 2
    assert next(d for d in listings if d.key == "loc").terms == {"medication:buprenorphine"}


def test_two_programs_of_different_names_at_one_address_stay_two_listings():
    realization = draft("r", LOCATOR, "Realization Center Inc", "175 Remsen Street", "11201", 40.6935, -73.9914,
                        {"medication:buprenorphine"}, state="NY")
    bridge = draft("b", LOCATOR, "Bridge Back to Life Center Inc", "175 Remsen Street", "11201", 40.6935,
                   -73.9914, {"medication:buprenorphine"}, state="NY")
    assert len(merge_same_address([realization, bridge])) == 2


def test_two_numbered_programs_or_a_house_for_women_and_one_for_men_stay_two():
    assert not similar_name("Hope House for Women", "Hope House for Men")
    assert not similar_name("Harlem No 2 OTP", "Harlem No 6/7 OTP")
    for a, b in (("Medmark Treatment Centers Downtown 101", "Medmark Treatment Centers Downtown 201"),
                 ("Hope House for Women", "Hope House for Men")):
        first = draft("1", LOCATOR, a, "821 North Eutaw Street", "21201", 39.2996, -76.6215, {"medication:methadone"})
        second = draft("2", LOCATOR, b, "821 N Eutaw St", "21201", 39.2996, -76.6215, {"medication:methadone"})
        assert len(merge_same_address([first, second])) == 2


def test_a_phone_files_row_goes_to_the_listing_of_its_own_name_not_the_one_upstairs():
    """1741 15th Street NW, Bemidji: Oshki Manidoo and the Womens Wellbriety Center share a
    switchboard; the 2015 directory's Womens Wellbriety row belongs to that listing."""
    oshki = draft("o", LOCATOR, "Oshki Manidoo", "1741 15th Street NW", "56601", 47.48319, -94.90521,
                  {"medication:buprenorphine"}, phone="(218) 759-0000", state="MN")
    wellbriety = draft("w", LOCATOR, "Womens Wellbriety Center", "1741 15th Street NW", "56601", 47.48358,
                       -94.90508, {"medication:buprenorphine"}, state="MN")
    row = draft("d", DIRECTORY_2015, "Womens Wellbriety Center", "1741 15th Street NW", "56601", 47.4835, -94.9050,
                {"payment:medicaid"}, phone="(218) 759-0000", state="MN")
    merge_sites([oshki, wellbriety], [row], ImportReport("2015"), create=False)
    assert wellbriety.phones and "payment:medicaid" in wellbriety.terms
    assert "payment:medicaid" not in oshki.terms


def test_a_row_naming_another_program_of_its_own_file_leaves_that_programs_listing_alone():
    """1900 Second Avenue, New York: the OTP directory lists Metropolitan Hospital's program and the
    Center for Comprehensive Health Practice; the locator's Center is not Metropolitan's."""
    cchp = draft("loc", LOCATOR, "Center for Comp Health Practice Inc", "1900 2nd Avenue", "10029", 40.7854,
                 -73.9458, {"medication:methadone"}, state="NY")
    metropolitan = draft("m", OTP_2021, "Metropolitan Hospital Methadone Treatment Program",
                         "1900 Second Ave., 99th St., Rm. 2M29", "10029", 40.7858, -73.9459, METHADONE, state="NY")
    center = draft("c", OTP_2021, "Center for Comprehensive Health Practice, Inc", "1900 Second Ave.,12th Floor",
                   "10029", 40.7858, -73.9459, METHADONE, state="NY")
    listings = merged([cchp], [metropolitan, center])
    assert sorted(d.name for d in listings) == ["Center for Comprehensive Health Practice, Inc",
                                                "Metropolitan Hospital Methadone Treatment Program"]


def test_initials_and_spelt_out_ordinals_and_highways_are_one_name_and_one_street():
    steps = draft("s", LOCATOR, "STEPS Inc", "1033 North Pine Hills Road", "32808", 28.5583, -81.4497,
                  {"medication:buprenorphine"}, state="FL")
    row = draft("d", DIRECTORY_2015, "Specialized Treatment Education and Prevention Services Inc",
                "1033 North Pine Hills Road", "32808", 28.5584, -81.4497, phone="(407) 291-0000", state="FL")
    albany = draft("a", LOCATOR, "Saint Peters Addiction Recovery Center", "64 Second Avenue", "12202", 42.6384,
                   -73.7635, {"medication:buprenorphine"}, state="NY")
    albany_row = draft("d2", DIRECTORY_2015, "Saint Peters Addiction Recovery Center", "64 2nd Avenue", "12202",
                       42.6384, -73.7635, phone="(518) 452-6700", state="NY")
    medmark = draft("m", LOCATOR, "MedMark Treatment Centers", "1984 U.S. Highway 22", "15717", 40.4406, -79.2555,
                    {"medication:methadone"}, state="PA")
    cms_row = Draft(key="cms", source=OTP_PHONES, name="Medmark Treatment Centers Of Pennsy",
                    organization="Medmark", address_1="1984 Rte 22", postal_code="15717-6120", terms=METHADONE)
    cms_row.add_phone("(724) 459-0000", "voice", "main")
    merge_sites([steps, albany, medmark], [row, albany_row, cms_row], ImportReport("rows"), create=False)
    assert steps.phones and albany.phones and medmark.phones


def test_one_address_geocoded_miles_apart_by_two_sources_is_one_place_but_never_two_house_numbers():
    """400 Woodland Road, Aliquippa: the 2015 directory put it 3.7 miles from the locator's point."""
    pinnacle = draft("p", LOCATOR, "Pinnacle Trt Servs of Aliquippa", "400 Woodland Road", "15001", 40.6488,
                     -80.3051, {"medication:buprenorphine"}, state="PA")
    row = draft("d", DIRECTORY_2015, "Pinnacle Treatment Servs of Aliquippa", "400 Woodland Road", "15001",
                40.6900, -80.2700, phone="(724) 000-0000", state="PA")
    next_door = draft("n", DIRECTORY_2015, "Pinnacle Treatment Servs of Aliquippa", "410 Woodland Road", "15001",
                      40.6488, -80.3051, phone="(724) 111-1111", state="PA")
    merge_sites([pinnacle], [row, next_door], report := ImportReport("2015"), create=False)
    assert report.merged == 1 and [p[0] for p in pinnacle.phones] == ["(724) 000-0000"]
