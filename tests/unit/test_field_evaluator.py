"""The field report's evaluator (tests/field_report.py) on hand-made replies: each expectation kind
passing and failing, the global checks, and the corpora's own consistency."""
from __future__ import annotations

import yaml

from field_report import (FILES, Conversation, Listed, Reply, Turn, asked_slots, evaluate_conversation,
                          evaluate_turn, load_conversations, parse_listings, required_terms)
from crisis_report import FILES as CRISIS_FILES
from providers import taxonomy

TREATMENT_BUP = {"need:treatment", "medication:buprenorphine"}
OTP = {"need:treatment", "medication:methadone", "setting:otp", "setting:outpatient"}
LOCATOR_METHADONE = {"need:treatment", "medication:methadone"}  # listed methadone, not a certified OTP


class FakeResolver:
    def __init__(self) -> None:
        self.names = {"kensington clinic": [TREATMENT_BUP], "river otp": [OTP], "old locator site": [LOCATOR_METHADONE],
                      "chain health": [TREATMENT_BUP, LOCATOR_METHADONE]}
        self.ids = {"id-otp": OTP}

    def by_id(self, listing_id):
        return self.ids.get(listing_id)

    def by_name(self, name):
        return self.names.get(name.lower().strip(), [])

    def virtual(self):
        return {"NEXT Distro": {"need:harm_reduction", "support:naloxone", "support:fentanyl_test_strips"},
                "SAMHSA National Helpline": {"need:treatment", "support:helpline"}}


RESOLVER = FakeResolver()

ASK_PAYMENT = "How would you pay? It's OK if you don't have insurance.\n1) Medicaid\n2) No insurance"
ASK_MEDICATION = "Which medication? Any is fine.\n1) Buprenorphine (Suboxone)\n2) Methadone"
ASK_WHERE = "What ZIP code or town are you near? I only use it to find places close by."
BUP_RESULTS = ("Closest for buprenorphine (Suboxone) near Philadelphia, PA 19134:\n\n"
               "1. Kensington Clinic - 0.4 mi\nNo phone listed\nHas: buprenorphine (Suboxone)\n\n"
               "2. Chain Health - 3.1 mi\nCall 215-555-0100\n\nReply 1-2 for details, NEW to start over.")


def failed(expect: dict, *messages: str, cards=None) -> list[str]:
    return [f.kind for f in evaluate_turn(expect, Reply(list(messages), cards or []), RESOLVER)]


def test_crisis_needs_the_number_in_the_first_message():
    assert failed({"crisis": "overdose"}, "If someone may be overdosing, call 911 now.", "Give naloxone.") == []
    assert failed({"crisis": "overdose"}, "Which medication?", "Call 911 now.") == ["crisis"]
    assert failed({"crisis": "suicide"}, "Please call or text 988 now.") == []
    assert failed({"crisis": "distress"}, "That sounds hard. I'm here.") == ["crisis"]
    assert failed({"crisis": "overdose"}) == ["crisis"]  # no reply at all


def test_asks_and_not_asked_read_the_form_questions():
    assert failed({"asks": "payment"}, ASK_PAYMENT) == []
    assert failed({"asks": "location"}, ASK_PAYMENT) == ["asks"]
    assert failed({"not_asked": ["medication", "location"]}, ASK_PAYMENT) == []
    assert failed({"not_asked": ["medication"]}, ASK_MEDICATION) == ["not_asked"]
    assert failed({"not_asked": ["location"]}, "I couldn't find that place. Try a 5-digit ZIP code.") == ["not_asked"]
    assert asked_slots(["What are you looking for? Reply with a number or in your own words."]) == {"need"}
    assert asked_slots(["What kind of care would work for you?"]) == {"setting"}


def test_a_statement_or_a_quoted_call_script_is_not_a_question():
    script = 'When you call, you can say: "Hi, I\'d like to start methadone. Do you take private insurance?"'
    assert asked_slots([script]) == set()
    assert asked_slots(["Sorry, I didn't get that. You can send a ZIP code, or text HELP."]) == set()
    assert asked_slots([BUP_RESULTS]) == set()


def test_lists_passes_when_every_numbered_listing_offers_it():
    assert failed({"lists": {"need": "treatment", "medication": "buprenorphine", "within_miles": 25}},
                  BUP_RESULTS) == []


def test_lists_fails_on_a_listing_that_does_not_offer_it_or_is_too_far():
    methadone = "1. River OTP - 2.0 mi\n\n2. Old Locator Site - 3.0 mi"
    assert failed({"lists": {"need": "treatment", "medication": "methadone"}}, methadone) == ["lists"]
    assert failed({"lists": {"need": "treatment", "medication": "methadone"}}, "1. River OTP - 2.0 mi") == []
    assert failed({"lists": {"need": "treatment", "medication": "buprenorphine", "within_miles": 1}},
                  BUP_RESULTS) == ["lists"]


def test_lists_fails_without_registry_listings_buttons_and_questions_are_not_listings():
    assert failed({"lists": {"need": "treatment", "medication": "buprenorphine"}}, ASK_MEDICATION) == ["lists"]
    assert failed({"lists": {"need": "treatment"}}, "1. A Place Nobody Listed - 1.0 mi") == ["lists"]


