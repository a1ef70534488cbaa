"""Nothing the launcher starts reports to Rasa's servers unless the deployer says so: what Rasa itself
decides, in a child interpreter with each command's environment (the commands are built, not run)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.run import DEFAULT_MODEL, Assistant


def rasa_would_report(env: dict) -> bool:
    """What Rasa itself decides, in a process with this environment."""
    out = subprocess.run([sys.executable, "-c", "import rasa.telemetry as t; print(t.is_telemetry_enabled())"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def test_the_servers_report_nothing_to_rasa_unless_the_deployer_says_so(monkeypatch, tmp_path):
    # A machine where Rasa's CLI once ran has reporting switched on in ~/.config/rasa/global.yml.
    (tmp_path / ".config" / "rasa").mkdir(parents=True)
    (tmp_path / ".config" / "rasa" / "global.yml").write_text("metrics:\n  enabled: true\n  rasa_user_id: x\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    assert rasa_would_report(dict(os.environ))  # the machine as it is: Rasa would report
    token = {"NAVIGATOR_RASA_TOKEN": "t" * 32}  # so the embedded mode writes no token file
    for name, _, env in Assistant(DEFAULT_MODEL, env=token).commands():
        assert not rasa_would_report(env), name
    opted_in = Assistant(DEFAULT_MODEL, env={**token, "RASA_TELEMETRY_ENABLED": "true"}).commands()
    assert all(rasa_would_report(env) for _, _, env in opted_in)



def test_rasa_run_by_hand_through_the_projects_entry_point_reports_nothing(tmp_path):
    # docs/deploy.md trains with `python -m bot.rasa_server train`, with no variable set.
    (tmp_path / ".config" / "rasa").mkdir(parents=True)
    (tmp_path / ".config" / "rasa" / "global.yml").write_text("metrics:\n  enabled: true\n  rasa_user_id: x\n")
    env = {key: value for key, value in os.environ.items() if key != "RASA_TELEMETRY_ENABLED"}
    env["HOME"] = str(tmp_path)

    def status(command: list[str]) -> str:
        done = subprocess.run(command + ["telemetry"], env=env, capture_output=True, text=True, timeout=120)
        return "enabled" if "currently enabled" in done.stdout else "disabled" if "currently disabled" in done.stdout \
            else done.stdout + done.stderr

    assert status([str(Path(sys.executable).parent / "rasa")]) == "enabled"  # the bare command would report
    assert status([sys.executable, "-m", "bot.rasa_server"]) == "disabled"
