"""Hostile requests against the web app as `python -m bot.web.app` serves it (bot.web.server's
runner, on a real socket): one test or more per advisory against aiohttp 3.9.5 that a request
from outside could reach (issue 19, finding 6; docs/security.md lists them), and the sign-in
throttle's lock-outs (finding 7) are in test_sign_in_throttle.py.

Requests a client library would not send (a path with `..`, a head in pieces, two Host headers,
pipelining) go over a raw socket (support.web.raw_exchange); memory is measured with tracemalloc,
in this process, where the server runs."""
from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import os
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from support.services import free_port
from support.web import BEARER, NAVIGATOR_TOKEN, RASA_TOKEN, SENDER_KEY_HEX, raw_exchange

from bot.senders import ChannelStore
from bot.web import static_files
from bot.web.app import STATIC_DIR, make_app
from bot.web.config import Settings
from bot.web.middleware import PathOnlyAccessLogger
from bot.web.server import MAX_HEAD_BYTES, MAX_QUEUED_REQUESTS, serve

MB = 1024 * 1024


@pytest.fixture
async def web_app(national_registry, tmp_path, monkeypatch):
    """The app served by bot.web.server.serve (what main() runs) on a free port of 127.0.0.1."""
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", SENDER_KEY_HEX)
    # `python -m bot.migrate` before the server starts: the web app changes no schema.
    ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True).engine.dispose()
    settings = Settings(database_url=str(national_registry.engine.url), rasa_token=RASA_TOKEN,
                        channel_database_url=f"sqlite:///{tmp_path / 'channels.db'}",
                        rasa_url=f"http://127.0.0.1:{free_port()}", navigator_token=NAVIGATOR_TOKEN)
    port = free_port()
    task = asyncio.create_task(serve(make_app(settings), "127.0.0.1", port, access_log_class=PathOnlyAccessLogger))
    session = aiohttp.ClientSession(f"http://127.0.0.1:{port}")
    for _ in range(200):
        with contextlib.suppress(aiohttp.ClientConnectionError):
            await (await session.get("/widget/widget.css")).read()
            break
        await asyncio.sleep(0.05)
    yield SimpleNamespace(port=port, session=session)
    await session.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.contextmanager
