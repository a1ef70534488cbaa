"""The deployment files agree with the code: compose, the environment files and the systemd units name
only real settings and every one production requires; each process is started the way bot.run takes
it; nginx's body limits are the servers' own. (Running them: tests/system/test_behind_nginx.py,
test_dockerfile.py, test_systemd_units.py, test_wheel.py.)"""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import yaml

from bot import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yml").read_text())
TEMPLATE = (DEPLOY / "nginx" / "navigator.conf.template").read_text()
MODEL = "/opt/navigator/models/navigator.tar.gz"
# Read by libraries, not by bot.settings.
NOT_SETTINGS = {"SQLALCHEMY_SILENCE_UBER_WARNING"}
NAVIGATOR_SERVICES = {"actions", "rasa-1", "rasa-2", "web", "retention", "migrate"}


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def test_compose_runs_every_process_and_only_the_proxy_is_published():
    services = COMPOSE["services"]
    assert set(services) == NAVIGATOR_SERVICES | {"db", "redis", "proxy"}
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    commands = {name: services[name]["command"] for name in NAVIGATOR_SERVICES}
    for name in ("rasa-1", "rasa-2"):
        assert commands[name] == ["python", "-m", "bot.run", "--only", "rasa", "--model", MODEL]
    assert commands["actions"] == ["python", "-m", "bot.run", "--only", "actions"]
    assert commands["web"] == ["python", "-m", "bot.run", "--only", "web"]
    assert "python -m bot.rasa_server.retention" in commands["retention"][-1]
    # The schema is migrated once, before any server: every server waits for it to end well.
    assert commands["migrate"] == ["python", "-m", "bot.migrate"]
    for name in NAVIGATOR_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert all(services[name]["build"]["dockerfile"] == "deploy/Dockerfile" for name in NAVIGATOR_SERVICES)
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./") and source != "./tls":  # the deployer's certificate, never in git
                assert (DEPLOY / source).exists(), (name, volume)


def test_the_dockerfile_puts_the_model_where_the_commands_look():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    model_dir = re.search(r"^ARG MODEL_DIR=(\S+)$", dockerfile, re.M).group(1)
    assert f"{model_dir}/navigator.tar.gz" == MODEL
    for unit in (DEPLOY / "systemd").glob("navigator-rasa@.service"):
        assert f"--model {MODEL}" in unit.read_text()


def test_the_servers_environment_in_compose_names_only_settings_and_every_required_one():
    for name in NAVIGATOR_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert set(environment) - set(settings.BY_NAME) == set(), name
        required = {s.name for s in settings.ALL if s.required_in_production}
        assert required - set(environment) == set(), name
        assert environment["NAVIGATOR_MODE"] == "production"


