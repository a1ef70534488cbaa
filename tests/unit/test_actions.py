"""The custom actions, driven as the action server drives them: a rasa_sdk Tracker in, a
CollectingDispatcher's messages and the returned events out, on the real national registry."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import common
from bot.actions import search as search_actions
from bot.actions.clarify import ActionNotUnderstood
from bot.actions.common import filters_for, place_to_slot
from bot.actions.crisis import ActionCrisisFollowup
from bot.actions.explain import ActionExplainMedication, ActionExplainPrivacy, ActionForgetMe
from bot.actions.form import ActionAskLocation, ActionAskMedication, ValidateSearchForm
from bot.actions.search import (
    ActionAnswerOpenNow,
    ActionMoreResults,
    ActionNewSearch,
    ActionResultDetails,
    ActionSearchProviders,
    needs_a_door_now,
)
from bot.present import catalogue
from bot.rasa_server.channels import socketio_secure

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain")).as_dict()
SLOT_DEFAULTS = {name: slot.get("initial_value") for name, slot in DOMAIN["slots"].items()}


@pytest.fixture(autouse=True)
def actions_use_the_national_registry(national_registry, monkeypatch):
    monkeypatch.setattr(common, "registry", lambda: national_registry)


# What each channel says about itself on a message: the widget's channel says it shows cards.
CHANNEL_METADATA = {"socketio": socketio_secure.REPLY_CAPABILITIES.as_metadata()}


def tracker(text="", intent="inform", entities=(), channel="rest", active_loop=None, **slots) -> Tracker:
    """A tracker as the server sends it after the latest message: slots set by that message come
    as SlotSet events after it (the form validates those); `requested_slot` and derived slots
    were set before it."""
    values = dict(SLOT_DEFAULTS, **slots)
    set_by_message = [name for name in slots if name in ("need", "location", "medication", "payment", "setting",
                                                         "support", "population", "language", "access")]
    return Tracker(
        sender_id="test-sender", slots=values,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99},
                        "entities": [dict(e) for e in entities]},
        events=[{"event": "user", "text": text, "input_channel": channel,
                 "parse_data": {"intent": {"name": intent}, "entities": list(entities)},
                 "metadata": CHANNEL_METADATA.get(channel, {})}]
        + [{"event": "slot", "name": name, "value": values[name]} for name in set_by_message],
        paused=False, followup_action=None, active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def said(message: dict, key: str, **values) -> bool:
    """Whether a dispatched message is the catalogue's text for key."""
    return message.get("text") == catalogue.text(key, **values)


def entity(kind, value, text=None):
    return {"entity": kind, "value": value, "start": 0, "end": len(text or value)}


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, DOMAIN)
    return dispatcher.messages, events


