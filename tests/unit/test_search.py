"""Searching the registry: nearest first, filters from the vocabulary, never an empty answer."""
from __future__ import annotations

import json

from sqlalchemy import event, select, text

from providers import geo
from providers.areas import Area
from providers.geocode import Place
from providers.ingest import Draft, ImportReport, Source
from providers.models import Listing
from providers.search import Searcher

TEST_SOURCE = Source("test", "Test directory", "test.json", "2026-11-01")
PHILADELPHIA_19134 = (39.9925, -75.1133)
CENTRAL_NEVADA = (38.80, -116.42)


def place(lat, lng):
    return Place(lat, lng, "exact", f"{lat},{lng}", None)


def site(key, lat, lng, terms, name=None):
    return Draft(key=key, source=TEST_SOURCE, name=name or key, organization=name or key, latitude=lat,
                 longitude=lng, address_1=f"{key} Street", city="Philadelphia", state="PA", postal_code="19134",
                 terms=set(terms))


def build(registry, drafts):
    registry.import_sources(shipped=False, extra=[(drafts, ImportReport("test"))])
    return registry


def test_methadone_from_19134_returns_only_opioid_treatment_programs_nearest_first(national_registry):
    result = national_registry.search("19134", ["medication:methadone"], page_size=10)
    assert len(result.results) == 10
    assert all("setting:otp" in r.terms and "medication:methadone" in r.terms for r in result.results)
    miles = [r.miles for r in result.results]
    assert miles == sorted(miles)
    assert miles[0] < 3 and not result.widened
    assert all(r.card["address"]["state"] in ("PA", "NJ") for r in result.results)
    # Each distance is the geodesic one from the ZIP's point.
    first = result.results[0]
    assert abs(first.miles - geo.geodesic_miles(result.place.latitude, result.place.longitude,
                                                *_coords(national_registry, first.id))) < 0.06


def _coords(registry, listing_id):
    with registry.engine.connect() as conn:
        return conn.execute(text("select latitude, longitude from listing where id = :id"), {"id": listing_id}).one()


def test_a_methadone_listing_without_otp_certification_is_not_offered_for_methadone(empty_registry):
    build(empty_registry, [site("certified", 39.99, -75.11, {"medication:methadone", "setting:otp"}),
                           site("uncertified", 39.99, -75.111, {"medication:methadone"})])
    result = empty_registry.search(PHILADELPHIA_19134, ["medication:methadone"])
    assert [r.name for r in result.results] == ["certified"]


def test_the_medicaid_filter_keeps_medicaid_and_unknown_and_drops_listings_that_list_other_payments(empty_registry):
    build(empty_registry, [
        site("takes-medicaid", 39.990, -75.11, {"medication:buprenorphine", "payment:medicaid", "payment:self_pay"}),
        site("cash-only", 39.991, -75.11, {"medication:buprenorphine", "payment:self_pay"}),
        site("payment-not-reported", 39.992, -75.11, {"medication:buprenorphine"}),
        site("free-clinic", 39.993, -75.11, {"medication:buprenorphine", "payment:free"}),
    ])
    result = empty_registry.search(PHILADELPHIA_19134, ["medication:buprenorphine", "payment:medicaid"], page_size=10)
    by_name = {r.name: r for r in result.results}
    assert set(by_name) == {"takes-medicaid", "payment-not-reported", "free-clinic"}
    assert by_name["takes-medicaid"].matched == ("medication:buprenorphine", "payment:medicaid")
    assert by_name["payment-not-reported"].unknown == ("payment:medicaid",)
    assert by_name["payment-not-reported"].partial and not by_name["takes-medicaid"].partial


def test_equal_distance_ranks_the_listing_matching_more_preferences_first(empty_registry):
    build(empty_registry, [
        site("a-no-spanish", 39.99, -75.11, {"medication:buprenorphine", "language:arabic"}),
        site("b-spanish", 39.99, -75.11, {"medication:buprenorphine", "language:spanish"}),
    ])
    result = empty_registry.search(PHILADELPHIA_19134, ["medication:buprenorphine", "language:spanish"])
    assert [r.name for r in result.results] == ["b-spanish", "a-no-spanish"]
    assert result.results[1].missing == ("language:spanish",)


def test_widening_from_central_nevada_still_answers_and_says_it_widened(national_registry):
    result = national_registry.search(CENTRAL_NEVADA, ["medication:buprenorphine"])
    assert len(result.results) == 3
    assert result.widened and result.radius_miles > 25
    assert result.results[0].miles > 25
    assert result.radius_miles >= result.results[-1].miles


def test_with_nothing_within_reach_the_answer_still_has_virtual_services_and_national_lines(national_registry):
    american_samoa = place(-14.28, -170.70)
    result = national_registry.search(american_samoa, ["medication:methadone"])
    # Nothing within the widest radius: the nearest clinic wherever it is, with its distance (issue 18).
    assert result.beyond and result.widened and result.results[0].miles > 2000
    assert {r.name for r in result.national} >= {"988 Suicide & Crisis Lifeline", "SAMHSA National Helpline"}
    harm = national_registry.search(american_samoa, ["need:harm_reduction"])
    assert "Never Use Alone" in {r.name for r in harm.virtual}


