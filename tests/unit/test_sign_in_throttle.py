"""The sign-in throttle per client (issue 19, finding 7): wrong passphrases and bearer tokens
from one address are slowed down, but a signed-in navigator, and a browser or API client that has
used the token before, is never locked out by what others at the same address did; guessing gets
429 past the limit whatever the guess, so a blocked guesser learns nothing.

Every client here connects from 127.0.0.1, as every navigator behind a proxy does when
NAVIGATOR_TRUST_FORWARDED_HEADERS is off."""
from __future__ import annotations

import logging

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from support.web import BEARER, NAVIGATOR_TOKEN

from bot.web import login_throttle
from bot.web.auth import DEVICE_COOKIE, PROXY_WARNING, SESSION_COOKIE
from bot.web.login_throttle import MAX_LOGIN_FAILURES, LoginThrottle

WRONG = {"Authorization": "Bearer a-guess-at-the-token"}
SEARCH = {"place": "19134"}


async def another_client(client: TestClient) -> aiohttp.ClientSession:
    """Another browser or script at the same address: its own cookie jar (one that keeps a cookie
    from an IP address, as a browser does)."""
    return aiohttp.ClientSession(f"http://{client.host}:{client.port}", cookie_jar=aiohttp.CookieJar(unsafe=True))


async def guess_bearer(client, times: int = MAX_LOGIN_FAILURES, path: str = "/api/search") -> list[int]:
    return [(await client.get(path, params=SEARCH, headers=WRONG)).status for _ in range(times)]


async def guess_form(client, times: int = MAX_LOGIN_FAILURES) -> list[int]:
    return [(await client.post("/navigator/login", data={"passphrase": f"guess number {n}"},
                               allow_redirects=False)).status for n in range(times)]


async def test_ten_wrong_bearer_tokens_then_the_right_one_is_200_for_a_client_that_used_it_before(serve):
    client = await serve()
    assert (await client.get("/api/search", params=SEARCH, headers=BEARER)).status == 200  # a navigator's script
    assert DEVICE_COOKIE in {cookie.key for cookie in client.session.cookie_jar}
    assert await guess_bearer(client) == [401] * MAX_LOGIN_FAILURES  # a typo in its configuration
    assert (await client.get("/api/search", params=SEARCH, headers=WRONG)).status == 429
    assert (await client.get("/api/search", params=SEARCH, headers=BEARER)).status == 200


async def test_a_guesser_at_the_same_address_locks_out_no_known_client(serve):
    client = await serve()
    assert (await client.get("/api/search", params=SEARCH, headers=BEARER)).status == 200
    async with await another_client(client) as guesser:
        assert await guess_bearer(guesser) == [401] * MAX_LOGIN_FAILURES
        assert await guess_form(guesser, 2) == [429, 429]
    assert (await client.get("/api/search", params=SEARCH, headers=BEARER)).status == 200
    page = await client.get("/navigator", headers=BEARER)
    assert page.status == 200


async def test_ten_wrong_passphrases_then_another_navigators_session_from_the_same_address_is_200(serve):
    client = await serve()
    async with await another_client(client) as navigator:
        signed_in = await navigator.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                                         allow_redirects=False)
        assert signed_in.status == 303
        assert await guess_form(client) == [401] * MAX_LOGIN_FAILURES
        assert await guess_form(client, 1) == [429]
        assert (await navigator.get("/api/search", params=SEARCH)).status == 200
        assert (await navigator.get("/navigator")).status == 200
        # A session holder whose script sends a stale token is still served by the session.
        assert (await navigator.get("/api/search", params=SEARCH, headers=WRONG)).status == 200


async def test_a_navigator_whose_session_ended_signs_in_again_while_the_address_is_blocked(serve):
    client = await serve()
    async with await another_client(client) as navigator:
        assert (await navigator.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                                     allow_redirects=False)).status == 303
        navigator.cookie_jar.clear(lambda cookie: cookie.key == SESSION_COOKIE)  # the shift ended
        assert await guess_form(client) == [401] * MAX_LOGIN_FAILURES
        again = await navigator.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False)
        assert again.status == 303 and SESSION_COOKIE in again.cookies


async def test_a_signed_in_navigator_has_its_own_search_limit(serve):
    client = await serve(search_per_minute=2)
    async with await another_client(client) as navigator:
        assert (await navigator.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                                     allow_redirects=False)).status == 303
        assert [(await client.get("/api/search", params=SEARCH)).status for _ in range(3)] == [401, 401, 429]
        assert (await navigator.get("/api/search", params=SEARCH)).status == 200


