"""The SMS channel end to end: a real Sanic server mounted the way Rasa mounts channels,
signed requests from twilio's own RequestValidator, a fake agent in place of the assistant
(tests/support/sms.py; the `start_webhook` fixture is in tests/conftest.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from twilio.request_validator import RequestValidator

from bot.rasa_server.channels.twilio_sms import (
    APOLOGY_TEXT,
    DELETED_TEXT,
    EMPTY_TEXT,
    HELP_TEXT,
    MORE_TEXT,
    PICTURE_TEXT,
    TwilioSmsInput,
)
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.senders import (
    REPLY_KEPT_SECONDS,
    SEEN_KEPT_SECONDS,
    ChannelStore,
    MessageSeen,
    SmsReply,
    normalize_phone,
    sender_id,
)
from bot.present.sms import is_gsm7
from support.sms import (GREETING, KEY, PHONE, SENDER, TOKEN, WEBHOOK_PATH, RecordingTrackerStore, Webhook, sms,
                         table_rows)

PHONE_FORMS = (PHONE, "2155550123")
PUBLIC_URL = "https://navigator.example.org"


def deleted_ids(webhook: Webhook) -> list[str]:
    return [call[1] for call in webhook.tracker_store.calls if call[0] == "delete"]


# --- Signature ---------------------------------------------------------------------------------


async def test_a_signed_message_gets_the_assistants_reply_as_twiml(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms("methadone near 19134"))
    assert reply.messages() == ["You said: methadone near 19134"]
    [message] = webhook.agent.received
    assert message.sender_id == SENDER and message.sender_id.startswith("sms-")
    assert message.input_channel == "twilio"
    assert message.metadata is None


async def test_an_unsigned_request_is_refused_and_touches_nothing(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms("hello"), sign=False)
    assert reply.status == 403
    assert "Traceback" not in reply.body
    assert webhook.agent.received == []
    assert webhook.tracker_store.calls == []
    assert table_rows(webhook.store) == []


async def test_a_signature_for_other_parameters_is_refused(start_webhook):
    webhook = await start_webhook()
    params = sms("hello")
    reply = await webhook.post({**params, "Body": "STOP"}, signed_params=params)
    assert reply.status == 403
    assert webhook.agent.received == [] and webhook.tracker_store.calls == []
    assert table_rows(webhook.store) == []


async def test_a_signature_made_with_another_token_is_refused(start_webhook):
    webhook = await start_webhook()
    assert (await webhook.post(sms("hello"), token="not-the-token")).status == 403


async def test_without_an_auth_token_every_request_is_refused(start_webhook):
    webhook = await start_webhook(auth_token=None)
    assert (await webhook.post(sms("hello"), token="")).status == 403
    assert webhook.agent.received == []


FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "attacker.example"}
FORGED_URL = f"https://attacker.example{WEBHOOK_PATH}"


async def test_a_forged_forwarded_host_is_ignored_when_the_public_url_is_configured(start_webhook):
    webhook = await start_webhook(public_url=PUBLIC_URL, trust_forwarded_headers=True)
    forged = await webhook.post(sms("hello"), signed_url=FORGED_URL, headers=FORGED)
    assert forged.status == 403
    genuine = await webhook.post(sms("hello"), signed_url=PUBLIC_URL + WEBHOOK_PATH, headers=FORGED)
    assert genuine.messages() == ["You said: hello"]
    assert len(webhook.agent.received) == 1


async def test_forwarded_headers_are_ignored_unless_trusted(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms("hello"), signed_url=FORGED_URL, headers=FORGED)
    assert reply.status == 403
    assert webhook.agent.received == []


async def test_behind_a_proxy_the_signature_is_checked_against_the_public_url_whatever_the_headers_say(start_webhook):
    webhook = await start_webhook(public_url=PUBLIC_URL, trust_forwarded_headers=True)
    proxy_headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "navigator.example.org"}
    reply = await webhook.post(sms("hello"), signed_url=PUBLIC_URL + WEBHOOK_PATH, headers=proxy_headers)
    assert reply.messages() == ["You said: hello"]
    forged = await webhook.post(sms("hello"), signed_url=FORGED_URL, headers=FORGED)
    assert forged.status == 403


def test_a_token_without_the_public_url_does_not_start(tmp_path):
    # Without it the URL checked would be the one the request's Host header names.
    with pytest.raises(ValueError, match="NAVIGATOR_PUBLIC_URL"):
        TwilioSmsInput("token", public_url=None, key=KEY,
                       store=ChannelStore(f"sqlite:///{tmp_path / 'c.db'}", migrate=True))


async def test_the_public_url_includes_the_query_string(start_webhook):
    webhook = await start_webhook(public_url=PUBLIC_URL + "/")
    params = sms("hello")
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC_URL}{WEBHOOK_PATH}?channel=sms", params)
    async with webhook.session.post(
        f"{webhook.url}?channel=sms", data=urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    ) as response:
        assert response.status == 200


# --- Malformed requests ---------------------------------------------------------------------------


async def test_a_body_over_64_kb_is_refused(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms("x" * 1_000_000))
    assert reply.status == 413
    assert webhook.agent.received == []


async def test_a_body_that_is_not_form_encoded_is_refused(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(body=b'{"From": "+12155550123", "Body": "hi"}', content_type="application/json")
    assert reply.status == 415
    assert webhook.agent.received == []


@pytest.mark.parametrize("body", [b"From=%2B12155550123&Body=%FF%FE", b"From&Body", b"From=%2B1\xff\xfe"])
async def test_a_malformed_form_is_refused(start_webhook, body):
    webhook = await start_webhook()
    reply = await webhook.post(body=body)
    assert reply.status == 400
    assert "Traceback" not in reply.body
    assert webhook.agent.received == []


# --- Keywords -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", ["STOP", "stop", " Stop! ", "Unsubscribe", "optout."])
async def test_stop_deletes_the_conversation_and_suppresses_the_sender(start_webhook, stop):
    webhook = await start_webhook()
    await webhook.post(sms("hello"))
    assert SENDER in webhook.tracker_store.store

    reply = await webhook.post(sms(stop))
    assert reply.messages() == []
    assert deleted_ids(webhook) == [SENDER]
    assert SENDER not in webhook.tracker_store.store
    assert webhook.store.is_suppressed(SENDER)

    later = await webhook.post(sms("are you there?"))
    assert later.messages() == []
    assert [message.text for message in webhook.agent.received] == ["hello"]


async def test_start_lifts_the_suppression_and_greets(start_webhook):
    webhook = await start_webhook()
    await webhook.post(sms("STOP"))
    reply = await webhook.post(sms("start"))
    assert reply.messages() == [GREETING]
    assert not webhook.store.is_suppressed(SENDER)
    assert [message.text for message in webhook.agent.received] == ["/greet"]
    assert (await webhook.post(sms("hello"))).messages() == ["You said: hello"]


async def test_yes_opts_back_in_only_a_sender_who_opted_out(start_webhook):
    webhook = await start_webhook()
    assert (await webhook.post(sms("yes"))).messages() == ["You said: yes"]
    await webhook.post(sms("STOP"))
    assert (await webhook.post(sms("YES"))).messages() == [GREETING]


@pytest.mark.parametrize("keyword", ["HELP", "help", "Info?"])
async def test_help_is_a_fixed_reply_without_the_assistant(start_webhook, keyword):
    webhook = await start_webhook()
    text = "\n\n".join((await webhook.post(sms(keyword))).messages())
    assert text == HELP_TEXT
    for needed in ("STOP", "DELETE", "911", "988", "1-800-662-4357"):
        assert needed in text
    assert webhook.agent.received == []
    assert is_gsm7(HELP_TEXT)


async def test_help_still_answers_a_sender_who_opted_out(start_webhook):
    webhook = await start_webhook()
    await webhook.post(sms("STOP"))
    assert "988" in "\n".join((await webhook.post(sms("HELP"))).messages())


async def test_delete_deletes_the_conversation_and_confirms(start_webhook):
    webhook = await start_webhook()
    await webhook.post(sms("hello"))
    reply = await webhook.post(sms("Delete"))
    assert reply.messages() == [DELETED_TEXT]
    assert deleted_ids(webhook) == [SENDER]
    assert SENDER not in webhook.tracker_store.store
    assert not webhook.store.is_suppressed(SENDER)
    assert (await webhook.post(sms("hello again"))).messages() == ["You said: hello again"]


async def test_delete_without_a_delete_method_saves_an_empty_conversation(start_webhook):
    tracker_store = InMemoryTrackerStore(Domain.empty())
    webhook = await start_webhook(tracker_store=tracker_store)
    await webhook.post(sms("hello"))
    assert (await webhook.post(sms("DELETE"))).messages() == [DELETED_TEXT]
    tracker = await tracker_store.retrieve(SENDER)
    assert list(tracker.events) == []


async def test_with_rasas_own_agent_stop_reaches_the_store_inside_its_wrappers(start_webhook):
    tracker_store = RecordingTrackerStore()
    agent = Agent(tracker_store=tracker_store)  # no model: it wraps the store and ignores messages
    assert not hasattr(agent.tracker_store, "delete")
    webhook = await start_webhook(agent=agent, tracker_store=tracker_store)
    assert "\n\n".join((await webhook.post(sms("hello"))).messages()) == APOLOGY_TEXT
    assert (await webhook.post(sms("STOP"))).messages() == []
    assert deleted_ids(webhook) == [SENDER]


def test_fixed_texts_are_gsm7():
    for text in (HELP_TEXT, DELETED_TEXT, PICTURE_TEXT, EMPTY_TEXT, APOLOGY_TEXT, MORE_TEXT):
        assert is_gsm7(text)


# --- Retries --------------------------------------------------------------------------------------


async def test_a_retried_message_gets_the_same_reply_and_runs_once(start_webhook):
    webhook = await start_webhook()
    other = sms("hello", From="+12675550199")
    await webhook.post(other)
    others_conversation = dict(webhook.tracker_store.store)
    params = sms("naloxone near me")
    first = await webhook.post(params)
    retry = await webhook.post(params)
    replay = await webhook.post(params)  # the same signed request sent again later: a replay
    assert retry.body == first.body == replay.body
    assert first.messages() == ["You said: naloxone near me"]
    assert [m.text for m in webhook.agent.received] == ["hello", "naloxone near me"]
    other_id = webhook.agent.received[0].sender_id
    saved = [call[1] for call in webhook.tracker_store.calls if call[0] == "save"]
    assert saved.count(SENDER) == saved.count(other_id)  # as many saves as for one message
    assert webhook.tracker_store.store[other_id] == others_conversation[other_id]


async def test_a_retry_during_the_first_request_waits_for_its_reply(start_webhook):
    webhook = await start_webhook()
    greet_or_echo = webhook.agent.answer

    async def slow(message: UserMessage) -> None:
        await asyncio.sleep(0.5)
        await greet_or_echo(message)

    webhook.agent.answer = slow
    params = sms("buprenorphine")
    first, retry = await asyncio.gather(webhook.post(params), webhook.post(params))
    assert first.messages() == retry.messages() == ["You said: buprenorphine"]
    assert len(webhook.agent.received) == 1


async def test_a_reply_is_kept_two_minutes_and_the_message_id_two_days(tmp_path):
    store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True)
    assert store.claim("SM1")
    store.store_reply("SM1", SENDER, "<Response />")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    store.purge(now + timedelta(seconds=REPLY_KEPT_SECONDS - 5))
    assert store.reply_for("SM1") == "<Response />"
    store.purge(now + timedelta(seconds=REPLY_KEPT_SECONDS + 5))
    assert store.reply_for("SM1") is None
    assert not store.claim("SM1")  # still known: a replay of it is recognised
    store.purge(now + timedelta(seconds=SEEN_KEPT_SECONDS + 5))
    assert store.claim("SM1")


async def test_a_signed_stop_sent_again_a_day_later_changes_nothing(start_webhook):
    webhook = await start_webhook()
    stop = sms("STOP")
    assert (await webhook.post(stop)).messages() == []
    assert (await webhook.post(sms("START"))).messages() == [GREETING]
    assert not webhook.store.is_suppressed(SENDER)
    # The captured STOP, replayed once its reply is gone (as a day later).
    with Session(webhook.store.engine) as session, session.begin():
        a_day_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=24)
        session.execute(update(MessageSeen).values(created_at=a_day_ago))
        session.execute(delete(SmsReply))
    started = time.monotonic()
    replayed = await webhook.post(stop)
    assert replayed.messages() == [] and time.monotonic() - started < 2
    assert not webhook.store.is_suppressed(SENDER)
    assert [m.text for m in webhook.agent.received] == ["/greet"]


async def test_delete_also_deletes_the_replies_kept_for_retries(start_webhook):
    webhook = await start_webhook()
    await webhook.post(sms("need bupe near 19134"))
    assert any(len(row) == 4 and row[1] == SENDER and "19134" in row[3] for row in table_rows(webhook.store))
    await webhook.post(sms("DELETE"))
    assert not any(len(row) == 4 and "19134" in row[3] for row in table_rows(webhook.store))


# --- Odd messages ---------------------------------------------------------------------------------


async def test_a_picture_without_text_gets_a_kind_reply(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1"))
    assert reply.messages() == [PICTURE_TEXT]
    assert webhook.agent.received == []


async def test_a_message_without_a_body_gets_a_kind_reply(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms(None))
    assert reply.messages() == [EMPTY_TEXT]
    assert webhook.agent.received == []


async def test_a_very_long_message_is_cut_to_1000_characters(start_webhook):
    webhook = await start_webhook()
    reply = await webhook.post(sms("a" * 5000))
    assert reply.status == 200
    [message] = webhook.agent.received
    assert len(message.text) == 1000


async def test_a_slow_assistant_gets_the_apology_in_time_and_still_finishes(start_webhook):
    webhook = await start_webhook(reply_timeout=0.5)
    greet_or_echo = webhook.agent.answer

    async def slow(message: UserMessage) -> None:
        await asyncio.sleep(1.5)
        await greet_or_echo(message)

    webhook.agent.answer = slow
    reply = await webhook.post(sms("methadone"))
    assert not webhook.agent.finished.is_set()  # answered without waiting for the slow turn
    assert "\n\n".join(reply.messages()) == APOLOGY_TEXT
    assert "988" in APOLOGY_TEXT and "1-800-662-4357" in APOLOGY_TEXT and "911" in APOLOGY_TEXT
    await asyncio.wait_for(webhook.agent.finished.wait(), timeout=3)
    assert SENDER in webhook.tracker_store.store


async def test_a_failing_assistant_gets_the_apology_without_details(start_webhook, caplog):
    webhook = await start_webhook()

    async def fail(message: UserMessage) -> None:
        raise RuntimeError("action server said something private")

    webhook.agent.answer = fail
    with caplog.at_level(logging.DEBUG):
        reply = await webhook.post(sms("hello"))
    assert "\n\n".join(reply.messages()) == APOLOGY_TEXT
    assert "Traceback" not in reply.body and "private" not in reply.body
    assert "RuntimeError" in caplog.text and "private" not in caplog.text


async def test_a_silent_assistant_gets_the_apology(start_webhook):
    webhook = await start_webhook()

    async def say_nothing(message: UserMessage) -> None:
        pass

    webhook.agent.answer = say_nothing
    assert "\n\n".join((await webhook.post(sms("hello"))).messages()) == APOLOGY_TEXT


# --- Rendering ------------------------------------------------------------------------------------


async def test_buttons_become_numbered_lines_and_images_are_left_out(start_webhook):
    webhook = await start_webhook()

    async def ask(message: UserMessage) -> None:
        channel = message.output_channel
        await channel.send_image_url(message.sender_id, "https://example.org/map.png")
        await channel.send_text_with_buttons(
            message.sender_id, "Which medication?",
            [{"title": "Methadone", "payload": "/m"}, {"title": "Buprenorphine", "payload": "/b"}],
        )
        await channel.send_custom_json(message.sender_id, {"kind": "listing"})

    webhook.agent.answer = ask
    reply = await webhook.post(sms("hello"))
    assert reply.messages() == ["Which medication?\n1) Methadone\n2) Buprenorphine"]


async def test_paragraphs_are_packed_and_typography_made_gsm7(start_webhook):
    webhook = await start_webhook()
    listings = [f"{n}. Recovery Center {n} – open 8–4 • “walk-ins” ok" for n in range(1, 4)]

    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "\n\n".join(listings))

    webhook.agent.answer = answer
    [message] = (await webhook.post(sms("hello"))).messages()
    assert message.split("\n\n") == [f'{n}. Recovery Center {n} - open 8-4 - "walk-ins" ok' for n in range(1, 4)]


async def test_at_most_five_messages_the_last_asking_for_more(start_webhook):
    webhook = await start_webhook()

    async def long_answer(message: UserMessage) -> None:
        for n in range(10):
            await message.output_channel.send_text_message(message.sender_id, f"Listing {n} " + "x" * 300)

    webhook.agent.answer = long_answer
    messages = (await webhook.post(sms("list everything"))).messages()
    assert len(messages) == 5
    assert messages[-1] == MORE_TEXT
    assert [message.split()[1] for message in messages[:4]] == ["0", "1", "2", "3"]


async def test_markup_in_a_message_cannot_inject_twiml(start_webhook):
    webhook = await start_webhook()
    markup = '<Message>hi</Message><script>alert(1)</script>]]>&amp;"\'\ufffe'
    reply = await webhook.post(sms(markup))
    messages = reply.messages()  # parses as XML
    assert len(messages) == 1
    assert messages[0] == "You said: " + markup.replace("\ufffe", "")
    assert webhook.agent.received[0].text == markup


# --- Privacy --------------------------------------------------------------------------------------


async def test_the_phone_number_is_kept_nowhere(start_webhook, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    webhook = await start_webhook()
    for text in ("hello", "HELP", "DELETE", "hello", "STOP", "hello", "START", None):
        assert (await webhook.post(sms(text))).status == 200
    webhook.store.engine.dispose()

    seen = [
        caplog.text,
        repr([(record.getMessage(), record.args) for record in caplog.records]),
        repr(webhook.tracker_store.calls),
        repr(webhook.tracker_store.store),
        repr([(m.text, m.sender_id, m.metadata, m.message_id) for m in webhook.agent.received]),
        repr(table_rows(webhook.store)),
    ]
    seen += [path.read_bytes().decode("latin-1") for path in tmp_path.glob("channels.db*")]
    assert len(caplog.records) > 0
    for number in PHONE_FORMS:
        assert not any(number in text for text in seen)
    assert {message.sender_id for message in webhook.agent.received} == {SENDER}


async def test_the_sender_id_is_logged_only_by_its_first_8_characters(start_webhook, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")
    webhook = await start_webhook()
    await webhook.post(sms("hello"))
    bot_logs = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert SENDER[:8] in bot_logs
    assert SENDER[:9] not in bot_logs


# --- Sender ids, the key and configuration -------------------------------------------------------


def test_every_spelling_of_a_number_gets_one_id():
    spellings = ["+12155550123", "2155550123", "(215) 555-0123", "1-215-555-0123", "0012155550123"]
    assert {normalize_phone(spelling) for spelling in spellings} == {"12155550123"}
    assert {sender_id(spelling, KEY) for spelling in spellings} == {SENDER}
    assert sender_id(PHONE, b"another key") != SENDER
    assert len(SENDER) == len("sms-") + 64


def test_configuration_from_credentials_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", "00ff")
    monkeypatch.setenv("NAVIGATOR_CHANNEL_DATABASE_URL", f"sqlite:///{tmp_path / 'channels.db'}")
    ChannelStore(migrate=True).engine.dispose()  # `python -m bot.migrate`, before the server starts
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("NAVIGATOR_PUBLIC_URL", "https://env.example.org/")
    monkeypatch.setenv("NAVIGATOR_TRUST_FORWARDED_HEADERS", "true")

    from_env = TwilioSmsInput.from_credentials(None)
    assert (from_env.auth_token, from_env.public_url) == ("from-env", "https://env.example.org")
    assert from_env.trust_forwarded_headers is True
    assert from_env.reply_timeout == 12
    assert from_env.key == b"\x00\xff"
    assert Path(tmp_path / "channels.db").exists()

    # One precedence rule for every setting (bot.settings): the environment, then the file.
    credentials = {"auth_token": "from-credentials", "public_url": "https://sms.example.org",
                   "trust_forwarded_headers": False, "reply_timeout": 5}
    both = TwilioSmsInput.from_credentials(credentials)
    assert (both.auth_token, both.public_url, both.trust_forwarded_headers) == \
        ("from-env", "https://env.example.org", True)
    for name in ("TWILIO_AUTH_TOKEN", "NAVIGATOR_PUBLIC_URL", "NAVIGATOR_TRUST_FORWARDED_HEADERS"):
        monkeypatch.delenv(name)
    configured = TwilioSmsInput.from_credentials(credentials)
    assert (configured.auth_token, configured.public_url) == ("from-credentials", "https://sms.example.org")
    assert configured.trust_forwarded_headers is False
    assert configured.reply_timeout == 5
    assert TwilioSmsInput.name() == "twilio" and configured.url_prefix() == "twilio"
