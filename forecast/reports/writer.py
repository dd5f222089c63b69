r"""Write a run's report: a self-contained HTML file plus its tables as CSV and one workbook.

``write_report(result, out_dir)`` renders the charts (plotnine -> PNG, embedded as base64),
fills the Jinja2 template (autoescaped) and writes:

\b
  report.html       the report (no external files)
  headline.csv      the headline: Brent's effect per price model, the ensemble, per 1% of
                    supply lost, the literature and each model's forecast record
  paths.csv         the output contract (PathFrame)
  summary.csv       peak and cumulative differences from baseline (SummaryFrame)
  differences.csv   differences from baseline per period (DiffFrame)
  quarterly.csv     quarterly average Brent and WTI per scenario and model (levels, differences)
  annual.csv        the same, per calendar year
  probabilities.csv probability statements about Brent, from the draws
  forecast.xlsx     the same tables plus scenarios, data used, assumptions and the run
  report.md         the summary and the period tables, as Markdown
  charts/           every chart as PNG and SVG (drawn once, saved twice)
"""

from __future__ import annotations

import base64
import contextlib
import copy
import multiprocessing as mp
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import pandas as pd

from forecast import catalog, charts
from forecast._version import __version__
from forecast.models.protocol import tell
from forecast.reports import _headline, _markdown, _summary, _tables, _xlsx
from forecast.reports._backtest import BacktestEvidence
from forecast.reports._format import fmt as _fmt
from forecast.reports._format import table as _table
from forecast.reports._render import draw as _png
from forecast.reports._render import prepare_plotting as _prepare_plotting
from forecast.reports._render import render as _render
from forecast.reports._workers import ChartWorkers, quiet_fork, stop_pool, worker_count
from forecast.results import CSV_OPTIONS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from plotnine import ggplot

    from forecast.models.protocol import Progress
    from forecast.results import RunResult
    from forecast.scenarios import Scenario

__all__ = [
    "BacktestEvidence",
    "Chart",
    "ChartWorkers",
    "ReportTables",
    "build_charts",
    "render_html",
    "write_chart_files",
    "write_report",
    "write_tables",
]

REFERENCES = (
    (
        "Alquist, R., Kilian, L. and Vigfusson, R. J. (2013). Forecasting the price of oil. "
        "Handbook of Economic Forecasting 2A, 427-507."
    ),
    (
        "Baumeister, C. and Hamilton, J. D. (2019). Structural interpretation of vector "
        "autoregressions with incomplete identification: revisiting the role of oil supply and "
        "demand shocks. American Economic Review 109(5), 1873-1910."
    ),
    (
        "Baumeister, C. and Kilian, L. (2012). Real-time forecasts of the real price of oil. "
        "Journal of Business & Economic Statistics 30(2), 326-336."
    ),
    (
        "Caldara, D., Cavallo, M. and Iacoviello, M. (2019). Oil price elasticities and oil price "
        "fluctuations. Journal of Monetary Economics 103, 1-20."
    ),
    (
        "Kilian, L. (2009). Not all oil price shocks are alike. American Economic Review 99(3), "
        "1053-1069."
    ),
    (
        "Kilian, L. and Murphy, D. P. (2014). The role of inventories and speculative trading in "
        "the global market for crude oil. Journal of Applied Econometrics 29(3), 454-478."
    ),
)


@dataclass(frozen=True, slots=True)
class Chart:
    """A rendered chart: its id, title, caption, PNG and SVG bytes and report section."""

    id: str
    title: str
    caption: str
    png: bytes
    section: str = "main"
    svg: bytes = b""

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI for an ``<img src>``."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True, slots=True)
class _ChartSpec:
    id: str
    title: str
    caption: str
    make: Callable[[], ggplot]
    section: str = "main"


def _chart_view(result: RunResult) -> RunResult:
    """Return the result without its fitted models, draws and tables: what its charts read.

    A shallow copy (no validation rerun) small enough to pickle to a chart worker started
    before the run (~0.2 MB instead of the whole result's ~12 MB).
    """
    view = copy.copy(result)
    # a frozen dataclass: set on the copy, as dataclasses.replace would (without validating)
    object.__setattr__(view, "raw", {})
    object.__setattr__(view, "tables", {})
    return view


def _chart_specs(result: RunResult) -> list[_ChartSpec]:
    """Return the report's charts, in report order, as builders (nothing rendered yet).

    Every builder is a ``partial`` of a chart function over small frames (or the result's
    :func:`_chart_view`), so it pickles to a worker started before the run.
    """
    return _main_specs(result) + _sensitivity_specs(result)