def test_lists_counts_a_nationwide_service_named_in_the_text_and_web_cards_by_id():
    text = "I don't have naloxone (Narcan) listed near Omaha, NE. These work from anywhere:\n\nNEXT Distro: go online."
    assert failed({"lists": {"need": "harm_reduction", "support": "naloxone", "within_miles": 50}}, text) == []
    helpline_only = "Help finding more: SAMHSA National Helpline 1-800-662-4357."
    assert failed({"lists": {"need": "harm_reduction", "support": "naloxone"}}, helpline_only) == ["lists"]
    card = [Listed(1, "a name the registry does not have", 1.2, "id-otp")]
    assert failed({"lists": {"need": "treatment", "medication": "methadone"}}, "Closest:", cards=card) == []
    far = [Listed(1, "x", 40.0, "id-otp")]
    assert failed({"lists": {"medication": "methadone", "within_miles": 25}}, "Closest:", cards=far) == ["lists"]


def test_methadone_means_a_certified_program():
    assert required_terms({"medication": "methadone"}) == {"medication:methadone", "setting:otp"}


def test_parse_listings_reads_miles_in_either_style():
    assert parse_listings("1. Kensington Clinic - 0.4 mi\nCall 215\n2) River OTP (12 mi)\n3. NEXT Distro") == [
        Listed(1, "Kensington Clinic", 0.4), Listed(2, "River OTP", 12.0), Listed(3, "NEXT Distro", None)]


def test_mentions():
    reply = "Never Use Alone: 1-800-484-3731. Your tolerance is lower after jail. Narcan works."
    assert failed({"mentions_any": ["tolerance", "nope"]}, reply) == []
    assert failed({"mentions_any": ["nope", "nada"]}, reply) == ["mentions_any"]
    assert failed({"mentions_all": ["TOLERANCE", "naloxone|narcan"]}, reply) == []
    assert failed({"mentions_all": ["tolerance", "naloxone|nasal"]}, reply) == ["mentions_all"]
    assert failed({"not_mentions": ["didn't get that"]}, reply) == []
    assert failed({"not_mentions": ["didn't get that"]}, "Sorry, I didn\u2019t get that.") == ["not_mentions"]


def test_max_chars_counts_the_whole_turn():
    assert failed({"max_chars": 20}, "short", "also short") == []
    assert failed({"max_chars": 20}, "a" * 15, "b" * 15) == ["max_chars"]


def conversation(channel: str, *expects: dict) -> Conversation:
    return Conversation("kind-01", "someone", channel, "dev", [Turn(f"message {i}", e) for i, e in enumerate(expects)])


def test_a_question_asked_in_three_turns_fails_once_and_twice_is_fine():
    replies = [Reply([ASK_PAYMENT]), Reply(["Sorry, I didn't get that.", ASK_PAYMENT]), Reply([ASK_PAYMENT])]
    failures, checks = evaluate_conversation(conversation("sms", {}, {}, {}), replies, RESOLVER)
    assert [(f.kind, f.turn) for f in failures] == [("repeat_question", 2)]
    failures, _ = evaluate_conversation(conversation("sms", {}, {}), replies[:2], RESOLVER)
    assert failures == []


def test_not_understood_on_a_crisis_turn_is_a_failure_of_its_own():
    replies = [Reply(["Call 911 now.", "Sorry, I didn't get that."])]
    failures, checks = evaluate_conversation(conversation("sms", {"crisis": "overdose"}), replies, RESOLVER)
    assert [f.kind for f in failures] == ["sorry_on_crisis"] and checks["sorry_on_crisis"] == 1


def test_sms_wording_fails_only_on_the_web():
    replies = [Reply(["What are you looking for? Reply with a number or in your own words."]),
               Reply(["Reply 1-3 for details, or text HELP."])]
    failures, _ = evaluate_conversation(conversation("web", {}, {}), replies, RESOLVER)
    assert [(f.kind, f.turn) for f in failures] == [("web_wording", 0), ("web_wording", 1)]
    failures, _ = evaluate_conversation(conversation("sms", {}, {}), replies, RESOLVER)
    assert failures == []


# --- the corpora themselves -----------------------------------------------------------------------

def test_the_field_corpus_is_consistent():
    conversations = {name: load_conversations(path) for name, path in FILES.items()}
    ids = [c.id for cs in conversations.values() for c in cs]
    assert len(ids) == len(set(ids)) and len(ids) >= 110
    assert 25 <= len(conversations["holdout"]) <= 40
    for name, cs in conversations.items():
        for c in cs:
            assert c.split == name and c.channel in ("sms", "web") and c.turns, c.id
            for turn in c.turns:
                e = turn.expect
                assert e.get("crisis", "overdose") in ("overdose", "suicide", "distress"), c.id
                assert set(e.get("not_asked", [])) | ({e["asks"]} if "asks" in e else set()) <= {
                    "medication", "payment", "need", "location", "setting"}, c.id
                for term in required_terms(e.get("lists", {})):
                    assert term in taxonomy.BY_ID, (c.id, term)


def test_the_crisis_corpus_is_consistent():
    parts = {name: yaml.safe_load(path.read_text(encoding="utf-8"))["messages"] for name, path in CRISIS_FILES.items()}
    texts = {name: [m["text"] for m in messages] for name, messages in parts.items()}
    every = texts["dev"] + texts["holdout"]
    assert len(every) == len(set(every)), "no exact duplicates, none in both files"
    items = parts["dev"] + parts["holdout"]
    assert all(m["kind"] in ("overdose", "suicide", "distress", "negative") and m["lang"] in ("en", "es")
               for m in items)
    crisis = [m for m in items if m["kind"] in ("overdose", "suicide")]
    assert len(crisis) >= 210 and sum(m["lang"] == "es" for m in crisis) >= 45
    assert sum(m["kind"] == "distress" for m in items) >= 25
    negatives = [m for m in items if m["kind"] == "negative"]
    assert len(negatives) >= 310 and sum(m["lang"] == "es" for m in negatives) >= 40
