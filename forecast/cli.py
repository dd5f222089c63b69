r"""The ``forecast`` command line: a thin layer over the library.

Exit codes (the same for every command):

\b
  0   success
  1   an error forecast reports on purpose (bad input, failed source, bad scenario);
      the message names the file or series, the rows and the checks
  2   usage error (unknown option, missing argument)
  75  the store is locked by another forecast process; try again later

Heavy modules are imported inside the commands, so ``forecast --help`` is instant.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from forecast._cli_common import (
    EXIT_ERROR,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    LockedError,
    guard,
    store_option,
)
from forecast._version import __version__

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

__all__ = [
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "LockedError",
    "cli",
    "guard",
    "main",
    "store_option",
]

_guard = guard  # the name command modules have used


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok; 1 error (message says what and where); 2 usage; 75 store locked.",
)
@click.version_option(__version__, prog_name="forecast")
def cli() -> None:
    """Forecast what a halt of Venezuela's crude exports does to oil prices and Cuba."""


@cli.group()
def data() -> None:
    """Import series into the store and inspect what it holds."""


@data.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--series", "series_id", required=True, help="Catalog id, e.g. brent_usd.")
@click.option("--date-col", default="date", show_default=True, help="Column with the dates.")
@click.option("--value-col", default="value", show_default=True, help="Column with the values.")
@click.option(
    "--merge",
    is_flag=True,
    help="Update and extend the stored series instead of replacing it with the file.",
)
@store_option
@_guard
def data_import(
    file: str, series_id: str, date_col: str, value_col: str, merge: bool, store_path: str | None
) -> None:
    """Validate FILE as series --series and store it as a new vintage.

    The file is checked in full first (dates parse, are unique, sorted and on the series'
    frequency with no missing periods; values are numbers within the unit's plausible range);
    any failure lists every problem with its line and leaves the store untouched. Importing
    the same data again writes nothing.
    """
    from forecast import catalog
    from forecast.errors import DataValidationError
    from forecast.sources.csvfile import read_series_csv
    from forecast.store import SeriesUpdate, Store

    catalog.get(series_id)
    store = Store(store_path)
    try:
        imported = read_series_csv(file, series_id, date_col=date_col, value_col=value_col)
    except DataValidationError as exc:
        raise click.ClickException(
            f"{exc}\nNothing was written: {store.path} is unchanged."
        ) from exc
    update = SeriesUpdate(
        series_id=series_id,
        frame=imported.frame,
        source="csv",
        origin=imported.origin,
        origin_sha256=imported.sha256,
        mode="merge" if merge else "replace",
    )
    (report,) = store.write([update])
    click.echo(f"{report.describe()} from {file} into {store.path}")


def _status_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            str(key): value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in row.items()
        }
        for row in frame.to_dict("records")
    ]


@data.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable).")
@store_option
@_guard
def data_status(as_json: bool, store_path: str | None) -> None:
    """Show each stored series: span, rows, latest vintage, source, when written, staleness."""
    from forecast.store import Store

    store = Store(store_path)
    records = _status_records(store.status())
    if as_json:
        payload = {"store": str(store.path), "series": records}
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    if not records:
        click.echo(f"{store.path}: no series stored yet (reports fall back to bundled data)")
        return
    header = ("series", "first", "last", "rows", "vintage", "source", "written (UTC)", "")
    rows = [
        (
            r["series_id"],
            r["first_date"],
            r["last_date"],
            str(r["rows"]),
            str(r["vintage_id"]),
            r["source"],
            r["written_at"][:19].replace("T", " "),
            "STALE" if r["stale"] else "",
        )
        for r in records
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    click.echo(f"store: {store.path}")
    for line in (header, *rows):
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())


@data.command("series")
def data_series() -> None:
    """List the series the package knows: id, frequency, unit and sources."""
    from forecast import catalog

    for spec in catalog.CATALOG.values():
        sources = ", ".join(f"{ref.source}:{ref.code}" for ref in spec.sources)
        click.echo(f"{spec.id:<32} {spec.frequency:<8} {spec.unit:<28} {sources}")


