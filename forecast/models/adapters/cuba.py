"""Cuba's two models as adapters: the econometric model and the calibrated one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.models import cuba
from forecast.models.adapters._base import AdapterBase
from forecast.models.protocol import Assumption

if TYPE_CHECKING:
    from collections.abc import Mapping

    from forecast.models.protocol import CubaChannels, RunContext

BACKCAST_DRAWS = 1000
BACKCAST_YEARS = range(2016, 2025)
"""The backcast's test years (it is fitted on data to 2015), those with data at the as-of."""
NO_BACKCAST = (
    "The Cuba model's backcast is left out: as of {as_of:%Y-%m} no year from {first} on has "
    "the data it needs."
)
DEFAULT_ATTRIBUTION = (
    cuba.calibrated.SPECIAL_PERIOD_OIL_ATTRIBUTION,
    cuba.calibrated.RECENT_OIL_ATTRIBUTION,
)
SENSITIVITY_PRICE = ("restricted_estimate", "accounting", "none")
SENSITIVITY_ATTRIBUTION = ((1.0, 0.5), (1.0, 0.25), (1.0, 0.75), (0.5, 0.5), (0.5, 0.25))
OIL_NEEDS = (
    "cuba_oil_needs_kbd",
    "Cuba oil needs",
    "kb/d",
    "facts: cuba_oil_balance_estimates",
)


def _tables(context: RunContext) -> dict[str, pd.DataFrame]:
    """Return the curated tables both Cuba models read, by their keyword names."""
    facts = context.inputs.facts
    return {
        "gdp_growth": facts["cuba_real_gdp_growth_annual"],
        "special_period": facts["cuba_special_period_1989_1993"],
        "shipments": facts["venezuela_to_cuba_oil_shipments"],
        "oil_balance": facts["cuba_oil_balance_estimates"],
        "electricity": facts["cuba_electricity_generation_onei"],
    }


def _rank(channels: CubaChannels) -> tuple[float, float]:
    """Unreplaced barrels over the horizon, then the mean Brent."""
    gap = float(np.sum(channels.lost_kbd - channels.replaced_kbd))
    return round(gap, 6), float(np.mean(channels.brent_usd))


def _model_inputs(context: RunContext) -> tuple[list[pd.DataFrame], dict[str, Any]]:
    """Return the econometric model's table arguments and its price and CPI keywords."""
    tables = _tables(context)
    names = ("gdp_growth", "special_period", "shipments", "oil_balance", "electricity")
    data = {"prices": annual_prices(context), "cpi": annual_cpi(context)}
    return [tables[name] for name in names], data


def annual_prices(context: RunContext) -> pd.DataFrame:
    """Annual Brent/WTI facts, plus the as-of year's average so far from the data."""
    inputs = context.inputs
    table = inputs.facts["brent_wti_annual_average_usd"]
    year = inputs.as_of.year
    extra = []
    for series_id, benchmark in (("brent_usd", "Brent"), ("wti_usd", "WTI")):
        known = inputs.prices(series_id)
        in_year = known[known["date"].dt.year == year]
        if year not in set(table.loc[table["benchmark"] == benchmark, "year"]) and len(in_year):
            extra.append(
                {
                    "year": year,
                    "benchmark": benchmark,
                    "usd_per_bbl": float(in_year["value"].mean()),
                    "source": f"mean of {series_id} months to {inputs.as_of:%Y-%m}",
                }
            )
    if not extra:
        return table
    return pd.concat([table, pd.DataFrame(extra)], ignore_index=True).astype({"year": "int64"})


def annual_cpi(context: RunContext) -> pd.DataFrame | None:
    """Annual US CPI to the as-of month, or ``None`` (the model then uses a flat deflator)."""
    if "us_cpi" not in context.inputs.series:
        return None
    return cuba.annual_cpi(context.inputs.months("us_cpi"))


class _CubaAdapter(AdapterBase):
    """What both Cuba adapters share: parameters table, projection, oil-needs assumption."""

    fit: Any
    draws: Any
    module: Any
    _variants: dict[tuple[Any, ...], tuple[Any, Any]]

    def _variant(self, channels: CubaChannels) -> tuple[Any, Any]:
        """Return the fit and draws for a scenario's Cuba assumptions (once per assumption)."""
        raise NotImplementedError

    def _finish(self, context: RunContext, calibration: Any) -> None:
        self.name = context.name
        self.notes = tuple(self.fit.notes)
        self.assumptions = (Assumption(OIL_NEEDS[0], OIL_NEEDS[1], calibration.oil_needs_kbd,
                                       OIL_NEEDS[2], OIL_NEEDS[3]),)  # fmt: skip
        self.raw = {"fit": self.fit, "draws": self.draws}

    def project(self, channels: CubaChannels) -> Mapping[str, np.ndarray]:
        """Project every Cuba variable for one scenario's channels."""
        fit, draws = self._variant(channels)
        result: Mapping[str, np.ndarray] = self.module.project_cuba(
            fit, draws, **channels.as_kwargs()
        )
        return result

    @property
    def params(self) -> pd.DataFrame:
        """The fit's parameters as ``model, variable, term, estimate, std_err``."""
        table = self.fit.table()
        frame = pd.DataFrame(
            {
                "term": table["parameter"].astype(str),
                "estimate": pd.to_numeric(table["value"], errors="coerce"),
                "std_err": np.nan,
            }
        )
        return frame.assign(model=self.name, variable="cuba_gdp_growth_pct")[
            ["model", "variable", "term", "estimate", "std_err"]
        ]


