"""Delete each answered text, and the replies to it, from Twilio's own message log.

Twilio keeps every message's body and both phone numbers in its log (the console, the API) until
they are deleted, whatever this assistant keeps. With NAVIGATOR_TWILIO_DELETE_MESSAGES on (the
default when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set), a few seconds after the webhook
has answered a message this deletes, through Twilio's REST API:

- the person's message (by its MessageSid);
- the replies Twilio sent from the TwiML, found by listing the messages from our number to theirs
  sent since yesterday; a reply not yet in a final state cannot be deleted, so it is tried again
  a few times, waiting longer each time.

The phone numbers stay in this process's memory only until then. Errors are logged by Twilio's
error code, never its text (which quotes the number). Twilio's console also offers message
redaction for the account (docs/deploy.md).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp

from bot import settings

logger = logging.getLogger(__name__)

# Statuses in which Twilio lets a message be deleted.
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "sent", "canceled", "read"})
API_VERSION = "2010-04-01"


class TwilioLogCleaner:
    def __init__(self, account_sid: str, auth_token: str, api_url: str = settings.TWILIO_API_URL.default,
                 first_wait_seconds: float = 5.0, attempts: int = 5) -> None:
        self.account_sid = account_sid
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.messages_url = f"{api_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages"
        self.first_wait_seconds = first_wait_seconds
        self.attempts = attempts
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def from_settings(cls, auth_token: str | None) -> TwilioLogCleaner | None:
        account_sid = settings.TWILIO_ACCOUNT_SID.read()
        wanted = settings.TWILIO_DELETE_MESSAGES.read()
        if wanted is False or not auth_token:
            return None
        if not account_sid:
            if wanted:
                logger.warning("%s is on but %s is not set: messages stay in Twilio's log.",
                               settings.TWILIO_DELETE_MESSAGES.name, settings.TWILIO_ACCOUNT_SID.name)
            return None
        return cls(account_sid, auth_token, settings.TWILIO_API_URL.read())

    def after_reply(self, form: Any) -> None:
        """Schedule the deletion of a message just answered and of the replies to it."""
        message_sid = form.get("MessageSid") or form.get("SmsSid")
        person, our_number = form.get("From"), form.get("To")
        if not message_sid:
            return
        task = asyncio.ensure_future(self.delete_exchange(message_sid, person, our_number))
        self._tasks.add(task)  # a task nobody references may be garbage collected
        task.add_done_callback(self._tasks.discard)

    async def delete_exchange(self, message_sid: str, person: str | None, our_number: str | None) -> int:
        """Delete the message and the replies to it; returns how many messages were deleted."""
        wait = self.first_wait_seconds
        deleted = 0
        async with aiohttp.ClientSession(auth=self.auth, timeout=aiohttp.ClientTimeout(total=10)) as session:
            await asyncio.sleep(wait)
            try:
                deleted += await self._delete(session, message_sid)
                for _ in range(self.attempts):
                    replies = await self._replies(session, person, our_number) if person and our_number else []
                    waiting = False
                    for reply in replies:
                        if reply.get("status") in FINAL_STATUSES:
                            deleted += await self._delete(session, reply["sid"])
                        else:
                            waiting = True
                    if not waiting:
                        break
                    wait *= 2
                    await asyncio.sleep(wait)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.warning("could not delete a message from Twilio's log: %s", type(error).__name__)
        return deleted

    async def _delete(self, session: aiohttp.ClientSession, sid: str) -> int:
        async with session.delete(f"{self.messages_url}/{sid}.json") as response:
            if response.status in (204, 404):  # 404: already gone
                return int(response.status == 204)
            logger.warning("Twilio did not delete a message (HTTP %d, error %s)", response.status,
                           await _error_code(response))
            return 0

    async def _replies(self, session: aiohttp.ClientSession, person: str, our_number: str) -> list[dict]:
        since = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
        params = {"To": person, "From": our_number, "DateSent>": since, "PageSize": "50"}
        async with session.get(f"{self.messages_url}.json", params=params) as response:
            if response.status != 200:
                logger.warning("Twilio did not list messages (HTTP %d, error %s)", response.status,
                               await _error_code(response))
                return []
            body = await response.json()
        return [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("sid")]


async def _error_code(response: aiohttp.ClientResponse) -> str:
    try:
        return str((await response.json()).get("code") or "")
    except (ValueError, aiohttp.ContentTypeError):
        return ""
