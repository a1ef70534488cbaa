"""IntentOverride: the base of the NLU components that set the intent by a rule, after the
classifiers, so that no learned guess can out-vote it (CrisisOverride, UnreadableMessage)."""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message


class IntentOverride(GraphComponent, IntentClassifier):
    """Calls `override` on each message; subclasses decide, message by message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentOverride:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.override(message)
        return messages

    def override(self, message: Message) -> None:
        raise NotImplementedError
