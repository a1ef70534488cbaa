"""deploy/systemd's units pass `systemd-analyze verify` with nothing to warn about, as installed:
in a private mount namespace, /opt holds /opt/navigator/venv/bin/python (the machine's /opt is left
alone), because verify checks that each ExecStart's program exists."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
# The template is verified as the instances the README enables.
VERIFIED = ("navigator-actions.service", "navigator-web.service", "./navigator-rasa@5005.service",
            "./navigator-rasa@5006.service", "navigator-retention.service", "navigator-retention.timer",
            "navigator-migrate.service", "navigator-findtreatment.service", "navigator-findtreatment.timer")


def test_systemd_analyze_verify_accepts_every_unit_without_a_warning():
    if shutil.which("systemd-analyze") is None:
        pytest.fail("no systemd-analyze (Debian's systemd package)")
    if os.geteuid() != 0:
        pytest.fail("needs root for a private mount namespace; CI runs as root")
    layout = (f"mount -t tmpfs tmpfs /opt && mkdir -p /opt/navigator/venv/bin "
              f"&& ln -s {sys.executable} /opt/navigator/venv/bin/python && exec systemd-analyze verify "
              + " ".join(VERIFIED))
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", layout], cwd=UNITS,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "", done.stdout + done.stderr
