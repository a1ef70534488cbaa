"""The web side: the navigator page and its API (with the real national registry, a fake Rasa
NLU endpoint and a fake Twilio client), the security headers on every page, and the widget's
socket.io channel on a real Sanic server mounted the way Rasa mounts channels."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from rasa.core.channels.channel import UserMessage
from rasa.core.run import _create_single_channel

from bot import settings
from bot.rasa_server.channels.socketio_secure import CustomJsonSocketIOOutput, SecureSocketIOInput, SessionTokens
from bot.senders import ChannelStore, sender_id
from bot.present import catalogue
from bot.present.sms import is_gsm7
from bot.web.app import make_app
from bot.web.config import Settings
from bot.web.middleware import PathOnlyAccessLogger
from support.sms import PHONE
from support.web import BEARER, NAVIGATOR_TOKEN, RASA_TOKEN, SENDER_KEY_HEX, FakeTwilio, origin, sign_in
from support.widget import WIDGET_ORIGIN

ROOT = Path(__file__).resolve().parents[2]
PHONE_DIGITS = "2155550123"


# --- who may use the navigator page and API -----------------------------------------------------


async def test_without_a_configured_token_the_page_and_api_refuse_everyone(serve):
    client = await serve(navigator_token=None)
    page = await client.get("/navigator", headers=BEARER)
    assert page.status == 403
    assert "NAVIGATOR_NAVIGATOR_TOKEN" in await page.text()
    for response in (await client.get("/api/search", params={"place": "19134"}, headers=BEARER),
                     await client.post("/api/send", json={"to": PHONE, "listing_ids": ["x"]}, headers=BEARER),
                     await client.post("/navigator/login", data={"passphrase": "anything at all here"})):
        assert response.status == 403
    body = await (await client.get("/api/search", params={"place": "19134"})).json()
    assert "NAVIGATOR_NAVIGATOR_TOKEN" in body["error"]


async def test_a_short_navigator_token_is_refused_at_start_up():
    with pytest.raises(ValueError, match="at least 16"):
        Settings(navigator_token="short")


async def test_the_page_and_api_need_the_token(serve):
    client = await serve()
    login_page = await client.get("/navigator")
    assert login_page.status == 401
    assert 'name="passphrase"' in await login_page.text()
    assert (await client.get("/api/search", params={"place": "19134"})).status == 401
    wrong = {"Authorization": "Bearer not-the-navigator-token"}
    assert (await client.get("/api/search", params={"place": "19134"}, headers=wrong)).status == 401
    assert (await client.get("/navigator", headers=wrong)).status == 401
    assert (await client.get("/api/search", params={"place": "19134"}, headers=BEARER)).status == 200
    page = await client.get("/navigator", headers=BEARER)
    assert page.status == 200
    assert 'href="/api/openapi.json"' in await page.text()


async def test_the_sign_in_form_sets_a_strict_http_only_cookie(serve):
    client = await serve()
    wrong = await client.post("/navigator/login", data={"passphrase": "a wrong passphrase"},
                              headers={"Origin": origin(client)})
    assert wrong.status == 401
    response = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                                 headers={"Origin": origin(client)})
    assert response.status == 303 and response.headers["Location"] == "/navigator"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie  # plain http here
    assert NAVIGATOR_TOKEN not in cookie
    assert (await client.get("/navigator")).status == 200
    assert (await client.get("/api/search", params={"place": "19134"})).status == 200
    signed_out = await client.post("/navigator/logout", allow_redirects=False, headers={"Origin": origin(client)})
    assert signed_out.status == 303
    assert (await client.get("/api/search", params={"place": "19134"})).status == 401


async def test_behind_https_the_cookie_is_secure(serve):
    client = await serve(public_url="https://navigator.example.org")
    response = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                                 headers={"Origin": "https://navigator.example.org"})
    assert response.status == 303
    assert "Secure" in response.headers["Set-Cookie"]


async def test_a_sign_in_posted_from_another_site_is_refused(serve):
    client = await serve()
    response = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                                 headers={"Origin": "https://evil.example"})
    assert response.status == 403
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("headers, allowed", [
    ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, True),  # a browser under Referrer-Policy: no-referrer
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Origin": "null"}, False),
    ({}, True),  # not a browser: nothing to forge
])
async def test_sign_in_trusts_the_browsers_word_on_where_a_post_comes_from(serve, headers, allowed):
    client = await serve()
    response = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                                 headers=headers)
    assert response.status == (303 if allowed else 403)


async def test_repeated_wrong_passphrases_are_slowed_down(serve):
    client = await serve()
    statuses = [(await client.post("/navigator/login", data={"passphrase": f"guess number {n}"})).status
                for n in range(11)]
    assert statuses == [401] * 10 + [429]
    # Even the right passphrase waits out the window.
    assert (await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                              allow_redirects=False)).status == 429


# --- /api/search ------------------------------------------------------------------------------


@pytest.mark.parametrize("params, parameter", [
    ({"place": "19134", "page_size": "0"}, "page_size"),
    ({"place": "19134", "page_size": "21"}, "page_size"),
    ({"place": "19134", "page_size": "five"}, "page_size"),
    ({"place": "19134", "page": "-1"}, "page"),
    ({"place": "19134", "medication": "metadone"}, "medication"),
    ({"place": "19134", "medication": "methadone,"}, "medication"),
    ({"place": "19134", "payment": "<b>medicaid</b>"}, "payment"),
    ({"medication": "methadone"}, "place"),
    ({"place": "1" * 5000}, "place"),
    ({"place": "<script>alert(1)</script>"}, "place"),
    ({"place": "19134\nSet-Cookie: x=1"}, "place"),
    ({"place": "91.5,-75.1"}, "place"),
    ({"place": "19134", "q": "<img src=x onerror=alert(1)>"}, "q"),
    ({"place": "19134", "medicaton": "methadone"}, "medicaton"),
])
async def test_bad_parameters_are_refused_naming_the_parameter(serve, params, parameter):
    client = await serve()
    response = await client.get("/api/search", params=params, headers=BEARER)
    assert response.status == 400
    body = await response.json()
    assert body["parameter"] == parameter
    assert body["error"]


async def test_a_parameter_given_twice_is_refused(serve):
    client = await serve()
    response = await client.get("/api/search?place=19134&place=19104", headers=BEARER)
    assert response.status == 400
    assert (await response.json())["parameter"] == "place"


async def test_an_unknown_place_is_422_with_the_geocoders_reason(serve):
    client = await serve()
    response = await client.get("/api/search", params={"place": "Zzyzxqq"}, headers=BEARER)
    assert response.status == 422
    assert (await response.json())["reason"] == "not_found"
    ambiguous = await client.get("/api/search", params={"place": "Springfield"}, headers=BEARER)
    assert ambiguous.status == 422
    body = await ambiguous.json()
    assert body["reason"] == "ambiguous" and body["parameter"] == "place"
    assert "Springfield, MO" in [c["name"] for c in body["candidates"]]


async def test_methadone_near_19134_is_certified_programs_nearest_first(serve, national_registry):
    client = await serve()
    response = await client.get("/api/search", params={"place": "19134", "medication": "methadone",
                                                       "page_size": "10"}, headers=BEARER)
    assert response.status == 200
    body = await response.json()
    expected = national_registry.search("19134", ["medication:methadone"], page_size=10)
    assert [l["id"] for l in body["listings"]] == [r.id for r in expected.results]
    assert all("setting:otp" in r.terms for r in expected.results)
    miles = [l["miles"] for l in body["listings"]]
    assert len(miles) == 10 and miles == sorted(miles) and miles[0] < 5
    assert body["place"]["name"] == "Philadelphia, PA 19134"
    first = body["listings"][0]
    assert first["n"] == 1 and first["matched"] == ["methadone"]
    assert first["address"] and first["map_url"].startswith("https://")
    assert "checked" in first["source"] and first["sources"][0]["checked"]
    assert {"SAMHSA National Helpline", "988 Suicide & Crisis Lifeline"} <= {s["name"] for s in body["national"]}
    assert body["has_more"] is True
    second_page = await (await client.get("/api/search", params={"place": "19134", "medication": "methadone",
                                                                   "page_size": "10", "page": "2"},
                                          headers=BEARER)).json()
    assert second_page["listings"][0]["n"] == 11 and second_page["listings"][0]["miles"] >= miles[-1]


async def test_several_codes_and_coordinates_are_accepted(serve, national_registry):
    client = await serve()
    response = await client.get("/api/search?place=39.99,-75.12&payment=medicaid,medicare&access=walk_in"
                                "&medication=buprenorphine", headers=BEARER)
    assert response.status == 200
    body = await response.json()
    assert [f["id"] for f in body["filters"]] == ["access:walk_in", "medication:buprenorphine", "payment:medicaid",
                                                  "payment:medicare"]
    assert body["place"]["precision"] == "exact"
    assert body["listings"]


async def test_q_is_read_by_rasa_into_filters_and_a_place(serve, fake_rasa, national_registry):
    query = "bup walk-in medicaid 19134"
    fake_rasa.answers[query] = [
        {"entity": "medication", "value": "buprenorphine", "start": 0, "end": 3},
        {"entity": "access", "value": "walk_in", "start": 4, "end": 11},
        {"entity": "payment", "value": "medicaid", "start": 12, "end": 20},
        {"entity": "location", "value": "19134", "start": 21, "end": 26},
    ]
    client = await serve(rasa_url=fake_rasa.url)
    response = await client.get("/api/search", params={"q": query}, headers=BEARER)
    assert response.status == 200
    body = await response.json()
    assert fake_rasa.requests == [{"token": RASA_TOKEN, "text": query}]
    wanted = ["access:walk_in", "medication:buprenorphine", "payment:medicaid"]
    assert [f["id"] for f in body["filters"]] == wanted
    assert body["understood"]["place"] == "19134"
    assert body["place"]["name"] == "Philadelphia, PA 19134"
    expected = national_registry.search("19134", wanted, page_size=5)
    assert [l["id"] for l in body["listings"]] == [r.id for r in expected.results]


async def test_q_adds_to_the_filter_fields_and_place_wins_over_its_place(serve, fake_rasa):
    fake_rasa.answers["no insurance near camden"] = [
        {"entity": "payment", "value": "uninsured"}, {"entity": "location", "value": "camden nj"}]
    client = await serve(rasa_url=fake_rasa.url)
    body = await (await client.get("/api/search", params={"q": "no insurance near camden", "place": "19134",
                                                           "medication": "methadone"}, headers=BEARER)).json()
    assert body["place"]["name"] == "Philadelphia, PA 19134"
    assert {"medication:methadone", "payment:self_pay", "payment:sliding_fee", "payment:free",
            "payment:state_funded"} == {f["id"] for f in body["filters"]}


async def test_q_without_a_place_anywhere_is_400(serve, fake_rasa):
    fake_rasa.answers["methadone"] = [{"entity": "medication", "value": "methadone"}]
    client = await serve(rasa_url=fake_rasa.url)
    response = await client.get("/api/search", params={"q": "methadone"}, headers=BEARER)
    assert response.status == 400
    assert (await response.json())["parameter"] == "place"


async def test_with_rasa_down_q_is_502_and_the_filter_fields_still_work(serve):
    client = await serve()  # its Rasa URL points at a port nobody listens on
    response = await client.get("/api/search", params={"q": "bup near 19134"}, headers=BEARER)
    assert response.status == 502
    body = await response.json()
    assert body["parameter"] == "q" and "Rasa" in body["error"]
    assert (await client.get("/api/search", params={"place": "19134", "medication": "buprenorphine"},
                             headers=BEARER)).status == 200


async def test_a_wrong_rasa_token_is_502_not_a_crash(serve, fake_rasa):
    client = await serve(rasa_url=fake_rasa.url, rasa_token="not-the-token")
    response = await client.get("/api/search", params={"q": "bup near 19134"}, headers=BEARER)
    assert response.status == 502


# --- health centers: a tier of their own (issue 18) -------------------------------------------

HEALTH_CENTER_LABEL = "Community health center, sliding fee, many prescribe buprenorphine, call to ask"


async def test_a_rural_search_gives_health_centers_apart_from_its_listings(serve, national_registry):
    client = await serve()
    body = await (await client.get("/api/search", params={"place": "57501", "medication": "buprenorphine"},
                                   headers=BEARER)).json()
    (first, *_) = body["health_centers"]
    assert first["name"] == "Oahe Valley Health Center" and first["tel"] == "tel:+16052232200"
    assert first["line"].startswith("Community health center (sliding fee; many prescribe buprenorphine, call to ask)")
    assert "HRSA" in first["source"] and len(body["health_centers"]) <= 2
    listed = {listing["id"] for listing in body["listings"]}
    assert not listed & {center["id"] for center in body["health_centers"]}
    assert all(any(m.startswith("buprenorphine") for m in listing["matched"]) for listing in body["listings"])
    # In a city with buprenorphine places near, none; asking for a doctor (setting=health_center) with a
    # treatment need brings them anyway; asking for health centers alone lists them.
    city = await (await client.get("/api/search", params={"place": "19134", "medication": "buprenorphine"},
                                   headers=BEARER)).json()
    assert city["health_centers"] == []
    doctor = await (await client.get("/api/search", params={"place": "19134", "medication": "buprenorphine",
                                                            "setting": "health_center"}, headers=BEARER)).json()
    assert doctor["health_centers"] and all(any(m.startswith("buprenorphine") for m in listing["matched"])
                                           for listing in doctor["listings"])
    alone = await (await client.get("/api/search", params={"place": "57501", "setting": "health_center"},
                                    headers=BEARER)).json()
    assert alone["listings"][0]["name"] == "Oahe Valley Health Center" and alone["health_centers"] == []


def test_the_navigator_page_shows_health_centers_on_their_own_never_as_a_place_to_send(national_registry):
    """navigator.js run by node against a stand-in DOM (tests/support/navigator_dom.js), given the API's body."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    from bot.present.api import search_json

    result = national_registry.search("57501", ["medication:buprenorphine"], page_size=10)
    assert result.health_centers
    body = json.dumps(search_json(result, None))
    run = subprocess.run([node, str(ROOT / "tests" / "support" / "navigator_dom.js"),
                          str(ROOT / "bot" / "web" / "static" / "pages" / "navigator.js")],
                         input=body, capture_output=True, text=True, timeout=30, check=True)
    shown = json.loads(run.stdout)

    def nodes(node):
        yield node
        for child in node[3]:
            yield from nodes(child)

    def text_of(node):
        return node[2] + "".join(text_of(child) for child in node[3])

    everything = list(nodes(shown["results"]))
    (section,) = [n for n in everything if "health-centers" in n[1].split()]
    items = [n for n in nodes(section) if n[1] == "health-center"]
    assert [text_of(item[3][0]) for item in items] == [f"{r.name} - {r.miles:.1f} mi" for r in result.health_centers]
    for item, center in zip(items, result.health_centers):
        said = text_of(item)
        assert HEALTH_CENTER_LABEL in said and f"Call {center.phone}" in said and "buprenorphine" not in said.replace(
            HEALTH_CENTER_LABEL, "")
        assert not [n for n in nodes(item) if n[0] == "input"]  # no "Send to client" box
    numbered = [n for n in everything if n[1] == "listing"]
    assert len(numbered) == len(result.results) and not any(
        r.name in text_of(n) for n in numbered for r in result.health_centers)
    assert shown["status"].startswith(f"{len(result.results)} places near ")


