"""Rasa itself calls this project's patches on a real turn: the Rasa server the launcher starts
answers with the helplines when the action server is down (resilience). (The speedups on a turn
through the trained model: tests/integration/test_patches_in_rasa.py.)"""
from __future__ import annotations

import json
import urllib.request

import pytest

from bot.present import catalogue
from bot.run import DEFAULT_MODEL, Assistant
from support.services import free_port


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
