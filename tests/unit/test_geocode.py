"""providers.geocode: what people type, turned into places, offline."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers import geo
from providers.geocode import (
    REASONS,
    GeocodeResult,
    OfflineGeocoder,
    Place,
    default_geocoder,
    fuzzy,
)
from providers.geocode.geocoder import MAX_SCAN_CHARS
from providers.geocode.scan import MAX_FUZZY_LOOKUPS

CITY_HALL = (39.9526, -75.1652)  # Philadelphia
ZIP_19134 = (39.9925, -75.1133)


@pytest.fixture(scope="module")
def geocoder() -> OfflineGeocoder:
    return default_geocoder()


def miles_from(place: Place, point: tuple[float, float]) -> float:
    return geo.geodesic_miles(place.latitude, place.longitude, *point)


def assert_philadelphia_city(result: GeocodeResult) -> None:
    assert result.ok, result
    assert result.place.precision == "city"
    assert result.place.state == "PA"
    assert result.place.display_name == "Philadelphia, PA"
    assert miles_from(result.place, CITY_HALL) < 10


# -- ZIP codes ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["19134", "19134-1234", "191341234", "im in 19134 rn", "zip is 19134."])
def test_zip_19134_geocodes_to_philadelphia_pa_within_2_miles(geocoder, text):
    result = geocoder.geocode(text)
    assert result.ok and result.reason is None
    place = result.place
    assert place.precision == "zip"
    assert place.postal_code == "19134"
    assert place.state == "PA"
    assert place.county == "Philadelphia County"
    assert place.display_name == "Philadelphia, PA 19134"
    assert miles_from(place, ZIP_19134) < 2


def test_guam_zip_96910_is_in_the_us_territory_of_guam(geocoder):
    result = geocoder.geocode("96910")
    assert result.ok
    assert result.place.state == "GU"
    assert geo.state_at(result.place.latitude, result.place.longitude) == "GU"


def test_palau_zip_96940_is_outside_the_us(geocoder):
    result = geocoder.geocode("96940")
    assert not result.ok and result.reason == "outside_us"


def test_five_digits_that_are_no_zip_code_are_an_unknown_zip(geocoder):
    result = geocoder.geocode("99999")
    assert not result.ok and result.reason == "unknown_zip"


# Alaskan towns' own points (geonames), and how far their ZIP's centroid is in the zipcodes data.
NOME = (64.50111, -165.40639)  # ZIP 99762's centroid: 46 miles north
CORDOVA = (60.5432, -145.75867)  # ZIP 99574's: 67 miles east
DILLINGHAM = (59.03972, -158.4575)  # ZIP 99576's: 47 miles northwest
BETHEL = (60.79222, -161.75583)  # ZIP 99559's centroid is the town


@pytest.mark.parametrize(
    "text,town",
    [("nome ak 99762", NOME), ("Nome, AK 99762", NOME), ("cordova 99574", CORDOVA), ("dillingham ak 99576", DILLINGHAM),
     ("bethel ak 99559", BETHEL)],
)
def test_a_vast_alaskan_zip_with_its_town_named_is_the_town(geocoder, text, town):
    result = geocoder.geocode(text)
    assert result.ok and result.place.precision == "zip", result
    assert result.place.postal_code == text[-5:]
    assert miles_from(result.place, town) < 3


def test_a_vast_alaskan_zip_alone_is_still_its_centroid(geocoder):
    assert miles_from(geocoder.geocode("99762").place, NOME) > 40


@pytest.mark.parametrize("text,town", [("nome ak", NOME), ("cordova ak", CORDOVA), ("im in dillingham", DILLINGHAM)])
def test_an_alaskan_town_is_at_its_own_point_not_its_zips_centroid(geocoder, text, town):
    result = geocoder.geocode(text)
    assert result.ok and result.place.precision == "city", result
    assert miles_from(result.place, town) < 3


def test_nome_alone_offers_nome_alaska_at_the_town(geocoder):
    result = geocoder.geocode("im in nome")
    assert result.reason == "ambiguous"  # Nome, TX is a real town too
    nome_ak = next(c for c in result.candidates if c.state == "AK")
    assert miles_from(nome_ak, NOME) < 3


def test_military_mail_zip_has_no_location(geocoder):
    assert geocoder.geocode("09001").reason == "not_found"


def test_zip_without_coordinates_falls_back_to_a_point_in_its_territory(geocoder):
    # 96917 (Inarajan, Guam) has no centroid in the ZIP data.
    result = geocoder.geocode("96917")
    assert result.ok
    assert result.place.postal_code == "96917"
    assert result.place.precision in ("city", "county", "state")
    assert geo.state_at(result.place.latitude, result.place.longitude) == "GU"


def test_a_zip_in_markup_is_still_found_without_crashing(geocoder):
    result = geocoder.geocode("<script>19134</script>")
    assert result.ok and result.place.postal_code == "19134"


def test_a_five_digit_house_number_is_not_read_as_a_zip(geocoder):
    assert geocoder.find_places("12345 main st") == []


# -- cities ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Philadelphia, PA", "philadelphia pa", "PHILADELPHIA PENNSYLVANIA", "philly", "Philadlephia pa", "Philadelphia"],
)
def test_philadelphia_pa_geocodes_within_10_miles_of_city_hall(geocoder, text):
    assert_philadelphia_city(geocoder.geocode(text))


@pytest.mark.parametrize(
    "text,display,state",
    [
        ("pittsburg, pa", "Pittsburgh, PA", "PA"),
        ("san fransisco ca", "San Francisco, CA", "CA"),
        ("Camden NJ", "Camden, NJ", "NJ"),
        ("springfield il", "Springfield, IL", "IL"),
        ("springfield, massachusetts", "Springfield, MA", "MA"),
        ("st. louis", "St. Louis, MO", "MO"),
        ("st louis mo", "St. Louis, MO", "MO"),
        ("saint louis", "St. Louis, MO", "MO"),
        ("mcallen", "McAllen, TX", "TX"),
        ("coeur d'alene", "Coeur d'Alene, ID", "ID"),
        ("Coeur d’Alene, ID", "Coeur d'Alene, ID", "ID"),
        ("o'fallon mo", "O'Fallon, MO", "MO"),
        ("live oak fl", "Live Oak, FL", "FL"),
        ("only tn", "Only, TN", "TN"),
        ("Queens NY", "Queens, NY", "NY"),
        ("salt lake city", "Salt Lake City, UT", "UT"),
        ("Bayamón", "Bayamon, PR", "PR"),
        ("washington dc", "Washington, DC", "DC"),
        ("D.C.", "Washington, DC", "DC"),
        ("nyc", "New York, NY", "NY"),
        ("New York", "New York, NY", "NY"),
        ("the bronx", "Bronx, NY", "NY"),
        ("L.A.", "Los Angeles, CA", "CA"),
        ("nola", "New Orleans, LA", "LA"),
        ("vegas", "Las Vegas, NV", "NV"),
        ("Normal IL", "Normal, IL", "IL"),
        ("Anchorage", "Anchorage, AK", "AK"),
    ],
)
def test_city_names_nicknames_and_typos_geocode_to_the_right_city(geocoder, text, display, state):
    result = geocoder.geocode(text)
    assert result.ok, result
    assert result.place.precision == "city"
    assert result.place.display_name == display
    assert result.place.state == state
    assert geo.state_at(result.place.latitude, result.place.longitude) == state


@pytest.mark.parametrize(
    "text,display",
    [
        ("springfield mass", "Springfield, MA"),
        ("Springfield, Mass.", "Springfield, MA"),
        ("erie penn", "Erie, PA"),
        ("san diego cali", "San Diego, CA"),
        ("nashville tenn", "Nashville, TN"),
        ("tucson ariz", "Tucson, AZ"),
        ("duluth minn", "Duluth, MN"),
        ("madison wisc", "Madison, WI"),
        ("hartford conn", "Hartford, CT"),
        ("flint mich", "Flint, MI"),
        ("tulsa okla", "Tulsa, OK"),
        ("pueblo colo", "Pueblo, CO"),
        ("tampa fla", "Tampa, FL"),
        ("spokane wash", "Spokane, WA"),
        ("charleston w va", "Charleston, WV"),
        ("albany n.y.", "Albany, NY"),
    ],
)
def test_a_city_with_its_states_traditional_abbreviation_is_that_states_city(geocoder, text, display):
    result = geocoder.geocode(text)
    assert result.ok, result
    assert result.place.display_name == display


@pytest.mark.parametrize("text", ["going to mass", "i was at mass", "im ill", "i feel ill", "i need to wash", "hope mass"])
def test_state_abbreviations_that_are_words_are_no_state_without_a_city(geocoder, text):
    assert geocoder.find_places(text) == []


@pytest.mark.parametrize(
    "text,display",
    [
        ("balitmore", "Baltimore, MD"),
        ("im in detriot", "Detroit, MI"),
        ("need subs in pheonix", "Phoenix, AZ"),
        ("cincinatti", "Cincinnati, OH"),
        ("philidelphia", "Philadelphia, PA"),
        ("chicaco", "Chicago, IL"),
        ("louisvile", "Louisville, KY"),
        ("albuquerqe", "Albuquerque, NM"),
        ("tuscon", "Tucson, AZ"),
        ("detriot mi", "Detroit, MI"),
        ("pheonix az", "Phoenix, AZ"),
    ],
)
def test_common_misspellings_of_large_cities_are_those_cities(geocoder, text, display):
    result = geocoder.geocode(text)
    assert result.ok, result
    assert result.place.precision == "city"
    assert result.place.display_name == display


def test_pittsburg_offers_pittsburgh_pa_first_among_its_namesakes(geocoder):
    # Pittsburg, CA is a real city of 70,000, so this stays a question, but the big one comes first.
    result = geocoder.geocode("in pittsburg")
    assert result.reason == "ambiguous"
    assert [c.display_name for c in result.candidates][:2] == ["Pittsburgh, PA", "Pittsburg, CA"]


def test_a_town_near_a_large_citys_name_that_was_found_stays_found(geocoder):
    assert geocoder.geocode("irving").place.display_name == "Irving, TX"  # not Irvine, CA
    assert geocoder.geocode("normal il").place.display_name == "Normal, IL"  # not Norman, OK


@pytest.mark.parametrize(
    "text",
    ["im independent", "im surprised", "downed", "oranges", "phoenix house", "in readings", "im in centers", "detox"],
)
def test_other_forms_of_words_near_city_names_are_no_misspelt_city(geocoder, text):
    assert [m for m in geocoder.find_places(text) if m.result.ok or m.result.reason == "ambiguous"] == []


def test_zip_display_uses_the_usual_spelling_of_its_city(geocoder):
    assert geocoder.geocode("63101").place.display_name == "St. Louis, MO 63101"


def test_a_town_whose_name_starts_with_a_filler_word_is_not_cut_short(geocoder):
    # "live" is stripped from "i live in ...", but "Live Oak" is a town, not "Oak, NE".
    result = geocoder.geocode("live oak")
    assert result.reason == "ambiguous"
    assert {c.display_name for c in result.candidates} >= {"Live Oak, FL", "Live Oak, CA"}


def test_springfield_alone_is_ambiguous_between_the_big_springfields(geocoder):
    result = geocoder.geocode("Springfield")
    assert not result.ok and result.reason == "ambiguous"
    states = [c.state for c in result.candidates]
    assert {"MO", "MA", "IL"} <= set(states)
    assert len(result.candidates) <= 5
    assert states[0] == "MO"  # most populous first
    assert all(c.precision == "city" and c.display_name.startswith("Springfield, ") for c in result.candidates)


@pytest.mark.parametrize("text, expected", [
    ("subs knoxville", "Knoxville, TN"),
    ("need methadone clinic tulsa", "Tulsa, OK"),
])
def test_a_big_city_right_after_what_was_asked_for_is_the_place(geocoder, text, expected):
    mentions = geocoder.find_places(text)
    assert [m.result.place.display_name for m in mentions if m.result.ok] == [expected]


def test_a_first_name_after_a_family_word_is_not_a_town(geocoder):
    # Tyler, TX is big enough, but "son" is not something asked for.
    assert [m for m in geocoder.find_places("need subs for my son tyler") if m.result.ok] == []


def test_washington_alone_is_ambiguous_between_the_city_and_the_state(geocoder):
    result = geocoder.geocode("Washington")
    assert result.reason == "ambiguous"
    assert [(c.state, c.precision) for c in result.candidates] == [("DC", "city"), ("WA", "state")]


def test_uppercase_la_alone_is_ambiguous_between_los_angeles_and_louisiana(geocoder):
    result = geocoder.geocode("LA")
    assert result.reason == "ambiguous"
    assert [c.state for c in result.candidates] == ["CA", "LA"]


def test_unknown_words_are_not_found_rather_than_guessed(geocoder):
    for text in ["xyzzyville", "xyzzyville pa", "asdf qwerty"]:
        result = geocoder.geocode(text)
        assert not result.ok and result.reason == "not_found", text


# -- states and counties -----------------------------------------------------


@pytest.mark.parametrize("text", ["Nevada", "nevada", "NV", "in NV", "im in nevada"])
def test_nevada_geocodes_to_a_point_inside_nevada_with_state_precision(geocoder, text):
    result = geocoder.geocode(text)
    assert result.ok
    assert result.place.precision == "state"
    assert result.place.state == "NV"
    assert result.place.display_name == "Nevada"
    assert geo.state_at(result.place.latitude, result.place.longitude) == "NV"


def test_every_state_and_territory_name_geocodes_to_a_point_inside_it(geocoder):
    for code, state in geo.STATES.items():
        if code in ("WA", "DC"):  # "Washington" is ambiguous; DC is the city
            continue
        result = geocoder.geocode(state.name)
        assert result.ok, state.name
        assert result.place.state == code, state.name
        assert geo.state_at(result.place.latitude, result.place.longitude) == code, state.name
        if code != "NY":  # "New York" is the city
            assert result.place.precision == "state", state.name


def test_lowercase_state_codes_that_are_words_are_not_states(geocoder):
    for text in ["in", "me", "or", "ok", "hi", "oh", "pa", "im in pa", "OK", "HI"]:
        assert geocoder.geocode(text).reason == "not_found", text


def test_a_lowercase_state_code_that_is_no_word_counts_after_a_cue(geocoder):
    result = geocoder.geocode("im in nj")
    assert result.ok and result.place.state == "NJ" and result.place.precision == "state"


def test_an_uppercase_state_code_that_is_a_word_counts_after_a_cue(geocoder):
    result = geocoder.geocode("in IN")
    assert result.ok and result.place.state == "IN"


def test_jersey_alone_means_new_jersey(geocoder):
    result = geocoder.geocode("im in jersey")
    assert result.ok and result.place.state == "NJ" and result.place.precision == "state"


@pytest.mark.parametrize(
    "text,display,state",
    [("philadelphia county", "Philadelphia County, PA", "PA"), ("cook county il", "Cook County, IL", "IL")],
)
def test_counties_geocode_with_county_precision(geocoder, text, display, state):
    result = geocoder.geocode(text)
    assert result.ok
    assert result.place.precision == "county"
    assert result.place.display_name == display
    assert result.place.state == state
    assert geo.state_at(result.place.latitude, result.place.longitude) == state


def test_a_county_name_in_several_states_is_ambiguous_without_a_state(geocoder):
    result = geocoder.geocode("cook county")
    assert result.reason == "ambiguous"
    assert {"IL", "MN", "GA"} <= {c.state for c in result.candidates}
    assert result.candidates[0].state == "IL"


# -- coordinates -------------------------------------------------------------


@pytest.mark.parametrize("text", ["39.99,-75.11", "39.99, -75.11", "39.99 -75.11"])
def test_coordinates_in_the_us_geocode_exactly(geocoder, text):
    result = geocoder.geocode(text)
    assert result.ok
    assert result.place.precision == "exact"
    assert (result.place.latitude, result.place.longitude) == (39.99, -75.11)
    assert result.place.state == "PA"
    assert result.place.display_name == "near Philadelphia, PA"


@pytest.mark.parametrize(
    "text", ["38.5, -117.0", "38.5,-117", "38.5 -117.0", "lat 38.5 lon -117.0", "Latitude: 38.5, Longitude: -117"]
)
def test_coordinates_with_one_decimal_resolve_to_that_point_in_nevada(geocoder, text):
    result = geocoder.geocode(text)
    assert result.ok, result
    assert result.place.precision == "exact"
    assert (result.place.latitude, result.place.longitude) == (38.5, -117.0)
    assert result.place.state == "NV"


@pytest.mark.parametrize("text", ["13.4, 144.8", "-14.3, -170.7"])
def test_coordinates_with_one_decimal_in_a_territory_resolve_there(geocoder, text):
    result = geocoder.geocode(text)
    assert result.ok and result.place.state in ("GU", "AS")


@pytest.mark.parametrize("text", ["12.5, 8", "take 8.5, 12 strips", "i take 30.5, -2 days", "48.9, 2.4", "40, -75"])
def test_short_number_pairs_that_are_no_us_point_are_no_place(geocoder, text):
    assert geocoder.find_places(text) == []


def test_labelled_coordinates_abroad_are_outside_the_us(geocoder):
    assert geocoder.geocode("lat 48.9 lon 2.4").reason == "outside_us"


def test_coordinates_in_paris_are_outside_the_us(geocoder):
    assert geocoder.geocode("48.8566,2.3522").reason == "outside_us"


def test_coordinates_in_mexico_are_outside_the_us(geocoder):
    assert geocoder.geocode("32.5149,-117.0382").reason == "outside_us"


def test_coordinates_out_of_range_are_not_found(geocoder):
    assert geocoder.geocode("95.00,-200.00").reason == "not_found"


def test_reverse_names_the_nearest_zip_city_in_the_same_state(geocoder):
    place = geocoder.reverse(*CITY_HALL)
    assert place is not None
    assert place.precision == "exact"
    assert place.display_name == "near Philadelphia, PA"
    assert place.county == "Philadelphia County"
    assert geocoder.reverse(48.8566, 2.3522) is None


# -- abroad ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["M5V 2T6", "h2x 1y4", "Toronto", "Paris, France", "Mexico City", "Tijuana", "toronto, ON", "im in canada"]
)
def test_places_abroad_are_outside_the_us(geocoder, text):
    result = geocoder.geocode(text)
    assert not result.ok and result.reason == "outside_us", text


def test_toronto_offers_its_small_us_namesakes_in_case_one_was_meant(geocoder):
    result = geocoder.geocode("Toronto")
    assert result.reason == "outside_us"
    assert "OH" in {c.state for c in result.candidates}


@pytest.mark.parametrize("text", ["Paris", "London"])
def test_world_cities_with_real_us_namesakes_are_us_candidates(geocoder, text):
    result = geocoder.geocode(text)
    assert result.reason == "ambiguous"
    assert all(c.state in geo.STATES for c in result.candidates)
    assert len(result.candidates) >= 2


# -- empty and hostile input -------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "?!...", "\n\t"])
def test_blank_punctuation_or_emoji_only_input_is_empty(geocoder, text):
    result = geocoder.geocode(text)
    assert not result.ok and result.reason == "empty"


def test_a_5000_character_message_is_read_only_up_to_the_caps_without_raising(geocoder, monkeypatch):
    # What bounds the cost of a long message: the characters read and the fuzzy lookups made.
    lookups = []
    extract_one = fuzzy.process.extractOne

    def counted_extract_one(query, *args, **kwargs):
        lookups.append(query)
        return extract_one(query, *args, **kwargs)

    monkeypatch.setattr(fuzzy, "process", SimpleNamespace(extractOne=counted_extract_one))
    messages = [
        "need help " * 500,
        "springfield pa " * 350,
        "Philadlephia pa in kensingtn near hope " * 130,
        "x" * 5000,
        "19134 " + "y" * 5000,
    ]
    for text in messages:
        lookups.clear()
        result = geocoder.geocode(text)
        assert len(lookups) <= MAX_FUZZY_LOOKUPS, text[:40]
        if text.startswith("Philadlephia"):
            assert len(lookups) == MAX_FUZZY_LOOKUPS  # a misspelt city in every sentence: the budget stops it
        assert result.ok or result.reason in REASONS
        assert result == geocoder.geocode(text[:MAX_SCAN_CHARS])  # nothing past the cap changed the answer
    assert geocoder.geocode("19134 " + "y" * 5000).place.postal_code == "19134"
    assert geocoder.geocode("x " * MAX_SCAN_CHARS + "19134").reason == "not_found"  # a ZIP past the cap is unread


def test_geocoding_from_several_threads_gives_the_same_answers(geocoder):
    answers: list[GeocodeResult] = []

    def work() -> None:
        answers.extend(geocoder.geocode(t) for t in ["19134", "philly", "Springfield"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12
    assert {a.place.postal_code for a in answers[0::3]} == {"19134"}


# -- find_places ---------------------------------------------------------------


def test_find_places_finds_a_zip_inside_a_sentence(geocoder):
    text = "need subs near 19134 i have medicaid"
    mentions = geocoder.find_places(text)
    assert [(m.start, m.end, m.text) for m in mentions] == [(15, 20, "19134")]
    assert mentions[0].result.place.postal_code == "19134"


def test_find_places_finds_philly_after_in(geocoder):
    mentions = geocoder.find_places("looking for methadone in philly")
    assert [m.text for m in mentions] == ["philly"]
    assert_philadelphia_city(mentions[0].result)


def test_find_places_reports_an_ambiguous_city_after_in(geocoder):
    mentions = geocoder.find_places("in springfield")
    assert [m.text for m in mentions] == ["springfield"]
    assert mentions[0].result.reason == "ambiguous"


def test_find_places_finds_city_and_state_mid_sentence(geocoder):
    mentions = geocoder.find_places("i'm in Camden NJ need narcan")
    assert [m.text for m in mentions] == ["Camden NJ"]
    assert mentions[0].result.place.display_name == "Camden, NJ"


def test_find_places_prefers_the_longest_name(geocoder):
    mentions = geocoder.find_places("i live in new york city now")
    assert [m.text for m in mentions] == ["new york city"]
    assert mentions[0].result.place.display_name == "New York, NY"
    mentions = geocoder.find_places("clinics near st. louis?")
    assert [m.text for m in mentions] == ["st. louis"]


def test_find_places_does_not_crash_on_a_neighborhood_name(geocoder):
    mentions = geocoder.find_places("need bupe around kensington")
    assert all(m.text == "kensington" for m in mentions)
    assert all(m.result.ok or m.result.reason in REASONS for m in mentions)


# Neighborhoods' own points (geonames).
FISHTOWN = (39.96511, -75.13545)
KENSINGTON_PHILADELPHIA = (39.98567, -75.13184)
HARLEM = (40.80788, -73.94542)
EAST_HARLEM = (40.79472, -73.9425)


@pytest.mark.parametrize(
    "text,display,point",
    [
        ("fishtown", "Fishtown, Philadelphia, PA", FISHTOWN),
        ("i live in fishtown and need methadone", "Fishtown, Philadelphia, PA", FISHTOWN),
        ("kensington philly", "Kensington, Philadelphia, PA", KENSINGTON_PHILADELPHIA),
        ("Kensington, Philadelphia", "Kensington, Philadelphia, PA", KENSINGTON_PHILADELPHIA),
        ("kensington pa", "Kensington, Philadelphia, PA", KENSINGTON_PHILADELPHIA),
        ("harlem", "Harlem, New York, NY", HARLEM),
        ("im in east harlem", "East Harlem, New York, NY", EAST_HARLEM),
        ("east harlem nyc", "East Harlem, New York, NY", EAST_HARLEM),
    ],
)
def test_a_city_neighborhood_is_its_own_point_in_its_city(geocoder, text, display, point):
    result = geocoder.geocode(text)
    assert result.ok, result
    assert result.place.display_name == display
    assert miles_from(result.place, point) < 1


def test_kensington_alone_offers_philadelphias_among_its_namesakes(geocoder):
    result = geocoder.geocode("need bupe around kensington")
    assert result.reason == "ambiguous"
    assert "Kensington, Philadelphia, PA" in [c.display_name for c in result.candidates]


@pytest.mark.parametrize(
    "text,display",
    [("brownsville", "Brownsville, TX"), ("cherry hill", "Cherry Hill, NJ"), ("in paradise", "Paradise, CA")],
)
def test_a_town_found_before_is_not_taken_by_a_neighborhood_of_its_name(geocoder, text, display):
    assert geocoder.geocode(text).place.display_name == display


@pytest.mark.parametrize("text", ["in august", "im downtown", "near the airport", "uptown"])
def test_neighborhoods_named_like_words_are_no_place_uncapitalized(geocoder, text):
    assert geocoder.find_places(text) == []


def test_find_places_returns_city_state_and_zip_as_separate_mentions(geocoder):
    mentions = geocoder.find_places("I'm in Philadelphia, PA 19134")
    assert [m.text for m in mentions] == ["Philadelphia, PA", "19134"]
    assert geocoder.geocode("I'm in Philadelphia, PA 19134").place.precision == "zip"


NOT_PLACES = [
    "i need help", "normal", "hope", "need subs asap", "the shot", "done", "dose", "clinic",
    "mobile clinic", "detox", "rehab", "medicaid", "i have medicare", "suboxone", "bupe",
    "narcan", "hi", "hello", "ok", "yes", "no", "thanks", "help me", "Hope", "Normal", "OK",
    "I'm at home", "in pain", "in jail", "near me", "in recovery", "i hope in the future",
]


@pytest.mark.parametrize("text", NOT_PLACES)
def test_everyday_words_are_not_place_mentions(geocoder, text):
    assert geocoder.find_places(text) == []
    assert geocoder.geocode(text).reason == "not_found"


@pytest.mark.parametrize(
    "text, place",
    [
        ("just got to pittsburgh and need to get dosed", "Pittsburgh, PA"),
        ("i just moved to baltimore", "Baltimore, MD"),
        ("im moving to ohio and need a new clinic", "Ohio"),
    ],
)
def test_a_place_someone_just_moved_to_is_found(geocoder, text, place):
    assert [m.result.place.display_name for m in geocoder.find_places(text)] == [place]


@pytest.mark.parametrize("text", ["i got to go", "i got to stop using", "we got to talk", "moving to start fresh", "i got to rehab last week"])
def test_got_to_and_moving_to_before_other_words_are_no_place(geocoder, text):
    assert geocoder.find_places(text) == []


def test_a_common_word_town_counts_when_capitalized_after_in(geocoder):
    mentions = geocoder.find_places("I live in Normal and need a clinic")
    assert [m.text for m in mentions] == ["Normal"]
    assert mentions[0].result.ok and mentions[0].result.place.state == "IL"


# -- properties ----------------------------------------------------------------

PLACEISH = st.sampled_from(
    [
        "19134", "99999", "96940", "in", "near", "philly", "Springfield", "springfield", "PA", "pa", "NJ",
        "Camden", "new", "york", "city", "county", "cook", "st.", "louis", ",", "-", "39.99", "-75.11",
        "M5V", "2T6", "Toronto", "paris", "france", "hope", "Normal", "LA", "L.A.", "d.c.", "im", "the",
        "bronx", "Philadlephia", "🙂", "<b>", "washington", "nevada", "1400", "Blvd", "’", "'", "é",
    ]
)


def _check(geocoder: OfflineGeocoder, text: str) -> None:
    result = geocoder.geocode(text)
    if result.ok:
        assert result.reason is None
        assert result.place.precision in ("exact", "zip", "city", "county", "state")
        assert geo.state_at(result.place.latitude, result.place.longitude) is not None
    else:
        assert result.reason in REASONS
        assert all(geo.state_at(c.latitude, c.longitude) is not None for c in result.candidates)
    for mention in geocoder.find_places(text):
        assert text[mention.start:mention.end] == mention.text
        assert mention.result.ok or mention.result.reason in REASONS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_geocode_of_arbitrary_text_never_raises_and_answers_in_the_us_or_with_a_reason(geocoder, text):
    _check(geocoder, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(PLACEISH, max_size=8), separators=st.lists(st.sampled_from([" ", ", ", "  ", "\n", ""]), min_size=8, max_size=8))
def test_geocode_of_place_like_word_salad_never_raises_and_spans_match_the_text(geocoder, words, separators):
    text = "".join(word + sep for word, sep in zip(words, separators))
    _check(geocoder, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=st.floats(-90, 90), lng=st.floats(-180, 180), decimals=st.integers(0, 7),
       separator=st.sampled_from([",", ", ", " ", " , ", ";"]))
def test_any_coordinates_are_a_point_in_the_us_or_a_reason(geocoder, lat, lng, decimals, separator):
    _check(geocoder, f"{lat:.{decimals}f}{separator}{lng:.{decimals}f}")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.from_regex(r"\A[0-9]{5}(-[0-9]{4})?\Z"), before=st.sampled_from(["", "zip ", "near ", "in "]))
def test_any_zip_shaped_text_is_a_point_in_the_us_or_a_reason(geocoder, code, before):
    _check(geocoder, before + code)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.one_of(PLACEISH, st.text(max_size=40)), max_size=60).map(" ".join))
def test_long_messages_mixing_places_and_junk_never_raise(geocoder, text):
    _check(geocoder, text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8"), max_size=80).map(
    lambda t: t + "\x00\x1b\u202e\ufeff<script>{{7*7}}'; DROP TABLE x;--"))
def test_hostile_characters_never_make_the_geocoder_raise(geocoder, text):
    _check(geocoder, text)
