"""The engine: scenarios in, paths with uncertainty out.

``run()`` reads the series it needs (store, else bundled data), fits each model once, draws
each model's parameters and baseline paths once, and pushes every scenario through the same
draws (common random numbers): the difference between a scenario and ``baseline`` is then the
effect of the shock, not simulation noise, and a zero shock gives exactly the baseline.

Defaults resolved from the curated facts (rules written here and in the report):

* Venezuela's export volume (a scenario's ``outage.volume_kbd`` when not given): the mean of
  the monthly export estimates dated in the 12 months up to the latest one on or before the
  as-of month (``venezuela_oil_exports``).
* Cuba's baseline Venezuelan shipments: the same rule on the monthly estimates of
  ``venezuela_to_cuba_oil_shipments`` (monthly and approximate monthly averages).
* World supply (the denominator of a loss share): the mean of world crude production over
  the 12 months to the as-of month or its last observation (store series
  ``world_crude_production_kbd``); crude, like the elasticity studies. Without it, a stated
  fallback is used and the report says so.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from forecast import catalog, facts, schemas
from forecast.errors import ForecastError
from forecast.models import cuba, elasticity, svar
from forecast.models.baseline import BaselineMethod, fit_baseline, simulate_baseline
from forecast.panel import SeriesData, read_series
from forecast.results import RunResult
from forecast.scenarios import (
    Scenario,
    apply_overrides,
    builtin_scenarios,
    cuba_shipments_path,
    outage_path,
    resolve_scenario,
)
from forecast.store import Store

if TYPE_CHECKING:
    import os

    from forecast.models.baseline import BaselineFit

__all__ = ["DEFAULT_MODELS", "KNOWN_MODELS", "Progress", "run"]

ModelName = Literal["svar", "elasticity", "cuba", "cuba_calibrated"]
KNOWN_MODELS: dict[str, str] = {
    "svar": "Oil price: structural VAR of the oil market (Kilian 2009), structural scenarios",
    "elasticity": "Oil price: no-outage baseline times the literature supply-loss elasticity",
    "cuba": "Cuba: GDP growth regression with a calibrated prior, plus accounting channels",
    "cuba_calibrated": "Cuba: GDP, oil gap, import bill and power, calibrated on two episodes",
}
DEFAULT_MODELS: tuple[str, ...] = ("svar", "elasticity", "cuba")
SVAR_SERIES = ("world_crude_production_kbd", "kilian_rea", "us_cpi")
PRICE_MODELS, CUBA_MODELS = catalog.PRICE_MODELS, catalog.CUBA_MODELS
PRICE_VARIABLES = ("brent_usd", "wti_usd")
DAILY_SERIES = {"brent_usd": "brent_spot_daily_usd", "wti_usd": "wti_spot_daily_usd"}
WORLD_CRUDE_FALLBACK_KBD = 81_800.0  # EIA world crude incl. lease condensate, 2023 average
BASELINE_ID = "baseline"

Progress = Callable[[str], None]

UNKNOWN_MODEL = "unknown model {name!r}; known models: {known}"
AS_OF_AFTER_DATA = (
    "as-of {as_of:%Y-%m} is after the last {series} observation ({last:%Y-%m}, from {origin}); "
    "import newer data (forecast data import), or pass an earlier --as-of"
)
AS_OF_BAD = "as-of {value!r} is not a month (use YYYY-MM)"
NO_PRICES = "no {series} data: neither the store nor the bundled history has it"

# Independent random streams per model component (spawn keys), the same for every scenario.
_STREAM_PRICE, _STREAM_ELASTICITY, _STREAM_CUBA, _STREAM_BACKCAST = 0, 1, 2, 3
_STREAM_SVAR_BOOT, _STREAM_SVAR_PATHS, _STREAM_SVAR_ROTATIONS = 4, 5, 6
SVARIdentification = Literal["recursive", "sign"]
SVAR_MISSING = (
    "the svar model needs {missing} in the store (import or refresh them), or run without "
    "--model svar"
)


def _month(value: str | pd.Timestamp | datetime) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ForecastError(AS_OF_BAD.format(value=value)) from exc
    if pd.isna(stamp):
        raise ForecastError(AS_OF_BAD.format(value=value))
    return stamp.to_period("M").to_timestamp()


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


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


def _available_models(
    names: tuple[str, ...], inputs: _Inputs, *, explicit: bool
) -> tuple[str, ...]:
    """Drop the SVAR (with a note) when its data are missing, unless it was asked for."""
    if "svar" not in names:
        return names
    missing = [sid for sid in SVAR_SERIES if sid not in inputs.series]
    if not missing:
        return names
    if explicit:
        raise ForecastError(SVAR_MISSING.format(missing=", ".join(missing)))
    inputs.notes.append(
        f"The structural VAR was not run: the store lacks {', '.join(missing)}. The oil "
        "price scenarios come from the elasticity model alone."
    )
    return tuple(n for n in names if n != "svar")


def _resolve_models(models: Sequence[str] | None) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(models or DEFAULT_MODELS))
    for name in chosen:
        if name not in KNOWN_MODELS:
            known = ", ".join(KNOWN_MODELS)
            raise ForecastError(UNKNOWN_MODEL.format(name=name, known=known))
    return chosen


# -- inputs ------------------------------------------------------------------------------------


def _recent_monthly_mean(table: pd.DataFrame, rows: pd.Series, as_of: pd.Timestamp) -> float:
    """Mean of the monthly values in the 12 months up to the latest one on or before as_of."""
    monthly = table[rows & (table["date"] <= as_of)]
    if monthly.empty:
        raise ForecastError(f"no monthly estimate on or before {as_of:%Y-%m} in the facts")
    latest = monthly["date"].max()
    window = monthly[monthly["date"] > latest - pd.DateOffset(months=12)]
    return float(window["value_bpd"].mean()) / 1000.0


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


class _Inputs:
    """Everything read from the store and the facts for one run (I/O happens here only)."""

    def __init__(self, store: Store, as_of: str | pd.Timestamp | None, today: pd.Timestamp) -> None:
        self.notes: list[str] = []
        self.series: dict[str, SeriesData] = {}
        for series_id in PRICE_VARIABLES:
            data = read_series(series_id, store=store)
            if data is None:
                raise ForecastError(NO_PRICES.format(series=series_id))
            self.series[series_id] = data
        brent = self.series["brent_usd"]
        self.as_of = _month(as_of) if as_of is not None else pd.Timestamp(brent.last_date)
        for series_id in PRICE_VARIABLES:
            data = self.series[series_id]
            if pd.Timestamp(data.last_date) < self.as_of:
                raise ForecastError(
                    AS_OF_AFTER_DATA.format(
                        as_of=self.as_of,
                        series=series_id,
                        last=pd.Timestamp(data.last_date),
                        origin=data.detail,
                    )
                )
        self.cpi = read_series("us_cpi", store=store, fallback=False)
        if self.cpi is not None:
            self.series["us_cpi"] = self.cpi
        activity = read_series("kilian_rea", store=store, fallback=False)
        if activity is not None:
            self.series["kilian_rea"] = activity
        self.daily = {
            sid: data
            for sid, daily_id in DAILY_SERIES.items()
            if (data := read_series(daily_id, store=store)) is not None
        }
        world = read_series("world_crude_production_kbd", store=store, fallback=False)
        if world is not None and (world.frame["date"] <= self.as_of).any():
            self.series["world_crude_production_kbd"] = world
            known = world.frame[world.frame["date"] <= self.as_of].tail(12)
            self.world_kbd = float(known["value"].mean())
            self.world_source = (
                f"mean of world crude production {known['date'].iloc[0]:%Y-%m} to "
                f"{known['date'].iloc[-1]:%Y-%m} (store vintage {world.vintage_id})"
            )
        else:
            self.world_kbd = WORLD_CRUDE_FALLBACK_KBD
            self.world_source = "fallback: EIA world crude production, 2023 average (no store data)"
            self.notes.append(
                "World crude production is not in the store: the supply-loss shares use a "
                f"fixed {WORLD_CRUDE_FALLBACK_KBD:,.0f} kb/d (EIA, 2023 average)."
            )
        bundled = [s for s in self.series.values() if s.origin == "bundled"]
        if bundled:
            names = ", ".join(s.series_id for s in bundled)
            self.notes.insert(
                0,
                f"Bundled data used for {names} (the store lacks them): history from the arch "
                f"package, ending {min(s.last_date for s in bundled):%Y-%m}. Import "
                "current data (forecast data import) for a current forecast.",
            )
        self.data = pd.DataFrame([_data_row(s, self.as_of, today) for s in self.series.values()])
        self._read_facts()

    def _read_facts(self) -> None:
        exports = facts.load("venezuela_oil_exports")
        self.ve_exports_kbd = _recent_monthly_mean(
            exports, exports["period_type"] == "month", self.as_of
        )
        shipments = facts.load("venezuela_to_cuba_oil_shipments")
        monthly = shipments["estimate_type"].isin(["monthly_average", "monthly_average_approx"])
        self.cuba_shipments_kbd = _recent_monthly_mean(shipments, monthly, self.as_of)
        self.elasticities = facts.load("oil_market_elasticities")
        self.cuba_tables = {
            "gdp_growth": facts.load("cuba_real_gdp_growth_annual"),
            "special_period": facts.load("cuba_special_period_1989_1993"),
            "shipments": shipments,
            "oil_balance": facts.load("cuba_oil_balance_estimates"),
            "electricity": facts.load("cuba_electricity_generation_onei"),
        }

    def annual_prices(self) -> pd.DataFrame:
        """Annual Brent/WTI facts, plus the as-of year's average so far from the data."""
        table = facts.load("brent_wti_annual_average_usd")
        year = self.as_of.year
        extra = []
        for series_id, benchmark in (("brent_usd", "Brent"), ("wti_usd", "WTI")):
            known = self.prices(series_id)
            in_year = known[known["date"].dt.year == year]
            if year not in set(table.loc[table["benchmark"] == benchmark, "year"]) and len(in_year):
                extra.append(
                    {
                        "year": year,
                        "benchmark": benchmark,
                        "usd_per_bbl": float(in_year["value"].mean()),
                        "source": f"mean of {series_id} months to {self.as_of:%Y-%m}",
                    }
                )
        if not extra:
            return table
        return pd.concat([table, pd.DataFrame(extra)], ignore_index=True).astype({"year": "int64"})

    def annual_cpi(self) -> pd.DataFrame | None:
        """Annual US CPI from the store, or ``None`` (models then use a flat deflator)."""
        if self.cpi is None:
            return None
        frame = self.cpi.frame[self.cpi.frame["date"] <= self.as_of]
        return cuba.annual_cpi(frame)

    def last_close(self, series_id: str) -> tuple[pd.Timestamp, float] | None:
        """Return the last daily close in the as-of month of a monthly price, if any."""
        data = self.daily.get(series_id)
        if data is None:
            return None
        frame = data.frame
        in_month = frame[
            (frame["date"] >= self.as_of) & (frame["date"] < self.as_of + pd.DateOffset(months=1))
        ]
        if in_month.empty:
            return None
        last = in_month.iloc[-1]
        if data.series_id not in self.series:
            self.series[data.series_id] = data
        return pd.Timestamp(last["date"]), float(last["value"])

    def prices(self, series_id: str) -> pd.DataFrame:
        frame = self.series[series_id].frame
        return frame[frame["date"] <= self.as_of].reset_index(drop=True)