# --- /api/send --------------------------------------------------------------------------------


async def nearest_ids(client: TestClient, medication: str = "methadone", count: int = 2) -> list[str]:
    body = await (await client.get("/api/search", params={"place": "19134", "medication": medication},
                                   headers=BEARER)).json()
    return [listing["id"] for listing in body["listings"][:count]]


async def test_send_without_twilio_configured_is_503(serve):
    client = await serve()
    response = await client.post("/api/send", json={"to": PHONE, "listing_ids": await nearest_ids(client)},
                                 headers=BEARER)
    assert response.status == 503
    assert "TWILIO_ACCOUNT_SID" in (await response.json())["error"]


async def test_send_refuses_a_number_that_texted_stop(serve, tmp_path):
    twilio = FakeTwilio()
    client = await serve(sms_client=twilio, twilio_from_number="+12155550000")
    store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True)
    store.suppress(sender_id(PHONE, bytes.fromhex(SENDER_KEY_HEX)))
    ids = await nearest_ids(client)
    for spelling in (PHONE, "(215) 555-0123", "1-215-555-0123"):
        response = await client.post("/api/send", json={"to": spelling, "listing_ids": ids}, headers=BEARER)
        assert response.status == 409
        assert "STOP" in (await response.json())["error"]
    assert twilio.sent == []