class EconometricAdapter(_CubaAdapter):
    """GDP growth regression shrunk towards the calibrated prior, with its backcast."""

    module = cuba

    def __init__(self, context: RunContext) -> None:
        self._context = context
        # what every fit reads, computed once: the tables, annual prices and CPI; then the
        # calibration's figures from the tables (the fits differ in the shares and prior)
        self._inputs = _model_inputs(context)
        self._figures: cuba.CalibrationFigures | None = None
        self._fits: dict[tuple[float, float, bool], cuba.CubaFit] = {}
        self._drawn: dict[tuple[float, float, bool], cuba.PosteriorDraws] = {}
        self._variants = {}
        self._halt: CubaChannels | None = None
        self._base: CubaChannels | None = None
        fit = self._fit(DEFAULT_ATTRIBUTION, double_count=False)
        self.draws = self._draws(DEFAULT_ATTRIBUTION, "restricted_estimate", double_count=False)
        self.fit = cuba.with_drawn_effect(fit, self.draws)
        self._finish(context, self.fit.calibration)
        self.tables = self._methodology(context)

    def _fit(self, attribution: tuple[float, float], *, double_count: bool) -> cuba.CubaFit:
        key = (*attribution, double_count)
        if key not in self._fits:
            args, data = self._inputs
            if self._figures is None:
                self._figures = cuba.calibration_figures(
                    *args[:5],
                    attribution_special_period=attribution[0],
                    attribution_venezuelan_decline=attribution[1],
                )
            first = next(iter(self._fits.values()), None)  # its data serve every assumption
            self._fits[key] = cuba.fit_cuba(
                *args,
                **data,
                attribution_special_period=attribution[0],
                attribution_venezuelan_decline=attribution[1],
                prior="calibrated" if double_count else "special_period",
                dataset=None if first is None else first.dataset,
                figures=self._figures,
            )
        return self._fits[key]

    def _draws(
        self, attribution: tuple[float, float], price_channel: str | float, *, double_count: bool
    ) -> cuba.PosteriorDraws:
        """Draws from the run's ``cuba`` stream (the same numbers for every assumption).

        One draw per fit: a price channel only fixes the price coefficient of those draws
        (:func:`~forecast.models.cuba.with_price_channel`), the same numbers as drawing
        again with the channel.
        """
        key = (*attribution, double_count)
        fit = self._fit(attribution, double_count=double_count)
        if key not in self._drawn:
            context = self._context
            self._drawn[key] = cuba.draw_cuba(
                fit, context.draws, len(context.years), rng=context.rng("cuba")
            )
        return cuba.with_price_channel(fit, self._drawn[key], price_channel)

    def _cached(
        self, price_channel: str | float, attribution: tuple[float, float], *, double_count: bool
    ) -> tuple[Any, Any]:
        key = (price_channel, *attribution, double_count)
        if key not in self._variants:
            fit = self._fit(attribution, double_count=double_count)
            draws = self._draws(attribution, price_channel, double_count=double_count)
            self._variants[key] = (fit, draws)
        return self._variants[key]

    def _variant(self, channels: CubaChannels) -> tuple[Any, Any]:
        self._remember(channels)
        key = (channels.price_channel, *channels.attribution)
        if key == ("restricted_estimate", *DEFAULT_ATTRIBUTION):
            return self.fit, self.draws
        return self._cached(channels.price_channel, channels.attribution, double_count=False)

    def _remember(self, channels: CubaChannels) -> None:
        """Keep the no-loss channels and the largest loss (the full halt) for the sensitivity.

        The largest loss is the one with the most unreplaced barrels, ties going to the higher
        Brent (a halt that also moves world prices); the table is recomputed when it changes.
        """
        gap = float(np.sum(channels.lost_kbd - channels.replaced_kbd))
        changed = False
        if gap <= 0 and self._base is None:
            self._base, changed = channels, self._halt is not None
        elif gap > 0 and (self._halt is None or _rank(channels) > _rank(self._halt)):
            self._halt, changed = channels, self._base is not None
        if changed:
            self.tables = {**self.tables, "cuba_sensitivity": self._sensitivity()}

    def _sensitivity(self) -> pd.DataFrame:
        """Cuba's effect of the full-halt loss under a grid of the Cuba assumptions."""
        halt, base = self._halt, self._base
        if halt is None or base is None:
            return pd.DataFrame()
        year = self._context.inputs.as_of.year
        years = list(halt.years)
        g_i = years.index(year + 1) if year + 1 in years else 0
        l_i = years.index(year + 2) if year + 2 in years else len(years) - 1
        rows = []
        for double_count in (False, True):
            for attribution in SENSITIVITY_ATTRIBUTION:
                for price in SENSITIVITY_PRICE:
                    fit, draws = self._cached(price, attribution, double_count=double_count)
                    shock = cuba.project_cuba(fit, draws, **halt.as_kwargs())
                    none = cuba.project_cuba(fit, draws, **base.as_kwargs())
                    growth = shock["cuba_gdp_growth_pct"] - none["cuba_gdp_growth_pct"]
                    level = 100.0 * (
                        shock["cuba_gdp_level_index"] / none["cuba_gdp_level_index"] - 1.0
                    )
                    rows.append(
                        {
                            "price_channel": price,
                            "attribution_special_period": attribution[0],
                            "attribution_venezuelan_decline": attribution[1],
                            "likelihood": "2019-24 counted twice"
                            if double_count
                            else "prior years left out",
                            "default": (price, attribution, double_count)
                            == ("restricted_estimate", DEFAULT_ATTRIBUTION, False),
                            "growth_year": years[g_i],
                            "growth_effect_pp": float(growth[:, g_i].mean()),
                            "level_year": years[l_i],
                            "level_effect_pct": float(level[:, l_i].mean()),
                            "oil_cumulative": cuba.drawn_oil_effect(draws)["cumulative"],
                        }
                    )
        return pd.DataFrame(rows)

    def _methodology(self, context: RunContext) -> dict[str, pd.DataFrame]:
        """Coefficients, the oil effect and the 2016-24 backcast (the years with data)."""
        tables_out = {
            "cuba_coefficients": self.fit.coefficients,
            "cuba_oil_effect": self.fit.oil_effect,
        }
        frame = self.fit.dataset.frame
        held = set(frame.loc[frame["in_sample"], "year"].astype(int))
        years = [year for year in BACKCAST_YEARS if year in held]
        if not years:
            note = NO_BACKCAST.format(as_of=context.inputs.as_of, first=BACKCAST_YEARS[0])
            self.notes = (*self.notes, note)
            return tables_out
        args, data = self._inputs
        backcast = cuba.backcast(
            *args,
            **data,
            test=years,
            draws=BACKCAST_DRAWS,
            rng=context.rng("backcast"),
            dataset=self.fit.dataset,  # the same tables: only the sample is cut
            figures=self._figures,
        )
        tables_out["cuba_backcast"] = backcast
        tables_out["cuba_backcast_summary"] = cuba.backcast_summary(backcast)
        return tables_out