class _ElasticitySetup:
    """Price baselines (Brent, WTI) and elasticity draws, shared by every scenario."""

    name = "elasticity"

    def __init__(
        self, inputs: _Inputs, method: BaselineMethod, horizon: int, draws: int, seed: int
    ) -> None:
        self.world_kbd = inputs.world_kbd
        self.fits: dict[str, BaselineFit] = {}
        self.baseline: dict[str, np.ndarray] = {}
        self.anchors: dict[str, tuple[pd.Timestamp, float]] = {}
        for series_id in PRICE_VARIABLES:
            own = method
            close = inputs.last_close(series_id) if method == "no_change_eom" else None
            if method == "no_change_eom" and close is None:
                own = "no_change"
                inputs.notes.append(
                    f"{series_id}: no daily close in {inputs.as_of:%B %Y}, so its no-outage "
                    "path starts from the monthly average instead of the end-of-month price."
                )
            if close is not None:
                self.anchors[series_id] = close
            self.fits[series_id] = fit_baseline(
                inputs.prices(series_id), own, anchor=None if close is None else close[1]
            )
            # The same stream for Brent and WTI: their baseline draws move together.
            self.baseline[series_id] = simulate_baseline(
                self.fits[series_id], horizon, draws, rng=_rng(seed, _STREAM_PRICE)
            )
        self.prior = elasticity.elasticity_prior(inputs.elasticities)
        self.draws = elasticity.draw_elasticities(
            self.prior, draws, rng=_rng(seed, _STREAM_ELASTICITY)
        )

    def prices(self, net_loss_kbd: np.ndarray) -> dict[str, np.ndarray]:
        """Brent and WTI draws under a net supply loss path (kb/d)."""
        impact = elasticity.price_impact(net_loss_kbd / self.world_kbd, self.draws)
        return {sid: elasticity.apply_impact(b, impact) for sid, b in self.baseline.items()}