def slots_of(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def searched_tracker(channel="rest", **slots):
    place = common.registry().geocode("19134").place
    values = dict(need="treatment", location=place.display_name, place=place_to_slot(place),
                  medication="buprenorphine", payment="medicaid")
    values.update(slots)
    return tracker("need subs near 19134", intent="find_treatment", channel=channel, **values)


# --- the form --------------------------------------------------------------------------------

async def test_one_message_with_place_medication_and_payment_fills_the_form_and_asks_nothing():
    t = tracker("need subs near 19134 i have medicaid", intent="find_treatment", active_loop="search_form",
                need="treatment", location="19134", medication="buprenorphine", payment="medicaid",
                entities=[entity("location", "19134"), entity("medication", "buprenorphine", "subs"),
                          entity("payment", "medicaid")])
    messages, events = await run(ValidateSearchForm(), t)
    slots = slots_of(events)
    assert slots["location"] == "Philadelphia, PA 19134"
    assert slots["place"]["precision"] == "zip"
    assert slots["requested_slot"] is None
    assert messages == []


async def test_a_numbered_reply_answers_the_question_asked():
    t = tracker("4", intent="result_details", active_loop="search_form", requested_slot="payment",
                need="treatment", location="Philadelphia, PA 19134", medication="methadone",
                entities=[entity("number", "4")])
    _, events = await run(ValidateSearchForm(), t)
    assert slots_of(events)["payment"] == "uninsured"


async def test_any_and_not_sure_are_answers():
    t = tracker("doesnt matter", intent="no_preference", active_loop="search_form", requested_slot="medication",
                need="treatment", location="Philadelphia, PA 19134")
    _, events = await run(ValidateSearchForm(), t)
    assert slots_of(events)["medication"] == "any"
    # With any medication, the kind of care is worth asking; with a named one it is not.
    assert "setting" in await ValidateSearchForm().required_slots([], None, tracker(medication="any",
                                                                                    need="treatment"), DOMAIN)
    assert "setting" not in await ValidateSearchForm().required_slots(
        [], None, tracker(medication="buprenorphine", need="treatment"), DOMAIN)

    t = tracker("idk", intent="not_sure", active_loop="search_form", requested_slot="medication",
                need="treatment", location="Philadelphia, PA 19134")
    messages, events = await run(ValidateSearchForm(), t)
    assert slots_of(events)["medication"] == "not_sure"
    assert len(messages) == 1 and said(messages[0], "medication_choices")


async def test_a_harm_reduction_search_asks_only_where():
    slots = await ValidateSearchForm().required_slots([], None, tracker(need="harm_reduction"), DOMAIN)
    assert slots == ["need", "location"]


async def test_a_medication_implies_the_need_for_treatment():
    t = tracker("bupe near 19134", intent="inform", active_loop="search_form", requested_slot="need",
                medication="buprenorphine", location="19134",
                entities=[entity("medication", "buprenorphine", "bupe"), entity("location", "19134")])
    _, events = await run(ValidateSearchForm(), t)
    assert slots_of(events)["need"] == "treatment"


async def test_an_emergency_during_the_form_is_not_taken_as_an_answer():
    t = tracker("hes not breathing we are at 19134", intent="crisis_overdose", active_loop="search_form",
                requested_slot="location", entities=[entity("location", "19134")])
    messages, events = await run(ValidateSearchForm(), t)
    assert (messages, events) == ([], [])


async def test_an_ambiguous_city_is_asked_back_with_candidates_and_a_number_picks_one():
    t = tracker("springfield", intent="inform", active_loop="search_form", requested_slot="location",
                need="harm_reduction", location="springfield", entities=[entity("location", "springfield")])
    _, events = await run(ValidateSearchForm(), t)
    slots = slots_of(events)
    assert slots["location"] is None and slots["location_problem"] == "ambiguous"
    candidates = slots["location_candidates"]
    assert {"Springfield, MO", "Springfield, MA", "Springfield, IL"} <= set(candidates)

    messages, _ = await run(ActionAskLocation(), tracker(**dict(slots, requested_slot="location")))
    assert said(messages[0], "ask_which_place", location="Springfield")
    assert messages[0]["text"].startswith("There's more than one Springfield.")
    assert [b["title"] for b in messages[0]["buttons"]] == candidates

    pick = candidates.index("Springfield, IL") + 1
    t = tracker(str(pick), intent="result_details", active_loop="search_form", requested_slot="location",
                need="harm_reduction", location_candidates=candidates, location_problem="ambiguous",
                entities=[entity("number", str(pick))])
    _, events = await run(ValidateSearchForm(), t)
    slots = slots_of(events)
    assert slots["location"] == "Springfield, IL" and slots["place"]["state"] == "IL"
    assert slots["location_candidates"] is None


@pytest.mark.parametrize("text, problem, reask", [
    ("xyzzyville", "not_found", "ask_where_again"),
    ("toronto", "outside_us", "ask_where_outside_us"),
    ("99999", "unknown_zip", "ask_where_bad_zip"),
])
async def test_a_place_that_cannot_be_used_gets_a_kind_reask(text, problem, reask):
    t = tracker(text, intent="inform", active_loop="search_form", requested_slot="location", need="treatment")
    _, events = await run(ValidateSearchForm(), t)
    slots = slots_of(events)
    assert slots["location"] is None and slots["location_problem"] == problem
    messages, _ = await run(ActionAskLocation(), tracker(**dict(slots, requested_slot="location")))
    assert said(messages[0], reask)


async def test_a_whole_state_is_asked_to_narrow_down():
    t = tracker("nevada", intent="inform", active_loop="search_form", requested_slot="location", need="treatment",
                entities=[entity("location", "nevada")], location="nevada")
    _, events = await run(ValidateSearchForm(), t)
    slots = slots_of(events)
    messages, _ = await run(ActionAskLocation(), tracker(**dict(slots, requested_slot="location")))
    assert messages[0]["text"] == "Nevada is a big place. What town or ZIP code are you near?"


# --- searching -------------------------------------------------------------------------------

async def test_results_are_three_numbered_listings_with_source_and_a_harm_reduction_line():
    messages, events = await run(ActionSearchProviders(), searched_tracker())
    (message,) = messages
    text = message["text"]
    assert re.match(r"Closest for buprenorphine( \(Suboxone\))? near Philadelphia, PA 19134:", text)
    blocks = text.split("\n\n")
    # What all three have in common is said once, under the intro that names the medication.
    # Medicaid said once for the page: known for all (the 2015 payment codes) or to ask each.
    assert blocks[0].splitlines()[1] in ("All have: Medicaid", "Ask each about: Medicaid")
    listings = [b for b in blocks if b[:2] in ("1.", "2.", "3.")]
    assert len(listings) == 3
    for block in listings:
        assert re.search(r" - \d+\.\d mi\n(Call \(?\d|No phone listed)", block)
    # One source line for the page, with the date its listings were checked.
    assert text.count("Source: ") == 1 and re.search(r"\((?:[A-Z][a-z]{2} )?\d{4}(?:-\d{4})?\)", blocks[-2])
    # New Jersey's syringe access programs are listed now: Camden's is the harm reduction nearby.
    assert any(b.startswith("Naloxone and supplies nearby: Camden Area Health Education Center") for b in blocks)
    assert blocks[-1] in ("Reply 1-3 for details, MORE for more, NEW to start over.",
                          "Reply 1-3: details. MORE: more. NEW: start over.")
    assert len(text) <= 480
    slots = slots_of(events)
    assert len(slots["results"]) == 3 and slots["searched"] is True


async def test_the_web_widget_gets_cards_with_tap_to_call_links():
    national = common.registry()
    place = national.geocode("22902").place  # Charlottesville: FindTreatment.gov listings have phones
    t = searched_tracker(channel="socketio", location=place.display_name, place=place_to_slot(place),
                         payment="any")
    messages, _ = await run(ActionSearchProviders(), t)
    (message,) = messages
    cards = message["custom"]
    assert cards["type"] == "listings" and len(cards["listings"]) == 3
    with_phone = [c for c in cards["listings"] if c["phone"]]
    assert with_phone and all(c["tel"].startswith("tel:+1") for c in with_phone)
    assert all(c["source"] and c["miles"] is not None for c in cards["listings"])
    # Buttons where SMS says "MORE" and "NEW"; each card has its own Details button in the widget.
    assert cards["buttons"] == [{"title": "More places", "payload": "/more_results"},
                                {"title": "New search", "payload": "/new_search"}]
    assert cards["footer"] == "Tap Details on a place to see more."


async def test_more_continues_the_numbering_and_details_say_what_to_say_when_calling():
    first_messages, first_events = await run(ActionSearchProviders(), searched_tracker())
    shown = slots_of(first_events)["results"]
    messages, events = await run(ActionMoreResults(), searched_tracker(results=shown, results_page=1.0,
                                                                       searched=True))
    text = messages[0]["text"]
    assert "\n\n4. " in text and "Reply 4-6" in text
    all_shown = slots_of(events)["results"]
    assert all_shown[:3] == shown and len(all_shown) == 6

    t = searched_tracker(results=all_shown, searched=True)
    t.latest_message = {"text": "5", "intent": {"name": "result_details"},
                        "entities": [entity("number", "5")]}
    messages, _ = await run(ActionResultDetails(), t)
    details = messages[0]["text"]
    fifth = common.registry().listing(all_shown[4])
    assert details.startswith(fifth.name) and fifth.address_line in details and "Source: " in details
    assert len(details) <= 320  # two SMS segments: what to say when calling is left out when it does not fit

    # The widget has room for all of it.
    t = searched_tracker(channel="socketio", results=all_shown, searched=True)
    t.latest_message = {"text": "5", "intent": {"name": "result_details"},
                        "entities": [entity("number", "5")]}
    messages, _ = await run(ActionResultDetails(), t)
    details = messages[0]["text"]
    assert details.startswith(fifth.name)
    assert "When you call, you can say: \"Hi, I'd like to start buprenorphine (Suboxone)." in details
    assert "Do you take Medicaid?" in details and "Source: " in details


async def test_details_without_results_or_with_a_wrong_number_ask_kindly():
    messages, _ = await run(ActionResultDetails(), tracker("2", intent="result_details"))
    assert said(messages[0], "no_results_yet")
    t = searched_tracker(results=["a", "b", "c"], searched=True)
    t.latest_message = {"text": "9", "intent": {"name": "result_details"}, "entities": []}
    messages, _ = await run(ActionResultDetails(), t)
    assert said(messages[0], "which_result")


async def test_far_from_everything_the_search_widens_and_says_so():
    place = common.registry().geocode("89049").place  # Tonopah, central Nevada
    t = searched_tracker(location=place.display_name, place=place_to_slot(place), payment="any")
    messages, _ = await run(ActionSearchProviders(), t)
    assert messages[0]["text"].startswith("Nothing within 25 miles. Closest for buprenorphine (Suboxone), "
                                          "within ")


async def test_a_widened_search_never_says_nothing_is_near_when_one_place_is():
    # Welch, WV: one buprenorphine place takes the uninsured within 25 miles, the next is 26 miles away.
    place = common.registry().geocode("welch wv 24801").place
    t = searched_tracker(location=place.display_name, place=place_to_slot(place), payment="uninsured")
    messages, _ = await run(ActionSearchProviders(), t)
    intro, first = messages[0]["text"].split("\n\n")[:2]
    # The whole header where there is room; on a full SMS page, a shorter one that is still true.
    # With a health center beside the listings (issue 18), the page may name only the place: its lines say the rest.
    assert intro.splitlines()[0] in ("Only one place within 25 miles has buprenorphine (Suboxone). Closest within "
                                     "50 mi of Welch, WV 24801:", "Closest for buprenorphine near Welch, WV 24801:",
                                     "Closest near Welch, WV 24801:")
    assert re.match(r"1\. .+ - 1\.0 mi$", first.splitlines()[0])


async def test_a_message_after_results_that_changes_nothing_does_not_search_again():
    shown = searched_tracker()
    _, events = await run(ActionSearchProviders(), shown)
    after = dict(shown.slots, **slots_of(events))
    # The form ran for a message that named nothing ("**bold** [link](...)"): as Rasa's form does
    # when it starts, it set every filled slot again, to the same values.
    unchanged = tracker("**bold** [link](javascript:alert(1))", intent="inform", **after)
    filled = [{"event": "slot", "name": name, "value": after[name]}
              for name in ("need", "location", "medication", "payment")]
    unchanged.events[:] = (filled + [{"event": "action", "name": "action_search_providers"}]
                           + [e for e in unchanged.events if e.get("event") != "slot"] + filled)
    messages, events = await run(ActionSearchProviders(), unchanged)
    assert [m.get("response") for m in messages] == ["utter_default"] and events == []
    # A detail that changed a slot searches again.
    changed = tracker("actually medicare", intent="inform", entities=[entity("payment", "medicare")],
                      **dict(after, payment="medicare"))
    changed.events[:0] = [{"event": "action", "name": "action_search_providers"}]
    messages, events = await run(ActionSearchProviders(), changed)
    assert "Medicare" in messages[0]["text"] and slots_of(events)["searched"] is True


async def test_harm_reduction_offers_what_works_anywhere_when_nothing_is_listed_nearby():
    t = searched_tracker(need="harm_reduction", support="naloxone", medication=None, payment=None)
    messages, _ = await run(ActionSearchProviders(), t)
    text = messages[0]["text"]
    assert "NEXT Distro" in text and "Naloxone nasal spray at pharmacies" in text
    assert "SAMHSA helpline 1-800-662-4357" in text


def test_filters_follow_the_need():
    uninsured = filters_for(tracker(need="treatment", medication="methadone", payment="uninsured"))
    assert {"payment:self_pay", "payment:sliding_fee", "payment:free", "medication:methadone"} <= uninsured.terms
    harm = filters_for(tracker(need="harm_reduction", payment="medicaid", medication="methadone",
                               support="naloxone"))
    assert harm.terms == {"need:harm_reduction", "support:naloxone"}


async def test_new_search_clears_everything():
    messages, events = await run(ActionNewSearch(), searched_tracker())
    assert events == [AllSlotsReset()] and said(messages[0], "start_over")


# --- questions and privacy -------------------------------------------------------------------

@pytest.mark.parametrize("intent, entities, slot, answer", [
    ("ask_what_is_medication", [entity("medication", "naltrexone_injectable", "vivitrol")], None, "about_naltrexone"),
    ("ask_how_to_start", [entity("medication", "buprenorphine", "bupe")], None, "how_to_start_buprenorphine"),
    ("ask_how_to_start", [], "methadone", "how_to_start_methadone"),
    ("ask_how_to_start", [], None, "how_to_start"),
])
async def test_medication_questions_get_the_answer_for_that_medication(intent, entities, slot, answer):
    messages, _ = await run(ActionExplainMedication(), tracker("?", intent=intent, entities=entities,
                                                               medication=slot))
    assert said(messages[0], answer)


@pytest.mark.parametrize("text, entities", [
    ("when do i take my first sub after fent", [entity("medication", "buprenorphine", "sub")]),
    ("how long do i wait after fentanyl to start", []),
])
async def test_starting_buprenorphine_after_fentanyl_gets_the_fentanyl_answer(text, entities):
    messages, _ = await run(ActionExplainMedication(), tracker(text, intent="ask_how_to_start", entities=entities))
    assert said(messages[0], "how_to_start_buprenorphine_after_fentanyl")
    assert "low-dose start" in messages[0]["text"] and "7-10 days" not in messages[0]["text"]


async def test_what_a_medication_is_without_naming_one_gets_all_three():
    messages, _ = await run(ActionExplainMedication(), tracker("what are the meds", intent="ask_what_is_medication"))
    assert messages[0]["response"] == "utter_about_medications"


async def test_what_is_kept_names_the_retention_window(monkeypatch):
    monkeypatch.setenv("NAVIGATOR_RETENTION_HOURS", "12")
    messages, _ = await run(ActionExplainPrivacy(), tracker())
    assert "delete it 12 hours after your last text" in messages[0]["text"]


async def test_forget_me_confirms_and_clears_the_conversation():
    messages, events = await run(ActionForgetMe(), searched_tracker(active_loop="search_form"))
    assert said(messages[0], "forgotten")
    assert events == [AllSlotsReset()]


async def test_recovery_support_stays_local_and_always_offers_what_works_from_anywhere():
    place = common.registry().geocode("21201").place  # Baltimore: no listed meetings within 50 miles
    t = searched_tracker(need="recovery_support", support="mutual_aid", medication=None, payment=None,
                         location=place.display_name, place=place_to_slot(place))
    messages, _ = await run(ActionSearchProviders(), t)
    text = messages[0]["text"]
    assert text.startswith("I don't have local listings for mutual-aid meetings (NA, SMART) near Baltimore, MD 21201")
    assert "doesn't mean there are none" in text
    assert "Narcotics Anonymous meeting finder" in text and "SMART Recovery meeting finder" in text
    assert " mi\n" not in text  # no far-away treatment center offered as a meeting


async def test_syringes_with_no_local_listing_say_the_listings_are_missing_and_give_the_national_map():
    # Chicago: no syringe program in the shipped files (Manhattan has New Jersey's, across the river).
    place = common.registry().geocode("60623").place
    t = searched_tracker(need="harm_reduction", support="syringe_services", medication=None, payment=None,
                         location=place.display_name, place=place_to_slot(place))
    messages, _ = await run(ActionSearchProviders(), t)
    text = messages[0]["text"]
    assert text.startswith(f"I don't have local listings for syringe services near {place.display_name}")
    assert "doesn't mean there are none" in text and "nasen.org/map" in text
    assert "couldn't find" not in text and "Which medication" not in text


async def test_needles_and_test_strips_with_no_local_listing_get_what_works_anywhere_for_both():
    place = common.registry().geocode("60623").place  # Chicago: Manhattan has New Jersey's syringe programs
    t = tracker("need needles and tiras in 60623", intent="find_harm_reduction",
                entities=[entity("support", "syringe_services", "needles"),
                          entity("support", "fentanyl_test_strips", "tiras"), entity("location", "60623")],
                need="harm_reduction", support="fentanyl_test_strips", medication=None, payment=None,
                location=place.display_name, place=place_to_slot(place))
    messages, _ = await run(ActionSearchProviders(), t)
    text = messages[0]["text"]
    assert "syringe services" in text.split("\n")[0] and "fentanyl test strips" in text.split("\n")[0]
    assert "nextdistro.org" in text and "nasen.org/map" in text


async def test_telehealth_results_say_few_are_listed_and_who_can_find_more():
    messages, _ = await run(ActionSearchProviders(), searched_tracker(setting="telehealth"))
    text = messages[0]["text"]
    assert "phone or video" in text.split("Source:")[0].split("3.")[-1] and "1-800-662-4357" in text


DAYTIME_IN_PHILADELPHIA = datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)  # noon in Philadelphia
NIGHT_IN_PHILADELPHIA = datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc)  # 2 am in Philadelphia


