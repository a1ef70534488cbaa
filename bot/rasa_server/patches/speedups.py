"""Two costs stock Rasa 3.6 pays on every turn for answers that never change.

- It checks the JSON schema of an action server's answer against the JSON Schema
  metaschema on every call before checking the answer (about 100 ms of CPU, more
  than the rest of a turn). Here the schema is checked once and the same
  validator checks every answer.
- It finds the class of each stored event by walking every subclass of Event
  (about 0.3 ms per event, and a conversation store read rebuilds every event of
  the conversation). Here each event name is looked up once.

Installed by bot.rasa_server.patches.install().
"""
from __future__ import annotations

from functools import lru_cache

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event


@lru_cache(maxsize=1)
def answer_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict) -> bool:
    """Rasa's own check of an action server's answer, with the schema checked once."""
    try:
        answer_validator().validate(result)
    except ValidationError as error:
        error.message += ". Failed to validate Action server response from API."
        raise
    return True


stock_resolve_by_type = Event.resolve_by_type
_event_classes: dict[str, type[Event]] = {}


def resolve_event_type(type_name, default=None):
    """Rasa's own lookup, remembered per name (only names that exist: an unknown
    name keeps Rasa's answer, a default or an error)."""
    found = _event_classes.get(type_name)
    if found is None:
        found = stock_resolve_by_type(type_name, default)
        if found is not default:
            _event_classes[type_name] = found
    return found


def install_answer_check() -> None:
    RemoteAction._validate_action_result = validate_action_result


def install_event_lookup() -> None:
    Event.resolve_by_type = staticmethod(resolve_event_type)
