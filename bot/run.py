"""Start the assistant and stop it as one.

    python -m bot.run [--model models/navigator.tar.gz] [--only rasa,actions,web]

Starts the action server (port 5055), the Rasa server (port 5005, HTTP API
behind a token; `python -m bot.rasa_server`, Rasa with this project's patches) and
the web app (port 8080). Ctrl-C or SIGTERM stops them all;
if one dies, the others are stopped too, so a half-running assistant never
answers.

NAVIGATOR_MODE chooses the configuration:
- embedded (the default): endpoints.yml and credentials.yml; SQLite files under
  var/ (0700), secrets made once in var/, every port on 127.0.0.1 unless configured
  (NAVIGATOR_RASA_HOST, ...), the REST channel for this machine only.
- production: endpoints.production.yml and credentials.production.yml;
  conversations in PostgreSQL, the lock store in Redis (so several Rasa
  replicas serve one conversation), no REST channel, and every secret from the
  environment (bot.settings; docs/deploy.md). `--only` starts one kind
  of process, for a replica per container or systemd unit.

Tests and benchmarks start the same servers on other ports with `Assistant`.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import files, settings

ROOT = settings.ROOT
BIN = Path(sys.executable).parent
DEFAULT_MODEL = ROOT / "models" / "navigator.tar.gz"
PROCESS_NAMES = ("actions", "rasa", "web")


def production_environment(env: dict, actions_port: int = 5055) -> tuple[dict, list[str]]:
    """The environment for production processes, and the required settings it lacks. Replicas
    on several machines must share every secret, so none is made up locally as the embedded
    mode does."""
    env = dict(env)
    missing = [f"{setting.name} ({setting.what})" for setting in settings.required_missing(env)]
    return env, missing


def configuration_errors(env: dict) -> list[str]:
    """Settings that cannot work together, in words, in every mode."""
    errors = []
    conversations = settings.TRACKER_DATABASE_URL.read(env)
    if settings.production(env) and conversations and conversations in (settings.DATABASE_URL.read(env),
                                                                          settings.CHANNEL_DATABASE_URL.read(env)):
        # Their backups must not hold conversations, which are deleted after the retention window.
        errors.append(f"{settings.TRACKER_DATABASE_URL.name} must name a database of its own, not the registry's "
                      "or the SMS store's: those are backed up, conversations must not be")
    if settings.TWILIO_AUTH_TOKEN.read(env) and not settings.PUBLIC_URL.read(env):
        # Without it the signature would be checked against the URL the request's Host header names.
        errors.append(f"{settings.TWILIO_AUTH_TOKEN.name} is set but {settings.PUBLIC_URL.name} is not: set it to "
                      "the public https address Twilio calls (https://navigator.example.gov)")
    return errors


class Assistant:
    """The action server, the Rasa server and (when present) the web app, as child processes."""

    def __init__(self, model: Path = DEFAULT_MODEL, *, rasa_port: int = 5005, actions_port: int = 5055,
                 web_port: int = 8080, endpoints: Path | None = None, credentials: Path | None = None,
                 env: dict | None = None, web: bool | None = None, only: tuple[str, ...] = PROCESS_NAMES,
                 quiet: bool = False):
        self.model = Path(model)
        self.rasa_port, self.actions_port, self.web_port = rasa_port, actions_port, web_port
        self.env = dict(os.environ, **(env or {}))
        settings.telemetry_off_unless_set(self.env)
        self.production = settings.production(self.env)
        if self.production:
            self.env, missing = production_environment(self.env, actions_port)
            if missing:
                raise ValueError("production mode needs " + "; ".join(missing))
        else:
            self.env.setdefault(settings.RASA_TOKEN.name, settings.rasa_api_token())
        errors = configuration_errors(self.env)
        if errors:
            raise ValueError("; ".join(errors))
        self.only = tuple(only)
        # 127.0.0.1, not localhost: Rasa opens a connection per action call and would resolve the name each time.
        self.env.setdefault(settings.ACTIONS_URL.name, f"http://127.0.0.1:{actions_port}/webhook")
        suffix = ".production.yml" if self.production else ".yml"
        self.endpoints = endpoints or files.path(f"endpoints{suffix}")
        self.credentials = credentials or files.path(f"credentials{suffix}")
        self.web = ("web" in self.only) and (web is None or web)
        self.quiet = quiet
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.error_output: dict[str, Any] = {}

    def _prepare_databases(self) -> None:
        """Embedded: bring this machine's SQLite files up to date, as `python -m bot.migrate` would, before any
        server starts. Production: the servers never change a schema, so refuse (ValueError, one line) when
        `python -m bot.migrate` has not been run, rather than let each server fail with a traceback."""
        from bot.migrate import MigrationFailed, database_urls, migrate_all
        from bot.senders import channel_engine
        from providers import db, migrations

        try:
            if not self.production:
                migrate_all(self.env)
                return
            for store, url in database_urls(self.env):
                # The registry is read by the action server and the web app, the SMS store by Rasa and the web app.
                users = {"actions", "web"} if store is migrations.REGISTRY else {"rasa", "web"}
                if not users & set(self.only):
                    continue
                engine = channel_engine(url) if store is migrations.CHANNELS else db.make_engine(url)
                try:
                    migrations.require_current(engine, store)
                except SQLAlchemyError as e:
                    raise ValueError(f"the {store.name} store: {db.describe_error(e, url)}") from e
                finally:
                    engine.dispose()
        except (MigrationFailed, migrations.SchemaError) as e:
            raise ValueError(str(e)) from e

    def commands(self) -> list[tuple[str, list[str], dict]]:
        procs = []
        if "actions" in self.only:
            # rasa_sdk reads the address it listens on from SANIC_HOST only.
            procs.append(("actions", [sys.executable, "-m", "bot.rasa_server", "run", "actions", "--actions",
                                      "bot.actions", "--port", str(self.actions_port)],
                          dict(self.env, **{settings.WARM_UP.name: "1",
                                            "SANIC_HOST": settings.bind_host(settings.ACTIONS_HOST, self.env)})))
        if "rasa" in self.only:
            # No --cors: Rasa then sends no CORS headers, so no other site's page can call it. No
            # --auth-token: `ps` would show it; bot.rasa_server reads NAVIGATOR_RASA_TOKEN instead.
            procs.append(("rasa", [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(self.model),
                                   "--endpoints", str(self.endpoints), "--credentials", str(self.credentials),
                                   "--interface", settings.bind_host(settings.RASA_HOST, self.env),
                                   "--port", str(self.rasa_port), "--enable-api"], self.env))
        if self.web:
            web_env = dict(self.env, **{settings.WEB_PORT.name: str(self.web_port)})
            web_env.setdefault(settings.RASA_URL.name, f"http://localhost:{self.rasa_port}")
            procs.append(("web", [sys.executable, "-m", "bot.web.app"], web_env))
        return procs

    def start(self) -> Assistant:
        self._prepare_databases()
        for name, cmd, env in self.commands():
            # Quiet servers keep their error output, so a server that stops can say why.
            errors = tempfile.TemporaryFile() if self.quiet else None
            process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL if self.quiet else None,
                                       stderr=errors)
            self.processes.append((name, process))
            self.error_output[name] = errors
        return self

    def urls(self, route: str) -> dict[str, str]:
        """Each started server's `route` (`/health` or `/ready`, bot.readiness), by process name."""
        ports = {"actions": self.actions_port, "rasa": self.rasa_port, "web": self.web_port}
        started = [name for name in PROCESS_NAMES if name in self.only and (name != "web" or self.web)]
        return {name: f"http://localhost:{ports[name]}{route}" for name in started}

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Until every server answers its `/health`: the Rasa server only once its model is loaded
        (Rasa loads it before it listens). A dependency that is down does not stop the start (the
        servers answer with the helplines meanwhile): `not_ready` says which."""
        deadline = time.monotonic() + timeout
        urls = list(self.urls("/health").values())
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

    def not_ready(self) -> dict[str, list[str]]:
        """What each server's `/ready` says is down, by process name; empty when all are ready."""
        down = {}
        for name, url in self.urls("/ready").items():
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = json.loads(response.read())
            except urllib.error.HTTPError as error:
                body = json.loads(error.read() or b"{}") if error.code == 503 else {"down": [f"HTTP {error.code}"]}
            except OSError:
                body = {"down": ["no answer"]}
            if body.get("down"):
                down[name] = list(body["down"])
        return down

    def check_alive(self) -> None:
        for name, proc in self.processes:
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} server stopped (exit {proc.returncode}){self._last_errors(name)}")

    def _last_errors(self, name: str, lines: int = 15) -> str:
        errors = self.error_output.get(name)
        if errors is None:
            return ""
        errors.seek(0)
        tail = errors.read().decode("utf-8", "replace").splitlines()[-lines:]
        return ":\n" + "\n".join(tail) if tail else ""

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
        for errors in self.error_output.values():
            if errors is not None:
                errors.close()
        self.error_output.clear()

    def __enter__(self) -> Assistant:
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

    settings.keep_files_private()

    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        assistant = Assistant(args.model, rasa_port=args.rasa_port, actions_port=args.actions_port,
                              web_port=args.web_port, only=only)
        assistant.start()  # first checks (production) or migrates (embedded) the databases: one line if it cannot
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    try:
        assistant.wait_ready()
        ready = [f"{name} on port {port}" for name, port in
                 (("Rasa", args.rasa_port), ("actions", args.actions_port), ("web", args.web_port))
                 if name.lower() in only]
        print(f"The assistant is ready ({'production' if assistant.production else 'embedded'} mode): "
              + ", ".join(ready)
              + ("" if assistant.production else f"; try http://localhost:{args.web_port}"), flush=True)
        for name, down in assistant.not_ready().items():
            print(f"The {name} server is not ready: {', '.join(down)} down (GET /ready); it answers with the "
                  "helplines until they are back", file=sys.stderr, flush=True)
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
