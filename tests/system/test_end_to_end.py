"""Conversations through the real servers: the Rasa server with the trained model, the
action server, the REST channel (and `rasa shell`) and the national registry."""
from __future__ import annotations

import ipaddress
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.run import DEFAULT_MODEL, Assistant
from support.services import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def assistant(national_registry, tmp_path_factory):
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    tmp = tmp_path_factory.mktemp("assistant")
    actions_port, rasa_port = free_port(), free_port()
    tracker_db = tmp / "tracker.db"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://localhost:{actions_port}/webhook"\n'
        f"tracker_store:\n  type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore\n  dialect: sqlite\n  db: {tracker_db}\n")
    servers = Assistant(DEFAULT_MODEL, rasa_port=rasa_port, actions_port=actions_port, endpoints=endpoints,
                        env={"NAVIGATOR_DATABASE_URL": str(national_registry.engine.url)}, web=False, quiet=True)
    servers.start()
    try:
        servers.wait_ready()
        yield servers, tracker_db
    finally:
        servers.stop()


def replies(servers: Assistant, sender: str, text: str) -> list[dict]:
    """The bot's messages (text, buttons...) for one message over the REST channel."""
    request = urllib.request.Request(
        f"http://localhost:{servers.rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def say(servers: Assistant, sender: str, text: str) -> list[str]:
    return [m.get("text", "") for m in replies(servers, sender, text)]


def test_a_buprenorphine_search_from_a_philadelphia_zip_lists_places_that_offer_it_nearest_first(
        assistant, national_registry):
    servers, _ = assistant
    first = say(servers, "e2e-bupe", "need bupe near 19134")
    assert any("How would you pay?" in text for text in first), first
    # Rasa's channels send each paragraph as its own message: one per listing.
    results = "\n\n".join(say(servers, "e2e-bupe", "medicaid"))
    assert re.match(r"Closest for buprenorphine( \(Suboxone\))? near Philadelphia, PA 19134:", results)
    listed = re.findall(r"^(\d+)\. (.+) - ([\d.]+) mi$", results, re.M)
    assert [n for n, _, _ in listed] == ["1", "2", "3"]
    miles = [float(m) for _, _, m in listed]
    assert miles == sorted(miles) and miles[0] < 5
    # The same search the action makes, straight from the registry.
    expected = national_registry.search("19134", ["need:treatment", "medication:buprenorphine", "payment:medicaid"])
    assert [name for _, name, _ in listed] == [r.name for r in expected.results]
    assert all("medication:buprenorphine" in r.terms for r in expected.results)
    # What every listing has is said once: the intro names the medication, Medicaid is to ask about.
    # Medicaid said once for the page: known for all of them, or to ask each.
    assert re.search(r"\n(All have|Ask each about): Medicaid\n", results) and results.count("Source: ") == 1
    assert re.search(r"Reply 1-3( for details, MORE for more, NEW to start over|: details\. MORE: more\. NEW: start over)\.", results)
    assert len(results) <= 480


def test_an_overdose_in_the_middle_of_a_search_gets_911_first_and_the_search_goes_on(assistant):
    servers, _ = assistant
    say(servers, "e2e-crisis", "i need methadone")
    replies = say(servers, "e2e-crisis", "my friend is not breathing")
    assert replies[0] == "If someone may be overdosing, call 911 now."
    assert any("naloxone" in text.lower() for text in replies)
    # The crisis reply never ends with the search's question; the search waits for them.
    assert not any("ZIP code" in text for text in replies)
    after = say(servers, "e2e-crisis", "19134")
    assert any("How would you pay?" in text for text in after)


def test_emoji_or_markup_after_results_gets_the_kind_reply_and_changes_nothing(assistant):
    servers, _ = assistant
    results = "\n\n".join(say(servers, "e2e-unreadable", "need bupe near 19134 i have medicaid"))
    first = re.search(r"^1\. (.+) - [\d.]+ mi$", results, re.M).group(1)
    for text in ["🙂🙂🙂", "<img src=x onerror=alert(1)>", "???", "**bold** [link](javascript:alert(1))"]:
        assert say(servers, "e2e-unreadable", text) == [
            'Sorry, I didn\'t get that. You can send a ZIP code, say what you need (like "bupe" or "narcan"), '
            "or text HELP."]
    # The results are the ones shown before: number 1 is still the same place.
    assert say(servers, "e2e-unreadable", "1")[0].startswith(first)


def test_forget_me_deletes_the_conversation_from_the_store(assistant):
    servers, tracker_db = assistant
    say(servers, "e2e-forget", "need narcan in camden nj")

    def stored() -> int:
        with sqlite3.connect(tracker_db) as db:
            return db.execute("select count(*) from events where sender_id = ?", ("e2e-forget",)).fetchone()[0]

    assert stored() > 0
    replies = say(servers, "e2e-forget", "forget me")
    assert replies == ["Done. I deleted this conversation. If you text again, I'll start fresh."]
    assert stored() == 0


def shell_conversation(command: list[str], env: dict, message: str, until: str, timeout: float) -> str:
    """Type a message into a terminal program (in a pseudo-terminal, as a person would) and
    return what it printed after it, up to `until` or the timeout."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the program under test, never back into pytest
        try:
            os.chdir(ROOT)
            os.execve(command[0], command, env)
        finally:
            os._exit(127)
    output = b""
    ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")

    def read_until(marker: bytes) -> bool:
        nonlocal output
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    output += os.read(fd, 65536)
                except OSError:  # the program exited
                    return False
                if marker in ansi.sub(b"", output):
                    return True
        return False

    try:
        assert read_until(b"Your input ->"), ansi.sub(b"", output).decode(errors="replace")[-2000:]
        output = b""
        os.write(fd, message.encode() + b"\r")
        read_until(until.encode())
        return ansi.sub(b"", output).decode(errors="replace")
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)


def test_rasa_shell_answers_a_buprenorphine_search_in_one_message(assistant):
    """`make shell`: Rasa's own terminal channel, on the same model and action server."""
    servers, _ = assistant
    command = [sys.executable, "-m", "bot.rasa_server", "shell", "--model", str(DEFAULT_MODEL),
               "--endpoints", str(servers.endpoints), "--port", str(free_port())]
    printed = shell_conversation(command, servers.env, "need bupe near 19134 i have medicaid",
                                 until="NEW to start over", timeout=180)
    assert re.search(r"Closest for buprenorphine( \(Suboxone\))? near Philadelphia, PA 19134:", printed), printed[-2000:]
    assert re.findall(r"^(\d)\. .+ - [\d.]+ mi", printed, re.M) == ["1", "2", "3"]
    assert printed.count("Source: ") == 1  # one source line for the page, not one a listing


def test_a_start_shows_the_steps_and_the_ready_line_without_the_libraries_deprecation_notices(national_registry):
    """What `make run` prints once the model is trained: the servers' own lines and the ready line,
    not the dozens of notices the pinned libraries raise about each other as they load."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    ports = [str(free_port()) for _ in range(3)]
    env = dict(os.environ, NAVIGATOR_DATABASE_URL=str(national_registry.engine.url))
    for inherited in ("PYTHONWARNINGS", "TF_CPP_MIN_LOG_LEVEL"):  # as a shell starts it
        env.pop(inherited, None)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "bot.run", "--rasa-port", ports[0], "--actions-port", ports[1], "--web-port", ports[2]],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = launcher.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("The assistant is ready"):
                break
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(timeout=60)
    assert lines and lines[-1].startswith("The assistant is ready (embedded mode)"), "\n".join(lines[-20:])
    notices = [line for line in lines if "Warning" in line or "deprecat" in line.lower()]
    assert notices == [], "\n".join(notices)


# --- what the launched servers expose (issue 19) -------------------------------------------------

def listening_addresses(port: int) -> set[str]:
    """The local addresses listening on `port`, from the kernel's socket tables."""
    found = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: listening
                raw = bytes.fromhex(address)
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, size, 4))
                found.add(str(ipaddress.ip_address(words)))
    return found


def test_the_launched_servers_listen_on_this_machine_only_hide_their_token_and_keep_files_private(assistant):
    servers, tracker_db = assistant
    for port in (servers.rasa_port, servers.actions_port):
        assert listening_addresses(port) == {"127.0.0.1"}, port
    token = servers.env["NAVIGATOR_RASA_TOKEN"].encode()
    for name, process in servers.processes:
        assert token not in Path(f"/proc/{process.pid}/cmdline").read_bytes(), name  # what `ps` shows
    say(servers, "e2e-files", "need bupe near 19134")
    files = list(tracker_db.parent.glob("tracker.db*"))
    assert files and all(path.stat().st_mode & 0o077 == 0 for path in files)


def test_rest_refuses_another_channels_conversation_and_a_1_mb_message_without_stalling_anyone(assistant):
    servers, _ = assistant
    url = f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook"

    def post(sender: str, text: str) -> int:
        request = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code

    assert post("web-0123456789abcdef0123456789abcdef", "medicaid") == 403
    started = time.monotonic()
    assert post("e2e-huge", "x" * 1_000_000) == 413
    assert post("e2e-other", "hi") == 200
    assert time.monotonic() - started < 10
