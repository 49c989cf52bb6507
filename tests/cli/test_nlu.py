"""`geobot nlu test`: the configured model's cross-validated accuracy, as text and as JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from geobot.cli.app import main
from tests.models import fixture_model


def use_model(version: str) -> Path:
    target = Path("models") / fixture_model(version).name
    target.parent.mkdir()
    shutil.copy(fixture_model(version), target)
    Path("geobot.toml").write_text(f'[bot]\nmodel = "{target}"\n')
    return target


def test_nlu_test_reports_accuracy_per_intent_and_confusions(capsys: pytest.CaptureFixture[str]) -> None:
    use_model("4.0.0")
    assert main(["nlu", "test", "--folds", "3"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "places.luis-4.0.0.json: 3-fold cross-validation of the local recognizer"
    assert lines[1].startswith("  ") and "of 23 utterances recognized as their intent (" in lines[1]
    assert any(line.split()[:1] == ["Places.FindPlace"] for line in lines)
    assert "warning: places.luis-4.0.0.json: the local recognizer has no patterns" in err
    assert not Path(".geobot").exists()


def test_nlu_test_as_json_adds_up(capsys: pytest.CaptureFixture[str]) -> None:
    use_model("7.0.0")
    assert main(["--output", "json", "nlu", "test"]) == 0
    (result,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"result"' in line]
    data = result["data"]
    assert data["folds"] == 5 and data["total"] == 25
    assert data["right"] + sum(c["count"] for c in data["confusions"]) == data["total"]
    assert data["accuracy"] == round(data["right"] / data["total"], 4)


def test_nlu_test_with_one_fold_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "test", "--folds", "1"]) == 2
    assert capsys.readouterr().err.startswith("error: --folds 1: must be 2-170")
