"""Rasa 3.6 graph components around the sentence encoder.

- `SentenceEmbeddingFeaturizer`: dense sentence and token features from all-MiniLM-L6-v2, so DIET
  sees a pretrained view of English beside the count vectors of our own examples.
- `EmbeddingIntentClassifier`: runs after DIET and gives a second opinion from the sentence
  vector alone: a linear classifier on the embeddings is blended with DIET's ranking (DIET leans on
  our own words, the embedding on what the words mean). A message far from every in-scope training
  example (cosine similarity) becomes `out_of_scope` whatever the classifiers said: it need not
  have seen the topic. Cart- and order-changing intents never come out certain when the message
  names no dish.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.encoder import Encoded, shared_encoder

if TYPE_CHECKING:  # annotations only (numpy.typing is not imported when this module is)
    import numpy.typing as npt

    from nlu.encoder import FloatArray

logger = logging.getLogger(__name__)

FEATURIZER_ALIAS = "minilm"
OUT_OF_SCOPE = "out_of_scope"


def sentence_vector(message: Message) -> FloatArray | None:
    """The encoder's unit sentence vector that the featurizer stored on the message."""
    _, sentence = message.get_dense_features(TEXT, featurizers=[FEATURIZER_ALIAS])
    if sentence is None:
        return None
    return np.asarray(sentence.features, dtype=np.float32).reshape(-1)


def token_features(encoded: Encoded, tokens: list[Token]) -> FloatArray:
    """One row per Rasa token: the mean of the word pieces that overlap it (zeros if none)."""
    rows = np.zeros((len(tokens), encoded.sentence.shape[0]), dtype=np.float32)
    for row, token in enumerate(tokens):
        pieces = [
            index
            for index, (start, end) in enumerate(encoded.offsets)
            if start < token.end and end > token.start
        ]
        if pieces:
            rows[row] = encoded.tokens[pieces].mean(axis=0)
    return rows


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds all-MiniLM-L6-v2 features (loaded offline from the bundled package) to each message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "alias": FEATURIZER_ALIAS, "model_path": ""}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        # the graph names every node it runs (GraphNode puts the name in the context it passes)
        return cls(config, cast(str, execution_context.node_name))

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def process(self, messages: list[Message]) -> list[Message]:
        wanted = [message for message in messages if message.get(TEXT) and message.get(TOKENS_NAMES[TEXT])]
        if not wanted:
            return messages
        encoder = shared_encoder(self._config.get("model_path") or "")
        # A button's payload ("/inform{...}") is decided by Rasa's RegexMessageHandler after the
        # pipeline: it gets zero features (DIET needs the shape) instead of an encoder pass.
        typed = [message for message in wanted if not message.get(TEXT).startswith(INTENT_MESSAGE_PREFIX)]
        for message in wanted:
            if message.get(TEXT).startswith(INTENT_MESSAGE_PREFIX):
                tokens = len(message.get(TOKENS_NAMES[TEXT]))
                self._add(
                    message,
                    np.zeros((tokens, encoder.dimension), np.float32),
                    np.zeros(encoder.dimension, np.float32),
                )
        texts = [message.get(TEXT) for message in typed]
        # one guest message at a time when serving (remembered); whole batches when training
        encodings = [encoder.encode_one(texts[0])] if len(texts) == 1 else encoder.encode(texts)
        for message, encoded in zip(typed, encodings, strict=False):
            self._add(message, token_features(encoded, message.get(TOKENS_NAMES[TEXT])), encoded.sentence)
        return messages

    def _add(self, message: Message, sequence: FloatArray, sentence: FloatArray) -> None:
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, self._identifier))
        message.add_features(Features(sentence[None, :], FEATURE_TYPE_SENTENCE, TEXT, self._identifier))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