def _main_specs(result: RunResult) -> list[_ChartSpec]:
    """Return every chart but the sensitivity grid's (which needs the grid computed first)."""
    specs: list[_ChartSpec] = []
    price_model = result.price_model
    view = _chart_view(result)
    if price_model is not None:
        compared = [price_model, *_cross_checks(result)]  # the difference chart's panels
        specs += [
            _ChartSpec(
                "brent_scenarios",
                f"Brent under every scenario ({price_model} model)",
                "Every scenario's median Brent price on one US$/bbl axis, over the baseline's "
                "68% and 90% bands: where a scenario's line leaves the grey band, the outage "
                "moves the price by more than the baseline's own uncertainty.",
                partial(charts.scenario_prices_chart, view, "brent_usd", model=price_model),
            ),
            _ChartSpec(
                "brent_diff",
                f"Brent: difference from baseline, every price model ({price_model} first)",
                _difference_caption(result, price_model),
                partial(
                    charts.model_difference_chart,
                    view,
                    "brent_usd",
                    models=compared,
                    labels={m: _headline.model_label(result, m) for m in compared},
                ),
            ),
            _ChartSpec(
                "brent_fan",
                f"Brent fan chart per scenario ({price_model} model)",
                "Fan charts: each scenario's median with 68% and 90% bands against the "
                "baseline median. WTI gets the same percentage impact (see the tables).",
                partial(charts.price_fan_chart, view, "brent_usd", model=price_model),
            ),
        ]
    cuba_model = result.cuba_model
    if cuba_model is not None:
        specs.append(
            _ChartSpec(
                "cuba",
                f"Cuba's economy by scenario and year ({cuba_model} model)",
                "Per year and scenario: median (dot), 68% (thick) and 90% (thin) ranges of GDP "
                "growth, the oil supply gap, the extra import bill and power generation at "
                "risk. " + _import_bill_note(result, cuba_model),
                partial(charts.cuba_panel, view, model=cuba_model),
            )
        )
    return _headline_specs(result) + specs + _method_specs(result)


def _headline_specs(result: RunResult) -> list[_ChartSpec]:
    """Return the headline chart: the effect per 1% of supply lost per model, and the literature."""
    scenario = _summary.headline_scenario(result)
    if scenario is None or not _tables.price_models(result):
        return []
    table = _headline.headline_table(result, scenario)
    horizon = 6 if result.horizon >= 6 else 1  # the summary's lead horizon
    low, high, _ = _headline.literature_band()
    return [
        _ChartSpec(
            "headline",
            f"Brent at {horizon} months per 1% of world supply lost, every model",
            "Each price model and identification that ran, and their ensemble, against the "
            "literature's implied price response (shaded, facts/oil_market_elasticities.csv): "
            "the effect in % divided by the scenario's net loss in % of world crude supply "
            "that month.",
            partial(
                charts.headline_chart,
                table,
                (low, high),
                horizon=horizon,
                colours=registry_colours(),
            ),
            section="headline",
        )
    ]


def registry_colours() -> dict[str, str]:
    """Return the models' chart colours (the registry's)."""
    from forecast.models import registry

    return registry.colours()


METHOD_CHARTS: tuple[tuple[str, str, str], ...] = (
    (
        "svar_irf",
        "SVAR impulse responses",
        (
            "Responses of world oil production, real activity and the real oil price to one-"
            "standard-deviation supply, aggregate-demand and oil-specific demand shocks, with 68% "
            "and 90% residual-bootstrap bands. The supply shock is drawn as a disruption."
        ),
    ),
    (
        "svar_fevd",
        "SVAR variance decomposition",
        (
            "Share of the real oil price's forecast-error variance due to each structural shock, "
            "by horizon: how much of the price's unpredictable movement supply shocks explain."
        ),
    ),
    (
        "svar_hd",
        "SVAR historical decomposition",
        (
            "The real oil price's deviation from its base projection, split into the cumulative "
            "contributions of each structural shock over the sample."
        ),
    ),
    (
        "cuba_backcast",
        "Cuba model backcast",
        (
            "The Cuba model fitted on data to 2015 and projected over 2016-2024 given the "
            "observed shipments and oil prices, against the actual growth."
        ),
    ),
)
"""Methodology charts: table name (also the chart id), title and caption."""


SENSITIVITY_SCENARIO = "venezuela_full_halt"
SENSITIVITY_AXES: tuple[str, ...] = (
    "outage.duration_months=3,6,12",
    "outage.volume_kbd=400,800,1200",
    "offsets.spare_capacity_share=0,0.5,1",
    "offsets.spare_capacity_lag_months=1,3,6",
)
"""The report's default sensitivity grid around the full halt: duration, volume, offset share
and offset lag (81 points and the one-at-a-time rows, through the run's own draws)."""


def sensitivity_grid(result: RunResult) -> Any:
    """Return the report's sensitivity grid (a ``GridResult``), or ``None`` when it cannot run.

    It needs the run's fitted models (``result.raw["fitted"]``, kept by :func:`forecast.run`),
    a price model and the full-halt scenario among those run (with the run's overrides). The
    grid goes through the headline price model only and summarises Brent only, what its
    charts show. It is small: its frame is kept in memory (``GridResult.frame()``) and no
    file is written.
    """
    fitted = result.raw.get("fitted")
    scenario = next((s for s in result.scenarios if s.id == SENSITIVITY_SCENARIO), None)
    if fitted is None or scenario is None or not getattr(fitted, "price", None):
        return None
    headline = result.price_model if result.price_model in fitted.price else None
    models = [headline] if headline is not None else None
    return fitted.grid(
        SENSITIVITY_AXES, scenario=scenario, write=False, models=models, variables=["brent_usd"]
    )


def _sensitivity_specs(result: RunResult) -> list[_ChartSpec]:
    from forecast.charts.grid import grid_heatmap, grid_tornado

    grid = sensitivity_grid(result)
    if grid is None:
        return []
    model = grid.models[0]
    heat = grid.heatmap_frame("outage.duration_months", "outage.volume_kbd", model=model)
    tornado = grid.tornado_frame(model=model)
    return [
        _ChartSpec(
            "sensitivity_heatmap",
            f"Sensitivity: peak Brent effect by duration and volume ({model} model)",
            "Median peak effect on Brent (% of the no-outage baseline) of the full halt with its "
            "duration and volume changed, averaged over the offset settings of the grid; every "
            "point goes through the run's fitted models and draws.",
            partial(grid_heatmap, heat, "outage.duration_months", "outage.volume_kbd"),
            "sensitivity",
        ),
        _ChartSpec(
            "sensitivity_tornado",
            f"Sensitivity: one setting at a time ({model} model)",
            "Range of the median peak Brent effect when one setting of the full halt moves over "
            "its grid values and the others keep the scenario's: which assumption matters most.",
            partial(grid_tornado, tornado, scenario=SENSITIVITY_SCENARIO),
            "sensitivity",
        ),
    ]


