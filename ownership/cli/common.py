"""What every command shares: the app and its global options, the error boundary, the
option types, loading the data, the rule the options ask for, and the output helpers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
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


#: Whether ``--debug`` was given: an unexpected error then shows its traceback.
_DEBUG = {"on": False}
#: Where this run keeps its cache: the environment's choice, or none with --no-cache.
CACHE: dict[str, Path | None] = {"dir": None}


@app.callback()
def _options(
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Read large CSV folders afresh and store nothing in the cache "
            "(same as OWNERSHIP_CACHE=off).",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the traceback of an unexpected error (to report it)."),
    ] = False,
) -> None:
    _DEBUG["on"] = debug
    from .. import settings

    CACHE["dir"] = None if no_cache else settings.cache_dir()


def json_text(value: Any) -> str:
    """Indented JSON, decimals as their exact literals (:mod:`ownership.io.jsontext`)."""
    from ..io.jsontext import encode_exact

    return encode_exact(value, indent=2)


def visible(text: str) -> str:
    """Text from the data as the terminal should show it (no escape sequences acted on)."""
    from ..io.cells import visible

    return visible(text)


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {visible(message)}", err=True)
    return typer.Exit(code)


def _pass_through() -> tuple[type[BaseException], ...]:
    """The command line's own exits and usage errors: not bugs, passed on as they are."""
    kinds: list[type[BaseException]] = [typer.Exit, typer.Abort]
    if (typer_error := getattr(typer, "TyperException", None)) is not None:
        kinds.append(typer_error)
    try:
        import click

        kinds += [click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort]
    except ImportError:  # recent typer carries its own click
        pass
    return tuple(kinds)


_PASS_THROUGH = _pass_through()


def _reader_gone() -> typer.Exit:
    """The program reading the output stopped (``ownership analyze | head``): stop quietly
    with the status of a command ended by SIGPIPE, as ``cat`` or ``yes`` do. Standard
    output is pointed at the null device, so flushing it on exit cannot fail again."""
    import contextlib
    import os

    with contextlib.suppress(OSError, ValueError):  # no file behind it: nothing to flush
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return typer.Exit(141)