def test_a_virtual_service_limited_to_one_state_appears_only_inside_it(empty_registry):
    pa_only = Draft(key="pa-mail", source=TEST_SOURCE, name="Pennsylvania naloxone by mail", organization="PA DOH",
                    location_type="virtual", terms={"support:naloxone"}, area_uri=Area.of_states("PA").uri)
    build(empty_registry, [pa_only, site("clinic", 39.99, -75.11, {"support:naloxone"})])
    philadelphia = empty_registry.search(PHILADELPHIA_19134, ["support:naloxone"])
    camden_nj = empty_registry.search((39.9259, -75.1196), ["support:naloxone"])
    pittsburgh = empty_registry.search((40.4406, -79.9959), ["support:naloxone"])
    assert [r.name for r in philadelphia.virtual] == ["Pennsylvania naloxone by mail"]
    assert [r.name for r in pittsburgh.virtual] == ["Pennsylvania naloxone by mail"]
    assert camden_nj.virtual == []
    # A search for something else does not offer it.
    assert empty_registry.search(PHILADELPHIA_19134, ["medication:buprenorphine"]).virtual == []


def test_pages_continue_outwards_without_repeating(national_registry):
    first = national_registry.search("19134", ["medication:buprenorphine"], page=1, page_size=5)
    second = national_registry.search("19134", ["medication:buprenorphine"], page=2, page_size=5)
    assert first.has_more
    assert not {r.id for r in first.results} & {r.id for r in second.results}
    assert first.results[-1].miles <= second.results[0].miles


def test_a_listing_just_past_the_first_box_still_fills_the_page_and_counts_as_more(empty_registry):
    lat, lng = PHILADELPHIA_19134
    edge = (lat, lng + 0.0946)  # 5.02 miles east: past the 5-mile first box, inside its great-circle margin
    assert geo.geodesic_miles(lat, lng, *edge) > 5 >= geo.haversine_miles(lat, lng, *edge) / 1.006
    registry = build(empty_registry, [site(f"near{i}", lat + i * 0.01, lng, ["medication:methadone", "setting:otp"])
                                      for i in (1, 2, 3)] + [site("edge", *edge, ["medication:methadone", "setting:otp"])])
    first = registry.search(place(lat, lng), ["medication:methadone"], page=1, page_size=3)
    second = registry.search(place(lat, lng), ["medication:methadone"], page=2, page_size=3)
    assert [r.name for r in first.results] == ["near1", "near2", "near3"] and first.has_more
    assert [(r.name, r.miles) for r in second.results] == [("edge", 5.0)] and not second.has_more


def test_every_listing_shown_carries_its_source_and_the_date_it_was_checked(national_registry):
    result = national_registry.search("19134", ["need:treatment"], page_size=10)
    for r in result.results + result.virtual + result.national:
        assert r.card["sources"] and all(s["checked"] for s in r.card["sources"])
        assert "checked" in r.source_line


def test_a_local_search_reads_the_index_not_the_whole_table(national_registry):
    plans = []
    searcher = Searcher(national_registry.engine)

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM listing_term" in statement:
            plans.extend(row[-1] for row in cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters))

    event.listen(national_registry.engine, "before_cursor_execute", capture)
    try:
        searcher.search(place(*PHILADELPHIA_19134), national_registry.search("19134").filters)
    finally:
        event.remove(national_registry.engine, "before_cursor_execute", capture)
    assert plans and all(p.startswith("SEARCH") for p in plans), plans


def test_outpatient_care_finds_methadone_clinics(national_registry):
    result = national_registry.search("19134", ["medication:methadone", "setting:outpatient"])
    assert len(result.results) == 3 and not result.relaxed
    assert all("setting:outpatient" in r.matched for r in result.results)


def test_when_no_listing_in_reach_reports_the_asked_setting_the_nearest_come_back_marked(empty_registry):
    build(empty_registry, [
        site("otp-near", 39.99, -75.11, {"medication:methadone", "setting:otp"}),
        site("otp-far", 40.5, -75.11, {"medication:methadone", "setting:otp"}),
    ])
    result = empty_registry.search(PHILADELPHIA_19134, ["medication:methadone", "setting:residential"])
    assert result.relaxed == ("setting:residential",)
    assert [r.name for r in result.results] == ["otp-near", "otp-far"]
    assert all(r.missing == ("setting:residential",) for r in result.results)


def test_a_search_for_the_naltrexone_shot_lists_naltrexone_places_and_marks_the_shot_ask_about(empty_registry):
    build(empty_registry, [site("gives-the-shot", 39.995, -75.11, {"medication:naltrexone_injectable"}),
                           site("naltrexone-unspecified", 39.993, -75.113, {"medication:naltrexone"}),
                           site("bupe-only", 39.992, -75.113, {"medication:buprenorphine"})])
    result = empty_registry.search(PHILADELPHIA_19134, ["medication:naltrexone_injectable"], page_size=5)
    assert [r.name for r in result.results] == ["naltrexone-unspecified", "gives-the-shot"]
    assert result.results[0].unknown == ("medication:naltrexone_injectable",)
    assert result.results[1].matched == ("medication:naltrexone_injectable",)


