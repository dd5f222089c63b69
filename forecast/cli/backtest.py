"""The ``forecast backtest`` command: rolling-origin forecasts of Brent against no-change.

The root group in :mod:`forecast.cli` adds :data:`backtest`. :mod:`forecast.backtest`
(numpy, pandas, statsmodels) is imported inside the command so ``forecast --help`` stays
fast.
"""

from __future__ import annotations

import click

from forecast.cli._common import check_month, check_out, guard, store_option
from forecast.cli._progress import ProgressBar
from forecast.models import registry

__all__ = ["MODEL_NAMES", "backtest"]

MODEL_NAMES: tuple[str, ...] = (
    "no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil",
    *registry.backtest_names(), "combination",
)  # fmt: skip
"""The ``--model`` names (the same as :data:`forecast.evaluation.DEFAULT_MODELS`); the
structural models are the registry's (``svar``, ``svar_sign``, ``svar_proxy``, ``svar_bvar``),
each forecast by its reduced form."""


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
    callback=check_month,
    metavar="YYYY-MM",
    help="First forecast origin.",
)
@click.option(
    "--end",
    default=None,
    callback=check_month,
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
    type=click.Path(),
    callback=check_out,
    help="Folder for backtest.csv, forecasts.csv, densities.csv, the charts and backtest.md.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes across years of origins [default: the CPUs, at most 4].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS|local",
    default=None,
    help="Run the blocks of origins on a dask.distributed cluster at ADDRESS, or on a "
    "LocalCluster (local) [extra: dask]; same numbers as the local processes.",
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
    scheduler: str | None,
) -> None:
    """Backtest monthly Brent forecasts (nominal and real) against the no-change forecasts.

    At every origin from --start to --end, each model forecasts the monthly average Brent
    price --horizons months ahead using only the data available then (the store's vintages
    known at the origin, else the series cut at the origin, with publication delays).

    \b
    backtest.csv: one row per target, model and horizon.
      n                     scored origins (target month observed)
      mspe                  mean squared error, (US$/bbl)^2
      mspe_ratio            MSPE / MSPE of no_change (last monthly average)
      mspe_ratio_eom        MSPE / MSPE of no_change_eom (last daily close)
      directional_accuracy  share of right signs of change (NaN for no-change)
      dm_pvalue             Diebold-Mariano vs no_change, two-sided
      dm_stat               DM statistic vs no_change (HLN-corrected, Newey-West
                            h-1 lags; negative = the model's loss is lower)
      dm_pvalue_better      one-sided p of "better than no_change" (t, n-1 df)
      dm_stat_eom           the same against no_change_eom
      dm_pvalue_better_eom  one-sided p of "better than no_change_eom"
      cw_benchmark          the random walk the model nests (arima, ets and the
                            structural models svar...: no_change; bvar, bvar_oil:
                            no_change_eom), else empty
      cw_stat               Clark-West (2007) statistic vs cw_benchmark (negative =
                            better)
      cw_pvalue_better      its one-sided p (standard normal)
      coverage_68           share of outcomes inside the 68% band (density models:
                            the no-change baselines' bootstrap), else empty
      coverage_90           the same for the 90% band
      crps                  mean CRPS of the draws, US$/bbl (lower is better)

    forecasts.csv holds every point forecast, densities.csv every density forecast (band
    bounds, CRPS, PIT); cumulative_sq_error_diff.png shows the cumulative squared-error gain
    over no-change, pit_histogram.png the PIT histograms of the density forecasts.
    """  # noqa: D301 (click's \b keeps the column list's layout)
    from forecast.backtest import run_backtest, write_backtest
    from forecast.executors import make_executor

    executor = None if scheduler is None else make_executor(jobs=jobs or 2, scheduler=scheduler)

    with ProgressBar("forecast backtest") as bar:
        result = run_backtest(
            store_path,
            start=start,
            end=end,
            horizons=horizons,
            models=list(models) or None,
            jobs=jobs or _default_jobs(),
            progress=bar,
            executor=executor,
        )
    written = write_backtest(result, out_dir)
    click.echo(result.summary())
    click.echo("wrote " + ", ".join(str(path) for path in written.values()))
