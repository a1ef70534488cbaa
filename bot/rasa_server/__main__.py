"""Rasa's command line with this project's patches installed first:

    python -m bot.rasa_server run --model models/navigator.tar.gz ...   (what bot.run starts)
    python -m bot.rasa_server shell --model models/navigator.tar.gz     (make shell)

The patches (bot.rasa_server.patches) are installed here, once, before Rasa loads anything, so
they hold whatever stores and channels the endpoints and credentials files name. If the
installed Rasa is not the one they were written for, the server does not start.
"""
from __future__ import annotations

import sys

from bot.rasa_server import patches


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
