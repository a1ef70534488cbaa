"""The widget's socket.io channel as tests drive it: a minimal socket.io client and the echoing
stand-in for the assistant. The `start_widget` fixture (tests/conftest.py) mounts the channel."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage

WIDGET_ORIGIN = "http://widget.example.org"


class RawSocketIO:
    """A minimal socket.io client on one websocket (engine.io 4 framing), for tests.

    (python-socketio's own client needs aiohttp 3.10 for websockets.)"""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse, connect_reply: str) -> None:
        self.websocket = websocket
        self.connect_reply = connect_reply

    @classmethod
    async def open(cls, session: aiohttp.ClientSession, url: str, origin: str | None,
                   headers: dict[str, str] | None = None) -> "RawSocketIO":
        websocket = await session.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket",
                                             headers={**({"Origin": origin} if origin else {}), **(headers or {})})
        assert (await websocket.receive_str()).startswith("0")  # engine.io open
        await websocket.send_str("40")  # socket.io connect to the default namespace
        return cls(websocket, await websocket.receive_str())

    @property
    def connected(self) -> bool:
        return self.connect_reply.startswith("40")

    async def emit(self, event: str, data: Any) -> None:
        await self.websocket.send_str("42" + json.dumps([event, data]))

    async def next_event(self, timeout: float = 5.0) -> tuple[str, Any]:
        while True:
            packet = await asyncio.wait_for(self.websocket.receive_str(), timeout)
            if packet == "2":  # ping
                await self.websocket.send_str("3")
            elif packet.startswith("42"):
                event, *args = json.loads(packet[2:])
                return event, args[0] if args else None

    async def session(self, session_id: Any) -> str:
        await self.emit("session_request", {"session_id": session_id})
        event, token = await self.next_event()
        assert event == "session_confirm"
        return token

    async def close(self) -> None:
        await self.websocket.close()


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_response(message.sender_id, {"text": f"got {message.text}"})
