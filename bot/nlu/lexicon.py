"""The words people text, mapped to the navigator's vocabulary.

One table, ``LEXICON``: each row is a phrase as people type it (slang, brand
names, common misspellings) and the entity it stands for, as an entity type and
a value. Values are the codes of ``providers.taxonomy`` (``medication`` +
``buprenorphine`` is the term ``medication:buprenorphine``); the one exception
is ``payment: uninsured``, an alias the actions expand into the payments that
need no insurance.

Matching rules (applied by ``bot.nlu.entities``):

- Phrases match whole words, case-insensitively, with accents and curly
  apostrophes folded ("español" is "espanol", "don’t" is "don't"). A row marked
  ``case_sensitive`` matches only as written: "MA" is Medical Assistance,
  "ma" is not.
- Braces write variants compactly: ``"{dont|don't|do not} have insurance"``
  is three phrases; an empty alternative makes a word optional.
- Words that mean something else most of the time ("done", "free", "today")
  carry context. ``preceded_by``/``followed_by``: the phrase counts only right
  after or right before one of those words (either one, if both are given).
  ``alone``: it also counts when it is the whole message. ``not_preceded_by``/
  ``not_followed_by``: never next to those words. Context words are never part
  of the entity: in "on the done" the entity is "done".
- ``weak`` rows are vague ("the clinic", "my dose"): they give way when the
  same message names a value of that type plainly ("my dose of suboxone" is
  buprenorphine, not methadone).
- ``FUZZY_WORDS`` are drug names long and unusual enough that any word one or
  two letters away from them is a misspelling of them ("methadome").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.vocabulary import UNINSURED

# The entity types NavigatorEntityExtractor produces, besides the vocabulary facets.
LOCATION = "location"
NUMBER = "number"


@dataclass(frozen=True)
class Phrase:
    text: str
    entity: str
    value: str
    case_sensitive: bool = False
    preceded_by: frozenset[str] = frozenset()
    followed_by: frozenset[str] = frozenset()
    alone: bool = False
    not_preceded_by: frozenset[str] = frozenset()
    not_followed_by: frozenset[str] = frozenset()
    weak: bool = False

    @property
    def needs_context(self) -> bool:
        return bool(self.preceded_by or self.followed_by or self.alone)


_BRACES = re.compile(r"\{([^{}]*)\}")


def expand(pattern: str) -> list[str]:
    """All phrases a braced pattern writes: "{a|b} c" -> ["a c", "b c"]."""
    match = _BRACES.search(pattern)
    if match is None:
        return [" ".join(pattern.split())]
    phrases = []
    for option in match.group(1).split("|"):
        phrases.extend(expand(pattern[:match.start()] + option + pattern[match.end():]))
    return phrases


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _rows(entity: str, value: str, *patterns: str, **context) -> list[Phrase]:
    for key in ("preceded_by", "followed_by", "not_preceded_by", "not_followed_by"):
        if isinstance(context.get(key), str):
            context[key] = _words(context[key])
    return [Phrase(text, entity, value, **context) for pattern in patterns for text in expand(pattern)]


# Words around an ambiguous word that show it is about getting care ("done" is
# methadone in "on the done", "get my done", "the done clinic").
_CLINIC_WORDS = "clinic clinics program programs dose doses dosing"
# "free" is a price after these words ("for free", "is it free") or before these.
_FREE_BEFORE = "for it its it's is thats that's be totally completely something somewhere anything anywhere cheap or"
_FREE_AFTER = (
    "treatment care clinic clinics rehab rehabs detox narcan naloxone program programs options services place"
    " places help meds medication medications suboxone methadone bupe subs vivitrol needles supplies strips"
    " test kits kit stuff of"
)
# "today" and "right now" are about being seen, except after words about using or feeling.
_NOT_ACCESS_TIME = (
    "used use using took take feel feeling felt sick high doing relapsed been was am im i'm you so clean sober"
    " breathing overdosing oding"
)
_INSURERS = "insurance coverage plan benefits card health healthcare"

LEXICON: tuple[Phrase, ...] = tuple(
    # --- what a person came for ------------------------------------------------------------
    _rows("need", "treatment", "treatment", "treatments", "treatment options", "mat", "moud",
          "medication assisted treatment", "medication for opioid use disorder")
    + _rows("need", "harm_reduction", "harm reduction", "harm reduction supplies", "harm reduction kit",
            "{safer|safe} use supplies", "{safer|safe} {use|using} kit",
            "{safer|safe} smoking {kit|kits|supplies}", "smoking {kit|kits|supplies}", "{crack|glass} pipes")
    + _rows("need", "recovery_support", "recovery support", "recovery supports", "recovery services")
    + _rows("need", "treatment", "tratamiento", "tratamientos")
    # --- medications ---------------------------------------------------------------------------
    + _rows("medication", "buprenorphine",
            "bupe", "bupes", "bup", "bupre", "subs", "sub", "subz", "suboxone", "suboxones", "suboxin", "suboxen",
            "suboxon", "suboxne", "suboxine", "subox", "suboxone strips", "suboxone films", "sub strips", "subutex",
            "subutext", "subitex", "zubsolv", "zubsolve", "buprenorphine", "buprenorphin", "bupenorphine",
            "buprenorphene", "buprenorfine", "buprenorphrine", "buprenophine", "buprenorpine", "buprenorfina")
    + _rows("medication", "buprenorphine_injectable",
            "sublocade", "sublocaid", "sublocad", "sublocade shot", "sublocade shots", "sublocade injection", "brixadi",
            "brixadi shot", "{bupe|bup|sub|subs|suboxone|buprenorphine} {shot|shots|injection}")
    + _rows("medication", "methadone", "methadone", "methadon", "methodone", "metadone", "methadome", "methadose",
            "metadona")
    # "done" is methadone only as a thing: "on the done", "get my done", "done clinic".
    + _rows("medication", "methadone", "done", preceded_by="the my on for some or vs versus",
            followed_by=_CLINIC_WORDS + " vs versus")
    + _rows("medication", "methadone", "dose", "doses", preceded_by="my", weak=True)
    + _rows("medication", "methadone", "dosing", weak=True)
    # "need to get dosed": going to a methadone clinic for the day's dose.
    + _rows("medication", "methadone", "dosed", preceded_by="get got getting", weak=True)
    + _rows("medication", "methadone", "clinic", preceded_by="the", weak=True)
    + _rows("medication", "naltrexone", "naltrexone", "naltrexon", "naltrexzone", "naltraxone", "naltexone",
            "naltrexine", "naltrex")
    + _rows("medication", "naltrexone_oral", "revia", "depade", "naltrexone {pill|pills|tablet|tablets|tabs}")
    + _rows("medication", "naltrexone_injectable",
            "vivitrol", "vivitrol shot", "vivitrol shots", "vivitrol injection", "vivatrol", "vivitral", "vivtrol",
            "viventrol", "vivitrole", "naltrexone {shot|shots|injection}", "viv shot")
    # People call the Vivitrol shot "the shot"; the buprenorphine shots go by their names.
    + _rows("medication", "naltrexone_injectable", "shot", preceded_by="the")
    # --- settings ------------------------------------------------------------------------------
    + _rows("setting", "outpatient", "outpatient", "out patient", "out-patient", "outpt", "outpatient program")
    + _rows("setting", "otp", "otp", "methadone {clinic|clinics|program|programs|center}",
            "opioid treatment program", "opioid treatment programs")
    + _rows("setting", "intensive_outpatient", "iop", "intensive outpatient", "intensive out patient",
            "partial hospitalization", "partial hospital", "php", "day program", "day treatment")
    + _rows("setting", "residential", "rehab", "rehabs", "inpatient", "in patient", "inpatient rehab",
            "residential", "residential rehab", "live-in", "long term rehab", "short term rehab")
    # "live in" is residential care, not "we live in camden".
    + _rows("setting", "residential", "live in", preceded_by="a the",
            followed_by="program programs rehab treatment facility facilities place places care")
    + _rows("setting", "hospital_inpatient", "hospital", "hospitals", "hospital inpatient")
    + _rows("setting", "detox", "detox", "detoxes", "detoxing", "dtox", "detoxification", "medical detox",
            "detox center", "withdrawal management", "withdrawl management")
    + _rows("setting", "telehealth", "telehealth", "tele health", "tele-health", "telahealth", "telemedicine",
            "tele medicine", "online", "on line", "virtual", "virtually", "video visit", "video visits",
            "video call", "video chat", "video appointment", "over video", "by video", "on video",
            "over the phone", "by phone", "phone appointment", "from home", "zoom")
    + _rows("setting", "telehealth", "on my phone", not_followed_by="bill number plan screen contacts history")
    # A doctor or primary care (issue 18): the search offers community health centers beside the treatment
    # listings, never as a place for a medication (providers.search).
    + _rows("setting", "health_center", "health center", "health centers", "community health center",
            "community health centers", "community clinic", "community clinics", "fqhc", "fqhcs", "primary care",
            "primary care doctor", "primary care provider", "primary care clinic", "primary doctor", "pcp",
            "family doctor", "family practice", "regular doctor", "own doctor", "sliding fee clinic",
            "sliding scale clinic", "{clinica|centro} de salud")
    # "a doctor", "doctors", not "my doctor" (who already has one) or "a suboxone doctor" (a medication asked for).
    + _rows("setting", "health_center", "doctor", "doctors", "dr", preceded_by="a any see some")
    # "a clinic with a sliding fee" is what a health center is ("the clinic" alone is methadone's).
    + _rows("setting", "health_center", "{clinic|clinics} with {a|} {sliding|income based} {fee|fees|scale}")
    # --- payment -------------------------------------------------------------------------------
    + _rows("payment", "medicaid",
            "medicaid", "medicade", "medicaide", "medicad", "medicaid card", "state medicaid", "state insurance",
            "medi cal", "medi-cal", "medical assistance", "masshealth", "mass health", "tenncare", "tenn care",
            "apple health", "soonercare", "sooner care", "ahcccs", "kancare", "badgercare", "badger care",
            "health first colorado", "mainecare", "maine care", "dr dynasaur", "dr. dynasaur", "doctor dynasaur",
            "med quest", "denali kidcare", "mo healthnet", "mo health net", "centennial care", "husky health",
            "healthy indiana plan", "oregon health plan", "nj familycare", "keystone first", "amerihealth caritas",
            "plan vital", "la reforma", "plan de salud del gobierno")
    + _rows("payment", "medicaid", "MA", "QUEST", case_sensitive=True)
    # California's "medical" (Medi-Cal), only where it is something a person has.
    + _rows("payment", "medicaid", "medical", preceded_by="have got take takes accept accepts",
            not_followed_by="insurance coverage marijuana detox help issues problems condition conditions care")
    + _rows("payment", "medicaid", "husky", not_preceded_by="my a the")
    + _rows("payment", "medicare", "medicare", "medicaire", "medi care", "medicare part a", "medicare part b")
    + _rows("payment", "private_insurance",
            "private insurance", "private ins", "blue cross", "blue cross blue shield", "bcbs", "blue shield",
            "independence blue cross", "highmark", "anthem", "aetna", "cigna", "united healthcare", "uhc", "humana",
            "kaiser", "ambetter", "obamacare", "marketplace insurance",
            "{insurance|ins} {through|thru} {work|my job|my work}", "{work|job} insurance",
            "insurance from {work|my job}", "employer insurance", "commercial insurance")
    + _rows("payment", UNINSURED,
            "no insurance", "no ins", "no insurence", "no health insurance", "uninsured", "un insured",
            "not insured", "no coverage", "without insurance", "lost my insurance", "sin seguro",
            "no tengo seguro", "no tengo plan",
            "{dont|don't|do not|dnt} have {any |no |}{insurance|insurence|coverage|health insurance|ins}",
            "{dont|don't|aint|ain't} got {any |no |}{insurance|insurence|coverage|health insurance|ins}")
    + _rows("payment", "self_pay", "cash", "self pay", "self-pay", "selfpay", "pay out of pocket", "out of pocket",
            "pay cash", "paying cash", "pay myself", "private pay")
    + _rows("payment", "sliding_fee", "sliding scale", "sliding fee", "sliding fee scale", "income based",
            "based on income", "based on my income", "low cost", "reduced fee", "cheap", "affordable")
    + _rows("payment", "free", "no cost", "free of charge", "at no cost", "{cant|can't|cannot|can not} {pay|afford}",
            "{cant|can't|cannot} afford it", "no money", "dont have money", "don't have money")
    + _rows("payment", "free", "free", preceded_by=_FREE_BEFORE, followed_by=_FREE_AFTER, alone=True)
    + _rows("payment", "military", "tricare", "tri care", "champva", "military insurance", "veterans affairs",
            "va {benefits|insurance|healthcare|health care|coverage}")
    + _rows("payment", "military", "VA", case_sensitive=True)
    + _rows("payment", "military", "va", preceded_by="the")
    + _rows("payment", "ihs_tribal", "ihs", "indian health service", "indian health services", "tribal",
            "tribal health", "tribal clinic")
    + _rows("payment", "state_funded", "state funded", "state-funded", "state funding", "county funded",
            "government funded", "block grant", "samhsa funded")
    # --- populations ---------------------------------------------------------------------------
    + _rows("population", "pregnant_postpartum",
            "pregnant", "pregnet", "pregant", "pragnant", "prego", "preggo", "pregnancy", "postpartum",
            "post partum", "post-partum", "just had a baby", "new mom", "new mother", "breastfeeding")
    + _rows("population", "pregnant_postpartum", "expecting", preceded_by="im i'm am shes she's is were",
            followed_by="a baby")
    + _rows("population", "adolescents", "teen", "teens", "teenager", "teenagers", "adolescent", "adolescents",
            "youth", "under 18", "high school")
    + _rows("population", "young_adults", "young adult", "young adults", "college student", "in college")
    + _rows("population", "veterans", "veteran", "veterans", "veteren", "vet", "vets", "army vet", "ex military")
    + _rows("population", "lgbtq", "lgbt", "lgbtq", "lgbtq+", "lgbtqia", "trans", "transgender", "gay",
            "lesbian", "queer", "bisexual", "nonbinary", "non binary", "non-binary")
    + _rows("population", "justice_involved", "probation", "parole", "jail", "prison", "drug court",
            "court ordered", "court-ordered", "reentry", "re-entry", "incarcerated", "locked up")
    + _rows("population", "women", "women", "womens", "women's", "female", "women only", "ladies")
    + _rows("population", "women", "woman", not_preceded_by="my")
    + _rows("population", "men", "men", "mens", "men's", "male", "men only")
    + _rows("population", "seniors", "senior", "seniors", "senior citizen", "elderly", "older adult",
            "older adults", "older people", "over 65")
    # --- languages -----------------------------------------------------------------------------
    + _rows("language", "spanish", "spanish", "espanol", "en espanol", "{habla|hablan|hablo} espanol",
            "spanish speaking")
    + _rows("language", "asl", "asl", "sign language", "american sign language", "deaf", "hard of hearing")
    + _rows("language", "arabic", "arabic")
    + _rows("language", "chinese", "chinese", "mandarin", "cantonese")
    + _rows("language", "haitian_creole", "haitian creole", "creole", "kreyol", "haitian")
    + _rows("language", "vietnamese", "vietnamese", "tieng viet")
    + _rows("language", "russian", "russian")
    + _rows("language", "portuguese", "portuguese", "portugues")
    + _rows("language", "french", "french", "francais")
    + _rows("language", "korean", "korean")
    + _rows("language", "german", "german", "deutsch")
    # --- access --------------------------------------------------------------------------------
    + _rows("access", "walk_in", "walk in", "walk-in", "walkin", "walk ins", "walk-ins", "walkins", "same day",
            "same-day", "no appointment", "no appt", "without an appointment", "without appointment", "right away")
    + _rows("access", "walk_in", "today", "tonight", "right now", not_preceded_by=_NOT_ACCESS_TIME)
    # --- harm reduction ------------------------------------------------------------------------
    + _rows("support", "naloxone", "narcan", "narcn", "narcon", "narkan", "narcam", "naloxone", "naloxon",
            "nalaxone", "naloxene", "nalox", "kloxxado", "kloxado", "zimhi")
    + _rows("support", "syringe_services", "needles", "needle", "syringes", "syringe", "clean needles",
            "new needles", "clean works", "needle exchange", "needle exchanges", "syringe exchange", "ssp",
            "syringe services", "syringe service program", "syringe program", "sharps", "cookers",
            "rigs", "new rigs", "clean rigs")
    # Street words for syringes that are ordinary words elsewhere ("if it fits", "good points").
    + _rows("support", "syringe_services", "points", "fits", "outfits", "rig",
            preceded_by="new clean fresh sterile some my")
    + _rows("support", "fentanyl_test_strips", "test strips", "test strip", "testing strips", "fent strips",
            "fentanyl strips", "fentanyl test strips", "fentanyl test strip", "fent test strips", "fts",
            "fentanyl test", "fent test")
    + _rows("support", "drug_checking", "drug checking", "drug check", "fentanyl checking",
            "{test|check|testing|checking} my {stuff|drugs|dope|pills|pack}", "xylazine test strips",
            "xylazine strips", "tranq strips", "spectrometer")
    # Spanish words a texter mixes in before the Spanish issue lands ("need needles and tiras").
    + _rows("support", "naloxone", "naloxona")
    + _rows("support", "syringe_services", "jeringas", "jeringa", "jeringuillas", "jeringuilla", "agujas limpias",
            "agujas")
    + _rows("support", "fentanyl_test_strips", "tiras", "tiras de fentanilo", "tiras de fentanil",
            "tiras reactivas", "tiras para fentanilo")
    # Syringe services programs also treat wounds and abscesses (xylazine wounds above all).
    + _rows("support", "syringe_services", "wound care", "abscess", "abscesses", "xylazine wounds",
            "tranq wounds", "wounds")
    + _rows("support", "overdose_prevention_line", "never use alone", "neverusealone", "never use alone hotline",
            "spotting line", "spotting service", "overdose prevention line", "overdose hotline", "od hotline")
    # --- recovery support ----------------------------------------------------------------------
    + _rows("support", "peer_support", "peer", "peers", "peer support", "peer navigator", "peer navigators",
            "peer specialist", "peer recovery specialist", "certified peer", "peer mentor", "peer counselor")
    + _rows("support", "recovery_coach", "recovery coach", "recovery coaches", "recovery coaching")
    + _rows("support", "mutual_aid", "meetings", "na meeting", "na meetings", "aa meeting", "aa meetings",
            "narcotics anonymous", "alcoholics anonymous", "smart recovery", "smart meeting", "smart meetings",
            "support group", "support groups", "12 step", "12-step", "twelve step", "nar anon", "nar-anon",
            "al anon", "al-anon", "celebrate recovery", "recovery dharma", "recovery group", "recovery groups")
    + _rows("support", "mutual_aid", "NA", "AA", case_sensitive=True)
    + _rows("support", "mutual_aid", "meeting", preceded_by="a any")
    + _rows("support", "recovery_community_org", "recovery community", "recovery community organization",
            "recovery community center", "recovery cafe", "rco")
    + _rows("support", "recovery_housing", "sober living", "sober living {house|houses|home|homes}",
            "sober {house|houses|home|homes}", "recovery {house|houses|home|homes}", "recovery housing",
            "{halfway|half way} {house|houses}", "oxford {house|houses}", "transitional housing")
)

# Drug names whose near misses are misspellings of them, never other words.
FUZZY_WORDS: dict[str, tuple[str, str]] = {
    "methadone": ("medication", "methadone"),
    "suboxone": ("medication", "buprenorphine"),
    "subutex": ("medication", "buprenorphine"),
    "zubsolv": ("medication", "buprenorphine"),
    "buprenorphine": ("medication", "buprenorphine"),
    "sublocade": ("medication", "buprenorphine_injectable"),
    "brixadi": ("medication", "buprenorphine_injectable"),
    "naltrexone": ("medication", "naltrexone"),
    "vivitrol": ("medication", "naltrexone_injectable"),
    "naloxone": ("support", "naloxone"),
    "narcan": ("support", "naloxone"),
    "kloxxado": ("support", "naloxone"),
}
