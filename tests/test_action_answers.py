"""Rasa checks every answer from the action server against a schema; with the schema checked
once (bot.resilience) it still refuses a malformed answer and accepts a good one."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import resilience


@pytest.fixture
def action() -> RemoteAction:
    resilience.install()
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
