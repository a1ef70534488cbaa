"""What a person reads about a listing's phone and payment: the year of an old number, and
"Ask about" only when no source says how the place is paid."""
from __future__ import annotations

from bot.present.cards import tel_link
from bot.present.listings import details_text, listing_text
from bot.present.navigator import client_text


def at(result, street_number: str):
    found = [r for r in result.results if (r.card["address"] or {}).get("address_1", "").startswith(street_number)]
    assert found, [r.address_line for r in result.results]
    return found[0]


def test_a_phone_from_the_2015_directory_says_its_year(national_registry):
    result = national_registry.search("19140", ["medication:buprenorphine", "payment:medicaid"], page_size=10)
    wedge = at(result, "3609")  # Wedge Medical Center, 3609 North Broad Street: its phone is from 2015 only
    block = listing_text(1, wedge)
    assert "Call (215) 223-1100 (phone listed 2015)" in block.splitlines()
    assert "(215) 223-1100 (main) (phone listed 2015)" in details_text(wedge, "buprenorphine", "medicaid")
    assert "Call (215) 223-1100 (phone listed 2015)" in "\n".join(client_text([wedge]))


def test_a_phone_as_new_as_the_listing_has_no_year(national_registry):
    result = national_registry.search("47304", ["medication:methadone"], page_size=5)
    clinic = at(result, "3640")  # Muncie Treatment Center: its phones are from 2020 and 2022
    call = listing_text(1, clinic).splitlines()[1]
    assert call.startswith("Call (") and "listed" not in call


def test_medicaid_is_asked_about_only_where_no_source_says_how_a_place_is_paid(national_registry):
    result = national_registry.search("19140", ["medication:buprenorphine", "payment:medicaid"], page_size=10)
    for r in result.results:
        block = listing_text(1, r)
        payment_known = any(t.startswith("payment:") for t in r.card["terms"])
        assert ("Ask about: Medicaid" in block) == (not payment_known), block
    assert any("Ask about" not in listing_text(1, r) for r in result.results)


def test_a_number_with_an_extension_still_gets_a_tap_to_call_link():
    assert tel_link("(800) 996-1051 ext. 3850") == "tel:+18009961051"
