"""National lines and services that serve everyone, wherever they are.

Each is a virtual service with a nationwide area. The numbers and addresses are
the services' own published ones; the date is when this list was last compared
with them. Update both together.
"""
from __future__ import annotations

from providers.areas import Area
from providers.ingest import Draft, Source

SEED_SOURCE = Source("national_services", "Navigator list of national services", "providers/seed.py", "2026-11-23")


def _service(key: str, name: str, organization: str, description: str, terms: set[str], url: str | None = None,
             phones: tuple[tuple[str, str, str | None], ...] = (), how_to_start: str | None = None) -> Draft:
    area = Area.nationwide()
    draft = Draft(key=key, source=SEED_SOURCE, name=name, organization=organization, location_type="virtual",
                  description=description, application_process=how_to_start, url=url, terms=set(terms),
                  area_uri=area.uri, area_name=area.name)
    for number, kind, note in phones:
        draft.add_phone(number, kind, note)
    return draft


def national_services() -> list[Draft]:
    return [
        _service("988", "988 Suicide & Crisis Lifeline", "988 Suicide & Crisis Lifeline",
                 "Free, private support 24/7 for anyone in crisis, including about drug use. English and Spanish.",
                 {"support:crisis_line", "language:spanish", "payment:free"}, url="https://988lifeline.org",
                 phones=(("988", "voice", "call 24/7"), ("988", "text", "text 24/7")),
                 how_to_start="Call or text 988, any time."),
        _service("samhsa-helpline", "SAMHSA National Helpline",
                 "Substance Abuse and Mental Health Services Administration",
                 "Free, confidential treatment referral and information, 24/7, in English and Spanish.",
                 {"support:helpline", "language:spanish", "payment:free"},
                 url="https://www.samhsa.gov/find-help/national-helpline",
                 phones=(("1-800-662-4357", "voice", "24/7, English and Spanish"),),
                 how_to_start="Call 1-800-662-4357 (1-800-662-HELP), any time."),
        _service("never-use-alone", "Never Use Alone", "Never Use Alone Inc.",
                 "A peer-run line for people using alone: stay on the phone while you use; if you stop answering, "
                 "they send help to your location. No judgment.",
                 {"support:overdose_prevention_line", "payment:free"}, url="https://neverusealone.com",
                 phones=(("1-800-484-3731", "voice", "call before you use"),),
                 how_to_start="Call 1-800-484-3731 before you use and give your location."),
        _service("next-distro", "NEXT Distro", "NEXT Distro",
                 "Naloxone and other harm reduction supplies by mail in many states; the site shows what is "
                 "available where you live.",
                 {"support:naloxone", "support:fentanyl_test_strips", "payment:free"}, url="https://nextdistro.org",
                 how_to_start="Go to nextdistro.org and pick your state."),
        _service("nasen-directory", "Syringe program map", "North American Syringe Exchange Network",
                 "A national map of syringe services programs: sterile supplies, and often naloxone, testing and "
                 "wound care, free and without judgment.",
                 {"support:syringe_services", "payment:free"}, url="https://nasen.org/map/",
                 how_to_start="Programs near you (supplies, often wound care) at nasen.org/map."),
        _service("otc-naloxone", "Naloxone nasal spray at pharmacies", "U.S. Food and Drug Administration",
                 "Naloxone nasal spray (Narcan and others) has been sold over the counter since 2023: no prescription "
                 "needed at pharmacies and many stores.",
                 {"support:naloxone"}, url="https://www.fda.gov/news-events/press-announcements/fda-approves-first-over-the-counter-naloxone-nasal-spray",
                 how_to_start="Ask at any pharmacy counter, or look on the shelf near cold medicine."),
        _service("na-meetings", "Narcotics Anonymous meeting finder", "Narcotics Anonymous World Services",
                 "Free peer meetings, in person and online.", {"support:mutual_aid", "payment:free"},
                 url="https://na.org/meetingsearch/",
                 how_to_start="Search by your city or ZIP at na.org/meetingsearch."),
        _service("smart-recovery", "SMART Recovery meeting finder", "SMART Recovery",
                 "Free science-based mutual-aid meetings, in person and online.",
                 {"support:mutual_aid", "payment:free"}, url="https://meetings.smartrecovery.org",
                 how_to_start="Find a meeting at meetings.smartrecovery.org."),
        _service("poison-control", "Poison Control", "America's Poison Centers",
                 "Free, expert help 24/7 for a possible poisoning or a bad reaction.",
                 {"support:poison_control", "payment:free"}, url="https://poisonhelp.org",
                 phones=(("1-800-222-1222", "voice", "24/7"),), how_to_start="Call 1-800-222-1222."),
    ]