class _Models:
    """Every model of a run, fitted once; their draws are shared by all scenarios."""

    def __init__(
        self,
        inputs: _Inputs,
        names: tuple[str, ...],
        price_baseline: BaselineMethod,
        horizon: int,
        draws: int,
        years: int,
        seed: int,
        step: Progress,
        svar_identification: SVARIdentification = "recursive",
    ) -> None:
        step(f"fitting the {price_baseline} price baselines")
        self.elastic = _ElasticitySetup(inputs, price_baseline, horizon, draws, seed)
        self.price: dict[str, Any] = {"elasticity": self.elastic}
        self.tables: dict[str, pd.DataFrame] = {}
        if "svar" in names:
            step("estimating the oil-market SVAR and its bootstrap")
            structural = _SVARSetup(inputs, self.elastic.baseline, seed, svar_identification)
            self.price["svar"] = structural
            inputs.notes.extend(structural.notes())
            self.tables.update(structural.methodology_tables())
        step("fitting Cuba's model")
        self.cuba = {
            name: _CubaSetup(name, inputs, draws, years, seed)
            for name in CUBA_MODELS
            if name in names
        }
        if "cuba" in self.cuba:
            self.tables.update(self.cuba["cuba"].methodology_tables(inputs, seed))


class _SVARSetup:
    """The oil-market SVAR fitted once, its bootstrap draws and the as-of state.

    Each scenario's outage becomes the supply shocks that make world production follow it
    (structural scenario); the SVAR's price effect is applied draw by draw to the chosen
    no-outage baseline, so the SVAR and the elasticity model share their baseline and
    differ only in the effect of the shock.
    """

    name = "svar"

    def __init__(
        self,
        inputs: _Inputs,
        baseline: dict[str, np.ndarray],
        seed: int,
        identification: SVARIdentification = "recursive",
    ) -> None:
        series = {sid: inputs.series[sid].frame for sid in SVAR_SERIES}
        cut = {sid: f[f["date"] <= inputs.as_of] for sid, f in series.items()}
        self.dataset = svar.svar_dataset(
            cut["world_crude_production_kbd"],
            cut["kilian_rea"],
            inputs.prices("brent_usd"),
            cut["us_cpi"],
            as_of=inputs.as_of,
        )
        sign = identification == "sign"
        self.fit = svar.fit_svar(
            self.dataset.complete(),
            identification=identification,
            rng=_rng(seed, _STREAM_SVAR_ROTATIONS) if sign else None,
        )
        draws, horizon = next(iter(baseline.values())).shape
        self.paths = draws
        self.draws = svar.bootstrap_svar(self.fit, draws, rng=_rng(seed, _STREAM_SVAR_BOOT))
        filled, _ = svar.fill_ragged_edge(self.fit, self.dataset.frame)
        self.state = filled[-self.fit.lags :]
        self.horizon, self.seed = horizon, seed
        self.baseline = baseline
        self.world_kbd = inputs.world_kbd

    def prices(self, net_loss_kbd: np.ndarray) -> dict[str, np.ndarray]:
        """Brent and WTI draws: the baseline times each draw's SVAR price effect."""
        projection = svar.project_svar(
            self.fit,
            self.draws,
            self.state,
            self.horizon,
            production_level_deviation=np.log1p(-net_loss_kbd / self.world_kbd),
            rng=_rng(self.seed, _STREAM_SVAR_PATHS),
            shocks=False,
            paths=self.paths,
        )
        effect = np.exp(projection.price_effect_pct / 100.0)
        return {sid: base * effect for sid, base in self.baseline.items()}

    def methodology_tables(self) -> dict[str, pd.DataFrame]:
        """Impulse responses, variance and historical decompositions, implied elasticity."""
        response = svar.supply_price_response(self.fit, self.draws)
        return {
            "svar_irf": svar.irf_frame(self.fit, self.draws),
            "svar_fevd": svar.fevd_frame(self.fit, self.draws),
            "svar_hd": svar.historical_decomposition(self.fit),
            "svar_supply_response": response.peak,
        }

    def notes(self) -> tuple[str, ...]:
        """Return what the report must say about the SVAR's data (ragged edge, CPI holes)."""
        filled = "; ".join(self.dataset.filled)
        notes = [*self.dataset.notes, *self.draws.notes]
        if self.fit.identification == "sign":
            notes.append(
                "SVAR identified by sign restrictions with a bound on the impact price "
                "elasticity of oil supply (Kilian and Murphy 2012), not recursively."
            )
        if filled:
            notes.append(
                "SVAR ragged edge: months missing at the end of the sample were filled with "
                f"the forecast conditional on the observed series (Waggoner and Zha): {filled}."
            )
        return tuple(notes)


