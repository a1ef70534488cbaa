"""Results and details as a person reads them by SMS, on real searches over the national registry:
a page of results fits in 480 characters (three GSM-7 segments' worth) and the details of one
listing in 320, with every listing's name, distance, phone (or "No phone listed") and one source
line for the page (issue 17)."""
from __future__ import annotations

import dataclasses
import random
import re

import pytest
import zipcodes

from bot import vocabulary
from bot.actions.search import LOCAL_MILES, LOCAL_NEEDS, PAGE_SIZE, harm_reduction_line
from bot.present import listings, sms
from bot.present.catalogue import text
from providers.search import format_checked

# Every need, every medication (with "any" and "not sure"), ways of paying, kinds of care and supports.
SEARCHES = (
    [dict(need="treatment", medication=medication, payment=payment)
     for medication in vocabulary.SLOT_VALUES["medication"]
     for payment in ("medicaid", "uninsured", "private_insurance", "medicare", "any")]
    + [dict(need="treatment", medication="any", setting=setting, payment="any")
       for setting in vocabulary.SLOT_VALUES["setting"] if setting != "health_center"]
    + [dict(need="harm_reduction", support=support) for support in ("naloxone", "syringe_services", "test_strips", "")]
    + [dict(need="recovery_support", support=support) for support in ("peer_support", "mutual_aid", "")]
)
SAMPLE_SIZE = 160
# A doctor or primary care asked for (issue 18): health centers beside the listings, in town and far from any.
DOCTOR = dict(need="treatment", medication="buprenorphine", setting="health_center", payment="any")


