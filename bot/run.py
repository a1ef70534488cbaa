"""Start the assistant and stop it as one.

    python -m bot.run [--model models/navigator.tar.gz] [--only rasa,actions,web]

Starts the action server (port 5055) and the Rasa server (port 5005, HTTP API
behind a token), and the web app (port 8080). Ctrl-C or SIGTERM stops them all;
if one dies, the others are stopped too, so a half-running assistant never
answers.

NAVIGATOR_MODE chooses the configuration:
- embedded (the default): endpoints.yml and credentials.yml; SQLite files under
  var/, secrets made once in var/, the REST channel on for trying it out.
- production: endpoints.production.yml and credentials.production.yml;
  conversations in PostgreSQL, the lock store in Redis (so several Rasa
  replicas serve one conversation), no REST channel, and every secret from the
  environment (PRODUCTION_SETTINGS; docs/deploy.md). `--only` starts one kind
  of process, for a replica per container or systemd unit.

Tests and benchmarks start the same servers on other ports with `Assistant`.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN_FILE = ROOT / "var" / "rasa-api.token"
DEFAULT_MODEL = ROOT / "models" / "navigator.tar.gz"
PROCESS_NAMES = ("actions", "rasa", "web")
MODE_ENV = "NAVIGATOR_MODE"
# Rasa reports usage events and crashes to Rasa's servers unless told not to. A service about
# drug use sends nothing to third parties on its own; a deployer may set it to "true".
TELEMETRY_ENV = "RASA_TELEMETRY_ENABLED"

# What production needs from the environment, and why. Replicas on several machines must
# share every secret, so none is made up locally as the embedded mode does.
PRODUCTION_SETTINGS = {
    "NAVIGATOR_DATABASE_URL": "PostgreSQL URL of the registry (and, unless set apart, of conversations and the SMS store)",
    "NAVIGATOR_REDIS_URL": "Redis URL of the lock store shared by the Rasa replicas",
    "NAVIGATOR_RASA_TOKEN": "token for Rasa's HTTP API, shared by the replicas and the web app",
    "NAVIGATOR_SENDER_KEY": "key that turns phone numbers into sender ids, the same on every replica",
    "NAVIGATOR_WIDGET_SECRET": "key that signs the widget's session ids, the same on every replica",
    "NAVIGATOR_WIDGET_ORIGINS": "the pages (https://...) allowed to embed the widget, comma-separated",
}


def production_environment(env: dict, actions_port: int = 5055) -> tuple[dict, list[str]]:
    """The environment for production processes, and the required settings that are missing."""
    env = dict(env)
    missing = [name for name in PRODUCTION_SETTINGS if not env.get(name)]
    if env.get("NAVIGATOR_DATABASE_URL"):
        env.setdefault("NAVIGATOR_TRACKER_DATABASE_URL", env["NAVIGATOR_DATABASE_URL"])
        env.setdefault("NAVIGATOR_CHANNEL_DATABASE_URL", env["NAVIGATOR_DATABASE_URL"])
    env.setdefault("NAVIGATOR_ACTIONS_URL", f"http://127.0.0.1:{actions_port}/webhook")
    return env, missing


def api_token() -> str:
    """Rasa's HTTP API token: NAVIGATOR_RASA_TOKEN, or one made once and kept in var/ (mode 0600)."""
    token = os.environ.get("NAVIGATOR_RASA_TOKEN")
    if token:
        return token
    if TOKEN_FILE.exists():
        return TOKEN_FILE.read_text().strip()
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    TOKEN_FILE.touch(mode=0o600)
    TOKEN_FILE.write_text(token)
    return token


def web_app_available() -> bool:
    try:
        import bot.web.app  # noqa: F401  (the web app ships with the channels)
    except ImportError:
        return False
    return True


