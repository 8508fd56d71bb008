"""Settings from the environment, read here and nowhere else.

Everything below the command line and the package's ``load`` takes its settings as
arguments; those two edges ask this module. ``OWNERSHIP_CACHE=off`` (or ``0``, ``no``,
``false``) turns the cache off; ``OWNERSHIP_CACHE_DIR`` moves it; otherwise it lives in
``$XDG_CACHE_HOME/ownership`` or ``~/.cache/ownership``.

>>> cache_dir({"OWNERSHIP_CACHE": "off"}) is None
True
>>> str(cache_dir({"OWNERSHIP_CACHE_DIR": "/tmp/entries"}))
'/tmp/entries'
>>> str(cache_dir({"XDG_CACHE_HOME": "/var/cache"}))
'/var/cache/ownership'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CACHE_DIR_VARIABLE",
    "CACHE_VARIABLE",
    "FROM_ENVIRONMENT",
    "FromEnvironment",
    "cache_dir",
]

CACHE_VARIABLE = "OWNERSHIP_CACHE"
CACHE_DIR_VARIABLE = "OWNERSHIP_CACHE_DIR"
_OFF = ("off", "0", "no", "false")


class FromEnvironment:
    """The default of a setting that an entry point reads from the environment."""

    def __repr__(self) -> str:
        return "FROM_ENVIRONMENT"


FROM_ENVIRONMENT = FromEnvironment()


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where cache entries live, or None when the cache is turned off."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_VARIABLE, "").strip().lower() in _OFF:
        return None
    explicit = env.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ownership"
