"""The NLU layer: the lexicon, NavigatorEntityExtractor, CrisisOverride and data/nlu."""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.crisis import (
    CRISIS_DISTRESS,
    CRISIS_OVERDOSE,
    CRISIS_SUICIDE,
    OVERDOSE_AFTERCARE,
    CrisisOverride,
    crisis_intent,
)
from bot.nlu.entities import MAX_SCAN_CHARS, EntityFinder, NavigatorEntityExtractor, default_finder
from bot.nlu.lexicon import FUZZY_WORDS, LEXICON, LOCATION, NUMBER, UNINSURED, expand
from bot.nlu.unreadable import UnreadableMessage, has_something_to_read
from providers import taxonomy

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
ENTITY_TYPES = set(taxonomy.FACETS) | {LOCATION, NUMBER}

# Every intent the domain declares: each needs its training examples.
INTENTS = set(yaml.safe_load((ROOT / "domain" / "navigator.yml").read_text(encoding="utf-8"))["intents"])


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return default_finder()


def found(finder: EntityFinder, text: str) -> list[tuple[str, str, str]]:
    """(span text, entity, value) of each entity, in order."""
    return [(text[e["start"]:e["end"]], e["entity"], e["value"]) for e in finder.find(text)]


def is_valid_value(entity: str, value: str) -> bool:
    if entity == "payment" and value == UNINSURED:
        return True
    return f"{entity}:{value}" in taxonomy.BY_ID


def test_a_later_component_changing_the_entities_does_not_change_the_next_answer(finder):
    text = "need subs near camden nj"
    first = finder.find(text)
    first[0]["value"] = "changed"
    first[-1]["additional_info"]["display_name"] = "changed"
    first.clear()
    assert found(finder, text) == [("subs", "medication", "buprenorphine"), ("camden nj", "location", "camden nj")]
    assert finder.find(text)[-1]["additional_info"]["display_name"] == "Camden, NJ"


# --- the lexicon -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("need needles and tiras in 10001", [("needles", "support", "syringe_services"),
                                         ("tiras", "support", "fentanyl_test_strips")]),
    ("necesito naloxona y jeringas", [("naloxona", "support", "naloxone"), ("jeringas", "support", "syringe_services")]),
    ("need wound care", [("wound care", "support", "syringe_services")]),
    ("tengo plan vital", [("plan vital", "payment", "medicaid")]),
])
def test_spanish_and_wound_care_words_a_texter_mixes_in_are_understood(finder, text, expected):
    assert [f for f in found(finder, text) if f[1] != "location"] == expected


def test_every_lexicon_value_is_in_the_vocabulary():
    invalid = {(p.entity, p.value) for p in LEXICON if not is_valid_value(p.entity, p.value)}
    invalid |= {pair for pair in FUZZY_WORDS.values() if not is_valid_value(*pair)}
    assert not invalid


def test_a_phrase_means_one_thing():
    meanings: dict[str, set[tuple[str, str]]] = {}
    for phrase in LEXICON:
        key = phrase.text if phrase.case_sensitive else phrase.text.lower()
        meanings.setdefault(key, set()).add((phrase.entity, phrase.value))
    assert {key: values for key, values in meanings.items() if len(values) > 1} == {}


def test_braces_write_variants():
    assert expand("{dont|do not} have {any |}insurance") == [
        "dont have any insurance", "dont have insurance", "do not have any insurance", "do not have insurance",
    ]


# --- slang -------------------------------------------------------------------------------------

