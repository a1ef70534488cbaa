"""providers.geo: distances, search boxes, and which state a point is in."""
from __future__ import annotations

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from providers import geo

CITY_HALL = (39.9526, -75.1652)  # Philadelphia
TIMES_SQUARE = (40.7580, -73.9855)

INSIDE = {
    "PA": (39.9526, -75.1652),  # Philadelphia
    "AK": (61.2176, -149.8997),  # Anchorage
    "HI": (21.3069, -157.8583),  # Honolulu
    "PR": (18.4655, -66.1057),  # San Juan
    "GU": (13.4757, 144.7489),  # Hagåtña
    "AS": (-14.2794, -170.7006),  # Pago Pago
    "MP": (15.1850, 145.7467),  # Saipan
    "VI": (18.3419, -64.9307),  # Charlotte Amalie
    "DC": (38.8977, -77.0365),  # the White House
    "NJ": (39.9259, -75.1196),  # Camden, across the river from Philadelphia
    "TX": (31.7619, -106.4850),  # El Paso, across the border from Ciudad Juárez
    "MI": (42.3314, -83.0458),  # Detroit, across the river from Windsor
}

OUTSIDE = {
    "Paris": (48.8566, 2.3522),
    "Toronto": (43.6532, -79.3832),
    "Tijuana": (32.5149, -117.0382),
    "Koror, Palau": (7.3419, 134.4792),
    "Ciudad Juárez": (31.6904, -106.4245),
    "Windsor, Ontario": (42.3149, -83.0364),
    "mid-Atlantic": (35.0, -50.0),
}


@pytest.mark.parametrize("code,point", INSIDE.items(), ids=list(INSIDE))
def test_state_at_finds_the_state_or_territory_of_a_city(code, point):
    assert geo.state_at(*point) == code
    assert geo.in_us(*point)


@pytest.mark.parametrize("name,point", OUTSIDE.items(), ids=list(OUTSIDE))
def test_state_at_is_none_abroad_even_just_across_the_border(name, point):
    assert geo.state_at(*point) is None
    assert not geo.in_us(*point)


def test_a_point_just_off_a_coast_counts_as_in_the_nearest_state():
    # Off Point Loma, San Diego: outside the simplified outline, within 3 miles.
    assert geo.state_at(32.70, -117.26) == "CA"
    # 20 miles out to sea is not in any state.
    assert geo.state_at(32.70, -117.65) is None


def test_state_at_accepts_longitudes_beyond_180_by_wrapping_them():
    # The western Aleutians, written as 187°E instead of -173°.
    assert geo.state_at(52.2, 360 - 174.2) == geo.state_at(52.2, -174.2) == "AK"


def test_state_at_rejects_nonsense_coordinates():
    assert geo.state_at(float("nan"), -75.0) is None
    assert geo.state_at(95.0, -75.0) is None
    assert geo.state_at("north", "west") is None  # type: ignore[arg-type]


def test_states_table_has_the_50_states_dc_and_5_territories_with_fips_codes():
    assert len(geo.STATES) == 56
    assert geo.STATES["PA"] == geo.State("PA", "42", "Pennsylvania")
    assert geo.STATES["PR"].fips == "72"
    assert {"DC", "PR", "VI", "GU", "MP", "AS"} <= set(geo.STATES)
    assert len({s.fips for s in geo.STATES.values()}) == 56


def test_every_state_has_a_valid_shape_containing_its_own_representative_point():
    for code in geo.STATES:
        shape = geo.state_shape(code)
        assert shape.is_valid and not shape.is_empty, code
        point = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area).representative_point()
        assert geo.state_at(point.y, point.x) == code, code


def test_states_shape_is_the_union_of_the_named_states_only():
    shape = geo.states_shape(["nj", "PA"])
    assert shape.contains(Point(CITY_HALL[1], CITY_HALL[0]))
    assert shape.contains(Point(-75.1196, 39.9259))  # Camden NJ
    assert not shape.contains(Point(TIMES_SQUARE[1], TIMES_SQUARE[0]))
    assert geo.states_shape(["PA", "NJ"]) is shape  # cached by set, any order or case


def test_state_shape_of_an_unknown_code_raises_key_error():
    with pytest.raises(KeyError):
        geo.state_shape("ZZ")