async def test_guessing_gets_429_after_the_limit_whatever_the_guess(serve):
    client = await serve()
    assert await guess_bearer(client) == [401] * MAX_LOGIN_FAILURES
    blocked = await client.get("/api/search", params=SEARCH, headers=WRONG)
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) >= 1
    # The right token from this client is refused the same way: the answer tells it nothing.
    right = await client.get("/api/search", params=SEARCH, headers=BEARER)
    assert (right.status, await right.json()) == (blocked.status, await blocked.json())
    assert (await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                              allow_redirects=False)).status == 429
    assert (await client.get("/navigator", headers=BEARER)).status == 429
    # A device cookie it made up, or one from another token, does not make it a known client.
    for made_up in ("9999999999.00ff.abc", "9999999999.00ff." + "0" * 64, ""):
        async with aiohttp.ClientSession(f"http://{client.host}:{client.port}",
                                         cookies={DEVICE_COOKIE: made_up}) as forger:
            assert (await forger.get("/api/search", params=SEARCH, headers=BEARER)).status == 429
    other_token = await serve(navigator_token="another-navigator-passphrase")
    foreign = await other_token.get("/api/search", params=SEARCH,
                                    headers={"Authorization": "Bearer another-navigator-passphrase"})
    device = foreign.cookies[DEVICE_COOKIE].value
    async with aiohttp.ClientSession(f"http://{client.host}:{client.port}", cookies={DEVICE_COOKIE: device}) as forger:
        assert (await forger.get("/api/search", params=SEARCH, headers=BEARER)).status == 429


async def test_a_bearer_token_on_the_navigator_page_is_a_counted_guess(serve):
    client = await serve()
    assert await guess_bearer(client, path="/navigator") == [401] * MAX_LOGIN_FAILURES  # uncounted before
    assert (await client.get("/navigator", headers=WRONG)).status == 429
    assert (await client.get("/api/search", params=SEARCH, headers=BEARER)).status == 429


async def test_a_block_behind_a_proxy_logs_one_warning_naming_the_setting(serve, caplog):
    client = await serve()
    caplog.set_level(logging.WARNING, logger="bot.web.auth")
    proxied = {**WRONG, "X-Forwarded-For": "198.51.100.7"}
    for _ in range(MAX_LOGIN_FAILURES + 3):
        await client.get("/api/search", params=SEARCH, headers=proxied)
    await guess_form(client, 3)
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.web.auth"]
    assert warnings == [PROXY_WARNING] and "NAVIGATOR_TRUST_FORWARDED_HEADERS" in PROXY_WARNING
    assert "198.51.100.7" not in caplog.text


async def test_no_warning_without_a_proxy_or_with_trusted_headers(serve, caplog):
    caplog.set_level(logging.WARNING, logger="bot.web.auth")
    await guess_bearer(await serve(), MAX_LOGIN_FAILURES + 1)
    trusted = await serve(trust_forwarded_headers=True)
    for _ in range(MAX_LOGIN_FAILURES + 1):
        await trusted.get("/api/search", params=SEARCH, headers={**WRONG, "X-Forwarded-For": "198.51.100.7"})
    assert [r for r in caplog.records if r.name == "bot.web.auth"] == []


async def test_with_trusted_forwarded_headers_each_address_has_its_own_count(serve):
    client = await serve(trust_forwarded_headers=True)

    async def bearer_from(address: str, headers: dict) -> int:
        return (await client.get("/api/search", params=SEARCH,
                                 headers={**headers, "X-Forwarded-For": address})).status

    assert [await bearer_from("198.51.100.1", WRONG) for _ in range(MAX_LOGIN_FAILURES + 1)][-1] == 429
    client.session.cookie_jar.clear()
    assert await bearer_from("198.51.100.2", BEARER) == 200
    client.session.cookie_jar.clear()
    # An IPv6 client is counted by its /64, which one machine usually holds whole.
    assert [await bearer_from(f"2001:db8::{n}", WRONG) for n in range(MAX_LOGIN_FAILURES)] == [401] * 10
    assert await bearer_from("2001:db8::ffff", BEARER) == 429
    assert await bearer_from("2001:db8:1::1", BEARER) == 200


def test_a_full_throttle_forgets_the_least_recently_failed_not_everyone(monkeypatch):
    monkeypatch.setattr(login_throttle, "MAX_TRACKED_CLIENTS", 100)
    throttle = LoginThrottle()
    for _ in range(MAX_LOGIN_FAILURES):
        throttle.failed("address:192.0.2.1")
    for n in range(99):
        throttle.failed(f"address:198.51.100.{n}")
    assert throttle.blocked("address:192.0.2.1")
    throttle.failed("address:192.0.2.1")  # still guessing: most recently failed
    for n in range(99, 150):
        throttle.failed(f"address:203.0.113.{n}")
    assert throttle.blocked("address:192.0.2.1")
    assert len(throttle.failures) == 100


@pytest.mark.parametrize("cookie", [
    'a=b; bad"name=1; navigator_session={session}', "theme=dark;navigator_session={session}",
    'x="\\\\012"; navigator_session={session}'])
async def test_the_session_is_found_among_other_cookies(serve, cookie):
    client = await serve()
    login = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False)
    session = login.cookies[SESSION_COOKIE].value
    async with aiohttp.ClientSession(f"http://{client.host}:{client.port}") as fresh:
        response = await fresh.get("/api/search", params=SEARCH, headers={"Cookie": cookie.format(session=session)})
        assert response.status == 200
