"""bot.rasa_server.patches: installed only on the Rasa they were written for; the speedups do
their work once instead of every turn; Rasa still refuses what it refused and finds what it found.
(tests/integration/test_patches_in_rasa.py and tests/system/test_patches_in_launched_rasa.py show
Rasa itself calling them on a real turn.)"""
from __future__ import annotations

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import patches
from bot.rasa_server.patches import speedups

patches.install()


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_search", EndpointConfig(url="http://localhost:1/webhook"))


def test_the_patches_refuse_a_rasa_they_were_not_written_for():
    assert patches.mismatches() == []
    assert patches.mismatches("3.7.0") == ["Rasa 3.7.0 is installed; these patches are for Rasa 3.6.x"]


def test_the_patches_refuse_a_function_whose_signature_changed(monkeypatch):
    async def run(self, output_channel, nlg, tracker, domain, extra):
        return []

    monkeypatch.setattr(RemoteAction, "run", run)
    with pytest.raises(patches.PatchMismatch, match=r"RemoteAction.run takes .*'extra'"):
        patches.install()


def test_installing_twice_wraps_the_action_call_once():
    patches.install()
    patches.install()
    assert RemoteAction.run.__wrapped__ is not None
    assert not getattr(RemoteAction.run.__wrapped__, "is_resilient", False)


def test_the_answer_schema_is_checked_once_however_many_answers(action, monkeypatch):
    checks = []
    validator_class = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    stock_check = validator_class.check_schema
    monkeypatch.setattr(validator_class, "check_schema", classmethod(
        lambda cls, schema, *a, **k: (checks.append(1), stock_check(schema, *a, **k))[1]))
    speedups.answer_validator.cache_clear()
    for page in range(5):
        assert action._validate_action_result({"events": [{"event": "slot", "name": "page", "value": page}],
                                                "responses": []}) is True
    assert len(checks) == 1


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


def test_each_event_name_is_looked_up_in_rasa_once(monkeypatch):
    lookups = []
    stock = speedups.stock_resolve_by_type
    monkeypatch.setattr(speedups, "stock_resolve_by_type", lambda *a: (lookups.append(a[0]), stock(*a))[1])
    monkeypatch.setattr(speedups, "_event_classes", {})
    for _ in range(3):
        assert Event.resolve_by_type("slot") is SlotSet
    assert lookups == ["slot"]


def test_stored_events_come_back_as_they_were():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              SlotSet("need", "treatment")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_an_unknown_event_name_is_still_refused_or_defaulted():
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None


def _tracker(*events):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events("texter", list(events))


async def test_a_turn_whose_two_actions_fail_gets_one_apology_and_the_next_turn_its_own():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered

    from bot.rasa_server.patches.resilience import APOLOGY
    from support.services import free_port

    down = EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook")  # nothing listens there
    message = UserUttered("need subs near 19134", message_id="turn-1")
    # The form's validation and then the form's search: each gets its own copy of the tracker.
    first = await RemoteAction("validate_search_form", down).run(None, None, _tracker(message), Domain.empty())
    second = await RemoteAction("action_search", down).run(None, None, _tracker(message), Domain.empty())
    assert [e.text for e in first] == [APOLOGY] and second == []
    # A tracker that already carries this turn's apology, as after Rasa logged the first action.
    later = _tracker(UserUttered("hi", message_id=None), BotUttered(APOLOGY))
    assert await RemoteAction("action_search", down).run(None, None, later, Domain.empty()) == []
    # The next message is a new turn: if the action server is still down, it is told again.
    again = await RemoteAction("action_search", down).run(
        None, None, _tracker(message, BotUttered(APOLOGY), UserUttered("2", message_id="turn-2")), Domain.empty())
    assert [e.text for e in again] == [APOLOGY]
