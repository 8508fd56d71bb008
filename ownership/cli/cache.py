"""The cache command: where large CSV folders are cached, the space used, clearing it."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import CACHE, app, user_errors, visible


@app.command("cache")
@user_errors
def cache_command(
    clear: Annotated[bool, typer.Option("--clear", help="Remove every cached folder.")] = False,
) -> None:
    """Show where large CSV folders are cached (parsed rows, columns, analyses) and the space used.

    Entries are refreshed when a folder's files change; --clear removes them all.

    Example: ownership cache --clear
    """
    from ..io.cache import cached_folders, clear_cache

    root = CACHE["dir"]
    if root is None:
        typer.echo("the cache is off (OWNERSHIP_CACHE=off or --no-cache)")
        return
    if clear:
        removed = clear_cache(root)
        typer.echo(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'} from {root}")
        return
    folders = cached_folders(root)
    typer.echo(f"cache: {root}; {len(folders)} folder(s)")
    for folder, size in folders:
        typer.echo(visible(f"  {size / 1e6:,.1f} MB  {folder}"))
