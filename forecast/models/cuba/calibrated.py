"""Cuba channel, first version: a calibrated (not estimated) model of Cuba's GDP and oil gap.

What the model says
-------------------
Cuba imports most of its oil, and Venezuela's shipments are concessional (paid in services, not
in dollars). When Venezuelan barrels stop, Cuba either goes without them or buys them at the
market price. The model turns the barrels lost in each year into:

* **a GDP level effect**: ``-elasticity * gap_pct``, where ``gap_pct`` is the unreplaced loss
  as a per cent of Cuba's oil needs and ``elasticity`` is the cumulative per cent of GDP lost
  per 1 % of needs lost without replacement. The effect is phased in: a share
  :data:`FIRST_YEAR_SHARE` of the level effect of a year's gap lands in that year and the rest
  in the next; a gap that persists keeps its full level effect, a gap that closes is undone
  with the same lag;
* **an import-bill drag**: the replaced barrels cost ``replaced_kbd * 1000 * days * Brent``
  US$ a year; the drag on the GDP level in that year is :data:`IMPORT_BILL_PASS_THROUGH` times
  that bill as a per cent of a round dollar GDP (:data:`GDP_USD_M`);
* **accounting channels**: the oil supply gap in kb/d and as a per cent of needs, the extra
  import bill, and the electricity generation at risk (:mod:`forecast.models.cuba.accounting`,
  shared with the econometric model).

Growth is computed in levels: the GDP level relative to a no-loss path is
``R_t = (1 - elasticity * phased_gap_pct_t / 100) * (1 - drag_pct_t / 100)`` with
``R_{-1} = 1``, and growth is ``g_t = b_t + (1 + b_t / 100) * (R_t / R_{t-1} - 1) * 100``
where ``b_t`` is the baseline (no-loss) growth draw. With no loss ``R_t = 1`` exactly, so the
growth draws are exactly the baseline draws.

How it is calibrated
--------------------
The elasticity comes from two episodes only (see :func:`calibrate`):

* the **Special Period** (1989-93): Soviet deliveries fell from 13.3 to 1.8 Mt a year (about
  267 to 36 kb/d, 86 % of Cuba's supply) and real GDP fell by about 35 %: about 0.40 % of GDP
  per 1 % of needs lost. All of Cuba's Soviet trade collapsed at the same time, so this value
  attributes to oil what was partly a wider trade shock;
* the **Venezuelan decline** (measured 2019-24): shipments fell from about 77 to 32 kb/d (about
  36 % of needs) and real GDP fell by about 11 %; COVID, the collapse of tourism and tighter
  sanctions overlapped, and half of the fall is attributed to oil: about 0.15.

The elasticity is drawn from a lognormal whose median is the geometric mean of the episode
values and whose 10th and 90th percentiles are the two episode values (so its 5-95 % range
covers both with a margin). This is a judgement range built on two data points, not a
statistical estimate; a later version estimates the channel econometrically.

The fact tables are read by :mod:`forecast.models.cuba.data` (shipments, deliveries, GDP) and
here (oil balance, electricity); the notes are written by :mod:`forecast.models.cuba.notes`.

Everything here is a pure function of frames, numbers and a :class:`numpy.random.Generator`;
nothing reads files.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from forecast._arrays import check_count, frozen
from forecast.errors import EstimationError
from forecast.models.cuba import notes
from forecast.models.cuba.accounting import BAD_SHAPE, LEVEL_FLOOR, scenario_accounts, start_level
from forecast.models.cuba.data import (
    BAD_VALUE,
    BARRELS_PER_TONNE,
    GDP_TABLE,
    LEVEL_BASE_YEAR,
    SHIPMENTS_TABLE,
    SPECIAL_TABLE,
    TOO_FEW_ROWS,
    annual_shipments_kbd,
    gdp_growth_series,
    require_columns,
    soviet_deliveries_mt,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from forecast.models.cuba.data import FloatArray

__all__ = [
    "BASELINE_FIRST_YEAR",
    "BASELINE_SKIP_YEARS",
    "FIRST_YEAR_SHARE",
    "GDP_USD_M",
    "IMPORT_BILL_PASS_THROUGH",
    "MIN_ELASTICITY_SIGMA",
    "NEEDS_VARIABLES",
    "OIL_TO_POWER_SHARE",
    "RECENT_END_YEAR",
    "RECENT_OIL_ATTRIBUTION",
    "RECENT_START_YEAR",
    "SPECIAL_PERIOD_OIL_ATTRIBUTION",
    "CalibratedDraws",
    "CalibrationEpisode",
    "CalibrationFigures",
    "CubaCalibration",
    "calibrate",
    "calibration_figures",
    "draw_cuba",
    "project_cuba",
]


# --- assumptions (each one is printed in CubaCalibration.notes) ------------------------------

FIRST_YEAR_SHARE: Final = 0.6
"""Share of a gap's cumulative GDP level effect that lands in the year the gap opens.

The rest lands in the next year. A physical shortage bites at once (blackouts, transport,
idle plants: Cuba holds about 45 days of fuel reserves), while knock-on effects on investment,
supply chains and exports take longer. The Special Period spread its GDP fall over four years,
but the deliveries themselves fell over three; 60/40 is a judgement, not an estimate.
"""

SPECIAL_PERIOD_OIL_ATTRIBUTION: Final = 1.0
"""Share of the 1989-93 GDP fall put down to the loss of Soviet oil (all of it: an upper bound)."""

RECENT_START_YEAR: Final = 2019
"""First year of the recent episode: the last year of high Venezuelan shipments (Reuters/PDVSA)."""

RECENT_END_YEAR: Final = 2024
"""Last year of the recent episode (latest annual shipment and GDP figures)."""

RECENT_OIL_ATTRIBUTION: Final = 0.5
"""Share of the 2019-24 GDP fall attributed to the loss of Venezuelan oil.

