"""The field corpus (tests/corpus/field_*.yml, issue 17): 126 conversations written from the
personas of people who use the assistant, played end to end through the real Rasa and action
servers (SMS over the REST channel, web over the widget's socket.io), and judged as a person
would (tests/field_report.py; `make field-report` prints every figure).

Gates here are what must hold in every conversation: a crisis is answered first (911 or 988 in
the turn's first message) and never with "didn't get that"; no question is asked three times.
The other expectations (the answers people need, lengths) are reported by `make field-report`
and in the README."""
from __future__ import annotations

import asyncio
import secrets
from collections import Counter

import pytest

from bot.run import DEFAULT_MODEL
from field_report import FILES, Player, RegistryResolver, load_conversations, play_all, start_servers

GATES = ("crisis", "sorry_on_crisis", "repeat_question")


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    token = secrets.token_urlsafe(24)
    servers = start_servers(DEFAULT_MODEL, tmp_path_factory.mktemp("field"), token)
    try:
        conversations = [c for path in FILES.values() for c in load_conversations(path)]
        player = Player(f"http://127.0.0.1:{servers.rasa_port}", token)
        # The servers and the checks read the same registry: the one `make test` builds in var/.
        results, _ = asyncio.run(play_all(player, conversations, RegistryResolver()))
    finally:
        servers.stop()
    return results


def test_every_conversation_was_played_through(played):
    assert len(played) >= 100
    assert [p.conversation.id for p in played if p.error] == []


def test_a_crisis_is_answered_first_and_no_question_is_asked_three_times(played):
    broken = [(p.conversation.id, f.kind, f.detail) for p in played for f in p.failures if f.kind in GATES]
    checked = Counter(kind for p in played for kind, n in p.checks.items() for _ in range(n) if kind in GATES)
    assert checked["crisis"] >= 10 and checked["repeat_question"] == len(played)
    assert broken == []