SLANG = [
    # medications
    ("need bupe", "bupe", "medication", "buprenorphine"),
    ("need bup", "bup", "medication", "buprenorphine"),
    ("got any subs", "subs", "medication", "buprenorphine"),
    ("where can i get a sub", "sub", "medication", "buprenorphine"),
    ("Suboxone", "Suboxone", "medication", "buprenorphine"),
    ("need suboxin", "suboxin", "medication", "buprenorphine"),
    ("need suboxen", "suboxen", "medication", "buprenorphine"),
    ("need suboxon", "suboxon", "medication", "buprenorphine"),
    ("on subutex", "subutex", "medication", "buprenorphine"),
    ("zubsolv", "zubsolv", "medication", "buprenorphine"),
    ("buprenorphine", "buprenorphine", "medication", "buprenorphine"),
    ("buprenorphin", "buprenorphin", "medication", "buprenorphine"),
    ("bupenorphine", "bupenorphine", "medication", "buprenorphine"),
    ("the sublocade shot", "sublocade shot", "medication", "buprenorphine_injectable"),
    ("sublocade", "sublocade", "medication", "buprenorphine_injectable"),
    ("brixadi", "brixadi", "medication", "buprenorphine_injectable"),
    ("methadone", "methadone", "medication", "methadone"),
    ("methadon", "methadon", "medication", "methadone"),
    ("methodone", "methodone", "medication", "methadone"),
    ("metadone", "metadone", "medication", "methadone"),
    ("im on the done", "done", "medication", "methadone"),
    ("where is a done clinic", "done", "medication", "methadone"),
    ("i need to get my done", "done", "medication", "methadone"),
    ("i missed my dose", "dose", "medication", "methadone"),
    ("dosing hours", "dosing", "medication", "methadone"),
    ("just got to pittsburgh and need to get dosed", "dosed", "medication", "methadone"),
    ("is the clinic open", "clinic", "medication", "methadone"),
    ("naltrexone", "naltrexone", "medication", "naltrexone"),
    ("vivitrol", "vivitrol", "medication", "naltrexone_injectable"),
    ("when can i get the shot", "shot", "medication", "naltrexone_injectable"),
    ("the vivitrol shot", "vivitrol shot", "medication", "naltrexone_injectable"),
    ("revia", "revia", "medication", "naltrexone_oral"),
    ("naltrexone pills", "naltrexone pills", "medication", "naltrexone_oral"),
    # harm reduction
    ("narcan", "narcan", "support", "naloxone"),
    ("NARCAN", "NARCAN", "support", "naloxone"),
    ("naloxone", "naloxone", "support", "naloxone"),
    ("kloxxado", "kloxxado", "support", "naloxone"),
    ("zimhi", "zimhi", "support", "naloxone"),
    ("needles", "needles", "support", "syringe_services"),
    ("syringes", "syringes", "support", "syringe_services"),
    ("clean works", "clean works", "support", "syringe_services"),
    ("needle exchange", "needle exchange", "support", "syringe_services"),
    ("ssp", "ssp", "support", "syringe_services"),
    ("where can i get new rigs", "new rigs", "support", "syringe_services"),
    ("need some new points", "points", "support", "syringe_services"),
    ("test strips", "test strips", "support", "fentanyl_test_strips"),
    ("fent strips", "fent strips", "support", "fentanyl_test_strips"),
    ("fts", "fts", "support", "fentanyl_test_strips"),
    ("drug checking", "drug checking", "support", "drug_checking"),
    ("can i test my stuff", "test my stuff", "support", "drug_checking"),
    ("never use alone", "never use alone", "support", "overdose_prevention_line"),
    ("spotting line", "spotting line", "support", "overdose_prevention_line"),
    # recovery support
    ("a peer", "peer", "support", "peer_support"),
    ("peer support", "peer support", "support", "peer_support"),
    ("peer navigator", "peer navigator", "support", "peer_support"),
    ("recovery coach", "recovery coach", "support", "recovery_coach"),
    ("NA meeting", "NA meeting", "support", "mutual_aid"),
    ("meetings", "meetings", "support", "mutual_aid"),
    ("AA", "AA", "support", "mutual_aid"),
    ("SMART recovery", "SMART recovery", "support", "mutual_aid"),
    ("support group", "support group", "support", "mutual_aid"),
    ("recovery community", "recovery community", "support", "recovery_community_org"),
    ("RCO", "RCO", "support", "recovery_community_org"),
    ("sober living", "sober living", "support", "recovery_housing"),
    ("recovery house", "recovery house", "support", "recovery_housing"),
    ("halfway house", "halfway house", "support", "recovery_housing"),
    # payment
    ("medicaid", "medicaid", "payment", "medicaid"),
    ("i have medi cal", "medi cal", "payment", "medicaid"),
    ("i have Medi-Cal", "Medi-Cal", "payment", "medicaid"),
    ("MassHealth", "MassHealth", "payment", "medicaid"),
    ("TennCare", "TennCare", "payment", "medicaid"),
    ("apple health", "apple health", "payment", "medicaid"),
    ("medical assistance", "medical assistance", "payment", "medicaid"),
    ("i have MA", "MA", "payment", "medicaid"),
    ("i have husky", "husky", "payment", "medicaid"),
    ("SoonerCare", "SoonerCare", "payment", "medicaid"),
    ("AHCCCS", "AHCCCS", "payment", "medicaid"),
    ("KanCare", "KanCare", "payment", "medicaid"),
    ("BadgerCare", "BadgerCare", "payment", "medicaid"),
    ("i have health first colorado", "health first colorado", "payment", "medicaid"),
    ("MaineCare", "MaineCare", "payment", "medicaid"),
    ("Dr. Dynasaur", "Dr. Dynasaur", "payment", "medicaid"),
    ("i have QUEST", "QUEST", "payment", "medicaid"),
    ("Denali KidCare", "Denali KidCare", "payment", "medicaid"),
    ("MO HealthNet", "MO HealthNet", "payment", "medicaid"),
    ("Centennial Care", "Centennial Care", "payment", "medicaid"),
    ("state insurance", "state insurance", "payment", "medicaid"),
    ("medicare", "medicare", "payment", "medicare"),
    ("blue cross", "blue cross", "payment", "private_insurance"),
    ("aetna", "aetna", "payment", "private_insurance"),
    ("private insurance", "private insurance", "payment", "private_insurance"),
    ("i have insurance through work", "insurance through work", "payment", "private_insurance"),
    ("no insurance", "no insurance", "payment", "uninsured"),
    ("uninsured", "uninsured", "payment", "uninsured"),
    ("i dont have insurance", "dont have insurance", "payment", "uninsured"),
    ("i don’t have insurance", "don’t have insurance", "payment", "uninsured"),
    ("no ins", "no ins", "payment", "uninsured"),
    ("cash", "cash", "payment", "self_pay"),
    ("self pay", "self pay", "payment", "self_pay"),
    ("i can pay out of pocket", "pay out of pocket", "payment", "self_pay"),
    ("sliding scale", "sliding scale", "payment", "sliding_fee"),
    ("free", "free", "payment", "free"),
    ("can i get it for free", "free", "payment", "free"),
    ("no cost", "no cost", "payment", "free"),
    ("i cant pay", "cant pay", "payment", "free"),
    ("tricare", "tricare", "payment", "military"),
    ("do they take VA", "VA", "payment", "military"),
    ("through the va", "va", "payment", "military"),
    ("IHS", "IHS", "payment", "ihs_tribal"),
    ("tribal", "tribal", "payment", "ihs_tribal"),
    # settings
    ("detox", "detox", "setting", "detox"),
    ("withdrawal management", "withdrawal management", "setting", "detox"),
    ("rehab", "rehab", "setting", "residential"),
    ("inpatient", "inpatient", "setting", "residential"),
    ("a live in program", "live in", "setting", "residential"),
    ("residential", "residential", "setting", "residential"),
    ("outpatient", "outpatient", "setting", "outpatient"),
    ("out patient", "out patient", "setting", "outpatient"),
    ("IOP", "IOP", "setting", "intensive_outpatient"),
    ("hospital", "hospital", "setting", "hospital_inpatient"),
    ("telehealth", "telehealth", "setting", "telehealth"),
    ("telemedicine", "telemedicine", "setting", "telehealth"),
    ("online", "online", "setting", "telehealth"),
    ("video visit", "video visit", "setting", "telehealth"),
    ("can someone prescribe me subs over video", "over video", "setting", "telehealth"),
    ("can i do it on my phone", "on my phone", "setting", "telehealth"),
    ("methadone clinic", "methadone clinic", "setting", "otp"),
    ("OTP", "OTP", "setting", "otp"),
    # a doctor or primary care (issue 18): the search offers health centers beside the listings
    ("is there primary care near me", "primary care", "setting", "health_center"),
    ("i want my own doctor", "own doctor", "setting", "health_center"),
    ("i need a doctor for subs", "doctor", "setting", "health_center"),
    ("a community health center", "community health center", "setting", "health_center"),
    ("a clinic with sliding fee", "clinic with sliding fee", "setting", "health_center"),
    # access
    ("walk in", "walk in", "access", "walk_in"),
    ("walk-in", "walk-in", "access", "walk_in"),
    ("can i go today", "today", "access", "walk_in"),
    ("i need it right now", "right now", "access", "walk_in"),
    ("same day", "same day", "access", "walk_in"),
    ("no appointment", "no appointment", "access", "walk_in"),
    # populations
    ("pregnant", "pregnant", "population", "pregnant_postpartum"),
    ("im expecting", "expecting", "population", "pregnant_postpartum"),
    ("postpartum", "postpartum", "population", "pregnant_postpartum"),
    ("teen", "teen", "population", "adolescents"),
    ("teenager", "teenager", "population", "adolescents"),
    ("adolescent", "adolescent", "population", "adolescents"),
    ("veteran", "veteran", "population", "veterans"),
    ("im a vet", "vet", "population", "veterans"),
    ("lgbt", "lgbt", "population", "lgbtq"),
    ("trans", "trans", "population", "lgbtq"),
    ("gay", "gay", "population", "lgbtq"),
    # languages
    ("en español", "en español", "language", "spanish"),
    ("spanish", "spanish", "language", "spanish"),
    ("habla español", "habla español", "language", "spanish"),
    ("Habla Espanol", "Habla Espanol", "language", "spanish"),
]


