"""One configuration: every setting a deployer can change, read one way.

Each setting below is read by `Setting.read`, with one precedence rule for all of them:

    the environment variable  >  the value in the process's Rasa file (credentials.yml)  >  the default

so a deployer can always override a file from the environment, and secrets need never be in a
file. A value that cannot be read (a word where a number belongs, a negative limit) is reported
by the variable's name, never its value, and the default is used.

`python -m bot.settings` prints the table that docs/deploy.md carries (a test keeps them equal).

In the embedded mode the secrets that production must be given are made once in var/, each
by `local_secret`, so a fresh clone runs with no configuration and keeps the same ids across
restarts.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    default: Any
    kind: str  # text, int, float, bool or list
    what: str  # one line for the table in docs/deploy.md
    group: str
    minimum: float | None = None  # smallest number allowed (int and float)
    required_in_production: bool = False

    def read(self, env: Mapping[str, str] | None = None, configured: Any = None) -> Any:
        """The environment's value, else `configured` (from a credentials file), else the default."""
        raw = (os.environ if env is None else env).get(self.name)
        if raw is None or not str(raw).strip():
            raw = configured
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return self.default
        try:
            value = _parse(self.kind, raw)
        except ValueError:
            log.warning("%s is not a valid %s; using the default", self.name, self.kind)
            return self.default
        if self.minimum is not None and value < self.minimum:
            log.warning("%s must be at least %g; using the default", self.name, self.minimum)
            return self.default
        return value


def _parse(kind: str, raw: Any) -> Any:
    if kind == "text":
        return str(raw).strip()
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError(raw)
        return int(str(raw).strip())
    if kind == "float":
        return float(str(raw).strip())
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(raw)
    if kind == "list":  # comma-separated, or a YAML list from a credentials file
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    raise ValueError(kind)


_ALL: list[Setting] = []


def _setting(name: str, default: Any, kind: str, what: str, group: str, **options: Any) -> Setting:
    setting = Setting(name, default, kind, what, group, **options)
    _ALL.append(setting)
    return setting


# --- mode and stores -----------------------------------------------------------------------------
MODE = _setting("NAVIGATOR_MODE", "embedded", "text",
                "`production` switches to PostgreSQL, Redis, the REST channel off and secrets from the environment",
                "stores")
DATABASE_URL = _setting("NAVIGATOR_DATABASE_URL", None, "text",
                        "the registry (read by `providers` itself): `postgresql://user:password@db:5432/navigator`; "
                        "default `var/registry.db`", "stores", required_in_production=True)
TRACKER_DATABASE_URL = _setting("NAVIGATOR_TRACKER_DATABASE_URL", None, "text",
                                "conversations (production), a database of their own: not the registry's nor the SMS "
                                "store's, so no backup of those holds them", "stores", required_in_production=True)
CHANNEL_DATABASE_URL = _setting("NAVIGATOR_CHANNEL_DATABASE_URL", None, "text",
                                "the SMS store: STOP list and retried messages, to be backed up (default "
                                "`var/channels.db`)", "stores", required_in_production=True)
REDIS_URL = _setting("NAVIGATOR_REDIS_URL", None, "text",
                     "the lock store shared by Rasa replicas: `redis://:password@redis:6379/0` (`rediss://` for TLS)",
                     "stores", required_in_production=True)
ACTIONS_URL = _setting("NAVIGATOR_ACTIONS_URL", None, "text",
                       "the action server as the Rasa servers reach it (`bot.run` sets "
                       "`http://127.0.0.1:<--actions-port>/webhook` unless given)", "stores")
RETENTION_HOURS = _setting("NAVIGATOR_RETENTION_HOURS", 24.0, "float",
                           "conversations idle longer than this are deleted", "stores", minimum=0.01)
ACTION_TIMEOUT = _setting("NAVIGATOR_ACTION_TIMEOUT", 4.0, "float",
                          "seconds before a custom action is given up and the person gets the helplines instead",
                          "stores", minimum=0.01)
TELEMETRY = _setting("RASA_TELEMETRY_ENABLED", False, "bool",
                     "Rasa's own usage and crash reports to Rasa's servers (`bot.run` and the Makefile set it off)",
                     "stores")
WARM_UP = _setting("NAVIGATOR_WARM_UP", False, "bool",
                   "set by `bot.run` for the action server: load the geocoder before listening", "stores")