COVID (2020 alone: -11 %), the collapse of tourism, tighter US sanctions and the 2021 monetary
reform overlapped with the fall in shipments; half to oil (fuel shortages and blackouts) is a
round, generous split.
"""

MIN_ELASTICITY_SIGMA: Final = 0.25
"""Smallest log standard deviation of the elasticity, should the episodes ever agree."""

BASELINE_FIRST_YEAR: Final = 2016
"""First year of the baseline growth sample (since Venezuelan shipments began to fall)."""

BASELINE_SKIP_YEARS: Final = (2020, 2021)
"""COVID years left out of the baseline growth sample."""

NEEDS_VARIABLES: Final = (
    "cuba_oil_demand",
    "cuba_refined_fuel_demand_prepandemic",
    "cuba_oil_needs",
)
"""Rows of the oil balance table that estimate Cuba's total oil needs (their mean is used)."""

OIL_TO_POWER_SHARE: Final = 0.6
"""Assumed share of Cuba's oil burned for electricity (power plants and generator sets).

It only scales the per-barrel figure ``gwh_per_kbd_burned``; the generation at risk does not
depend on it because unreplaced barrels are assumed to cut every use in proportion.
"""

GDP_USD_M: Final = 100_000.0
"""Cuba's GDP in million US$ used to scale the import bill: a round figure.

World Bank current-US$ GDP (NY.GDP.MKTP.CD) was 100.1, 103.4 and 107.4 bn in 2018-20, at the
official one-peso-per-dollar rate that overstates dollar GDP; the bank publishes no later
value. A smaller dollar GDP would make the import-bill drag larger in proportion.
"""

IMPORT_BILL_PASS_THROUGH: Final = 0.5
"""Per cent of GDP lost per 1 % of GDP of extra oil import bill, in the year it is paid.

Cuba is short of foreign currency, so dollars spent on oil crowd out imported food and inputs;
half of the bill is assumed to come out of output, the rest out of credit, reserves or
consumption imports. A judgement.
"""

# --- message templates --------------------------------------------------------------------------

MISSING_ROW = "{table}: no row for {what}; the Cuba calibration needs it ({why})"
MISSING_YEARS = "{table}: no row for year(s) {years}; the Cuba calibration needs {why}"

_BALANCE = "cuba_oil_balance_estimates"
_ELECTRICITY = "cuba_electricity_generation_onei"

_Z90: Final = NormalDist().inv_cdf(0.9)


# --- result objects ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalibrationEpisode:
    """One historical episode of lost concessional oil and the GDP change that went with it.

    Parameters
    ----------
    name
        Plain-language name, e.g. ``"Special Period"``.
    start_year, end_year
        Years the oil and GDP changes are measured between.
    oil_before_kbd, oil_after_kbd
        Concessional oil supply before and after the loss, kb/d.
    needs_kbd
        Cuba's oil needs the loss is measured against, kb/d.
    gdp_change_pct
        Cumulative real GDP change over the episode, per cent (negative: a fall).
    oil_attribution
        Share of the GDP change attributed to the oil loss (other shocks overlapped).
    """

    name: str
    start_year: int
    end_year: int
    oil_before_kbd: float
    oil_after_kbd: float
    needs_kbd: float
    gdp_change_pct: float
    oil_attribution: float

    @property
    def oil_lost_kbd(self) -> float:
        """Concessional oil lost, kb/d."""
        return self.oil_before_kbd - self.oil_after_kbd

    @property
    def needs_lost_pct(self) -> float:
        """Oil lost as a per cent of needs (treated as unreplaced)."""
        return 100.0 * self.oil_lost_kbd / self.needs_kbd

    @property
    def elasticity(self) -> float:
        """Per cent of GDP lost per 1 % of needs lost: ``-attribution * gdp_change / lost``."""
        return -self.oil_attribution * self.gdp_change_pct / self.needs_lost_pct