@pytest.mark.parametrize("text, span, entity, value", SLANG)
def test_slang(finder, text, span, entity, value):
    assert (span, entity, value) in found(finder, text)


@pytest.mark.parametrize("text", ["methadome", "suboxne", "vivitrl", "naloxome", "narcam"])
def test_drug_names_one_letter_off(finder, text):
    assert found(finder, text)[0][0] == text


@pytest.mark.parametrize(
    "text",
    [
        "im done",
        "done with this",
        "are you done",
        "im done for now",
        "drug free",
        "feel free to text me",
        "i used today",
        "i was expecting more",
        "we live in camden nj",
        "will this show up on my phone bill",
        "medical bills",
        "my husky ran away",
        "i want to get clean",
        "that makes good points",
        "if it fits my schedule",
    ],
)
def test_ordinary_words_are_not_entities(finder, text):
    assert [e for e in found(finder, text) if e[1] != LOCATION] == []


def test_a_vague_word_gives_way_to_a_named_medication(finder):
    assert found(finder, "whats my dose of suboxone") == [("suboxone", "medication", "buprenorphine")]


def test_a_run_on_message(finder):
    assert found(finder, "need subs near 19134 i have medicaid") == [
        ("subs", "medication", "buprenorphine"),
        ("19134", "location", "19134"),
        ("medicaid", "payment", "medicaid"),
    ]