def test_it_is_night_where_the_person_is_not_where_the_server_is():
    place = common.registry().geocode("19134").place
    assert not needs_a_door_now(tracker("need subs 19134"), place, DAYTIME_IN_PHILADELPHIA)
    assert needs_a_door_now(tracker("need subs 19134"), place, NIGHT_IN_PHILADELPHIA)
    # Noon in Philadelphia is 9 am in Los Angeles, 7 am in Honolulu: still day there too.
    assert not needs_a_door_now(tracker("x"), common.registry().geocode("90012").place, DAYTIME_IN_PHILADELPHIA)


async def test_someone_who_needs_a_place_tonight_is_told_hours_are_unknown_and_what_is_open_24_7(monkeypatch):
    monkeypatch.setattr(search_actions, "needs_a_door_now", lambda tracker, place: True)
    messages, _ = await run(ActionSearchProviders(), searched_tracker())
    text = messages[0]["text"]
    assert ("Hours aren't listed" in text or "No hours listed" in text) and "1-800-662-4357" in text and "ERs" in text


async def test_by_day_with_no_rush_the_results_carry_no_hours_line(monkeypatch):
    monkeypatch.setattr(search_actions, "needs_a_door_now", lambda tracker, place: False)
    messages, _ = await run(ActionSearchProviders(), searched_tracker())
    assert "Hours aren't listed" not in messages[0]["text"]


