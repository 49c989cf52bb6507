"""Errors in the user's words: pydantic's complaints without its jargon, the name a typo meant, the OS's reasons."""

from __future__ import annotations

import errno

import pytest
from pydantic import TypeAdapter, ValidationError

from geobot import wording
from geobot.config import Config

JARGON = ("Input should", "valid", "tuple", "Value error", "pydantic", "dict", "str")


def first_error(annotation: object, value: object) -> dict:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(annotation).validate_python(value, strict=True)
    return caught.value.errors()[0]


@pytest.mark.parametrize(("annotation", "value", "words"), [
    (str, 5, "must be text in double quotes"),
    (int, "ten", "must be a whole number (no quotes)"),
    (float, "high", "must be a number (no quotes)"),
    (bool, "yes", "must be true or false (no quotes)"),
    (tuple[str, ...], "koreacentral", "must be a list in [ ]"),
    (dict[str, int], 5, "must be a table"),
])
def test_a_wrong_type_is_said_in_a_config_files_words(annotation: object, value: object, words: str) -> None:
    said = wording.rule(first_error(annotation, value))
    assert said == words
    assert not any(word in said for word in JARGON)


def test_a_choice_lists_what_is_allowed() -> None:
    assert wording.rule({"type": "literal_error"}, ['"local"', '"azure"']) == 'must be one of "local", "azure"'


def test_a_bound_names_the_limit() -> None:
    assert wording.rule({"type": "greater_than_equal", "ctx": {"ge": 1}}) == "must be at least 1"


def test_an_error_of_an_unforeseen_kind_still_speaks_plainly() -> None:
    assert wording.rule({"type": "something_new", "msg": "Input should be a valid frobnicator"}) == "is not valid here"


@pytest.mark.parametrize(("typo", "meant"), [("regoins", "regions"), ("taget", "target"), ("xyz", None)])
def test_the_closest_known_name_is_what_a_typo_meant(typo: str, meant: str | None) -> None:
    assert wording.closest(typo, ["name", "target", "regions", "routing"]) == meant


def test_the_config_model_gives_the_keys_and_choices_of_each_table() -> None:
    assert "interval" in wording.keys_at(Config, ["probe"])
    assert "probe" in wording.keys_at(Config, [])
    assert wording.keys_at(Config, ["name"]) == []  # not a table
    assert wording.choices_at(Config, ["target"]) == ("local", "azure", "aws")
    assert wording.choices_at(Config, ["probe", "interval"]) == ()


@pytest.mark.parametrize(("code", "words"), [
    (errno.EACCES, "permission denied"),
    (errno.EROFS, "the file system is read-only"),
    (errno.ENOENT, "the file system refuses it (No such file or directory)"),
])
def test_the_os_reason_names_the_path_it_refused(code: int, words: str) -> None:
    assert wording.os_reason(OSError(code, "No such file or directory", "/proc/x")) == f"/proc/x: {words}"


def test_a_long_path_is_cut_short() -> None:
    reason = wording.os_reason(OSError(errno.ENAMETOOLONG, "File name too long", "d" * 300))
    assert len(reason) < 120 and reason.endswith(": a name in the path is too long")