@dataclass(frozen=True, slots=True)
class CubaCalibration:
    """The calibrated parameters of the Cuba channel, with the numbers they come from.

    Build it with :func:`calibrate`. Every field is a plain number (or a tuple of them), so the
    calibration can be printed, compared and stored as it is.

    Parameters
    ----------
    episodes
        The episodes the elasticity is calibrated on: Special Period, recent decline.
    elasticity_median
        Median of the lognormal elasticity (per cent of GDP per 1 % of oil needs lost without
        replacement, cumulative): the geometric mean of the episode values.
    elasticity_sigma
        Standard deviation of the log elasticity: the episode values sit at the 10th and 90th
        percentiles.
    first_year_share
        Share of a gap's level effect that lands in the year it opens; the rest in the next.
    baseline_growth_mean_pct, baseline_growth_sd_pct
        Mean and standard deviation of real GDP growth over ``baseline_years``.
    baseline_years
        Years of the baseline growth sample (COVID years left out).
    oil_needs_kbd
        Cuba's oil needs, kb/d: the mean of ``oil_needs_estimates_kbd``.
    oil_needs_estimates_kbd
        The estimates of total needs found in the oil balance table, kb/d.
    generation_year
        Year of the electricity figures used.
    generation_gwh
        Gross electricity generation in ``generation_year``, GWh.
    renewable_share_pct
        Renewable share of generation (latest value in the table), per cent.
    oil_to_power_share
        Assumed share of oil burned for power (:data:`OIL_TO_POWER_SHARE`).
    gdp_usd_m
        Cuba's GDP in million US$, a round figure (:data:`GDP_USD_M`).
    import_bill_pass_through
        Per cent of GDP lost per 1 % of GDP of extra import bill.
    gdp_level_history
        ``(year, index)`` pairs of the real GDP level, ``LEVEL_BASE_YEAR`` = 100, from the base
        year to the last year of the GDP table.
    notes
        Plain-language statements for the report: what the numbers are and how weak they are.
    """

    episodes: tuple[CalibrationEpisode, ...]
    elasticity_median: float
    elasticity_sigma: float
    first_year_share: float
    baseline_growth_mean_pct: float
    baseline_growth_sd_pct: float
    baseline_years: tuple[int, ...]
    oil_needs_kbd: float
    oil_needs_estimates_kbd: tuple[float, ...]
    generation_year: int
    generation_gwh: float
    renewable_share_pct: float
    oil_to_power_share: float
    gdp_usd_m: float
    import_bill_pass_through: float
    gdp_level_history: tuple[tuple[int, float], ...]
    notes: tuple[str, ...] = field(default=())

    def elasticity_quantile(self, q: float) -> float:
        """Return the ``q`` quantile of the elasticity distribution.

        Parameters
        ----------
        q
            Probability in (0, 1).

        Returns
        -------
        float
            ``median * exp(sigma * z_q)``.
        """
        return self.elasticity_median * math.exp(self.elasticity_sigma * NormalDist().inv_cdf(q))

    @property
    def elasticity_mu(self) -> float:
        """Mean of the log elasticity (``log(elasticity_median)``)."""
        return math.log(self.elasticity_median)

    @property
    def oil_fired_generation_gwh(self) -> float:
        """Generation from fossil fuels, all treated as oil-fired, GWh a year."""
        return self.generation_gwh * (1.0 - self.renewable_share_pct / 100.0)

    @property
    def gwh_per_kbd(self) -> float:
        """Generation at risk per kb/d of unreplaced oil, GWh a year.

        Unreplaced barrels cut every use of oil in proportion, so the generation at risk is the
        gap's share of needs times oil-fired generation.
        """
        return self.oil_fired_generation_gwh / self.oil_needs_kbd

    @property
    def gwh_per_kbd_burned(self) -> float:
        """GWh generated a year per kb/d of oil burned for power (a cross-check figure)."""
        return self.oil_fired_generation_gwh / (self.oil_needs_kbd * self.oil_to_power_share)

    @property
    def gdp_level_last(self) -> tuple[int, float]:
        """The last year of the GDP table and its level index (``LEVEL_BASE_YEAR`` = 100)."""
        return self.gdp_level_history[-1]

    def table(self) -> pd.DataFrame:
        """Return the calibration as a tidy table for reports.

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter, value, unit, derivation``, one row per number.
        """
        rows: list[tuple[str, float, str, str]] = []
        for ep in self.episodes:
            key = ep.name.lower().replace(" ", "_")
            span = f"{ep.start_year}-{ep.end_year}"
            rows += [
                (f"{key}_oil_lost_kbd", ep.oil_lost_kbd, "kb/d",
                 f"{ep.oil_before_kbd:.1f} -> {ep.oil_after_kbd:.1f} kb/d, {span}"),
                (f"{key}_needs_lost_pct", ep.needs_lost_pct, "% of needs",
                 f"lost / needs of {ep.needs_kbd:.1f} kb/d"),
                (f"{key}_gdp_change_pct", ep.gdp_change_pct, "%",
                 f"cumulative real GDP change, {span}"),
                (f"{key}_oil_attribution", ep.oil_attribution, "share",
                 "share of the GDP change put down to oil"),
                (f"{key}_elasticity", ep.elasticity, "% GDP per 1% of needs",
                 "-attribution * GDP change / needs lost"),
            ]  # fmt: skip
        rows += [
            ("elasticity_median", self.elasticity_median, "% GDP per 1% of needs",
             "geometric mean of the episode values"),
            ("elasticity_sigma", self.elasticity_sigma, "log sd",
             "episode values at the 10th and 90th percentiles"),
            ("elasticity_q05", self.elasticity_quantile(0.05), "% GDP per 1% of needs",
             "lognormal 5th percentile"),
            ("elasticity_q95", self.elasticity_quantile(0.95), "% GDP per 1% of needs",
             "lognormal 95th percentile"),
            ("first_year_share", self.first_year_share, "share",
             "share of the level effect in the first year; rest in the second"),
            ("baseline_growth_mean_pct", self.baseline_growth_mean_pct, "%",
             f"mean real GDP growth, {notes.run_text(self.baseline_years)}"),
            ("baseline_growth_sd_pct", self.baseline_growth_sd_pct, "pp",
             f"sd of real GDP growth, {notes.run_text(self.baseline_years)}"),
            ("oil_needs_kbd", self.oil_needs_kbd, "kb/d",
             "mean of " + ", ".join(f"{v:g}" for v in self.oil_needs_estimates_kbd)),
            ("oil_fired_generation_gwh", self.oil_fired_generation_gwh, "GWh",
             f"{self.generation_year} generation x (1 - renewable share)"),
            ("gwh_per_kbd", self.gwh_per_kbd, "GWh per kb/d of gap",
             "oil-fired generation / oil needs (proportional cuts)"),
            ("gwh_per_kbd_burned", self.gwh_per_kbd_burned, "GWh per kb/d burned",
             f"cross-check with {self.oil_to_power_share:.0%} of oil burned for power"),
            ("gdp_usd_m", self.gdp_usd_m, "million US$",
             "round World Bank current-US$ GDP, 2018-20"),
            ("import_bill_pass_through", self.import_bill_pass_through, "% GDP per 1% GDP",
             "GDP lost per extra import bill"),
            (f"gdp_level_{self.gdp_level_last[0]}", self.gdp_level_last[1],
             f"index, {LEVEL_BASE_YEAR} = 100", "cumulated real GDP growth"),
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "derivation"])


