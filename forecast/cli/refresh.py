r"""The ``forecast refresh`` command: fetch FRED, EIA and Yahoo Finance into the store.

The root group in :mod:`forecast.cli` adds :data:`refresh`; exit codes come from
:mod:`forecast.cli._common`. The library is imported inside the command, so
``forecast --help`` stays fast.

Output, decided for cron and systemd:

* stderr: one log line per series as each source finishes (``source series: status,
  changes, rows, last date``), a line before each source's write, the reason for every
  failure, and a last line naming the failed series. ``--verbose`` adds each fetch and retry.
* stdout: a one-line summary, or with ``--json`` the machine-readable summary, with the same
  keys when the store was locked or unreadable, or the run stopped on an unexpected error
  (then ``error`` says why and ``series`` is empty), so ``forecast refresh --json >
  last-refresh.json`` always keeps a clean file.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from forecast.cli._common import EXIT_ERROR, EXIT_LOCKED, EXIT_OK, new_store_option
from forecast.sources import registry

if TYPE_CHECKING:
    from forecast.refresh import RefreshResult

__all__ = ["refresh"]

EPILOG = """\b
Environment:
  EIA_API_KEY        EIA API v2 key (without it, EIA is skipped)
  FORECAST_FRED_URL  FRED base URL [https://fred.stlouisfed.org]
  FORECAST_EIA_URL   EIA API base URL [https://api.eia.gov]
  FORECAST_STORE     store file, unless --store is given
  FORECAST_HTTP_TIMEOUT, FORECAST_HTTP_ATTEMPTS, FORECAST_HTTP_BACKOFF
                     seconds per connect or read [30], tries in all [4], first retry wait [2]
  FORECAST_HTTP_DEADLINE, FORECAST_HTTP_SOURCE_DEADLINE
                     seconds per request, retries included [300]; per source [1800]
  FORECAST_HTTP_MAX_BYTES, FORECAST_HTTP_MAX_PAGES
                     largest body [67108864]; most EIA pages per series [200]

\b
Exit codes:
  0   every requested series is ok or unchanged (EIA without EIA_API_KEY: skipped, still 0)
  1   a series failed (network, HTML or truncated body, schema, a value that cannot be
      parsed, or the revision guard refused it: see --accept-revisions); stderr names each
      one, and the store keeps its last good vintage of it
  2   usage error (unknown option, source or series)
  75  the store is locked by another forecast process and stayed locked for
      --lock-timeout seconds; nothing was written (or, if it was taken between two
      sources, only what the summary lists as ok)
"""

HELP = f"""Fetch the latest {registry.titles()} data into the store.

Every requested series is fetched and validated first, without touching the store; then
each source's good series are written in one transaction, as new vintages only where
something changed (new observations or revisions). A series that fails (an error page,
a truncated body, values that fail the schema) keeps its last good vintage. Safe to run
twice, and from cron: see the README's "Scheduled refresh".
"""
_ALL = {2: "both", 3: "all three"}.get(len(registry.NAMES), f"all {len(registry.NAMES)}")


class _ClickHandler(logging.Handler):
    """Send log records to stderr through click (so CliRunner captures them)."""

    def emit(self, record: logging.LogRecord) -> None:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(f"{stamp} refresh: {record.getMessage()}", err=True)


def _exit_code(result: RefreshResult) -> int:
    if any(not s.locked for s in result.failed):
        return EXIT_ERROR
    return EXIT_LOCKED if result.locked else EXIT_OK


# What a failure message says when the machine is offline (the HTTP layer's wording for
# socket errors, and curl's through yfinance).
_OFFLINE = (
    "network unreachable",
    "cannot resolve the host name",
    "could not resolve host",
    "temporary failure in name resolution",
    "name or service not known",
)
NETWORK_UNREACHABLE = "network unreachable: no source could be reached (offline, or no DNS?)"


def _offline(result: RefreshResult) -> bool:
    """Whether every failed series failed because the network could not be reached."""
    failed = [s for s in result.failed if not s.locked]
    return bool(failed) and all(
        any(sign in (s.message or "").lower() for sign in _OFFLINE) for s in failed
    )


def _summary_line(result: RefreshResult) -> str:
    counts = result.to_dict()["counts"]
    parts = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    mode = " (dry run: nothing written)" if result.dry_run else ""
    return f"refresh{mode}: {parts or 'nothing to do'}; store {result.store}"


def _echo_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=True))


@click.command("refresh", help=HELP, epilog=EPILOG)
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(registry.NAMES),
    help=f"Refresh only this source; repeat for several [default: {_ALL}].",
)
@click.option(
    "--series",
    "series",
    multiple=True,
    metavar="ID",
    help="Refresh only this catalog series; repeat for several [default: every series of "
    "the chosen sources].",
)
@new_store_option
@click.option("--dry-run", is_flag=True, help="Fetch and validate, report what would change.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another forecast process to release the store.",
)
@click.option(
    "--accept-revisions",
    is_flag=True,
    help="Write a series even if it blanks or revises most of the stored values (without "
    "it such a series fails and keeps its last good vintage).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also log each fetch and each retry.")
@click.pass_context
def refresh(
    ctx: click.Context,
    sources: tuple[str, ...],
    series: tuple[str, ...],
    store_path: str | None,
    dry_run: bool,
    as_json: bool,
    lock_timeout: float,
    accept_revisions: bool,
    verbose: bool,
) -> None:
    """Run ``forecast refresh``; its help is :data:`HELP`."""
    from forecast.errors import (
        ForecastError,
        SelectionError,
        StoreLockedError,
        UnknownSeriesError,
    )
    from forecast.refresh import RefreshResult
    from forecast.refresh import refresh as run_refresh
    from forecast.store import resolve_store_path

    root = logging.getLogger("forecast")
    handler = _ClickHandler()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        result = run_refresh(
            list(sources),
            list(series),
            store=store_path,
            dry_run=dry_run,
            lock_timeout=lock_timeout,
            accept_revisions=accept_revisions,
        )
    except (UnknownSeriesError, SelectionError) as exc:
        raise click.UsageError(str(exc), ctx) from exc
    except ForecastError as exc:  # before anything was fetched: locked or unreadable store
        code = EXIT_LOCKED if isinstance(exc, StoreLockedError) else EXIT_ERROR
        if as_json:
            nothing = RefreshResult(resolve_store_path(store_path), dry_run, ())
            _echo_json({**nothing.to_dict(), "ok": False, "exit_code": code, "error": str(exc)})
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(code)
    except Exception as exc:  # a bug: still leave a clean --json file, then the traceback
        if as_json:
            nothing = RefreshResult(resolve_store_path(store_path), dry_run, ())
            error = f"unexpected error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            _echo_json({**nothing.to_dict(), "ok": False, "exit_code": EXIT_ERROR, "error": error})
        raise
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    code = _exit_code(result)
    if as_json:
        _echo_json({**result.to_dict(), "exit_code": code, "error": None})
    else:
        click.echo(_summary_line(result))
    if result.failed:
        names = ", ".join(f"{s.source}:{s.series_id}" for s in result.failed)
        cause = f" ({NETWORK_UNREACHABLE})" if _offline(result) else ""
        click.echo(f"refresh: {len(result.failed)} series failed{cause}: {names}", err=True)
    ctx.exit(code)
