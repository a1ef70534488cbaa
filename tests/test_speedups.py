"""bot.speedups spares Rasa work it repeats on every turn; Rasa must still behave the same:
an action server's malformed answer is refused, and stored events come back as the same
kinds of event."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import speedups

speedups.install()


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_search", EndpointConfig(url="http://localhost:1/webhook"))


def test_a_good_answer_is_accepted(action):
    answer = {"events": [{"event": "slot", "name": "page", "value": 2}],
              "responses": [{"text": "1. Kensington Hospital - 1.3 mi"}]}
    assert action._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [], "responses": ["not an object"]},
])
def test_a_malformed_answer_is_refused(action, answer):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(answer)


def test_every_event_name_finds_the_class_rasa_finds():
    for cls in all_subclasses(Event):
        if isinstance(getattr(cls, "type_name", None), str):
            assert speedups._stock_resolve_by_type(cls.type_name) is Event.resolve_by_type(cls.type_name)
            assert Event.resolve_by_type(cls.type_name) is Event.resolve_by_type(cls.type_name)


def test_stored_events_come_back_as_they_were():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              SlotSet("need", "treatment")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_an_unknown_event_name_is_still_refused_or_defaulted():
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