async def test_is_anywhere_open_near_a_zip_says_hours_are_unknown_then_searches_there():
    t = tracker("is anywhere open rn near 60623", intent="ask_open_now", entities=[entity("location", "60623")])
    messages, events = await run(ActionAnswerOpenNow(), t)
    assert messages[0]["response"] == "utter_open_now"
    assert slots_of(events) == {"location": "60623"}
    assert any(e.get("event") == "followup" and e.get("name") == "search_form" for e in events)


async def test_is_anything_open_without_a_place_only_answers():
    messages, events = await run(ActionAnswerOpenNow(), tracker("is anything open right now", intent="ask_open_now"))
    assert messages[0]["response"] == "utter_open_now" and events == []


async def test_several_ways_of_paying_read_as_one_question():
    messages, _ = await run(ActionSearchProviders(), searched_tracker(payment="uninsured"))
    text = messages[0]["text"]
    assert "payment options" in text and "sliding fee" not in text


# --- when the classifier is unsure -------------------------------------------------------------


def unsure_tracker(text, ranking, entities=()):
    """After a message the fallback caught: the classifier's ranking under nlu_fallback."""
    t = tracker(text, intent="nlu_fallback", entities=entities)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.7}] + [
        {"name": name, "confidence": confidence} for name, confidence in ranking]
    return t


