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

import sys

from bot import quiet_start

quiet_start.apply()

from bot.rasa_server import patches  # noqa: E402  (after the filters: importing Rasa raises the notices)


def main() -> int:
    try:
        patches.install()
    except patches.PatchMismatch as mismatch:
        print(f"Not starting the Rasa server: {mismatch}. Install the pinned Rasa (requirements.lock).",
              file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
