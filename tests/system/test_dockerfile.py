"""deploy/Dockerfile's build steps, run by deploy/check_dockerfile.py where there is no container
runtime (this project's machines and CI have none): every RUN line (the locked dependencies and the
wheel into a virtual environment, the unprivileged user) in a temporary directory, then the image as
its user would run it. About 3 minutes, most of it pip installing the locked dependencies."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "navigator.tar.gz"


def test_the_dockerfile_build_steps_run_and_the_image_runs_as_its_user():
    if os.geteuid() != 0:
        pytest.fail("deploy/check_dockerfile.py needs root (a private mount namespace); CI runs as root")
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: `make test` trains one first (the image carries it)")
    done = subprocess.run([sys.executable, str(ROOT / "deploy" / "check_dockerfile.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ran = done.stdout
    assert "RUN python -m venv" in ran and "RUN useradd" in ran
    for check in ("the CMD answers --help", "every server's module imports", "the model is readable",
                  "the installed code is read-only", "$HOME is writable"):
        assert f"as navigator: {check}" in ran, ran
    assert "The Dockerfile's build steps ran" in ran