def test_compose_env_example_gives_every_variable_compose_reads():
    text = (DEPLOY / "compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    assert used - set(env_file(DEPLOY / "compose.env.example")) == set()


def test_the_systemd_environment_file_names_only_settings_and_every_required_one():
    values = env_file(DEPLOY / "systemd" / "navigator.env.example")
    assert set(values) - set(settings.BY_NAME) - NOT_SETTINGS == set()
    assert {s.name for s in settings.ALL if s.required_in_production} - set(values) == set()
    assert values["NAVIGATOR_MODE"] == "production"


def test_every_unit_starts_the_installed_environment_and_can_be_enabled():
    units = sorted((DEPLOY / "systemd").glob("navigator-*.service"))
    assert {unit.name for unit in units} == {"navigator-actions.service", "navigator-rasa@.service",
                                              "navigator-web.service", "navigator-retention.service",
                                              "navigator-migrate.service", "navigator-findtreatment.service"}
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/navigator/navigator.env" in text, unit.name
        assert re.search(r"^ExecStart=/opt/navigator/venv/bin/python -m "
                         r"(bot\.(run --only \w+|rasa_server\.retention|migrate$)|providers\.cli )", text, re.M), \
            unit.name
        assert "User=navigator" in text, unit.name
        # The migration is started by the servers that need it, never enabled on its own.
        assert ("\n[Install]\n" in text) == (unit.name != "navigator-migrate.service"), unit.name


def test_every_server_migrates_the_schema_before_it_starts():
    for name in ("navigator-actions.service", "navigator-rasa@.service", "navigator-web.service"):
        unit = (DEPLOY / "systemd" / name).read_text()
        wants = re.search(r"^Wants=(.*)$", unit, re.M)
        after = re.search(r"^After=(.*)$", unit, re.M)
        assert wants and "navigator-migrate.service" in wants.group(1).split(), name
        assert after and "navigator-migrate.service" in after.group(1).split(), name
    migrate = (DEPLOY / "systemd" / "navigator-migrate.service").read_text()
    # The owner role's URLs, when the deployer gives them, override the runtime role's.
    assert migrate.index("EnvironmentFile=/etc/navigator/navigator.env") < migrate.index(
        "EnvironmentFile=-/etc/navigator/migrate.env")
    assert "Type=oneshot" in migrate and "RemainAfterExit" not in migrate
    assert "OnCalendar=hourly" in (DEPLOY / "systemd" / "navigator-retention.timer").read_text()


def test_the_findtreatment_refresh_pulls_keeps_the_old_registry_imports_and_prints_what_changed():
    """docs/deploy.md: a scheduled refresh from FindTreatment.gov for the deployer's state."""
    unit = (DEPLOY / "systemd" / "navigator-findtreatment.service").read_text()
    steps = [line.split(" -m providers.cli ", 1)[1].split()[0]
             for line in unit.splitlines() if line.startswith("ExecStart=")]
    # The old registry is kept before the import and compared with the new one after it; a failed
    # pull (the first step of a oneshot) leaves the registry as it was.
    assert steps == ["pull-findtreatment", "export", "import", "export", "diff"]
    pull = re.search(r"--out (\S+)", unit).group(1)
    assert f"import --findtreatment {pull}" in unit
    before, after = re.findall(r"export --out (\S+)", unit)
    assert f"diff {before} {after}" in unit
    # The import changes the registry's schema when it must: the owner's URLs, as the migration has.
    assert unit.index("EnvironmentFile=/etc/navigator/navigator.env") < unit.index(
        "EnvironmentFile=-/etc/navigator/migrate.env")
    assert "Type=oneshot" in unit and "Also=navigator-findtreatment.timer" in unit
    area = env_file(DEPLOY / "systemd" / "findtreatment.env.example")
    assert set(re.findall(r"\$\{(\w+)\}", unit)) == set(area) == {"FINDTREATMENT_NEAR", "FINDTREATMENT_MILES"}
    lat, lng = (float(x) for x in area["FINDTREATMENT_NEAR"].split(","))
    assert -90 <= lat <= 90 and -180 <= lng <= 180 and float(area["FINDTREATMENT_MILES"]) > 0
    timer = (DEPLOY / "systemd" / "navigator-findtreatment.timer").read_text()
    assert "Unit=navigator-findtreatment.service" in timer and "Persistent=true" in timer
    assert re.search(r"^OnCalendar=\S", timer, re.M)
    # Every step is a real subcommand, with the options the unit gives it.
    for step in steps:
        assert _help(step).startswith(f"usage: providers {step}"), step
    assert "--findtreatment" in _help("import") and "--near" in _help("pull-findtreatment")
    assert "--out" in _help("export") and "--miles" in _help("pull-findtreatment")


def _help(command: str) -> str:
    from providers.cli import main

    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
        main([command, "--help"])
    return out.getvalue()


def test_the_proxy_fills_in_every_variable_of_the_nginx_template():
    names = set(re.findall(r"\$\{(NAVIGATOR_[A-Z0-9_]+)\}", TEMPLATE))
    assert set(COMPOSE["services"]["proxy"]["environment"]) == names
    assert any(v.endswith(":/etc/nginx/templates/default.conf.template:ro")
               for v in COMPOSE["services"]["proxy"]["volumes"])


def kilobytes(location: str) -> int:
    block = re.search(re.escape(location) + r" \{(.*?)\n    \}", TEMPLATE, re.S).group(1)
    return int(re.search(r"client_max_body_size (\d+)k;", block).group(1)) * 1024


def test_nginx_body_limits_are_the_servers_own():
    assert kilobytes("location = /webhooks/twilio/webhook") == settings.SMS_MAX_BODY_BYTES.default
    assert kilobytes("location /socket.io/") == settings.WIDGET_MAX_BODY_BYTES.default
    server_wide = int(re.search(r"^    client_max_body_size (\d+)k;", TEMPLATE, re.M).group(1)) * 1024
    assert server_wide == settings.WEB_MAX_BODY_BYTES.default
