"""Model files the tests share: one app exported as LUIS JSON 4.0.0, 6.0.0 and 7.0.0, and the LUIS 7 shape."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

MODELS = Path(__file__).parent / "fixtures" / "models"
VERSIONS = ("4.0.0", "6.0.0", "7.0.0")
LUIS7_SCHEMA = MODELS / "luis-7.0.0.schema.json"  # the LUIS 7 shape CLU imports; sources in its $comment


def fixture_model(version: str) -> Path:
    """Dotted intent and entity names, a learned entity (with children from 6.0), prebuilt and list
    entities, a pattern and a phrase list."""
    return MODELS / f"places.luis-{version}.json"


def luis7_errors(app: dict) -> list[str]:
    """Where `app` departs from the LUIS 7 shape; empty when CLU's LUIS import can take it."""
    validator = jsonschema.Draft202012Validator(json.loads(LUIS7_SCHEMA.read_text()))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(app)]
