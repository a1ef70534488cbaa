"""Rasa itself calls this project's patches on a real turn: a turn through the trained model checks
the action server's answer with the once-checked schema and reads stored events through the
remembered lookup (speedups). (tests/system/test_patches_in_launched_rasa.py shows the Rasa server
the launcher starts answering with the helplines when the action server is down: resilience.)"""
from __future__ import annotations

from bot.present import catalogue
from bot.rasa_server.patches import speedups


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
