"""The web app's HTTP server: aiohttp's, with the connection limits aiohttp 3.9.5 lacks.

Rasa 3.6 requires aiohttp <3.10, and the web app shares this environment (bot.present,
providers, bot.senders, one requirements.lock), so it runs on 3.9.5 too: a second environment
on a current aiohttp would mean a second lock file and tests that cannot import both sides. The
advisories against 3.9.5 that a request from outside reaches are closed here and in
bot.web.middleware instead (docs/security.md lists each one and its test):

- `handler_args`: the parser never inflates a compressed body (a 15 KB gzip body was 15 MB in
  memory before any handler ran) and keeps aiohttp's line and field caps.
- `BoundedRequestHandler`: the C parser checks the request line's length per fragment, not in
  total, and never counts headers or trailers, so a request head sent in small pieces, or with
  100,000 headers, grew without bound; pipelined requests queued without bound; and bytes after
  an Upgrade request were kept without bound. Every byte that is not part of a body whose
  Content-Length was given counts toward MAX_HEAD_BYTES (reset when a request head is complete),
  and at most MAX_QUEUED_REQUESTS requests may wait on one connection. Past either, the client
  gets 431 and the connection is closed; if a request was already being answered, that answer is
  sent, nothing more is read, and then the connection is closed.

The web app serves pages and small JSON bodies to browsers and API clients: none of them sends a
head near 32 KB or pipelines requests.
"""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.streams import StreamReader

# A request line and its headers, or a chunked body and its trailers (refused anyway, see
# bot.web.middleware), may take this many bytes; a browser sends 1-4 KB.
MAX_HEAD_BYTES = 32 * 1024
MAX_QUEUED_REQUESTS = 8

HANDLER_ARGS: dict[str, Any] = {
    "auto_decompress": False,  # a compressed body is refused (415) by the middleware, never inflated
    "max_line_size": 8190,
    "max_field_size": 8190,
}

REFUSAL = (b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n"
           b"X-Content-Type-Options: nosniff\r\n\r\n")


class BoundedRequestHandler(web.RequestHandler):
    """aiohttp's connection protocol, counting what its parser keeps in memory between requests."""

    __slots__ = ("_unframed_bytes", "_open_payload", "_open_framed")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unframed_bytes = 0  # bytes since the last complete request head, outside a framed body
        self._open_payload: StreamReader | None = None  # the last request's body
        self._open_framed = True  # whether that body has a Content-Length (so the parser bounds it)

    def _counting(self) -> bool:
        if self._upgrade:
            return True
        payload = self._open_payload
        return payload is None or payload.is_eof() or not self._open_framed

    def data_received(self, data: bytes) -> None:
        # Fed in slices while counting, so a whole 256 KB read of headers is never parsed at once.
        while data and not (self._force_close or self._close):
            if self._counting():
                room = MAX_HEAD_BYTES - self._unframed_bytes
                if room <= 0:
                    self._refuse()
                    return
                piece, data = data[:room], data[room:]
                self._unframed_bytes += len(piece)
            else:
                piece, data = data, b""
            queued = len(self._messages)
            super().data_received(piece)
            if len(self._messages) > queued:
                message, payload = self._messages[-1]
                self._open_payload = payload
                self._open_framed = not getattr(message, "chunked", False)
                if self._open_framed:
                    self._unframed_bytes = 0
            if len(self._messages) > MAX_QUEUED_REQUESTS:
                self._refuse()
                return

    def _refuse(self) -> None:
        payload = self._open_payload
        body_open = payload is not None and not payload.is_eof()
        if payload is not None and body_open:
            payload.feed_eof()  # a refused chunked body: nothing more to wait for after its 411
        if self._current_request is None and not self._messages:
            if not body_open and not self._upgrade and self.transport is not None:
                self.transport.write(REFUSAL)  # between requests: this head is the one too big
            self.force_close()
            return
        # A request is being answered or about to be: let aiohttp answer one, read nothing more
        # (data_received ignores bytes once closing), then close. Closing the transport under it
        # instead would crash its handler task on a request without a transport.
        while len(self._messages) > MAX_QUEUED_REQUESTS:
            self._messages.pop()
        self.close()


class BoundedServer(web.Server):
    def __call__(self) -> BoundedRequestHandler:
        # As web.Server.__call__ does (aiohttp is pinned to 3.9.5: its private fields are stable).
        return BoundedRequestHandler(self, loop=self._loop, **self._kwargs)


class BoundedAppRunner(web.AppRunner):
    """An AppRunner whose connections are BoundedRequestHandler's."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return BoundedServer(server.request_handler, request_factory=server.request_factory,
                             handler_cancellation=server.handler_cancellation, loop=server._loop,
                             **server._kwargs)


def make_runner(app: web.Application, **kwargs: Any) -> web.AppRunner:
    """The runner `serve` uses; tests start the app with it too (tests/support/web.py)."""
    return BoundedAppRunner(app, **kwargs)


async def serve(app: web.Application, host: str, port: int, *, handle_signals: bool = False,
                **kwargs: Any) -> None:
    """Serves `app` until cancelled (or, with handle_signals, until SIGINT or SIGTERM)."""
    runner = make_runner(app, handle_signals=handle_signals, **kwargs)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
