"""The launcher (bot.run.Assistant) as it decides what to start, without starting it: the commands
it would run and the production settings it refuses to start without. (Starting them: tests/system.)"""
from __future__ import annotations

import pytest

from bot.run import DEFAULT_MODEL, Assistant


def test_a_token_that_begins_with_a_dash_reaches_rasa_as_the_token():
    # secrets.token_urlsafe begins with "-" one time in 64; Rasa then refused to start.
    from rasa.__main__ import create_argument_parser
    token = "-B" + "x" * 41
    for _, command, _ in Assistant(DEFAULT_MODEL, env={"NAVIGATOR_RASA_TOKEN": token}, only=("rasa",)).commands():
        rasa_arguments = command[command.index("run"):]  # after `python -m bot.rasa_server`
        assert create_argument_parser().parse_args(rasa_arguments).auth_token == token


def test_production_mode_will_not_start_without_its_shared_secrets(monkeypatch):
    for name in ("NAVIGATOR_DATABASE_URL", "NAVIGATOR_REDIS_URL", "NAVIGATOR_SENDER_KEY", "NAVIGATOR_RASA_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError) as refused:
        Assistant(DEFAULT_MODEL, env={"NAVIGATOR_MODE": "production"})
    for name in ("NAVIGATOR_DATABASE_URL", "NAVIGATOR_REDIS_URL", "NAVIGATOR_SENDER_KEY", "NAVIGATOR_RASA_TOKEN"):
        assert name in str(refused.value)