def _method_specs(result: RunResult) -> list[_ChartSpec]:
    return method_chart_specs(result.tables)


def method_chart_specs(tables: Mapping[str, pd.DataFrame]) -> list[_ChartSpec]:
    """Return the methodology charts of these tables (a run's ``tables``), as builders.

    They need only the fitted models' tables, so :meth:`ChartWorkers.start_early` can draw
    them while other models fit and the scenarios are projected.
    """
    draws: dict[str, Callable[[pd.DataFrame], ggplot]] = {
        "svar_irf": charts.svar_irf_chart,
        "svar_fevd": charts.svar_fevd_chart,
        "svar_hd": charts.svar_hd_chart,
        "cuba_backcast": charts.cuba_backcast_chart,
    }
    return [
        _ChartSpec(name, title, caption, partial(draws[name], tables[name]), "methodology")
        for name, title, caption in METHOD_CHARTS
        if name in tables
    ]


def _import_bill_note(result: RunResult, model: str) -> str:
    """Say why the import-bill panel is missing when no scenario buys replacement barrels."""
    bill = result.paths[
        (result.paths["model"] == model) & (result.paths["variable"] == "cuba_import_bill_usd_m")
    ]
    if bill.empty or bill[["q05", "q95"]].abs().gt(0).any(axis=None):
        return ""
    return (
        "No scenario run has Cuba buy replacement barrels, so its extra import bill is zero "
        "in every year; run the built-in cuba_buys_replacement scenario to see that channel."
    )


def _difference_caption(result: RunResult, price_model: str) -> str:
    """Caption of the difference chart: what the panels are, and what each cross-check is."""
    text = (
        "Per cent of the baseline Brent price, computed draw by draw, one panel per price model "
        f"on one axis: the {price_model} model leads the report"
    )
    others = [f"{m} ({_describe(m)})" for m in _cross_checks(result)]
    if not others:
        return text + "."
    return text + "; the others cross-check it: " + "; ".join(others) + "."


def _cross_checks(result: RunResult) -> list[str]:
    """Return the price models run besides the headline one, in registry order."""
    from forecast.models import registry

    return [m for m in registry.names("price") if m in result.models and m != result.price_model]


def _describe(model: str) -> str:
    """Return a model's one-line registry description, lower-cased after its colon."""
    from forecast.models import registry

    text = registry.get(model).description
    return text.split(": ", 1)[-1][:1].lower() + text.split(": ", 1)[-1][1:]


_PENDING: list[_ChartSpec] = []  # read by forked workers (fork shares memory, no pickling)

CHART_COST = {
    "cuba": 4,
    "svar_irf": 3,
    "svar_hd": 3,
    "brent_scenarios": 3,
    "brent_fan": 2,
    "brent_diff": 2,
}
"""Relative drawing cost per chart id (measured; others count 1): the dearest start first."""


def _render_pending(index: int) -> tuple[bytes, bytes]:
    return _png(_PENDING[index].make())


def _fork_pool(workers: int) -> Any:
    with quiet_fork():
        return mp.get_context("fork").Pool(workers)


CHARTS_STEP = "drawing charts"
"""The progress step of the report's charts (counted)."""


class _ChartJob:
    """Charts being rendered in worker processes while the caller does other work.

    Use as a context manager: entering starts the workers (forked now, sharing the specs'
    memory) or hands the builders to a running :class:`ChartWorkers` pool (pickled),
    :meth:`results` waits for the PNG and SVG bytes (in spec order), and leaving always
    shuts workers it forked down and joins them, on success, on error and on Ctrl-C
    (workers still drawing are terminated then).
    """

    def __init__(
        self, specs: list[_ChartSpec], workers: int, started: ChartWorkers | None = None
    ) -> None:
        self.specs = specs
        self.started = started.pool if started is not None else None
        self.begun = started if self.started is not None else None
        self.workers = min(workers, len(specs))
        self.parallel = self.started is not None or (
            self.workers > 1 and "fork" in mp.get_all_start_methods()
        )
        self.pool: Any = None
        self.futures: list[Any] = []

    def __enter__(self) -> Self:
        if not self.parallel:
            return self
        order = sorted(range(len(self.specs)), key=lambda i: -CHART_COST.get(self.specs[i].id, 1))
        if self.started is not None:
            early = {i: self.begun.take(self.specs[i]) for i in order} if self.begun else {}
            by_index = {
                i: early.get(i) or self.started.apply_async(_render, (self.specs[i].make,))
                for i in order
            }
        else:
            _prepare_plotting()
            _PENDING[:] = self.specs
            self.pool = _fork_pool(self.workers)
            by_index = {i: self.pool.apply_async(_render_pending, (i,)) for i in order}
        self.futures = [by_index[i] for i in range(len(self.specs))]
        return self

    def add(self, specs: list[_ChartSpec]) -> None:
        """Send more charts (drawn after those sent before); :meth:`results` lists them last.

        For charts whose builders need work the caller does while the first ones draw (the
        sensitivity grid's). Their builders go to the workers pickled.
        """
        self.specs = [*self.specs, *specs]
        if not self.parallel:
            return
        pool = self.started if self.started is not None else self.pool
        by_index = {}
        for i in sorted(range(len(specs)), key=lambda i: -CHART_COST.get(specs[i].id, 1)):
            early = self.begun.take(specs[i]) if self.begun is not None else None
            by_index[i] = early or pool.apply_async(_render, (specs[i].make,))
        self.futures += [by_index[i] for i in range(len(specs))]

    def results(self, progress: Progress | None = None) -> list[tuple[bytes, bytes]]:
        """Wait for every chart; PNG and SVG bytes in spec order.

        ``progress`` is told ``"drawing charts"`` with the charts done of all, as each is
        collected (in spec order, so the count can lag a chart finished out of order).
        """
        total = len(self.specs)
        report = progress or (lambda _message: None)
        tell(report, CHARTS_STEP, 0, total)
        rendered = []
        for i in range(total):
            if self.parallel:
                rendered.append(self.futures[i].get())
            else:
                rendered.append(_png(self.specs[i].make()))
            tell(report, CHARTS_STEP, i + 1, total)
        return rendered

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        _PENDING.clear()
        if self.pool is not None:
            stop_pool(self.pool, kind)
            self.pool = None


