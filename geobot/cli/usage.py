"""Typer's usage errors as geobot's one line: the flag or environment variable that gave the value,
what is wrong with it in the user's words, and the fix.

Typer checks option values with pydantic and words them its way ("Invalid value for '--output'
(env var: 'GEOBOT_OUTPUT'): Value error, ..."), naming the variable even when the flag gave the
value. Here the value's real source is named and pydantic's words go through geobot.wording.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args

from typer._click.core import ParameterSource  # Typer 0.29 vendors click
from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption

from geobot import wording
from geobot.errors import InputError


def describe(exc: Exception) -> tuple[str, str]:
    """(what is wrong, the fix) for a usage error Typer raised."""
    context = getattr(exc, "ctx", None)
    see_help = f"see `{context.command_path if context else 'geobot'} --help`"
    if isinstance(exc, NoSuchOption) and context is not None:
        guess = wording.closest(exc.option_name, _options(context))
        return f"{exc.option_name}: no such option", f"did you mean {guess}?" if guess else see_help
    param = getattr(exc, "param", None)
    if not isinstance(exc, BadParameter) or isinstance(exc, MissingParameter) or param is None or context is None:
        return _one_line(exc).replace(" (env var: ", " (").rstrip("."), see_help
    source = given_as(context, param.name)
    errors = exc.__cause__.errors() if hasattr(exc.__cause__, "errors") else []
    if not errors:  # a check of Typer's own (a path that is a directory ...) or of a command
        return f"{source}: {exc.message.rstrip('.')}", see_help

    def written(value: object) -> str:  # as the user writes it: VAR=value, --flag value, or an argument
        if source == param.envvar:
            return f"{source}={value}"
        return f"{source} {value}" if param.param_type_name == "option" else f"{source} {value!r}"

    value, choices = errors[0].get("input"), _choices(param)
    wrong = f"{written(value)}: {wording.rule(errors[0], choices)}"
    guess = wording.closest(str(value), choices) if choices else None
    if guess:
        return wrong, f"did you mean {written(guess)}?"
    example = choices[0] if choices else _default(param)
    return wrong, f"e.g. {written(example)}" if example is not None else see_help


def given_as(context: Any, name: str) -> str:
    """How the user gave an option's value: its environment variable, else its flag (or argument name)."""
    param = next(p for p in context.command.params if p.name == name)
    if context.get_parameter_source(name) is ParameterSource.ENVIRONMENT and param.envvar:
        return str(param.envvar)
    return max(param.opts, key=len)


def refuse_empty_values(args: list[str]) -> None:
    """An empty argument ("") is never meaningful to geobot: say which option it was given to."""
    for index, arg in enumerate(args):
        if arg == "--":
            return
        name, eq, rest = arg.partition("=")
        if arg == "" or (eq and name.startswith("--") and not rest):
            option = name if eq else args[index - 1] if index and args[index - 1].startswith("-") else None
            if option is None:
                raise InputError('an argument is empty ("")', "give a value there, or leave the argument out")
            raise InputError(f"{option}: the value is empty", f"give {option} a value, or leave {option} out")


def _options(context: Any) -> list[str]:
    """Every option the command and the commands above it take: global options may follow the command."""
    found: list[str] = []
    while context is not None:
        found += [name for param in context.command.params for name in (*param.opts, *param.secondary_opts)
                  if name.startswith("-")]
        context = context.parent
    return found


def _choices(param: Any) -> list[str]:
    annotation = param.type_descriptor.annotation
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return [str(member.value) for member in candidate]
    return []


def _default(param: Any) -> str | None:
    default = param.default
    if isinstance(default, bool):
        return "1"  # a flag's value comes only from its environment variable
    if default is None:
        return None
    return str(default.value if isinstance(default, Enum) else default)


def _one_line(exc: Exception) -> str:
    return exc.format_message().replace("\n", " ") if hasattr(exc, "format_message") else str(exc)