class LinearIntentModel:
    """Multinomial logistic regression on sentence vectors, stored as plain arrays (no pickle)."""

    def __init__(self, coef: FloatArray, intercept: FloatArray, classes: list[str]) -> None:
        self.coef, self.intercept, self.classes = coef, intercept, list(classes)

    @classmethod
    def fit(cls, vectors: FloatArray, labels: list[str], inverse_regularisation: float) -> LinearIntentModel:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(
            C=inverse_regularisation, max_iter=2000, class_weight="balanced", random_state=42
        )
        model.fit(vectors, labels)
        return cls(
            model.coef_.astype(np.float32),
            model.intercept_.astype(np.float32),
            [str(c) for c in model.classes_],
        )

    def probabilities(self, vector: FloatArray) -> dict[str, float]:
        scores = self.coef @ vector + self.intercept
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return {name: float(value) for name, value in zip(self.classes, scores, strict=False)}

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "coef": self.coef,
            "intercept": self.intercept,
            "classes": np.asarray(self.classes, dtype=str),
        }

    @classmethod
    def from_arrays(cls, stored: Any) -> LinearIntentModel:
        return cls(stored["coef"], stored["intercept"], [str(c) for c in stored["classes"]])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingIntentClassifier(GraphComponent, IntentClassifier):
    """Blend, then out of scope by distance: a message unlike every in-scope example is not ours.

    Confidence is also made honest: the classifier's softmax says 1.00 for "please add alarms at
    4:30" because "add" is an ordering word. Here the confidence of the chosen intent is capped by
    how close the message is to that intent's own examples, and a cart- or order-changing intent
    with no dish named is capped below the clarification gate.
    """

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEmbeddingFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # weight of the embedding classifier's probabilities against DIET's ranking
            "blend_weight": 0.5,
            # inverse regularisation of the logistic regression on sentence vectors
            "C": 10.0,
            # below this similarity to the nearest in-scope example, a message is out of scope
            "threshold": 0.45,
            # ... and so is one whose nearest out-of-scope example is nearer by this margin
            "out_of_scope_margin": 0.1,
            # confidence of the chosen intent is at most what its nearest example's similarity
            # maps to: `cap_at_similarity` → 1.0, the threshold → `floor_confidence`
            "cap_at_similarity": 0.8,
            "floor_confidence": 0.5,
            # ordering intents that stay unsure without a dish named ("please add alarms at 4:30");
            # changes to an existing line ("make it three") are judged by the action server, which
            # knows whether there is a cart to refer to
            "transactional_intents": ["order_item"],
            "dish_entities": ["dish", "mention"],
            "without_dish_cap": 0.9,
            # intents whose examples are too short to judge by distance (yes, no, hi, thanks)
            "exempt_intents": ["affirm", "deny", "greet", "goodbye", "thanks", "inform", "nlu_fallback"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectors: FloatArray | None = None,
        labels: list[str] | None = None,
        linear: LinearIntentModel | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectors = vectors if vectors is not None else np.zeros((0, 384), dtype=np.float32)
        self.labels = np.asarray(labels or [], dtype=object)
        self.linear = linear

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmbeddingIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        vectors, labels = [], []
        for example in training_data.intent_examples:
            vector = sentence_vector(example)
            if vector is not None and example.get(INTENT):
                vectors.append(vector)
                labels.append(example.get(INTENT))
        self.vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        self.labels = np.asarray(labels, dtype=object)
        if len(set(labels)) > 1:
            self.linear = LinearIntentModel.fit(self.vectors, labels, self.config["C"])
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            arrays = {"vectors": self.vectors, "labels": self.labels.astype(str)}
            if self.linear is not None:
                arrays.update(self.linear.arrays())
            np.savez(directory / "examples.npz", **arrays)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmbeddingIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                stored = np.load(directory / "examples.npz", allow_pickle=False)
                linear = LinearIntentModel.from_arrays(stored) if "coef" in stored else None
                return cls(config, model_storage, resource, stored["vectors"], list(stored["labels"]), linear)
        except (ValueError, FileNotFoundError):
            logger.warning("out-of-scope detector has no stored examples; it will not judge distance")
            return cls(config, model_storage, resource)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._judge(message)
        return messages

    def nearest(self, vector: FloatArray) -> dict[str, float]:
        """Best similarity to each intent's examples (out_of_scope's own examples included)."""
        order, starts, names = self._label_groups()
        best: FloatArray | list[float] = (
            np.maximum.reduceat((self.vectors @ vector)[order], starts) if len(starts) else []
        )
        return {name: float(value) for name, value in zip(names, best, strict=False)}

    def _label_groups(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], list[str]]:
        """The examples ordered by intent, where each intent's run starts, and its name: worked out
        once per set of labels, not per message."""
        if getattr(self, "_groups_of", None) is not self.labels:
            order = np.argsort(self.labels.astype(str), kind="stable")
            ordered = self.labels[order]
            starts = (
                np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, int)
            )
            self._groups = (order, starts, [str(ordered[index]) for index in starts])
            self._groups_of = self.labels
        return self._groups

    def _judge(self, message: Message) -> None:
        intent: dict[str, Any] = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        vector = sentence_vector(message)
        if not name or vector is None or not len(self.vectors) or not vector.any():
            return
        if self.linear is not None:
            name = self._blend(message, vector, self.linear)
            intent = message.get(INTENT) or {}
        nearest = self.nearest(vector)
        other_domain = nearest.pop(OUT_OF_SCOPE, -1.0)
        closest = max(nearest.values(), default=-1.0)
        message.set("in_scope_similarity", round(closest, 4), add_to_output=True)
        if name in self.config["exempt_intents"] or name == OUT_OF_SCOPE:
            return
        if closest < self.config["threshold"]:
            self._set_intent(message, OUT_OF_SCOPE, 1.0 - closest)
            return
        if other_domain - closest > self.config["out_of_scope_margin"]:
            self._set_intent(message, OUT_OF_SCOPE, min(0.5 + other_domain - closest, 1.0))
            return
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        capped = min(confidence, self._similarity_cap(nearest.get(name, closest)))
        if name in self.config["transactional_intents"] and not self._names_a_dish(message):
            capped = min(capped, self.config["without_dish_cap"])
        if capped < confidence:
            self._set_confidence(message, name, capped)

    def _blend(self, message: Message, vector: FloatArray, linear: LinearIntentModel) -> str:
        """Combine DIET's ranking with the linear model's probabilities as a product of experts.

        A weighted geometric mean, renormalised: where both agree the result stays sure, where
        they disagree it is unsure, which is what the clarification gate needs to hear. Returns the
        intent it chose.
        """
        weight = float(self.config["blend_weight"])
        first = {
            entry[INTENT_NAME_KEY]: float(entry[PREDICTED_CONFIDENCE_KEY])
            for entry in message.get(INTENT_RANKING_KEY) or []
        }
        second = linear.probabilities(vector)
        names: list[str] = [name for name in {*first, *second} if name != "nlu_fallback"]
        floor = 1e-6
        logs = np.array(
            [
                (1 - weight) * np.log(max(first.get(name, 0.0), floor))
                + weight * np.log(max(second.get(name, 0.0), floor))
                for name in names
            ]
        )
        blended = np.exp(logs - logs.max())
        blended /= blended.sum()
        order = np.argsort(-blended)[:10]
        ranking = [
            {INTENT_NAME_KEY: names[index], PREDICTED_CONFIDENCE_KEY: round(float(blended[index]), 4)}
            for index in order
        ]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        chosen: str = names[order[0]]  # order is typed Any (np.argsort of the untyped np.exp)
        return chosen

    def _similarity_cap(self, similarity: float) -> float:
        low: float = self.config["threshold"]
        high: float = self.config["cap_at_similarity"]
        floor: float = self.config["floor_confidence"]
        share = min(max((similarity - low) / max(high - low, 1e-6), 0.0), 1.0)
        return floor + share * (1.0 - floor)

    def _names_a_dish(self, message: Message) -> bool:
        return any(
            entity.get(ENTITY_ATTRIBUTE_TYPE) in self.config["dish_entities"]
            for entity in message.get(ENTITIES) or []
        )

    @staticmethod
    def _set_intent(message: Message, name: str, confidence: float) -> None:
        chosen = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: round(float(confidence), 4)}
        ranking = [
            entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != name
        ]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)

    @staticmethod
    def _set_confidence(message: Message, name: str, confidence: float) -> None:
        message.set(
            INTENT,
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: round(float(confidence), 4)},
            add_to_output=True,
        )
        ranking = message.get(INTENT_RANKING_KEY) or []
        for entry in ranking:
            if entry.get(INTENT_NAME_KEY) == name:
                entry[PREDICTED_CONFIDENCE_KEY] = round(float(confidence), 4)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
