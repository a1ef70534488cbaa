"""The repository's nginx configuration (deploy/nginx/navigator.conf.template, filled in for free ports
and a certificate made here) in front of two production-mode Rasa replicas on PostgreSQL and Redis,
as tests/system/test_production.py starts them, with the action server and the web app: Twilio-signed
texts and the widget's socket.io over TLS through nginx get real replies; only the public paths pass;
bodies over the limits stop at nginx; a replica that goes down is skipped.

Uses Debian's nginx (`make system-packages` installs it) and installs nothing itself.
"""
from __future__ import annotations

import asyncio
import datetime
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from string import Template
from types import SimpleNamespace

import aiohttp
import pytest
from support.services import free_port
from support.widget import RawSocketIO
from twilio.request_validator import RequestValidator

from bot.migrate import migrate_all
from bot.run import DEFAULT_MODEL, Assistant

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "navigator.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SERVER_NAME = "localhost"
WEBHOOK = "/webhooks/twilio/webhook"
TWILIO_TOKEN = "nginx-test-twilio-token"
WIDGET_ORIGIN = "https://health.example.gov"
TWILIO_WAITS = 15


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert, private = directory / "fullchain.pem", directory / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    os.chmod(private, 0o600)
    return cert, private


def render(template: str, values: dict[str, str]) -> str:
    """What envsubst does with the list of NAVIGATOR_ names: those, and nothing else (nginx's $host stays)."""
    names = set(re.findall(r"\$\{(NAVIGATOR_[A-Z0-9_]+)\}", template))
    assert names <= set(values), f"the template needs {sorted(names - set(values))}"
    return Template(template).safe_substitute({name: values[name] for name in names})


