"""The wheel `pip install .` builds, installed into a fresh virtual environment: every data file the
servers read is in it, and the registry import, the action server, the web app, the Rasa server
(production mode, the trained model) and the retention job run from it alone.

Nothing is downloaded. The wheel is built from a copy of the files git tracks (and new files not yet
ignored), so a data file that exists only on this machine cannot pass. The new environment's own
site-packages holds only the wheel; a .pth file puts this project's .venv site-packages (the pinned
dependencies) after it on the path. A .pth line only adds a directory: that directory's own .pth
files are not read, so the editable install of the repository (a finder that .venv's .pth installs)
is not active in the new environment. Every command runs in a temporary directory outside the
repository with no PYTHONPATH, and the first test checks that `bot` and `providers` come from the
new environment.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
import venv
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
from support.services import free_port
from twilio.request_validator import RequestValidator

from bot.run import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://navigator.example.org"
WEBHOOK = "/webhooks/twilio/webhook"
TWILIO_TOKEN = "wheel-test-twilio-token"
# The Rasa files kept at the repository's root that the package ships (bot/files).
ROOT_FILES = ("config.yml", "endpoints.yml", "endpoints.production.yml", "credentials.yml",
              "credentials.production.yml", "domain")

# Run by the new environment's Python: where the packages are and what they hold.
INSPECT = """
import json, bot, providers
from pathlib import Path
from bot import files
site = Path(bot.__file__).resolve().parent.parent
installed = sorted(str(p.relative_to(site)) for package in ("bot", "providers") for p in (site / package).rglob("*")
                   if p.is_file() and p.suffix not in (".py", ".pyc"))
print(json.dumps({"bot": bot.__file__, "providers": providers.__file__, "site": str(site), "installed": installed,
                  "resolved": {name: str(files.path(name)) for name in files.NAMES}}))
"""


def tracked_files() -> list[str]:
    """What git tracks in this checkout, and new files it does not ignore (a wheel of them is what a
    commit would give)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    return [name for name in listed if name and os.path.lexists(ROOT / name)]


def copy_source(destination: Path) -> None:
    for name in tracked_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target, follow_symlinks=False)  # bot/files/ keeps its links