def after_the_menu(unsure: Tracker, reply: str, number_entity: bool = True) -> Tracker:
    """The unsure message, the menu, then the person's numbered reply, as the server sends it."""
    entities = [entity("number", reply)] if number_entity else []
    return Tracker(
        sender_id="test-sender", slots=dict(SLOT_DEFAULTS),
        latest_message={"text": reply, "intent": {"name": "result_details", "confidence": 0.97}, "entities": entities},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": unsure.latest_message["text"], "input_channel": "twilio",
             "parse_data": unsure.latest_message},
            {"event": "action", "name": "action_not_understood"},
            {"event": "bot", "text": catalogue.text("did_you_mean")},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": reply, "input_channel": "twilio", "parse_data": {"entities": entities}},
        ],
        paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


SICK_NEED_BUPE = unsure_tracker("im sick as hell need bupe now",
                                [("find_treatment", 0.55), ("ask_how_to_start", 0.25), ("greet", 0.1)],
                                [entity("medication", "buprenorphine", "bupe")])


async def test_an_unsure_message_gets_its_best_guesses_as_numbered_choices_keeping_what_it_named():
    messages, events = await run(ActionNotUnderstood(), SICK_NEED_BUPE)
    assert said(messages[0], "did_you_mean") and events == []
    assert messages[0]["buttons"] == [
        {"title": "Find buprenorphine (Suboxone) near me", "payload": '/find_treatment{"medication": "buprenorphine"}'},
        {"title": "How to start buprenorphine (Suboxone)", "payload": '/ask_how_to_start{"medication": "buprenorphine"}'},
    ]


