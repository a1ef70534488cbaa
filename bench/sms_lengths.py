"""How long is a page of results, and the details of one listing, by SMS? Prints the distributions.

    .venv/bin/python bench/sms_lengths.py [--searches 400] [--seed 1] [--database sqlite:///var/registry.db]

Random real US ZIP codes, each with a search drawn from every need, medication (with "any" and
"not sure"), way of paying, kind of care and support; the first page (with the line of harm
reduction treatment results carry) and the second; the details of every listing shown. Each is
the text the SMS presenter (bot.present.sms) writes, and the SMS messages and segments the
Twilio channel would send it as. The limits are PAGE_CHARS (480) and DETAILS_CHARS (320).
"""
from __future__ import annotations

import argparse
import random
import statistics
import xml.etree.ElementTree as ElementTree

import zipcodes

from bot import vocabulary
from bot.actions.search import LOCAL_MILES, LOCAL_NEEDS, PAGE_SIZE
from bot.present import listings, sms
from bot.rasa_server.channels.twilio_sms import render_twiml
from providers.registry import Registry

SEARCHES = (
    [{"need": "treatment", "medication": medication, "payment": payment}
     for medication in vocabulary.SLOT_VALUES["medication"]
     for payment in ("medicaid", "uninsured", "private_insurance", "medicare", "any")]
    + [{"need": "treatment", "medication": "any", "setting": setting, "payment": "any"}
       for setting in vocabulary.SLOT_VALUES["setting"]]
    + [{"need": "harm_reduction", "support": support} for support in ("naloxone", "syringe_services", "test_strips")]
    + [{"need": "harm_reduction"}, {"need": "recovery_support"}]
    + [{"need": "recovery_support", "support": support} for support in ("peer_support", "mutual_aid")]
)


def distribution(values: list[int], limit: int) -> str:
    ordered = sorted(values)
    return (f"n={len(ordered)} median={statistics.median(ordered):.0f} p90={ordered[int(0.9 * len(ordered))]} "
            f"max={ordered[-1]} over {limit}: {sum(v > limit for v in ordered)}")


def sent_as(reply: str) -> tuple[int, int]:
    """(messages, segments) the SMS channel sends a reply as."""
    messages = [m.text or "" for m in ElementTree.fromstring(render_twiml([reply])).iter("Message")]
    return len(messages), sum(sms.segments(m) for m in messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="sqlite:///var/registry.db")
    args = parser.parse_args()
    registry = Registry(args.database)
    rng = random.Random(args.seed)
    zips = sorted(z["zip_code"] for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD")
    pages, details, messages, segments = [], [], [], []
    for _ in range(args.searches):
        place = registry.geocode(rng.choice(zips)).place
        slots = rng.choice(SEARCHES)
        if place is None:
            continue
        filters = vocabulary.filters_from_slots(slots)
        max_miles = LOCAL_MILES if slots["need"] in LOCAL_NEEDS else None
        for number in (1, 2):
            result = registry.searcher.search(place, filters, page=number, page_size=PAGE_SIZE, max_miles=max_miles)
            if number == 2 and not result.results:
                break
            nearby = registry.searcher.search(place, vocabulary.filters_from_slots({"need": "harm_reduction"}),
                                              page_size=1)
            extra = (listings.nearby_harm_reduction_line(next(iter(nearby.results), None))
                     if number == 1 and slots["need"] == "treatment" else None)
            reply = sms.to_gsm7(sms.page_text(listings.page_of(result, 1 + (number - 1) * PAGE_SIZE, extra)))
            pages.append(len(reply))
            count, billed = sent_as(reply)
            messages.append(count)
            segments.append(billed)
            for r in result.results:
                details.append(len(sms.to_gsm7(sms.details_text(r, slots.get("medication"), slots.get("payment")))))
    print(f"results pages (characters): {distribution(pages, sms.PAGE_CHARS)}")
    print(f"  sent as messages: median {statistics.median(messages):.0f}, max {max(messages)}; "
          f"segments: median {statistics.median(segments):.0f}, max {max(segments)}")
    print(f"details of one listing (characters): {distribution(details, sms.DETAILS_CHARS)}")


if __name__ == "__main__":
    main()