# --- places ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, place",
    [
        ("wher can i get narcan in camden nj", "camden nj"),
        ("wher can i get methadone in philly plz", "philly"),
        ("need detox in philadlephia pa", "philadlephia pa"),
        ("near 21201", "21201"),
        ("i live near reno nv", "reno nv"),
        ("Charlottesville VA 22902", "Charlottesville VA 22902"),
        ("camden, nj 08102", "camden, nj 08102"),
    ],
)
def test_places_are_locations_as_typed(finder, text, place):
    locations = [e for e in finder.find(text) if e["entity"] == LOCATION]
    assert [(text[e["start"]:e["end"]], e["value"]) for e in locations] == [(place, place)]
    assert locations[0]["additional_info"]["reason"] is None
    assert locations[0]["additional_info"]["display_name"]


def test_an_address_with_a_zip_is_one_place_geocoded_by_its_zip(finder):
    [location] = finder.find("Charlottesville VA 22902")
    assert location["additional_info"]["display_name"] == "Charlottesville, VA 22902"


def test_an_ambiguous_place_keeps_the_geocoders_reason(finder):
    [location] = [e for e in finder.find("im in springfield") if e["entity"] == LOCATION]
    assert location["value"] == "springfield"
    assert location["additional_info"] == {"reason": "ambiguous", "display_name": None}


def test_a_state_code_is_a_place_after_in_and_a_payment_otherwise(finder):
    assert found(finder, "im in VA") == [("VA", "location", "VA")]
    assert found(finder, "do they take VA") == [("VA", "payment", "military")]
    assert found(finder, "im in MA") == [("MA", "location", "MA")]
    assert found(finder, "i have MA") == [("MA", "payment", "medicaid")]


def test_a_zip_code_is_a_place_not_a_number(finder):
    assert found(finder, "number 19134") == [("19134", "location", "19134")]


# --- result numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, span, value",
    [
        ("1", "1", "1"),
        ("#2", "2", "2"),
        ("2.", "2", "2"),
        ("the second one", "second", "2"),
        ("number three", "three", "3"),
        ("number one", "one", "1"),
        ("2nd", "2nd", "2"),
        ("tell me about 3", "3", "3"),
        ("more about number 2", "2", "2"),
        ("the first one", "first", "1"),
        ("details on the 4th one", "4th", "4"),
        ("option 12", "12", "12"),
        ("20 please", "20", "20"),
    ],
)
def test_result_numbers(finder, text, span, value):
    assert found(finder, text) == [(span, NUMBER, value)]


@pytest.mark.parametrize(
    "text",
    ["i have 2 kids", "about 3 weeks ago", "im on 2 strips a day", "open 24/7", "at 2:30", "21", "0",
     "the first time i used", "$5", "2-3 days"],
)
def test_numbers_that_are_not_a_result(finder, text):
    assert [e for e in found(finder, text) if e[1] == NUMBER] == []


# --- any text ----------------------------------------------------------------------------------

