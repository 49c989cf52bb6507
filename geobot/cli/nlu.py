"""`geobot nlu test`: the local recognizer's cross-validated accuracy on the configured model."""

from __future__ import annotations

from typing import Annotated

import typer

nlu = typer.Typer(help="The bot's language model ([bot] model in geobot.toml).", no_args_is_help=True)


@nlu.command("test")
def test(
    ctx: typer.Context,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds: each is recognized by a recognizer trained on the others.")] = 5,
    shown: Annotated[int, typer.Option("--confusions", min=0, help="How many of the most frequent confusions to list.")] = 10,
) -> None:
    """Cross-validate the local recognizer on the model: accuracy per intent and what it confuses.

    See a model's quality before paying for a deploy. CLU and Lex train their own models,
    so their accuracy differs, but a model the local recognizer confuses gives them the same trouble.
    """
    from geobot.nlu.evaluate import cross_validate

    app = ctx.obj
    fit = app.factory.language_model("local")
    result = cross_validate(fit.model, folds)
    rows = [("intent", "right", "of", "accuracy")]
    rows += [(intent, right, total, f"{right / total:.0%}") for intent, (right, total) in result.per_intent.items() if total]
    lines = [f"{result.right} of {result.total} utterances recognized as their intent ({result.accuracy:.1%})"]
    lines += [f"confused: {expected} → {predicted} ×{count}" for expected, predicted, count in result.confusions[:shown]]
    data = {"model": str(fit.model.path), "folds": folds, "accuracy": round(result.accuracy, 4), "right": result.right,
            "total": result.total, "per_intent": {i: {"right": r, "total": t} for i, (r, t) in result.per_intent.items()},
            "confusions": [{"expected": e, "predicted": p, "count": n} for e, p, n in result.confusions]}
    app.reporter.table(f"{fit.model.path.name}: {folds}-fold cross-validation of the local recognizer", lines, rows, data)


def register(app: typer.Typer) -> None:
    app.add_typer(nlu, name="nlu")