def test_nation_shape_covers_the_states_and_territories_but_not_canada():
    nation = geo.nation_shape()
    for lat, lng in INSIDE.values():
        assert nation.distance(Point(lng, lat)) < 0.05
    assert not nation.contains(Point(-79.3832, 43.6532))  # Toronto


def test_philadelphia_city_hall_to_times_square_is_about_83_miles_by_either_formula():
    precise = geo.geodesic_miles(*CITY_HALL, *TIMES_SQUARE)
    fast = geo.haversine_miles(*CITY_HALL, *TIMES_SQUARE)
    assert 83 < precise < 84
    assert abs(fast - precise) / precise < 0.005


def test_distance_to_the_same_point_is_zero():
    assert geo.haversine_miles(*CITY_HALL, *CITY_HALL) == 0
    assert geo.geodesic_miles(*CITY_HALL, *CITY_HALL) == 0


def _contains(box, lat, lng):
    min_lat, max_lat, min_lng, max_lng = box
    return min_lat <= lat <= max_lat and min_lng <= lng <= max_lng


@pytest.mark.parametrize(
    "center,radius",
    [
        (CITY_HALL, 10),
        (CITY_HALL, 100),
        ((61.2176, -149.8997), 50),  # Anchorage
        ((64.8378, -147.7164), 250),  # Fairbanks
        ((71.2906, -156.7887), 100),  # Utqiaġvik, far north
        ((51.88, -176.65), 150),  # Adak, in the Aleutians
        ((21.3069, -157.8583), 25),  # Honolulu
    ],
)
def test_bounding_box_contains_the_points_at_the_radius_in_all_four_directions(center, radius):
    box = geo.bounding_box(*center, radius)
    for bearing in (0, 90, 180, 270, 45, 135, 225, 315):
        dest = geodesic(miles=radius).destination(center, bearing)
        assert _contains(box, dest.latitude, dest.longitude), bearing


def test_bounding_box_is_tight_enough_to_be_useful():
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(*CITY_HALL, 10)
    # 10 miles is ~0.145° of latitude and ~0.19° of longitude at Philadelphia.
    assert 0.29 < max_lat - min_lat < 0.30
    assert 0.37 < max_lng - min_lng < 0.39


def test_bounding_box_across_the_antimeridian_spans_all_longitudes():
    # Attu Island, at the end of the Aleutians, is at 173°E.
    box = geo.bounding_box(52.85, 179.5, 50)
    assert box[2:] == (-180.0, 180.0)
    dest = geodesic(miles=50).destination((52.85, 179.5), 90)
    assert _contains(box, dest.latitude, dest.longitude)


def test_bounding_box_reaching_a_pole_clamps_latitude_and_spans_all_longitudes():
    assert geo.bounding_box(89.5, 10.0, 100) == (pytest.approx(89.5 - 100 * 1.01 / 68.70, abs=0.01), 90.0, -180.0, 180.0)
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(-89.9, 0.0, 30)
    assert min_lat == -90.0 and (min_lng, max_lng) == (-180.0, 180.0)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-85, 85),
    lng=st.floats(-180, 180),
    radius=st.floats(0.01, 1500),
    bearing=st.floats(0, 360),
)
def test_bounding_box_contains_every_point_within_the_radius(lat, lng, radius, bearing):
    box = geo.bounding_box(lat, lng, radius)
    for fraction in (1.0, 0.5):
        dest = geodesic(miles=radius * fraction).destination((lat, lng), bearing)
        assert _contains(box, dest.latitude, dest.longitude)


def test_lamberts_distance_is_geodesic_to_within_a_foot_at_the_distances_a_search_shows():
    import random

    rng = random.Random(5)
    for _ in range(2000):
        lat, lng = rng.uniform(17, 71), rng.uniform(-170, -64)
        other = (lat + rng.uniform(-1, 1), lng + rng.uniform(-1.4, 1.4))
        assert abs(geo.lambert_miles(lat, lng, *other) - geo.geodesic_miles(lat, lng, *other)) * 5280 < 1.0
    assert geo.lambert_miles(44.37, -100.35, 44.37, -100.35) == 0.0
