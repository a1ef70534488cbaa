"""bot.settings: one reader, one precedence rule, secrets made once, and the deploy guide's table."""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from bot import settings
from bot.run import configuration_errors, production_environment

ROOT = Path(__file__).resolve().parents[2]


def test_the_environment_wins_over_a_file_and_a_file_over_the_default():
    assert settings.PUBLIC_URL.read({"NAVIGATOR_PUBLIC_URL": "https://env.example.org"},
                                    configured="https://file.example.org") == "https://env.example.org"
    assert settings.PUBLIC_URL.read({}, configured="https://file.example.org") == "https://file.example.org"
    assert settings.PUBLIC_URL.read({"NAVIGATOR_PUBLIC_URL": "  "}, configured=None) is None
    assert settings.SMS_REPLY_TIMEOUT.read({}) == 12.0


@pytest.mark.parametrize("raw, read", [("yes", True), ("1", True), ("off", False), ("", False), ("maybe", False)])
def test_switches_read_the_usual_words(raw, read):
    assert settings.TRUST_FORWARDED_HEADERS.read({"NAVIGATOR_TRUST_FORWARDED_HEADERS": raw}) is read


def test_a_bad_value_is_named_by_its_variable_never_shown_and_the_default_used(caplog):
    assert settings.RETENTION_HOURS.read({"NAVIGATOR_RETENTION_HOURS": "a day"}) == 24.0
    assert settings.RETENTION_HOURS.read({"NAVIGATOR_RETENTION_HOURS": "-3"}) == 24.0
    assert settings.WEB_MAX_BODY_BYTES.read({"NAVIGATOR_WEB_MAX_BODY_BYTES": "10"}) == 16 * 1024
    assert "NAVIGATOR_RETENTION_HOURS" in caplog.text and "a day" not in caplog.text


def test_lists_come_comma_separated_or_from_a_file():
    assert settings.WIDGET_ORIGINS.read({"NAVIGATOR_WIDGET_ORIGINS": "https://a.gov, https://b.gov/"}) == \
        ("https://a.gov", "https://b.gov")
    assert settings.WIDGET_ORIGINS.read({}, configured=["http://localhost:8080"]) == ("http://localhost:8080",)
    assert settings.WIDGET_ORIGINS.read({}) == ("http://localhost:8080",)


def test_a_local_secret_is_made_once_private_and_kept(tmp_path):
    secret = settings.local_secret("sender.key", tmp_path)
    assert len(bytes.fromhex(secret)) == 32
    assert settings.local_secret("sender.key", tmp_path) == secret
    assert stat.S_IMODE(os.stat(tmp_path / "sender.key").st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["sender.key"]  # no staging file left behind


@pytest.mark.parametrize("configured, key", [("00ff10", b"\x00\xff\x10"), ("a passphrase", b"a passphrase")])
def test_a_configured_key_is_hex_or_its_text_and_makes_no_file(tmp_path, monkeypatch, configured, key):
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", configured)
    assert settings.secret_bytes(settings.SENDER_KEY, "sender.key", tmp_path) == key
    assert not (tmp_path / "sender.key").exists()


def test_production_names_every_missing_requirement_and_keeps_conversations_out_of_the_registry_database():
    env, missing = production_environment({"NAVIGATOR_MODE": "production",
                                           "NAVIGATOR_DATABASE_URL": "postgresql://db/navigator"})
    assert [line.split(" ")[0] for line in missing] == [
        "NAVIGATOR_TRACKER_DATABASE_URL", "NAVIGATOR_CHANNEL_DATABASE_URL", "NAVIGATOR_REDIS_URL",
        "NAVIGATOR_RASA_TOKEN", "NAVIGATOR_SENDER_KEY", "NAVIGATOR_WIDGET_SECRET", "NAVIGATOR_WIDGET_ORIGINS"]
    assert "NAVIGATOR_TRACKER_DATABASE_URL" not in env and "NAVIGATOR_CHANNEL_DATABASE_URL" not in env


def test_production_refuses_conversations_in_a_database_that_is_backed_up():
    base = {"NAVIGATOR_MODE": "production", "NAVIGATOR_DATABASE_URL": "postgresql://db/registry",
            "NAVIGATOR_CHANNEL_DATABASE_URL": "postgresql://db/sms"}
    for shared in ("postgresql://db/registry", "postgresql://db/sms"):
        (error,) = configuration_errors(dict(base, NAVIGATOR_TRACKER_DATABASE_URL=shared))
        assert error.startswith("NAVIGATOR_TRACKER_DATABASE_URL must name a database of its own")
    assert configuration_errors(dict(base, NAVIGATOR_TRACKER_DATABASE_URL="postgresql://db/conversations")) == []
    # The embedded mode keeps everything in var/ on one machine: no backups to keep apart.
    assert configuration_errors({"NAVIGATOR_TRACKER_DATABASE_URL": "sqlite:///x.db",
                                 "NAVIGATOR_DATABASE_URL": "sqlite:///x.db"}) == []


def test_the_deploy_guide_lists_every_setting_as_the_code_reads_it():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in guide, "run `python -m bot.settings` and paste its table into docs/deploy.md"


def test_no_module_outside_the_settings_reads_the_environment():
    reading = re.compile(r"os\.environ\.get\(|os\.environ\[|getenv\(")
    readers = [str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
               if path.name != "settings.py" and reading.search(path.read_text(encoding="utf-8"))]
    # The launcher copies the environment to the processes it starts and reads it through bot.settings.
    assert readers == []
