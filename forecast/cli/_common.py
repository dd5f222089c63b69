"""What every ``forecast`` command module shares: exit codes, the error guard, ``--store``.

Kept apart from :mod:`forecast.cli` (the root group, which imports every command module)
so the command modules use it without importing the group that registers them: the
imports run one way only.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import click

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "LockedError",
    "guard",
    "store_option",
]

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75


class LockedError(click.ClickException):
    """The store is locked: exit with :data:`EXIT_LOCKED`."""

    exit_code = EXIT_LOCKED


def _fail(exc: Exception) -> NoReturn:
    from forecast.errors import StoreLockedError

    if isinstance(exc, StoreLockedError):
        raise LockedError(str(exc)) from exc
    raise click.ClickException(str(exc)) from exc


def guard(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a ForecastError into a one-line message and a non-zero exit (no traceback).

    A locked store exits with :data:`EXIT_LOCKED`; any other ForecastError with
    :data:`EXIT_ERROR`. Anything else is a bug and keeps its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from forecast.errors import ForecastError

        try:
            return func(*args, **kwargs)
        except ForecastError as exc:
            _fail(exc)

    return wrapper


store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="DuckDB store file [default: $FORECAST_STORE or data/store/forecast.duckdb].",
)
