"""The national lines a reply may name, taken from the registry's seed (providers/seed.py), so a
number changes in one place: the listing the registry serves and every sentence that cites it."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from providers.seed import national_services

# Catalogue placeholder -> the seed's service key.
PHONE_OF = {
    "helpline": "samhsa-helpline",
    "crisis_line": "988",
    "never_use_alone": "never-use-alone",
    "poison_control": "poison-control",
}
ADDRESS_OF = {"naloxone_by_mail": "next-distro"}


@lru_cache(maxsize=1)
def numbers() -> dict[str, str]:
    """{"helpline": "1-800-662-4357", "crisis_line": "988", ..., "naloxone_by_mail": "nextdistro.org"}"""
    services = {draft.key: draft for draft in national_services()}
    found = {name: services[key].phones[0][0] for name, key in PHONE_OF.items()}
    for name, key in ADDRESS_OF.items():
        host = urlsplit(services[key].url or "").netloc
        found[name] = host.removeprefix("www.")
    return found
