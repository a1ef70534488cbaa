"""What people tell the assistant must stay out of the logs: the words, number and ZIP code a
test conversation carries, a handler that keeps every record as a log file would, and the check
that no record holds any of them. The `captured_logs` fixture (tests/conftest.py) installs the
handler."""
from __future__ import annotations

import logging
import re

MARKER = "zebraquartz"  # a word no log line has any business holding
ZIP = "19134"  # below the ephemeral port range, so no port number in a log line can be it
PHONE_SPELLINGS = ("+12155550123", "12155550123", "2155550123", "215-555-0123", "(215) 555-0123", "215.555.0123",
                   "555-0123", "5550123")
FIRST_MESSAGE = f"{MARKER} need bupe near {ZIP}, call me at 215-555-0123"
SECRETS = (MARKER, ZIP, *PHONE_SPELLINGS)


class Everything(logging.Handler):
    """Every record at INFO and above, formatted with its exception and stack, as a log file would be."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        # The `extra` attributes too: Sanic's access log keeps its request line and host in them. Not
        # the standard ones (times, thread and process ids), whose digits could hold a ZIP by chance.
        extras = {key: value for key, value in record.__dict__.items() if key not in STANDARD_ATTRIBUTES}
        self.lines.append(f"{self.format(record)} {record.args!r} {extras!r}")


STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def assert_nothing_personal(lines: list[str]) -> None:
    assert lines, "nothing was logged at all: the capture is not working"
    for line in lines:
        for secret in SECRETS:
            assert secret not in line, f"{secret!r} in a log record: {line[:300]}"
        # And no other spelling of the number: its digits in order, whatever separates them.
        assert not re.search(r"215\D{0,3}555\D{0,3}0123", line), line[:300]
