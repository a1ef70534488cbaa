"""What people tell the assistant stays out of the logs: conversations through the SMS webhook and
the widget, with every logger captured at INFO and above (Rasa's structlog events, Sanic's access
log included), and no record may hold the message, the phone number in any spelling, or the ZIP
code (tests/support/logs.py; /api/search's side is tests/unit/test_exposure_of_the_navigator_api.py).

The conversations run the trained model in this process (tests/system/test_end_to_end.py runs it
as servers), with the custom actions on an in-process action server."""
from __future__ import annotations

import asyncio

from bot.limits import RateLimiter
from support.logs import FIRST_MESSAGE, MARKER, ZIP, assert_nothing_personal
from support.sms import PHONE, sms


# --- the assistant, in this process ---------------------------------------------------------------


async def bot_messages_until(client, done) -> list[str]:
    """The texts of the widget's bot messages, until `done` says they are enough (socket.io's pings
    keep RawSocketIO.next_event waiting, so the caller bounds the whole wait)."""
    texts: list[str] = []
    while not done(texts):
        event, data = await client.next_event()
        texts.append(str(data))
    return texts


def conversation_ran(texts: list[str]) -> bool:
    return any("pay" in text.lower() or "medicaid" in text.lower() for text in texts)


# --- the conversations ----------------------------------------------------------------------------


async def test_an_sms_conversation_logs_no_message_number_or_zip(in_process_assistant, start_webhook, captured_logs):
    webhook = await start_webhook(agent=in_process_assistant, reply_timeout=60, sender_limit=RateLimiter(6),
                                  refused_limit=RateLimiter(2))
    first = await webhook.post(sms(FIRST_MESSAGE))
    assert conversation_ran(first.messages()), first.messages()  # the assistant asked how they would pay
    await webhook.post(sms("medicaid"))
    for text in ("HELP", f"{MARKER} {ZIP}", "DELETE", f"{MARKER} again", f"{MARKER} flood", f"{MARKER} {ZIP}!"):
        assert (await webhook.post(sms(text))).status == 200  # the last ones over the sender's limit
    for _ in range(3):  # unsigned, with everything in it, until it is 429
        await webhook.post(sms(FIRST_MESSAGE), sign=False, headers={"X-Forwarded-For": "2155550123"})
    await webhook.post(body=f"From={PHONE}&Body={MARKER}%FF".encode())  # malformed
    assert (await webhook.post(sms("STOP"))).status == 200

    assert_nothing_personal(captured_logs.lines)


async def test_a_widget_conversation_logs_no_message_number_or_zip(in_process_assistant, start_widget, captured_logs):
    widget = await start_widget(agent=in_process_assistant, access_log=True, session_limit=RateLimiter(3))
    client = await widget.connect()
    token = await client.session(None)
    await client.emit("user_uttered", {"message": FIRST_MESSAGE, "session_id": token})
    replies = await asyncio.wait_for(bot_messages_until(client, conversation_ran), timeout=90)
    await client.emit("user_uttered", {"message": "medicaid", "session_id": token})
    await asyncio.wait_for(client.next_event(), timeout=90)
    for text in (f"{MARKER} {ZIP}", f"{MARKER} 215-555-0123"):  # over the conversation's limit
        await client.emit("user_uttered", {"message": text, "session_id": token})
    await client.emit("user_uttered", {"message": FIRST_MESSAGE, "session_id": "forged." + ZIP})  # refused
    await client.close()

    assert_nothing_personal(captured_logs.lines)