HOSTILE = [
    "",
    "   ",
    "\n\t\r",
    "🙂🙂🙂",
    "💉 narcan 🙏",
    "<script>alert('bupe')</script>",
    "[19134](location){\"entity\": \"x\"}",
    "\x00\x01\x02 subs \x7f",
    "\u200b\u200bnarcan\u200b",
    "ｎａｒｃａｎ",
    "Ω≈ç√∫˜µ≤≥÷",
    "a" * 5000,
    "need subs near 19134 " * 250,
    "#" * 3000,
    "1" * 5000,
    "'''\"\"\"```",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_is_handled(finder, text):
    entities = finder.find(text)
    assert_well_formed(text, entities)


def test_long_messages_are_read_only_so_far(finder):
    text = "a " * MAX_SCAN_CHARS + "narcan"
    assert finder.find(text) == []


def assert_well_formed(text: str, entities: list[dict]) -> None:
    previous_end = 0
    for entity in entities:
        assert previous_end <= entity["start"] < entity["end"] <= len(text)
        previous_end = entity["end"]
        assert entity["entity"] in ENTITY_TYPES
        assert entity["confidence"] == 1.0
        assert entity["extractor"] == "NavigatorEntityExtractor"
        if entity["entity"] == LOCATION:
            assert entity["value"] == text[entity["start"]:entity["end"]]
            assert set(entity["additional_info"]) == {"reason", "display_name"}
        elif entity["entity"] == NUMBER:
            assert entity["value"] in {str(n) for n in range(1, 21)}
        else:
            assert is_valid_value(entity["entity"], entity["value"])


WORDS = sorted({p.text for p in LEXICON} | {
    "need", "in", "near", "the", "my", "i", "im", "number", "#", "about", "one", "first", "2", "13", "19134",
    "08102", "camden nj", "philly", "Springfield", "VA", "done", "free", "today", "and", ",", ".", "?", "🙂",
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=25), st.sampled_from([" ", "", "  "]))
def test_spans_never_overlap(finder, words, separator):
    text = separator.join(words)
    assert_well_formed(text, finder.find(text))


def test_the_component_adds_entities_to_messages(finder):
    extractor = NavigatorEntityExtractor(finder)
    messages = [Message(data={TEXT: "narcan in camden nj"}), Message(data={}), Message(data={TEXT: None})]
    extractor.process(messages)
    assert [e["entity"] for e in messages[0].get(ENTITIES)] == ["support", "location"]
    assert messages[1].get(ENTITIES) == []
    assert messages[2].get(ENTITIES) == []


class _FailingFinder:
    def find(self, text):
        raise ValueError(f"could not read {text}")


def test_nothing_logs_what_people_wrote(finder, caplog):
    secret = "narcan near 19134 for Jane Q Secretname"
    caplog.set_level(logging.DEBUG)
    NavigatorEntityExtractor(finder).process([Message(data={TEXT: secret})])
    NavigatorEntityExtractor(_FailingFinder()).process([Message(data={TEXT: secret})])
    CrisisOverride().process([Message(data={TEXT: f"hes not breathing {secret}"})])
    assert "entity extraction failed: ValueError" in caplog.text
    assert "Secretname" not in caplog.text and "19134" not in caplog.text


# --- crisis ------------------------------------------------------------------------------------

OVERDOSE = [
    "my friend is od'ing",
    "hes overdosing",
    "she od",
    "hes not breathing",
    "not breathing",
    "cant wake him up",
    "wont wake up",
    "turning blue",
    "lips are blue",
    "he's blue",
    "unresponsive",
    "passed out and wont respond",
    "snoring weird and cant wake",
    "i think im overdosing",
    "took too much and feel like dying",
    "My Friend Is OD’ing!!!",
    "someone is overdosing in the bathroom",
    "she stopped breathing",
    "i cant wake my girlfriend",
    "shes not waking up",
    "his lips r blue",
    "i gave him narcan and hes still out",
    "the narcan isnt working",
    "he just od'd",
    "breathing really slow",
    "he is having an overdose",
    "od help",
]
SUICIDE = [
    "i want to kill myself",
    "kms",
    "i want to kms",
    "i want to die",
    "dont want to live",
    "thinking about suicide",
    "end it all",
    "end my life",
    "no reason to live",
    "better off dead",
    "want to disappear forever",
    "going to off myself",
    "i wanna die",
    "im suicidal",
    "i want 2 die",
    "nothing to live for",
    "i wish i was dead",
    "i hope i dont wake up",
    "im going to od on purpose",
    "i want to take my own life",
    "sucidal thoughts again",
]
NOT_A_CRISIS = [
    "what is an overdose",
    "how do i use narcan",
    "i overdid it at the gym",
    "my phone is dead",
    "dying to know",
    "this withdrawal is killing me",
    "kill time",
    "how do i prevent an overdose",
    "what happens if someone ods",
    "what is overdosing",
    "im scared of overdosing",
    "i dont want to die",
    "i cant wake up early",
    "my alarm wont wake me up",
    "she wont respond to my texts",
    "im feeling blue",
    "5 kms away",
    "how do i give narcan",
    "where can i get narcan",
    "im going to die if i dont get subs",
    "im dying lol",
    "i need help",
    "",
]


@pytest.mark.parametrize("text", OVERDOSE)
def test_overdose_is_caught(text):
    assert crisis_intent(text) == CRISIS_OVERDOSE


@pytest.mark.parametrize("text", SUICIDE)
def test_suicide_risk_is_caught(text):
    assert crisis_intent(text) == CRISIS_SUICIDE


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_questions_and_figures_of_speech_are_not_a_crisis(text):
    assert crisis_intent(text) is None


def test_overdose_wins_when_both_match():
    assert crisis_intent("i want to die i took too much") == CRISIS_OVERDOSE


@pytest.mark.parametrize("text", [
    "whats even the point anymore", "i cant keep going like this", "me siento sola y no aguanto mas"])
def test_despair_without_a_plan_gets_a_check_in(text):
    assert crisis_intent(text) == CRISIS_DISTRESS


@pytest.mark.parametrize("text", [
    "i od'd two weeks ago and got narcanned", "my brother overdosed last night but hes home now",
    "my son overdosed last year",
    "tuve una sobredosis el mes pasado"])
def test_an_overdose_that_is_over_gets_aftercare(text):
    assert crisis_intent(text) == OVERDOSE_AFTERCARE


@pytest.mark.parametrize("text", [
    "mi primo no respira y esta morado", "le pusimos narcan y no despierta", "mi bebe se tomo mi metadona",
    "she locked herself in the bathroom after using and its been 20 minutes no answer",
    "her chest isnt moving"])
def test_an_overdose_is_read_from_its_signs_in_english_and_spanish(text):
    assert crisis_intent(text) == CRISIS_OVERDOSE


@pytest.mark.parametrize("text", [
    "me voy a ahorcar esta noche", "nadie me extranaria si me muero", "ive been saving my pills to take them all",
    "gonna drive my truck off the overpass", "im going to the bridge tonight"])
def test_suicide_risk_is_read_in_english_and_spanish(text):
    assert crisis_intent(text) == CRISIS_SUICIDE


@pytest.mark.parametrize("text", [
    "how many pills would it take to not wake up", "i have enough saved up to not wake up"])
def test_using_to_die_is_suicide_not_an_overdose_happening(text):
    assert crisis_intent(text) == CRISIS_SUICIDE


@pytest.mark.parametrize("text", [
    "what do i do if someone stops breathing", "scared my son will od when he gets out", "that cake is to die for",
    "i want to end this addiction", "quiero dejar de usar", "my phone is dying", "i take all my meds with dinner",
    "im about to jump in the shower", "in the movie he od'd in a club, is that real", "me muero de hambre"])
def test_questions_fears_and_figures_of_speech_are_not_an_emergency(text):
    assert crisis_intent(text) not in (CRISIS_OVERDOSE, CRISIS_SUICIDE)


def classified(text: str, ranking: list[tuple[str, float]]) -> Message:
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={TEXT: text, INTENT: intents[0], INTENT_RANKING_KEY: intents})


