"""The engine: scenarios in, paths with uncertainty out.

One run, in order (each step a function below):

1. :class:`~forecast.spec.RunSpec` says how to run; the model registry
   (:mod:`forecast.models.registry`) says which models exist and what they need.
2. :func:`read_inputs` reads, once, every series and curated table the chosen models use
   (store, else bundled data) and cuts them at the as-of month: a
   :class:`~forecast.models.protocol.RunInputs`. This is the only I/O of a run.
3. :func:`fit` sets every model up once through its registry factory: the no-outage price
   baseline first, then the price models (which apply their effect to that baseline), then
   Cuba's models. Each draws its parameters once (common random numbers).
4. :meth:`FittedModels.project` pushes every scenario through the same fitted models and
   draws: the difference between a scenario and ``baseline`` is then the effect of the shock,
   not simulation noise, and a zero shock gives exactly the baseline. Cuba's models take Brent
   draw by draw from the headline price model.
5. The draws are summarised into the published frames of a :class:`~forecast.results.RunResult`.

Defaults resolved from the curated facts (rules written here and in the report):

* Venezuela's export volume (a scenario's ``outage.volume_kbd`` when not given): the mean of
  the monthly export estimates of the scenario's ``outage.coverage`` (crude by default, or
  crude and products) dated in the 12 months up to the latest one on or before the as-of
  month (``venezuela_oil_exports``). With fewer than :data:`MIN_EXPORT_OBS` crude-only
  estimates in that window, the crude rule falls back to the crude-and-products estimates,
  and the assumption row says so.
* Cuba's baseline Venezuelan shipments: the same rule on the monthly estimates of
  ``venezuela_to_cuba_oil_shipments`` (monthly and approximate monthly averages).
* World supply (the denominator of a loss share): world crude production in the as-of
  month (store series ``world_crude_production_kbd``; crude, like the elasticity studies).
  When the series ends before the as-of month, its level there is a stated conditional
  estimate: the last observed level carried forward (no change). Without the series, a
  stated fallback is used and the report says so.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast import catalog, facts, schemas
from forecast._cpu import one_blas_thread
from forecast.errors import ForecastError
from forecast.models import registry
from forecast.models.protocol import (
    BaselineModel,
    CubaChannels,
    CubaModel,
    PriceModel,
    RunContext,
    RunInputs,
    tell,
)
from forecast.panel import SeriesData, SeriesReader
from forecast.results import RunResult
from forecast.scenarios import (
    Scenario,
    apply_overrides,
    builtin_scenarios,
    cuba_shipments_path,
    outage_path,
    resolve_scenario,
)
from forecast.spec import AS_OF_BAD, RunSpec, check_month
from forecast.store import Store

if TYPE_CHECKING:
    import os

    from forecast._typing import ExportCoverage, ModelKind, PriceBaseline
    from forecast.executors import Executor
    from forecast.grid import Axis, GridResult
    from forecast.models.protocol import Adapter
    from forecast.models.registry import ModelEntry

__all__ = [
    "ExportVolume", "FittedModels", "Progress", "export_volume", "fit", "grid", "read_inputs",
    "run",
]  # fmt: skip

WORLD_CRUDE_FALLBACK_KBD = 81_800.0  # EIA world crude incl. lease condensate, 2023 average
WORLD_SERIES = "world_crude_production_kbd"
MIN_EXPORT_OBS = 8  # crude-only export estimates the crude default volume needs in its window
EXPORT_COVERAGE: dict[ExportCoverage, str] = {
    "crude": "crude",
    "crude_and_products": "crude and products",
}
BASELINE_ID = "baseline"
# Tables every run reads: the default volumes and Cuba's GDP history (charts).
BASE_FACTS = (
    "venezuela_oil_exports",
    "venezuela_to_cuba_oil_shipments",
    "cuba_real_gdp_growth_annual",
)

Progress = Callable[[str], None]  # or a CountingProgress (forecast.models.protocol)

AS_OF_AFTER_DATA = (
    "as-of {as_of:%Y-%m} is after the last {series} observation ({last:%Y-%m}, from {origin}); "
    "import newer data (forecast data import), or pass an earlier --as-of"
)
AS_OF_BEFORE_FACTS = (
    "as-of {as_of:%Y-%m} is before the first monthly estimate in the facts table {table} "
    "({first:%Y-%m}); pass --as-of {first:%Y-%m} or later"
)
NO_PRICES = "no {series} data: neither the store nor the bundled history has it"
MISSING_NEEDS = (
    "the {name} model needs {missing} in the store (import or refresh them), or run without "
    "--model {name}"
)
NOT_RUN = (
    "The {name} model was not run: the store lacks {missing}. The oil price scenarios come "
    "from the other models."
)
SVAR_NOT_RUN = (
    "The structural VAR was not run: the store lacks {missing}. The oil price scenarios come "
    "from the elasticity model alone."
)
BUNDLED_NOTE = (
    "Bundled data used for {names} (the store lacks them): the package's snapshot of real "
    "data to {last:%Y-%m}. Import or refresh current data (forecast data import, forecast "
    "refresh) for a current forecast."
)
WORLD_FALLBACK_NOTE = (
    "World crude production is not in the store: the supply-loss shares use a fixed "
    "{kbd:,.0f} kb/d (EIA, 2023 average)."
)
NOT_ESTIMATED = (
    "The {name} model was not run: it could not be estimated on the data ({reason}). Name it "
    "with --model to see the error."
)
BOTH_SPEC_AND_KEYWORDS = "pass either spec= or the keyword settings ({names}), not both"


def _month(value: str | pd.Timestamp | datetime) -> pd.Timestamp:
    """Return the month start of ``value`` (a string must be ``YYYY-MM``, nothing else)."""
    if isinstance(value, str):
        check_month(value)
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ForecastError(AS_OF_BAD.format(value=value)) from exc
    if pd.isna(stamp):
        raise ForecastError(AS_OF_BAD.format(value=value))
    return stamp.to_period("M").to_timestamp()


def _resolve_scenarios(
    scenarios: Sequence[str | Scenario] | None, overrides: Sequence[str]
) -> tuple[Scenario, ...]:
    chosen = (
        list(builtin_scenarios().values())
        if not scenarios
        else [s if isinstance(s, Scenario) else resolve_scenario(s) for s in scenarios]
    )
    if overrides:
        chosen = [s if s.id == BASELINE_ID else apply_overrides(s, overrides) for s in chosen]
    if not any(s.id == BASELINE_ID for s in chosen):
        chosen.insert(0, builtin_scenarios()[BASELINE_ID])
    chosen.sort(key=lambda s: s.id != BASELINE_ID)  # stable: baseline first, then as given
    ids = [s.id for s in chosen]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ForecastError(f"scenario ids must be unique; repeated: {', '.join(duplicates)}")
    return tuple(chosen)


# -- inputs ------------------------------------------------------------------------------------


def _recent_window(table: pd.DataFrame, rows: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the monthly rows in the 12 months up to the latest one on or before as_of."""
    monthly = table[rows & (table["date"] <= as_of)]
    if monthly.empty:
        return monthly
    latest = monthly["date"].max()
    return monthly[monthly["date"] > latest - pd.DateOffset(months=12)]