async def test_send_texts_plain_gsm7_and_keeps_no_number(serve, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    twilio = FakeTwilio()
    client = await serve(sms_client=twilio, twilio_from_number="+12155550000")
    ids = await nearest_ids(client, "buprenorphine", 3)
    response = await client.post("/api/send", json={"to": "215-555-0123", "listing_ids": ids}, headers=BEARER)
    assert response.status == 200
    assert await response.json() == {"sent": len(twilio.sent), "listings": 3}
    assert twilio.sent and all(m["to"] == PHONE and m["from_"] == "+12155550000" for m in twilio.sent)
    text = "\n\n".join(m["body"] for m in twilio.sent)
    assert all(is_gsm7(m["body"]) for m in twilio.sent)
    assert "1. Pathways to Recovery" in text and "checked Sep 2020" in text and "Reply STOP" in text
    logged = caplog.text
    assert PHONE_DIGITS not in logged and "555-0123" not in logged
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert PHONE_DIGITS.encode() not in stored and b"555-0123" not in stored


@pytest.mark.parametrize("body, parameter", [
    ({"to": "555-0123", "listing_ids": ["x"]}, "to"),
    ({"to": "+1 123 555 0123", "listing_ids": ["x"]}, "to"),
    ({"to": "call me", "listing_ids": ["x"]}, "to"),
    ({"to": PHONE, "listing_ids": []}, "listing_ids"),
    ({"to": PHONE, "listing_ids": ["<script>"]}, "listing_ids"),
    ({"to": PHONE, "listing_ids": ["a", "b", "c", "d", "e", "f"]}, "listing_ids"),
    ({"to": PHONE, "listing_ids": ["00000000-0000-0000-0000-000000000000"]}, "listing_ids"),
    ({"to": PHONE, "listing_ids": ["x"], "note": "hi"}, "note"),
])
async def test_send_validates_the_number_and_the_listing_ids(serve, body, parameter):
    twilio = FakeTwilio()
    client = await serve(sms_client=twilio, twilio_from_number="+12155550000")
    response = await client.post("/api/send", json=body, headers=BEARER)
    assert response.status == 400
    assert (await response.json())["parameter"] == parameter
    assert twilio.sent == []


async def test_an_international_number_in_e164_is_accepted(serve):
    twilio = FakeTwilio()
    client = await serve(sms_client=twilio, twilio_from_number="+12155550000")
    response = await client.post("/api/send", json={"to": "+44 7700 900123", "listing_ids": await nearest_ids(client)},
                                 headers=BEARER)
    assert response.status == 200
    assert twilio.sent[0]["to"] == "+447700900123"


async def test_send_from_the_page_needs_its_csrf_token_and_this_origin(serve):
    twilio = FakeTwilio()
    client = await serve(sms_client=twilio, twilio_from_number="+12155550000")
    csrf = await sign_in(client)
    ids = await nearest_ids(client)
    forged = await client.post("/api/send", json={"to": PHONE, "listing_ids": ids}, headers={"Origin": origin(client)})
    assert forged.status == 403
    wrong_token = await client.post("/api/send", json={"to": PHONE, "listing_ids": ids},
                                    headers={"Origin": origin(client), "X-CSRF-Token": "0" * 64})
    assert wrong_token.status == 403
    other_site = await client.post("/api/send", json={"to": PHONE, "listing_ids": ids},
                                   headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf})
    assert other_site.status == 403
    assert twilio.sent == []
    sent = await client.post("/api/send", json={"to": PHONE, "listing_ids": ids},
                             headers={"Origin": origin(client), "X-CSRF-Token": csrf})
    assert sent.status == 200 and twilio.sent