@dataclass(frozen=True, slots=True, eq=False)
class CalibratedDraws:
    """Per-draw parameters of the calibrated Cuba channel, drawn by :func:`draw_cuba`.

    The arrays are read-only. The same generator state gives the same draws
    whatever the scenario (common random numbers), so scenario differences are not noise.

    Parameters
    ----------
    elasticity
        Shape ``(draws,)``: per cent of GDP lost per 1 % of oil needs lost without replacement.
    baseline_growth_pct
        Shape ``(draws, years)``: real GDP growth with no oil loss, per cent.
    """

    elasticity: FloatArray
    baseline_growth_pct: FloatArray

    def __post_init__(self) -> None:
        if self.elasticity.ndim != 1:
            raise ValueError(
                BAD_SHAPE.format(
                    name="elasticity", shape=self.elasticity.shape, expected="(draws,)"
                )
            )
        expected = (self.elasticity.shape[0], self.baseline_growth_pct.shape[-1])
        if self.baseline_growth_pct.ndim != 2 or self.baseline_growth_pct.shape != expected:
            raise ValueError(
                BAD_SHAPE.format(
                    name="baseline_growth_pct",
                    shape=self.baseline_growth_pct.shape,
                    expected="(draws, years) with the draws of elasticity",
                )
            )

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.elasticity.shape[0])

    @property
    def years(self) -> int:
        """Number of projection years."""
        return int(self.baseline_growth_pct.shape[1])


# --- reading the fact frames --------------------------------------------------------------------


def _years_of(frame: pd.DataFrame, column: str = "date") -> pd.Series:
    """Calendar year of a date column given as strings or datetimes."""
    return pd.to_datetime(frame[column]).dt.year.astype("int64")


def _require_years(series: pd.Series, years: Sequence[int], why: str) -> None:
    missing = [y for y in years if y not in series.index]
    if missing:
        raise EstimationError(MISSING_YEARS.format(table=GDP_TABLE, years=missing, why=why))


def _cumulative_change_pct(growth: pd.Series, first: int, last: int) -> float:
    """Cumulative per cent change of the level from the end of ``first`` to ``last``."""
    years = range(first + 1, last + 1)
    _require_years(growth, years, f"growth in {first + 1}-{last}")
    factor = float(np.prod([1.0 + growth[y] / 100.0 for y in years]))
    return 100.0 * (factor - 1.0)


def _special_period(special_period: pd.DataFrame) -> CalibrationEpisode:
    require_columns(special_period, SPECIAL_TABLE, ("variable", "period", "value"))
    variable = special_period["variable"].astype(str)
    period = special_period["period"].astype(str).str.strip()
    value = pd.to_numeric(special_period["value"]).astype(float)

    tonnes = soviet_deliveries_mt(special_period)
    before_year, after_year = int(tonnes.index[0]), int(tonnes.index[-1])
    to_kbd = BARRELS_PER_TONNE / 365.0 * 1000.0  # Mt/yr -> kb/d
    before, after = float(tonnes.iloc[0]) * to_kbd, float(tonnes.iloc[-1]) * to_kbd
    if not before > after >= 0.0:
        raise EstimationError(
            BAD_VALUE.format(
                table=SPECIAL_TABLE,
                what=f"Soviet deliveries {before_year} -> {after_year} ({before:.0f} -> "
                f"{after:.0f} kb/d)",
                value="not a fall",
                expected="deliveries that fall",
            )
        )

    gdp_rows = value[variable == "cuba_real_gdp_cumulative_change"]
    if gdp_rows.empty:
        raise EstimationError(
            MISSING_ROW.format(
                table=SPECIAL_TABLE,
                what="variable cuba_real_gdp_cumulative_change",
                why="the GDP fall of the Special Period",
            )
        )
    gdp_change = float(gdp_rows.iloc[0])
    span = period[variable == "cuba_real_gdp_cumulative_change"].iloc[0]
    start, _, end = span.partition("-")
    return CalibrationEpisode(
        name="Special Period",
        start_year=int(start) if start.isdigit() else before_year,
        end_year=int(end) if end.isdigit() else after_year,
        oil_before_kbd=before,
        oil_after_kbd=after,
        # Soviet deliveries covered essentially all of Cuba's oil in 1989: they are the needs.
        needs_kbd=before,
        gdp_change_pct=gdp_change,
        oil_attribution=SPECIAL_PERIOD_OIL_ATTRIBUTION,
    )


