"""Real PostgreSQL and Redis on loopback, from Debian's packages, for tests and benchmarks.

Each server runs from a fresh temporary directory on a free port and is stopped
afterwards; the machine's own clusters (if any) are never touched.

    with Postgres() as pg, Redis() as redis:
        url = pg.create_database("registry")   # postgresql://navigator@127.0.0.1:PORT/registry
        redis.url                              # redis://127.0.0.1:PORT/0

`make test` installs the packages (postgresql, its PostGIS, redis-server) when they are missing.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

POSTGRES_ROOT = Path("/usr/lib/postgresql")
USER = "navigator"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    versions = sorted((p for p in POSTGRES_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def postgis_package(bin: Path) -> str | None:
    """The Debian package of PostGIS for the PostgreSQL in `bin`, when it is not installed."""
    major = bin.parent.name
    installed = (Path("/usr/share/postgresql") / major / "extension" / "postgis.control").exists()
    return None if installed else f"postgresql-{major}-postgis-3"


def missing() -> list[str]:
    """The Debian packages these servers need that are not installed."""
    needs, bin = [], postgres_bin()
    if bin is None:
        needs.append("postgresql")
    elif package := postgis_package(bin):
        needs.append(package)
    if shutil.which("redis-server") is None:
        needs.append("redis-server")
    return needs


def _wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing answers on port {port} after {timeout:.0f} s")
            time.sleep(0.1)


class Postgres:
    """A throwaway PostgreSQL cluster: trust authentication on 127.0.0.1 only, fsync off."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package `postgresql`; `make test` installs it)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="navigator-pg-"))
        self.data = self.dir / "data"
        # PostgreSQL refuses to run as root: as root, run it as the package's `postgres` user.
        self.run_as = "postgres" if os.geteuid() == 0 else None
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            os.chown(self.dir, account.pw_uid, account.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def start(self) -> "Postgres":
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")
        return self

    def require_postgis(self) -> None:
        """The registry runs without PostGIS, but the tests that show it in use need it installed."""
        package = postgis_package(self.bin)
        if package:
            raise RuntimeError(f"PostGIS is not installed (Debian package `{package}`; `make test` installs it)")

    def url(self, database: str = "postgres", user: str = USER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", future=True)
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Postgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Redis:
    """A throwaway Redis on 127.0.0.1 that keeps nothing on disk; `restart()` for fault tests."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("Redis is not installed (Debian package `redis-server`; `make test` installs it)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--protected-mode", "yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, 10, self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> "Redis":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


async def start_sanic(app, listener: socket.socket, **options):
    """A Sanic app serving on `listener` in this event loop, its start listeners run (as sanic-testing does)."""
    server = await app.create_server(sock=listener, return_asyncio_server=True, **options)
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server


async def stop_sanic(server) -> None:
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()