def _charts(specs: list[_ChartSpec], rendered: list[tuple[bytes, bytes]]) -> list[Chart]:
    return [
        Chart(spec.id, spec.title, spec.caption, png, spec.section, svg)
        for spec, (png, svg) in zip(specs, rendered, strict=True)
    ]


def build_charts(result: RunResult, *, workers: int | None = None) -> list[Chart]:
    """Render the report's charts to PNG and SVG, in report order.

    Parameters
    ----------
    result
        The run to chart.
    workers
        Processes that render in parallel (default: the CPUs available, at most 4); the
        workers are forked (where the platform can) and always shut down before returning.
    """
    specs = _chart_specs(result)
    with _ChartJob(specs, worker_count(workers)) as job:
        return _charts(specs, job.results())


def _headlines(result: RunResult, headline: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Per scenario: peak and average Brent impact, Cuba first-year growth impact.

    ``headline`` is one scenario's headline table (:func:`headline_frame`), used for that
    scenario's card instead of computing it again.
    """
    labels = {s.id: s.title for s in result.scenarios}
    shared = (
        {} if headline is None or headline.empty else {str(headline["scenario"].iloc[0]): headline}
    )
    cards = []
    for sid in result.scenario_ids[1:]:
        card: dict[str, Any] = {"id": sid, "title": labels[sid], "items": []}
        summary = result.summary[result.summary["scenario"] == sid]
        card["items"].extend(_ensemble_items(result, sid, shared.get(sid)))
        brent = summary[
            (summary["variable"] == "brent_usd") & (summary["model"] == result.price_model)
        ]
        if not brent.empty:
            row = brent.iloc[0]
            card["items"].append(
                {
                    "label": f"Peak Brent impact ({row['peak_date']:%b %Y}, {row['model']} only)",
                    "value": f"{_fmt(row['peak_mean'], sign=True)}%",
                    "band": f"90%: {_fmt(row['peak_q05'], sign=True)} to "
                    f"{_fmt(row['peak_q95'], sign=True)}%",
                }
            )
            card["items"].append(
                {
                    "label": f"Average Brent impact, {result.horizon} months",
                    "value": f"{_fmt(row['cum_mean'], sign=True)}%",
                    "band": f"90%: {_fmt(row['cum_q05'], sign=True)} to "
                    f"{_fmt(row['cum_q95'], sign=True)}%",
                }
            )
        cross = summary[(summary["variable"] == "brent_usd") & (summary["model"] == "elasticity")]
        if result.price_model != "elasticity" and not cross.empty:
            row = cross.iloc[0]
            card["items"].append(
                {
                    "label": "Cross-check: elasticity model, peak",
                    "value": f"{_fmt(row['peak_mean'], sign=True)}%",
                    "band": f"90%: {_fmt(row['peak_q05'], sign=True)} to "
                    f"{_fmt(row['peak_q95'], sign=True)}%",
                }
            )
        card["items"].extend(_cuba_items(result, sid))
        cards.append(card)
    return cards


def _ensemble_items(
    result: RunResult, sid: str, table: pd.DataFrame | None = None
) -> list[dict[str, str]]:
    """Return the card's first item: Brent at 6 months, median and range across models.

    ``table`` is the scenario's headline table (computed when not given; a backtest's record
    does not change its ensemble row).
    """
    if not _tables.price_models(result):
        return []
    table = _headline.headline_table(result, sid) if table is None else table
    ensemble = table[table["row"] == "ensemble"]
    h = _summary.LEAD_HORIZON
    if ensemble.empty or f"effect_h{h}_q50" not in ensemble.columns:
        return []
    row = ensemble.iloc[0]
    count = int((table["row"] == "model").sum())
    return [
        {
            "label": f"Brent at {h} months, median of {count} price model(s)",
            "value": f"{_fmt(row[f'effect_h{h}_q50'], sign=True)}%",
            "band": f"range across models: {_fmt(row[f'effect_h{h}_q05'], sign=True)} to "
            f"{_fmt(row[f'effect_h{h}_q95'], sign=True)}%",
        }
    ]


def _first_full_year(result: RunResult) -> int | None:
    """Return the first calendar year whose twelve months are all projected."""
    start = result.as_of + pd.DateOffset(months=1)
    year = start.year if start.month == 1 else start.year + 1
    end = result.as_of + pd.DateOffset(months=result.horizon)
    return year if pd.Timestamp(year=year, month=12, day=1) <= end else None


def _cuba_items(result: RunResult, sid: str) -> list[dict[str, str]]:
    """Cuba's growth in the first full projected year and its GDP level at the horizon."""
    diffs = result.differences[
        (result.differences["scenario"] == sid) & (result.differences["model"] == result.cuba_model)
    ]
    items = []
    year = _first_full_year(result)
    growth = diffs[diffs["variable"] == "cuba_gdp_growth_pct"]
    growth = growth[growth["date"].dt.year == year] if year is not None else growth.iloc[:0]
    if not growth.empty:
        row = growth.iloc[0]
        items.append(
            {
                "label": f"Cuba GDP growth, {year}",
                "value": f"{_fmt(row['mean'], sign=True)} pp",
                "band": f"90%: {_fmt(row['q05'], sign=True)} to {_fmt(row['q95'], sign=True)} pp",
            }
        )
    level = diffs[diffs["variable"] == "cuba_gdp_level_index"]
    if not level.empty:
        row = level.iloc[-1]
        items.append(
            {
                "label": f"Cuba GDP level, {row['date']:%Y}",
                "value": f"{_fmt(row['mean'], sign=True)}%",
                "band": f"90%: {_fmt(row['q05'], sign=True)} to {_fmt(row['q95'], sign=True)}%",
            }
        )
    return items


