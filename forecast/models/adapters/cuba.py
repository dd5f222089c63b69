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

    def _finish(self, context: RunContext, calibration: Any) -> None:
        self.name = context.name
        self.notes = tuple(self.fit.notes)
        self.assumptions = (Assumption(OIL_NEEDS[0], OIL_NEEDS[1], calibration.oil_needs_kbd,
                                       OIL_NEEDS[2], OIL_NEEDS[3]),)  # fmt: skip
        self.raw = {"fit": self.fit, "draws": self.draws}

    def project(self, channels: CubaChannels) -> Mapping[str, np.ndarray]:
        """Project every Cuba variable for one scenario's channels."""
        result: Mapping[str, np.ndarray] = self.module.project_cuba(
            self.fit, self.draws, **channels.as_kwargs()
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
        tables = _tables(context)
        self.fit = cuba.fit_cuba(
            tables["gdp_growth"],
            tables["special_period"],
            tables["shipments"],
            tables["oil_balance"],
            tables["electricity"],
            prices=annual_prices(context),
            cpi=annual_cpi(context),
        )
        self.draws = cuba.draw_cuba(
            self.fit, context.draws, len(context.years), rng=context.rng("cuba")
        )
        self._finish(context, self.fit.calibration)
        self.tables = self._methodology(context, tables)

    def _methodology(
        self, context: RunContext, tables: dict[str, pd.DataFrame]
    ) -> dict[str, pd.DataFrame]:
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
        backcast = cuba.backcast(
            tables["gdp_growth"],
            tables["special_period"],
            tables["shipments"],
            tables["oil_balance"],
            tables["electricity"],
            prices=annual_prices(context),
            cpi=annual_cpi(context),
            test=years,
            draws=BACKCAST_DRAWS,
            rng=context.rng("backcast"),
        )
        tables_out["cuba_backcast"] = backcast
        tables_out["cuba_backcast_summary"] = cuba.backcast_summary(backcast)
        return tables_out


class CalibratedAdapter(_CubaAdapter):
    """Cuba's calibrated channels (two episodes: the Special Period and 2019-24)."""

    module = cuba.calibrated

    def __init__(self, context: RunContext) -> None:
        self.fit = cuba.calibrated.calibrate(**_tables(context))
        self.draws = cuba.calibrated.draw_cuba(
            self.fit, context.draws, len(context.years), rng=context.rng("cuba")
        )
        self._finish(context, self.fit)


def setup_econometric(context: RunContext) -> EconometricAdapter:
    """Fit the econometric Cuba model and draw its parameters once for the run."""
    return EconometricAdapter(context)


def setup_calibrated(context: RunContext) -> CalibratedAdapter:
    """Calibrate the Cuba model and draw its parameters once for the run."""
    return CalibratedAdapter(context)