def _recent_monthly_mean(table: pd.DataFrame, rows: pd.Series, as_of: pd.Timestamp) -> float:
    """Mean of the monthly values in the 12 months up to the latest one on or before as_of."""
    window = _recent_window(table, rows, as_of)
    if window.empty:
        raise ForecastError(f"no monthly estimate on or before {as_of:%Y-%m} in the facts")
    return float(window["value_bpd"].mean()) / 1000.0


@dataclass(frozen=True, slots=True)
class ExportVolume:
    """A default outage volume and how it was computed (for the assumption row)."""

    kbd: float
    coverage: ExportCoverage
    rule: str


def export_volume(
    exports: pd.DataFrame, as_of: pd.Timestamp, coverage: ExportCoverage
) -> ExportVolume:
    """Venezuela's default outage volume of one coverage, with its rule written out.

    Parameters
    ----------
    exports
        The ``venezuela_oil_exports`` fact table.
    as_of
        The as-of month.
    coverage
        ``"crude"``: the crude-only monthly estimates (falling back to crude and products,
        said in the rule, with fewer than :data:`MIN_EXPORT_OBS` in the window);
        ``"crude_and_products"``: the crude-and-products monthly estimates.

    Returns
    -------
    ExportVolume
        The mean of the window's estimates (kb/d), the coverage used and the rule: how many
        estimates, which months, which sources.

    Raises
    ------
    ForecastError
        If no monthly estimate of the coverage lies on or before the as-of month.
    """
    monthly = exports["period_type"] == "month"
    used: ExportCoverage = coverage
    window = _recent_window(
        exports, monthly & (exports["coverage"] == EXPORT_COVERAGE[used]), as_of
    )
    fallback = ""
    if used == "crude" and len(window) < MIN_EXPORT_OBS:
        fallback = (
            f"fallback: only {len(window)} crude-only monthly estimate(s) in the 12 months to "
            f"{as_of:%Y-%m} (at least {MIN_EXPORT_OBS} needed), so crude and products; "
        )
        used = "crude_and_products"
        window = _recent_window(
            exports, monthly & (exports["coverage"] == EXPORT_COVERAGE[used]), as_of
        )
    if window.empty:
        raise ForecastError(f"no monthly export estimate on or before {as_of:%Y-%m} in the facts")
    months = ", ".join(f"{d:%Y-%m}" for d in window["date"])
    sources = "; ".join(dict.fromkeys(window["source_attribution"]))
    rule = (
        f"{fallback}mean of the {len(window)} monthly {EXPORT_COVERAGE[used]} export estimates "
        f"in the 12 months to the latest on or before {as_of:%Y-%m} ({months}); sources: "
        f"{sources}; facts: venezuela_oil_exports"
    )
    return ExportVolume(float(window["value_bpd"].mean()) / 1000.0, used, rule)


