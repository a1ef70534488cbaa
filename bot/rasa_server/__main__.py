"""Rasa's command line with this project's patches installed first:

    python -m bot.rasa_server run --model models/navigator.tar.gz ...   (what bot.run starts)
    python -m bot.rasa_server run actions --actions bot.actions         (the action server)
    python -m bot.rasa_server shell --model models/navigator.tar.gz     (make shell)
    python -m bot.rasa_server train | data validate | test ...           (the Makefile)

The patches (bot.rasa_server.patches) are installed here, once, before Rasa loads anything, so
they hold whatever stores and channels the endpoints and credentials files name. If the
installed Rasa is not the one they were written for, the server does not start. The libraries'
own deprecation notices are filtered first (bot.quiet_start), so a start-up reads as steps.
"""
from __future__ import annotations

import os
import sys

from bot import quiet_start, settings

quiet_start.apply()

from bot.rasa_server import patches  # noqa: E402  (after the filters: importing Rasa raises the notices)


def with_api_token(argv: list[str]) -> list[str]:
    """`run --enable-api` with the API token added inside this process, from NAVIGATOR_RASA_TOKEN (or
    var/rasa-api.token): a token on the command line is shown by `ps` to every user of the machine, and
    it opens every conversation and PUT /model. A token given on the command line is refused."""
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        raise SystemExit("Give the Rasa API token in NAVIGATOR_RASA_TOKEN, not on the command line (ps shows it).")
    if argv[:1] != ["run"] or "--enable-api" not in argv or argv[1:2] == ["actions"]:
        return argv
    # --auth-token=...: a url-safe token may begin with "-", which argparse would read as an option.
    return [*argv, f"--auth-token={settings.rasa_api_token()}"]


def main() -> int:
    if sys.argv[1:2] != ["train"]:
        # A server's files are private. A model is not (trained on the shipped data) and must stay
        # readable: a deployment copies it to where the servers' own user reads it (deploy/Dockerfile).
        settings.keep_files_private()
    # Also for `python -m bot.rasa_server train` run by hand, as docs/deploy.md's set-up does.
    settings.telemetry_off_unless_set(os.environ)
    try:
        patches.install()
    except patches.PatchMismatch as mismatch:
        print(f"Not starting the Rasa server: {mismatch}. Install the pinned Rasa (requirements.lock).",
              file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    sys.argv[1:] = with_api_token(sys.argv[1:])
    sys.argv[0] = "rasa"
    rasa_main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