def _summary_table(result: RunResult) -> list[dict[str, Any]]:
    """Summary rows grouped by scenario: ``[{"title": ..., "rows": [...]}, ...]``."""
    labels = {s.id: s.title for s in result.scenarios}
    groups: dict[str, list[dict[str, str]]] = {}
    for row in result.summary.to_dict("records"):
        var = catalog.OUTPUT_VARIABLES[str(row["variable"])]
        cum_word = "sum" if row["cum_measure"] == "sum" else "average"
        groups.setdefault(str(row["scenario"]), []).append(
            {
                "variable": var.title,
                "model": str(row["model"]),
                "unit": str(row["diff_unit"]),
                "peak": _fmt(row["peak_mean"], sign=True),
                "peak_band": f"{_fmt(row['peak_q05'], sign=True)} to "
                f"{_fmt(row['peak_q95'], sign=True)}",
                "peak_date": f"{row['peak_date']:%Y-%m}",
                "cum": f"{_fmt(row['cum_mean'], sign=True)} ({cum_word})",
                "cum_band": f"{_fmt(row['cum_q05'], sign=True)} to "
                f"{_fmt(row['cum_q95'], sign=True)}",
            }
        )
    return [{"title": labels[sid], "rows": rows} for sid, rows in groups.items()]


def _price_table(result: RunResult, variable: str = "brent_usd") -> dict[str, Any]:
    """Quarter-end medians of a price per scenario (rows: months; columns: scenarios)."""
    paths = result.paths[(result.paths["variable"] == variable)]
    if paths.empty:
        return {"columns": [], "rows": [], "model": ""}
    model = str(paths["model"].iloc[0])
    paths = paths[paths["model"] == model]
    wide = paths.pivot_table(index="date", columns="scenario", values="q50", sort=False)
    wide = wide[[s for s in result.scenario_ids if s in wide.columns]]
    months = pd.DatetimeIndex(wide.index)
    keep = months[(months.month % 3 == 0) | (months == months[0])]
    labels = {s.id: s.title for s in result.scenarios}
    return {
        "model": model,
        "columns": [labels[c] for c in wide.columns],
        "rows": [
            {"date": f"{d:%b %Y}", "values": [_fmt(float(v), 1) for v in row]}
            for d, row in zip(keep, wide.loc[keep].to_numpy(dtype=float), strict=True)
        ],
    }


# Medians over draws: a log random walk's mean drifts up with its variance (the baseline's
# mean would rise about 20% in two years while its median stays at the last close).
MEASURES = (
    ("level_q50", "Level, US$/bbl (median)", 2, False),
    ("diff_q50", "Difference, US$/bbl (median)", 2, True),
    ("diff_pct_q50", "Difference, % (median)", 1, True),
)


def _period_context(table: pd.DataFrame, variable: str) -> dict[str, Any]:
    """STEO-style layout of one price: columns are periods; rows scenario, model, measure."""
    table = table[table["variable"] == variable]
    if table.empty:
        return {"columns": [], "groups": []}
    first = table.drop_duplicates("period")
    columns = [
        p if n in (3, 12) else f"{p} ({n} mo)"
        for p, n in zip(first["period"], first["months"], strict=True)
    ]
    groups = []
    for sid, by_scenario in table.groupby("scenario", sort=False):
        rows = []
        for model, by_model in by_scenario.groupby("model", sort=False):
            for column, label, digits, sign in MEASURES:
                if sid == "baseline" and column != "level_q50":
                    continue
                values = [_fmt(float(v), digits, sign=sign) for v in by_model[column]]
                rows.append({"model": str(model), "measure": label, "values": values})
        groups.append({"title": str(by_scenario["scenario_title"].iloc[0]), "rows": rows})
    return {"columns": columns, "groups": groups}