def _oil_needs(oil_balance: pd.DataFrame) -> tuple[float, ...]:
    require_columns(oil_balance, _BALANCE, ("variable", "value"))
    rows = oil_balance[oil_balance["variable"].astype(str).isin(NEEDS_VARIABLES)]
    if rows.empty:
        raise EstimationError(
            MISSING_ROW.format(
                table=_BALANCE,
                what="any of the variables " + ", ".join(NEEDS_VARIABLES),
                why="Cuba's total oil needs",
            )
        )
    values = pd.to_numeric(rows["value"]).to_numpy(dtype=float) / 1000.0
    if not np.all(values > 0):
        raise EstimationError(
            BAD_VALUE.format(
                table=_BALANCE,
                what="an oil needs estimate",
                value=values.tolist(),
                expected="positive barrels per day",
            )
        )
    return tuple(float(v) for v in values)


def _latest(frame: pd.DataFrame, variable: str, why: str) -> pd.Series:
    """Return the latest-year row of ``variable`` in the electricity table."""
    rows = frame[frame["variable"] == variable]
    if rows.empty:
        raise EstimationError(
            MISSING_ROW.format(table=_ELECTRICITY, what=f"variable {variable}", why=why)
        )
    return rows.sort_values("year").iloc[-1]


def _electricity(electricity: pd.DataFrame) -> tuple[int, float, float]:
    require_columns(electricity, _ELECTRICITY, ("variable", "value"))
    years = (
        pd.to_numeric(electricity["year"]).astype("int64")
        if "year" in electricity.columns
        else _years_of(electricity)
    )
    frame = pd.DataFrame(
        {
            "year": years.to_numpy(),
            "variable": electricity["variable"].astype(str).to_numpy(),
            "value": pd.to_numeric(electricity["value"]).to_numpy(dtype=float),
        }
    )
    latest = _latest(frame, "gross_electricity_generation_total", "the generation oil fuels")
    ren = _latest(
        frame, "renewable_share_of_generation", "the share of generation that is not oil-fired"
    )
    ren_share = float(ren["value"])
    return int(latest["year"]), float(latest["value"]), ren_share


# --- calibration ----------------------------------------------------------------------------------


def calibrate(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    oil_balance: pd.DataFrame,
    electricity: pd.DataFrame,
    *,
    attribution_special_period: float = SPECIAL_PERIOD_OIL_ATTRIBUTION,
    attribution_venezuelan_decline: float = RECENT_OIL_ATTRIBUTION,
    figures: CalibrationFigures | None = None,
) -> CubaCalibration:
    """Calibrate the Cuba channel on the Special Period and the recent Venezuelan decline.

    Steps (each number is kept in the result and printed in its ``notes``):

    * **Oil needs**: the mean of the total-needs estimates in the oil balance table
      (:data:`NEEDS_VARIABLES`; 100, 130 and 137 kb/d in the shipped table).
    * **Special Period**: Soviet deliveries before and after the collapse (earliest and latest
      rows, Mt/yr at :data:`BARRELS_PER_TONNE`), taken as Cuba's needs before it, and the
      cumulative GDP change row of the same table; a share ``attribution_special_period``
      of the fall is put down to oil (default all of it, an upper bound)
    * **Recent decline**: annual shipments (:func:`annual_shipments_kbd`) in
      :data:`RECENT_START_YEAR` and :data:`RECENT_END_YEAR` against the oil needs, and the
      cumulative GDP change between the same years from the growth table; a share
      ``attribution_venezuelan_decline`` (default :data:`RECENT_OIL_ATTRIBUTION`) of it is
      put down to oil. The decline began in 2016, but
      the 2016-18 figures are conservative or year-to-date estimates, shipments were back at
      about 77 kb/d in 2019 and GDP still grew in 2016-18: 2019-24 is the window where both
      series are reported on a comparable (Reuters/PDVSA annual average) basis.
    * **Elasticity**: lognormal with median the geometric mean of the episode values and log sd
      ``ln(max / min) / (2 * z_0.90)`` (at least :data:`MIN_ELASTICITY_SIGMA`): the episode
      values are the 10th and 90th percentiles.
    * **Baseline growth**: mean and standard deviation of real GDP growth from
      :data:`BASELINE_FIRST_YEAR` to the last year of the table, COVID years
      (:data:`BASELINE_SKIP_YEARS`) left out.
    * **GDP level**: real GDP growth cumulated from :data:`LEVEL_BASE_YEAR` (= 100) to the last
      year of the table.
    * **Electricity**: the latest gross generation times one minus the latest renewable share
      (all fossil generation treated as oil-fired), over oil needs: GWh at risk per kb/d of
      unreplaced oil when unreplaced barrels cut every use in proportion.

    Parameters
    ----------
    gdp_growth
        ``cuba_real_gdp_growth_annual`` (``year``, ``real_gdp_growth_pct``).
    special_period
        ``cuba_special_period_1989_1993`` (``variable``, ``period``, ``value``).
    shipments
        ``venezuela_to_cuba_oil_shipments`` (``date``, ``period_type``, ``value_bpd``).
    oil_balance
        ``cuba_oil_balance_estimates`` (``variable``, ``value`` in barrels per day).
    electricity
        ``cuba_electricity_generation_onei`` (``year`` or ``date``, ``variable``, ``value``).
    attribution_special_period, attribution_venezuelan_decline
        Shares (0..1] of each episode's GDP fall put down to oil: named assumptions of the
        scenario files (``[cuba]``), defaults :data:`SPECIAL_PERIOD_OIL_ATTRIBUTION` and
        :data:`RECENT_OIL_ATTRIBUTION`.
    figures
        What :func:`calibration_figures` read from these same tables (with any shares): the
        tables are then not read again, and the numbers are the same.

    Returns
    -------
    CubaCalibration
        The parameters, the numbers they come from and plain-language notes.

    Raises
    ------
    EstimationError
        If a column or a row the calibration needs is missing, or a value cannot be used.

    Examples
    --------
    >>> from forecast import facts  # doctest: +SKIP
    >>> calib = calibrate(*(facts.load(n) for n in (  # doctest: +SKIP
    ...     "cuba_real_gdp_growth_annual", "cuba_special_period_1989_1993",
    ...     "venezuela_to_cuba_oil_shipments", "cuba_oil_balance_estimates",
    ...     "cuba_electricity_generation_onei")))
    >>> round(calib.elasticity_median, 2)  # doctest: +SKIP
    0.25
    """
    if figures is None:
        figures = calibration_figures(
            gdp_growth, special_period, shipments, oil_balance, electricity,
            attribution_special_period=attribution_special_period,
            attribution_venezuelan_decline=attribution_venezuelan_decline,
        )  # fmt: skip
    special = dataclasses.replace(
        figures.special_period, oil_attribution=float(attribution_special_period)
    )
    recent = dataclasses.replace(
        figures.recent, oil_attribution=float(attribution_venezuelan_decline)
    )
    episodes = (special, recent)
    median, sigma = _elasticity(episodes)
    calib = CubaCalibration(
        episodes=episodes,
        elasticity_median=median,
        elasticity_sigma=sigma,
        first_year_share=FIRST_YEAR_SHARE,
        baseline_growth_mean_pct=figures.baseline_growth_mean_pct,
        baseline_growth_sd_pct=figures.baseline_growth_sd_pct,
        baseline_years=figures.baseline_years,
        oil_needs_kbd=figures.oil_needs_kbd,
        oil_needs_estimates_kbd=figures.oil_needs_estimates_kbd,
        generation_year=figures.generation_year,
        generation_gwh=figures.generation_gwh,
        renewable_share_pct=figures.renewable_share_pct,
        oil_to_power_share=OIL_TO_POWER_SHARE,
        gdp_usd_m=GDP_USD_M,
        import_bill_pass_through=IMPORT_BILL_PASS_THROUGH,
        gdp_level_history=figures.gdp_level_history,
    )
    text = notes.calibration_notes(
        calib, wb_check=figures.wb_check, consumption_pct=figures.consumption_pct
    )
    return dataclasses.replace(calib, notes=text)


