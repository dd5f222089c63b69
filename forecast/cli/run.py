"""The ``forecast run`` and ``forecast report`` commands, and the options they share.

The root group in :mod:`forecast.cli` adds :data:`run_command` and :data:`report_command`;
the engine and the report writer are imported inside the commands so ``forecast --help``
stays fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from forecast.cli._common import guard, store_option

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["report_command", "run_command"]


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


@click.command("run")
@_run_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for paths.csv and summary.csv.",
)
@guard
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


@click.command("report")
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
@guard
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
