"""The ``ownership`` command: a thin layer that parses arguments, calls the library, prints.

Library errors are written for people; they are printed here on stderr, one clear
message, with exit code 2 and no traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

app = typer.Typer(
    name="ownership",
    help=(
        "Find the unlisted affiliates of listed companies and whether an ownership rule "
        "(OFAC 50%, BIS Affiliates, EU, UK) already captures them."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        "-d",
        help="Dataset files or CSV folders to load and merge; default: the bundled Inspur case.",
        show_default=False,
    ),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Turn the library's errors into a message on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .errors import OwnershipError

        try:
            return func(*args, **kwargs)
        except OwnershipError as exc:
            raise _fail(str(exc)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise _fail(f"{exc.strerror}: {exc.filename}") from None

    return wrapper  # type: ignore[return-value]


def _load(paths: list[Path] | None) -> Any:
    from . import bundled_dataset, load

    return load(*(paths or [bundled_dataset()]))


@app.command()
@user_errors
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Dataset files or CSV folders.")],
) -> None:
    """Check datasets strictly and print every problem, or a one-line summary.

    Exit code 0 when valid, 2 when any problem is found (all are listed).

    Example: ownership validate fixtures/inspur.yaml my_holdings/
    """
    from . import load

    dataset = load(*paths)
    span = dataset.date_span()
    when = f", dates {span[0].isoformat()} to {span[1].isoformat()}" if span else ""
    typer.echo(
        f"valid: {len(dataset.entities)} entities, {len(dataset.holdings)} holdings, "
        f"{len(dataset.listings)} listings{when}"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the native dataset format.

    Example: ownership schema > ownership.schema.json
    """
    from .io import dataset_json_schema

    typer.echo(json.dumps(dataset_json_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