def run(cmd: list[str], cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, installed alone into a new virtual environment."""
    tmp = tmp_path_factory.mktemp("wheel")
    source, dist, environment, work = tmp / "source", tmp / "dist", tmp / "venv", tmp / "work"
    work.mkdir()
    copy_source(source)
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(SQLALCHEMY_SILENCE_UBER_WARNING="1", RASA_TELEMETRY_ENABLED="false")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(dist), str(source)], cwd=work, env=env)
    wheel, = dist.glob("treatment_navigator-*.whl")

    venv.EnvBuilder(with_pip=False, symlinks=True).create(environment)
    python = environment / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=work, env=env).stdout.strip())
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_navigator_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(dependencies)))
    # --ignore-installed: .venv's editable install has the same name and version; pip must neither
    # skip the wheel for it nor uninstall it.
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", str(wheel)],
        cwd=work, env=env)
    inspected = json.loads(run([str(python), "-c", INSPECT], cwd=work, env=env).stdout)
    return SimpleNamespace(python=python, bin=environment / "bin", site=site, work=work, env=env,
                           inspected=inspected, tmp=tmp)


def test_bot_and_providers_are_imported_from_the_new_environment_not_the_repository(installed):
    for package in ("bot", "providers"):
        path = Path(installed.inspected[package]).resolve()
        assert path.is_relative_to(installed.site.resolve()), path
        assert not path.is_relative_to(ROOT), path
    assert Path(installed.inspected["site"]).resolve() == installed.site.resolve()


def test_the_wheel_carries_every_data_file_the_servers_read(installed):
    """Every file that is not Python under bot/ and providers/ (the catalogue, the pages, the widget,
    the registry's data, the links in bot/files/), and Rasa's root files through bot.files as they
    are in the repository."""
    expected: set[str] = set()
    for name in tracked_files():
        if not name.startswith(("bot/", "providers/")) or name.endswith(".py"):
            continue
        path = ROOT / name
        if path.is_dir():  # bot/files/domain, a link to domain/
            expected |= {str(Path(name) / p.relative_to(path)) for p in path.rglob("*") if p.is_file()}
        else:
            expected.add(name)
    installed_files = set(installed.inspected["installed"])
    assert expected - installed_files == set()
    for must in ("bot/present/text/en.yml", "bot/web/templates/host.html", "bot/web/static/widget/widget.js",
                 "bot/files/endpoints.production.yml", "bot/files/domain/navigator.yml",
                 "providers/data/us-atlas/states-10m.json"):
        assert must in installed_files

    resolved = {name: Path(path) for name, path in installed.inspected["resolved"].items()}
    assert set(resolved) == set(ROOT_FILES)
    for name, path in resolved.items():
        assert path.is_relative_to(installed.site), path
        original = ROOT / name
        pairs = [(path / p.relative_to(original), p) for p in original.glob("*.yml")] if original.is_dir() \
            else [(path, original)]
        assert pairs, name
        for shipped, in_repository in pairs:
            assert shipped.read_bytes() == in_repository.read_bytes(), shipped


@pytest.fixture(scope="module")
def registry_url(installed):
    """The registry built by the wheel's own `providers import` from the data in the wheel."""
    database = installed.tmp / "registry.db"
    done = run([str(installed.bin / "providers"), "--database", f"sqlite:///{database}", "import"],
               cwd=installed.work, env=installed.env, timeout=180)
    return SimpleNamespace(url=f"sqlite:///{database}", report=done.stdout + done.stderr)


def test_the_registry_is_built_from_the_data_in_the_wheel(registry_url):
    """The import reads every shipped file (a missing one stops it with an error, not a smaller registry)."""
    assert "listings" in registry_url.report.lower(), registry_url.report


def package_files(site: Path) -> set[str]:
    """Every file in the installed packages but compiled bytecode."""
    return {str(p.relative_to(site)) for package in ("bot", "providers") for p in (site / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def servers(installed, registry_url, postgres, redis_server):
    """`python -m bot.run` from the new environment in production mode: the action server, the Rasa
    server with the trained model and the web app, as a container or a systemd unit starts them."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    ports = SimpleNamespace(rasa=free_port(), actions=free_port(), web=free_port())
    env = dict(installed.env, **{
        "NAVIGATOR_MODE": "production",
        "NAVIGATOR_DATABASE_URL": registry_url.url,
        "NAVIGATOR_TRACKER_DATABASE_URL": postgres.create_database("wheel_conversations"),
        "NAVIGATOR_CHANNEL_DATABASE_URL": postgres.create_database("wheel_channels"),
        "NAVIGATOR_REDIS_URL": redis_server.url,
        "NAVIGATOR_RASA_TOKEN": "wheel-test-rasa-token",
        "NAVIGATOR_SENDER_KEY": "wheel-test-sender-key",
        "NAVIGATOR_WIDGET_SECRET": "wheel-test-widget-secret",
        "NAVIGATOR_WIDGET_ORIGINS": "https://health.example.gov",
        "NAVIGATOR_WEB_HOST": "127.0.0.1",
        "NAVIGATOR_DEPLOYER_NAME": "Wheel County Health Department",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "NAVIGATOR_PUBLIC_URL": PUBLIC_URL,
        # The retention job reads the same endpoints file as the Rasa server, action server included.
        "NAVIGATOR_ACTIONS_URL": f"http://127.0.0.1:{ports.actions}/webhook",
    })
    # `python -m bot.migrate` from the wheel, before the servers start: its migrations are in the package.
    migrated = subprocess.run([str(installed.python), "-m", "bot.migrate"], cwd=installed.work, env=env,
                              capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    before = package_files(installed.site)
    log = installed.tmp / "servers.log"
    with open(log, "wb") as output:
        launcher = subprocess.Popen(
            [str(installed.python), "-m", "bot.run", "--model", str(DEFAULT_MODEL), "--rasa-port", str(ports.rasa),
             "--actions-port", str(ports.actions), "--web-port", str(ports.web)],
            cwd=installed.work, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "The assistant is ready" not in log.read_text(errors="replace"):
            assert launcher.poll() is None, f"bot.run from the wheel exited {launcher.returncode}:\n" \
                                            + log.read_text(errors="replace")[-4000:]
            assert time.monotonic() < deadline, "not ready after 240 s:\n" + log.read_text(errors="replace")[-4000:]
            time.sleep(0.5)
        yield SimpleNamespace(ports=ports, env=env, before=before, log=log)
    finally:
        launcher.send_signal(signal.SIGTERM)  # bot.run stops its servers on SIGTERM
        try:
            launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_each_server_started_from_the_wheel_answers_200(servers):
    ports = servers.ports
    assert get(f"http://127.0.0.1:{ports.actions}/health")[0] == 200
    status, body = get(f"http://127.0.0.1:{ports.rasa}/")
    assert status == 200 and "Rasa" in body
    status, page = get(f"http://127.0.0.1:{ports.web}/")
    # Production's neutral page, from the template in the wheel, naming who runs the service.
    assert status == 200 and "This service is run by Wheel County Health Department." in page and "1-800-662-4357" in page
    status, widget = get(f"http://127.0.0.1:{ports.web}/widget/widget.js")
    assert status == 200 and "session_request" in widget  # the widget from the wheel


def test_a_signed_text_gets_listings_from_the_servers_started_from_the_wheel(servers):
    params = {"From": "+12155550191", "To": "+12155550000", "Body": "need subs near 19134 i have medicaid",
              "NumMedia": "0", "AccountSid": "ACtest", "MessageSid": f"SM{time.time_ns()}"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + WEBHOOK, params)
    request = urllib.request.Request(f"http://127.0.0.1:{servers.ports.rasa}{WEBHOOK}",
                                     data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=15) as response:
        texts = "\n".join(m.text or "" for m in ET.fromstring(response.read().decode()).iter("Message"))
    assert "1. " in texts and "Reply 1-3" in texts, texts  # the catalogue's words, a registry search's places


def test_the_retention_job_runs_from_the_wheel(installed, servers):
    done = run([str(installed.python), "-m", "bot.rasa_server.retention"], cwd=installed.work, env=servers.env)
    assert done.stdout.startswith("deleted "), done.stdout


def test_the_servers_wrote_nothing_into_the_installed_package(installed, servers):
    """A container runs them as a user who cannot write there: production keeps its state elsewhere."""
    assert package_files(installed.site) - servers.before == set()
