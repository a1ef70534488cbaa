"""The changes this project makes to Rasa's own code, installed by one call at start-up.

    from bot.rasa_server import patches
    patches.install()      # bot/rasa_server/__main__.py does this before Rasa starts

- resilience: a failed or late custom action answers with the helplines instead of silence.
- speedups: two costs stock Rasa pays on every turn for answers that never change.
- housekeeping: deletion past the retention windows on a schedule, not only when turns are saved.
- readiness: `/health` and `/ready` on the Rasa server and the action server (bot.readiness).

Each patch replaces a function of Rasa 3.6 (or of its rasa_sdk). `install` first checks that the installed Rasa is
3.6.x and that every function it replaces still has the signature the patch was written for;
otherwise it refuses (PatchMismatch), so an upgrade of Rasa cannot silently drop the safety net
or break a turn. Installing twice is harmless.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rasa
import rasa.core.run
import rasa_sdk.endpoint
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

from bot.rasa_server.patches import housekeeping, readiness, resilience, speedups

SUPPORTED_RASA = "3.6."


class PatchMismatch(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


@dataclass(frozen=True)
class Patch:
    owner: Any  # a class or a module
    attribute: str
    parameters: tuple[str, ...]  # the replaced function's parameters, as Rasa 3.6 has them
    install: Callable[[], None]


PATCHES = (
    Patch(RemoteAction, "run", ("self", "output_channel", "nlg", "tracker", "domain"), resilience.install),
    Patch(RemoteAction, "_validate_action_result", ("self", "result"), speedups.install_answer_check),
    Patch(Event, "resolve_by_type", ("type_name", "default"), speedups.install_event_lookup),
    Patch(rasa.core.run, "load_agent_on_start", ("model_path", "endpoints", "remote_storage", "app", "loop"),
          housekeeping.install),
    Patch(rasa.core.run, "configure_app",
          ("input_channels", "cors", "auth_token", "enable_api", "response_timeout", "jwt_secret", "jwt_private_key",
           "jwt_method", "route", "port", "endpoints", "log_file", "conversation_id", "use_syslog", "syslog_address",
           "syslog_port", "syslog_protocol", "request_timeout", "server_listeners", "use_uvloop",
           "keep_alive_timeout"), readiness.install_rasa),
    Patch(rasa_sdk.endpoint, "create_app", ("action_package_name", "cors_origins", "auto_reload"),
          readiness.install_actions),
)


def mismatches(version: str = rasa.__version__) -> list[str]:
    """What stops the patches from fitting this Rasa, in words; empty when they fit."""
    if not version.startswith(SUPPORTED_RASA):
        return [f"Rasa {version} is installed; these patches are for Rasa {SUPPORTED_RASA}x"]
    problems = []
    for patch in PATCHES:
        function = inspect.unwrap(getattr(patch.owner, patch.attribute, None) or (lambda: None))
        found = tuple(inspect.signature(function).parameters)
        if found != patch.parameters:
            problems.append(f"{patch.owner.__name__}.{patch.attribute} takes {found}, not {patch.parameters}")
    return problems


def install() -> None:
    problems = mismatches()
    if problems:
        raise PatchMismatch("; ".join(problems))
    for patch in PATCHES:
        patch.install()