# --- secrets -------------------------------------------------------------------------------------
RASA_TOKEN = _setting("NAVIGATOR_RASA_TOKEN", None, "text",
                      "Rasa's HTTP API token, shared by the Rasa servers and the web app (embedded: "
                      "`var/rasa-api.token`)", "secrets", required_in_production=True)
SENDER_KEY = _setting("NAVIGATOR_SENDER_KEY", None, "text",
                      "key (hex, 32 bytes) that turns a phone number into a sender id; the same on every replica "
                      "(embedded: `var/sender.key`)", "secrets", required_in_production=True)
WIDGET_SECRET = _setting("NAVIGATOR_WIDGET_SECRET", None, "text",
                         "key that signs the widget's session ids; the same on every replica (embedded: "
                         "`var/widget.secret`)", "secrets", required_in_production=True)
REST_TOKEN = _setting("NAVIGATOR_REST_TOKEN", None, "text",
                      "turns the REST channel on for requests that send `Authorization: Bearer <token>`; unset, it "
                      "answers only this machine (embedded) or no one (production)", "secrets")
WIDGET_ORIGINS = _setting("NAVIGATOR_WIDGET_ORIGINS", ("http://localhost:8080",), "list",
                          "pages allowed to embed the widget, comma-separated (`https://health.example.gov`)",
                          "secrets", required_in_production=True)

# --- SMS -----------------------------------------------------------------------------------------
TWILIO_AUTH_TOKEN = _setting("TWILIO_AUTH_TOKEN", None, "text",
                             "checks `X-Twilio-Signature`; unset, every SMS webhook request is refused", "sms")
PUBLIC_URL = _setting("NAVIGATOR_PUBLIC_URL", None, "text",
                      "the one public https address behind the proxy (`https://navigator.example.gov`): Twilio's "
                      "signatures are checked against it, and it is the default of `NAVIGATOR_WEB_PUBLIC_URL` and "
                      "`NAVIGATOR_RASA_PUBLIC_URL`", "sms")
TRUST_FORWARDED_HEADERS = _setting("NAVIGATOR_TRUST_FORWARDED_HEADERS", False, "bool",
                                   "trust `X-Forwarded-*` from the proxy in front (only when nothing else can reach "
                                   "the servers)", "sms")
SMS_REPLY_TIMEOUT = _setting("NAVIGATOR_SMS_REPLY_TIMEOUT", 12.0, "float",
                             "seconds the SMS webhook waits for the assistant's reply (Twilio gives up after 15)",
                             "sms", minimum=0.1)
TWILIO_ACCOUNT_SID = _setting("TWILIO_ACCOUNT_SID", None, "text",
                              "with `TWILIO_FROM_NUMBER`: \"send to client\" on the navigator page", "sms")
TWILIO_FROM_NUMBER = _setting("TWILIO_FROM_NUMBER", None, "text", "the number texts to a client come from", "sms")
TWILIO_DELETE_MESSAGES = _setting("NAVIGATOR_TWILIO_DELETE_MESSAGES", None, "bool",
                                  "delete each answered text and its reply from Twilio's logs through its API; on by "
                                  "default when `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` are set", "sms")
TWILIO_API_URL = _setting("NAVIGATOR_TWILIO_API_URL", "https://api.twilio.com", "text",
                          "Twilio's REST API (a test points it at a local fake)", "sms")

# --- web app -------------------------------------------------------------------------------------
WEB_HOST = _setting("NAVIGATOR_WEB_HOST", None, "text",
                    "the address the web app listens on (default `127.0.0.1`; `0.0.0.0` in production)", "web")
RASA_HOST = _setting("NAVIGATOR_RASA_HOST", None, "text",
                     "the address the Rasa server listens on (default `127.0.0.1`; `0.0.0.0` in production); set "
                     "`0.0.0.0` for Twilio and the widget to reach an embedded pilot without a proxy", "web")
ACTIONS_HOST = _setting("NAVIGATOR_ACTIONS_HOST", None, "text",
                        "the address the action server listens on (default `127.0.0.1`; a container sets `0.0.0.0`)",
                        "web")
WEB_PORT = _setting("NAVIGATOR_WEB_PORT", 8080, "int", "the web app's port (`bot.run --web-port` sets it)", "web",
                    minimum=1)