async def test_a_twilio_failure_is_502_without_the_number(serve, caplog):
    from twilio.base.exceptions import TwilioRestException

    class RefusingTwilio(FakeTwilio):
        def create(self, *, to: str, from_: str, body: str):
            raise TwilioRestException(400, "https://api.twilio.com/Messages.json",
                                      f"The 'To' number {to} is not a valid phone number.", code=21211)

    client = await serve(sms_client=RefusingTwilio(), twilio_from_number="+12155550000")
    response = await client.post("/api/send", json={"to": PHONE, "listing_ids": await nearest_ids(client)},
                                 headers=BEARER)
    assert response.status == 502
    body = await response.json()
    assert "21211" in body["error"] and PHONE_DIGITS not in json.dumps(body)
    assert PHONE_DIGITS not in caplog.text


# --- every page: headers, no inline script, the OpenAPI document --------------------------------


async def test_every_response_has_a_strict_content_security_policy(serve):
    client = await serve(frame_ancestors="https://county.example.gov", rasa_public_url="https://chat.example.org")
    paths = ["/", "/widget/widget.js", "/widget/widget.css", "/widget/socket.io.min.js", "/static/navigator.js",
             "/static/host.css", "/navigator", "/navigator/reviews", "/api/openapi.json", "/api/search",
             "/no-such-page"]
    for path in paths:
        response = await client.get(path)
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["default-src"] == "'none'", path
        assert directives["connect-src"] == "'self' https://chat.example.org wss://chat.example.org", path
        assert directives["frame-ancestors"] == "https://county.example.gov", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path


