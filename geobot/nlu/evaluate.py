"""Cross-validation of the local recognizer on a model: how well it would understand before a deploy.

Each intent's utterances are dealt in turn into `folds` folds (a running deal across intents,
so the folds stay even and the result is the same on every run); each fold is recognized by
a recognizer trained on the others. Learned entities are learned from the training folds
only, so no fold sees its own labels.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

from geobot.errors import InputError
from geobot.nlu.model import LuisModel, Utterance
from geobot.nlu.recognizer import LocalRecognizer


@dataclass(frozen=True)
class Evaluation:
    folds: int
    right: int
    total: int
    per_intent: dict[str, tuple[int, int]]  # intent → (right, total)
    confusions: tuple[tuple[str, str, int], ...]  # (expected, predicted, count), most frequent first

    @property
    def accuracy(self) -> float:
        return self.right / self.total


def cross_validate(model: LuisModel, folds: int = 5) -> Evaluation:
    if not 2 <= folds <= len(model.utterances):
        raise InputError(f"--folds {folds}: must be 2-{len(model.utterances)} (the model has "
                         f"{len(model.utterances)} utterances)", "use --folds 5, or fewer for a small model")
    buckets: list[list[Utterance]] = [[] for _ in range(folds)]
    dealt = 0
    for intent in model.intents:
        for utterance in (u for u in model.utterances if u.intent == intent):
            buckets[dealt % folds].append(utterance)
            dealt += 1
    outcomes: list[tuple[str, str]] = []
    for held_out in range(folds):
        training = tuple(u for index, bucket in enumerate(buckets) if index != held_out for u in bucket)
        recognizer = LocalRecognizer(dataclasses.replace(model, utterances=training))
        outcomes += [(u.intent, recognizer.recognize(u.text).intent) for u in buckets[held_out]]
    per_intent = {intent: (sum(e == p == intent for e, p in outcomes), sum(e == intent for e, _ in outcomes))
                  for intent in model.intents}
    confusions = Counter((e, p) for e, p in outcomes if e != p)
    return Evaluation(folds, sum(e == p for e, p in outcomes), len(outcomes), per_intent,
                      tuple((e, p, n) for (e, p), n in sorted(confusions.items(), key=lambda item: (-item[1], item[0]))))