async def test_unsure_only_between_two_searches_it_searches_for_everything_named_without_a_menu():
    unsure = unsure_tracker("narcan and maybe subs 15213", [("find_harm_reduction", 0.5), ("inform", 0.4)],
                            [entity("support", "naloxone", "narcan"), entity("medication", "buprenorphine", "subs"),
                             entity("location", "15213")])
    messages, events = await run(ActionNotUnderstood(), unsure)
    assert messages == [] and [e["event"] for e in events] == ["rewind", "action", "user"]
    replayed = events[2]["parse_data"]
    # A medication named beside naloxone: the treatment search, whose page carries naloxone.
    assert replayed["intent"]["name"] == "inform"
    assert {(e["entity"], e["value"]) for e in replayed["entities"]} == {
        ("support", "naloxone"), ("medication", "buprenorphine"), ("location", "15213")}


async def test_gibberish_and_small_talk_guesses_get_the_plain_reply():
    for ranking in ([("find_treatment", 0.12), ("help", 0.1)], [("greet", 0.6), ("thanks", 0.3)]):
        messages, _ = await run(ActionNotUnderstood(), unsure_tracker("asdfghjkl", ranking))
        assert messages[0]["response"] == "utter_default" and not messages[0]["buttons"]


async def test_a_number_right_after_the_menu_says_that_choice_instead():
    _, events = await run(ActionResultDetails(), after_the_menu(SICK_NEED_BUPE, "1"))
    assert [e["event"] for e in events] == ["rewind", "action", "user"]
    assert events[1]["name"] == "action_listen"
    replayed = events[2]
    assert replayed["text"] == '/find_treatment{"medication": "buprenorphine"}'
    assert replayed["parse_data"]["intent"] == {"name": "find_treatment", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in replayed["parse_data"]["entities"]] == [("medication", "buprenorphine")]
    assert replayed["input_channel"] == "twilio"
    _, events = await run(ActionResultDetails(), after_the_menu(SICK_NEED_BUPE, "2", number_entity=False))
    assert events[2]["parse_data"]["intent"]["name"] == "ask_how_to_start"