def _cuba_channels(
    ships: pd.DataFrame, brent: np.ndarray, months: pd.DatetimeIndex, years: list[int]
) -> dict[str, Any]:
    """Annual inputs of the Cuba models from monthly shipments and Brent draws."""
    replaced = ships["replaced_kbd"].to_numpy(dtype=float)
    return {
        "years": years,
        "lost_kbd": _annual(months, ships["lost_kbd"].to_numpy(dtype=float), years),
        "replaced_kbd": _annual(months, replaced, years),
        "brent_usd": _annual_price(months, brent, replaced, years),
    }


class _CubaSetup:
    """One Cuba model fitted once and its parameter draws, shared by every scenario."""

    def __init__(self, name: str, inputs: _Inputs, draws: int, years: int, seed: int) -> None:
        self.name = name
        if name == "cuba":
            tables = inputs.cuba_tables
            self.fit: Any = cuba.fit_cuba(
                tables["gdp_growth"],
                tables["special_period"],
                tables["shipments"],
                tables["oil_balance"],
                tables["electricity"],
                prices=inputs.annual_prices(),
                cpi=inputs.annual_cpi(),
            )
            self.calibration = self.fit.calibration
            self.draws: Any = cuba.draw_cuba(self.fit, draws, years, rng=_rng(seed, _STREAM_CUBA))
            self.notes: tuple[str, ...] = self.fit.notes
        else:
            self.fit = cuba.calibrated.calibrate(**inputs.cuba_tables)
            self.calibration = self.fit
            self.draws = cuba.calibrated.draw_cuba(
                self.fit, draws, years, rng=_rng(seed, _STREAM_CUBA)
            )
            self.notes = self.fit.notes

    def project(self, **channels: Any) -> dict[str, np.ndarray]:
        """Project every Cuba channel for one scenario (see the models' ``project_cuba``)."""
        module: Any = cuba if self.name == "cuba" else cuba.calibrated
        result: dict[str, np.ndarray] = module.project_cuba(self.fit, self.draws, **channels)
        return result

    def methodology_tables(self, inputs: _Inputs, seed: int) -> dict[str, pd.DataFrame]:
        """Return the econometric model's coefficients, oil effect and 2016-24 backcast."""
        tables = inputs.cuba_tables
        backcast = cuba.backcast(
            tables["gdp_growth"],
            tables["special_period"],
            tables["shipments"],
            tables["oil_balance"],
            tables["electricity"],
            prices=inputs.annual_prices(),
            cpi=inputs.annual_cpi(),
            draws=1000,
            rng=_rng(seed, _STREAM_BACKCAST),
        )
        return {
            "cuba_coefficients": self.fit.coefficients,
            "cuba_oil_effect": self.fit.oil_effect,
            "cuba_backcast": backcast,
            "cuba_backcast_summary": cuba.backcast_summary(backcast),
        }

    def table(self) -> pd.DataFrame:
        """Parameters as ``term, estimate, std_err``."""
        table = self.fit.table()
        return pd.DataFrame(
            {
                "term": table["parameter"].astype(str),
                "estimate": pd.to_numeric(table["value"], errors="coerce"),
                "std_err": np.nan,
            }
        )