def _probability_context(table: pd.DataFrame) -> dict[str, Any]:
    """Probabilities as a scenario x (statement, model) grid of percentages."""
    if table.empty:
        return {"columns": [], "rows": []}
    keys = list(dict.fromkeys(zip(table["statement"], table["model"], strict=True)))
    wide = table.set_index(["scenario", "statement", "model"])["probability"]
    titles = dict(zip(table["scenario"], table["scenario_title"], strict=False))
    return {
        "columns": [f"{statement} ({model})" for statement, model in keys],
        "rows": [
            {
                "title": titles[sid],
                "values": [f"{100 * wide[(sid, st, m)]:.0f}%" for st, m in keys],
            }
            for sid in dict.fromkeys(table["scenario"])
        ],
    }


def _scenario_rows(scenario: Scenario, resolved: dict[str, float]) -> list[tuple[str, str]]:
    """Every field of a scenario as ``key, value``, defaults shown with their resolved value."""
    flat: list[tuple[str, str]] = []
    spec = scenario.to_dict()
    for key, value in spec.items():
        if isinstance(value, dict):
            flat.extend((f"{key}.{k}", str(v)) for k, v in value.items())
        elif key not in {"id", "title", "description"}:
            flat.append((key, str(value)))
    if scenario.outage is None:
        flat.insert(0, ("outage", "none"))
    elif scenario.outage.volume_kbd is None:
        volume = resolved["ve_exports_kbd"]
        flat.append(("outage.volume_kbd", f"{volume:,.0f} (default: Venezuela's latest exports)"))
    if scenario.cuba.baseline_shipments_kbd is None:
        shipments = resolved["cuba_shipments_kbd"]
        flat.append(
            ("cuba.baseline_shipments_kbd", f"{shipments:,.0f} (default: latest shipments)")
        )
    return flat


def _resolved(result: RunResult) -> dict[str, float]:
    return dict(zip(result.assumptions["key"], result.assumptions["value"], strict=True))


def _data_rows(result: RunResult) -> list[dict[str, Any]]:
    rows = []
    for row in result.data.to_dict("records"):
        vintage = "" if pd.isna(row["vintage_id"]) else f"{int(row['vintage_id'])}"
        written = (
            ""
            if row["written_at"] is None or pd.isna(row["written_at"])
            else (f"{pd.Timestamp(row['written_at']):%Y-%m-%d %H:%M} UTC")
        )
        rows.append(
            {
                "series": str(row["series_id"]),
                "title": str(row["title"]),
                "origin": str(row["origin"]),
                "source": str(row["source"]),
                "vintage": vintage,
                "written": written,
                "span": f"{row['first_date']:%Y-%m} to {row['last_date']:%Y-%m}",
                "age": f"{row['age_days']:,} days",
                "stale": bool(row["stale"]),
                "detail": str(row["detail"]),
            }
        )
    return rows


def _banner(result: RunResult) -> list[str]:
    lines = []
    bundled = result.data[result.data["origin"] == "bundled"]
    # A warning when the run's prices come from the snapshot; a store that only lacks an
    # auxiliary series (say, a month-end close) gets a note instead (see the notes).
    if "brent_usd" in set(bundled["series_id"]):
        last = bundled["last_date"].max()
        names = ", ".join(bundled["series_id"])
        early = [
            f"{row['series_id']} ends {row['last_date']:%B %Y}"
            for row in bundled.to_dict("records")
            if row["last_date"] < last
        ]
        ending = f"real data to {last:%B %Y}" + (f"; {', '.join(early)}" if early else "")
        lines.append(
            f"This report uses the package's BUNDLED snapshot for {names} ({ending}), not a "
            "current store: its numbers describe that time. Refresh or import current data "
            "(`forecast refresh`, `forecast data import`) for a current forecast."
        )
    stale = result.data[result.data["stale"] & (result.data["origin"] != "bundled")]
    if not stale.empty:
        newest = stale.sort_values("last_date").iloc[-1]
        older = [
            f"{row['series_id']} {row['last_date']:%B %Y}"
            for row in stale.to_dict("records")
            if row["last_date"] < newest["last_date"]
        ]
        names = ", ".join(stale["series_id"])
        lines.append(
            f"The data are stale: {names} end {newest['last_date']:%B %Y}, "
            f"{int(newest['age_days']):,} days before today"
            + (f" (earlier: {', '.join(older)})" if older else "")
            + ". Refresh the store (`forecast refresh`) for a current forecast."
        )
    return lines


def headline_frame(result: RunResult, backtest: BacktestEvidence | None = None) -> pd.DataFrame:
    """Return the headline table of the summary's scenario (empty when only baseline ran)."""
    scenario = _summary.headline_scenario(result)
    if scenario is None or not _tables.price_models(result):
        return pd.DataFrame()
    return _headline.headline_table(result, scenario, backtest)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ReportTables:
    """The tables a report shows in more than one place, computed once per report.

    :func:`write_report` builds one and hands it to :func:`write_tables`, the Markdown and
    :func:`render_html`; each of them builds its own when not given one. The frames are
    read-only.

    Attributes
    ----------
    headline
        :func:`headline_frame` with the backtest's record (empty when only baseline ran).
    shown
        The headline as template rows (:func:`~forecast.reports._headline.display`), or
        ``None``.
    quarterly, annual
        :func:`~forecast.reports._tables.period_table` by quarter and by year.
    probabilities
        :func:`~forecast.reports._tables.probability_table`.
    summary
        The summary's sentences (:func:`~forecast.reports._summary.summary_sentences`).
    """

    headline: pd.DataFrame
    shown: dict[str, Any] | None
    quarterly: pd.DataFrame
    annual: pd.DataFrame
    probabilities: pd.DataFrame
    summary: tuple[str, ...]

    @classmethod
    def build(cls, result: RunResult, backtest: BacktestEvidence | None = None) -> ReportTables:
        """Compute the tables of ``result`` (``backtest`` gives the headline's record)."""
        headline = headline_frame(result, backtest)
        probabilities = _tables.probability_table(result)
        summary = _summary.summary_sentences(result, headline=headline, probabilities=probabilities)
        return cls(
            headline=headline,
            shown=_headline.display(headline) if not headline.empty else None,
            quarterly=_tables.period_table(result, "quarter"),
            annual=_tables.period_table(result, "year"),
            probabilities=probabilities,
            summary=tuple(summary),
        )