async def test_a_number_not_on_the_menu_or_not_after_it_means_a_result_as_before():
    messages, events = await run(ActionResultDetails(), after_the_menu(SICK_NEED_BUPE, "3"))
    assert events == [] and said(messages[0], "no_results_yet")
    # The person said something else after the menu; a number now is about results again.
    later = after_the_menu(SICK_NEED_BUPE, "1")
    later.events[-1:-1] = [
        {"event": "user", "text": "where do i get subs", "parse_data": {
            "intent": {"name": "find_treatment", "confidence": 0.98},
            "intent_ranking": [{"name": "find_treatment", "confidence": 0.98}]}},
        {"event": "action", "name": "search_form"},
        {"event": "action", "name": "action_listen"}]
    messages, events = await run(ActionResultDetails(), later)
    assert events == [] and said(messages[0], "no_results_yet")


# --- after a crisis reply ------------------------------------------------------------------------


@pytest.mark.parametrize("text, key", [
    ("i dont have narcan what do i do", "crisis_no_naloxone"),
    ("no tengo narcan", "crisis_no_naloxone"),
    ("he woke up", "crisis_woke_up"),
    ("shes breathing again", "crisis_woke_up"),
    ("ok the ambulance is here", "crisis_help_arrived"),
    ("what now", "crisis_still_there"),
    ("we have narcan", "crisis_give_naloxone"),
    ("found the narcan in her bag", "crisis_give_naloxone"),
    ("i gave him narcan and hes still not waking up", "crisis_still_there"),
    ("hes not breathing", "crisis_still_there"),
    ("hes in withdrawal now and pissed", "crisis_woke_up"),
    ("i called 911", "crisis_called_911"),
])
async def test_after_the_overdose_steps_the_assistant_answers_what_happens_next(text, key):
    messages, events = await run(ActionCrisisFollowup(), tracker(text, intent="nlu_fallback", crisis="overdose"))
    assert [m["text"] for m in messages] == [catalogue.text(key)] and events == []


async def test_after_the_overdose_steps_a_medication_named_goes_back_to_the_search_and_a_question_is_answered():
    _, events = await run(ActionCrisisFollowup(), tracker("ok back to the bup places", intent="affirm", crisis="overdose",
                                                          entities=[entity("medication", "buprenorphine", "bup")]))
    assert slots_of(events) == {"crisis": None}
    assert any(e.get("event") == "followup" and e.get("name") == "search_form" for e in events)
    messages, events = await run(ActionCrisisFollowup(), tracker("how do i start subs", intent="ask_how_to_start",
                                                                 crisis="overdose"))
    assert messages == [] and events[-1].get("name") == "action_explain_medication"


async def test_how_to_use_naloxone_during_an_overdose_gets_give_it_now():
    messages, _ = await run(ActionCrisisFollowup(), tracker("how do i use it", intent="ask_naloxone_use",
                                                            crisis="overdose"))
    assert said(messages[0], "crisis_give_naloxone")


async def test_after_a_988_reply_a_no_gets_warmth_and_988_again():
    messages, _ = await run(ActionCrisisFollowup(), tracker("no", intent="deny", crisis="suicide"))
    assert said(messages[0], "crisis_stay_with_me") and "988" in messages[0]["text"]


async def test_asking_for_naloxone_after_the_crisis_goes_back_to_the_search():
    _, events = await run(ActionCrisisFollowup(), tracker("where can i get narcan near 08102", intent="find_harm_reduction",
                                                          crisis="overdose"))
    assert slots_of(events) == {"crisis": None}
    assert any(e.get("event") == "followup" and e.get("name") == "search_form" for e in events)


# --- no question three times -----------------------------------------------------------------------


def asked(slot: str, times: int) -> list[dict]:
    return [{"event": "bot", "text": catalogue.text(f"ask_{slot}")} for _ in range(times)]


async def test_a_methadone_clinic_is_a_request_for_methadone():
    t = tracker("methadone clinic in pittsburgh pa", intent="find_treatment", active_loop="search_form",
                entities=[entity("setting", "otp", "methadone clinic"), entity("location", "pittsburgh pa")],
                need="treatment", setting="otp", location="pittsburgh pa")
    _, events = await run(ValidateSearchForm(), t)
    assert slots_of(events)["medication"] == "methadone"


async def test_an_answer_about_something_else_after_two_asks_goes_ahead_and_says_so():
    t = tracker("we have medicaid", entities=[entity("payment", "medicaid")], active_loop="search_form",
                requested_slot="medication", need="treatment", location="Pittsburgh, PA", payment="medicaid")
    t.events[:0] = asked("medication", 2)
    messages, events = await run(ValidateSearchForm(), t)
    assert said(messages[0], "going_ahead_medication") and slots_of(events)["medication"] == "any"
    once = tracker("we have medicaid", entities=[entity("payment", "medicaid")], active_loop="search_form",
                   requested_slot="medication", need="treatment", location="Pittsburgh, PA", payment="medicaid")
    once.events[:0] = asked("medication", 1)
    _, events = await run(ValidateSearchForm(), once)
    assert "medication" not in slots_of(events)  # asked once: it will be asked again