class Assistant:
    """The action server, the Rasa server and (when present) the web app, as child processes."""

    def __init__(self, model: Path = DEFAULT_MODEL, *, rasa_port: int = 5005, actions_port: int = 5055,
                 web_port: int = 8080, endpoints: Path | None = None, credentials: Path | None = None,
                 env: dict | None = None, web: bool | None = None, only: tuple[str, ...] = PROCESS_NAMES,
                 quiet: bool = False):
        self.model = Path(model)
        self.rasa_port, self.actions_port, self.web_port = rasa_port, actions_port, web_port
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault(TELEMETRY_ENV, "false")
        self.production = self.env.get(MODE_ENV, "embedded") == "production"
        if self.production:
            self.env, missing = production_environment(self.env, actions_port)
            if missing:
                raise ValueError("production mode needs " + "; ".join(
                    f"{name} ({PRODUCTION_SETTINGS[name]})" for name in missing))
        else:
            self.env.setdefault("NAVIGATOR_RASA_TOKEN", api_token())
        suffix = ".production.yml" if self.production else ".yml"
        self.endpoints = endpoints or ROOT / f"endpoints{suffix}"
        self.credentials = credentials or ROOT / f"credentials{suffix}"
        self.only = tuple(only)
        self.web = ("web" in self.only) and (web_app_available() if web is None else web)
        self.quiet = quiet
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def commands(self) -> list[tuple[str, list[str], dict]]:
        rasa = str(BIN / "rasa")
        procs = []
        if "actions" in self.only:
            procs.append(("actions", [rasa, "run", "actions", "--actions", "bot.actions",
                                      "--port", str(self.actions_port)], dict(self.env, NAVIGATOR_WARM_UP="1")))
        if "rasa" in self.only:
            # No --cors: Rasa then sends no CORS headers, so no other site's page can call it.
            # --auth-token=...: a url-safe token may begin with "-", which argparse would read as an option.
            procs.append(("rasa", [rasa, "run", "--model", str(self.model), "--endpoints", str(self.endpoints),
                                   "--credentials", str(self.credentials), "--port", str(self.rasa_port),
                                   "--enable-api", f"--auth-token={self.env['NAVIGATOR_RASA_TOKEN']}"], self.env))
        if self.web:
            web_env = dict(self.env, NAVIGATOR_WEB_PORT=str(self.web_port))
            web_env.setdefault("NAVIGATOR_RASA_URL", f"http://localhost:{self.rasa_port}")
            procs.append(("web", [sys.executable, "-m", "bot.web.app"], web_env))
        return procs

    def start(self) -> "Assistant":
        output = subprocess.DEVNULL if self.quiet else None
        for name, cmd, env in self.commands():
            self.processes.append((name, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=output, stderr=output)))
        return self

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Until the Rasa server has loaded its model and the other servers answer."""
        deadline = time.monotonic() + timeout
        urls = []
        if "actions" in self.only:
            urls.append(f"http://localhost:{self.actions_port}/health")
        if "rasa" in self.only:
            urls.append(f"http://localhost:{self.rasa_port}/")
        if self.web:
            urls.append(f"http://localhost:{self.web_port}/")
        while urls:
            self.check_alive()
            try:
                with urllib.request.urlopen(urls[0], timeout=2) as response:
                    if response.status == 200:
                        urls.pop(0)
                        continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {urls[0]}")
            time.sleep(0.5)

    def check_alive(self) -> None:
        for name, proc in self.processes:
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} server stopped (exit {proc.returncode})")

    def stop(self) -> None:
        for _, proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for _, proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()

    def __enter__(self) -> "Assistant":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--only", default=",".join(PROCESS_NAMES),
                        help="which processes to start, comma-separated: actions, rasa, web")
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args()
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(only) - set(PROCESS_NAMES)
    if unknown or not only:
        parser.error(f"--only takes {', '.join(PROCESS_NAMES)}")
    if "rasa" in only and not args.model.exists():
        print(f"No trained model at {args.model}: run `make run` (it trains one).", file=sys.stderr)
        return 1

    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        assistant = Assistant(args.model, rasa_port=args.rasa_port, actions_port=args.actions_port,
                              web_port=args.web_port, only=only)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    assistant.start()
    try:
        assistant.wait_ready()
        ready = [f"{name} on port {port}" for name, port in
                 (("Rasa", args.rasa_port), ("actions", args.actions_port), ("web", args.web_port))
                 if name.lower() in only]
        print(f"The assistant is ready ({'production' if assistant.production else 'embedded'} mode): "
              + ", ".join(ready)
              + ("" if assistant.production else f"; try http://localhost:{args.web_port}"), flush=True)
        while True:
            assistant.check_alive()
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as e:
        print(f"{e}; stopping the rest", file=sys.stderr)
        return 1
    finally:
        assistant.stop()


if __name__ == "__main__":
    raise SystemExit(main())
