"""The errors geobot raises, and what each means for the user.

Every error carries a one-line message (where and what) and a hint (what to do). Only
`geobot.cli.app.main` turns them into output and exit codes: 2 for bad input, where nothing
was created; 1 for a failure of a cloud, a tool or a stage, which a re-run can resume.
"""

from __future__ import annotations

INPUT_ERROR = 2
RUNTIME_ERROR = 1


class GeobotError(Exception):
    """Base of every error geobot reports without a traceback."""

    exit_code = RUNTIME_ERROR

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(GeobotError):
    """The user's input is wrong; nothing was created or changed."""

    exit_code = INPUT_ERROR


class ConfigError(InputError):
    """A configuration field breaks a rule: names the field, the value, the rule and a fix."""

    def __init__(self, field: str, value: object, rule: str, fix: str) -> None:
        shown = "" if value is None else f" = {_shown(value)}"
        super().__init__(f"{field}{shown}: {rule}", fix)
        self.field = field
        self.value = value
        self.rule = rule


def _shown(value: object, limit: int = 200) -> str:
    """The value as the user wrote it, cut short when long: one line stays one line."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 20]}… ({len(value) if isinstance(value, str) else len(text)} characters)"


class PrerequisiteError(InputError):
    """A tool geobot needs is missing or unusable (Terraform, certbot ...)."""


class NoDeployment(InputError):
    """A command needs a deployment that does not exist (never deployed, or destroyed)."""


class LockHeld(GeobotError):
    """Another geobot run holds the deployment's lock."""


class JournalError(GeobotError):
    """The deployment's journal cannot be read; it is never silently replaced."""


class TerraformError(GeobotError):
    """A Terraform command failed."""


class CloudError(GeobotError):
    """A cloud API refused or failed a request."""


class CertError(GeobotError):
    """Issuing, importing or exporting the certificate failed."""


class StageFailed(GeobotError):
    """A pipeline stage failed; the journal says where to resume."""

    def __init__(self, stage: str, cause: GeobotError | Exception, command: str) -> None:
        reason = cause.message if isinstance(cause, GeobotError) else f"{type(cause).__name__}: {cause}"
        super().__init__(
            f"stage {stage} failed: {reason}",
            f"fix the cause, then run `{command}` to resume from stage {stage}",
        )
        self.stage = stage
        self.cause = cause


class Interrupted(GeobotError):
    """The user interrupted a run; the journal is left resumable."""

    exit_code = 130
