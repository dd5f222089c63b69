"""The ``forecast run`` and ``forecast report`` commands, and the options they share.

The root group in :mod:`forecast.cli` adds :data:`run_command` and :data:`report_command`;
the engine and the report writer are imported inside the commands so ``forecast --help``
stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from forecast.cli._common import (
    check_month,
    check_out,
    check_seed,
    guard,
    skip_teardown,
    store_option,
)
from forecast.cli._progress import ProgressBar
from forecast.models import registry
from forecast.spec import DRAWS_RANGE, HORIZON_RANGE, RunSpec

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["report_command", "run_command", "short_summary", "spec_from_options"]


def _check_models(
    _ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Refuse a ``--model`` the registry does not know (a usage error, exit 2)."""
    known = (*registry.names("price"), *registry.names("cuba"))
    for name in value:
        if name not in known:
            raise click.BadParameter(f"unknown model {name!r}; known models: {', '.join(known)}")
    return value


def _flag(model: str, option: str) -> str:
    return f"--{model.replace('_', '-')}-{option.replace('_', '-')}"


def _dest(model: str, option: str) -> str:
    return f"model_option__{model}__{option}"


def _model_option_flags() -> list[Any]:
    """Return one ``--<model>-<option>`` flag per option of every registered model."""
    flags: list[Any] = []
    for entry in (*registry.entries("price"), *registry.entries("cuba")):
        for option in entry.options:
            kind: Any = (
                click.Choice(option.choices)
                if option.choices is not None
                else click.IntRange(min=option.minimum)
            )
            flags.append(
                click.option(
                    _flag(entry.name, option.name),
                    _dest(entry.name, option.name),
                    type=kind,
                    default=option.default,
                    show_default=True,
                    help=f"{entry.name} model: {option.help}",
                )
            )
    return flags


