"""AveragedIntentClassifier: DIET's intent ranking averaged with a logistic regression's.

Both read the same whole-message features (word and character n-gram counts, the
regex and entity-kind features); they get different messages wrong. DIET, a small
neural network, fits its training examples tightly; the logistic regression is a
linear model that generalizes differently, so each catches some of the other's
mistakes: in cross-validation the average beats either alone, and at the same
fallback threshold it takes more messages as understood with fewer wrong answers
(figures in config.yml). The two weigh the same; nothing here is tuned.

Runs right after DIETClassifier (whose ``ranking_length: 0`` gives every intent's
confidence) and before FallbackClassifier, which then reads the averaged confidence.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse
import skops.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)


def sentence_features(message: Message) -> scipy.sparse.csr_matrix | None:
    """The message's whole-message features, as one row; None if no featurizer gave any.

    Read straight from the message: `Message.get_sparse_features` also combines (and deep-
    copies) every per-word feature, which took more than half of this component's time."""
    parts = [f.features for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    return scipy.sparse.hstack(parts, format="csr") if parts else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AveragedIntentClassifier(GraphComponent, IntentClassifier):
    """Replaces the intent ranking on each message by its average with a logistic regression's."""

    @classmethod
    def required_components(cls) -> list[type]:
        # Not DIETClassifier: Rasa checks a trainable component's requirements among what its
        # training depends on, and the regression trains on the features alone.
        return [Featurizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AveragedIntentClassifier:
        return cls(model_storage, resource)

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, regression: LogisticRegression | None = None
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.regression = None
        if regression is not None:
            self._use(regression)

    def _use(self, regression: LogisticRegression) -> None:
        # Column-major weights, so that `features @ coef_.T` (in predict_proba) reads them in
        # place: with sklearn's row-major array SciPy copied all 27 x 12,000 of them per message.
        regression.coef_ = np.asfortranarray(regression.coef_)
        self.regression = regression

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        rows = [sentence_features(e) for e in examples]
        labelled = [(row, e.get(INTENT)) for row, e in zip(rows, examples, strict=True) if row is not None]
        if len({intent for _, intent in labelled}) < 2:
            logger.debug("AveragedIntentClassifier: fewer than two intents to learn; DIET's ranking stands.")
            return self._resource
        # Rasa's LogisticRegressionClassifier settings (C 1.0, intents weighted by how rare they
        # are). Newton-CG reaches the same fit as Rasa's lbfgs (probabilities within 0.0002 on
        # data/nlu) in 22 steps and 31 s where lbfgs takes 550 steps and 47 s.
        regression = LogisticRegression(
            C=1.0, class_weight="balanced", solver="newton-cg", max_iter=200, random_state=42
        )
        regression.fit(scipy.sparse.vstack([row for row, _ in labelled]), [intent for _, intent in labelled])
        self._use(regression)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.regression is None:
            return messages
        for message in messages:
            row = sentence_features(message)
            if row is not None:
                self._average(message, self.regression.predict_proba(row)[0])
        return messages

    def _average(self, message: Message, probabilities) -> None:
        first = {r[INTENT_NAME_KEY]: r[PREDICTED_CONFIDENCE_KEY] for r in message.get(INTENT_RANKING_KEY) or []}
        second = dict(zip(self.regression.classes_, probabilities, strict=True))
        averaged = {
            name: (first.get(name, 0.0) + float(second.get(name, 0.0))) / 2 for name in first.keys() | second.keys()
        }
        ranking = [
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
            for name, confidence in sorted(averaged.items(), key=lambda item: (-item[1], item[0]))
        ][:LABEL_RANKING_LENGTH]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            skops.io.dump(self.regression, directory / "regression.skops")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AveragedIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / "regression.skops"
                # A model file is trusted only as far as scikit-learn's own types go.
                untrusted = skops.io.get_untrusted_types(file=path)
                if untrusted:
                    raise ValueError(f"untrusted types in {path.name}: {untrusted}")
                regression = skops.io.load(path, trusted=[])
        except ValueError as error:
            # Nothing persisted (no intents were trained) or a tampered file: DIET's ranking stands.
            logger.warning("AveragedIntentClassifier not loaded (%s); using the first classifier alone.", error)
            return cls(model_storage, resource)
        return cls(model_storage, resource, regression)
