"""The web app's settings: what a deployer configures, read through bot.settings (one
configuration, one precedence rule) into one frozen `Settings` that `make_app` is given."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot import settings

MIN_NAVIGATOR_TOKEN_CHARS = 16
# Control characters: refused in a CSP source list here and in search parameters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Settings:
    """Everything the deployer configures, read from the environment by `from_env`."""

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str | None = None  # the registry (NAVIGATOR_DATABASE_URL; var/registry.db)
    channel_database_url: str | None = None  # the STOP list (NAVIGATOR_CHANNEL_DATABASE_URL)
    rasa_url: str = "http://localhost:5005"  # how this app reaches Rasa's HTTP API
    rasa_public_url: str = "http://localhost:5005"  # how a browser reaches Rasa's socket.io
    rasa_token: str = ""
    rasa_timeout_seconds: float = 5.0
    navigator_token: str | None = None
    public_url: str | None = None  # this app's public address behind a proxy (https://...)
    exit_url: str = settings.EXIT_URL.default
    # Production serves a neutral page at / naming the deployer; the embedded mode the demo county's page.
    production: bool = False
    deployer_name: str | None = None
    deployer_contact_url: str | None = None
    frame_ancestors: str = "'none'"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    # Behind a reverse proxy: count the address it puts last in X-Forwarded-For, not the proxy's.
    trust_forwarded_headers: bool = False
    search_per_minute: int = settings.SEARCH_PER_IP.default  # per address; 0 turns the limit off
    login_per_minute: int = settings.LOGIN_PER_IP.default
    max_body_bytes: int = settings.WEB_MAX_BODY_BYTES.default
    # A ready client with .messages.create(to=, from_=, body=): tests pass a stand-in.
    sms_client: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("rasa_url", "rasa_public_url", "exit_url", "public_url", "deployer_contact_url"):
            value = getattr(self, name)
            if value is not None and urlsplit(value).scheme not in ("http", "https"):
                raise ValueError(f"{name} must be an http or https URL")
        if self.navigator_token is not None and len(self.navigator_token) < MIN_NAVIGATOR_TOKEN_CHARS:
            raise ValueError(f"NAVIGATOR_NAVIGATOR_TOKEN must be at least {MIN_NAVIGATOR_TOKEN_CHARS} characters")
        if CONTROL_CHARACTERS.search(self.frame_ancestors) or ";" in self.frame_ancestors:
            raise ValueError("NAVIGATOR_FRAME_ANCESTORS must be a list of CSP sources")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        rasa_url = settings.RASA_URL.read(env).rstrip("/")
        # Behind one proxy the pages, the widget's files and the widget's socket share one origin: one setting.
        public_url = (settings.PUBLIC_URL.read(env) or "").rstrip("/") or None
        return cls(
            host=settings.bind_host(settings.WEB_HOST, env),
            port=settings.WEB_PORT.read(env),
            database_url=settings.DATABASE_URL.read(env),
            channel_database_url=settings.CHANNEL_DATABASE_URL.read(env),
            rasa_url=rasa_url,
            rasa_public_url=(settings.RASA_PUBLIC_URL.read(env) or public_url or rasa_url).rstrip("/"),
            rasa_token=settings.RASA_TOKEN.read(env) or settings.local_secret("rasa-api.token"),
            navigator_token=settings.NAVIGATOR_TOKEN.read(env),
            public_url=(settings.WEB_PUBLIC_URL.read(env) or "").rstrip("/") or public_url,
            exit_url=settings.EXIT_URL.read(env),
            production=settings.production(env),
            deployer_name=settings.DEPLOYER_NAME.read(env),
            deployer_contact_url=settings.DEPLOYER_CONTACT_URL.read(env),
            frame_ancestors=settings.FRAME_ANCESTORS.read(env),
            twilio_account_sid=settings.TWILIO_ACCOUNT_SID.read(env),
            twilio_auth_token=settings.TWILIO_AUTH_TOKEN.read(env),
            twilio_from_number=settings.TWILIO_FROM_NUMBER.read(env),
            trust_forwarded_headers=settings.TRUST_FORWARDED_HEADERS.read(env),
            search_per_minute=settings.SEARCH_PER_IP.read(env),
            login_per_minute=settings.LOGIN_PER_IP.read(env),
            max_body_bytes=settings.WEB_MAX_BODY_BYTES.read(env),
        )

    @property
    def sms_configured(self) -> bool:
        has_client = self.sms_client is not None or (self.twilio_account_sid and self.twilio_auth_token)
        return bool(has_client and self.twilio_from_number)

    def content_security_policy(self) -> str:
        rasa = origin_of(self.rasa_public_url)
        websocket = rasa.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        return "; ".join([
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
            f"connect-src 'self' {rasa} {websocket}", "form-action 'self'", "base-uri 'none'",
            f"frame-ancestors {self.frame_ancestors}",
        ])