def _run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options that `run` and `report` share."""
    options = [
        click.option(
            "--scenario",
            "scenarios",
            multiple=True,
            metavar="NAME|FILE",
            help="Built-in scenario id or TOML file; repeat for several [default: all "
            "built-ins]. baseline is always included.",
        ),
        click.option(
            "--model",
            "models",
            multiple=True,
            metavar="NAME",
            help="Model to run; repeat for several [default: elasticity, cuba_calibrated].",
        ),
        click.option(
            "--as-of", metavar="YYYY-MM", help="Last observed month [default: last Brent month]."
        ),
        click.option(
            "--horizon",
            type=click.IntRange(1, 120),
            default=24,
            show_default=True,
            help="Months to project.",
        ),
        click.option(
            "--draws",
            type=click.IntRange(100, 100_000),
            default=1000,
            show_default=True,
            help="Simulation draws.",
        ),
        click.option(
            "--seed",
            type=int,
            default=None,
            help="Seed; the same seed gives identical output [default: random, recorded].",
        ),
        click.option(
            "--price-baseline",
            type=click.Choice(["no_change_eom", "no_change", "arima", "ets"]),
            default="no_change_eom",
            show_default=True,
            help="No-outage price model; no_change_eom starts from the last daily close of "
            "the as-of month (no model beat it in the backtest).",
        ),
        click.option(
            "--svar-identification",
            type=click.Choice(["recursive", "sign"]),
            default="recursive",
            show_default=True,
            help="How the SVAR separates supply from demand shocks: recursive (Kilian 2009) or "
            "sign restrictions with an elasticity bound (Kilian and Murphy 2012).",
        ),
        click.option(
            "--set",
            "overrides",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override a scenario field in every scenario but baseline, e.g. "
            "outage.volume_kbd=600; repeatable.",
        ),
        store_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _progress() -> tuple[Any, Callable[[str], None]]:
    """Return a spinner showing the current step on a terminal; nothing when not a TTY."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext(), lambda _message: None
    from rich.console import Console

    status = Console(stderr=True).status("starting")
    return status, lambda message: status.update(f"forecast: {message}...")


def _execute(
    options: dict[str, Any], extra: Callable[[Any, Callable[[str], None]], None] | None
) -> Any:
    from forecast.engine import run

    status, step = _progress()
    with status:
        result = run(
            list(options["scenarios"]) or None,
            as_of=options["as_of"],
            horizon=options["horizon"],
            draws=options["draws"],
            seed=options["seed"],
            store=options["store_path"],
            models=list(options["models"]) or None,
            price_baseline=options["price_baseline"],
            overrides=list(options["overrides"]),
            progress=step,
            svar_identification=options["svar_identification"],
        )
        if extra is not None:
            extra(result, step)
    return result


@cli.command("run")
@_run_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for paths.csv and summary.csv.",
)
@_guard
def run_command(out_dir: str, **options: Any) -> None:
    """Project Brent, WTI and Cuba under each scenario; write paths.csv and summary.csv.

    paths.csv has one row per scenario, model, variable and period with the mean and the
    5/16/50/84/95% quantiles; summary.csv gives the peak and cumulative difference of each
    scenario from baseline.
    """
    result = _execute(options, None)
    written = result.write(out_dir)
    click.echo(result.summary_text())
    click.echo("wrote " + ", ".join(str(p) for p in written.values()))


@cli.command("report")
@_run_options
@click.option(
    "--out",
    "out_dir",
    default="reports/latest",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the report and its tables.",
)
@click.option(
    "--backtest",
    "backtest_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of a finished `forecast backtest` to show in the report [default: "
    "reports/backtest if it exists].",
)
@_guard
def report_command(out_dir: str, backtest_dir: str | None, **options: Any) -> None:
    """Write a self-contained HTML report with charts, plus its tables (CSV and XLSX).

    The report gives headline impacts with bands, scenario comparison charts, tables, every
    scenario's assumptions, the data used (with a warning when it is stale or bundled), model
    diagnostics and the methodology.
    """
    written: dict[str, Any] = {}

    def write(result: Any, step: Callable[[str], None]) -> None:
        from forecast.reports.writer import BacktestEvidence, write_report

        evidence = BacktestEvidence.read(backtest_dir or "reports/backtest")
        if backtest_dir is not None and evidence is None:
            raise click.ClickException(f"{backtest_dir}: no backtest.csv there")
        step("drawing charts and writing the report")
        written.update(write_report(result, out_dir, backtest=evidence))

    result = _execute(options, write)
    click.echo(result.summary_text())
    click.echo(f"report: {written['html']}")
    click.echo("tables: " + ", ".join(str(p) for k, p in written.items() if k != "html"))


def main() -> None:
    """Run the CLI (console-script entry point)."""
    sys.exit(cli.main(prog_name="forecast", standalone_mode=True))


def _register_subcommands() -> None:
    from forecast._cli_backtest import backtest
    from forecast._cli_refresh import refresh
    from forecast._cli_scenarios import scenarios

    cli.add_command(scenarios)
    cli.add_command(refresh)
    cli.add_command(backtest)


_register_subcommands()
