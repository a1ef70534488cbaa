"""The words the geocoder knows beyond its data: words that are also place
names, the cues and filler around a place, nicknames, and names of states and
countries that the data packages spell otherwise or not at all."""
from __future__ import annotations

from typing import NamedTuple

# Words that are also US (or foreign) place names or neighborhoods ("Uptown",
# Chicago) but mean something else in a message. They count as places only before
# a state, or capitalized mid-sentence.
COMMON_WORDS = frozenset(
    """
    along best between black blue busy buy call cash center central chance check
    clear cool cost counselor cross day deal early ever falls felt fine freedom
    friend gate golden gray green guy happy home hope house hurt ideal job lake
    light luck man many may middle mine mobile most much nice normal north of
    okay only park point power price quick rich river rock same say spring start
    stop street strong sun surprise tell time true west white winter young
    airport august downtown landfall medulla mermaid mogul opportunity orchards parkway plateau uptown
    """.split()
)

# Two-letter state codes that are also words ("in", "me", "ok"): as bare
# lowercase words they are never states.
CODE_WORDS = frozenset(
    "in me or ok hi oh de co id pa ma md al la mt ga wa va ne as mo ms ar ak sc nd vi mp pr gu ct".split()
)
# Uppercase codes that are still more likely words when they are the whole message.
UPPERCASE_CODE_WORDS = frozenset({"OK", "HI", "OH", "ME", "IN", "OR"})

# Words after which a place name may stand alone: "in Springfield", "near camden".
CUES = frozenset({"in", "near", "nr", "around", "by", "from", "at", "outside"})
# What people ask for right before a city with no "in": "subs knoxville", "methadone clinic dayton".
# After one of these, a big city's name that ends the message or a clause is the place.
SERVICE_WORDS = frozenset(
    """
    subs sub suboxone bupe buprenorphine methadone clinic clinics program programs narcan naloxone detox
    rehab treatment meetings doctor doc vivitrol sublocade needles syringes strips dosing
    """.split()
)
# Two-word cues whose second word alone is too common: "close to", "outside of".
CUE_PAIRS = frozenset(
    {
        ("close", "to"),
        ("next", "to"),
        ("near", "to"),
        ("outside", "of"),
        ("north", "of"),
        ("south", "of"),
        ("east", "of"),
        ("west", "of"),
        # Where someone has just moved: "moved to baltimore", "just got to pittsburgh".
        ("moved", "to"),
        ("moving", "to"),
        ("move", "to"),
        ("relocated", "to"),
        ("got", "to"),
        # Where someone is going: "headed to columbus", "going back to erie".
        ("headed", "to"),
        ("heading", "to"),
        ("going", "to"),
        ("back", "to"),
        ("driving", "to"),
        ("traveling", "to"),
        ("travelling", "to"),
    }
)
# Stripped from both ends before asking "is the whole message a place?".
LEADING_FILLER = frozenset(
    """
    i im am live living stay staying currently located in near nr around by at from
    close to outside of my zip zipcode code is its
    """.split()
)
TRAILING_FILLER = frozenset("area pls please plz rn now thanks thx ty here".split())

COUNTY_WORDS = frozenset({"county", "parish", "borough", "municipio", "municipality"})

STREET_SUFFIXES = frozenset(
    """
    st street ave av avenue blvd boulevard rd road dr drive ln lane way pl place ct
    court ter terrace hwy highway pkwy parkway cir circle sq square trl trail pike
    tpke turnpike aly alley plz plaza rte route expy expressway fwy freeway
    """.split()
)


class Nickname(NamedTuple):
    kind: str  # "city" or "county"
    state: str
    key: str  # of the city or county
    display: str | None  # instead of the city's or county's own name
    anywhere: bool  # recognised anywhere in a message, not only after a cue or alone


