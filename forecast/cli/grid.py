"""The ``forecast grid`` command: a sensitivity grid around one scenario.

The root group in :mod:`forecast.cli` adds :data:`grid`. The library (:mod:`forecast.grid`,
the engine, plotnine) is imported inside the command so ``forecast --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from forecast.cli._common import guard, store_option

__all__ = ["grid"]


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"forecast grid: {message}", err=True)


def _spec(options: dict[str, Any]) -> Any:
    """Build the grid spec from --config and the options (a bad axis: usage error, exit 2)."""
    from forecast.grid import GridError, GridSpec, read_grid_toml

    try:
        table = read_grid_toml(options["config"]) if options["config"] else {}
        axes = [*table.get("axes", []), *options["axes"]]
        return GridSpec.build(
            options["scenario"] or table.get("scenario", "venezuela_full_halt"),
            axes,
            sample=options["sample"] if options["sample"] is not None else table.get("sample"),
            seed=options["seed"] if options["seed"] is not None else table.get("seed", 0),
        )
    except GridError as exc:
        raise click.UsageError(str(exc)) from exc


def _charts(result: Any, out: Path, heatmap: str | None) -> list[Path]:
    """Render the heat map (two axes) and the tornado chart to PNG."""
    from forecast.charts.grid import grid_heatmap, grid_tornado

    written = []
    keys = [a.key for a in result.spec.axes]
    pair = [k.strip() for k in heatmap.split(",")] if heatmap else keys[:2]
    if len(pair) == 2:
        try:
            chart = grid_heatmap(result.heatmap_frame(*pair), pair[0], pair[1])
        except ValueError as exc:
            raise click.UsageError(f"--heatmap: {exc}") from exc
        chart.save(out / "heatmap.png", dpi=110, verbose=False)
        written.append(out / "heatmap.png")
    tornado = result.tornado_frame()
    if not tornado.empty:
        grid_tornado(tornado, scenario=result.spec.scenario.id).save(
            out / "tornado.png", dpi=110, verbose=False
        )
        written.append(out / "tornado.png")
    return written


@click.command("grid")
@store_option
@click.option("--scenario", default=None, help="Scenario id or TOML file [default: "
              "venezuela_full_halt, or the [grid] table's].")  # fmt: skip
@click.option(
    "--axis",
    "axes",
    multiple=True,
    metavar="KEY=VALUES",
    help="A scenario field and its values: a,b,c or start:stop:n; repeat.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="TOML file with a [grid] table (scenario, sample, seed, axes).",
)
@click.option("--sample", type=int, default=None,
              help="Latin hypercube of N points instead of the full factorial.")  # fmt: skip
@click.option("--seed", type=int, default=None, help="Seed of the draws and of --sample [0].")
@click.option("--draws", type=click.IntRange(100, 100_000), default=1000, show_default=True)
@click.option("--horizon", type=click.IntRange(1, 120), default=24, show_default=True)
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM", help="Last observed month.")
@click.option("--model", "models", multiple=True, help="Price model; repeat [default: all].")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Local worker processes [default: 1, serial].")  # fmt: skip
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS|local",
    help="A dask.distributed scheduler, or 'local' for a LocalCluster.",
)
@click.option("--heatmap", default=None, metavar="KEY,KEY",
              help="The two axes of the heat map [default: the first two].")  # fmt: skip
@click.option("--charts/--no-charts", default=True, show_default=True, help="Write the PNGs.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for grid.parquet (or .duckdb), grid.csv and the charts.",
)
@guard
def grid(out_dir: str, **options: Any) -> None:
    """Project a sensitivity grid: scenario fields varied over axes, models fitted once.

    Every point goes through the same fitted models and draws; one row per point, model and
    price with the effect (% of the no-outage baseline) at the peak, averaged over the
    outage, at h = 3 and h = 12 (mean, q05, q16, q50, q84, q95).

    \b
    forecast grid --scenario venezuela_full_halt --out grid \\
      --axis outage.duration_months=1,3,6,12 --axis outage.volume_kbd=300:900:7 \\
      --axis offsets.spare_capacity_share=0:1:5
    """  # noqa: D301 (click's \b keeps the example's layout)
    spec = _spec(options)
    from forecast.engine import fit
    from forecast.grid import make_executor, run_grid
    from forecast.spec import RunSpec

    run_spec = RunSpec(
        as_of=options["as_of"], horizon=options["horizon"], draws=options["draws"],
        seed=options["seed"] if options["seed"] is not None else 0,
        models=tuple(options["models"]) or ("svar", "elasticity"),
    )  # fmt: skip
    fitted = fit(run_spec, store=options["store_path"], progress=_progress)
    jobs = options["jobs"] or 1
    executor = make_executor(
        "processes" if jobs > 1 else "serial", jobs=jobs, scheduler=options["scheduler"]
    )
    result = run_grid(fitted, spec, executor=executor, out=out_dir, progress=_progress)
    written = [result.path, *([result.csv] if result.csv else [])]
    if options["charts"]:
        written += _charts(result, Path(out_dir), options["heatmap"])
    click.echo(result.summary())
    click.echo("wrote " + ", ".join(str(path) for path in written))
