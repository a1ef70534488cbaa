"""Writes domain/responses.yml, the responses rules send, from the catalogue.

    python -m bot.present.domain        (make domain)

Rasa keeps these responses in the trained model, so the Rasa server answers with them even
when the action server is down: an overdose gets the 911 steps whatever else has failed.
A test keeps the file equal to what this writes.
"""
from __future__ import annotations

import yaml

from bot import files
from bot.present.catalogue import domain_responses

RESPONSES_FILE = files.path("domain/responses.yml")
HEADER = ("# Written by `make domain` (python -m bot.present.domain) from bot/present/text/en.yml: edit the\n"
          "# catalogue, not this file.\n")


def render() -> str:
    body = yaml.safe_dump({"version": "3.1", "responses": domain_responses()}, sort_keys=False, allow_unicode=True,
                          width=120)
    return HEADER + body


if __name__ == "__main__":
    RESPONSES_FILE.write_text(render(), encoding="utf-8")