WEB_PUBLIC_URL = _setting("NAVIGATOR_WEB_PUBLIC_URL", None, "text",
                          "the web app's public address, if not `NAVIGATOR_PUBLIC_URL` (another origin than the Rasa "
                          "servers')", "web")
RASA_URL = _setting("NAVIGATOR_RASA_URL", "http://localhost:5005", "text",
                    "the Rasa server as the web app reaches it (for `/model/parse`)", "web")
RASA_PUBLIC_URL = _setting("NAVIGATOR_RASA_PUBLIC_URL", None, "text",
                           "the Rasa servers as a browser reaches them, for the widget (default "
                           "`NAVIGATOR_PUBLIC_URL`, else `NAVIGATOR_RASA_URL`)", "web")
NAVIGATOR_TOKEN = _setting("NAVIGATOR_NAVIGATOR_TOKEN", None, "text",
                           "passphrase for `/navigator` and bearer token for `/api/*`, 16 characters or more; unset, "
                           "both are off", "web")
DEPLOYER_NAME = _setting("NAVIGATOR_DEPLOYER_NAME", None, "text",
                         "who runs this service (`Example County Department of Health`): production's page at `/` "
                         "names it, and navigators' reviews of reported listings are signed `<name> navigators` "
                         "(unset: `Local navigators`)", "web")
DEPLOYER_CONTACT_URL = _setting("NAVIGATOR_DEPLOYER_CONTACT_URL", None, "text",
                                "where production's page at `/` sends people to reach the deployer (https)", "web")
EXIT_URL = _setting("NAVIGATOR_EXIT_URL", "https://www.weather.gov", "text", "where the widget's Quick exit goes",
                    "web")
FRAME_ANCESTORS = _setting("NAVIGATOR_FRAME_ANCESTORS", "'none'", "text",
                           "CSP `frame-ancestors` of the web app's pages: who may frame them", "web")

# --- abuse limits: requests per minute per key, 0 turns a limit off ----------------------------------
SMS_PER_SENDER = _setting("NAVIGATOR_LIMIT_SMS_PER_SENDER", 10, "int",
                          "signed texts per (hashed) phone number", "limits", minimum=0)
SMS_REFUSED_PER_IP = _setting("NAVIGATOR_LIMIT_SMS_REFUSED_PER_IP", 30, "int",
                              "webhook requests that fail the Twilio signature, per address", "limits", minimum=0)
REST_PER_SENDER = _setting("NAVIGATOR_LIMIT_REST_PER_SENDER", 20, "int", "REST channel messages per sender id",
                           "limits", minimum=0)
WIDGET_PER_SESSION = _setting("NAVIGATOR_LIMIT_WIDGET_PER_SESSION", 20, "int", "widget messages per conversation",
                              "limits", minimum=0)
WIDGET_PER_IP = _setting("NAVIGATOR_LIMIT_WIDGET_PER_IP", 120, "int", "widget messages per address", "limits",
                         minimum=0)
SEARCH_PER_IP = _setting("NAVIGATOR_LIMIT_SEARCH_PER_IP", 60, "int", "`/api/search` requests per address", "limits",
                         minimum=0)
LOGIN_PER_IP = _setting("NAVIGATOR_LIMIT_LOGIN_PER_IP", 20, "int", "navigator sign-in posts per address", "limits",
                        minimum=0)
TRACKED_KEYS = _setting("NAVIGATOR_LIMIT_TRACKED_KEYS", 10_000, "int",
                        "keys remembered per limit (the least recently seen are forgotten first)", "limits", minimum=1)
SMS_MAX_BODY_BYTES = _setting("NAVIGATOR_SMS_MAX_BODY_BYTES", 64 * 1024, "int", "the SMS webhook's body (413 past it)",
                              "limits", minimum=1024)
WIDGET_MAX_BODY_BYTES = _setting("NAVIGATOR_WIDGET_MAX_BODY_BYTES", 16 * 1024, "int",
                                 "one socket.io request body or websocket message", "limits", minimum=1024)
WEB_MAX_BODY_BYTES = _setting("NAVIGATOR_WEB_MAX_BODY_BYTES", 16 * 1024, "int", "a web app request body (413 past it)",
                              "limits", minimum=1024)