# -- aggregation -------------------------------------------------------------------------------


def _quantile_frame(draws: np.ndarray, dates: pd.DatetimeIndex) -> pd.DataFrame:
    qs = np.quantile(draws, list(schemas.QUANTILES.values()), axis=0)
    frame = pd.DataFrame({"date": dates.astype("datetime64[ns]"), "mean": draws.mean(axis=0)})
    for name, row in zip(schemas.QUANTILES, qs, strict=True):
        frame[name] = row
    return frame


def _annual(months: pd.DatetimeIndex, monthly_kbd: np.ndarray, years: list[int]) -> np.ndarray:
    """Annual average kb/d over each whole year, counting unprojected months as zero."""
    days = months.days_in_month.to_numpy()
    out = np.zeros(len(years))
    for i, year in enumerate(years):
        mask = months.year == year
        out[i] = (monthly_kbd[mask] * days[mask]).sum() / (366 if calendar.isleap(year) else 365)
    return out


def _annual_price(
    months: pd.DatetimeIndex, price: np.ndarray, weights_kbd: np.ndarray, years: list[int]
) -> np.ndarray:
    """Annual price per draw; weighted by replaced barrels where there are any (import bill)."""
    days = months.days_in_month.to_numpy()
    out = np.empty((price.shape[0], len(years)))
    for i, year in enumerate(years):
        mask = months.year == year
        weight = weights_kbd[mask] * days[mask]
        if weight.sum() <= 0:
            weight = days[mask].astype(float)
        out[:, i] = price[:, mask] @ weight / weight.sum()
    return out


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