# Token key -> the place it is a nickname for.
NICKNAMES: dict[str, Nickname] = {
    "philly": Nickname("city", "PA", "philadelphia", None, True),
    "nyc": Nickname("city", "NY", "new york", None, True),
    "new york city": Nickname("city", "NY", "new york", None, True),
    "manhattan": Nickname("city", "NY", "new york", "Manhattan, NY", False),
    "the bronx": Nickname("city", "NY", "bronx", None, True),
    "bronx": Nickname("city", "NY", "bronx", None, False),
    "brooklyn": Nickname("city", "NY", "brooklyn", None, False),
    "queens": Nickname("county", "NY", "queens county", "Queens, NY", False),
    "l a": Nickname("city", "CA", "los angeles", None, False),  # "L.A." (bare "la" is Louisiana or a word)
    "sf": Nickname("city", "CA", "san francisco", None, False),
    "san fran": Nickname("city", "CA", "san francisco", None, True),
    "nola": Nickname("city", "LA", "new orleans", None, True),
    "chitown": Nickname("city", "IL", "chicago", None, True),
    "chi town": Nickname("city", "IL", "chicago", None, True),
    "vegas": Nickname("city", "NV", "las vegas", None, True),
    "dc": Nickname("city", "DC", "washington", None, False),
    "d c": Nickname("city", "DC", "washington", None, False),
    "district of columbia": Nickname("city", "DC", "washington", None, False),
    "atl": Nickname("city", "GA", "atlanta", None, False),
    "pgh": Nickname("city", "PA", "pittsburgh", None, True),
    "the burgh": Nickname("city", "PA", "pittsburgh", None, True),
    "bmore": Nickname("city", "MD", "baltimore", None, True),
    "b more": Nickname("city", "MD", "baltimore", None, True),
    "motor city": Nickname("city", "MI", "detroit", None, True),
}

STATE_ALIASES = {
    "us virgin islands": "VI",
    "u s virgin islands": "VI",
    "virgin islands": "VI",
    "usvi": "VI",
    "northern marianas": "MP",
    "cnmi": "MP",
    "commonwealth of the northern mariana islands": "MP",
    "united states virgin islands": "VI",
    "jersey": "NJ",  # "im in jersey"
}

# Traditional abbreviations and nicknames of states ("springfield mass", "erie penn",
# "san diego cali"). Read only right after a city: alone, many are words ("mass",
# "wash", "ill", "miss", "ore").
STATE_ABBREVIATIONS = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "cal": "CA", "calif": "CA", "cali": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "fla": "FL", "flor": "FL", "ill": "IL", "ills": "IL", "ind": "IN",
    "kan": "KS", "kans": "KS", "mass": "MA", "mich": "MI", "minn": "MN", "miss": "MS", "mont": "MT",
    "neb": "NE", "nebr": "NE", "nev": "NV", "n h": "NH", "n j": "NJ", "n m": "NM", "n mex": "NM",
    "n y": "NY", "n c": "NC", "n d": "ND", "n dak": "ND", "okla": "OK", "ore": "OR", "oreg": "OR",
    "penn": "PA", "penna": "PA", "r i": "RI", "s c": "SC", "s d": "SD", "s dak": "SD", "tenn": "TN",
    "tex": "TX", "wash": "WA", "w va": "WV", "wis": "WI", "wisc": "WI", "wyo": "WY",
}

CANADIAN_PROVINCES = {
    "ontario": "ON",
    "quebec": "QC",
    "british columbia": "BC",
    "alberta": "AB",
    "manitoba": "MB",
    "saskatchewan": "SK",
    "nova scotia": "NS",
    "new brunswick": "NB",
    "newfoundland": "NL",
    "newfoundland and labrador": "NL",
    "prince edward island": "PE",
    "yukon": "YT",
    "northwest territories": "NT",
    "nunavut": "NU",
}
COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "holland": "NL",
    "netherlands": "NL",
}
# Country names never read as "abroad": US territories, and names we treat as US.
NOT_FOREIGN_COUNTRIES = frozenset({"US", "UM", "PR", "GU", "VI", "AS", "MP", "JE", "GE"})
US_COUNTRY_CODES = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})
