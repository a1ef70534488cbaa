"""Reporting a wrong place (issue 18), as a person does it: "WRONG 2" after results gets a one-line
menu of reasons (buttons on the widget), the reply is stored with the channel and the day and
nothing about the person, and a place people say is closed carries a warning everywhere it is shown."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import inspect, select

from bot import vocabulary
from bot.actions import common
from bot.actions.clarify import ActionNotUnderstood
from bot.actions.common import place_to_slot
from bot.actions.report import ActionReportProblem, reason_in
from bot.actions.search import PAGE_SIZE, ActionResultDetails
from bot.present import catalogue, channels, listings, sms
from bot.present.cards import listing_card, page_cards
from bot.rasa_server.channels import socketio_secure
from providers.models import ListingReport
from providers.registry import Registry

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain")).as_dict()
SLOT_DEFAULTS = {name: slot.get("initial_value") for name, slot in DOMAIN["slots"].items()}
CHANNEL_METADATA = {"socketio": socketio_secure.REPLY_CAPABILITIES.as_metadata()}
INPUT_CHANNEL = {"sms": "twilio", "web": "socketio", "rest": "rest"}


@pytest.fixture
def registry(national_registry, tmp_path, monkeypatch) -> Registry:
    """A copy of the national registry for this test: reports written here touch no other test."""
    copy = tmp_path / "registry.db"
    shutil.copy(national_registry.engine.url.database, copy)
    registry = Registry(f"sqlite:///{copy}")
    monkeypatch.setattr(common, "registry", lambda: registry)
    yield registry
    registry.engine.dispose()


def results_near_19134(registry: Registry) -> tuple[dict, list[str]]:
    place = registry.geocode("19134").place
    slots = dict(need="treatment", location=place.display_name, place=place_to_slot(place),
                 medication="buprenorphine", payment="medicaid", searched=True)
    found = registry.searcher.search(place, vocabulary.filters_from_slots(slots), page_size=PAGE_SIZE)
    return slots, [r.id for r in found.results]


def user(text: str, intent: str, entities=(), channel="sms") -> dict:
    return {"event": "user", "text": text, "input_channel": INPUT_CHANNEL[channel],
            "parse_data": {"intent": {"name": intent}, "entities": list(entities)},
            "metadata": CHANNEL_METADATA.get(INPUT_CHANNEL[channel], {})}


def tracker(text: str, intent: str, entities=(), channel="sms", before=(), **slots) -> Tracker:
    """A tracker after the latest message; `before` are the events of earlier turns."""
    return Tracker(
        sender_id="test-sender", slots=dict(SLOT_DEFAULTS, **slots),
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99},
                        "entities": [dict(e) for e in entities]},
        events=[*before, user(text, intent, entities, channel)], paused=False, followup_action=None,
        active_loop={}, latest_action_name="action_listen")


def number(value: str) -> dict:
    return {"entity": "number", "value": value, "start": 0, "end": 1}


def after_menu(number_asked: int, channel="sms") -> list[dict]:
    """The events of a turn that ended with the reason menu for result `number_asked`."""
    return [user(f"WRONG {number_asked}", "report_problem", [number(str(number_asked))], channel),
            {"event": "action", "name": "action_report_problem"},
            {"event": "bot", "text": "(the menu)"},
            {"event": "slot", "name": "report_listing", "value": float(number_asked)},
            {"event": "action", "name": "action_listen"}]


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, DOMAIN)
    return dispatcher.messages, events


def reports(registry: Registry) -> list[ListingReport]:
    with registry.Session() as session:
        return list(session.execute(select(ListingReport)).scalars())


def slots_of(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_wrong_2_by_sms_gets_a_one_sms_menu_then_closed_is_stored_with_sms_and_thanks(registry):
    slots, shown = results_near_19134(registry)
    messages, events = await run(ActionReportProblem(),
                                 tracker("WRONG 2", "report_problem", [number("2")], results=shown, **slots))
    name = registry.listing(shown[1]).name
    [menu] = messages
    assert menu["text"].startswith("What is wrong with 2 (") and name[:20] in menu["text"]
    assert menu["text"].endswith("Reply CLOSED, PHONE, ADDRESS, NOT OFFERED or OTHER.")
    assert sms.segments(menu["text"]) == 1 and sms.is_gsm7(menu["text"])
    assert menu["buttons"] == []  # SMS shows the words, not numbered buttons
    assert slots_of(events) == {"report_listing": 2.0}
    assert reports(registry) == []  # nothing stored before the reason

    messages, events = await run(ActionReportProblem(), tracker("closed", "report_reason", results=shown,
                                                                report_listing=2.0, before=after_menu(2), **slots))
    assert [m["text"] for m in messages] == [catalogue.text("report_thanks")]
    assert sms.segments(messages[0]["text"]) == 1
    assert slots_of(events) == {"report_listing": None}
    [report] = reports(registry)
    assert (report.listing_id, report.reason, report.channel, report.term) == (shown[1], "closed", "sms", None)


@pytest.mark.parametrize("text, entities, reason, term", [
    ("the phone for 1 is wrong", [number("1")], "wrong_phone", None),
    ("number 1 is closed", [number("1")], "closed", None),
    ("the address for 1 is wrong", [number("1")], "wrong_address", None),
    ("1 doesnt have methadone", [number("1"), {"entity": "medication", "value": "methadone", "start": 13,
                                                "end": 22}], "not_offered", "medication:methadone"),
])
async def test_a_report_that_says_what_is_wrong_is_stored_at_once(registry, text, entities, reason, term):
    slots, shown = results_near_19134(registry)
    messages, events = await run(ActionReportProblem(), tracker(text, "report_problem", entities, results=shown,
                                                                **slots))
    assert [m["text"] for m in messages] == [catalogue.text("report_thanks")]
    [report] = reports(registry)
    assert (report.listing_id, report.reason, report.channel, report.term) == (shown[0], reason, "sms", term)


async def test_doesnt_offer_this_from_the_menu_names_what_the_search_was_for(registry):
    slots, shown = results_near_19134(registry)
    await run(ActionReportProblem(), tracker("not offered", "report_reason", results=shown, report_listing=3.0,
                                             before=after_menu(3), **slots))
    [report] = reports(registry)
    assert (report.listing_id, report.reason, report.term) == (shown[2], "not_offered", "medication:buprenorphine")


async def test_a_number_not_on_the_list_or_no_results_yet_gets_a_kind_line_and_stores_nothing(registry):
    slots, shown = results_near_19134(registry)
    messages, events = await run(ActionReportProblem(), tracker("WRONG 9", "report_problem", [number("9")],
                                                                results=shown, **slots))
    assert [m["text"] for m in messages] == [catalogue.text("report_which")]
    assert slots_of(events) == {}
    messages, _ = await run(ActionReportProblem(), tracker("WRONG 2", "report_problem", [number("2")]))
    assert [m["text"] for m in messages] == [catalogue.text("no_results_yet")]
    assert reports(registry) == []


async def test_closed_is_a_reason_only_right_after_the_menu(registry):
    slots, shown = results_near_19134(registry)
    # The menu, then a new search in between: "closed" afterwards stores nothing.
    between = [*after_menu(2), user("need narcan", "find_harm_reduction"),
               {"event": "action", "name": "search_form"}, {"event": "action", "name": "action_listen"}]
    messages, events = await run(ActionReportProblem(), tracker("closed", "report_reason", results=shown,
                                                                report_listing=2.0, before=between, **slots))
    assert [m["text"] for m in messages] == [catalogue.text("report_which")]
    assert slots_of(events) == {"report_listing": None}
    assert reports(registry) == []


async def test_on_the_widget_each_card_has_a_report_button_and_the_reasons_come_as_buttons(registry):
    slots, shown = results_near_19134(registry)
    result = registry.searcher.search(registry.geocode("19134").place, vocabulary.filters_from_slots(slots),
                                      page_size=PAGE_SIZE)
    cards = page_cards(listings.page_of(result, 1))["listings"]
    assert [c["report"] for c in cards] == [
        {"title": "Report a problem", "payload": f'/report_problem{{"number": "{n}"}}'} for n in (1, 2, 3)]

    # The tap sends that payload; Rasa reads it as the intent with its number.
    messages, _ = await run(ActionReportProblem(), tracker('/report_problem{"number": "2"}', "report_problem",
                                                           [number("2")], channel="web", results=shown, **slots))
    # The widget's channel words it for tapping.
    assert channels.web_text(messages[0]["text"]).endswith("? Tap one.")
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Closed", "Wrong phone", "Wrong address", "Doesn't offer this", "Other"]
    closed = messages[0]["buttons"][0]["payload"]
    assert catalogue.read_payload(closed) == ("report_reason", {"reason": "closed", "number": "2"})

    messages, _ = await run(ActionReportProblem(), tracker(closed, "report_reason",
                                                           [{"entity": "reason", "value": "closed"}, number("2")],
                                                           channel="web", results=shown, **slots))
    assert [m["text"] for m in messages] == [catalogue.text("report_thanks")]
    assert channels.web_text(messages[0]["text"]) == catalogue.text("web_report_thanks")
    [report] = reports(registry)
    assert (report.listing_id, report.reason, report.channel) == (shown[1], "closed", "web")


async def test_a_report_keeps_nothing_about_the_person(registry):
    slots, shown = results_near_19134(registry)
    await run(ActionReportProblem(), tracker("number 1 is closed, call me at 215-555-0100 - maria",
                                             "report_problem", [number("1")], results=shown, **slots))
    columns = {c["name"] for c in inspect(registry.engine).get_columns("listing_report")}
    assert columns == {"id", "listing_id", "reason", "channel", "term", "day"}
    [report] = reports(registry)
    stored = " ".join(str(getattr(report, c)) for c in columns)
    assert "555" not in stored and "maria" not in stored and "call me" not in stored


@pytest.mark.parametrize("text, reason", [
    ("closed", "closed"), ("CLOSED", "closed"), ("they shut down", "closed"), ("phone", "wrong_phone"),
    ("wrong number", "wrong_phone"), ("PHONE", "wrong_phone"), ("address", "wrong_address"),
    ("they moved", "wrong_address"), ("NOT OFFERED", "not_offered"), ("they dont do methadone", "not_offered"),
    ("they don't have suboxone", "not_offered"), ("other", "other"), ("OTHER", "other"),
    ("WRONG 2", None), ("#2 is wrong", None),
])
def test_the_reason_a_reply_gives(text, reason):
    assert reason_in(text) == reason


def reported_closed(registry: Registry):
    place = registry.geocode("19134").place
    result = registry.searcher.search(place, vocabulary.filters_from_slots({"need": "treatment",
                                                                             "medication": "methadone"}),
                                      page_size=PAGE_SIZE)
    flagged = dataclasses.replace(result.results[0], reported_closed=True)
    return dataclasses.replace(result, results=[flagged, *result.results[1:]]), flagged


def test_a_place_people_say_is_closed_carries_the_warning_everywhere(national_registry):
    warning = catalogue.text("reported_closed_warning")
    assert warning == "People say it may be closed. Call first."
    result, flagged = reported_closed(national_registry)
    page = listings.page_of(result, 1)
    page_text = sms.page_text(page)
    assert page_text.count(warning) == 1 and len(page_text) <= sms.PAGE_CHARS
    assert warning in sms.details_text(flagged, "methadone", None)
    assert warning in listings.details_text(flagged, "methadone", None)
    cards = page_cards(page)["listings"]
    assert cards[0]["warning"] == warning and all(c["warning"] is None for c in cards[1:])
    unflagged = dataclasses.replace(flagged, reported_closed=False)
    assert warning not in sms.details_text(unflagged, "methadone", None)
    assert listing_card(1, unflagged)["warning"] is None


def test_the_first_page_and_details_say_how_to_report_when_there_is_room(national_registry):
    result, _ = reported_closed(national_registry)
    result = dataclasses.replace(result, results=[dataclasses.replace(r, reported_closed=False)
                                                  for r in result.results])
    roomy = sms.page_text(listings.page_of(result, 1), limit=2000)
    assert catalogue.text("report_hint") in roomy
    assert roomy.endswith(listings.footer_text(listings.page_of(result, 1)))
    assert catalogue.text("report_hint") not in sms.page_text(listings.page_of(result, 4), limit=2000)
    details = sms.details_text(result.results[0], "methadone", None, limit=2000, number=1)
    assert details.endswith(catalogue.text("report_hint_details", number=1))
    assert "WRONG" in catalogue.text("utter_help")


async def test_details_by_sms_say_wrong_and_the_number_when_they_fit(registry):
    slots, shown = results_near_19134(registry)
    messages, _ = await run(ActionResultDetails(), tracker("1", "result_details", [number("1")], results=shown,
                                                           **slots))
    text = messages[0]["text"]
    hint = catalogue.text("report_hint_details", number=1)
    assert len(text) <= sms.DETAILS_CHARS
    assert text.endswith(hint) or len(text) + 1 + len(hint) > sms.DETAILS_CHARS


async def test_an_unsure_reply_to_the_menu_that_names_a_reason_is_that_reason(registry):
    slots, shown = results_near_19134(registry)
    unsure = tracker("phone", "nlu_fallback", results=shown, report_listing=2.0, before=after_menu(2), **slots)
    messages, events = await run(ActionNotUnderstood(), unsure)
    assert messages == []
    replayed = [e for e in events if e.get("event") == "user"]
    assert [e["text"] for e in replayed] == ['/report_reason{"reason": "wrong_phone", "number": "2"}']
    # Not right after the menu, "phone" is not a report.
    messages, events = await run(ActionNotUnderstood(), tracker("phone", "nlu_fallback", results=shown, **slots))
    assert not [e for e in events if e.get("event") == "user"]