def user_errors(func: F) -> F:
    """Turn the library's errors into a message on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..errors import OwnershipError

        try:
            return func(*args, **kwargs)
        except OwnershipError as exc:
            raise fail(str(exc)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise fail(f"{exc.strerror}: {exc.filename}") from None
        except _PASS_THROUGH:
            raise
        except BrokenPipeError:
            raise _reader_gone() from None
        except MemoryError:
            raise fail("out of memory; the input is too large for this machine", 3) from None
        except Exception as exc:
            if _DEBUG["on"]:
                raise
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            raise fail(
                f"unexpected {type(exc).__name__}{': ' + first if first else ''}. This is a "
                "bug in ownership, not in your input: please report it with the command and "
                "the input; `ownership --debug ...` shows the traceback",
                3,
            ) from None

    return wrapper  # type: ignore[return-value]


AllowConflictsOption = Annotated[
    bool,
    typer.Option(
        "--allow-conflicts",
        help="Load stakes that cannot all be true (above 100% in one company) from native "
        "files too, and analyse them as conflicting data; imported formats always load them.",
    ),
]


def load(paths: list[Path] | None, allow_conflicts: bool = False) -> Any:
    from .. import bundled_dataset, load

    with progress("loading") as tick:
        return load(
            *(paths or [bundled_dataset()]),
            progress=tick,
            allow_conflicts=allow_conflicts,
            cache_dir=CACHE["dir"],
        )


RuleOption = Annotated[
    str,
    typer.Option(
        "--rule",
        "-r",
        help="listed-only, ofac-50, bis-affiliates, eu, uk, look-through, or custom.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Date of the verdicts, YYYY-MM-DD; default today.", show_default=False
    ),
]
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit", help="Rows of the table, most exposed first (0: all); other formats: all."
    ),
]
ListsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--lists",
        help="Lists that seed the rule, overriding its defaults; LIST:PROG narrows to programmes "
        "(e.g. --lists entity_list --lists sdn:NPWMD).",
        show_default=False,
    ),
]
ThresholdOption = Annotated[
    str | None,
    typer.Option(
        "--threshold",
        help="Ownership threshold in percent: with a named rule, changes only its threshold "
        "(the output says so); with --rule custom, the custom rule's.",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool | None,
    typer.Option(
        "--strict/--inclusive",
        help="More than (strict) or at least the threshold; default: the rule's own.",
        show_default=False,
    ),
]
PerOwnerOption = Annotated[
    bool | None,
    typer.Option(
        "--per-owner/--aggregate",
        help="Count each listed owner alone, or add them up; default: the rule's own.",
        show_default=False,
    ),
]
ControlOption = Annotated[
    bool | None,
    typer.Option(
        "--control/--no-control",
        help="Whether control links cover; default: the rule's own.",
        show_default=False,
    ),
]


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


class ScopeChoice(StrEnum):
    subsidiaries = "subsidiaries"
    parents = "parents"
    group = "group"


MaxDepthOption = Annotated[
    int | None, typer.Option("--max-depth", help="Follow at most N links.", show_default=False)
]
MinPercentOption = Annotated[
    float | None,
    typer.Option(
        "--min-percent",
        help="Only affiliates with a look-through share >= P.",
        show_default=False,
    ),
]


def rule_from_options(
    name: str,
    lists: list[str] | None,
    threshold: str | None = None,
    strict: bool | None = None,
    per_owner: bool | None = None,
    control: bool | None = None,
) -> Any:
    """The rule asked for: a named rule changed only where an option says so, or a custom
    rule from the options (threshold 50, inclusive, aggregated, no control by default)."""
    from ..rules import custom_rule, get_rule

    value = _percent_option(threshold)
    if name.strip().lower() == "custom":
        return custom_rule(
            threshold=value if value is not None else 50,
            inclusive=not strict,
            aggregate=not per_owner,
            lists=lists,
            control_counts=bool(control),
        )
    rule = get_rule(name)
    rule = rule.with_parameters(
        threshold=value,
        inclusive=None if strict is None else not strict,
        per_owner=per_owner,
        control=control,
    )
    return rule.with_lists(lists) if lists else rule


def _percent_option(text: str | None) -> Decimal | None:
    """``--threshold``'s value as an exact decimal (``33.3`` is 33.3, not a binary float
    near it); a clear error when it is not a percentage."""
    from ..errors import OwnershipError

    if text is None:
        return None
    try:
        value = Decimal(text.strip().rstrip("%"))
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= 100:
        raise OwnershipError(
            f"--threshold {text!r} is not a percentage: give a number from 0 to 100, e.g. "
            "--threshold 25 or --threshold 33.3"
        )
    return value


def new_console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def emit_records(records: Any, fmt: Format) -> None:
    from ..io import verdicts

    writer = {Format.json: verdicts.write_json, Format.jsonl: verdicts.write_jsonl}.get(fmt)
    if writer is not None:
        writer(records, sys.stdout)
    else:
        verdicts.write_csv(records, sys.stdout)


class _Ticker:
    def __init__(self, progress: Any, description: str) -> None:
        self.progress = progress
        self.description = description
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task(self.description, total=total)
        self.progress.update(self.task, completed=done, total=total)


class progress:
    """A progress bar on stderr for long work; silent when stderr is not a terminal."""

    def __init__(self, description: str) -> None:
        self.description = description

    def __enter__(self) -> Callable[[int, int], None]:
        console = new_console(stderr=True)
        self._progress: Any = None
        if not console.is_terminal:  # a bar there would leave a blank line per step
            return _no_progress
        from rich.progress import Progress

        self._progress = Progress(console=console, transient=True)
        self._progress.__enter__()
        return _Ticker(self._progress, self.description)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


def _no_progress(done: int, total: int) -> None:
    """Progress told to nobody."""


def rows_shown(limit: int, total: int) -> int:
    """Rows a table shows for ``--limit`` (0 or less: all)."""
    return total if limit <= 0 else min(limit, total)


def say_more(console: Any, shown: int, total: int) -> None:
    """Under a table cut by ``--limit``: how many rows it left out, and how to see them."""
    if shown < total:
        console.print(
            f"[dim]{total - shown:,} more not shown; --limit 0 shows every row, "
            "--format csv or json writes them all.[/dim]"
        )
