"""bot.vocabulary is the one place the conversation's taxonomy facts live: the domain, the
catalogue and the actions agree with it, and it turns slots into the filters a person meant."""
from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from bot import vocabulary
from bot.present import catalogue, domain
from providers import taxonomy

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain" / "navigator.yml").read_text(encoding="utf-8"))


def test_the_domain_declares_the_vocabularys_slot_values():
    for slot, values in vocabulary.SLOT_VALUES.items():
        assert DOMAIN["slots"][slot]["values"] == list(values), slot


def test_no_form_slot_takes_a_question_or_an_emergency_as_its_answer():
    for name, slot in DOMAIN["slots"].items():
        for mapping in slot["mappings"]:
            if mapping["type"] == "from_entity":
                expected = vocabulary.NOT_A_DETAIL if name in vocabulary.DETAIL_SLOTS else vocabulary.NOT_AN_ANSWER
                assert set(mapping["not_intent"]) == expected, name
    assert vocabulary.DETAIL_SLOTS <= set(DOMAIN["slots"])
    # An emergency never fills a slot, and neither does a question about the medicines themselves.
    assert {"crisis_overdose", "crisis_suicide", "ask_compare_medications"} <= vocabulary.NOT_A_DETAIL


def test_every_question_choice_and_offerable_intent_has_words_and_is_a_real_value():
    for slot, values in vocabulary.QUESTION_CHOICES.items():
        assert set(values) <= set(vocabulary.SLOT_VALUES[slot])
        assert [b["title"] for b in catalogue.question_buttons(slot)] == \
            [catalogue.text(f"choice_{slot}_{value}") for value in values]
    for intent in vocabulary.OFFERABLE_INTENTS:
        assert intent in DOMAIN["intents"] and catalogue.has(f"choice_{intent}")


def test_medication_families_come_from_the_taxonomys_parents():
    assert vocabulary.medication_family("buprenorphine_injectable") == "buprenorphine"
    assert vocabulary.medication_family("naltrexone_oral") == "naltrexone"
    assert vocabulary.medication_family("methadone") == "methadone"
    assert vocabulary.medication_family("any") is None and vocabulary.medication_family(None) is None
    assert vocabulary.MEDICATION_FAMILIES == ("methadone", "buprenorphine", "naltrexone")
    assert all(catalogue.has(f"about_{family}") for family in vocabulary.MEDICATION_FAMILIES)


def test_no_insurance_searches_every_way_to_pay_without_it():
    filters = vocabulary.filters_from_slots({"need": "treatment", "medication": "methadone", "payment": "uninsured"})
    assert filters.terms == {"need:treatment", "medication:methadone", "payment:self_pay", "payment:sliding_fee",
                             "payment:free", "payment:state_funded"}


def test_any_and_not_sure_narrow_nothing_and_unknown_values_are_dropped():
    filters = vocabulary.filters_from_slots({"need": "not_sure", "medication": "any", "setting": "any",
                                             "payment": "not_sure", "language": "klingon"})
    assert filters.terms == {"need:treatment"}


def test_a_harm_reduction_search_is_not_narrowed_by_treatment_answers():
    filters = vocabulary.filters_from_slots({"need": "harm_reduction", "support": "naloxone", "payment": "medicaid",
                                             "medication": "methadone", "language": "spanish"})
    assert filters.terms == {"need:harm_reduction", "support:naloxone", "language:spanish"}


def test_entities_become_terms_as_the_actions_read_them():
    assert vocabulary.entity_terms("payment", "uninsured") == vocabulary.PAYMENT_ALIASES["uninsured"]
    assert vocabulary.entity_terms("medication", "buprenorphine") == ("medication:buprenorphine",)
    assert vocabulary.entity_terms("medication", "any") == ()
    assert all(t in taxonomy.BY_ID for terms in vocabulary.PAYMENT_ALIASES.values() for t in terms)


def test_the_action_server_registers_exactly_the_domains_custom_actions():
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    assert set(executor.actions) == set(DOMAIN["actions"])  # no abstract base as "action_ask_None"


def test_the_domain_responses_are_the_catalogues():
    assert (ROOT / "domain" / "responses.yml").read_text(encoding="utf-8") == domain.render(), \
        "run `make domain` after changing bot/present/text/en.yml"
    responses = yaml.safe_load(domain.render())["responses"]
    assert all("{" not in r[0]["text"] for r in responses.values())  # no placeholder left for Rasa to fill
    assert "1-800-662-4357" in responses["utter_iamabot"][0]["text"]


def test_the_widgets_offline_note_names_the_seeds_helpline():
    # The widget's own note shows when the assistant cannot be reached, so it cannot ask the server:
    # its number is checked against the national-services seed instead.
    from bot.present import national

    widget = (ROOT / "bot" / "web" / "static" / "widget" / "widget.js").read_text(encoding="utf-8")
    assert national.numbers()["helpline"] in widget