def peak_memory() -> Iterator[SimpleNamespace]:
    """The most memory Python held at once inside the block, above what it held when it began."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    measured = SimpleNamespace(peak=0)
    try:
        yield measured
    finally:
        measured.peak = tracemalloc.get_traced_memory()[1] - before
        if started:
            tracemalloc.stop()


def request(method: str, path: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --- compressed bodies: CVE-2025-69223 (the zip bomb the issue measured), CVE-2026-54278 ----------


BOMB = gzip.compress(b"passphrase=" + b"0" * (15 * MB), 9)


@pytest.mark.parametrize("encoding, body", [
    ("gzip", BOMB), ("deflate", zlib.compress(b"0" * (15 * MB), 9)), ("GZIP, identity", BOMB), ("br", BOMB)],
    ids=["gzip", "deflate", "gzip-and-identity", "br"])
async def test_a_compressed_body_is_refused_and_never_inflated(web_app, encoding, body):
    assert len(body) < 16 * 1024
    with peak_memory() as memory:
        response = await web_app.session.post("/navigator/login", data=body, headers={
            "Content-Encoding": encoding, "Content-Type": "application/x-www-form-urlencoded"})
        text = await response.text()
    assert response.status == 415 and "uncompressed" in text
    assert memory.peak < 2 * MB, memory.peak  # it was 15 MB a request


async def test_three_compressed_bodies_at_once_hold_no_more_than_their_size(web_app):
    async def post() -> int:
        async with web_app.session.post("/navigator/login", data=BOMB, headers={
                "Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"}) as response:
            return response.status

    with peak_memory() as memory:
        statuses = await asyncio.gather(post(), post(), post())
    assert statuses == [415, 415, 415]
    assert memory.peak < 3 * MB, memory.peak  # 92 MB before


async def test_an_identity_encoded_body_is_read_as_usual(web_app):
    response = await web_app.session.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                                          headers={"Content-Encoding": "identity"}, allow_redirects=False)
    assert response.status == 303


# --- /widget/ and /static/: CVE-2025-69226 (path components learnt through add_static) -----------


def traversals() -> list[str]:
    inside = STATIC_DIR / "pages" / "host.css"
    up = "../" * (len(STATIC_DIR.parts) + 2)
    paths = [
        "/static/" + up + str(inside).lstrip("/"),  # out to / and back in: answered 200 by 3.9.5
        "/static/../pages/host.css",
        "/static/%2e%2e/pages/host.css",
        "/static/..%2fpages%2fhost.css",
        "/static/%2E%2E%2F%2E%2E%2Fwidget%2Fwidget.js",
        "/static/..%5cpages%5chost.css",
        "/static/..\\pages\\host.css",
        "/static/host.css%00",
        "/static/host.css%00.js",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/C:%5cWindows%5cwin.ini",
        "/widget/../static/pages/navigator.js",
        "/widget/./widget.js",
        "/widget/widget.js/",
        "/widget/",
        "/widget",
        "/static/",
    ]
    cwd = Path.cwd()
    if inside.is_relative_to(cwd):  # through the server's working directory, a symlink in /proc
        paths.append("/static/" + up + "proc/self/cwd/" + str(inside.relative_to(cwd)))
    return paths


@pytest.mark.parametrize("path", traversals())
async def test_a_path_other_than_a_files_own_name_is_404(web_app, path):
    reply = await raw_exchange(web_app.port, [request("GET", path, "Connection: close")])
    assert reply.status in (400, 404), (path, reply.received[:200] if reply.received else None)
    assert b"Traceback" not in (reply.received or b"")


async def test_each_file_is_served_with_its_type_and_cache_headers(web_app):
    for path, content_type in [("/widget/widget.js", "text/javascript"), ("/widget/widget.css", "text/css"),
                               ("/static/favicon.svg", "image/svg+xml"),
                               ("/widget/socket.io-client-LICENSE.txt", "text/plain")]:
        response = await web_app.session.get(path)
        assert response.status == 200, path
        assert response.content_type == content_type, path
        assert response.headers["Cache-Control"] == static_files.CACHE_CONTROL
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        etag = response.headers["ETag"]
        body = await response.read()
        assert body == (STATIC_DIR / ("widget" if path.startswith("/widget/") else "pages") / path.rsplit("/", 1)[1]
                        ).read_bytes()
        again = await web_app.session.get(path, headers={"If-None-Match": etag})
        assert again.status == 304 and await again.read() == b""
    head = await web_app.session.head("/widget/widget.js")
    assert head.status == 200


def test_only_regular_files_of_known_types_are_served(tmp_path):
    (tmp_path / "app.js").write_text("ok")
    (tmp_path / "notes.md").write_text("no type")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.js").write_text("not in this folder")
    outside = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    outside.write_text("secret")
    os.symlink(outside, tmp_path / "link.txt")
    os.symlink(tmp_path / "app.js", tmp_path / "alias.js")
    assert set(static_files.load(tmp_path)) == {"app.js"}


# --- request bodies: CVE-2025-69228, CVE-2026-34517 (multipart), CVE-2025-69229 (chunks) ---------


def refused_unread(reply, status: int, total: int) -> bool:
    """The server answered `status` and closed; or closed so early that its answer was lost: a
    server that closes with the client's bytes unread resets the connection, and a reset can reach
    a busy client before it has read the answer that came just ahead of it."""
    return reply.status == status or (reply.received == b"" and reply.sent < total)


def chunked(pieces: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


async def test_a_chunked_multipart_form_is_refused_unread(web_app):
    # 64 fields of 15 KB: each under the 16 KB cap, which 3.9.5 checks per field; and one field of
    # 2 MB, which it reads whole before checking.
    boundary = b"x" * 16
    fields = [b"--%s\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n%s\r\n" % (boundary, n, b"a" * 15_000)
              for n in range(64)]
    fields.append(b"--%s\r\nContent-Disposition: form-data; name=\"passphrase\"\r\n\r\n%s\r\n--%s--\r\n"
                  % (boundary, b"b" * (2 * MB), boundary))
    head = request("POST", "/navigator/login", "Transfer-Encoding: chunked",
                   f"Content-Type: multipart/form-data; boundary={boundary.decode()}")
    body = chunked(fields)
    pieces = [head] + [body[i:i + 65536] for i in range(0, len(body), 65536)]
    total = len(head) + len(body)
    del body, fields
    with peak_memory() as memory:
        reply = await raw_exchange(web_app.port, pieces, pause=0.001)
    assert refused_unread(reply, 411, total), reply
    assert reply.sent < total // 2
    assert memory.peak < 2 * MB, memory.peak


async def test_a_multipart_form_within_the_cap_is_415(web_app):
    form = aiohttp.FormData()
    form.add_field("passphrase", NAVIGATOR_TOKEN)
    form.add_field("file", b"x" * 100, filename="x.bin")
    response = await web_app.session.post("/navigator/login", data=form, allow_redirects=False)
    assert response.status == 415
    assert "Set-Cookie" not in response.headers


async def test_a_body_in_many_tiny_chunks_is_refused_and_the_connection_closed(web_app):
    head = request("POST", "/navigator/login", "Transfer-Encoding: chunked",
                   "Content-Type: application/x-www-form-urlencoded")
    body = chunked([b"p"] * 200_000)  # 1.2 MB of one-byte chunks
    reply = await raw_exchange(web_app.port, [head] + [body[i:i + 4096] for i in range(0, len(body), 4096)],
                               pause=0.0005)
    assert reply.received is not None, "the server kept reading"
    assert refused_unread(reply, 411, len(head) + len(body)), reply
    assert reply.sent < len(head) + 10 * MAX_HEAD_BYTES


async def test_chunked_requests_without_a_body_are_refused_too(web_app):
    reply = await raw_exchange(web_app.port, [request("GET", "/", "Transfer-Encoding: chunked") + b"0\r\n\r\n"])
    assert reply.status == 411 and reply.received is not None


# --- cookies: CVE-2025-69230 (a warning per invalid cookie) ----------------------------------------


async def test_invalid_cookies_log_nothing_and_do_not_hide_the_session(web_app, caplog):
    login = await web_app.session.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN},
                                       allow_redirects=False)
    session = login.cookies["navigator_session"].value
    junk = "; ".join(f'bad"name{n}=x' for n in range(500))
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{web_app.port}") as fresh:
        response = await fresh.get("/api/search", params={"place": "19134"},
                                   headers={"Cookie": f"{junk}; navigator_session={session}"})
    assert response.status == 200
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_cookie_full_of_backslashes_is_read_in_linear_time(web_app):
    # Python 3.10.13's http.cookies (which aiohttp 3.9.5's request.cookies uses) unquotes in
    # quadratic time (CVE-2024-7592): 0.13 s of blocked event loop per request with 8 KB.
    cookie = 'theme="' + "\\" * 8000 + '"'
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(20):
        response = await web_app.session.get("/navigator", headers={"Cookie": cookie})
        assert response.status == 401
    assert loop.time() - started < 1.0


# --- the request head: CVE-2026-54277, CVE-2026-22815, CVE-2026-54273, CVE-2026-34525 -----------


async def test_a_request_line_sent_in_pieces_is_cut_off(web_app):
    # The C parser checks the request line's 8190-byte cap per piece that arrives, not in total.
    pieces = [b"GET /"] + [b"a" * 4000] * 250 + [b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]
    reply = await raw_exchange(web_app.port, pieces, pause=0.002)
    assert reply.status == 431
    assert reply.sent < 4 * MAX_HEAD_BYTES  # it read the whole megabyte before, and answered 404


async def test_a_request_with_a_hundred_thousand_headers_is_cut_off(web_app):
    head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 100_000 + b"Connection: close\r\n\r\n"
    with peak_memory() as memory:
        reply = await raw_exchange(web_app.port, [head[i:i + 8192] for i in range(0, len(head), 8192)],
                                   pause=0.001)
    assert reply.status == 431
    assert memory.peak < 4 * MB, memory.peak


async def test_trailers_after_a_chunked_body_are_cut_off(web_app):
    head = request("POST", "/api/send", "Transfer-Encoding: chunked", "Content-Type: application/json",
                   *(f"{key}: {value}" for key, value in BEARER.items()))
    trailers = b"0\r\n" + b"X-T: y\r\n" * 100_000 + b"\r\n"
    reply = await raw_exchange(web_app.port, [head, b"2\r\n{}\r\n"]
                               + [trailers[i:i + 8192] for i in range(0, len(trailers), 8192)], pause=0.001)
    assert reply.received is not None
    assert refused_unread(reply, 411, len(head) + 7 + len(trailers)), reply
    assert reply.sent < 8 * MAX_HEAD_BYTES


async def test_bytes_after_an_upgrade_request_are_not_kept(web_app):
    head = request("GET", "/", "Connection: Upgrade", "Upgrade: websocket")
    reply = await raw_exchange(web_app.port, [head] + [b"z" * 8192] * 200, pause=0.001)
    assert reply.received is not None, "the server kept the connection open"
    assert reply.sent < len(head) + 8 * MAX_HEAD_BYTES


async def test_pipelined_requests_queue_no_further_than_the_limit(web_app):
    one = request("GET", "/widget/widget.css")
    reply = await raw_exchange(web_app.port, [one * 2000 + request("GET", "/", "Connection: close")])
    assert reply.received is not None
    assert len(reply.statuses) <= MAX_QUEUED_REQUESTS + 1  # it answered all 2001 before


async def test_a_few_pipelined_requests_are_all_answered(web_app):
    pipelined = request("GET", "/widget/widget.css") * 3 + request("GET", "/static/host.css", "Connection: close")
    reply = await raw_exchange(web_app.port, [pipelined])
    assert reply.statuses == [200, 200, 200, 200]


async def test_two_host_headers_are_refused(web_app):
    reply = await raw_exchange(web_app.port, [
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"])
    assert reply.status == 400
    assert b"evil.example" not in (reply.received or b"")
    login = await raw_exchange(web_app.port, [request(
        "POST", "/navigator/login", "Host: evil.example", "Origin: http://evil.example", "Connection: close",
        "Content-Type: application/x-www-form-urlencoded", body=f"passphrase={NAVIGATOR_TOKEN}".encode())])
    assert login.status == 400 and b"Set-Cookie" not in (login.received or b"")


async def test_an_ordinary_request_head_is_answered(web_app):
    headers = [f"X-Header-{n}: {'v' * 200}" for n in range(60)]  # 13 KB of headers
    reply = await raw_exchange(web_app.port, [request("GET", "/", *headers, "Connection: close")])
    assert reply.status == 200


# --- advisories in the pure-Python parser only (CVE-2025-69224 and its neighbours) ---------------


def test_requests_are_parsed_by_the_c_parser_not_the_pure_python_one():
    # Several advisories (request smuggling through non-ASCII or ambiguous framing) are in the
    # pure-Python parser, used only without the C extension or with AIOHTTP_NO_EXTENSIONS set.
    from aiohttp import http_parser

    assert not http_parser.NO_EXTENSIONS
    assert http_parser.HttpRequestParser is http_parser.HttpRequestParserC
    assert http_parser.HttpRequestParser is not http_parser.HttpRequestParserPy
