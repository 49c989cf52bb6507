"""A small local recognizer trained at start from a LUIS model: no downloads, no native code.

Intents: a softmax (multinomial logistic) regression over word unigrams, word bigrams and
character trigrams, trained by a fixed number of deterministic SGD passes. Entity mentions are
replaced by their category first ("table for 4 in Paris" → "table for <number> in <city>"), so
a few examples per intent generalise to every city, day and time, and character trigrams carry
unseen spellings ("yup", "heya") to their neighbours. Training takes a fraction of a second on
the sample model; a prediction takes tens of microseconds (`bench/nlu.py` measures both).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from geobot.nlu.entities import Entity, EntityExtractor
from geobot.nlu.model import LuisModel, load_model

NONE_INTENT = "None"
_TOKEN = re.compile(r"<[^<>\s]+>|[a-z0-9]+(?:'[a-z]+)?")  # a placeholder keeps a dotted name whole


@dataclass(frozen=True)
class Prediction:
    """What a recognizer understood: the top intent with its score, all ranked intents, entities."""

    intent: str
    score: float
    intents: tuple[tuple[str, float], ...]
    entities: tuple[Entity, ...]

    def entity(self, category: str) -> Entity | None:
        return next((e for e in self.entities if e.category == category), None)


class LocalRecognizer:
    """Logistic-regression intents plus rule-based entities, both from one LUIS model."""

    def __init__(self, model: LuisModel, epochs: int = 12, rate: float = 0.5, decay: float = 1e-3) -> None:
        self.model = model
        self._entities = EntityExtractor(model)
        self._weights: dict[str, dict[str, float]] = {intent: {} for intent in model.intents}
        examples = [(self._vector(u.text), u.intent) for u in model.utterances]
        shuffle = random.Random(0).shuffle  # fixed seed: the same model always trains the same way
        for _ in range(epochs):
            shuffle(examples)
            for vector, intent in examples:
                for label, probability in self._probabilities(vector).items():
                    gradient = probability - (label == intent)
                    if abs(gradient) > 1e-4:
                        weights = self._weights[label]
                        for feature, value in vector.items():
                            old = weights.get(feature, 0.0)
                            weights[feature] = old - rate * (gradient * value + decay * old)

    @classmethod
    def from_path(cls, path: Path) -> LocalRecognizer:
        return cls(load_model(path))

    def recognize(self, text: str) -> Prediction:
        entities = tuple(self._entities.extract(text))
        vector = self._vector(text, entities)
        if not vector:
            return Prediction(NONE_INTENT, 1.0, ((NONE_INTENT, 1.0),), entities)
        ranked = tuple(sorted(self._probabilities(vector).items(), key=lambda p: -p[1]))
        return Prediction(ranked[0][0], ranked[0][1], ranked, entities)

    def _probabilities(self, vector: dict[str, float]) -> dict[str, float]:
        scores = {
            intent: sum(weights.get(f, 0.0) * v for f, v in vector.items())
            for intent, weights in self._weights.items()
        }
        top = max(scores.values())
        exps = {intent: math.exp(score - top) for intent, score in scores.items()}
        total = sum(exps.values())
        return {intent: e / total for intent, e in exps.items()}

    def _vector(self, text: str, entities: tuple[Entity, ...] | None = None) -> dict[str, float]:
        """Feature counts scaled by 1/sqrt(n), so long and short utterances weigh alike."""
        if entities is None:
            entities = tuple(self._entities.extract(text))
        for entity in sorted(entities, key=lambda e: -e.offset):
            text = f"{text[:entity.offset]} {_placeholder(entity.category)} {text[entity.offset + entity.length:]}"
        tokens = _TOKEN.findall(text.lower())
        padded = ["^", *tokens, "$"]
        features = Counter(tokens)
        features.update(f"{a} {b}" for a, b in zip(padded, padded[1:], strict=False))
        features.update("~" + f"#{t}#"[i:i + 3] for t in tokens if not t.startswith("<") for i in range(len(t)))
        if not tokens:
            return {}
        scale = 1 / math.sqrt(sum(features.values()))
        return {feature: count * scale for feature, count in features.items()}


def _placeholder(category: str) -> str:
    """The token an entity mention becomes; any name (dots, spaces, "<") gives one token."""
    return "<" + re.sub(r"[<>\s]", "_", category) + ">"