def _long(
    draws: dict[tuple[str, str, str], np.ndarray], dates: dict[str, pd.DatetimeIndex]
) -> pd.DataFrame:
    """Stack per-key quantile frames into one long frame keyed by scenario, model, variable."""
    pieces = []
    for (scenario_id, model, variable), values in draws.items():
        frame = _quantile_frame(values, dates[variable])
        frame.insert(0, "variable", variable)
        frame.insert(0, "model", model)
        frame.insert(0, "scenario", scenario_id)
        pieces.append(frame)
    if not pieces:  # e.g. differences of a baseline-only run
        empty = dict.fromkeys(schemas.PATH_COLUMNS, pd.Series(dtype="float64"))
        empty.update({c: pd.Series(dtype=str) for c in ("scenario", "model", "variable")})
        empty["date"] = pd.Series(dtype="datetime64[ns]")
        return pd.DataFrame(empty)
    long = pd.concat(pieces, ignore_index=True)
    for column in ("scenario", "model", "variable"):
        long[column] = long[column].astype(str)
    return long


# -- the run -----------------------------------------------------------------------------------


def run(
    scenarios: Sequence[str | Scenario] | None = None,
    *,
    as_of: str | pd.Timestamp | None = None,
    horizon: int = 24,
    draws: int = 1000,
    seed: int | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    models: Sequence[str] | None = None,
    price_baseline: BaselineMethod = "no_change_eom",
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
    svar_identification: SVARIdentification = "recursive",
) -> RunResult:
    """Project oil prices and Cuba's economy under each scenario.

    Parameters
    ----------
    scenarios
        Built-in ids, paths to TOML files, or :class:`~forecast.scenarios.Scenario` objects.
        Default: every built-in. ``baseline`` is always run (first): differences are taken
        from it.
    as_of
        The last observed month (``"YYYY-MM"``); projections start the month after. Default:
        the last month of the Brent data. Data after it is ignored.
    horizon
        Months to project (1 to 120).
    draws
        Simulation draws (100 to 100,000).
    seed
        Seed of every random stream; the same seed gives identical results. Default: fresh
        entropy, recorded in the result so the run can be repeated.
    store
        Store or store path (default ``$FORECAST_STORE`` or ``data/store/forecast.duckdb``).
    models
        Model names (see :data:`KNOWN_MODELS`); default :data:`DEFAULT_MODELS`.
    price_baseline
        The no-outage price model: ``no_change_eom`` (default: the last daily close of the
        as-of month carried forward, which no model beat in the backtest), ``no_change``
        (the monthly average carried forward), ``arima`` or ``ets``.
    overrides
        ``key=value`` settings applied to every scenario but baseline, e.g.
        ``"outage.volume_kbd=600"``.
    progress
        Called with a short message before each step (the CLI shows it); nothing is printed.
    svar_identification
        ``recursive`` (Kilian 2009; default) or ``sign`` (Kilian and Murphy 2012: sign
        restrictions with a bound on the impact price elasticity of oil supply).

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
    if not 1 <= horizon <= 120:
        raise ForecastError(f"horizon must be between 1 and 120 months, got {horizon}")
    if not 100 <= draws <= 100_000:
        raise ForecastError(f"draws must be between 100 and 100,000, got {draws}")
    step = progress or (lambda _message: None)
    chosen = _resolve_scenarios(scenarios, overrides)
    model_names = _resolve_models(models)
    seed = secrets.randbits(63) if seed is None else int(seed)
    store = store if isinstance(store, Store) else Store(store)
    today = pd.Timestamp(datetime.now(UTC).date())

    step("reading data")
    inputs = _Inputs(store, as_of, today)
    as_of_month = inputs.as_of
    months = pd.date_range(as_of_month + pd.DateOffset(months=1), periods=horizon, freq="MS")
    years = sorted(set(months.year))
    year_dates = pd.DatetimeIndex([pd.Timestamp(year=y, month=1, day=1) for y in years])
    dates = {
        v.id: (months if v.frequency == "monthly" else year_dates)
        for v in catalog.OUTPUT_VARIABLES.values()
    }

    model_names = _available_models(model_names, inputs, explicit=bool(models))
    models_run = _Models(
        inputs,
        model_names,
        price_baseline,
        horizon,
        draws,
        len(years),
        seed,
        step,
        svar_identification=svar_identification,
    )
    price_setups, cuba_models, tables = models_run.price, models_run.cuba, models_run.tables
    price_models = [m for m in PRICE_MODELS if m in model_names]
    chain = price_setups[price_models[0] if price_models else "elasticity"]
    elastic = models_run.elastic

    results: dict[tuple[str, str, str], np.ndarray] = {}
    outages: dict[str, pd.DataFrame] = {}
    for scenario in chosen:
        step(f"projecting {scenario.id}")
        path = outage_path(scenario, as_of_month, horizon, default_volume_kbd=inputs.ve_exports_kbd)
        outages[scenario.id] = path
        net = path["net_loss_kbd"].to_numpy(dtype=float)
        results[(scenario.id, "outage", "world_net_supply_loss_kbd")] = np.broadcast_to(
            net, (draws, horizon)
        )
        prices = {name: setup.prices(net) for name, setup in price_setups.items()}
        for model in price_models:
            for series_id, values in prices[model].items():
                results[(scenario.id, model, series_id)] = values
        if cuba_models:
            ships = cuba_shipments_path(
                scenario, as_of_month, horizon, default_baseline_kbd=inputs.cuba_shipments_kbd
            )
            # Cuba's models take Brent draw by draw from the headline price model.
            channels = _cuba_channels(ships, prices[chain.name]["brent_usd"], months, years)
            for name, setup in cuba_models.items():
                for variable, values in setup.project(**channels).items():
                    results[(scenario.id, name, variable)] = values

    step("summarising")
    diffs = _differences(results)
    paths = _long(results, dates)
    differences = _long(diffs, dates)
    differences.insert(
        4, "diff_unit", differences["variable"].map(lambda v: catalog.OUTPUT_VARIABLES[v].diff_unit)
    )
    differences["diff_unit"] = differences["diff_unit"].astype(str)

    return RunResult(
        paths=paths,
        summary=_summary(diffs, dates),
        differences=differences,
        scenarios=chosen,
        data=inputs.data,
        assumptions=_assumptions(inputs, elastic, cuba_models, price_baseline),
        history=_history(inputs),
        diagnostics=_diagnostics(elastic, cuba_models),
        notes=(*inputs.notes, *(n for setup in cuba_models.values() for n in setup.notes)),
        as_of=as_of_month,
        horizon=horizon,
        draws=draws,
        seed=seed,
        models=model_names,
        tables=tables,
        raw={
            "draws": results,
            "outages": outages,
            "baseline_fits": elastic.fits,
            "elasticity_draws": elastic.draws,
            "cuba": {name: (setup.fit, setup.draws) for name, setup in cuba_models.items()},
        },
    )


def _assumptions(
    inputs: _Inputs,
    elastic: _ElasticitySetup,
    cuba_models: dict[str, _CubaSetup],
    price_baseline: str,
) -> pd.DataFrame:
    """Return the resolved inputs: ``key, name, value, unit, source`` (stable keys)."""
    monthly_rule = "mean of monthly estimates in the 12 months to the latest, facts: "
    rows = [
        ("world_crude_kbd", "World crude supply", inputs.world_kbd, "kb/d", inputs.world_source),
        (
            "ve_exports_kbd",
            "Venezuela's exports (default outage volume)",
            inputs.ve_exports_kbd,
            "kb/d",
            monthly_rule + "venezuela_oil_exports",
        ),
        (
            "cuba_shipments_kbd",
            "Venezuelan shipments to Cuba (default baseline)",
            inputs.cuba_shipments_kbd,
            "kb/d",
            monthly_rule + "venezuela_to_cuba_oil_shipments",
        ),
        ("price_baseline", "No-outage price model", np.nan, price_baseline, "run setting"),
        *(
            (
                f"anchor_{sid}",
                f"{sid}: last daily close, start of the no-outage path",
                close,
                "US$/bbl",
                f"{DAILY_SERIES[sid]} on {day:%Y-%m-%d}",
            )
            for sid, (day, close) in elastic.anchors.items()
        ),
        (
            "price_response_low",
            "Price response per 1% of world supply lost, lowest study",
            float(np.min(elastic.prior.multipliers)),
            "%",
            "facts: oil_market_elasticities",
        ),
        (
            "price_response_high",
            "Price response per 1% of world supply lost, highest study",
            float(np.max(elastic.prior.multipliers)),
            "%",
            "facts: oil_market_elasticities",
        ),
    ]
    for setup in cuba_models.values():
        rows.append(
            (
                "cuba_oil_needs_kbd",
                "Cuba oil needs",
                setup.calibration.oil_needs_kbd,
                "kb/d",
                "facts: cuba_oil_balance_estimates",
            )
        )
        break
    return pd.DataFrame(rows, columns=["key", "name", "value", "unit", "source"])


def _history(inputs: _Inputs) -> pd.DataFrame:
    """Observed history for charts: prices to the as-of month, Cuba's growth."""
    growth = inputs.cuba_tables["gdp_growth"]
    cuba = pd.DataFrame(
        {
            "date": pd.to_datetime(growth["year"].astype(str) + "-01-01").astype("datetime64[ns]"),
            "value": growth["real_gdp_growth_pct"].astype(float),
            "variable": "cuba_gdp_growth_pct",
        }
    )
    prices = [inputs.prices(series_id).assign(variable=series_id) for series_id in PRICE_VARIABLES]
    return pd.concat([*prices, cuba], ignore_index=True)[["variable", "date", "value"]]