async def test_pages_have_no_inline_script_and_the_host_page_embeds_one_script_and_one_element(serve):
    client = await serve()
    pages = {path: await (await client.get(path, headers=BEARER)).text() for path in ("/", "/navigator")}
    pages["login"] = await (await client.get("/navigator")).text()
    for path, page in pages.items():
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert all(re.search(r'\bsrc="/', tag) for tag in scripts), path
        assert not re.search(r"<[^>]+\son\w+\s*=", page), path
        assert not re.search(r"<[^>]+\sstyle\s*=", page), path
    host = pages["/"]
    assert re.findall(r"<script\b[^>]*>", host) == ['<script src="/widget/widget.js" defer>']
    assert len(re.findall(r'<[a-z]+ id="treatment-navigator"', host)) == 1  # the snippet shown is escaped


async def test_widget_assets_are_served_with_the_socket_io_client_and_its_licence(serve):
    client = await serve()
    for path in ("/widget/widget.js", "/widget/widget.css", "/widget/socket.io.min.js",
                 "/widget/socket.io-client-LICENSE.txt"):
        assert (await client.get(path)).status == 200, path
    script = await (await client.get("/widget/widget.js")).text()
    assert "innerHTML" not in script and "eval(" not in script
    assert "MIT License" in await (await client.get("/widget/socket.io-client-LICENSE.txt")).text()