def names(message: Message) -> list[str]:
    return [ranked["name"] for ranked in message.get(INTENT_RANKING_KEY)]


def test_the_override_puts_the_crisis_on_top():
    message = classified("hes not breathing", [("inform", 0.6), ("crisis_overdose", 0.3), ("greet", 0.1)])
    CrisisOverride().process([message])
    assert message.get(INTENT) == {"name": CRISIS_OVERDOSE, "confidence": 1.0}
    assert names(message) == [CRISIS_OVERDOSE, "inform", "greet"]


def test_the_override_replaces_a_fallback():
    message = classified("i want to kms", [(DEFAULT_NLU_FALLBACK_INTENT_NAME, 0.7), ("greet", 0.4), ("help", 0.35)])
    CrisisOverride().process([message])
    assert names(message) == [CRISIS_SUICIDE, "greet", "help"]


def test_the_patterns_reading_stands_over_a_more_urgent_learned_guess():
    message = classified("nobody would even notice if i was gone", [("crisis_overdose", 0.6), ("inform", 0.4)])
    CrisisOverride().process([message])
    assert names(message) == [CRISIS_SUICIDE, "crisis_overdose", "inform"]


def test_a_learned_emergency_in_a_question_about_overdose_is_overruled():
    message = classified("how do i know if someone is overdosing",
                         [("crisis_overdose", 0.7), ("ask_what_is_medication", 0.2), ("help", 0.1)])
    CrisisOverride().process([message])
    assert names(message) == ["ask_what_is_medication", "help"]


def test_a_learned_overdose_told_in_the_past_becomes_aftercare():
    message = classified("he overdosed in the fall", [("crisis_overdose", 0.8), ("inform", 0.2)])
    CrisisOverride().process([message])
    assert names(message)[0] == OVERDOSE_AFTERCARE


def test_a_crisis_the_classifier_found_is_left_alone():
    message = classified("i want to kill myself", [("crisis_suicide", 0.9), ("inform", 0.1)])
    CrisisOverride().process([message])
    assert message.get(INTENT) == {"name": CRISIS_SUICIDE, "confidence": 0.9}


def test_an_overdose_replaces_a_suicide_prediction():
    message = classified("took too much and feel like dying", [("crisis_suicide", 0.8), ("inform", 0.2)])
    CrisisOverride().process([message])
    assert names(message) == [CRISIS_OVERDOSE, CRISIS_SUICIDE, "inform"]


def test_other_messages_are_left_alone():
    message = classified("where can i get narcan", [("find_harm_reduction", 0.95), ("inform", 0.05)])
    CrisisOverride().process([message])
    assert names(message) == ["find_harm_reduction", "inform"]
    assert message.get(INTENT)["confidence"] == 0.95