def _method_tables(
    result: RunResult, workers: ChartWorkers | None = None
) -> dict[str, pd.DataFrame]:
    """Return the run's methodology tables plus the SVAR's sensitivity grid (computed here).

    The grid (identification x lags x sample, point SVARs) comes from the recursive
    ``svar`` model's own data and its ``svar_sensitivity`` stream, so it changes no number
    of the run; a run with ``--svar-sensitivity on`` already has it. ``workers`` that
    started computing it for this run's adapter (:meth:`ChartWorkers.start_early`) give
    theirs: the same numbers.
    """
    from forecast.errors import ForecastError

    tables = dict(result.tables)
    adapter = result.raw.get("models", {}).get("svar")
    if "svar_sensitivity" not in tables and hasattr(adapter, "sensitivity"):
        started = workers.take_sensitivity(adapter) if workers is not None else None
        if started is not None:
            if (table := started()) is not None:
                tables["svar_sensitivity"] = table
        else:
            with contextlib.suppress(ForecastError):  # no grid on these data: left out
                tables["svar_sensitivity"] = adapter.sensitivity()
    if "svar_sensitivity" in tables:
        tables["svar_sensitivity_view"] = _headline.sensitivity_view(tables["svar_sensitivity"])
    return tables


class _FormattedTables(Mapping[str, dict[str, Any]]):
    """Frames by name, each formatted for the template (:func:`_format.table`) when read.

    The template shows a few of the methodology tables (the impulse responses and the
    historical decomposition are charts): the others are never formatted.
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self._frames = frames
        self._formatted: dict[str, dict[str, Any]] = {}

    def __getitem__(self, name: str) -> dict[str, Any]:
        if name not in self._formatted:
            self._formatted[name] = _table(self._frames[name])
        return self._formatted[name]

    def __contains__(self, name: object) -> bool:
        return name in self._frames  # without formatting it

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


@cache
def _template() -> Any:
    """Return the report's Jinja template (autoescaped), compiled once per process."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("forecast.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def _page_context(
    result: RunResult,
    tables: ReportTables,
    backtest: BacktestEvidence | None,
    workers: ChartWorkers | None = None,
) -> dict[str, Any]:
    """Return the template's context but the charts (the SVAR sensitivity grid computed).

    ``workers`` that computed the grid for this run (:meth:`ChartWorkers.start_early`) give it.
    """
    diagnostics = result.diagnostics.assign(
        estimate=lambda f: f["estimate"].map(lambda v: _fmt(v, 4)),
        std_err=lambda f: f["std_err"].map(lambda v: _fmt(v, 4)),
    ).to_dict("records")
    assumptions = result.assumptions.assign(
        value=lambda f: f["value"].map(lambda v: _fmt(v, 1))
    ).to_dict("records")
    resolved = _resolved(result)
    return {
        "result": result,
        "summary": list(tables.summary),
        "headline": tables.shown,
        "activity": _headline.activity_lines(result),
        "annual": {v: _period_context(tables.annual, v) for v in _tables.PRICE_VARIABLES},
        "quarterly": {v: _period_context(tables.quarterly, v) for v in _tables.PRICE_VARIABLES},
        "probabilities": _probability_context(tables.probabilities),
        "variable_titles": {v: catalog.OUTPUT_VARIABLES[v].title for v in _tables.PRICE_VARIABLES},
        "start": result.as_of + pd.DateOffset(months=1),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "banner": _banner(result),
        "headlines": _headlines(result, tables.headline),
        "method_tables": _FormattedTables(_method_tables(result, workers)),
        "summary_rows": _summary_table(result),
        "price_table": _price_table(result),
        "scenarios": [(s, _scenario_rows(s, resolved)) for s in result.scenarios],
        "data_rows": _data_rows(result),
        "assumptions": assumptions,
        "diagnostics": diagnostics,
        "notes": result.notes,
        "references": REFERENCES,
        "backtest": backtest,
        "models": result.models,
    }


def _render_page(context: dict[str, Any], chart_list: list[Chart]) -> str:
    """Fill the template with ``context`` (:func:`_page_context`) and the charts."""
    return str(
        _template().render(
            **context,
            headline_charts=[c for c in chart_list if c.section == "headline"],
            charts=[c for c in chart_list if c.section == "main"],
            method_charts={c.id: c for c in chart_list if c.section == "methodology"},
            sensitivity_charts=[c for c in chart_list if c.section == "sensitivity"],
        )
    )


def render_html(
    result: RunResult,
    chart_list: list[Chart],
    *,
    backtest: BacktestEvidence | None = None,
    tables: ReportTables | None = None,
) -> str:
    """Fill the report template (autoescaped) and return the HTML text.

    ``tables`` are the report's shared tables (:class:`ReportTables`, built when not given).
    """
    tables = ReportTables.build(result, backtest) if tables is None else tables
    return _render_page(_page_context(result, tables, backtest), chart_list)