def _diagnostics(elastic: _ElasticitySetup, cuba_models: dict[str, _CubaSetup]) -> pd.DataFrame:
    """Parameters of every model run: ``model, variable, term, estimate, std_err``."""
    fits, prior, edraws = elastic.fits, elastic.prior, elastic.draws
    pieces = [
        fit.params.assign(model=f"baseline_{fit.method}", variable=series_id)
        for series_id, fit in fits.items()
    ]
    studies = pd.DataFrame(
        {
            "term": [f"multiplier: {name}" for name in prior.studies],
            "estimate": prior.multipliers,
            "std_err": np.nan,
        }
    )
    drawn = pd.DataFrame(
        {
            "term": ["multiplier, % per 1% lost (draws)", "fade horizon, months (draws)"],
            "estimate": [edraws.multiplier.mean(), edraws.fade_months.mean()],
            "std_err": [edraws.multiplier.std(), edraws.fade_months.std()],
        }
    )
    pieces += [
        studies.assign(model="elasticity", variable="brent_usd"),
        drawn.assign(model="elasticity", variable="brent_usd"),
        *(
            setup.table().assign(model=name, variable="cuba_gdp_growth_pct")
            for name, setup in cuba_models.items()
        ),
    ]
    frame = pd.concat(pieces, ignore_index=True)
    return frame[["model", "variable", "term", "estimate", "std_err"]]
