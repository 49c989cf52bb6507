"""The Typer root: global options, command registration, and `main()`, the only place
where errors become exit codes (2 bad input, 1 failure, 130 interrupt, 70 internal error).
"""

from __future__ import annotations

import os
from enum import Enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from geobot import __version__
from geobot.cli import cert, chat, deploy, destroy, doctor, drill, init, nlu, status, usage
from geobot.cli.context import AppContext
from geobot.errors import GeobotError, Interrupted
from geobot.factory import Options

INTERNAL_ERROR = 70


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
GLOBAL_FLAGS = {"--auto-approve", "-v", "--verbose", "--no-color"}
GLOBAL_VALUED = {"--config", "--state-dir", "--target", "--output"}


class GlobalOptionsGroup(TyperGroup):
    """Accept global options after the command too: `geobot deploy --auto-approve`."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        usage.refuse_empty_values(args)
        hoisted: list[str] = []
        rest: list[str] = []
        seen_command = False
        items = iter(args)
        for arg in items:
            name = arg.split("=", 1)[0]
            if seen_command and arg == "--":
                rest.append(arg)
                rest.extend(items)
                break
            if seen_command and name in GLOBAL_FLAGS:
                hoisted.append(arg)
            elif seen_command and name in GLOBAL_VALUED:
                hoisted.append(arg)
                if "=" not in arg:
                    hoisted.append(next(items, ""))
            else:
                seen_command = seen_command or not arg.startswith("-")
                rest.append(arg)
        return super().parse_args(ctx, hoisted + rest)


app = typer.Typer(
    name="geobot",
    cls=GlobalOptionsGroup,
    help="Deploy a chat bot across several regions with automatic failover, test the failover, tear it down.\n\n"
    "Start with `geobot init`, review with `geobot plan`, then `geobot deploy`. Every option can also be set "
    "with a GEOBOT_* environment variable; flags win over the environment, which wins over geobot.toml.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option("--config", envvar="GEOBOT_CONFIG", help="Deployment config file. [default: ./geobot.toml if present]", show_default=False)] = None,
    state_dir: Annotated[Path, typer.Option("--state-dir", envvar="GEOBOT_STATE_DIR", help="Where journals, Terraform state and certificates live (one folder per deployment).")] = Path(".geobot"),
    target: Annotated[str | None, typer.Option("--target", help="local (one machine, the default), azure or aws. [env: GEOBOT_TARGET]", show_default=False)] = None,
    output: Annotated[OutputFormat, typer.Option("--output", envvar="GEOBOT_OUTPUT", help="text, or json: one JSON object per line on stdout.")] = OutputFormat.text,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", envvar="GEOBOT_AUTO_APPROVE", help="Apply without asking, as `terraform apply -auto-approve`; required without a terminal.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", envvar="GEOBOT_VERBOSE", help="Show every resource as Terraform creates it.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", envvar="GEOBOT_NO_COLOR", help="Plain output without colours (also NO_COLOR).")] = False,
) -> None:
    options = Options(config, state_dir, target, output.value, auto_approve, verbose, not no_color,
                      usage.given_as(ctx, "config"), usage.given_as(ctx, "state_dir"))
    passed = [
        *(["--config", str(config)] if config else []),
        *(["--state-dir", str(state_dir)] if state_dir != Path(".geobot") else []),
        *(["--target", target] if target else []),
    ]
    ctx.ensure_object(AppContext).configure(options, passed)


@app.command()
def version(ctx: typer.Context) -> None:
    """Print geobot's version."""
    ctx.obj.reporter.result(f"geobot {__version__}", {})


for module in (init, deploy, destroy, status, chat, cert, drill, nlu, doctor):
    module.register(app)


def main(argv: list[str] | None = None) -> int:
    app_ctx = AppContext()
    try:
        code = app(args=argv, obj=app_ctx, standalone_mode=False, prog_name="geobot")
    except typer.Exit as done:
        if done.exit_code == Interrupted.exit_code:  # Typer turns Ctrl-C into Exit(130)
            app_ctx.reporter.error("interrupted", "run the same command again to resume")
        return done.exit_code
    except TyperException as exc:  # click's usage errors, as Typer raises them
        app_ctx.reporter.error(*usage.describe(exc))
        return exc.exit_code
    except typer.Abort:
        app_ctx.reporter.error("interrupted", "")
        return 130
    except GeobotError as exc:
        app_ctx.reporter.error(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        app_ctx.reporter.error("interrupted", "run the same command again to resume")
        return Interrupted.exit_code
    except Exception as exc:  # a bug: say so without frame locals, which may hold secrets
        if os.environ.get("GEOBOT_DEBUG"):
            raise
        app_ctx.reporter.error(f"internal error: {type(exc).__name__}", "please report it; set GEOBOT_DEBUG=1 for the traceback")
        return INTERNAL_ERROR
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