def _markdown_text(result: RunResult, tables: ReportTables) -> str:
    """Return ``report.md``'s text from the report's shared tables."""
    return _markdown.markdown_report(
        result,
        tables.summary,
        tables.quarterly,
        tables.annual,
        tables.probabilities,
        tables.shown,
    )


def _labelled(result: RunResult, frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with ``scenario_title`` and ``unit`` columns (for the workbook)."""
    titles = {s.id: s.title for s in result.scenarios}
    frame = frame.copy()
    if "scenario" in frame.columns and "scenario_title" not in frame.columns:
        frame.insert(list(frame.columns).index("scenario") + 1, "scenario_title",
                     frame["scenario"].map(titles))  # fmt: skip
    if "variable" in frame.columns and "unit" not in frame.columns:
        units = {k: v.unit for k, v in catalog.OUTPUT_VARIABLES.items()}
        frame.insert(
            list(frame.columns).index("variable") + 1, "unit", frame["variable"].map(units)
        )
    return frame


def write_tables(
    result: RunResult,
    out_dir: str | Path,
    *,
    backtest: BacktestEvidence | None = None,
    tables: ReportTables | None = None,
) -> dict[str, Path]:
    """Write the CSV tables and one ``forecast.xlsx`` workbook into ``out_dir``.

    ``backtest`` gives the headline table's forecast record (``headline.csv``); ``tables``
    are the report's shared tables (:class:`ReportTables`, built when not given).
    """
    out = Path(out_dir)
    tables = ReportTables.build(result, backtest) if tables is None else tables
    written = result.write(out)
    headline = tables.headline
    if not headline.empty:
        written["headline"] = out / "headline.csv"
        headline.to_csv(written["headline"], **CSV_OPTIONS)
    written["differences"] = out / "differences.csv"
    result.differences.to_csv(written["differences"], **CSV_OPTIONS)
    periods = {
        "quarterly": tables.quarterly,
        "annual": tables.annual,
        "probabilities": tables.probabilities,
    }
    for name, frame in periods.items():
        written[name] = out / f"{name}.csv"
        frame.to_csv(written[name], **CSV_OPTIONS)
    resolved = _resolved(result)
    scenarios = pd.DataFrame(
        [
            {"scenario": s.id, "key": key, "value": value}
            for s in result.scenarios
            for key, value in [("title", s.title), *_scenario_rows(s, resolved)]
        ]
    )
    data = result.data.assign(written_at=lambda f: pd.to_datetime(f["written_at"], utc=True))
    sheets = {
        **({"headline": headline} if not headline.empty else {}),
        "summary": _labelled(result, result.summary),
        "annual": periods["annual"],
        "quarterly": periods["quarterly"],
        "probabilities": periods["probabilities"],
        "paths": _labelled(result, result.paths),
        "differences": _labelled(result, result.differences),
        "scenarios": scenarios,
        "assumptions": result.assumptions,
        "data": data,
        "notes": pd.DataFrame({"note": list(result.notes)}),
        "run": _xlsx.run_sheet(result),
    }
    written["xlsx"] = _xlsx.write_workbook(out / "forecast.xlsx", sheets)
    return written


FORMULA_STARTS = _xlsx.FORMULA_STARTS
"""A text cell starting with one of these is written as text, never as a formula."""
_cells_as_text = _xlsx.cells_as_text


def write_report(
    result: RunResult,
    out_dir: str | Path,
    *,
    backtest: BacktestEvidence | None = None,
    workers: ChartWorkers | None = None,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write ``report.html`` and the tables into ``out_dir`` (created if needed).

    Parameters
    ----------
    result
        The run.
    out_dir
        The folder.
    backtest
        A finished backtest to show in the report's evaluation section.
    workers
        Chart workers started before the run (:class:`ChartWorkers`, still open); by
        default the charts' workers are forked here and shut down before returning.
    progress
        Told how many of the charts are drawn (``"drawing charts"``, with counts).

    Returns
    -------
    dict
        File kind -> path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _ChartJob(_main_specs(result), worker_count(None), workers) as job:
        # the workers draw while this process computes the sensitivity grid (its two charts
        # follow), the tables once (ReportTables), writes them and the Markdown, and fills
        # the page's context (the SVAR sensitivity grid too)
        job.add(_sensitivity_specs(result))
        tables = ReportTables.build(result, backtest)
        written = write_tables(result, out, backtest=backtest, tables=tables)
        written["markdown"] = out / "report.md"
        written["markdown"].write_text(_markdown_text(result, tables), encoding="utf-8")
        page = _page_context(result, tables, backtest, workers)
        _template()  # compiled while they draw, too
        chart_list = _charts(job.specs, job.results(progress))
    write_chart_files(chart_list, out / "charts")
    written["charts"] = out / "charts"
    html = _render_page(page, chart_list)
    written["html"] = out / "report.html"
    written["html"].write_text(html, encoding="utf-8")
    written["markdown"] = written.pop("markdown")  # listed last, as before
    return written


def write_chart_files(chart_list: list[Chart], folder: Path) -> dict[str, Path]:
    """Write every chart as ``<id>.png`` and ``<id>.svg`` into ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for chart in chart_list:
        for kind, content in (("png", chart.png), ("svg", chart.svg)):
            path = folder / f"{chart.id}.{kind}"
            path.write_bytes(content)
            written[f"chart_{chart.id}_{kind}"] = path
    return written