# --- training data and config ------------------------------------------------------------------


@pytest.fixture(scope="module")
def training_data():
    return load_data(str(NLU_DIR))


def test_training_annotations_are_what_the_extractor_finds(finder, training_data):
    mismatches = []
    for example in training_data.nlu_examples:
        text = example.get(TEXT)
        annotated = sorted((e["start"], e["end"], e["entity"], str(e["value"])) for e in example.get(ENTITIES) or [])
        extracted = sorted((e["start"], e["end"], e["entity"], e["value"]) for e in finder.find(text))
        if annotated != extracted:
            mismatches.append((text, annotated, extracted))
    assert mismatches == []


def test_every_intent_has_enough_examples(training_data):
    counts = Counter(example.get(INTENT) for example in training_data.intent_examples)
    assert set(counts) == INTENTS
    too_few = {intent: n for intent, n in counts.items() if n < (15 if intent in ("affirm", "deny") else 25)}
    assert too_few == {}


def test_no_example_is_taught_as_two_intents(training_data):
    intents_of: dict[str, set[str]] = {}
    for example in training_data.intent_examples:
        intents_of.setdefault(example.get(TEXT).lower(), set()).add(example.get(INTENT))
    assert {text: i for text, i in intents_of.items() if len(i) > 1} == {}


def test_no_holdout_message_is_trained_on(training_data):
    # `make nlu-holdout` measures only while its messages stay out of the training data.
    # Compared as the classifier's words see them: "hello?" is "hello".
    def words(text: str) -> str:
        return " ".join(re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower()))

    holdout = load_data(str(ROOT / "tests" / "nlu_holdout.yml"))
    trained = {words(example.get(TEXT)) for example in training_data.intent_examples}
    assert [e.get(TEXT) for e in holdout.intent_examples if words(e.get(TEXT)) in trained] == []


@pytest.mark.parametrize("text, readable", [
    ("🙂🙂🙂", False), ("<img src=x onerror=alert(1)>", False), ("???", False), ("<b></b> 👍", False),
    ("", False), ("19134", True), ("<b>need subs</b>", True), ("k", True), ("niño", True),
])
def test_a_message_with_no_letter_or_digit_outside_markup_has_nothing_to_read(text, readable):
    assert has_something_to_read(text) is readable


