"""Cross-validation of the local recognizer: every utterance held out once, the same result every run."""

from __future__ import annotations

import pytest

from geobot.errors import InputError
from geobot.nlu.evaluate import cross_validate
from geobot.nlu.model import default_model_path, load_model
from tests.models import fixture_model


def test_every_utterance_is_held_out_exactly_once_and_the_counts_add_up() -> None:
    model = load_model(fixture_model("6.0.0"))
    result = cross_validate(model, folds=5)
    assert result.total == len(model.utterances)
    assert sum(total for _, total in result.per_intent.values()) == result.total
    assert sum(right for right, _ in result.per_intent.values()) == result.right
    assert result.right + sum(n for _, _, n in result.confusions) == result.total
    assert all(expected != predicted for expected, predicted, _ in result.confusions)
    assert [n for _, _, n in result.confusions] == sorted((n for _, _, n in result.confusions), reverse=True)


def test_the_same_model_gives_the_same_result() -> None:
    model = load_model(default_model_path())
    assert cross_validate(model, folds=3) == cross_validate(model, folds=3)


def test_the_sample_model_is_mostly_understood() -> None:
    result = cross_validate(load_model(default_model_path()), folds=5)
    assert 0.6 <= result.accuracy <= 1.0
    assert result.per_intent["BookTable"][0] / result.per_intent["BookTable"][1] >= 0.8


@pytest.mark.parametrize("folds", [1, 0, 10_000])
def test_impossible_fold_counts_are_bad_input(folds: int) -> None:
    with pytest.raises(InputError, match=f"--folds {folds}: must be 2-"):
        cross_validate(load_model(default_model_path()), folds=folds)