def sample(registry, seed: int = 17):
    """(slots, search result, page) for random real ZIP codes and searches: first pages with the line
    of harm reduction treatment results carry, and second pages."""
    rng = random.Random(seed)
    zips = sorted(z["zip_code"] for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD")
    picked = [(rng.choice(zips), SEARCHES[i % len(SEARCHES)]) for i in range(SAMPLE_SIZE)]
    # Places where nothing is near and places with many listings of every kind.
    picked += [(z, slots) for z in ("89049", "19134", "22902", "59301", "99501", "00901", "96799")
               for slots in SEARCHES[::7]]
    picked += [(z, DOCTOR) for z in ("19134", "57501", "29015", "59301", "04730")]
    for zip_code, slots in picked:
        place = registry.geocode(zip_code).place
        if place is None:
            continue
        filters = vocabulary.filters_from_slots({k: v for k, v in slots.items() if v})
        max_miles = LOCAL_MILES if slots["need"] in LOCAL_NEEDS else None
        for number in (1, 2):
            result = registry.searcher.search(place, filters, page=number, page_size=PAGE_SIZE, max_miles=max_miles)
            if number == 2 and not result.results:
                break
            # The line the search action adds: the nearest harm reduction within "near", else what works anywhere.
            extra = harm_reduction_line(place) if number == 1 and slots["need"] == "treatment" else None
            # At night, or after "tonight", a treatment page also says hours are not listed.
            night = text("open_now_line") if extra and zip_code[-1] in "02468" else None
            if night:
                extra = None  # as the search action does: at night, where to go now instead
            yield slots, result, listings.page_of(result, 1 + (number - 1) * PAGE_SIZE, extra, night)


@pytest.fixture(scope="module")
def pages(national_registry):
    return list(sample(national_registry))


def test_every_page_of_results_fits_480_characters_of_gsm7(pages):
    assert len(pages) > 250
    too_long = []
    for _, _, page in pages:
        reply = sms.page_text(page)
        assert sms.is_gsm7(reply), reply
        if len(reply) > sms.PAGE_CHARS:
            too_long.append((len(reply), reply))
    assert too_long == []


def test_every_listing_keeps_its_name_distance_and_phone(pages):
    for _, result, page in pages:
        reply = sms.page_text(page)
        blocks = reply.split("\n\n")
        for n, r in page.listings:
            (block,) = [b for b in blocks if b.startswith(f"{n}. ")]
            # A place only veterans can use says so under its name (issue 18).
            veterans = sms.to_gsm7(text("listing_for_veterans")).split(" (")[0]
            heading, phone_line = [line for line in block.splitlines() if not line.startswith(veterans)][:2]
            name = heading[len(f"{n}. "):].rsplit(" - ", 1)[0]
            # A very long name may be cut, never changed.
            full = sms.to_gsm7(r.name)  # "Clínica" is "Clinica" in GSM-7
            assert full.startswith(name.removesuffix("...")) and len(name.removesuffix("...")) >= 20 or name == full
            if r.miles is not None:
                assert heading.endswith(f" - {r.miles:.1f} mi")
            call = sms.to_gsm7(listings.call_line(r))
            # On a tight page "(phone listed 2015)" is "(2015)": the year is still said; beside a health center's
            # line (issue 18), "Call " may go too.
            tight = call.replace(" (phone listed ", " (")
            assert phone_line in (call, tight) or page.health_centers and phone_line == tight.removeprefix("Call ")


def test_what_was_asked_for_is_said_for_every_listing(pages):
    """A listing that matches or should be asked about a requested term says so: on its own
    lines, once for the page when all listings are alike, or by number."""
    for _, _, page in pages:
        reply = sms.page_text(page)
        for n, r in page.listings:
            for term_label in listings.requested_labels(r.matched + r.unknown + r.missing):
                short = re.sub(r" \([^()]*\)", "", term_label)
                assert short in reply, (term_label, reply)


def test_a_page_says_its_sources_once(pages):
    for _, result, page in pages:
        reply = sms.page_text(page)
        if not page.listings:
            continue
        assert reply.count("Source: ") == 1, reply
        (line,) = [line for line in reply.splitlines() if line.startswith("Source: ")]
        for _, r in page.listings:
            for source in r.card["sources"]:
                # Its date, or on a tight page its agency's years ("SAMHSA (2015-2021)").
                year = source["checked"][:4]
                ranges = re.findall(r"\((\d{4})-(\d{4})\)", line)
                assert (format_checked(source["checked"]) in line or f"({year})" in line
                        or any(low <= year <= high for low, high in ranges))
        # The per-listing source line of old ("..., checked Sep 2020") is gone.
        assert "checked" not in reply


def test_details_of_every_listing_fit_320_characters(pages):
    checked = 0
    for slots, result, _ in pages:
        for r in result.results:
            details = sms.details_text(r, slots.get("medication"), slots.get("payment"))
            assert sms.is_gsm7(details)
            assert len(details) <= sms.DETAILS_CHARS, details
            lines = details.splitlines()
            assert lines[0].startswith(sms.to_gsm7(r.name))
            if r.address_line:
                assert r.address_line in details
            if r.phone:
                assert r.phone in details
            else:
                assert "No phone listed" in details
            assert details.count("Source: ") == 1
            checked += 1
    assert checked > 500


def test_a_page_with_room_keeps_every_word(national_registry):
    place = national_registry.geocode("19134").place
    filters = vocabulary.filters_from_slots({"need": "treatment", "medication": "methadone", "payment": "medicaid"})
    page = listings.page_of(national_registry.searcher.search(place, filters, page_size=PAGE_SIZE), 1)
    reply = sms.page_text(page, limit=2000)  # room for every word: nothing is cut
    assert reply.startswith("Closest for methadone near Philadelphia, PA 19134:")
    assert reply.endswith("\n\n" + text("footer_text", numbers="1-3", more=text("footer_text_more")))


def test_a_long_page_is_said_in_fewer_words_not_fewer_listings(national_registry):
    # Far from everything, the injectable buprenorphine with private insurance: long labels on every listing.
    place = national_registry.geocode("29015").place
    filters = vocabulary.filters_from_slots({"need": "treatment", "medication": "buprenorphine_injectable",
                                             "payment": "private_insurance"})
    result = national_registry.searcher.search(place, filters, page_size=PAGE_SIZE)
    # Without a health center beside them (issue 18, below), the lines about staying safer are kept too.
    page = listings.page_of(dataclasses.replace(result, health_centers=[]), 1, text("stay_safer"))
    assert len(listings.listing_text(1, result.results[0])) and len("\n\n".join(
        [page.intro, *(listings.listing_text(n, r) for n, r in page.listings), text("stay_safer")])) > sms.PAGE_CHARS
    reply = sms.page_text(page)
    assert len(reply) <= sms.PAGE_CHARS
    assert [line[:3] for line in reply.splitlines() if re.match(r"\d\. ", line)] == ["1. ", "2. ", "3. "]
    assert "Never Use Alone 1-800-484-3731" in reply and "nextdistro.org" in reply
    # Beside a health center (7.8 mi, where the listings are 37+ mi), the lines about staying safer stay too: the
    # health center's line is said in the fewest words, its phone and miles.
    (center,) = result.health_centers[:1]
    reply = sms.page_text(listings.page_of(result, 1, text("stay_safer")))
    assert len(reply) <= sms.PAGE_CHARS
    assert [line[:3] for line in reply.splitlines() if re.match(r"\d\. ", line)] == ["1. ", "2. ", "3. "]
    assert "Never Use Alone 1-800-484-3731" in reply and "nextdistro.org" in reply
    (line,) = [b for b in reply.split("\n\n") if b.startswith("Health center (sliding fee; ask about bupe)")]
    assert center.phone in line and f"{center.miles:.1f} mi" in line


def test_a_daytime_treatment_page_keeps_its_harm_reduction_line_beside_a_health_center(pages):
    """Harm reduction goes alongside treatment (issue 18 must not take its room): every daytime treatment page
    that offers a health center keeps the line about staying safer, and most keep the health center too."""
    beside, kept = 0, 0
    for slots, result, page in pages:
        if not page.health_centers or text("open_now_line") in page.extras or not page.listings:
            continue
        harm = [e for e in page.extras if e == text("stay_safer") or e.startswith("Naloxone and supplies nearby")]
        if not harm:
            continue
        reply = sms.page_text(page)
        beside += 1
        assert "Never Use Alone" in reply or "Naloxone nearby: " in reply or "Naloxone and supplies nearby" in reply
        kept += "ealth center (sliding fee" in reply
        assert len(reply) <= sms.PAGE_CHARS
    assert beside and kept >= beside / 2