@dataclass(frozen=True, slots=True)
class CalibrationFigures:
    """What :func:`calibrate` reads from its five tables: nothing here depends on the shares.

    Build it with :func:`calibration_figures`; :func:`calibrate` (and
    :func:`~forecast.models.cuba.econometric.fit_cuba`) take it to calibrate the same tables
    under other attribution shares without reading them again.
    """

    special_period: CalibrationEpisode
    recent: CalibrationEpisode
    baseline_years: tuple[int, ...]
    baseline_growth_mean_pct: float
    baseline_growth_sd_pct: float
    oil_needs_kbd: float
    oil_needs_estimates_kbd: tuple[float, ...]
    generation_year: int
    generation_gwh: float
    renewable_share_pct: float
    gdp_level_history: tuple[tuple[int, float], ...]
    wb_check: float | None
    consumption_pct: float | None


def calibration_figures(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    oil_balance: pd.DataFrame,
    electricity: pd.DataFrame,
    *,
    attribution_special_period: float = SPECIAL_PERIOD_OIL_ATTRIBUTION,
    attribution_venezuelan_decline: float = RECENT_OIL_ATTRIBUTION,
) -> CalibrationFigures:
    """Read the figures :func:`calibrate` needs from its tables (see :func:`calibrate`).

    The episodes carry the attribution shares given (checked as :func:`calibrate` checks
    them); :func:`calibrate` replaces them by its own.

    Raises
    ------
    EstimationError
        If a column or a row the calibration needs is missing, or a value cannot be used.
    """
    growth = gdp_growth_series(gdp_growth)
    needs_estimates = _oil_needs(oil_balance)
    needs = float(np.mean(needs_estimates))
    special = dataclasses.replace(
        _special_period(special_period), oil_attribution=float(attribution_special_period)
    )
    recent = dataclasses.replace(
        _recent_episode(shipments, growth, needs),
        oil_attribution=float(attribution_venezuelan_decline),
    )
    _elasticity((special, recent))  # raises here, in the order calibrate always had
    baseline_years, base_mean, base_sd = _baseline_growth(growth)
    levels = _level_history(growth)
    gen_year, gen_gwh, ren_share = _electricity(electricity)
    wb_check = None
    if all(y in growth.index for y in range(special.start_year + 1, special.end_year + 1)):
        wb_check = _cumulative_change_pct(growth, special.start_year, special.end_year)
    consumption = special_period[
        special_period["variable"].astype(str) == "cuba_oil_consumption_change"
    ]
    consumption_pct = float(consumption["value"].iloc[0]) if not consumption.empty else None
    return CalibrationFigures(
        special_period=special,
        recent=recent,
        baseline_years=baseline_years,
        baseline_growth_mean_pct=base_mean,
        baseline_growth_sd_pct=base_sd,
        oil_needs_kbd=needs,
        oil_needs_estimates_kbd=needs_estimates,
        generation_year=gen_year,
        generation_gwh=gen_gwh,
        renewable_share_pct=ren_share,
        gdp_level_history=levels,
        wb_check=wb_check,
        consumption_pct=consumption_pct,
    )


