"""How long conversations are kept: one setting for the tracker store that deletes them
and for the assistant that tells people about it."""
from __future__ import annotations

import os

RETENTION_HOURS_ENV = "NAVIGATOR_RETENTION_HOURS"
DEFAULT_RETENTION_HOURS = 24.0


def retention_hours() -> float:
    try:
        hours = float(os.environ.get(RETENTION_HOURS_ENV, DEFAULT_RETENTION_HOURS))
    except ValueError:
        return DEFAULT_RETENTION_HOURS
    return hours if hours > 0 else DEFAULT_RETENTION_HOURS
