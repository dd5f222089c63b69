"""The ``forecast backtest`` command: rolling-origin forecasts of Brent against no-change.

The root group in :mod:`forecast.cli` adds :data:`backtest`. :mod:`forecast.backtest`
(numpy, pandas, statsmodels) is imported inside the command so ``forecast --help`` stays
fast.
"""

from __future__ import annotations

import re
import sys

import click

from forecast.cli._common import guard, store_option

__all__ = ["MODEL_NAMES", "backtest"]

MODEL_NAMES: tuple[str, ...] = (
    "no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil", "svar", "combination",
)  # fmt: skip
"""The ``--model`` names (the same as :data:`forecast.evaluation.DEFAULT_MODELS`)."""

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _MONTH.match(value):
        raise click.BadParameter(f"{value!r} is not a month; use YYYY-MM", param=param)
    return value


def _horizons(_ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and int(part) >= 1 for part in parts):
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of positive whole numbers (e.g. 1,3,6,12)",
            param=param,
        )
    return tuple(sorted({int(part) for part in parts}))


def _default_jobs() -> int:
    from forecast._cpu import available_cpus

    return max(1, min(available_cpus(), 4))


@click.command("backtest")
@store_option
@click.option(
    "--start",
    default="2005-01",
    show_default=True,
    callback=_month,
    metavar="YYYY-MM",
    help="First forecast origin.",
)
@click.option(
    "--end",
    default=None,
    callback=_month,
    metavar="YYYY-MM",
    help="Last forecast origin [default: the last monthly Brent price].",
)
@click.option(
    "--horizons",
    default="1,3,6,12",
    show_default=True,
    callback=_horizons,
    metavar="H,H,...",
    help="Months ahead, comma-separated.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(MODEL_NAMES),
    help="Model to run; repeat for several [default: all]. Both no-change benchmarks are "
    "always included.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for backtest.csv, forecasts.csv, the chart and backtest.md.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes across years of origins [default: the CPUs, at most 4].",
)
@guard
def backtest(
    store_path: str | None,
    start: str,
    end: str | None,
    horizons: tuple[int, ...],
    models: tuple[str, ...],
    out_dir: str,
    jobs: int | None,
) -> None:
    """Backtest monthly Brent forecasts (nominal and real) against the no-change forecast.

    At every origin from --start to --end, each model forecasts the monthly average Brent
    price --horizons months ahead using only the data available then (the store's vintages
    known at the origin, else the series cut at the origin, with publication delays).
    backtest.csv has one row per target, model and horizon: n, mspe, mspe_ratio (against the
    monthly-average no-change forecast), mspe_ratio_eom (against the end-of-month no-change
    forecast), directional_accuracy and dm_pvalue (Diebold-Mariano against the
    monthly-average no-change forecast). forecasts.csv holds every forecast; the chart shows
    the cumulative squared-error gain over no-change.
    """
    from forecast.backtest import run_backtest, write_backtest

    def progress(message: str) -> None:
        if sys.stderr.isatty():
            click.echo(f"forecast backtest: {message}", err=True)

    result = run_backtest(
        store_path,
        start=start,
        end=end,
        horizons=horizons,
        models=list(models) or None,
        jobs=jobs or _default_jobs(),
        progress=progress,
    )
    written = write_backtest(result, out_dir)
    click.echo(result.summary())
    click.echo("wrote " + ", ".join(str(path) for path in written.values()))
