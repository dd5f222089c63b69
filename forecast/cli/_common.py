"""What every ``forecast`` command module shares: exit codes, the error guard, ``--store``.

The option checks here fail before any work, in one line on stderr (no usage text):

* ``--store`` (:data:`store_option`): a path given with ``--store`` or ``$FORECAST_STORE``
  must hold a store (exit 2), unless it is :data:`BUNDLED` (``--store bundled``: the
  package's snapshot, no store). Without either, the default path is used and, if absent,
  reads as empty (the bundled data, with a note). :data:`new_store_option` (``data import``,
  ``refresh``) creates a store at a new path instead.
* ``--out`` (:func:`check_out`): the folder is created and must be writable (exit 2).
* ``--as-of`` and other months (:func:`check_month`): ``YYYY-MM`` only (exit 2).
* ``--seed`` (:func:`check_seed`): 0 to 2**63 - 1 (exit 2).

Kept apart from :mod:`forecast.cli` (the root group, which imports every command module)
so the command modules use it without importing the group that registers them: the
imports run one way only.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import click

from forecast.spec import AS_OF_BAD, BAD_SEED, SEED_RANGE

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "BUNDLED",
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "LockedError",
    "OptionError",
    "any_store_option",
    "check_month",
    "check_out",
    "check_seed",
    "end_without_teardown",
    "guard",
    "is_bundled",
    "new_store_option",
    "skip_teardown",
    "store_option",
    "teardown_skipped",
]

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75

_SKIP_TEARDOWN: list[bool] = []  # set by a command that finished with every file closed

BUNDLED = "bundled"
"""The ``--store`` value (or ``$FORECAST_STORE``) that asks for the bundled snapshot."""

NO_STORE = (
    "{where}{path}: no store there; make one with forecast data import or forecast refresh, "
    "or pass --store bundled for the package's snapshot"
)
BAD_MONTH_OPTION = "--{name} {value!r} is not a month; use YYYY-MM"
BAD_OUT = "--out {path}: cannot write there ({reason})"
_BUNDLED_META = "forecast.bundled"


class LockedError(click.ClickException):
    """The store is locked: exit with :data:`EXIT_LOCKED`."""

    exit_code = EXIT_LOCKED


class OptionError(click.ClickException):
    """A bad option value: one line on stderr (no usage text), exit :data:`EXIT_USAGE`."""

    exit_code = EXIT_USAGE


def check_month(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback: accept a month written ``YYYY-MM`` only (``None`` passes)."""
    from forecast.errors import ForecastError
    from forecast.spec import check_month as check

    if value is None:
        return None
    try:
        return check(value)
    except ForecastError:
        if param.name == "as_of":  # the library's own message
            raise OptionError(AS_OF_BAD.format(value=value)) from None
        raise OptionError(BAD_MONTH_OPTION.format(name=param.name, value=value)) from None


def check_seed(_ctx: click.Context, _param: click.Parameter, value: int | None) -> int | None:
    """Click callback: a seed from 0 to 2**63 - 1 (``None``: fresh entropy)."""
    low, high = SEED_RANGE
    if value is not None and not low <= value <= high:
        raise OptionError(BAD_SEED.format(value=value))
    return value


def check_out(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Click callback: create the ``--out`` folder and check a file can be written in it.

    Done before any computation, so a bad folder fails at once, not after the run.
    """
    if value is None:
        return None
    path = Path(value)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileExistsError) or (path.exists() and not path.is_dir()):
            reason = "not a folder"
        raise OptionError(BAD_OUT.format(path=value, reason=reason)) from exc
    return value


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


def is_bundled() -> bool:
    """Whether this command was asked for the bundled snapshot (``--store bundled``)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().meta.get(_BUNDLED_META))


def _existing_store(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Click callback: an explicit store must exist; ``bundled`` gives an empty stand-in.

    Returns the path the command should open: ``None`` for the default location, or for
    ``bundled`` a path in a folder that does not exist (it reads as an empty store, so every
    series falls back to the bundled data).
    """
    where, path = "--store ", value
    if path is None and os.environ.get("FORECAST_STORE"):
        where, path = "FORECAST_STORE=", os.environ["FORECAST_STORE"]
    if path is None:
        return None
    if path == BUNDLED:
        ctx.find_root().meta[_BUNDLED_META] = True
        # a path in a folder that does not exist: it reads as an empty store and nothing is
        # created (no lock file either), so every series comes from the bundled data
        return str(Path(tempfile.gettempdir()) / f"forecast-bundled-{uuid.uuid4().hex}" / "none")
    if not Path(path).exists():
        raise OptionError(NO_STORE.format(where=where, path=path))
    return path


store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    default=None,
    callback=_existing_store,
    help=f"DuckDB store file; it must exist, or '{BUNDLED}' for the package's bundled "
    "snapshot [default: $FORECAST_STORE, else data/store/forecast.duckdb, else bundled].",
)
"""``--store`` for commands that read: an explicit path must hold a store."""

new_store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="DuckDB store file, created if absent [default: $FORECAST_STORE or "
    "data/store/forecast.duckdb].",
)
"""``--store`` for commands that write (``data import``, ``refresh``): a new path is created."""

any_store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="DuckDB store file [default: $FORECAST_STORE or data/store/forecast.duckdb].",
)
"""``--store`` unchecked (``data export`` says itself what the store lacks)."""


def skip_teardown() -> None:
    """Say that this command is done and holds nothing open: its process may end at once.

    Called by a command that only reads the store and has written and closed every file
    (``run``, ``report``), as its last step. The console script then ends the process without
    Python's teardown (:func:`end_without_teardown`): freeing a report's objects and its
    ~2,000 modules one by one took about 0.25 s of a report's 4-5 s, for memory the
    operating system takes back anyway. Library calls and the test runner never end that way
    (only :func:`forecast.cli.main` reads this).
    """
    _SKIP_TEARDOWN.append(True)


def teardown_skipped() -> bool:
    """Whether a command of this process called :func:`skip_teardown`."""
    return bool(_SKIP_TEARDOWN)


def end_without_teardown(code: int) -> NoReturn:
    """Run the exit handlers, flush the standard streams, and end the process with ``code``.

    What a normal exit does first (``atexit`` handlers: the worker pools' joins, logging's
    flush), without the teardown that follows it (every module and object freed).
    """
    import atexit
    import sys

    atexit._run_exitfuncs()  # noqa: SLF001 - the handlers a normal exit would run
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken pipe: nothing to flush
            stream.flush()
    os._exit(code)
