"""The launcher (bot.run.Assistant) as it decides what to start, without starting it: the commands
it would run and the production settings it refuses to start without. (Starting them: tests/system.)"""
from __future__ import annotations

import pytest

from bot.run import DEFAULT_MODEL, Assistant


def test_the_api_token_is_not_on_the_command_line_but_reaches_rasa_even_when_it_begins_with_a_dash():
    # `ps` shows a command line to every user of the machine; the token opens every conversation.
    from rasa.__main__ import create_argument_parser

    from bot.rasa_server.__main__ import with_api_token
    token = "-B" + "x" * 41  # secrets.token_urlsafe begins with "-" one time in 64
    (_, command, env), = Assistant(DEFAULT_MODEL, env={"NAVIGATOR_RASA_TOKEN": token}, only=("rasa",)).commands()
    assert not any(token in argument for argument in command)
    assert env["NAVIGATOR_RASA_TOKEN"] == token
    rasa_arguments = command[command.index("run"):]  # after `python -m bot.rasa_server`
    import os
    os.environ["NAVIGATOR_RASA_TOKEN"] = token
    try:
        assert create_argument_parser().parse_args(with_api_token(rasa_arguments)).auth_token == token
    finally:
        del os.environ["NAVIGATOR_RASA_TOKEN"]
    with pytest.raises(SystemExit):
        with_api_token([*rasa_arguments, "--auth-token=seen-by-ps"])


def test_every_server_listens_on_this_machine_only_unless_configured():
    commands = {name: (command, env) for name, command, env in Assistant(DEFAULT_MODEL, env={}).commands()}
    rasa_command = commands["rasa"][0]
    assert rasa_command[rasa_command.index("--interface") + 1] == "127.0.0.1"
    assert commands["actions"][1]["SANIC_HOST"] == "127.0.0.1"
    from bot.web.config import Settings
    assert Settings.from_env({}).host == "127.0.0.1"
    opened = {name: env for name, _, env in
              Assistant(DEFAULT_MODEL, env={"NAVIGATOR_RASA_HOST": "0.0.0.0"}, only=("rasa",)).commands()}
    assert "0.0.0.0" in next(iter(Assistant(DEFAULT_MODEL, env={"NAVIGATOR_RASA_HOST": "0.0.0.0"},
                                            only=("rasa",)).commands()))[1] and opened


def test_a_twilio_token_without_the_public_url_does_not_start():
    with pytest.raises(ValueError, match="NAVIGATOR_PUBLIC_URL"):
        Assistant(DEFAULT_MODEL, env={"TWILIO_AUTH_TOKEN": "secret", "NAVIGATOR_PUBLIC_URL": ""})


def test_production_mode_will_not_start_without_its_shared_secrets(monkeypatch):
    for name in ("NAVIGATOR_DATABASE_URL", "NAVIGATOR_REDIS_URL", "NAVIGATOR_SENDER_KEY", "NAVIGATOR_RASA_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError) as refused:
        Assistant(DEFAULT_MODEL, env={"NAVIGATOR_MODE": "production"})
    for name in ("NAVIGATOR_DATABASE_URL", "NAVIGATOR_REDIS_URL", "NAVIGATOR_SENDER_KEY", "NAVIGATOR_RASA_TOKEN"):
        assert name in str(refused.value)