def test_a_message_with_nothing_to_read_is_not_understood_whatever_the_classifier_said():
    guessed = {"name": "inform", "confidence": 0.99}
    messages = [Message(data={TEXT: text, INTENT: dict(guessed), INTENT_RANKING_KEY: [dict(guessed)]})
                for text in ("🙂🙂🙂", "need subs")]
    UnreadableMessage().process(messages)
    assert messages[0].get(INTENT) == {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
    assert messages[0].get(INTENT_RANKING_KEY) == [{"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}]
    assert messages[1].get(INTENT) == guessed


def test_the_crisis_override_runs_last():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    names_in_order = [component["name"] for component in pipeline]
    assert names_in_order[-1] == "bot.nlu.crisis.CrisisOverride"
    # After every classifier, so no guess survives a message with nothing to read.
    unreadable = names_in_order.index("bot.nlu.unreadable.UnreadableMessage")
    assert unreadable > names_in_order.index("FallbackClassifier")
    assert "bot.nlu.entities.NavigatorEntityExtractor" in names_in_order
    diet = next(component for component in pipeline if component["name"] == "DIETClassifier")
    assert diet["entity_recognition"] is False


def test_the_nlu_figures_count_a_right_guess_below_the_fallback_as_not_understood(tmp_path, capsys):
    from nlu_figures import fallback_threshold, main

    threshold = fallback_threshold()

    def result(intent, predicted, confidence):
        return {"text": "x", "intent": intent, "intent_prediction": {"name": predicted, "confidence": confidence}}

    successes = [result("greet", "greet", threshold), result("greet", "greet", threshold - 0.01)]
    errors = [result("help", "greet", threshold + 0.1), result("help", "greet", 0.2)]
    (tmp_path / "intent_successes.json").write_text(json.dumps(successes))
    (tmp_path / "intent_errors.json").write_text(json.dumps(errors))
    main(tmp_path)
    assert "understood 1 (0.250), not understood 2 (0.500), wrong answer 1 (0.250)" in capsys.readouterr().out


# --- AveragedIntentClassifier: DIET's ranking averaged with a logistic regression's ------------


WORD_COLUMNS = ["hi", "thanks", "bye"]
INTENT_OF_WORD = {"hi": "greet", "thanks": "thank", "bye": "goodbye"}


def featurized(text: str, **data) -> Message:
    """A message with a bag-of-words sentence feature over WORD_COLUMNS, as the count featurizers give."""
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    counts = [[text.split().count(word) for word in WORD_COLUMNS]]
    message = Message(data={TEXT: text, **data})
    message.add_features(Features(coo_matrix(counts, dtype=float), FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    return message


@pytest.fixture
def averaging(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.intent_average import AveragedIntentClassifier

    storage = LocalModelStorage(tmp_path)
    resource = Resource("averaged")
    context = ExecutionContext(GraphSchema({}), "test")
    examples = [featurized(f"{word} {word}" if n % 2 else word, **{INTENT: INTENT_OF_WORD[word]})
                for word in WORD_COLUMNS for n in range(10)]
    trained = AveragedIntentClassifier.create({}, storage, resource, context)
    trained.train(TrainingData(examples))
    return trained, lambda: AveragedIntentClassifier.load({}, storage, resource, context)


def ranked(message: Message) -> dict[str, float]:
    return {r["name"]: r["confidence"] for r in message.get(INTENT_RANKING_KEY)}


def test_the_intent_is_the_top_of_both_classifiers_averaged(averaging):
    trained, _ = averaging
    # The first classifier leans the wrong way; the regression, sure of "bye", outweighs it.
    diet = [{"name": "thank", "confidence": 0.55}, {"name": "goodbye", "confidence": 0.45}]
    message = featurized("bye", **{INTENT: dict(diet[0]), INTENT_RANKING_KEY: diet})
    trained.process([message])
    regression = dict(zip(trained.regression.classes_, trained.regression.predict_proba(
        message.get_sparse_features(TEXT)[1].features.tocsr())[0]))
    assert regression["goodbye"] - regression["thank"] > 0.1  # enough to outweigh 0.55 vs 0.45
    assert message.get(INTENT)["name"] == "goodbye"
    assert ranked(message)["goodbye"] == pytest.approx((0.45 + regression["goodbye"]) / 2)
    assert ranked(message)["greet"] == pytest.approx(regression["greet"] / 2)
    assert message.get(INTENT)["confidence"] == max(ranked(message).values())


def test_a_loaded_model_ranks_as_the_trained_one(averaging):
    trained, load = averaging
    diet = [{"name": "greet", "confidence": 0.9}, {"name": "thank", "confidence": 0.1}]
    first, second = (featurized("hi thanks", **{INTENT_RANKING_KEY: list(diet)}) for _ in range(2))
    trained.process([first])
    load().process([second])
    assert ranked(second) == pytest.approx(ranked(first))


def test_a_model_file_with_foreign_types_is_not_loaded(averaging, tmp_path):
    import skops.io

    trained, load = averaging
    # A file made to hold a type outside scikit-learn: loading it could run that type's code.
    (model_file,) = tmp_path.rglob("regression.skops")
    skops.io.dump({"regression": trained.regression, "extra": Path(".")}, model_file)
    diet = [{"name": "thank", "confidence": 0.7}, {"name": "greet", "confidence": 0.3}]
    message = featurized("bye", **{INTENT: dict(diet[0]), INTENT_RANKING_KEY: list(diet)})
    load().process([message])
    assert message.get(INTENT) == diet[0] and message.get(INTENT_RANKING_KEY) == diet


def test_the_fallback_reads_the_averaged_ranking():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    names = [component["name"] for component in pipeline]
    averaged = names.index("bot.nlu.intent_average.AveragedIntentClassifier")
    assert names[averaged - 1] == "DIETClassifier" and names[averaged + 1] == "FallbackClassifier"
    # DIET's full ranking: an intent outside its top 10 would otherwise count as 0 in the average.
    assert pipeline[averaged - 1]["ranking_length"] == 0


@pytest.mark.parametrize("text, kept, dropped", [
    ("i dont want treatment just need narcan and test strips 60623", {"support", "location"}, {"need"}),
    ("not methadone, subs", {("medication", "buprenorphine")}, {("medication", "methadone")}),
    ("i dont need rehab i need subs", {"medication"}, {"setting"}),
    ("i dont have narcan", {"support"}, set()),
    ("no insurance", {"payment"}, set()),
])
def test_what_a_person_says_they_do_not_want_is_not_what_they_asked_for(finder, text, kept, dropped):
    found = {(e["entity"], e["value"]) for e in finder.find(text)}
    names = {entity for entity, _ in found} | found
    assert kept <= names and not (dropped & names)


@pytest.mark.parametrize("text, place", [
    ("im on methadone 90mg just moved to pittsburgh from columbus need to get dosed tomorrow", "pittsburgh"),
    ("i live in akron but im from cleveland", "akron"),
    ("headed to erie pa from buffalo", "erie pa"),
])
def test_where_someone_came_from_is_not_where_to_search(finder, text, place):
    assert [e["value"] for e in finder.find(text) if e["entity"] == "location"] == [place]


def test_a_place_someone_came_from_still_counts_when_it_is_the_only_one(finder):
    assert [e["value"] for e in finder.find("im from columbus") if e["entity"] == "location"] == ["columbus"]