def _default_volumes(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> tuple[float, float]:
    """Venezuela's exports and its shipments to Cuba (kb/d) by the module docstring's rule.

    An as-of month before the first monthly estimate of either table is an error naming the
    table and the earliest month that works.
    """
    shipments = tables["venezuela_to_cuba_oil_shipments"]
    exports = tables["venezuela_oil_exports"]
    rows = {
        "venezuela_oil_exports": exports["period_type"] == "month",
        "venezuela_to_cuba_oil_shipments": shipments["estimate_type"].isin(
            ["monthly_average", "monthly_average_approx"]
        ),
    }
    firsts = {name: tables[name].loc[where, "date"].min() for name, where in rows.items()}
    name, first = max(firsts.items(), key=lambda item: item[1])
    if as_of < first:
        raise ForecastError(AS_OF_BEFORE_FACTS.format(as_of=as_of, table=name, first=first))
    return (
        export_volume(exports, as_of, "crude").kbd,
        _recent_monthly_mean(shipments, rows["venezuela_to_cuba_oil_shipments"], as_of),
    )


def _data_row(data: SeriesData, as_of: pd.Timestamp, today: pd.Timestamp) -> dict[str, Any]:
    spec = catalog.get(data.series_id)
    last = pd.Timestamp(data.last_date)
    period_end = last + (pd.offsets.MonthEnd(0) if spec.frequency == "monthly" else pd.Timedelta(0))
    age_days = int((today - period_end).days)
    return {
        "series_id": data.series_id,
        "title": spec.title,
        "origin": data.origin,
        "source": data.source,
        "vintage_id": data.vintage_id,
        "written_at": data.written_at,
        "first_date": pd.Timestamp(data.first_date),
        "last_date": last,
        "months_before_as_of": (as_of.year - last.year) * 12 + as_of.month - last.month,
        "age_days": age_days,
        "stale": data.origin == "bundled" or age_days > spec.stale_after_days,
        "detail": data.detail,
    }


def _read_prices(
    read: SeriesReader, as_of: str | datetime | None
) -> tuple[dict[str, SeriesData], pd.Timestamp]:
    """Read Brent and WTI (store, else bundled) and fix the as-of month."""
    series: dict[str, SeriesData] = {}
    for series_id in catalog.PRICE_SERIES:
        data = read(series_id)
        if data is None:
            raise ForecastError(NO_PRICES.format(series=series_id))
        series[series_id] = data
    month = _month(as_of) if as_of is not None else pd.Timestamp(series["brent_usd"].last_date)
    for series_id, data in series.items():
        if pd.Timestamp(data.last_date) < month:
            raise ForecastError(
                AS_OF_AFTER_DATA.format(
                    as_of=month, series=series_id, last=pd.Timestamp(data.last_date),
                    origin=data.detail,
                )
            )  # fmt: skip
    return series, month


def _last_closes(
    read: SeriesReader, month: pd.Timestamp
) -> tuple[dict[str, tuple[pd.Timestamp, float]], dict[str, SeriesData]]:
    """Return the last close in the as-of month of each monthly price, and the series used.

    The store's daily spot series come first; without a close in the month there, the monthly
    series of month-end closes (store, else the bundled snapshot) gives it, dated at the end of
    the month.
    """
    closes: dict[str, tuple[pd.Timestamp, float]] = {}
    used: dict[str, SeriesData] = {}
    for series_id, daily_id in catalog.DAILY_CLOSES.items():
        data = read(daily_id, fallback=False)
        if data is not None:
            frame = data.frame
            in_month = frame[
                (frame["date"] >= month) & (frame["date"] < month + pd.DateOffset(months=1))
            ]
            if not in_month.empty:
                last = in_month.iloc[-1]
                closes[series_id] = (pd.Timestamp(last["date"]), float(last["value"]))
                used[daily_id] = data
                continue
        eom_id = catalog.MONTH_END_CLOSES[series_id]
        eom = read(eom_id)
        if eom is None:
            continue
        row = eom.frame[(eom.frame["date"] == month) & eom.frame["value"].notna()]
        if not row.empty:
            closes[series_id] = (month + pd.offsets.MonthEnd(0), float(row["value"].iloc[-1]))
            used[eom_id] = eom
    return closes, used


_CLOSE_IDS = {
    price: (catalog.DAILY_CLOSES[price], catalog.MONTH_END_CLOSES[price])
    for price in catalog.PRICE_SERIES
}


def _world_supply(
    world: SeriesData | None, month: pd.Timestamp
) -> tuple[float, str, SeriesData | None, tuple[str, ...]]:
    """World crude production in the as-of month (observed or carried forward), or the fallback."""
    if world is not None and (world.frame["date"] <= month).any():
        known = world.frame[(world.frame["date"] <= month) & world.frame["value"].notna()]
        last = pd.Timestamp(known["date"].iloc[-1])
        if last == month:
            source = f"world crude production in {month:%Y-%m} (store vintage {world.vintage_id})"
            return float(known["value"].iloc[-1]), source, world, ()
        gap = (month.year - last.year) * 12 + month.month - last.month
        source = (
            f"world crude production in {month:%Y-%m}, estimated: the series ends {last:%Y-%m}, "
            f"{gap} months earlier, and its last level is carried to {month:%Y-%m} (no-change "
            f"estimate; a linear trend over the last 12, 24 or 36 months gives 79-88 mb/d, too "
            f"unstable to use) (store vintage {world.vintage_id})"
        )
        return float(known["value"].iloc[-1]), source, world, ()
    source = "fallback: EIA world crude production, 2023 average (no store data)"
    note = WORLD_FALLBACK_NOTE.format(kbd=WORLD_CRUDE_FALLBACK_KBD)
    return WORLD_CRUDE_FALLBACK_KBD, source, None, (note,)


def _available(
    entries: list[ModelEntry], held: set[str], *, explicit: bool, skipped: dict[str, str]
) -> tuple[list[ModelEntry], list[str]]:
    """Drop the models whose store series are missing (with a note), unless asked for.

    The reason of each model left out goes into ``skipped`` (name -> reason).
    """
    kept, notes = [], []
    for entry in entries:
        missing = [sid for sid in entry.needs if sid not in held]
        if not missing:
            kept.append(entry)
            continue
        if explicit:
            raise ForecastError(MISSING_NEEDS.format(name=entry.name, missing=", ".join(missing)))
        template = SVAR_NOT_RUN if entry.name == "svar" else NOT_RUN
        notes.append(template.format(name=entry.name, missing=", ".join(missing)))
        skipped[entry.name] = f"the store lacks {', '.join(missing)}"
    return kept, notes


def _cut(frame: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """Rows dated before the end of the as-of month (monthly: to the as-of month itself)."""
    return frame[frame["date"] < month + pd.DateOffset(months=1)]


def read_inputs(
    store: Store, spec: RunSpec, entries: Sequence[ModelEntry], today: pd.Timestamp
) -> tuple[RunInputs, list[ModelEntry]]:
    """Read every series and table the models use, once, as of the spec's month.

    Returns the inputs and the models that can run on them (in the order given); a default
    model whose store series are missing is dropped with a note (an error when the user
    named the models).
    """
    wanted = dict.fromkeys(
        sid for e in entries for sid in (*e.needs, *e.uses) if sid != WORLD_SERIES
    )
    closes_ids = [sid for ids in _CLOSE_IDS.values() for sid in ids]
    read = SeriesReader(store, [*catalog.PRICE_SERIES, *wanted, WORLD_SERIES, *closes_ids])
    prices, month = _read_prices(read, spec.as_of)
    optional = {sid: read(sid) for sid in wanted}
    world = read(WORLD_SERIES)
    world_kbd, world_source, world_used, world_notes = _world_supply(world, month)
    held = {sid for sid, data in optional.items() if data is not None}
    held |= {WORLD_SERIES} if world_used is not None else set()
    skipped: dict[str, str] = {}
    kept, notes = _available(list(entries), held, explicit=spec.explicit_models, skipped=skipped)
    used_ids = {sid for e in kept for sid in (*e.needs, *e.uses)}
    series = dict(prices)
    series.update({sid: d for sid, d in optional.items() if d is not None and sid in used_ids})
    if world_used is not None:
        series[WORLD_SERIES] = world_used
    closes, daily = (
        _last_closes(read, month) if spec.price_baseline == "no_change_eom" else ({}, {})
    )
    series.update(daily)
    notes = [*world_notes, *notes]
    bundled = [s for s in series.values() if s.origin == "bundled"]
    if bundled:
        names = ", ".join(s.series_id for s in bundled)
        last = max(s.last_date for s in bundled)
        notes.insert(0, BUNDLED_NOTE.format(names=names, last=last))
    tables = _read_facts([*BASE_FACTS, *(f for e in (*kept, *_fallbacks()) for f in e.facts)])
    ve_exports_kbd, cuba_shipments_kbd = _default_volumes(tables, month)
    tables = {name: facts.known_at(name, table, month) for name, table in tables.items()}  # type: ignore[arg-type]
    inputs = RunInputs(
        as_of=month,
        series={sid: _cut(data.frame, month) for sid, data in series.items()},
        last_closes=closes,
        close_series={
            price: next(sid for sid in daily if sid in _CLOSE_IDS[price]) for price in closes
        },
        world_kbd=world_kbd,
        world_source=world_source,
        ve_exports_kbd=ve_exports_kbd,
        cuba_shipments_kbd=cuba_shipments_kbd,
        facts=tables,
        data=pd.DataFrame([_data_row(s, month, today) for s in series.values()]),
        notes=tuple(notes),
        skipped=skipped,
    )
    return inputs, kept


def _read_facts(names: Sequence[str]) -> dict[str, pd.DataFrame]:
    return {name: facts.load(name) for name in dict.fromkeys(names)}  # type: ignore[arg-type]


def _fallbacks() -> tuple[ModelEntry, ...]:
    return tuple(e for e in registry.entries("price") if e.fallback)


# -- fitting -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class FittedModels:
    """Every model of a run, set up once; each scenario goes through the same draws.

    Attributes
    ----------
    spec
        The run's settings (with the seed resolved).
    inputs
        What the run read.
    baseline
        The no-outage price model.
    price
        Price models run, in registry order (headline first).
    cuba
        Cuba models run, in registry order.
    chain
        The price model whose Brent draws feed Cuba's models (the headline, or the
        registry's fallback price model when the run has none).
    models
        Names of the models run, in the order asked for.
    notes
        The inputs' notes and every model's, in run order.
    skipped
        Default models left out (missing series, not estimable on these data): name -> reason.
    """

    spec: RunSpec
    inputs: RunInputs
    baseline: BaselineModel
    price: dict[str, PriceModel]
    cuba: dict[str, CubaModel]
    chain: PriceModel
    models: tuple[str, ...]
    notes: tuple[str, ...]
    step: Progress = field(default=lambda _message: None)
    skipped: Mapping[str, str] = field(default_factory=dict)
    _fixed: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)
    _volumes: dict[str, ExportVolume] = field(default_factory=dict, init=False, repr=False)

    def _once(self, name: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Return a copy of a frame no scenario changes (built on the first call, then kept)."""
        if name not in self._fixed:
            self._fixed[name] = build()
        return self._fixed[name].copy()

    @property
    def seed(self) -> int:
        """The seed of every random stream of the run."""
        return int(self.spec.seed or 0)

    @property
    def months(self) -> pd.DatetimeIndex:
        """The projected months."""
        start = self.inputs.as_of + pd.DateOffset(months=1)
        return pd.date_range(start, periods=self.spec.horizon, freq="MS")

    def adapters(self) -> list[Adapter]:
        """Every model of the run: baseline, price models, Cuba models."""
        return [self.baseline, *self.price.values(), *self.cuba.values()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the models' methodology tables by name (the headline model's, when names repeat).

        The same frames the run's result carries (``RunResult.tables``).
        """
        tables: dict[str, pd.DataFrame] = {}
        for adapter in self.adapters():
            for name, table in adapter.tables.items():
                tables.setdefault(name, table)
        return tables

    def project(self, scenarios: Sequence[Scenario]) -> RunResult:
        """Project every scenario (baseline first) and summarise the draws (one BLAS thread)."""
        with one_blas_thread():
            return self._project(scenarios)

    def _project(self, scenarios: Sequence[Scenario]) -> RunResult:
        months, horizon, draws = self.months, self.spec.horizon, self.spec.draws
        years = sorted(set(months.year))
        results: dict[tuple[str, str, str], np.ndarray] = {}
        outages: dict[str, pd.DataFrame] = {}
        for done, scenario in enumerate(scenarios):
            tell(self.step, f"projecting {scenario.id}", done, len(scenarios))
            path = outage_path(
                scenario, self.inputs.as_of, horizon, default_volume_kbd=self._volume(scenario).kbd
            )
            outages[scenario.id] = path
            net = path["net_loss_kbd"].to_numpy(dtype=float)
            results[(scenario.id, "outage", "world_net_supply_loss_kbd")] = np.broadcast_to(
                net, (draws, horizon)
            )
            chained = self.chain.project(net)
            for name, model in self.price.items():
                for series_id, values in (
                    chained if model is self.chain else model.project(net)
                ).items():
                    results[(scenario.id, name, series_id)] = values
            if self.cuba:
                ships = cuba_shipments_path(
                    scenario, self.inputs.as_of, horizon,
                    default_baseline_kbd=self.inputs.cuba_shipments_kbd,
                )  # fmt: skip
                channels = CubaChannels.from_monthly(
                    ships, chained["brent_usd"], months, years,
                    price_channel=scenario.cuba.price_channel,
                    attribution_special_period=scenario.cuba.attribution_special_period,
                    attribution_venezuelan_decline=scenario.cuba.attribution_venezuelan_decline,
                )  # fmt: skip
                for name, cuba_model in self.cuba.items():
                    for variable, values in cuba_model.project(channels).items():
                        results[(scenario.id, name, variable)] = values
        self.step("summarising")
        return self._result(tuple(scenarios), results, outages, months, years)

    def grid(
        self,
        axes: Sequence[str | Axis],
        *,
        scenario: str | Scenario = "venezuela_full_halt",
        sample: int | None = None,
        grid_seed: int | None = None,
        executor: Executor | None = None,
        out: str | os.PathLike[str] | None = None,
        one_at_a_time: bool = True,
        write: bool = True,
        models: Sequence[str] | None = None,
        variables: Sequence[str] | None = None,
    ) -> GridResult:
        """Project a sensitivity grid around ``scenario`` through these models and draws.

        ``axes`` are ``KEY=a,b,c`` or ``KEY=start:stop:n`` items (any scenario field);
        ``sample`` draws a Latin hypercube (seed ``grid_seed``, default the run's seed)
        instead of the full factorial; ``write=False`` keeps the rows in memory, without
        files; ``models`` projects through some of the price models only and ``variables``
        summarises some of their prices only (default all). See :mod:`forecast.grid`.
        """
        from forecast.grid import GridSpec, run_grid

        seed = self.seed if grid_seed is None else grid_seed
        spec = GridSpec.build(scenario, axes, sample=sample, seed=seed)
        with one_blas_thread():  # in this process; worker processes start with one already
            return run_grid(
                self, spec, executor=executor, out=out, one_at_a_time=one_at_a_time,
                progress=self.step, write=write, models=models, variables=variables,
            )  # fmt: skip

    def _result(
        self,
        scenarios: tuple[Scenario, ...],
        results: dict[tuple[str, str, str], np.ndarray],
        outages: dict[str, pd.DataFrame],
        months: pd.DatetimeIndex,
        years: list[int],
    ) -> RunResult:
        year_dates = pd.DatetimeIndex([pd.Timestamp(year=y, month=1, day=1) for y in years])
        dates = {
            v.id: (months if v.frequency == "monthly" else year_dates)
            for v in catalog.OUTPUT_VARIABLES.values()
        }
        diffs = _differences(results)
        differences = _long(diffs, dates)
        differences.insert(
            4,
            "diff_unit",
            differences["variable"].map(lambda v: catalog.OUTPUT_VARIABLES[v].diff_unit),
        )
        differences["diff_unit"] = differences["diff_unit"].astype(str)
        tables = self.tables()
        return RunResult(
            paths=_long(results, dates),
            summary=_summary(diffs, dates),
            differences=differences,
            scenarios=scenarios,
            data=self.inputs.data,
            assumptions=self._once("assumptions", self._assumptions),
            history=self._once("history", lambda: _history(self.inputs)),
            diagnostics=self._once("diagnostics", lambda: _diagnostics(self.adapters())),
            notes=self.notes,
            as_of=self.inputs.as_of,
            horizon=self.spec.horizon,
            draws=self.spec.draws,
            seed=self.seed,
            models=self.models,
            skipped=dict(self.skipped),
            tables=tables,
            raw={
                "draws": results,
                "outages": outages,
                "baseline_fits": self.baseline.raw.get("fits", {}),
                "models": {a.name: a for a in self.adapters()},
                "fitted": self,
                "spec": self.spec,
            },
        )

    def _volume(self, scenario: Scenario) -> ExportVolume:
        """Return the default outage volume of the scenario's coverage (crude unless set).

        One per coverage, computed on first use: every scenario of the run has the same.
        """
        coverage: ExportCoverage = scenario.outage.coverage if scenario.outage else "crude"
        if coverage not in self._volumes:
            exports = self.inputs.facts["venezuela_oil_exports"]
            self._volumes[coverage] = export_volume(exports, self.inputs.as_of, coverage)
        return self._volumes[coverage]

    def _assumptions(self) -> pd.DataFrame:
        """Return the resolved inputs: ``key, name, value, unit, source`` (stable keys)."""
        inputs = self.inputs
        monthly_rule = "mean of monthly estimates in the 12 months to the latest, facts: "
        price_baseline: PriceBaseline = self.spec.price_baseline
        exports = inputs.facts["venezuela_oil_exports"]
        crude = export_volume(exports, inputs.as_of, "crude")
        products = export_volume(exports, inputs.as_of, "crude_and_products")
        rows: list[tuple[str, str, float, str, str]] = [
            ("world_crude_kbd", "World crude supply", inputs.world_kbd, "kb/d",
             inputs.world_source),
            ("ve_exports_kbd", "Venezuela's crude exports (default outage volume)",
             crude.kbd, "kb/d", crude.rule),
            ("ve_exports_products_kbd",
             "Venezuela's crude and product exports (outage.coverage = \"crude_and_products\")",
             products.kbd, "kb/d", products.rule),
            ("cuba_shipments_kbd", "Venezuelan shipments to Cuba (default baseline)",
             inputs.cuba_shipments_kbd, "kb/d", monthly_rule + "venezuela_to_cuba_oil_shipments"),
            ("price_baseline", "No-outage price model", np.nan, price_baseline, "run setting"),
        ]  # fmt: skip
        seen = {row[0] for row in rows}
        for adapter in self.adapters():
            for row in adapter.assumptions:
                if row.key not in seen:
                    seen.add(row.key)
                    rows.append((row.key, row.name, row.value, row.unit, row.source))
        return pd.DataFrame(rows, columns=["key", "name", "value", "unit", "source"])


class _SetUp:
    """Set models up for one run: progress once per message, default models that fail noted."""

    def __init__(
        self,
        base: dict[str, Any],
        *,
        explicit: bool,
        step: Progress,
        on_model: Callable[[Any], None] | None = None,
    ) -> None:
        self.base, self.explicit, self.step, self.on_model = base, explicit, step, on_model
        self.last_message: str | None = None
        self.dropped: list[str] = []
        self.skipped: dict[str, str] = {}

    def __call__(self, entry: ModelEntry, *, required: bool = True) -> Any:
        """Return the model's adapter; ``None`` for a default model that cannot be estimated."""
        if entry.progress and entry.progress != self.last_message:
            self.step(entry.progress)
            self.last_message = entry.progress
        spec: RunSpec = self.base["spec"]
        options = entry.resolve_options(spec.model_options.get(entry.name))
        try:
            adapter = entry.build(RunContext(entry.name, options=options, **self.base))
        except ForecastError as exc:
            # a default model that cannot run on these data (a series it needs for its
            # sample, a weak instrument, no admissible model) is left out, with its reason
            if required or self.explicit:
                raise
            self.dropped.append(NOT_ESTIMATED.format(name=entry.name, reason=exc))
            self.skipped[entry.name] = str(exc)
            return None
        if self.on_model is not None:
            self.on_model(adapter)
        return adapter

    def each(self, kind: ModelKind, names: set[str]) -> dict[str, Any]:
        """Set up the chosen models of one kind, in registry order."""
        models = {}
        for entry in registry.entries(kind):
            if entry.name in names and (model := self(entry, required=False)) is not None:
                models[entry.name] = model
        return models


def fit(
    spec: RunSpec,
    *,
    store: Store | str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    today: pd.Timestamp | None = None,
    on_model: Callable[[Any], None] | None = None,
) -> FittedModels:
    """Read the inputs and set every model of ``spec`` up once (see the module docstring).

    A spec without a seed gets fresh entropy, recorded in ``FittedModels.spec``. A default
    model that cannot be estimated on the data is left out with a note; a model the user
    named raises. BLAS runs on one thread meanwhile (:func:`forecast._cpu.one_blas_thread`:
    small matrices, the same numbers). ``on_model`` is called with each model's adapter as
    soon as it is set up (baseline, price models, Cuba models, in registry order).
    """
    with one_blas_thread():
        return _fit(spec, store=store, progress=progress, today=today, on_model=on_model)


def _fit(
    spec: RunSpec,
    *,
    store: Store | str | os.PathLike[str] | None,
    progress: Progress | None,
    today: pd.Timestamp | None,
    on_model: Callable[[Any], None] | None = None,
) -> FittedModels:
    step = progress or (lambda _message: None)
    spec = spec if spec.seed is not None else spec.with_seed(secrets.randbits(63))
    store = store if isinstance(store, Store) else Store(store)
    today = today if today is not None else pd.Timestamp(datetime.now(UTC).date())
    step("reading data")
    chosen = [registry.get(name) for name in spec.chosen_models]
    inputs, kept = read_inputs(store, spec, chosen, today)
    months = pd.date_range(inputs.as_of + pd.DateOffset(months=1), periods=spec.horizon, freq="MS")
    base: dict[str, Any] = {"inputs": inputs, "spec": spec, "seed": int(spec.seed or 0),
                            "months": months, "step": step}  # fmt: skip
    set_up = _SetUp(base, explicit=spec.explicit_models, step=step, on_model=on_model)
    base["baseline"] = set_up(registry.get(spec.price_baseline))
    names = {e.name for e in kept}
    price: dict[str, PriceModel] = set_up.each("price", names)
    cuba: dict[str, CubaModel] = set_up.each("cuba", names)
    chain = next(iter(price.values()), None) or set_up(_fallbacks()[0])
    inputs = _world_from_fill(inputs, (*price.values(), chain))
    notes = [*inputs.notes, *set_up.dropped]
    skipped = {**inputs.skipped, **set_up.skipped}
    for adapter in (base["baseline"], *price.values(), *cuba.values()):
        notes.extend(adapter.notes)
    return FittedModels(
        spec=spec, inputs=inputs, baseline=base["baseline"], price=price, cuba=cuba, chain=chain,
        models=tuple(e.name for e in kept if e.name in price or e.name in cuba),
        notes=tuple(notes), step=step, skipped=skipped,
    )  # fmt: skip


WORLD_FILL = (
    "world crude production in the as-of month, estimated: the last observed level "
    "({level:,.0f} kb/d) carried over {first:%Y-%m}..{last:%Y-%m} ({months} months) by the "
    "{model} model's ragged-edge fill of production growth (its forecast conditional on the "
    "observed real activity and real price)"
)


def _filled_world_level(adapter: object, last_kbd: float) -> tuple[float, str] | None:
    """World crude production at the as-of month from an SVAR's ragged-edge fill, or None.

    The adapter's ``filled_production`` (months, ``100 Δlog`` growth the fill gave) carries
    the last observed level ``last_kbd`` to the as-of month; ``None`` when the adapter has
    none (not an SVAR, or nothing filled).
    """
    dates, growth = getattr(adapter, "filled_production", (pd.DatetimeIndex([]), np.empty(0)))
    if len(growth) == 0 or len(dates) == 0:
        return None
    level = float(last_kbd * np.exp(np.sum(growth) / 100.0))
    source = WORLD_FILL.format(
        model=getattr(adapter, "name", "svar"), first=dates[0], last=dates[-1],
        months=len(dates), level=last_kbd,
    )  # fmt: skip
    return level, source


def _world_from_fill(inputs: RunInputs, adapters: Sequence[object]) -> RunInputs:
    """World crude supply at the as-of month from the first SVAR's ragged-edge fill.

    When world production ends before the as-of month, the first price model that fills its
    growth (an SVAR, conditional on the observed real activity and price) carries the last
    observed level to the as-of month; every price model then measures a loss against that
    level. Without such a model the last level stays carried forward (:func:`_world_supply`).
    """
    world = inputs.series.get(WORLD_SERIES)
    if world is None or world.empty:
        return inputs
    known = world[world["value"].notna()]
    if known.empty or pd.Timestamp(known["date"].iloc[-1]) >= inputs.as_of:
        return inputs
    last = float(known["value"].iloc[-1])
    for adapter in adapters:
        filled = _filled_world_level(adapter, last)
        if filled is None:
            continue
        kbd, source = filled
        for other in adapters:
            if hasattr(other, "world_kbd"):
                other.world_kbd = kbd
        return dataclasses.replace(inputs, world_kbd=kbd, world_source=source)
    return inputs


# -- aggregation -------------------------------------------------------------------------------


def _differences(
    draws: dict[tuple[str, str, str], np.ndarray],
) -> dict[tuple[str, str, str], np.ndarray]:
    """Per-draw differences from baseline, in each variable's difference unit."""
    out = {}
    for (scenario, model, variable), values in draws.items():
        base = draws.get((BASELINE_ID, model, variable))
        if scenario == BASELINE_ID or base is None:
            continue
        if catalog.OUTPUT_VARIABLES[variable].diff == "pct":
            safe = np.where(base != 0, base, 1.0)
            out[(scenario, model, variable)] = np.where(base != 0, 100.0 * (values / safe - 1), 0)
        else:
            out[(scenario, model, variable)] = values - base
    return out


def _stats(prefix: str, sample: np.ndarray) -> dict[str, float]:
    quantiles = np.quantile(sample, list(schemas.QUANTILES.values()))
    row = {f"{prefix}_mean": float(sample.mean())}
    row.update(
        {f"{prefix}_{q}": float(v) for q, v in zip(schemas.QUANTILES, quantiles, strict=True)}
    )
    return row


def _summary(
    diffs: dict[tuple[str, str, str], np.ndarray], dates: dict[str, pd.DatetimeIndex]
) -> pd.DataFrame:
    """Peak (where the mean difference is largest in size) and cumulative differences."""
    rows = []
    for (scenario, model, variable), diff in diffs.items():
        var = catalog.OUTPUT_VARIABLES[variable]
        peak = int(np.argmax(np.abs(diff.mean(axis=0))))
        cum = diff.sum(axis=1) if var.cumulate == "sum" else diff.mean(axis=1)
        rows.append(
            {
                "scenario": scenario,
                "model": model,
                "variable": variable,
                "diff_unit": var.diff_unit,
                "peak_date": dates[variable][peak],
                **_stats("peak", diff[:, peak]),
                "cum_measure": var.cumulate,
                **_stats("cum", cum),
            }
        )
    frame = pd.DataFrame(rows, columns=list(schemas.SummaryFrame.columns))
    frame["peak_date"] = pd.to_datetime(frame["peak_date"]).astype("datetime64[ns]")
    if frame.empty:
        frame = frame.astype(
            {
                c: "float64"
                for c in frame.columns
                if c.startswith(("peak_q", "peak_m", "cum_q", "cum_me"))
            }
        )
        frame = frame.astype(
            dict.fromkeys(("scenario", "model", "variable", "diff_unit", "cum_measure"), str)
        )
    return frame


def column_quantiles(arrays: Sequence[np.ndarray], probabilities: list[float]) -> list[np.ndarray]:
    """``np.quantile(a, probabilities, axis=0)`` of every ``(draws, width)`` array, in one call.

    A column's quantiles are two of its own order statistics, interpolated elementwise, so
    the quantiles of the arrays side by side are those of each array alone, bit for bit;
    one call saves a call's overhead per array. Arrays of other row counts or dtypes than
    float64 get a call each.
    """
    if len({(a.shape[0], a.dtype) for a in arrays}) != 1 or arrays[0].dtype != np.float64:
        return [np.quantile(a, probabilities, axis=0) for a in arrays]
    stacked = np.concatenate(arrays, axis=1)  # a fresh array: partitioned in place
    found = np.quantile(stacked, probabilities, axis=0, overwrite_input=True)
    ends = np.cumsum([a.shape[1] for a in arrays])
    return [found[:, end - a.shape[1] : end] for a, end in zip(arrays, ends, strict=True)]


def _long(
    draws: dict[tuple[str, str, str], np.ndarray], dates: dict[str, pd.DatetimeIndex]
) -> pd.DataFrame:
    """Stack per-key quantiles into one long frame keyed by scenario, model, variable.

    Per key: the mean and quantiles over draws of every date; the columns are concatenated
    once (no frame per key).
    """
    if not draws:  # e.g. differences of a baseline-only run
        empty = dict.fromkeys(schemas.PATH_COLUMNS, pd.Series(dtype="float64"))
        empty.update({c: pd.Series(dtype=str) for c in ("scenario", "model", "variable")})
        empty["date"] = pd.Series(dtype="datetime64[ns]")
        return pd.DataFrame(empty)
    keys: dict[str, list[str]] = {"scenario": [], "model": [], "variable": []}
    columns: dict[str, list[np.ndarray]] = {"date": [], "mean": []}
    columns.update({name: [] for name in schemas.QUANTILES})
    stamps = {v: d.astype("datetime64[ns]").to_numpy() for v, d in dates.items()}
    quantiles = column_quantiles(list(draws.values()), list(schemas.QUANTILES.values()))
    for ((scenario_id, model, variable), values), qs in zip(draws.items(), quantiles, strict=True):
        width = values.shape[1]
        for name, key in zip(keys, (scenario_id, model, variable), strict=True):
            keys[name].extend([key] * width)
        columns["date"].append(stamps[variable])
        columns["mean"].append(values.mean(axis=0))
        for name, row in zip(schemas.QUANTILES, qs, strict=True):
            columns[name].append(row)
    long = pd.DataFrame(
        {
            **{name: np.array(values, dtype=object) for name, values in keys.items()},
            **{name: np.concatenate(parts) for name, parts in columns.items()},
        }
    )
    for column in keys:
        long[column] = long[column].astype(str)
    return long


# -- the run -----------------------------------------------------------------------------------


def _spec_from(spec: RunSpec | None, settings: dict[str, Any]) -> RunSpec:
    """Return ``spec`` itself, or a spec built from :func:`run`'s keyword settings."""
    given = {k: v for k, v in settings.items() if v is not None}
    if spec is not None:
        if given:
            raise ForecastError(BOTH_SPEC_AND_KEYWORDS.format(names=", ".join(sorted(given))))
        return spec
    identification = given.pop("svar_identification", None)
    if "models" in given:
        given["models"] = tuple(given["models"])
    options = {"svar": {"identification": identification}} if identification else {}
    return RunSpec(**given, model_options=options)


def run(
    scenarios: Sequence[str | Scenario] | None = None,
    *,
    spec: RunSpec | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
    as_of: str | pd.Timestamp | None = None,
    horizon: int | None = None,
    draws: int | None = None,
    seed: int | None = None,
    models: Sequence[str] | None = None,
    price_baseline: PriceBaseline | None = None,
    svar_identification: str | None = None,
    on_model: Callable[[Any], None] | None = None,
) -> RunResult:
    """Project oil prices and Cuba's economy under each scenario.

    Parameters
    ----------
    scenarios
        Built-in ids, paths to TOML files, or :class:`~forecast.scenarios.Scenario` objects.
        Default: every built-in. ``baseline`` is always run (first): differences are taken
        from it.
    spec
        The run's settings as one :class:`~forecast.spec.RunSpec`. Alternatively pass the
        keyword settings below (a thin layer over it), not both.
    store
        Store or store path (default ``$FORECAST_STORE`` or ``data/store/forecast.duckdb``).
    overrides
        ``key=value`` settings applied to every scenario but baseline, e.g.
        ``"outage.volume_kbd=600"``.
    progress
        Called with a short message before each step (the CLI shows it); nothing is printed.
        If it also has a ``count(message, done, total)`` method
        (:class:`~forecast.models.protocol.CountingProgress`), the scenarios are counted
        through it.
    as_of
        The last observed month (``"YYYY-MM"``); projections start the month after. Default:
        the last month of the Brent data. Data after it is ignored.
    horizon
        Months to project (1 to 120; default 24).
    draws
        Simulation draws (100 to 100,000; default 1,000).
    seed
        Seed of every random stream; the same seed gives identical results. Default: fresh
        entropy, recorded in the result so the run can be repeated.
    models
        Price and Cuba model names (see :mod:`forecast.models.registry`); default: the
        registry's defaults (``svar``, ``elasticity``, ``cuba``, ``svar_sign``,
        ``svar_proxy``; a default that cannot run on the data is skipped with a note).
    price_baseline
        The no-outage price model: ``no_change_eom`` (default: the last daily close of the
        as-of month carried forward, which no model beat in the backtest), ``no_change``
        (the monthly average carried forward), ``arima`` or ``ets``.
    svar_identification
        ``recursive`` (Kilian 2009; default) or ``sign`` (Kilian and Murphy 2012); the same
        as ``RunSpec(model_options={"svar": {"identification": ...}})``.
    on_model
        Called with each model's adapter as soon as it is set up, before the scenarios are
        projected (the report starts drawing a model's methodology charts there).

    Returns
    -------
    RunResult
        Paths and summary frames (schema-checked), the scenarios, the data used, the
        assumptions, diagnostics and notes.

    Raises
    ------
    ForecastError
        Bad arguments, unknown scenario or model, or data that cannot support the run.

    Examples
    --------
    >>> import forecast
    >>> result = forecast.run(["venezuela_full_halt"], draws=200, seed=1)  # doctest: +SKIP
    >>> result.headline("brent_usd")[["scenario", "peak_mean"]]  # doctest: +SKIP
    """
    settings = {
        "as_of": as_of, "horizon": horizon, "draws": draws, "seed": seed, "models": models,
        "price_baseline": price_baseline, "svar_identification": svar_identification,
    }  # fmt: skip
    run_spec = _spec_from(spec, settings)
    chosen = _resolve_scenarios(scenarios, overrides)
    fitted = fit(run_spec, store=store, progress=progress, on_model=on_model)
    return fitted.project(chosen)


def grid(
    axes: Sequence[str | Axis],
    *,
    scenario: str | Scenario = "venezuela_full_halt",
    spec: RunSpec | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    sample: int | None = None,
    executor: Executor | None = None,
    out: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> GridResult:
    """Fit the models once and project a sensitivity grid (``fit(...).grid(...)`` in one call).

    ``settings`` are :func:`run`'s keyword settings (``draws``, ``seed``, ``models``...);
    pass them or ``spec``, not both.

    Examples
    --------
    >>> import forecast
    >>> g = forecast.grid(["outage.volume_kbd=300:900:7"], draws=200, seed=1)  # doctest: +SKIP
    >>> g.frame[["outage_volume_kbd", "model", "peak_q50"]]  # doctest: +SKIP
    """
    run_spec = _spec_from(spec, dict(settings))
    fitted = fit(run_spec, store=store, progress=progress)
    return fitted.grid(axes, scenario=scenario, sample=sample, executor=executor, out=out)


def _history(inputs: RunInputs) -> pd.DataFrame:
    """Observed history for charts: prices to the as-of month, Cuba's growth."""
    growth = inputs.facts["cuba_real_gdp_growth_annual"]
    cuba = pd.DataFrame(
        {
            "date": pd.to_datetime(growth["year"].astype(str) + "-01-01").astype("datetime64[ns]"),
            "value": growth["real_gdp_growth_pct"].astype(float),
            "variable": "cuba_gdp_growth_pct",
        }
    )
    prices = [inputs.prices(sid).assign(variable=sid) for sid in catalog.PRICE_SERIES]
    return pd.concat([*prices, cuba], ignore_index=True)[["variable", "date", "value"]]


def _diagnostics(adapters: Sequence[Adapter]) -> pd.DataFrame:
    """Parameters of every model run: ``model, variable, term, estimate, std_err``."""
    frame = pd.concat([a.params for a in adapters], ignore_index=True)
    return frame[["model", "variable", "term", "estimate", "std_err"]]