# --- health centers: a tier of their own (issue 18) -------------------------------------------

HEALTH_CENTER = "setting:health_center"
RURAL_AND_CITY_ZIPS = ("57501", "59301", "67901", "58601", "04730", "88001", "19134", "60623", "22902", "89049")


def test_a_buprenorphine_search_never_lists_a_health_center_as_a_buprenorphine_place(national_registry):
    offered = 0
    for zip_code in RURAL_AND_CITY_ZIPS:
        for page in (1, 2):
            result = national_registry.search(zip_code, ["need:treatment", "medication:buprenorphine"], page=page,
                                              page_size=3)
            assert all("medication:buprenorphine" in r.terms for r in result.results)
            assert not any(HEALTH_CENTER in r.terms for r in result.results)
            # Offered apart, on the first page only, and never said to have the medication.
            assert all(not r.matched and "medication:buprenorphine" not in r.terms for r in result.health_centers)
            assert page == 1 or not result.health_centers
            offered += len(result.health_centers)
    assert offered  # the rural ones got some
    # Nor is a health center a place for "any" treatment, or for a search that names no need at all.
    for terms in (["need:treatment"], [], ["payment:sliding_fee"]):
        result = national_registry.search("57501", terms, page_size=20)
        assert not any(HEALTH_CENTER in r.terms for r in result.results)
    # No health center counts among the places for buprenorphine unless another source lists it there.
    with national_registry.engine.connect() as conn:
        cards = [json.loads(card) for (card,) in conn.execute(
            select(Listing.card).where(Listing.terms.like(f"%{HEALTH_CENTER}%")))]
    assert len(cards) > 5000
    for card in cards:
        medications = [t for t in card["terms"] if t.startswith("medication:")]
        assert all(card["facts"][f"term:{t}"][0] != "HRSA health center list" for t in medications)


def test_health_centers_are_offered_when_fewer_than_three_medication_places_are_within_25_miles(national_registry):
    city = national_registry.search("19134", ["need:treatment", "medication:buprenorphine"])
    assert sum(r.miles <= 25 for r in city.results) == 3 and city.health_centers == []
    rural = national_registry.search("57501", ["need:treatment", "medication:buprenorphine"])
    assert sum(r.miles <= 25 for r in rural.results) < 3
    assert [(r.name, r.miles, r.phone) for r in rural.health_centers][:1] == [
        ("Oahe Valley Health Center", 2.6, "(605) 223-2200")]
    assert 1 <= len(rural.health_centers) <= 2 and all(r.miles <= 50 for r in rural.health_centers)
    assert rural.health_centers[0].source_line == "HRSA health center list, checked Jan 2021"
    # A navigator can ask for health centers themselves.
    asked = national_registry.search("57501", [HEALTH_CENTER], page_size=3)
    assert asked.results[0].name == "Oahe Valley Health Center" and asked.health_centers == []


def test_asking_for_a_doctor_with_a_treatment_need_offers_health_centers_beside_the_listings(national_registry):
    # "A doctor for Suboxone" in Philadelphia: the buprenorphine places, and health centers on their own line,
    # however many buprenorphine places are near.
    result = national_registry.search("19134", ["need:treatment", "medication:buprenorphine", HEALTH_CENTER])
    assert len(result.results) == 3 and all("medication:buprenorphine" in r.terms for r in result.results)
    assert not any(HEALTH_CENTER in r.terms for r in result.results)
    assert 1 <= len(result.health_centers) <= 2 and all(HEALTH_CENTER in r.terms for r in result.health_centers)
    assert all(r.miles <= 50 and r.phone for r in result.health_centers)


def test_health_centers_cost_a_search_no_read_of_the_database(national_registry):
    """They are kept in memory, read once a registry generation; an ordinary search never reads their rows."""
    searcher = Searcher(national_registry.engine)
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    filters = national_registry.search("57501", ["medication:buprenorphine"]).filters
    searcher.search(place(44.37, -100.35), filters)  # Pierre, SD: the first search reads the generation's facts
    event.listen(national_registry.engine, "before_cursor_execute", capture)
    try:
        rural = searcher.search(place(44.37, -100.35), filters)
        city = searcher.search(place(*PHILADELPHIA_19134), national_registry.search("19134").filters)
    finally:
        event.remove(national_registry.engine, "before_cursor_execute", capture)
    assert rural.health_centers and not city.health_centers
    reads = [params for statement, params in statements if "FROM listing_term" in statement]
    assert reads and not any(HEALTH_CENTER in str(params) for params in reads)
    # Searches with no required term read the rows of every listing at a place, never a health center's.
    with national_registry.engine.connect() as conn:
        centers, among_all = conn.exec_driver_sql(
            "select count(*), (select count(*) from listing_term a join listing_term b using (listing_id)"
            " where a.term = '*' and b.term = :t) from listing_term where term = :t", {"t": HEALTH_CENTER}).one()
    assert centers > 5000 and among_all == 0
