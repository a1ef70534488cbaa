"""The web app as tests drive it: its tokens and keys, a stand-in for Twilio's client, and
signing in to the navigator page. The `serve` and `fake_rasa` fixtures (tests/unit/conftest.py)
start the app and a stand-in for Rasa's NLU with these."""
from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

from aiohttp.test_utils import TestClient

NAVIGATOR_TOKEN = "navigator-test-passphrase-1234"
RASA_TOKEN = "rasa-test-token"
SENDER_KEY_HEX = "ab" * 32
BEARER = {"Authorization": f"Bearer {NAVIGATOR_TOKEN}"}


class FakeTwilio:
    """Stands in for twilio.rest.Client: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.messages = self

    def create(self, *, to: str, from_: str, body: str):
        self.sent.append({"to": to, "from_": from_, "body": body})
        return SimpleNamespace(sid=f"SM{uuid.uuid4().hex}")


def origin(client: TestClient) -> str:
    return f"http://{client.host}:{client.port}"


async def sign_in(client: TestClient) -> str:
    """Signs in with the form and returns the navigator page's CSRF token."""
    response = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                                  headers={"Origin": origin(client)})
    assert response.status == 303
    page = await (await client.get("/navigator")).text()
    return re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page).group(1)