async def test_a_third_ask_after_questions_goes_ahead_and_asks_what_is_still_missing():
    t = tracker("whats the first visit like", intent="ask_first_visit", active_loop="search_form",
                requested_slot="medication", need="treatment", location="Pittsburgh, PA")
    t.events[:0] = asked("medication", 2)
    messages, events = await run(ActionAskMedication(), t)
    assert [m["text"] for m in messages] == [catalogue.text("going_ahead_medication"), catalogue.text("ask_payment")]
    assert slots_of(events) == {"medication": "any", "requested_slot": "payment"}


async def test_a_place_asked_twice_is_asked_again_with_the_helpline():
    t = tracker("idk", intent="nlu_fallback", active_loop="search_form", requested_slot="location", need="treatment")
    t.events[:0] = [{"event": "bot", "text": catalogue.text("ask_where")}] * 2
    messages, _ = await run(ActionAskLocation(), t)
    assert said(messages[0], "ask_where_or_helpline") and "1-800-662-4357" in messages[0]["text"]


async def test_a_medication_beside_naloxone_is_a_treatment_search_and_naloxone_alone_is_harm_reduction():
    mixed = tracker("narcan and maybe subs", intent="find_harm_reduction", active_loop="search_form",
                    entities=[entity("support", "naloxone", "narcan"), entity("medication", "buprenorphine", "subs")])
    _, events = await run(ValidateSearchForm(), mixed)
    assert slots_of(events)["need"] == "treatment"
    alone = tracker("narcan in camden, i have medicaid", intent="find_harm_reduction", active_loop="search_form",
                    entities=[entity("support", "naloxone", "narcan"), entity("payment", "medicaid")])
    _, events = await run(ValidateSearchForm(), alone)
    assert slots_of(events)["need"] == "harm_reduction"


# --- health centers: a tier of their own (issue 18) -------------------------------------------

def hrsa_row(name: str) -> dict:
    """The HRSA file's row for a health center, as shipped."""
    import csv

    from providers.importers.directories import HRSA_FILE
    with HRSA_FILE.open(encoding="utf-8") as f:
        return next(row for row in csv.DictReader(f) if row["name"].lower() == name.lower())


async def test_a_rural_zip_with_few_buprenorphine_places_near_gets_a_health_center_line_with_its_phone():
    place = common.registry().geocode("57501").place  # Pierre, SD: the nearest buprenorphine place is 100+ miles
    t = searched_tracker(location=place.display_name, place=place_to_slot(place), payment="any")
    messages, events = await run(ActionSearchProviders(), t)
    text = messages[0]["text"]
    line = next(b for b in text.split("\n\n") if "ealth center (sliding fee" in b)
    assert line in ("Community health center (sliding fee; many prescribe buprenorphine, call to ask): Oahe Valley "
                    "Health Center, 2.6 mi, (605) 223-2200.",
                    "Health center (sliding fee; may prescribe bupe, call to ask): Oahe Valley Health Center, 2.6 mi, "
                    "(605) 223-2200.",
                    "Health center (sliding fee; ask about bupe): Oahe Valley Health Center, 2.6 mi, (605) 223-2200.")
    assert re.sub(r"\D", "", hrsa_row("Oahe Valley Health Center")["phone"]) == "6052232200"
    assert "HRSA" in text.split("Source: ")[1]  # the page says where the health center came from
    assert len(text) <= 480
    # Not a numbered place: the numbers pick buprenorphine listings only.
    shown = slots_of(events)["results"]
    assert len(shown) == 3 and all("medication:buprenorphine" in common.registry().listing(i).terms for i in shown)


async def test_the_web_widget_gets_the_health_center_as_its_own_line_not_a_card():
    place = common.registry().geocode("57501").place
    t = searched_tracker(channel="socketio", location=place.display_name, place=place_to_slot(place), payment="any")
    messages, _ = await run(ActionSearchProviders(), t)
    cards = messages[0]["custom"]
    (center, *_) = cards["health_centers"]
    assert center["name"] == "Oahe Valley Health Center" and center["tel"] == "tel:+16052232200"
    assert center["line"].startswith("Community health center (sliding fee; many prescribe buprenorphine, call to ask)")
    assert center["name"] not in {c["name"] for c in cards["listings"]}


async def test_a_city_zip_with_many_buprenorphine_places_gets_no_health_center_line():
    messages, _ = await run(ActionSearchProviders(), searched_tracker(payment="any"))  # Philadelphia 19134
    assert "health center (sliding fee" not in messages[0]["text"].lower()
    messages, _ = await run(ActionSearchProviders(), searched_tracker(channel="socketio", payment="any"))
    assert messages[0]["custom"]["health_centers"] == []