@pytest.fixture(scope="module")
def backends(national_registry, postgres, redis_server):
    """The action server and web app, and two Rasa replicas, in production mode; the public URL names the
    port nginx will listen on."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    https_port = free_port()
    public_url = f"https://{SERVER_NAME}:{https_port}"
    env = {
        "NAVIGATOR_MODE": "production",
        "NAVIGATOR_DATABASE_URL": str(national_registry.engine.url),
        "NAVIGATOR_TRACKER_DATABASE_URL": postgres.create_database("nginx_conversations"),
        "NAVIGATOR_CHANNEL_DATABASE_URL": postgres.create_database("nginx_channels"),
        "NAVIGATOR_REDIS_URL": redis_server.url,
        "NAVIGATOR_RASA_TOKEN": "nginx-test-rasa-token",
        "NAVIGATOR_SENDER_KEY": "nginx-test-sender-key",
        "NAVIGATOR_WIDGET_SECRET": "nginx-test-widget-secret",
        "NAVIGATOR_WIDGET_ORIGINS": WIDGET_ORIGIN,
        "NAVIGATOR_WEB_HOST": "127.0.0.1",
        "NAVIGATOR_WEB_PUBLIC_URL": public_url,
        "NAVIGATOR_RASA_PUBLIC_URL": public_url,
        "NAVIGATOR_TRUST_FORWARDED_HEADERS": "1",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "NAVIGATOR_PUBLIC_URL": public_url,
    }
    migrate_all(env)  # `python -m bot.migrate`, before the servers start (they refuse an old schema)
    rasa_ports = [free_port(), free_port()]
    actions_port, web_port = free_port(), free_port()
    helpers = Assistant(DEFAULT_MODEL, actions_port=actions_port, web_port=web_port,
                        env=dict(env, NAVIGATOR_RASA_URL=f"http://127.0.0.1:{rasa_ports[0]}"),
                        only=("actions", "web"), quiet=True).start()
    replicas = [Assistant(DEFAULT_MODEL, rasa_port=port, only=("rasa",), quiet=True,
                          env=dict(env, NAVIGATOR_ACTIONS_URL=f"http://127.0.0.1:{actions_port}/webhook")).start()
                for port in rasa_ports]
    try:
        for server in [helpers, *replicas]:
            server.wait_ready()
        yield SimpleNamespace(https_port=https_port, public_url=public_url, replicas=replicas, web_port=web_port)
    finally:
        for server in [*replicas, helpers]:
            server.stop()


@pytest.fixture(scope="module")
def proxy(backends):
    """Debian's nginx with the repository's configuration, on loopback, until the module ends."""
    if not Path(NGINX).exists():
        pytest.fail("no nginx: install Debian's nginx (`make system-packages`)")
    # Outside pytest's private temporary tree: nginx's workers run as nobody when the test runs as root.
    prefix = Path(tempfile.mkdtemp(prefix="navigator-nginx-"))
    os.chmod(prefix, 0o755)
    cert, key = self_signed_certificate(prefix)
    http_port = free_port()
    site = render(TEMPLATE.read_text(), {
        "NAVIGATOR_SERVER_NAME": SERVER_NAME,
        "NAVIGATOR_HTTPS_LISTEN": f"127.0.0.1:{backends.https_port}",
        "NAVIGATOR_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "NAVIGATOR_TLS_CERTIFICATE": str(cert),
        "NAVIGATOR_TLS_CERTIFICATE_KEY": str(key),
        "NAVIGATOR_RASA_1": f"127.0.0.1:{backends.replicas[0].rasa_port}",
        "NAVIGATOR_RASA_2": f"127.0.0.1:{backends.replicas[1].rasa_port}",
        "NAVIGATOR_WEB": f"127.0.0.1:{backends.web_port}",
        "NAVIGATOR_ACCESS_LOG": str(prefix / "access.log"),
    })
    (prefix / "navigator.conf").write_text(site)
    temp_paths = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in
                           ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(
        ("user nobody nogroup;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        + "events { worker_connections 256; }\n"
        + f"http {{\n{temp_paths}\n    include {prefix / 'navigator.conf'};\n}}\n")
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", backends.https_port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(cert))
        yield SimpleNamespace(url=backends.public_url, http_port=http_port, tls=context, prefix=prefix,
                              backends=backends)
    finally:
        nginx.send_signal(signal.SIGQUIT)  # graceful: workers finish their requests
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait()
        shutil.rmtree(prefix, ignore_errors=True)


def request(proxy, path: str, data: bytes | None = None, headers: dict | None = None,
            method: str | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(proxy.url + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TWILIO_WAITS + 5, context=proxy.tls) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def text_message(proxy, phone: str, body: str, signed_url: str | None = None) -> tuple[int, list[str]]:
    """A text as Twilio posts it: signed over the public https URL (or `signed_url`)."""
    params = {"From": phone, "To": "+12155550000", "Body": body, "NumMedia": "0", "AccountSid": "ACtest",
              "MessageSid": f"SM{time.time_ns()}"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(signed_url or proxy.url + WEBHOOK, params)
    status, _, reply = request(proxy, WEBHOOK, data=urllib.parse.urlencode(params).encode(),
                               headers={"X-Twilio-Signature": signature,
                                        "Content-Type": "application/x-www-form-urlencoded"})
    texts = [m.text or "" for m in ET.fromstring(reply.decode()).iter("Message")] if status == 200 else []
    return status, texts


def results_in(texts: list[str]) -> bool:
    joined = "\n".join(texts)
    return "1. " in joined and "Reply 1-3" in joined


DETAILS = re.compile(r"\b[A-Z]{2} \d{5}\b.*\n(Call \(|No phone listed)", re.S)


def test_a_signed_text_through_nginx_gets_listings_and_the_next_one_goes_on_at_the_other_replica(proxy):
    status, texts = text_message(proxy, "+12155550201", "need subs near 19134 i have medicaid")
    assert status == 200 and results_in(texts), texts
    # Round robin: the next request goes to the other replica, which has the conversation from PostgreSQL.
    status, texts = text_message(proxy, "+12155550201", "2")
    assert status == 200 and DETAILS.search("\n".join(texts)), texts


def test_a_signature_over_any_url_but_the_public_https_one_is_refused(proxy):
    # (twilio's validator also takes the public URL without its port, as Twilio may sign it either way.)
    for wrong in (proxy.url.replace("https://", "http://") + WEBHOOK,
                  f"http://127.0.0.1:{proxy.backends.replicas[0].rasa_port}{WEBHOOK}",
                  f"https://navigator.example.org{WEBHOOK}"):
        status, texts = text_message(proxy, "+12155550202", "need subs near 19134", signed_url=wrong)
        assert status == 403 and texts == [], wrong


def test_the_widget_gets_result_cards_over_a_websocket_through_nginx(proxy):
    async def conversation() -> list[tuple[str, object]]:
        connector = aiohttp.TCPConnector(ssl=proxy.tls)
        async with aiohttp.ClientSession(connector=connector) as session:
            client = await RawSocketIO.open(session, proxy.url, WIDGET_ORIGIN)
            assert client.connected, client.connect_reply
            token = await client.session(None)
            await client.emit("user_uttered", {"message": "need subs near 19134 i have medicaid", "session_id": token})
            events: list[tuple[str, object]] = []
            while not any(isinstance(data, dict) and isinstance(data.get("custom"), dict) for _, data in events):
                events.append(await client.next_event(timeout=30))
            await client.close()
            return events

    events = asyncio.run(asyncio.wait_for(conversation(), timeout=60))
    cards = next(data["custom"] for _, data in events
                 if isinstance(data, dict) and isinstance(data.get("custom"), dict))
    assert cards["type"] == "listings" and len(cards["listings"]) == 3, cards
    assert all(card["name"] and card["miles"] < 25 for card in cards["listings"]), cards


def test_a_widget_from_another_origin_is_refused_through_nginx(proxy):
    async def connect() -> int:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=proxy.tls)) as session:
            try:
                await RawSocketIO.open(session, proxy.url, "https://evil.example")
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status
            return 101

    assert asyncio.run(asyncio.wait_for(connect(), timeout=20)) == 400  # the channel's origin check, not nginx


def test_only_the_public_paths_pass(proxy):
    for path in ("/conversations/anyone/tracker", "/model/parse", "/status", "/webhooks/rest/webhook", "/version",
                 "/webhooks/twilio/", "/health"):
        assert request(proxy, path)[0] == 404, path
    assert request(proxy, WEBHOOK)[0] == 403  # POST only
    status, headers, _ = request(proxy, "/")
    assert status == 200
    assert headers.get("Strict-Transport-Security", "").startswith("max-age=")
    status, _, widget = request(proxy, "/widget/widget.js")
    assert status == 200 and b"session_request" in widget


def test_bodies_over_the_limits_stop_at_nginx(proxy):
    assert request(proxy, WEBHOOK, data=b"Body=" + b"x" * 70_000,
                   headers={"X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"})[0] == 413
    assert request(proxy, "/socket.io/?EIO=4&transport=polling", data=b"x" * 20_000,
                   headers={"Content-Type": "text/plain"})[0] == 413
    assert "413" in (proxy.prefix / "access.log").read_text()


def test_plain_http_is_redirected_and_an_unknown_name_gets_no_certificate(proxy):
    connection = socket.create_connection(("127.0.0.1", proxy.http_port), timeout=5)
    connection.sendall(f"GET /widget/widget.js HTTP/1.1\r\nHost: {SERVER_NAME}\r\nConnection: close\r\n\r\n".encode())
    answer = connection.recv(4096).decode()
    connection.close()
    assert answer.startswith("HTTP/1.1 301") and f"Location: https://{SERVER_NAME}/widget/widget.js" in answer

    port = int(proxy.url.rsplit(":", 1)[1])
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with proxy.tls.wrap_socket(raw, server_hostname="evil.example"):
                pass


def test_the_access_log_keeps_no_query_string(proxy):
    request(proxy, "/api/search?place=19134&medication=methadone")
    deadline = time.monotonic() + 5
    while "/api/search" not in (log := (proxy.prefix / "access.log").read_text()):  # written after the answer
        assert time.monotonic() < deadline, log
        time.sleep(0.1)
    assert "19134" not in log and "127.0.0.1" not in log


def test_with_one_replica_down_every_text_goes_to_the_other(proxy):
    """Last: it kills a replica."""
    replica = proxy.backends.replicas[0]
    _, rasa = next((name, process) for name, process in replica.processes if name == "rasa")
    os.kill(rasa.pid, signal.SIGKILL)
    rasa.wait(timeout=10)
    for n in range(3):
        status, texts = text_message(proxy, f"+1215555021{n}", "need subs near 19134 i have medicaid")
        assert status == 200 and results_in(texts), (n, texts)