class _ScenarioOption(click.Option):
    """``--scenario``, whose help lists the built-in ids (read only when help is shown)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """Return the help with the built-in scenario ids filled in."""
        from forecast.scenarios import BUILTIN_IDS

        self.help = (
            "Built-in scenario id or TOML file; repeat for several [default: all built-ins: "
            f"{', '.join(BUILTIN_IDS)}]. baseline is always included."
        )
        return super().get_help_record(ctx)


def _run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options that `run` and `report` share (models and choices from the registry)."""
    defaults = RunSpec()
    models = ", ".join((*registry.names("price"), *registry.names("cuba")))
    options: list[Any] = [
        click.option(
            "--scenario",
            "scenarios",
            cls=_ScenarioOption,
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
            callback=_check_models,
            help=f"Model to run; repeat for several [default: "
            f"{', '.join(registry.default_models())}; models: {models}].",
        ),
        click.option(
            "--as-of",
            metavar="YYYY-MM",
            callback=check_month,
            help="Last observed month [default: last Brent month].",
        ),
        click.option(
            "--horizon",
            type=click.IntRange(*HORIZON_RANGE),
            default=defaults.horizon,
            show_default=True,
            help="Months to project.",
        ),
        click.option(
            "--draws",
            type=click.IntRange(*DRAWS_RANGE),
            default=defaults.draws,
            show_default=True,
            help="Simulation draws.",
        ),
        click.option(
            "--seed",
            type=int,
            default=None,
            callback=check_seed,
            help="Seed, 0 to 2**63 - 1; the same seed gives identical output [default: "
            "random, recorded in the output].",
        ),
        click.option(
            "--price-baseline",
            type=click.Choice(registry.names("baseline")),
            default=defaults.price_baseline,
            show_default=True,
            help="No-outage price model; no_change_eom starts from the last daily close of "
            "the as-of month (no model beat it in the backtest).",
        ),
        *_model_option_flags(),
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


def spec_from_options(options: dict[str, Any]) -> RunSpec:
    """Build the run's :class:`~forecast.spec.RunSpec` from the parsed CLI options (only here)."""
    model_options: dict[str, dict[str, Any]] = {}
    for key, value in options.items():
        if key.startswith("model_option__"):
            _, model, option = key.split("__")
            model_options.setdefault(model, {})[option] = value
    return RunSpec(
        as_of=options["as_of"],
        horizon=options["horizon"],
        draws=options["draws"],
        seed=options["seed"],
        models=tuple(options["models"]),
        price_baseline=options["price_baseline"],
        model_options=model_options,
    )


def _execute(
    options: dict[str, Any],
    extra: Callable[[Any, ProgressBar], None] | None,
    on_model: Callable[[Any], None] | None = None,
) -> Any:
    from forecast.engine import run

    with ProgressBar("forecast") as bar:
        result = run(
            list(options["scenarios"]) or None,
            spec=spec_from_options(options),
            store=options["store_path"],
            overrides=list(options["overrides"]),
            progress=bar,
            on_model=on_model,
        )
        if extra is not None:
            extra(result, bar)
    return result


def short_summary(result: Any) -> list[str]:
    """Return a few lines: the settings, the ensemble sentence (else Brent's peaks), Cuba's."""
    from forecast.reports._summary import ensemble_sentence, headline_scenario

    lines = [result.summary_text().splitlines()[0]]
    scenario = headline_scenario(result)
    lead = ensemble_sentence(result, scenario) if scenario and result.price_model else ""
    if lead:
        lines.append(lead)  # the ensemble replaces one price model's peaks as the headline
    brent = None if lead else result.price_model
    headline = (("brent_usd", brent), ("cuba_gdp_growth_pct", result.cuba_model))
    for variable, model in headline:
        if model is None:
            continue
        lines.extend(
            f"  {row['scenario']:<28} {variable} ({model}) peak {row['peak_mean']:+.2f} "
            f"{row['diff_unit']} ({row['peak_q05']:+.2f} to {row['peak_q95']:+.2f}) in "
            f"{row['peak_date']:%Y-%m}"
            for row in result.headline(variable, model).to_dict("records")
        )
    if result.notes:
        lines.append(
            f"{len(result.notes)} notes in the report; --verbose prints them and every model's rows"
        )
    return lines


@click.command("run")
@_run_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(),
    callback=check_out,
    help="Folder for paths.csv and summary.csv (created; checked writable first).",
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
    skip_teardown()


@click.command("report")
@_run_options
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Print every model's peak for every variable and the notes [default: the "
    "headline peaks only].",
)
@click.option(
    "--out",
    "out_dir",
    default="reports/latest",
    show_default=True,
    type=click.Path(),
    callback=check_out,
    help="Folder for the report and its tables (created; checked writable first).",
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
def report_command(out_dir: str, backtest_dir: str | None, verbose: bool, **options: Any) -> None:
    """Write a self-contained HTML report with charts, plus its tables (CSV and XLSX).

    The report gives headline impacts with bands, scenario comparison charts, tables, every
    scenario's assumptions, the data used (with a warning when it is stale or bundled), model
    diagnostics and the methodology.
    """
    from forecast.reports._workers import ChartWorkers

    written: dict[str, Any] = {}
    # the chart workers start first, before the report's heavier imports: their plotting
    # imports overlap ours, then the run's computation
    with ChartWorkers() as workers:
        from forecast.reports.writer import BacktestEvidence

        evidence = BacktestEvidence.read(backtest_dir or "reports/backtest")  # before the run
        if backtest_dir is not None and evidence is None:
            raise click.ClickException(f"{backtest_dir}: no backtest.csv there")

        def write(result: Any, bar: ProgressBar) -> None:
            from forecast.reports.writer import write_report

            bar("drawing charts and writing the report")
            written.update(
                write_report(result, out_dir, backtest=evidence, workers=workers, progress=bar)
            )

        # a model's methodology charts need only its fit: drawn while the others fit and
        # the scenarios project
        result = _execute(options, write, workers.start_early)
    click.echo(result.summary_text() if verbose else "\n".join(short_summary(result)))
    click.echo(f"report: {written['html']}")
    click.echo("tables: " + ", ".join(str(p) for k, p in written.items() if k != "html"))
    skip_teardown()