async def test_the_access_log_has_no_query_string(national_registry, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", SENDER_KEY_HEX)
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True).engine.dispose()  # `python -m bot.migrate`
    settings = Settings(database_url=str(national_registry.engine.url), rasa_token=RASA_TOKEN,
                        channel_database_url=f"sqlite:///{tmp_path / 'channels.db'}", navigator_token=NAVIGATOR_TOKEN)
    server = TestServer(make_app(settings))
    await server.start_server(access_log_class=PathOnlyAccessLogger)  # as main() runs it
    async with TestClient(server) as client:
        assert (await client.get("/api/search", params={"place": "Camden, NJ"}, headers=BEARER)).status == 200
    access = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert access and all("Camden" not in line and "?" not in line for line in access)
    assert "GET /api/search" in access[0]


# --- the widget's socket.io channel -------------------------------------------------------------


async def reply_with_text_and_cards(message: UserMessage) -> None:
    await message.output_channel.send_response(message.sender_id, {"text": f"got {message.text}"})
    await message.output_channel.send_response(message.sender_id, {"custom": {"type": "listings", "listings": []}})


@pytest.fixture
async def widget_channel(start_widget):
    """The channel on a real Sanic server with Rasa's CORS set-up; a fake agent answers each
    message with a text and a cards payload, as the assistant does."""
    return await start_widget(reply=reply_with_text_and_cards)


TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}\.\d+\.[A-Za-z0-9_-]{43}$")


async def test_a_session_id_the_server_did_not_issue_is_replaced_and_refused(widget_channel):
    client = await widget_channel.connect()
    assert client.connected
    token = await client.session("0123456789abcdef0123456789abcdef")
    assert TOKEN_PATTERN.match(token) and not token.startswith("0123456789abcdef")
    await client.emit("user_uttered", {"message": "hello", "session_id": "0123456789abcdef0123456789abcdef"})
    with pytest.raises(asyncio.TimeoutError):
        await client.next_event(timeout=0.5)
    assert widget_channel.received == []
    await client.close()


async def test_an_issued_session_gets_replies_and_cards_and_can_reconnect(widget_channel):
    first = await widget_channel.connect()
    token = await first.session(None)
    await first.emit("user_uttered", {"message": "need bupe near 19134", "session_id": token})
    assert await first.next_event() == ("bot_uttered", {"text": "got need bupe near 19134"})
    assert await first.next_event() == ("bot_uttered", {"custom": {"type": "listings", "listings": []}})
    message = widget_channel.received[0]
    conversation = token.split(".")[0]
    assert message.sender_id == f"web-{conversation}" and message.input_channel == "socketio"
    # Only what the server says of its own channel: the widget shows cards.
    assert message.metadata == {"reply_capabilities": {"cards": True}}
    await first.close()

    again = await widget_channel.connect()
    assert await again.session(token) == token
    await again.emit("user_uttered", {"message": "medicaid", "session_id": token})
    assert await again.next_event() == ("bot_uttered", {"text": "got medicaid"})
    assert widget_channel.received[1].sender_id == f"web-{conversation}"
    await again.close()


async def test_another_sockets_session_is_refused(widget_channel):
    owner, other = await widget_channel.connect(), await widget_channel.connect()
    owners_token = await owner.session(None)
    await other.session(None)
    await other.emit("user_uttered", {"message": "let me in", "session_id": owners_token})
    with pytest.raises(asyncio.TimeoutError):
        await other.next_event(timeout=0.5)
    assert widget_channel.received == []
    await owner.close()
    await other.close()


