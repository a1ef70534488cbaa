"""Rasa itself calls this project's patches on a real turn: the Rasa server the launcher starts
answers with the helplines when the action server is down (resilience), and a turn through the
trained model checks the action server's answer with the once-checked schema and reads stored
events through the remembered lookup (speedups)."""
from __future__ import annotations

import json
import urllib.request

import pytest

from bot.present import catalogue
from bot.rasa_server.patches import speedups
from bot.run import DEFAULT_MODEL, Assistant
from services import free_port


def rest_texts(port: int, sender: str, text: str) -> list[str]:
    request = urllib.request.Request(
        f"http://localhost:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [m.get("text", "") for m in json.loads(response.read())]


def test_the_launched_rasa_server_answers_with_the_helplines_when_the_action_server_is_down(tmp_path):
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(  # an action server that is not there
        f'action_endpoint:\n  url: "http://127.0.0.1:{free_port()}/webhook"\n'
        "tracker_store:\n  type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {tmp_path / 'tracker.db'}\n")
    rasa_port = free_port()
    with Assistant(DEFAULT_MODEL, rasa_port=rasa_port, actions_port=free_port(), endpoints=endpoints,
                   only=("rasa",), quiet=True) as servers:
        servers.wait_ready()
        # Stock Rasa says nothing at all when a custom action fails.
        assert rest_texts(rasa_port, "patched", "what is methadone") == [catalogue.text("apology")]


async def test_a_turn_checks_the_action_answer_and_reads_stored_events_through_the_speedups(
        in_process_assistant, monkeypatch):
    speedups.answer_validator.cache_clear()
    monkeypatch.setattr(speedups, "_event_classes", {})
    first = await in_process_assistant.handle_text("what is methadone", sender_id="speedups")
    second = await in_process_assistant.handle_text("what is buprenorphine", sender_id="speedups")
    assert first[0]["text"] == catalogue.text("about_methadone")
    assert second[0]["text"] == catalogue.text("about_buprenorphine")
    assert speedups.answer_validator.cache_info().hits >= 1  # Rasa validated answers with the one validator
    assert {"user", "action", "bot"} <= set(speedups._event_classes)  # the second turn read the first back
