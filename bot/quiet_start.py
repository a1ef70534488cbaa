"""A start-up a person can read: the steps, the registry's report and the ready line.

The pinned libraries (Rasa 3.6, TensorFlow 2.12, SQLAlchemy 1.4, setuptools, click) print
dozens of deprecation notices about each other as they load. Those are dropped here, by
category and by the file that raises them: a deprecation raised in this project's own code
(bot/, providers/) still shows, every other kind of warning still shows, and no logger of the
project is touched. (A filter in `warnings.filters` is not enough: Sanic puts its own "once"
filter for every DeprecationWarning ahead of any installed before it, so the notices are
dropped where they would be shown.) TensorFlow's native start-up lines (CPU features, no GPU,
no TensorRT) are kept below its errors, and rasa_sdk's line per registered action below INFO.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

OWN_CODE = tuple(str(Path(__file__).resolve().parents[1] / package) for package in ("bot", "providers"))
HIDDEN_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning)
# TensorFlow's C++ log: 0 everything, 1 no INFO, 2 no INFO or WARNING.
TENSORFLOW_LOG_LEVEL = "2"


def is_third_party_deprecation(category: type[Warning], filename: str) -> bool:
    return issubclass(category, HIDDEN_CATEGORIES) and not str(filename).startswith(OWN_CODE)


def apply() -> None:
    """Quiet this process's start-up; call it before the libraries are imported."""
    show = warnings.showwarning

    def show_unless_third_party_deprecation(message, category, filename, lineno, file=None, line=None):
        if not is_third_party_deprecation(category, filename):
            show(message, category, filename, lineno, file, line)

    if not getattr(show, "quiet_start", False):
        show_unless_third_party_deprecation.quiet_start = True  # type: ignore[attr-defined]
        warnings.showwarning = show_unless_third_party_deprecation
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TENSORFLOW_LOG_LEVEL)
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)