def _recent_episode(shipments: pd.DataFrame, growth: pd.Series, needs: float) -> CalibrationEpisode:
    """Build the Venezuelan decline: shipments and GDP change between the episode's years.

    The episode runs from :data:`RECENT_START_YEAR` to :data:`RECENT_END_YEAR`, or to the last
    year with both a GDP growth figure and an annual shipment estimate when the tables are cut
    at an earlier as-of month (a historical replay); fewer than two years of it is an error.
    """
    annual = annual_shipments_kbd(shipments).set_index("year")["shipments_kbd"]
    if RECENT_START_YEAR not in annual.index:
        raise EstimationError(
            MISSING_ROW.format(
                table=SHIPMENTS_TABLE,
                what=f"{RECENT_START_YEAR} (no annual or monthly average)",
                why="the shipments of the recent episode",
            )
        )
    known = [y for y in annual.index if y in growth.index and y <= RECENT_END_YEAR]
    end = int(max(known, default=RECENT_START_YEAR))
    if end < RECENT_START_YEAR + 2:
        raise EstimationError(
            MISSING_ROW.format(
                table=SHIPMENTS_TABLE,
                what=f"{RECENT_START_YEAR + 2} (shipments and GDP growth; the last year with both "
                f"is {end})",
                why=f"the recent episode, from {RECENT_START_YEAR}, needs two years of it",
            )
        )
    return CalibrationEpisode(
        name="Venezuelan decline",
        start_year=RECENT_START_YEAR,
        end_year=end,
        oil_before_kbd=float(annual[RECENT_START_YEAR]),
        oil_after_kbd=float(annual[end]),
        needs_kbd=needs,
        gdp_change_pct=_cumulative_change_pct(growth, RECENT_START_YEAR, end),
        oil_attribution=RECENT_OIL_ATTRIBUTION,
    )


def _elasticity(episodes: tuple[CalibrationEpisode, ...]) -> tuple[float, float]:
    """Return median and log sd of the lognormal elasticity (episodes at its 10th/90th)."""
    values = [ep.elasticity for ep in episodes]
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise EstimationError(
            BAD_VALUE.format(
                table="Cuba calibration",
                what="the episode elasticities",
                value=[round(v, 3) for v in values],
                expected="positive: oil lost and GDP falling in every episode",
            )
        )
    low, high = min(values), max(values)
    median = math.sqrt(low * high)
    sigma = max(math.log(high / low) / (2.0 * _Z90), MIN_ELASTICITY_SIGMA)
    return median, sigma


def _baseline_growth(growth: pd.Series) -> tuple[tuple[int, ...], float, float]:
    """Return years, mean and sd of baseline growth (from BASELINE_FIRST_YEAR, no COVID)."""
    last_year = int(growth.index.max())
    baseline_years = tuple(
        y for y in range(BASELINE_FIRST_YEAR, last_year + 1) if y not in BASELINE_SKIP_YEARS
    )
    _require_years(growth, baseline_years, "the recent years for baseline growth")
    if len(baseline_years) < 3:
        raise EstimationError(
            TOO_FEW_ROWS.format(
                table=GDP_TABLE, n=3, what="years for baseline growth", found=len(baseline_years)
            )
        )
    sample = growth.loc[list(baseline_years)].to_numpy(dtype=float)
    return baseline_years, float(sample.mean()), float(sample.std(ddof=1))


def _level_history(growth: pd.Series) -> tuple[tuple[int, float], ...]:
    """Cumulate real GDP growth into a level index, LEVEL_BASE_YEAR = 100."""
    last_year = int(growth.index.max())
    if last_year < LEVEL_BASE_YEAR:
        raise EstimationError(
            MISSING_YEARS.format(
                table=GDP_TABLE, years=[LEVEL_BASE_YEAR], why="the level base year"
            )
        )
    _require_years(growth, range(LEVEL_BASE_YEAR + 1, last_year + 1), "the GDP level index")
    levels = [(LEVEL_BASE_YEAR, 100.0)]
    for year in range(LEVEL_BASE_YEAR + 1, last_year + 1):
        levels.append((year, levels[-1][1] * (1.0 + float(growth[year]) / 100.0)))
    return tuple(levels)


# --- draws and projection ------------------------------------------------------------------------


def draw_cuba(
    calib: CubaCalibration, draws: int, years: int, *, rng: np.random.Generator
) -> CalibratedDraws:
    """Draw the per-draw parameters of the Cuba channel.

    The generator is used in a fixed order whose size depends only on ``draws`` and ``years``:
    ``draws`` normals for the elasticity, ``draws`` for the baseline mean, then
    ``draws * years`` for the yearly baseline shocks. The same seed therefore gives the same
    draws whatever the scenario (common random numbers).

    * elasticity: ``median * exp(sigma * z)``;
    * baseline growth: ``mean + sd / sqrt(n) * z_draw + sd * z_draw_year``: the uncertainty of
      the sample mean (``n`` baseline years), shared by every year of a draw, plus independent
      year-to-year variation.

    Parameters
    ----------
    calib
        The calibration.
    draws
        Number of draws, at least 1.
    years
        Number of projection years, at least 1.
    rng
        The random number generator.

    Returns
    -------
    CalibratedDraws
        ``elasticity`` of shape ``(draws,)`` and ``baseline_growth_pct`` of shape
        ``(draws, years)``.

    Raises
    ------
    ValueError
        If ``draws`` or ``years`` is smaller than 1.
    """
    check_count("draws", draws)
    check_count("years", years)
    z_elasticity = rng.standard_normal(draws)
    z_mean = rng.standard_normal(draws)
    z_year = rng.standard_normal((draws, years))
    elasticity = calib.elasticity_median * np.exp(calib.elasticity_sigma * z_elasticity)
    sd = calib.baseline_growth_sd_pct
    mean_se = sd / math.sqrt(len(calib.baseline_years))
    baseline = calib.baseline_growth_mean_pct + mean_se * z_mean[:, None] + sd * z_year
    return CalibratedDraws(elasticity=frozen(elasticity), baseline_growth_pct=frozen(baseline))