class CalibratedAdapter(_CubaAdapter):
    """Cuba's calibrated channels (two episodes: the Special Period and 2019-24)."""

    module = cuba.calibrated

    def __init__(self, context: RunContext) -> None:
        self._context = context
        self._variants = {}
        self._figures: cuba.CalibrationFigures | None = None
        self.fit, self.draws = self._calibrated(DEFAULT_ATTRIBUTION)
        self._finish(context, self.fit)

    def _calibrated(self, attribution: tuple[float, float]) -> tuple[Any, Any]:
        if attribution not in self._variants:
            context = self._context
            tables = _tables(context)
            if self._figures is None:  # the tables are read once, whatever the shares
                self._figures = cuba.calibration_figures(
                    **tables,
                    attribution_special_period=attribution[0],
                    attribution_venezuelan_decline=attribution[1],
                )
            fit = cuba.calibrated.calibrate(
                **tables,
                attribution_special_period=attribution[0],
                attribution_venezuelan_decline=attribution[1],
                figures=self._figures,
            )
            draws = cuba.calibrated.draw_cuba(
                fit, context.draws, len(context.years), rng=context.rng("cuba")
            )
            self._variants[attribution] = (fit, draws)
        return self._variants[attribution]

    def _variant(self, channels: CubaChannels) -> tuple[Any, Any]:
        return self._calibrated(channels.attribution)


def setup_econometric(context: RunContext) -> EconometricAdapter:
    """Fit the econometric Cuba model and draw its parameters once for the run."""
    return EconometricAdapter(context)


def setup_calibrated(context: RunContext) -> CalibratedAdapter:
    """Calibrate the Cuba model and draw its parameters once for the run."""
    return CalibratedAdapter(context)