async def test_a_tampered_or_foreign_token_gets_a_new_session(widget_channel):
    client = await widget_channel.connect()
    token = await client.session(None)
    conversation, issued, signature = token.split(".")
    tampered = f"{'f' * 32}.{issued}.{signature}"
    foreign, _ = SessionTokens(b"another-server-secret", 3600).issue()
    for presented in (tampered, foreign, token + "x", 12345, {"nested": token}):
        assert await client.session(presented) not in (tampered, foreign)
    await client.close()


async def test_an_expired_token_is_not_accepted():
    tokens = SessionTokens(b"secret", max_age_seconds=60)
    token, conversation = tokens.issue()
    assert tokens.conversation_of(token) == conversation == token.split(".")[0]
    old = f"{conversation}.1000.{tokens._signature(conversation, '1000')}"
    assert tokens.conversation_of(old) is None


async def test_a_disallowed_origin_is_refused(widget_channel):
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await widget_channel.connect("https://evil.example")
    assert refused.value.status == 400
    polling = await widget_channel.session.get(f"{widget_channel.url}/socket.io/?EIO=4&transport=polling",
                                               headers={"Origin": "https://evil.example"})
    assert polling.status == 400 and "Access-Control-Allow-Origin" not in polling.headers
    allowed = await widget_channel.session.get(f"{widget_channel.url}/socket.io/?EIO=4&transport=polling",
                                               headers={"Origin": WIDGET_ORIGIN})
    assert allowed.status == 200 and allowed.headers["Access-Control-Allow-Origin"] == WIDGET_ORIGIN
    no_origin = await widget_channel.connect(origin=None)
    assert not no_origin.connected and no_origin.connect_reply.startswith("44")
    await no_origin.close()


async def test_the_output_channel_reports_socketio_to_the_tracker(widget_channel):
    output = widget_channel.channel.get_output_channel()
    assert isinstance(output, CustomJsonSocketIOOutput)
    assert output.name() == "socketio" and SecureSocketIOInput.name() == "socketio"


def test_credentials_register_the_secure_channel(monkeypatch):
    monkeypatch.setenv(settings.WIDGET_SECRET.name, "test-secret")
    monkeypatch.delenv(settings.WIDGET_ORIGINS.name, raising=False)
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert "socketio" not in credentials
    name = "bot.rasa_server.channels.socketio_secure.SecureSocketIOInput"
    channel = _create_single_channel(name, credentials[name])
    assert isinstance(channel, SecureSocketIOInput)
    assert channel.origins == ["http://localhost:8080"]
    monkeypatch.setenv(settings.WIDGET_ORIGINS.name, "https://health.example.gov, https://www.example.gov/")
    assert _create_single_channel(name, credentials[name]).origins == ["https://health.example.gov",
                                                                      "https://www.example.gov"]




# --- the widget's wording and buttons (issue 17: the web chat does not speak SMS) -------------------

SMS_WORDING = re.compile(r"(?i:reply with (a|its) number|reply \d|text (help|new|delete|stop)|type (more|new))|"
                         r"\b(MORE|NEW|HELP|DELETE)\b")


async def reply_as_sms_would(message: UserMessage) -> None:
    """What the actions and the rules send, whatever the channel: texts written for SMS, with buttons."""
    await message.output_channel.send_response(message.sender_id, {"text": catalogue.text("utter_default")})
    await message.output_channel.send_response(message.sender_id, {
        "text": catalogue.text("ask_need"), "buttons": catalogue.question_buttons("need")})
    await message.output_channel.send_response(message.sender_id, {"text": catalogue.text("ask_which_place",
                                                                                          location="Springfield")})


async def test_the_widget_gets_its_own_wording_of_texts_written_for_sms(start_widget):
    channel = await start_widget(reply=reply_as_sms_would)
    client = await channel.connect()
    token = await client.session(None)
    await client.emit("user_uttered", {"message": "???", "session_id": token})
    replies = [(await client.next_event())[1] for _ in range(3)]
    texts = [reply["text"] for reply in replies]
    assert texts == [catalogue.text("web_utter_default"), catalogue.text("web_ask_need"),
                     "There's more than one Springfield. Which one? Tap it or add the state."]
    assert not any(SMS_WORDING.search(t) for t in texts)
    # The question's choices are still buttons.
    assert [r["title"] for r in replies[1]["quick_replies"]] == [b["title"] for b in catalogue.question_buttons("need")]
    await client.close()


