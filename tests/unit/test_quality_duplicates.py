"""`providers quality`'s figure for one place twice on a page (issue 18): over a fixed sample of
searches, the first pages that show two listings at one house number, street and ZIP code."""
from __future__ import annotations

import json

from sqlalchemy import select

from providers import quality
from providers.geocode import Place
from providers.ingest import Draft, ImportReport, Source
from providers.models import Listing

LOCATOR = Source("samhsa_moud_locator_2020", "SAMHSA treatment locator", "locator.csv", "2020-09")
OTP_2021 = Source("samhsa_otp_directory_2021", "SAMHSA opioid treatment program directory", "otp.csv", "2021-07")
METHADONE = {"medication:methadone", "setting:otp"}


def draft(key, source, name, street, postal, lat, lng, terms=(), state="CA"):
    return Draft(key=key, source=source, name=name, organization=name, latitude=lat, longitude=lng,
                 address_1=street, city="Town", state=state, postal_code=postal, terms=set(terms))


def test_the_quality_report_counts_same_address_pairs_on_a_page_and_prints_the_searches(empty_registry):
    realization = draft("r", LOCATOR, "Realization Center Inc", "175 Remsen Street", "11201", 40.6935, -73.9914,
                        {"medication:buprenorphine"}, state="NY")
    bridge = draft("b", LOCATOR, "Bridge Back to Life Center Inc", "175 Remsen St", "11201", 40.6935, -73.9914,
                   {"medication:buprenorphine"}, state="NY")
    tarzana = [draft("t1", LOCATOR, "Tarzana Treatment Center", "18646 Oxnard Street", "91356", 34.1799, -118.5397,
                     {"medication:buprenorphine"}),
               draft("t2", OTP_2021, "Tarzana Treatment Centers, Inc.", "18646 Oxnard St.", "91356", 34.1807,
                     -118.5397, METHADONE)]
    empty_registry.import_sources(shipped=False, extra=[([realization, bridge, *tarzana], ImportReport("test"))])
    with empty_registry.engine.connect() as conn:
        names = sorted(json.loads(c)["name"] for c in conn.execute(select(Listing.card)).scalars())
    assert names == ["Bridge Back to Life Center Inc", "Realization Center Inc", "Tarzana Treatment Centers, Inc."]
    # Searched in turn for methadone and for buprenorphine (quality.SAMPLE_NEEDS).
    places = [Place(34.18, -118.54, "zip", "Tarzana, CA 91356", "CA", postal_code="91356"),
              Place(40.69, -73.99, "zip", "Brooklyn, NY 11201", "NY", postal_code="11201")]
    found = quality.same_address_duplicates(empty_registry.engine, places)
    assert (found.searches, found.pairs, found.pages_with_one, found.similar_names) == (2, 1, 1, 0)
    lines = found.lines()
    assert lines[0] == ("same-address duplicates in top-5 pages over a 2-search national sample: 1 in 1 of 2 "
                        "searches")
    assert len(quality.sample_places()) == quality.SAMPLE_SEARCHES == 600
    assert quality.sample_places()[:3] == quality.sample_places()[:3]  # the same sample every run
