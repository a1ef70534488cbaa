"""Start the assistant on the embedded defaults and stop it as one.

    python -m bot.run [--model models/navigator.tar.gz]

Starts the action server (port 5055) and the Rasa server (port 5005, REST and
socket.io channels, HTTP API behind a token), and the web app (port 8080) when
it is installed. Ctrl-C or SIGTERM stops them all; if one dies, the others are
stopped too, so a half-running assistant never answers.

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
                 web_port: int = 8080, endpoints: Path = ROOT / "endpoints.yml",
                 credentials: Path = ROOT / "credentials.yml", env: dict | None = None, web: bool | None = None,
                 quiet: bool = False):
        self.model = Path(model)
        self.rasa_port, self.actions_port, self.web_port = rasa_port, actions_port, web_port
        self.endpoints, self.credentials = endpoints, credentials
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault("NAVIGATOR_RASA_TOKEN", api_token())
        self.web = web_app_available() if web is None else web
        self.quiet = quiet
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def commands(self) -> list[tuple[str, list[str], dict]]:
        rasa = str(BIN / "rasa")
        procs = [
            ("actions", [rasa, "run", "actions", "--actions", "bot.actions", "--port", str(self.actions_port)],
             dict(self.env, NAVIGATOR_WARM_UP="1")),
            ("rasa", [rasa, "run", "--model", str(self.model), "--endpoints", str(self.endpoints),
                      "--credentials", str(self.credentials), "--port", str(self.rasa_port), "--enable-api",
                      "--auth-token", self.env["NAVIGATOR_RASA_TOKEN"]], self.env),
        ]
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
        urls = [f"http://localhost:{self.actions_port}/health", f"http://localhost:{self.rasa_port}/"]
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
    args = parser.parse_args()
    if not args.model.exists():
        print(f"No trained model at {args.model}: run `make run` (it trains one).", file=sys.stderr)
        return 1

    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    assistant = Assistant(args.model).start()
    try:
        assistant.wait_ready()
        print("The assistant is ready: REST at http://localhost:5005/webhooks/rest/webhook"
              + (", web page at http://localhost:8080" if assistant.web else ""), flush=True)
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