def _bridge_at_baseline(calib: CubaCalibration) -> Callable[[int, float, int], float]:
    """Years between the last year of the GDP table and the projection grow at the baseline mean."""

    def bridge(last_year: int, last_level: float, year: int) -> float:
        return last_level * (1.0 + calib.baseline_growth_mean_pct / 100.0) ** (year - last_year)

    return bridge


def project_cuba(
    calib: CubaCalibration,
    cdraws: CalibratedDraws,
    *,
    years: Sequence[int],
    lost_kbd: npt.ArrayLike,
    replaced_kbd: npt.ArrayLike,
    brent_usd: npt.ArrayLike,
) -> dict[str, FloatArray]:
    """Project Cuba's GDP growth and the oil accounting channels for one scenario.

    Per year ``t`` (consecutive calendar years) and draw ``d``:

    * ``gap_kbd_t = lost_kbd_t - replaced_kbd_t`` and ``gap_pct_t = 100 * gap_kbd_t / needs``
      (capped at 100);
    * phased gap ``p_t = s * gap_pct_t + (1 - s) * gap_pct_{t-1}`` with ``s`` the first-year
      share and ``gap_pct_{-1} = 0`` (the baseline has no loss);
    * import bill ``B_dt = replaced_kbd_t * 1000 * days_t * brent_dt / 1e6`` (million US$) and
      drag ``D_dt = pass_through * 100 * B_dt / gdp_usd_m`` (per cent of GDP);
    * level relative to no loss ``R_dt = (1 - e_d * p_t / 100) * (1 - D_dt / 100)`` (floored at
      0.1, a guard that only binds for extreme draws), ``R_{d,-1} = 1``;
    * growth ``g_dt = b_dt + (1 + b_dt / 100) * (R_dt / R_{d,t-1} - 1) * 100``;
    * level index: the calibration's index for the year before the projection (years between
      the last year of the GDP table and the projection grow at the baseline mean), cumulated
      with ``g``.

    A gap that ends lets GDP recover, so growth in the year after a loss can be higher than
    the baseline; the level never is. With no loss and nothing replaced, ``g`` equals the
    baseline draws exactly.

    Parameters
    ----------
    calib
        The calibration.
    cdraws
        The draws, with as many years as ``years``.
    years
        Consecutive calendar years of the projection, e.g. ``[2026, 2027, 2028]``.
    lost_kbd
        Shape ``(years,)``: Venezuelan barrels lost against the baseline, annual average kb/d.
    replaced_kbd
        Shape ``(years,)``: the part of ``lost_kbd`` that Cuba buys at the market price.
    brent_usd
        Shape ``(draws, years)``: the scenario's annual average Brent per draw, nominal US$/bbl.

    Returns
    -------
    dict of str to numpy.ndarray
        Each of shape ``(draws, years)``: ``cuba_gdp_growth_pct`` (%),
        ``cuba_gdp_level_index`` (``LEVEL_BASE_YEAR`` = 100), ``cuba_oil_supply_gap_kbd``,
        ``cuba_oil_supply_gap_pct`` (% of needs), ``cuba_import_bill_usd_m`` (extra bill,
        million US$ a year) and ``cuba_electricity_at_risk_gwh`` (GWh a year).

    Raises
    ------
    ValueError
        If a shape does not match, a value is negative or not finite, more barrels are
        replaced than lost, or ``years`` are not consecutive.
    """
    year_arr, accounts = scenario_accounts(
        calib,
        cdraws.draws,
        cdraws.years,
        years=years,
        lost_kbd=lost_kbd,
        replaced_kbd=replaced_kbd,
        brent_usd=brent_usd,
    )
    prev_gap = np.concatenate(([0.0], accounts.gap_pct[:-1]))
    share = calib.first_year_share
    phased = share * accounts.gap_pct + (1.0 - share) * prev_gap

    elasticity = cdraws.elasticity[:, None]
    level = (1.0 - elasticity * phased / 100.0) * (1.0 - accounts.drag_pct / 100.0)
    level = np.maximum(level, LEVEL_FLOOR)
    prev_level = np.concatenate((np.ones((cdraws.draws, 1)), level[:, :-1]), axis=1)
    base = cdraws.baseline_growth_pct
    growth = base + (1.0 + base / 100.0) * (level / prev_level - 1.0) * 100.0

    start = start_level(calib, int(year_arr[0]), _bridge_at_baseline(calib))
    index = start * np.cumprod(1.0 + growth / 100.0, axis=1)
    return {
        "cuba_gdp_growth_pct": growth,
        "cuba_gdp_level_index": index,
        **accounts.channels(),
    }
