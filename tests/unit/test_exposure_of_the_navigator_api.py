"""What a navigator sends /api/search and /api/send stays out of the logs: with every logger
captured at INFO and above (aiohttp's access log included), no record may hold the query, the
place, the phone number in any spelling, or the ZIP code (tests/support/logs.py; the SMS and
widget conversations are tests/integration/test_exposure.py)."""
from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.senders import ChannelStore
from bot.web.app import make_app
from bot.web.config import Settings
from bot.web.middleware import PathOnlyAccessLogger
from support.logs import FIRST_MESSAGE, MARKER, ZIP, assert_nothing_personal
from support.web import BEARER, NAVIGATOR_TOKEN, RASA_TOKEN, SENDER_KEY_HEX, FakeTwilio


async def test_the_navigator_api_logs_no_query_place_or_number(national_registry, fake_rasa, tmp_path, monkeypatch,
                                                             captured_logs):
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", SENDER_KEY_HEX)
    twilio = FakeTwilio()
    ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True).engine.dispose()  # `python -m bot.migrate`
    settings = Settings(database_url=str(national_registry.engine.url), rasa_url=fake_rasa.url, rasa_token=RASA_TOKEN,
                        channel_database_url=f"sqlite:///{tmp_path / 'channels.db'}", navigator_token=NAVIGATOR_TOKEN,
                        twilio_from_number="+15005550006", sms_client=twilio, search_per_minute=8)
    fake_rasa.answers[FIRST_MESSAGE] = [{"entity": "location", "value": ZIP}, {"entity": "medication",
                                                                                "value": "buprenorphine"}]
    server = TestServer(make_app(settings))
    await server.start_server(access_log_class=PathOnlyAccessLogger)  # as main() runs it
    async with TestClient(server) as client:
        found = await client.get("/api/search", params={"q": FIRST_MESSAGE}, headers=BEARER)
        assert found.status == 200
        listing = (await found.json())["listings"][0]["id"]
        assert (await client.get("/api/search", params={"place": ZIP}, headers=BEARER)).status == 200
        for place in (f"{MARKER} town", f"<{MARKER}>", "215-555-0123"):
            assert (await client.get("/api/search", params={"place": place}, headers=BEARER)).status in (400, 422)
        sent = await client.post("/api/send", json={"to": "215-555-0123", "listing_ids": [listing]}, headers=BEARER)
        assert sent.status == 200 and twilio.sent
        for _ in range(6):  # until the address is over its limit
            await client.get("/api/search", params={"place": ZIP, "q": MARKER}, headers=BEARER)
        await client.post("/navigator/login", data={"passphrase": f"{MARKER} {ZIP} 2155550123"})
    assert any(line.startswith("aiohttp.access") for line in captured_logs.lines)

    assert_nothing_personal(captured_logs.lines)