def test_every_text_written_for_sms_has_a_web_wording_that_is_not():
    from bot.present.channels import WEB_PREFIX, web_text

    texts = catalogue.catalogue()
    sms_only = {"sms_help", "sms_deleted", "sms_picture", "sms_empty", "sms_more", "sms_slow_down", "client_closing",
                "footer_text", "footer_text_more", "footer_text_short", "footer_text_short_more", "footer_text_tight",
                "footer_text_tight_more"}
    for key, template in texts.items():
        if key.startswith(WEB_PREFIX) or key in sms_only:
            continue
        filled = catalogue.text(key, location="Springfield", retention_hours=24, numbers="1-3")
        if SMS_WORDING.search(filled):
            assert WEB_PREFIX + key in texts, f"{key} speaks SMS and has no web wording: {filled!r}"
            shown = web_text(filled)
            assert shown != filled and not SMS_WORDING.search(shown), (key, shown)
    for key in texts:
        if key.startswith(WEB_PREFIX):
            assert key.removeprefix(WEB_PREFIX) in texts, f"{key} words a text that does not exist"
    assert web_text("Closest for methadone near Camden, NJ 08102:") == "Closest for methadone near Camden, NJ 08102:"


def test_one_public_url_is_the_default_of_the_pages_and_the_widgets_addresses():
    one = Settings.from_env({"NAVIGATOR_PUBLIC_URL": "https://navigator.example.gov/",
                             "NAVIGATOR_RASA_URL": "http://rasa-1:5005"})
    assert one.public_url == one.rasa_public_url == "https://navigator.example.gov"
    assert one.rasa_url == "http://rasa-1:5005"
    apart = Settings.from_env({"NAVIGATOR_PUBLIC_URL": "https://sms.example.gov",
                               "NAVIGATOR_WEB_PUBLIC_URL": "https://navigator.example.gov",
                               "NAVIGATOR_RASA_PUBLIC_URL": "https://chat.example.gov"})
    assert (apart.public_url, apart.rasa_public_url) == ("https://navigator.example.gov", "https://chat.example.gov")
    local = Settings.from_env({})
    assert local.public_url is None and local.rasa_public_url == "http://localhost:5005"


@pytest.mark.parametrize("trusted, forwarded, secure", [
    (True, {"X-Forwarded-Proto": "https"}, True),
    (True, {"X-Forwarded-Proto": "http"}, False),
    (True, {}, False),
    (False, {"X-Forwarded-Proto": "https"}, False),  # anyone can send the header when no proxy sets it
])
async def test_behind_a_trusted_tls_proxy_both_cookies_are_secure(serve, trusted, forwarded, secure):
    client = await serve(trust_forwarded_headers=trusted)
    headers = {"Origin": origin(client), **forwarded}
    # A wrong passphrase first: the throttle gives this client a device cookie.
    wrong = await client.post("/navigator/login", data={"passphrase": "a wrong passphrase"}, headers=headers)
    right = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                              headers=headers)
    assert right.status == 303
    cookies = wrong.headers.getall("Set-Cookie", []) + right.headers.getall("Set-Cookie", [])
    assert any(c.startswith("navigator_session=") for c in cookies)
    assert any(c.startswith("navigator_device=") for c in cookies), cookies
    assert all(("; Secure" in c) is secure for c in cookies), cookies


async def test_production_serves_a_neutral_page_naming_the_deployer_not_the_demo_county(serve):
    client = await serve(production=True, deployer_name="Example County <Health>",
                         deployer_contact_url="https://health.example.gov/contact?a=1&b=2")
    page = await (await client.get("/")).text()
    assert "Clearwater" not in page and "treatment-navigator" not in page and "<script" not in page
    assert "This service is run by Example County &lt;Health&gt;." in page
    assert '<a href="https://health.example.gov/contact?a=1&amp;b=2">' in page
    assert "988" in page and "1-800-662-4357" in page

    unnamed = await (await (await serve(production=True)).get("/")).text()
    assert "Clearwater" not in unnamed and "run by" not in unnamed and "<a " not in unnamed

    demo = await (await (await serve()).get("/")).text()
    assert "Clearwater County" in demo and 'id="treatment-navigator"' in demo


def test_production_mode_and_the_deployer_are_read_from_the_settings():
    read = Settings.from_env({"NAVIGATOR_MODE": "production", "NAVIGATOR_DEPLOYER_NAME": "Example County",
                              "NAVIGATOR_DEPLOYER_CONTACT_URL": "https://health.example.gov"})
    assert (read.production, read.deployer_name, read.deployer_contact_url) == (
        True, "Example County", "https://health.example.gov")
    assert Settings.from_env({}).production is False
    with pytest.raises(ValueError, match="deployer_contact_url"):
        Settings(deployer_contact_url="javascript:alert(1)")