ALL: tuple[Setting, ...] = tuple(_ALL)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in ALL}
GROUPS = {
    "stores": "Mode, stores and time limits",
    "secrets": "Secrets and origins",
    "sms": "SMS (Twilio)",
    "web": "Web app",
    "limits": "Abuse limits (requests per minute per key; 0 turns a limit off)",
}


def production(env: Mapping[str, str] | None = None) -> bool:
    return MODE.read(env) == "production"


def retention_hours(env: Mapping[str, str] | None = None) -> float:
    """How long an idle conversation is kept: one value for the store that deletes it and
    for the answer that tells people."""
    return float(RETENTION_HOURS.read(env))


def bind_host(setting: Setting, env: Mapping[str, str] | None = None) -> str:
    """The address a server listens on: its setting, else this machine only, except that in production
    the Rasa server and the web app face the proxy (or other containers) by default."""
    configured = setting.read(env)
    if configured:
        return str(configured)
    public_in_production = setting in (RASA_HOST, WEB_HOST)
    return "0.0.0.0" if public_in_production and production(env) else "127.0.0.1"


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def expand_variables(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """`${NAME}` in a configuration value (as Rasa's endpoints files write them) replaced by the
    variable's value; a variable that is not set is named in a ValueError."""
    env = os.environ if env is None else env
    if isinstance(value, dict):
        return {key: expand_variables(item, env) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    missing = [name for name in _VARIABLE.findall(value) if not env.get(name)]
    if missing:
        raise ValueError(f"set {', '.join(missing)}")
    return _VARIABLE.sub(lambda match: env[match.group(1)], value)


def telemetry_off_unless_set(env: MutableMapping[str, str]) -> None:
    """Rasa reports usage events and crashes to Rasa's servers unless told not to. A service about drug
    use sends nothing to third parties on its own; a deployer may set RASA_TELEMETRY_ENABLED=true."""
    env.setdefault(TELEMETRY.name, "false")


def keep_files_private(directory: Path = VAR) -> Path:
    """Files this process creates (SQLite databases and their -wal/-shm, secrets) readable by this user
    only, and var/ 0700 with its files 0600: it holds conversations, the STOP list and the keys. Also
    tightens what an earlier version left readable to others. Called first by every server."""
    os.umask(0o077)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)
    return directory


def rasa_api_token() -> str:
    """Rasa's HTTP API token: NAVIGATOR_RASA_TOKEN, or one made once in var/ (mode 0600)."""
    return RASA_TOKEN.read() or local_secret("rasa-api.token")


def local_secret(filename: str, directory: Path = VAR) -> str:
    """A random secret made once in var/ (mode 0600) and read back ever after, for the
    embedded mode. Written to a private file and linked into place, so two processes
    starting together never read a half-written secret or end up with different ones."""
    path = directory / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as staging_file:
            staging_file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(staging, path)
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    return path.read_text(encoding="ascii").strip()


def secret_bytes(setting: Setting, filename: str, directory: Path = VAR) -> bytes:
    """A key from its setting (hex, or any other text as its UTF-8 bytes), else made once in var/."""
    configured = setting.read()
    if configured:
        try:
            return bytes.fromhex(configured)
        except ValueError:
            return configured.encode("utf-8")
    return bytes.fromhex(local_secret(filename, directory))


def required_missing(env: Mapping[str, str] | None = None) -> list[Setting]:
    """The settings production needs that `env` does not set (a default made for a laptop, such as
    the widget's localhost origin, does not count)."""
    env = os.environ if env is None else env
    return [setting for setting in ALL if setting.required_in_production and not (env.get(setting.name) or "").strip()]


def markdown_table() -> str:
    """Every setting, by group, as docs/deploy.md shows them."""
    lines: list[str] = []
    for group, heading in GROUPS.items():
        lines += [f"**{heading}**", "", "| variable | default | required in production | what |", "|---|---|---|---|"]
        for setting in (s for s in ALL if s.group == group):
            default = setting.default
            if isinstance(default, tuple):
                default = ",".join(default)
            elif isinstance(default, bool):
                default = "on" if default else "off"
            elif isinstance(default, float) and default.is_integer():
                default = int(default)
            shown = "" if default is None else f"`{default}`"
            required = "yes" if setting.required_in_production else ""
            lines.append(f"| `{setting.name}` | {shown} | {required} | {setting.what} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
