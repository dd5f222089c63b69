"""Cuba channel, econometric version: GDP growth against the loss of concessional oil.

This is the successor of :mod:`forecast.models.cuba_calibrated` and offers the same
projection interface (:func:`draw_cuba`, :func:`project_cuba`, same output keys), so the
engine can run either.

The model
---------
Annual real GDP growth ``g_t`` (per cent) is regressed by OLS on

* ``supply_change_pct``: the change in concessional oil supply (Soviet/Russian deliveries,
  then Venezuelan shipments) as a share of Cuba's oil needs, ``100 * (S_t - S_{t-1}) / N_t``
  (percentage points of needs; a loss is negative), and its first lag: a loss in year ``t``
  lowers growth in ``t`` and, through the lag, in ``t + 1``; the level effect of a loss that
  lasts is the sum of the two coefficients;
* ``real_price_change_pct``: ``100 * dlog`` of the real Brent price (nominal Brent deflated by
  US CPI);
* ``regime_2016``: a level shift from 2016 (the data demand it: without it the residuals of
  2016-24 average about -1.8 pp), and a one-year dummy for 2020 (COVID); 2021 gets none (its
  residual is inside one standard deviation: there was no rebound to capture).

Robust standard errors are HC3 (MacKinnon and White 1985), the small-sample choice (Long and
Ervin 2000): a few years (the Special Period, 2005-06, 2015) have high leverage and large
residuals. A one-year dummy has leverage 1, where HC3 is undefined: its coefficient is
estimated as that year's residual from the regression without the year (identical to the
dummy regression) and carries the classical standard error. Newey-West (HAC, 1 lag)
standard errors are shown alongside; with about 30 years they are smaller than HC3 and known
to be biased down, so HC3 is the one used.

Prior and posterior
-------------------
The calibrated model's elasticity ``e`` (per cent of GDP lost per 1 % of needs lost,
lognormal) is the cumulative level effect, ``beta_now + beta_lag`` here, and its first-year
share ``s`` (0.6) splits it. The lognormal is replaced by the normal with its mean and sd, and
``(beta_now, beta_lag) = (s e, (1 - s) e)`` gets the prior mean ``(s m, (1 - s) m)`` and the
first-order covariance ``t^2 v v' + m^2 sd_s^2 u u'`` with ``v = (s, 1 - s)``,
``u = (1, -1)``, ``m, t`` the elasticity's mean and sd and ``sd_s`` = :data:`SHARE_SD`. The
OLS estimate, taken as ``N(b, V_HC3)``, is combined with it by the normal-normal
(precision-weighted) rule with a flat prior on every other coefficient (Theil-Goldberger
mixed estimation): ``V_post = (V^-1 + P)^-1``, ``b_post = V_post (V^-1 b + P b_prior)``.

The calibration is built on the Special Period and on 2019-24, years that are also in the
regression. To count the Special Period once, the likelihood comes from the regression that
leaves out 1989-93 (the Special Period enters through the prior only); 2019-24 still enters
twice (the prior puts half of its GDP fall on oil; the regression estimates it), so the
posterior is somewhat too confident. The backcast, which may not use GDP after 2015, takes
its prior from the Special Period alone (:func:`special_period_prior`).

Draws
-----
Coefficients are drawn from the posterior with two sign restrictions: the oil coefficients are
non-negative (losing concessional oil never raises growth) and the price coefficient is
non-positive. The unrestricted price coefficient is positive: in the sample most price moves
came with world demand, which also lifted Cuba's exports, tourism and Venezuela's aid; a
supply-driven rise, which a Venezuelan halt causes, can only hurt an oil importer. The
regression does not identify that response, so the projection's price coefficient is drawn
from the estimate's marginal truncated at zero, independently of the other coefficients
(which keep their unrestricted joint posterior, bar the oil signs). Its mean, about -0.007 pp
per 1 %, matches an accounting cross-check: 50 kb/d bought at market prices, 65 US$/bbl, half
of the extra bill off a 100 bn US$ GDP gives -0.006. The residual sd is drawn from its scaled
inverse chi-square, and each year gets a normal shock.

Channels
--------
The accounting channels (oil supply gap, the extra import bill at the scenario's Brent, the
electricity at risk, and the GDP drag of that bill) come from
:func:`forecast.models.cuba_calibrated.accounting_channels`, so the two
models count them identically. The growth effect of the unreplaced loss comes from the
posterior oil coefficients; replaced barrels are not a loss of supply but cost the import
bill. Projected growth is::

    g_dt = a_d + b_now_d x_t + b_lag_d x_{t-1} + c_d pi_dt + e_dt + drag_dt

with ``x`` the baseline change in concessional supply (observed up to the last year of the
shipments table, zero after: baseline shipments stay flat) minus the change in the
unreplaced gap, and ``pi`` the real change of the scenario's Brent (nominal draws deflated at
:data:`DEFLATOR_INFLATION_PCT` a year). With no loss and nothing replaced the projection is
exactly the baseline for the same Brent draws.

Everything here is a pure function of frames, numbers and a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from forecast import schemas
from forecast.errors import EstimationError
from forecast.models import cuba_calibrated
from forecast.models.cuba_calibrated import (
    BARRELS_PER_TONNE,
    LEVEL_BASE_YEAR,
    CubaCalibration,
    annual_shipments_kbd,
    calibrate,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import pandera.pandas as pa

__all__ = [
    "AGREEMENT_BAND",
    "ALTERNATIVE_ESTIMATES_KBD",
    "COVID_YEAR",
    "DEFLATOR_INFLATION_PCT",
    "HAC_LAGS",
    "INTERPOLATION_WIDENING",
    "MIN_SPREAD_BAND",
    "MONTHLY_MIN_BAND",
    "MULTI_YEAR_BAND",
    "ONE_ESTIMATE_BAND",
    "PARTIAL_YEAR_BAND",
    "REGIME_START",
    "SHARE_SD",
    "SPECIAL_PERIOD",
    "CoefficientPrior",
    "CubaDataset",
    "CubaDraws",
    "CubaFit",
    "annual_cpi",
    "backcast",
    "backcast_summary",
    "calibrated_prior",
    "cuba_dataset",
    "dataset_schema",
    "draw_cuba",
    "fit_cuba",
    "project_cuba",
    "reconcile_shipments",
    "special_period_prior",
]

FloatArray = npt.NDArray[np.float64]
LikelihoodSample = Literal["without_special_period", "full"]
PriorSource = Literal["calibrated", "special_period"]

# --- assumptions (each one is stated in the notes) --------------------------------------------

SPECIAL_PERIOD: Final = (1989, 1993)
"""First and last year of the Special Period, left out of the likelihood sample."""

COVID_YEAR: Final = 2020
"""The year with its own dummy (COVID: tourism stopped)."""

REGIME_START: Final = 2016
"""First year of the level shift ``regime_2016`` (tighter US policy, tourism slump, monetary
reform and blackouts; projections are in this regime)."""

ALTERNATIVE_ESTIMATES_KBD: Final[Mapping[int, tuple[float, ...]]] = MappingProxyType(
    {2016: (90.0, 100.0), 2019: (60.0,), 2021: (21.0,)}
)
"""Other reporters' annual figures quoted in the ``note`` column of the shipments table, kb/d.

They widen that year's band; the central value keeps the table's own annual rows.
"""

ONE_ESTIMATE_BAND: Final = 0.15
"""Half-width (share of the central value) of a year with a single annual estimate."""

MIN_SPREAD_BAND: Final = 0.10
"""Smallest half-width of a year whose estimates agree more closely than that."""

MONTHLY_MIN_BAND: Final = 0.25
"""Smallest half-width of a year known from a few monthly figures only."""

PARTIAL_YEAR_BAND: Final = 0.30
"""Half-width of a year known from a year-to-date figure only."""

MULTI_YEAR_BAND: Final = 0.25
"""Half-width of a year filled from a multi-year approximate level (about 100 kb/d, 2006-15)."""

AGREEMENT_BAND: Final = 0.40
"""Half-width of years filled from the 2000 agreement (an agreed, not a delivered, volume)."""

INTERPOLATION_WIDENING: Final = 0.10
"""Added to the wider neighbour's half-width for a year interpolated between two anchors."""

DEFLATOR_INFLATION_PCT: Final = 2.5
"""US CPI inflation assumed over the projection horizon (flat), and for the history when no CPI
frame is given (the US CPI averaged about 2.7 % a year in 1987-2024)."""

SHARE_SD: Final = 0.2
"""Prior sd of the first-year share of the oil effect (0.6 +/- 0.4 at two sd)."""

HAC_LAGS: Final = 1
"""Lags of the Newey-West standard errors shown next to HC3."""

_Z95: Final = 1.6448536269514722  # standard normal 95th percentile
_Z90: Final = 1.2815515655446004  # standard normal 90th percentile
_MAX_REJECTION_ROUNDS: Final = 200
_MIN_CPI_MONTHS: Final = 6

CONST, SUPPLY, SUPPLY_LAG, PRICE, REGIME, COVID = (
    "const",
    "supply_change_pct",
    "supply_change_lag_pct",
    "real_price_change_pct",
    "regime_2016",
    "covid_2020",
)
REGRESSORS: Final = (SUPPLY, SUPPLY_LAG, PRICE, REGIME)
OIL_TERMS: Final = (SUPPLY, SUPPLY_LAG)
RESTRICTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {SUPPLY: ">= 0", SUPPLY_LAG: ">= 0", PRICE: "<= 0"}
)

DATASET_COLUMNS: Final = (
    "year",
    "gdp_growth_pct",
    "soviet_kbd",
    "venezuela_kbd",
    "venezuela_low_kbd",
    "venezuela_high_kbd",
    "concessional_kbd",
    "needs_kbd",
    SUPPLY,
    SUPPLY_LAG,
    "brent_usd",
    "deflator_index",
    PRICE,
    REGIME,
    COVID,
    "special_period",
    "in_sample",
)
MODEL_COLUMNS: Final = ("gdp_growth_pct", SUPPLY, SUPPLY_LAG, PRICE)

RECONCILIATION_RULES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "annual": (
            "annual rows averaged (calibrated model's rule); band: the range of every full-year "
            "and full-month figure for the year and of other reporters' figures, at least "
            f"+/-{MIN_SPREAD_BAND:.0%}, or +/-{ONE_ESTIMATE_BAND:.0%} for a single estimate"
        ),
        "monthly": (
            "mean of the monthly figures; band: +/- the larger of "
            f"{MONTHLY_MIN_BAND:.0%} and 1.645 standard errors of that mean"
        ),
        "partial_year": f"year-to-date average; band +/-{PARTIAL_YEAR_BAND:.0%}",
        "multi_year": f"multi-year approximate level; band +/-{MULTI_YEAR_BAND:.0%}",
        "agreement": (
            "agreed volume (pro rata from the month of signature in its first year); band "
            f"+/-{AGREEMENT_BAND:.0%}"
        ),
        "interpolated": (
            "linear between the neighbouring years; band: the wider neighbour's relative "
            f"half-width plus {INTERPOLATION_WIDENING:.0%}"
        ),
    }
)

# --- message templates ------------------------------------------------------------------------

MISSING_COLUMNS = "{table}: missing column(s) {columns}; the Cuba model needs {needed}"
MISSING_ROWS = "{table}: no {what}; the Cuba model needs it ({why})"
BAD_VALUE = "{table}: {what} is {value}; expected {expected}"
BAD_SHAPE = "{name} has shape {shape}; expected {expected}"
BAD_INPUT = "{name}: {problem}"
TOO_FEW_YEARS = (
    "Cuba model: {n} years in the {sample} sample for {k} coefficients; need at least {need}"
)
REJECTION_FAILED = (
    "Cuba model: could not draw coefficients with the sign restrictions ({left} of {draws} "
    "draws still outside after {rounds} rounds); the posterior puts almost no mass there"
)

_GDP = "cuba_real_gdp_growth_annual"
_SPECIAL = "cuba_special_period_1989_1993"
_SHIPMENTS = "venezuela_to_cuba_oil_shipments"
_PRICES = "brent_wti_annual_average_usd"
_CPI = "cpi"
_DELIVERIES = "soviet_russian_oil_deliveries_to_cuba"


def _require_columns(frame: pd.DataFrame, table: str, needed: Sequence[str]) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise EstimationError(
            MISSING_COLUMNS.format(table=table, columns=missing, needed=list(needed))
        )


def _years_text(first: int, last: int) -> str:
    return f"{first}-{str(last)[-2:]}" if last // 100 == first // 100 else f"{first}-{last}"


# --- data: shipments ----------------------------------------------------------------------------


def _shipment_rows(shipments: pd.DataFrame) -> pd.DataFrame:
    _require_columns(shipments, _SHIPMENTS, ("date", "period_type", "estimate_type", "value_bpd"))
    dates = pd.to_datetime(shipments["date"])
    return pd.DataFrame(
        {
            "date": dates.to_numpy(),
            "year": dates.dt.year.astype("int64").to_numpy(),
            "period_type": shipments["period_type"].astype(str).to_numpy(),
            "estimate_type": shipments["estimate_type"].astype(str).to_numpy(),
            "kbd": pd.to_numeric(shipments["value_bpd"]).to_numpy(dtype=float) / 1000.0,
        }
    )


@dataclass(frozen=True, slots=True)
class _Anchor:
    low: float
    central: float
    high: float
    basis: str
    n_estimates: int

    @property
    def half_width(self) -> float:
        if self.central <= 0:
            return 0.0
        return max(self.central - self.low, self.high - self.central) / self.central


def _symmetric(central: float, half: float, basis: str, n: int) -> _Anchor:
    return _Anchor(max(central * (1.0 - half), 0.0), central, central * (1.0 + half), basis, n)


def _reported_anchors(shipments: pd.DataFrame, rows: pd.DataFrame) -> dict[int, _Anchor]:
    """Years with annual or monthly figures: the calibrated model's value and a band."""
    anchors: dict[int, _Anchor] = {}
    for rec in annual_shipments_kbd(shipments).to_dict("records"):
        year, central, basis = int(rec["year"]), float(rec["shipments_kbd"]), str(rec["basis"])
        same = rows[(rows["year"] == year) & rows["period_type"].isin(["year", "month"])]
        if basis == "annual":
            estimates = [*same["kbd"].tolist(), *ALTERNATIVE_ESTIMATES_KBD.get(year, ())]
            if len(estimates) == 1:
                anchors[year] = _symmetric(central, ONE_ESTIMATE_BAND, basis, 1)
            else:
                low = min(*estimates, central * (1.0 - MIN_SPREAD_BAND))
                high = max(*estimates, central * (1.0 + MIN_SPREAD_BAND))
                anchors[year] = _Anchor(low, central, high, basis, len(estimates))
            continue
        months = same.loc[same["period_type"] == "month", "kbd"].to_numpy(dtype=float)
        se = float(months.std(ddof=1)) / math.sqrt(months.size) if months.size > 1 else 0.0
        half = max(MONTHLY_MIN_BAND, _Z95 * se / central) if central > 0 else MONTHLY_MIN_BAND
        anchors[year] = _symmetric(central, half, basis, int(months.size))
    return anchors


def _fill_from_rows(anchors: dict[int, _Anchor], rows: pd.DataFrame) -> None:
    """Fill years without annual or monthly figures: year-to-date, multi-year, agreement."""
    partial = rows[rows["period_type"].str.startswith("partial_year")]
    stats = partial.groupby("year")["kbd"].agg(["mean", "size"])
    for year, mean, size in zip(stats.index, stats["mean"], stats["size"], strict=True):
        anchors.setdefault(
            int(year), _symmetric(float(mean), PARTIAL_YEAR_BAND, "partial_year", int(size))
        )
    for rec in rows[rows["period_type"] == "multi_year_approx"].to_dict("records"):
        span = re.search(r"(\d{4})_(\d{4})", str(rec["estimate_type"]))
        first, last = (int(span.group(1)), int(span.group(2))) if span else (rec["year"],) * 2
        for year in range(int(first), int(last) + 1):
            anchors.setdefault(
                year, _symmetric(float(rec["kbd"]), MULTI_YEAR_BAND, "multi_year", 1)
            )
    for rec in rows[rows["period_type"] == "agreement"].to_dict("records"):
        date, year = pd.Timestamp(rec["date"]), int(rec["year"])
        days = 366 if date.is_leap_year else 365
        share = ((pd.Timestamp(year=year, month=12, day=31) - date).days + 1) / days
        volume = float(rec["kbd"])
        anchors.setdefault(year, _symmetric(volume * share, AGREEMENT_BAND, "agreement", 1))
        anchors.setdefault(year + 1, _symmetric(volume, AGREEMENT_BAND, "agreement", 1))


def reconcile_shipments(shipments: pd.DataFrame) -> pd.DataFrame:
    """Reconcile the Venezuela-to-Cuba shipment estimates into one annual series with a band.

    The rule, applied year by year in this order (a year filled by a rule is not touched by a
    later one):

    1. **annual and monthly figures**: the central value is
       :func:`forecast.models.cuba_calibrated.annual_shipments_kbd` (annual rows averaged; a
       year without one takes the mean of its monthly rows). Band of an annual year: the range
       of all its full-year and full-month figures and of the other reporters' figures in
       :data:`ALTERNATIVE_ESTIMATES_KBD`, widened to at least +/- :data:`MIN_SPREAD_BAND`; a
       single estimate gets +/- :data:`ONE_ESTIMATE_BAND`. Band of a monthly year: +/- the
       larger of :data:`MONTHLY_MIN_BAND` and 1.645 standard errors of the monthly mean;
    2. **year-to-date figures** (2018: January-August): +/- :data:`PARTIAL_YEAR_BAND`;
    3. **multi-year approximate levels**: every year of the span the row's ``estimate_type``
       names (``approximate_level_2006_2015``), +/- :data:`MULTI_YEAR_BAND`;
    4. **the agreement** (October 2000, 53 kb/d): pro rata from its month in its first year,
       the full volume the next year, +/- :data:`AGREEMENT_BAND`;
    5. **gaps** between filled years: linear interpolation of the central value, the band
       +/- the wider neighbour's relative half-width plus :data:`INTERPOLATION_WIDENING`.

    Partial-month figures are left out (not comparable with full periods). Bands are about
    90 % ranges of the annual average, judgements rather than statistical intervals.

    Parameters
    ----------
    shipments
        The ``venezuela_to_cuba_oil_shipments`` table.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``low_kbd``, ``central_kbd``, ``high_kbd``, ``basis`` (one of the
        keys of :data:`RECONCILIATION_RULES`) and ``n_estimates``, one row per year from the
        first to the last year with any figure, consecutive.

    Raises
    ------
    EstimationError
        If a column is missing or no year can be filled.
    """
    rows = _shipment_rows(shipments)
    anchors = _reported_anchors(shipments, rows)
    _fill_from_rows(anchors, rows)
    if not anchors:
        raise EstimationError(
            MISSING_ROWS.format(
                table=_SHIPMENTS, what="usable shipment figure", why="the Venezuelan supply"
            )
        )
    for left, right in itertools.pairwise(sorted(anchors)):
        a, b = anchors[left], anchors[right]
        half = max(a.half_width, b.half_width) + INTERPOLATION_WIDENING
        for year in range(left + 1, right):
            central = a.central + (b.central - a.central) * (year - left) / (right - left)
            anchors[year] = _symmetric(central, half, "interpolated", 0)
    years = sorted(anchors)
    return pd.DataFrame(
        {
            "year": pd.Series(years, dtype="int64"),
            "low_kbd": [anchors[y].low for y in years],
            "central_kbd": [anchors[y].central for y in years],
            "high_kbd": [anchors[y].high for y in years],
            "basis": pd.Series([anchors[y].basis for y in years], dtype=str),
            "n_estimates": pd.Series([anchors[y].n_estimates for y in years], dtype="int64"),
        }
    )


def _soviet_deliveries_kbd(special_period: pd.DataFrame) -> pd.Series:
    """Soviet/Russian deliveries by year in kb/d (Mt/yr at :data:`BARRELS_PER_TONNE`)."""
    _require_columns(special_period, _SPECIAL, ("variable", "period", "value"))
    rows = special_period[special_period["variable"].astype(str) == _DELIVERIES]
    if len(rows) < 2:
        raise EstimationError(
            MISSING_ROWS.format(
                table=_SPECIAL,
                what=f"two rows of {_DELIVERIES}",
                why="the collapse of Soviet deliveries, before and after",
            )
        )
    try:
        years = rows["period"].astype(str).str.strip().astype(int).to_numpy()
    except ValueError as exc:
        raise EstimationError(
            BAD_VALUE.format(
                table=_SPECIAL,
                what=f"the period of {_DELIVERIES}",
                value=rows["period"].tolist(),
                expected="single years",
            )
        ) from exc
    kbd = pd.to_numeric(rows["value"]).to_numpy(dtype=float) * BARRELS_PER_TONNE / 365.0 * 1000.0
    return pd.Series(kbd, index=pd.Index(years, dtype="int64")).sort_index()


# --- data: prices --------------------------------------------------------------------------------


def annual_cpi(monthly: pd.DataFrame) -> pd.DataFrame:
    """Average a monthly CPI frame into annual values.

    Parameters
    ----------
    monthly
        ``date, value`` (e.g. the store's ``us_cpi``); empty values are skipped.

    Returns
    -------
    pandas.DataFrame
        ``year`` (int) and ``cpi`` (float): the mean of the year's months, for years with at
        least six of them.

    Raises
    ------
    EstimationError
        If a column is missing.
    """
    _require_columns(monthly, _CPI, ("date", "value"))
    frame = pd.DataFrame(
        {
            "year": pd.to_datetime(monthly["date"]).dt.year.astype("int64").to_numpy(),
            "value": pd.to_numeric(monthly["value"]).to_numpy(dtype=float),
        }
    ).dropna()
    grouped = frame.groupby("year")["value"].agg(["mean", "size"])
    grouped = grouped[grouped["size"] >= _MIN_CPI_MONTHS]
    return pd.DataFrame(
        {
            "year": grouped.index.to_numpy(dtype="int64"),
            "cpi": grouped["mean"].to_numpy(dtype=float),
        }
    )


def _nominal_brent(prices: pd.DataFrame) -> tuple[pd.Series, str]:
    """Annual nominal Brent, spliced with WTI before Brent starts (scaled at the first overlap)."""
    _require_columns(prices, _PRICES, ("year", "benchmark", "usd_per_bbl"))
    year = pd.to_numeric(prices["year"]).astype("int64")
    bench = prices["benchmark"].astype(str)
    value = pd.to_numeric(prices["usd_per_bbl"]).astype(float)
    brent = pd.Series(value[bench == "Brent"].to_numpy(), index=year[bench == "Brent"].to_numpy())
    wti = pd.Series(value[bench == "WTI"].to_numpy(), index=year[bench == "WTI"].to_numpy())
    if brent.empty:
        raise EstimationError(
            MISSING_ROWS.format(table=_PRICES, what="Brent rows", why="the oil price")
        )
    brent = brent.sort_index()
    first = int(brent.index[0])
    note = f"Brent annual averages from {first}"
    early = wti[wti.index < first]
    if not early.empty and first in wti.index:
        ratio = float(brent[first] / wti[first])
        brent = pd.concat([early * ratio, brent]).sort_index()
        note = (
            f"Brent annual averages from {first}; before that WTI times the {first} Brent/WTI "
            f"ratio ({ratio:.3f})"
        )
    return brent, note


def _deflator(cpi: pd.DataFrame | None, years: npt.NDArray[np.int64]) -> tuple[FloatArray, str]:
    if cpi is None:
        index = (1.0 + DEFLATOR_INFLATION_PCT / 100.0) ** (years - years[0]).astype(float)
        return index, (
            f"no CPI given: prices deflated at a flat {DEFLATOR_INFLATION_PCT}% a year (a "
            "constant deflator changes only the intercept)"
        )
    _require_columns(cpi, _CPI, ("year", "cpi"))
    series = pd.Series(
        pd.to_numeric(cpi["cpi"]).to_numpy(dtype=float),
        index=pd.to_numeric(cpi["year"]).to_numpy(dtype="int64"),
    )
    series = series[~series.index.duplicated(keep="last")]
    return series.reindex(years).to_numpy(dtype=float), "US CPI (annual average of months)"


# --- data: the assembled table ------------------------------------------------------------------


def _gdp(gdp_growth: pd.DataFrame) -> pd.Series:
    _require_columns(gdp_growth, _GDP, ("year", "real_gdp_growth_pct"))
    series = pd.Series(
        pd.to_numeric(gdp_growth["real_gdp_growth_pct"]).to_numpy(dtype=float),
        index=pd.to_numeric(gdp_growth["year"]).to_numpy(dtype="int64"),
    )
    series = series[~series.index.duplicated(keep="last")].sort_index()
    if series.empty:
        raise EstimationError(MISSING_ROWS.format(table=_GDP, what="rows", why="GDP growth"))
    return series


def _frame_check(rule: Any, name: str, column: str) -> pa.Check:
    import pandera.pandas as pa

    return pa.Check(rule, name=name, statistics={schemas.REPORT_COLUMN: column})


def dataset_schema() -> pa.DataFrameSchema:
    """Return the pandera schema of the assembled Cuba table (:attr:`CubaDataset.frame`).

    Checks: every column present with its type and bounds (growth within +/-50 %, supplies
    0-500 kb/d, needs positive, supply changes within +/-100 pp of needs, prices positive,
    dummies 0 or 1), years unique and consecutive, ``low <= central <= high`` for the
    Venezuelan band, and no missing value in the estimation sample (``in_sample``).

    Returns
    -------
    pandera.DataFrameSchema
        The schema (strict: no other column).
    """
    import pandera.pandas as pa

    def number(low: float, high: float, *, nullable: bool = True) -> pa.Column:
        return pa.Column("float64", pa.Check.in_range(low, high), nullable=nullable)

    def consecutive(frame: pd.DataFrame) -> pd.Series:
        step = frame["year"].diff()
        return step.isna() | (step == 1)

    def ordered_band(frame: pd.DataFrame) -> pd.Series:
        low, mid, high = (
            frame[c] for c in ("venezuela_low_kbd", "venezuela_kbd", "venezuela_high_kbd")
        )
        ok = (low <= mid + 1e-9) & (mid <= high + 1e-9)
        return ok | low.isna() | mid.isna() | high.isna()

    def complete_sample(frame: pd.DataFrame) -> pd.Series:
        filled = frame[list(MODEL_COLUMNS)].notna().all(axis=1)
        return ~frame["in_sample"] | filled

    binary = pa.Check.isin([0.0, 1.0])
    return pa.DataFrameSchema(
        {
            "year": pa.Column("int64", pa.Check.in_range(1900, 2200), unique=True),
            "gdp_growth_pct": number(-50.0, 50.0),
            "soviet_kbd": number(0.0, 500.0, nullable=False),
            "venezuela_kbd": number(0.0, 500.0, nullable=False),
            "venezuela_low_kbd": number(0.0, 500.0, nullable=False),
            "venezuela_high_kbd": number(0.0, 500.0, nullable=False),
            "concessional_kbd": number(0.0, 500.0, nullable=False),
            "needs_kbd": pa.Column("float64", pa.Check.gt(0.0), nullable=False),
            SUPPLY: number(-100.0, 100.0),
            SUPPLY_LAG: number(-100.0, 100.0),
            "brent_usd": pa.Column("float64", pa.Check.gt(0.0), nullable=True),
            "deflator_index": pa.Column("float64", pa.Check.gt(0.0), nullable=True),
            PRICE: number(-200.0, 200.0),
            REGIME: pa.Column("float64", binary),
            COVID: pa.Column("float64", binary),
            "special_period": pa.Column("bool"),
            "in_sample": pa.Column("bool"),
        },
        checks=[
            _frame_check(consecutive, "years consecutive", "year"),
            _frame_check(ordered_band, "venezuela low <= central <= high", "venezuela_kbd"),
            _frame_check(complete_sample, "no missing value in the estimation sample", "in_sample"),
        ],
        strict=True,
        ordered=True,
        name="cuba_dataset",
    )


@dataclass(frozen=True, slots=True, eq=False)
class CubaDataset:
    """The assembled annual table the Cuba model is estimated on (frames are read-only).

    Build it with :func:`cuba_dataset`.

    Parameters
    ----------
    frame
        One row per year, columns :data:`DATASET_COLUMNS` (validated by
        :func:`dataset_schema`): growth, the supply series, the regressors, the dummies,
        ``special_period`` and ``in_sample`` (every model variable present).
    shipments
        The reconciled Venezuelan shipments with their band (:func:`reconcile_shipments`).
    needs_kbd
        Cuba's oil needs after the Soviet era, kb/d (the calibration's mean estimate).
    soviet_needs_kbd
        Needs in the Soviet era (through the last delivery figure): the first delivery figure.
    soviet_end
        Last year with a Soviet/Russian delivery figure.
    price_note, deflator_note
        How the nominal Brent series and the deflator were built.
    """

    frame: pd.DataFrame
    shipments: pd.DataFrame
    needs_kbd: float
    soviet_needs_kbd: float
    soviet_end: int
    price_note: str
    deflator_note: str

    def sample(self, *, end: int | None = None, special_period: bool = True) -> pd.DataFrame:
        """Return the estimation rows (``in_sample``), optionally cut.

        Parameters
        ----------
        end
            Last year to keep (e.g. 2015 for the backcast); ``None`` keeps all.
        special_period
            Keep the Special Period years (:data:`SPECIAL_PERIOD`)?

        Returns
        -------
        pandas.DataFrame
            The rows, with a fresh index.
        """
        rows = self.frame[self.frame["in_sample"]]
        if end is not None:
            rows = rows[rows["year"] <= end]
        if not special_period:
            rows = rows[~rows["special_period"]]
        return rows.reset_index(drop=True)

    def supply_change(self) -> dict[int, float]:
        """Observed change in concessional supply (pp of needs) by year, where known."""
        known = self.frame.dropna(subset=[SUPPLY])
        return dict(zip(known["year"].astype(int), known[SUPPLY].astype(float), strict=True))


def cuba_dataset(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    needs_kbd: float,
    cpi: pd.DataFrame | None = None,
) -> CubaDataset:
    """Assemble and validate the annual table of the Cuba model.

    * **Growth**: ``cuba_real_gdp_growth_annual`` (1971-2024).
    * **Concessional supply** ``S_t`` = Soviet/Russian deliveries + Venezuelan shipments, kb/d.
      Deliveries: the special-period table's figures (13.3 Mt in 1989, 1.8 Mt in 1992) at
      :data:`BARRELS_PER_TONNE` and 365 days, linear between them (1990-91), the first figure
      before it (an assumption: deliveries were stable in the 1980s) and the last figure after
      it (sugar-for-oil barter went on in the 1990s; with no figure no change is assumed, and
      only changes enter the model). Shipments: :func:`reconcile_shipments`, zero before the
      first reconciled year (the 2000 agreement).
    * **Needs** ``N_t``: the first delivery figure (1989, 267 kb/d: the Soviet deliveries
      covered essentially all of Cuba's oil, as the calibration takes it) through the last
      delivery year; ``needs_kbd`` after (the calibration's mean of the oil balance estimates,
      122 kb/d).
    * **Regressors**: ``supply_change_pct = 100 (S_t - S_{t-1}) / N_t`` and its lag;
      ``real_price_change_pct = 100 dlog(Brent_t / CPI_t)``, Brent spliced with WTI before
      1987 (:func:`_nominal_brent`); without ``cpi`` a flat deflator.
    * **Controls**: ``regime_2016`` (1 from :data:`REGIME_START`), ``covid_2020``.

    Parameters
    ----------
    gdp_growth, special_period, shipments, prices
        The fact tables ``cuba_real_gdp_growth_annual``, ``cuba_special_period_1989_1993``,
        ``venezuela_to_cuba_oil_shipments`` and ``brent_wti_annual_average_usd``.
    needs_kbd
        Cuba's oil needs after the Soviet era, kb/d (``CubaCalibration.oil_needs_kbd``).
    cpi
        Annual US CPI, columns ``year`` and ``cpi`` (see :func:`annual_cpi`); optional.

    Returns
    -------
    CubaDataset
        The table, validated by :func:`dataset_schema`, and how it was built.

    Raises
    ------
    EstimationError
        If a column or row the model needs is missing.
    DataValidationError
        If the assembled table fails its schema (every failure listed, by year).
    """
    if not (math.isfinite(needs_kbd) and needs_kbd > 0):
        raise EstimationError(
            BAD_VALUE.format(
                table="Cuba model", what="needs_kbd", value=needs_kbd, expected="a positive number"
            )
        )
    growth = _gdp(gdp_growth)
    ships = reconcile_shipments(shipments)
    soviet = _soviet_deliveries_kbd(special_period)
    nominal, price_note = _nominal_brent(prices)

    first = int(growth.index.min())
    last = max(int(growth.index.max()), int(ships["year"].max()))
    years = np.arange(first, last + 1, dtype=np.int64)
    soviet_kbd = np.interp(years, soviet.index.to_numpy(), soviet.to_numpy())
    ven = ships.set_index("year")
    ship_first = int(ships["year"].min())
    before = years < ship_first

    def ven_column(column: str) -> FloatArray:
        values = ven[column].reindex(years).to_numpy(dtype=float)
        return np.where(before, 0.0, values)

    ven_mid, ven_low, ven_high = (ven_column(c) for c in ("central_kbd", "low_kbd", "high_kbd"))
    concessional = soviet_kbd + ven_mid
    soviet_end = int(soviet.index.max())
    soviet_needs = float(soviet.iloc[0])
    needs = np.where(years <= soviet_end, soviet_needs, float(needs_kbd))
    change = np.full(years.size, np.nan)
    change[1:] = 100.0 * np.diff(concessional) / needs[1:]
    lag = np.concatenate(([np.nan], change[:-1]))

    brent = nominal.reindex(years).to_numpy(dtype=float)
    deflator, deflator_note = _deflator(cpi, years)
    with np.errstate(invalid="ignore"):
        log_real = np.log(brent) - np.log(deflator)
    price_change = np.concatenate(([np.nan], 100.0 * np.diff(log_real)))

    frame = pd.DataFrame(
        {
            "year": years,
            "gdp_growth_pct": growth.reindex(years).to_numpy(dtype=float),
            "soviet_kbd": soviet_kbd,
            "venezuela_kbd": ven_mid,
            "venezuela_low_kbd": ven_low,
            "venezuela_high_kbd": ven_high,
            "concessional_kbd": concessional,
            "needs_kbd": needs.astype(float),
            SUPPLY: change,
            SUPPLY_LAG: lag,
            "brent_usd": brent,
            "deflator_index": deflator,
            PRICE: price_change,
            REGIME: (years >= REGIME_START).astype(float),
            COVID: (years == COVID_YEAR).astype(float),
            "special_period": (years >= SPECIAL_PERIOD[0]) & (years <= SPECIAL_PERIOD[1]),
        }
    )
    frame["in_sample"] = frame[list(MODEL_COLUMNS)].notna().all(axis=1).to_numpy()
    checked = schemas.validate(
        dataset_schema(), frame.set_index(pd.Index(years, name="year"), drop=False),
        origin="Cuba model data set", row_label="year",
    )  # fmt: skip
    return CubaDataset(
        frame=checked.reset_index(drop=True),
        shipments=ships,
        needs_kbd=float(needs_kbd),
        soviet_needs_kbd=soviet_needs,
        soviet_end=soviet_end,
        price_note=price_note,
        deflator_note=deflator_note,
    )


# --- estimation ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Regression:
    label: str
    years: tuple[int, ...]
    terms: tuple[str, ...]
    params: FloatArray
    cov: FloatArray
    cov_hac: FloatArray
    pvalues: FloatArray
    residual_sd: float
    df_resid: int
    dummies: tuple[tuple[str, int, float, float], ...]  # term, year, estimate, classical se
    residuals: pd.Series
    result: Any

    @property
    def nobs(self) -> int:
        return len(self.years)

    def index(self, term: str) -> int:
        return self.terms.index(term)

    def table(self) -> pd.DataFrame:
        rows = [
            {
                "term": term,
                "estimate": float(self.params[i]),
                "std_err": float(math.sqrt(self.cov[i, i])),
                "std_err_hac": float(math.sqrt(self.cov_hac[i, i])),
                "p_value": float(self.pvalues[i]),
                "se_type": "HC3",
                "sample": self.label,
                "n_obs": self.nobs + len(self.dummies),
            }
            for i, term in enumerate(self.terms)
        ]
        rows += [
            {
                "term": term,
                "estimate": est,
                "std_err": se,
                "std_err_hac": float("nan"),
                "p_value": _two_sided_p(est / se, self.df_resid),
                "se_type": "classical (one-year dummy: HC3 undefined)",
                "sample": self.label,
                "n_obs": self.nobs + len(self.dummies),
            }
            for term, _year, est, se in self.dummies
        ]
        return pd.DataFrame(rows)


def _two_sided_p(t: float, df: int) -> float:
    from scipy import stats

    return float(2.0 * stats.t.sf(abs(t), df))


def _ols(rows: pd.DataFrame, label: str, regressors: Sequence[str] = REGRESSORS) -> _Regression:
    """OLS of growth on the regressors with HC3 (and HAC) covariance; one-year dummies apart.

    A regressor without variation in the sample (the 2016 shift before 2016) is dropped.
    """
    import statsmodels.api as sm

    dummy_mask = rows[COVID].to_numpy(dtype=float) > 0
    fit_rows = rows[~dummy_mask]
    terms = [t for t in regressors if float(fit_rows[t].std(ddof=0)) > 0]
    k = len(terms) + 1
    if len(fit_rows) < k + 5:
        raise EstimationError(TOO_FEW_YEARS.format(n=len(fit_rows), sample=label, k=k, need=k + 5))
    y = fit_rows["gdp_growth_pct"].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(fit_rows)), fit_rows[terms].to_numpy(dtype=float)])
    names = (CONST, *terms)
    model = sm.OLS(y, x)
    res = model.fit(cov_type="HC3", use_t=True)
    hac = model.fit(cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS}, use_t=True)
    params = np.asarray(res.params, dtype=float)
    classical = np.asarray(res.normalized_cov_params, dtype=float) * float(res.scale)
    dummies = []
    for rec in rows[dummy_mask].itertuples(index=False):
        row = rows[rows["year"] == rec.year].iloc[0]
        x0 = np.concatenate(([1.0], row[terms].to_numpy(dtype=float)))
        estimate = float(row["gdp_growth_pct"]) - float(x0 @ params)
        se = math.sqrt(float(res.scale) + float(x0 @ classical @ x0))
        dummies.append((COVID, int(row["year"]), estimate, se))
    years = tuple(int(v) for v in fit_rows["year"])
    return _Regression(
        label=label,
        years=years,
        terms=names,
        params=params,
        cov=np.asarray(res.cov_params(), dtype=float),
        cov_hac=np.asarray(hac.cov_params(), dtype=float),
        pvalues=np.asarray(res.pvalues, dtype=float),
        residual_sd=math.sqrt(float(res.scale)),
        df_resid=int(res.df_resid),
        dummies=tuple(dummies),
        residuals=pd.Series(np.asarray(res.resid, dtype=float), index=list(years)),
        result=res,
    )


@dataclass(frozen=True, slots=True)
class CoefficientPrior:
    """Normal prior on the two oil coefficients ``(beta_now, beta_lag)``.

    Built from a lognormal cumulative elasticity (median, log sd) and a first-year share; see
    the module docstring for the formula.

    Parameters
    ----------
    source
        Plain-language origin of the prior.
    elasticity_median, elasticity_sigma
        The lognormal cumulative elasticity: % of GDP per 1 % of needs lost, i.e. growth pp
        (summed over the loss year and the next) per pp of needs lost.
    first_year_share, share_sd
        Share of the effect in the loss year, and its prior sd.
    """

    source: str
    elasticity_median: float
    elasticity_sigma: float
    first_year_share: float
    share_sd: float = SHARE_SD

    @property
    def elasticity_mean(self) -> float:
        """Mean of the lognormal elasticity (the normal prior's mean of the sum)."""
        return self.elasticity_median * math.exp(self.elasticity_sigma**2 / 2.0)

    @property
    def elasticity_sd(self) -> float:
        """Sd of the lognormal elasticity (the normal prior's sd of the sum)."""
        return self.elasticity_mean * math.sqrt(math.expm1(self.elasticity_sigma**2))

    @property
    def mean(self) -> FloatArray:
        """Prior mean of ``(beta_now, beta_lag)``."""
        s = self.first_year_share
        return np.array([s, 1.0 - s]) * self.elasticity_mean

    @property
    def cov(self) -> FloatArray:
        """Prior covariance of ``(beta_now, beta_lag)``: ``t^2 v v' + m^2 sd_s^2 u u'``."""
        s, m, t = self.first_year_share, self.elasticity_mean, self.elasticity_sd
        v, u = np.array([s, 1.0 - s]), np.array([1.0, -1.0])
        return t**2 * np.outer(v, v) + (m * self.share_sd) ** 2 * np.outer(u, u)


def calibrated_prior(calib: CubaCalibration) -> CoefficientPrior:
    """Return the prior from the calibrated model: its elasticity and first-year share.

    Parameters
    ----------
    calib
        The calibration (:func:`forecast.models.cuba_calibrated.calibrate`).

    Returns
    -------
    CoefficientPrior
        Median and log sd of the calibrated elasticity (Special Period and 2019-24).
    """
    names = " and ".join(f"{e.name} ({e.start_year}-{e.end_year})" for e in calib.episodes)
    return CoefficientPrior(
        source=f"calibrated model: {names}",
        elasticity_median=calib.elasticity_median,
        elasticity_sigma=calib.elasticity_sigma,
        first_year_share=calib.first_year_share,
    )


def special_period_prior(calib: CubaCalibration) -> CoefficientPrior:
    """Return a prior built on the Special Period alone (no GDP after 1993).

    The Special Period's elasticity puts all of the 1989-93 GDP fall on oil, an upper bound:
    it is taken as the 90th percentile and a quarter of it (a quarter of the fall put down to
    oil) as the 10th, so the median puts half of the fall on oil, the share the calibration
    gives the recent episode. Used by the backcast, whose fit may not see GDP after 2015.

    Parameters
    ----------
    calib
        The calibration; only its Special Period episode is used.

    Returns
    -------
    CoefficientPrior
        Median half the episode value, log sd ``ln 4 / (2 z_0.9)``.
    """
    episode = calib.episodes[0]
    return CoefficientPrior(
        source=f"Special Period alone ({episode.start_year}-{episode.end_year}), a quarter to "
        "all of its GDP fall put down to oil",
        elasticity_median=episode.elasticity / 2.0,
        elasticity_sigma=math.log(4.0) / (2.0 * _Z90),
        first_year_share=calib.first_year_share,
    )


def _combine(reg: _Regression, prior: CoefficientPrior) -> tuple[FloatArray, FloatArray]:
    """Normal-normal combination: prior on the oil block, flat on the rest."""
    k = len(reg.terms)
    idx = [reg.index(t) for t in OIL_TERMS]
    precision_prior = np.zeros((k, k))
    precision_prior[np.ix_(idx, idx)] = np.linalg.inv(prior.cov)
    prior_mean = np.zeros(k)
    prior_mean[idx] = prior.mean
    precision_data = np.linalg.inv(reg.cov)
    cov = np.linalg.inv(precision_data + precision_prior)
    cov = (cov + cov.T) / 2.0
    mean = cov @ (precision_data @ reg.params + precision_prior @ prior_mean)
    return mean, cov


def _oil_summary(mean: FloatArray, cov: FloatArray, idx: Sequence[int]) -> dict[str, float]:
    i, j = idx
    return {
        "first_year": float(mean[i]),
        "first_year_sd": math.sqrt(float(cov[i, i])),
        "second_year": float(mean[j]),
        "second_year_sd": math.sqrt(float(cov[j, j])),
        "cumulative": float(mean[i] + mean[j]),
        "cumulative_sd": math.sqrt(float(cov[i, i] + cov[j, j] + 2.0 * cov[i, j])),
    }


@dataclass(frozen=True, slots=True, eq=False)
class CubaFit:
    """The estimated Cuba model: regressions, prior, posterior and what projections need.

    Build it with :func:`fit_cuba`. Frames and arrays are read-only by convention.

    Parameters
    ----------
    calibration
        The calibrated model (accounting channels, needs, GDP level history, prior).
    dataset
        The assembled data (:func:`cuba_dataset`).
    coefficients
        Tidy OLS table: ``term, estimate, std_err`` (HC3; classical for a one-year dummy),
        ``std_err_hac``, ``p_value``, ``se_type``, ``sample``, ``n_obs``; one block per
        sample (all years; without the Special Period; and, as a sensitivity, without the
        Special Period and without the 2016 level shift).
    posterior
        ``term, prior_mean, prior_sd, ols_estimate, ols_std_err, mean, sd, restriction,
        prob_outside`` (posterior mass the sign restriction removes), one row per coefficient
        of the likelihood regression.
    oil_effect
        The oil coefficients by source (prior, OLS on each sample, posterior, and the
        posterior a full-sample likelihood would give): ``source, first_year,
        first_year_sd, second_year, second_year_sd, cumulative, cumulative_sd``.
    prior
        The prior on the oil coefficients.
    terms
        Coefficient names, in the order of ``posterior_mean``.
    posterior_mean, posterior_cov
        The (unrestricted) normal posterior.
    residual_sd, residual_df
        Residual sd of the likelihood regression (pp of growth) and its degrees of freedom.
    likelihood
        Which sample gives the likelihood.
    train_end
        Last year of the estimation sample.
    inflation_pct
        Flat US inflation over the projection (deflates the scenario's Brent).
    brent_history
        ``(year, nominal Brent)`` pairs known to the fit.
    notes
        Plain-language statements for the report.
    raw
        The statsmodels results, by sample.
    """

    calibration: CubaCalibration
    dataset: CubaDataset
    coefficients: pd.DataFrame
    posterior: pd.DataFrame
    oil_effect: pd.DataFrame
    prior: CoefficientPrior
    terms: tuple[str, ...]
    posterior_mean: FloatArray
    posterior_cov: FloatArray
    residual_sd: float
    residual_df: int
    likelihood: LikelihoodSample
    train_end: int
    inflation_pct: float
    brent_history: tuple[tuple[int, float], ...]
    notes: tuple[str, ...] = ()
    raw: Mapping[str, object] = field(default_factory=dict)

    def posterior_of(self, term: str) -> tuple[float, float]:
        """Return the posterior ``(mean, sd)`` of a coefficient (before sign restrictions)."""
        i = self.terms.index(term)
        return float(self.posterior_mean[i]), math.sqrt(float(self.posterior_cov[i, i]))

    def price_reference(self, first_year: int) -> tuple[int, float]:
        """Nominal Brent of the year before ``first_year``, or the latest year before it."""
        known = [(y, p) for y, p in self.brent_history if y < first_year]
        if not known:
            raise ValueError(
                BAD_INPUT.format(
                    name="years", problem=f"no annual Brent before {first_year} in the fit"
                )
            )
        return known[-1]

    def table(self) -> pd.DataFrame:
        """Return the fit as a tidy table for reports, like ``CubaCalibration.table``.

        Returns
        -------
        pandas.DataFrame
            ``parameter, value, unit, derivation``.
        """
        rows: list[tuple[str, float, str, str]] = []
        units = {
            CONST: "pp",
            SUPPLY: "pp growth per pp of needs",
            SUPPLY_LAG: "pp growth per pp of needs",
            PRICE: "pp growth per 1% real oil price",
            REGIME: "pp",
        }
        for rec in self.posterior.to_dict("records"):
            term = str(rec["term"])
            unit = units.get(term, "pp")
            rows.append((f"posterior_mean_{term}", float(rec["mean"]), unit, "normal-normal"))
            rows.append((f"posterior_sd_{term}", float(rec["sd"]), unit, "normal-normal"))
        rows += [
            (f"oil_cumulative_{source}", float(value), "pp growth per pp of needs",
             "beta_now + beta_lag")
            for source, value in zip(
                self.oil_effect["source"], self.oil_effect["cumulative"], strict=True
            )
        ]  # fmt: skip
        rows += [
            ("residual_sd", self.residual_sd, "pp", f"likelihood sample ({self.likelihood})"),
            ("residual_df", float(self.residual_df), "years", "n - k"),
            ("oil_needs_kbd", self.dataset.needs_kbd, "kb/d", "calibration, oil balance mean"),
            ("inflation_pct", self.inflation_pct, "%", "flat deflator over the projection"),
        ]
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "derivation"])


def _auto_prior(train_end: int, calib: CubaCalibration) -> PriorSource:
    recent_end = max(e.end_year for e in calib.episodes)
    return "calibrated" if train_end >= recent_end else "special_period"


def fit_cuba(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    oil_balance: pd.DataFrame,
    electricity: pd.DataFrame,
    prices: pd.DataFrame,
    cpi: pd.DataFrame | None = None,
    *,
    train_end: int | None = None,
    likelihood: LikelihoodSample = "without_special_period",
    prior: PriorSource | None = None,
    inflation_pct: float = DEFLATOR_INFLATION_PCT,
) -> CubaFit:
    """Estimate the Cuba model and combine it with the calibrated prior.

    Steps: calibrate the first model on the same tables (accounting channels and prior);
    assemble the data (:func:`cuba_dataset`); OLS with HC3 on all years with data and on the
    years without the Special Period; combine the chosen sample's estimate with the prior
    (normal-normal, prior on the two oil coefficients only).

    Parameters
    ----------
    gdp_growth, special_period, shipments, oil_balance, electricity
        The fact tables, as :func:`forecast.models.cuba_calibrated.calibrate` takes them.
    prices
        ``brent_wti_annual_average_usd``; rows after the GDP table (e.g. the as-of year's
        average) set the reference price of the projection's first year.
    cpi
        Annual US CPI (``year, cpi``, see :func:`annual_cpi`); without it a flat deflator.
    train_end
        Last year of the estimation sample (default: the last year with data).
    likelihood
        ``"without_special_period"`` (default: the prior already carries it) or ``"full"``.
    prior
        ``"calibrated"`` or ``"special_period"``; default: the calibrated prior, unless
        ``train_end`` is before the calibration's recent episode ends (then the Special
        Period prior, so the fit sees no GDP after ``train_end``).
    inflation_pct
        Flat US inflation over the projection horizon, per cent a year.

    Returns
    -------
    CubaFit
        The regressions, prior, posterior and notes.

    Raises
    ------
    EstimationError
        If a table lacks what the model needs or the sample is too short.
    DataValidationError
        If the assembled data fail their schema.

    Examples
    --------
    >>> from forecast import facts  # doctest: +SKIP
    >>> fit = fit_cuba(*(facts.load(n) for n in (  # doctest: +SKIP
    ...     "cuba_real_gdp_growth_annual", "cuba_special_period_1989_1993",
    ...     "venezuela_to_cuba_oil_shipments", "cuba_oil_balance_estimates",
    ...     "cuba_electricity_generation_onei", "brent_wti_annual_average_usd")))
    >>> fit.posterior_of("supply_change_pct")  # doctest: +SKIP
    """
    calib = calibrate(gdp_growth, special_period, shipments, oil_balance, electricity)
    data = cuba_dataset(
        gdp_growth, special_period, shipments, prices, needs_kbd=calib.oil_needs_kbd, cpi=cpi
    )
    rows = data.sample(end=train_end)
    if rows.empty:
        raise EstimationError(
            TOO_FEW_YEARS.format(n=0, sample="estimation", k=len(REGRESSORS) + 1, need="some")
        )
    first, last = int(rows["year"].min()), int(rows["year"].max())
    sp_text = _years_text(*SPECIAL_PERIOD)
    full = _ols(rows, f"{first}-{last}")
    without = _ols(
        rows[~rows["special_period"]].reset_index(drop=True), f"{first}-{last} without {sp_text}"
    )
    no_shift = (
        _ols(
            rows[~rows["special_period"]].reset_index(drop=True),
            f"{first}-{last} without {sp_text}, no {REGIME_START} shift",
            regressors=tuple(t for t in REGRESSORS if t != REGIME),
        )
        if REGIME in without.terms
        else None
    )
    source = prior or _auto_prior(last, calib)
    coef_prior = calibrated_prior(calib) if source == "calibrated" else special_period_prior(calib)
    chosen, other = (without, full) if likelihood == "without_special_period" else (full, without)
    mean, cov = _combine(chosen, coef_prior)
    alt_mean, alt_cov = _combine(other, coef_prior)

    posterior = _posterior_frame(chosen, coef_prior, mean, cov)
    idx = [chosen.index(t) for t in OIL_TERMS]
    other_idx = [other.index(t) for t in OIL_TERMS]
    oil = pd.DataFrame(
        [
            {"source": "prior", **_oil_summary(coef_prior.mean, coef_prior.cov, (0, 1))},
            {"source": f"ols {full.label}", **_oil_summary(full.params, full.cov, _oil_idx(full))},
            {
                "source": f"ols {without.label}",
                **_oil_summary(without.params, without.cov, _oil_idx(without)),
            },
            *(
                [
                    {
                        "source": f"ols {no_shift.label}",
                        **_oil_summary(no_shift.params, no_shift.cov, _oil_idx(no_shift)),
                    }
                ]
                if no_shift is not None
                else []
            ),
            {"source": f"posterior ({chosen.label})", **_oil_summary(mean, cov, idx)},
            {
                "source": f"posterior if the likelihood were {other.label}",
                **_oil_summary(alt_mean, alt_cov, other_idx),
            },
        ]
    )
    nominal, _ = _nominal_brent(prices)
    history = tuple(
        (int(y), float(p)) for y, p in zip(nominal.index, nominal.to_numpy(), strict=True)
    )
    fit = CubaFit(
        calibration=calib,
        dataset=data,
        coefficients=pd.concat(
            [reg.table() for reg in (full, without, no_shift) if reg is not None],
            ignore_index=True,
        ),
        posterior=posterior,
        oil_effect=oil,
        prior=coef_prior,
        terms=chosen.terms,
        posterior_mean=mean,
        posterior_cov=cov,
        residual_sd=chosen.residual_sd,
        residual_df=chosen.df_resid,
        likelihood=likelihood,
        train_end=last,
        inflation_pct=float(inflation_pct),
        brent_history=history,
        raw={
            "full": full.result,
            "without_special_period": without.result,
            "without_special_period_no_shift": None if no_shift is None else no_shift.result,
        },
    )
    notes = _notes(fit, full=full, without=without, chosen=chosen, no_shift=no_shift)
    return dataclasses.replace(fit, notes=notes)


def _oil_idx(reg: _Regression) -> list[int]:
    return [reg.index(t) for t in OIL_TERMS]


def _posterior_frame(
    reg: _Regression, prior: CoefficientPrior, mean: FloatArray, cov: FloatArray
) -> pd.DataFrame:
    from scipy import stats

    prior_mean = dict(zip(OIL_TERMS, prior.mean, strict=True))
    prior_sd = dict(zip(OIL_TERMS, np.sqrt(np.diag(prior.cov)), strict=True))
    rows = []
    for i, term in enumerate(reg.terms):
        sd = math.sqrt(float(cov[i, i]))
        restriction = RESTRICTIONS.get(term, "")
        if restriction == ">= 0":
            outside = float(stats.norm.cdf(0.0, loc=mean[i], scale=sd))
        elif restriction == "<= 0":
            outside = float(stats.norm.sf(0.0, loc=mean[i], scale=sd))
        else:
            outside = 0.0
        rows.append(
            {
                "term": term,
                "prior_mean": float(prior_mean.get(term, np.nan)),
                "prior_sd": float(prior_sd.get(term, np.inf)),
                "ols_estimate": float(reg.params[i]),
                "ols_std_err": math.sqrt(float(reg.cov[i, i])),
                "mean": float(mean[i]),
                "sd": sd,
                "restriction": restriction,
                "prob_outside": outside,
            }
        )
    return pd.DataFrame(rows)


def _truncated_mean(mean: float, sd: float, restriction: str) -> float:
    """Mean of a normal restricted to ``>= 0`` or ``<= 0``."""
    from scipy import stats

    if not restriction or sd <= 0:
        return mean
    a = -mean / sd
    if restriction == ">= 0":
        return mean + sd * float(stats.norm.pdf(a) / max(stats.norm.sf(a), 1e-300))
    return mean - sd * float(stats.norm.pdf(a) / max(stats.norm.cdf(a), 1e-300))


def _notes(
    fit: CubaFit,
    *,
    full: _Regression,
    without: _Regression,
    chosen: _Regression,
    no_shift: _Regression | None,
) -> tuple[str, ...]:
    data, prior = fit.dataset, fit.prior
    ships = data.shipments
    width = ((ships["high_kbd"] - ships["low_kbd"]) / ships["central_kbd"]).to_numpy()
    w = int(np.argmax(width))
    wide_year = int(ships["year"].to_numpy()[w])
    wide_low, wide_high = (
        float(ships["low_kbd"].to_numpy()[w]),
        float(ships["high_kbd"].to_numpy()[w]),
    )
    bases = ", ".join(
        f"{basis} {_run_text(ships.loc[ships['basis'] == basis, 'year'].tolist())}"
        for basis in RECONCILIATION_RULES
        if (ships["basis"] == basis).any()
    )
    oil = fit.oil_effect.set_index("source")
    full_oil = oil.loc[f"ols {full.label}"]
    without_oil = oil.loc[f"ols {without.label}"]
    post = oil.loc[f"posterior ({chosen.label})"]
    alt = oil.iloc[-1]
    prior_row = oil.loc["prior"]
    data_weight = (1 / without_oil["cumulative_sd"] ** 2) / (
        1 / without_oil["cumulative_sd"] ** 2 + 1 / prior_row["cumulative_sd"] ** 2
    )
    if chosen is full:
        data_weight = (1 / full_oil["cumulative_sd"] ** 2) / (
            1 / full_oil["cumulative_sd"] ** 2 + 1 / prior_row["cumulative_sd"] ** 2
        )
    moved = full_oil["cumulative"] - without_oil["cumulative"]

    def coef(reg: _Regression, term: str) -> str:
        if term not in reg.terms:
            return "not estimable"
        i = reg.index(term)
        return f"{reg.params[i]:+.3f} (HC3 se {math.sqrt(reg.cov[i, i]):.3f})"

    notes = [
        (
            f"Small sample: the model is estimated on {chosen.nobs} annual observations "
            f"({chosen.label}, the 2020 dummy apart); every coefficient is imprecise, and the "
            "bands carry the parameter uncertainty as well as the year-to-year noise "
            f"(residual sd {chosen.residual_sd:.2f} pp)."
        ),
        (
            "Concessional oil is Soviet/Russian deliveries plus Venezuelan shipments, and the "
            "regressor is its change as a share of Cuba's needs (pp), with a one-year lag: a "
            "loss lowers growth in its year and the next."
        ),
        (
            f"Soviet deliveries: {data.soviet_needs_kbd:.0f} kb/d in 1989 and "
            f"{_soviet_at(data, data.soviet_end):.0f} kb/d in "
            f"{data.soviet_end} ({BARRELS_PER_TONNE} bbl/t), linear in between, the 1989 level "
            "before (an assumption) and the last level after (no figures, so no change). "
            f"Needs are {data.soviet_needs_kbd:.0f} kb/d through {data.soviet_end} (the "
            f"deliveries covered nearly all of Cuba's oil) and {data.needs_kbd:.0f} kb/d after "
            "(the oil balance estimates)."
        ),
        (
            f"Venezuelan shipments {int(ships['year'].min())}-{int(ships['year'].max())} are "
            f"reconciled into one series ({bases}); each year has a band (about a 90% range), "
            f"widest in {wide_year} ({wide_low:.0f}-{wide_high:.0f} kb/d). The bands are not "
            "propagated into the coefficients: errors in the regressor bias its coefficient "
            "towards zero."
        ),
        f"Oil price: {data.price_note}; deflator: {data.deflator_note}.",
        (
            f"All years ({full.label}): losing 1 pp of needs lowers growth by "
            f"{coef(full, SUPPLY)} pp that year and {coef(full, SUPPLY_LAG)} pp the next, "
            f"{full_oil['cumulative']:.3f} in all. Without {_years_text(*SPECIAL_PERIOD)} "
            f"({without.label}): {coef(without, SUPPLY)} and {coef(without, SUPPLY_LAG)}, "
            f"{without_oil['cumulative']:.3f} in all. The Special Period drives the "
            f"full-sample estimate: leaving it out moves the cumulative effect by "
            f"{moved:+.3f} pp per pp."
        ),
        (
            f"Real oil price: {coef(chosen, PRICE)} pp of growth per 1% real rise. It is "
            "positive because most price moves in the sample came with world demand, which "
            "also lifted Cuba's exports, tourism and Venezuela's aid; a supply-driven rise can "
            "only hurt an oil importer, so the projection draws this coefficient from its "
            f"estimate restricted to <= 0 (mean {_restricted(fit, PRICE):+.4f}; an accounting "
            "cross-check, 50 kb/d bought at 65 US$/bbl with half the extra bill off GDP, gives "
            "-0.006), independently of the other coefficients."
        ),
        _controls_note(chosen, no_shift, oil),
        (
            "Standard errors are HC3, the small-sample heteroskedasticity-robust choice; a few "
            "years have high leverage. Newey-West (1 lag) errors are shown too: residual "
            f"autocorrelation is modest (first order {_autocorrelation(chosen):.2f}) and with "
            "about 30 years they are biased down."
        ),
        (
            f"Prior ({prior.source}): cumulative elasticity median {prior.elasticity_median:.3f}"
            f", log sd {prior.elasticity_sigma:.3f}, taken as a normal with mean "
            f"{prior.elasticity_mean:.3f} and sd {prior.elasticity_sd:.3f}; "
            f"{prior.first_year_share:.0%} of it in the loss year (share sd {prior.share_sd})."
        ),
        (
            f"The prior and the regression ({chosen.label}) are combined by precision weights "
            "with a flat prior on the other coefficients: the posterior cumulative effect is "
            f"{post['cumulative']:.3f} (sd {post['cumulative_sd']:.3f}), first year "
            f"{post['first_year']:.3f} (sd {post['first_year_sd']:.3f}); the data carry about "
            f"{data_weight:.0%} of the weight. The Special Period is left out of the likelihood "
            "because the prior is built on it; 2019-24 still counts twice, so the posterior is "
            "somewhat too confident. With the full-sample likelihood the cumulative effect "
            f"would be {alt['cumulative']:.3f}."
        ),
        (
            "Draws: coefficients from the posterior with oil coefficients >= 0 and the price "
            "coefficient <= 0; the residual sd from its scaled inverse chi-square; a normal "
            "shock each year."
        ),
        (
            "Accounting channels (supply gap, extra import bill at the scenario's Brent, its GDP "
            "drag, electricity at risk) are the calibrated model's; the oil coefficients apply "
            "to the unreplaced gap. Historically part of the lost oil was bought elsewhere, so "
            "they may understate a loss that cannot be replaced at all."
        ),
        (
            "Cuba's 2005-06 growth (11-12%) follows a change in GDP methodology and coincides "
            "with the Venezuelan ramp-up; the 2000-05 shipments are an agreement and an "
            "interpolation, not measurements."
        ),
        (
            f"Projection: baseline shipments flat after {int(ships['year'].max())}, Brent "
            f"deflated at {fit.inflation_pct}% a year; the GDP level index ({LEVEL_BASE_YEAR} = "
            "100) is bridged from the last GDP year at the posterior-mean growth."
        ),
    ]
    return tuple(notes)


def _controls_note(chosen: _Regression, no_shift: _Regression | None, oil: pd.DataFrame) -> str:
    covid = f"2020 has its own dummy ({_dummy_text(chosen)}); 2021 has none (no rebound)."
    if REGIME not in chosen.terms or no_shift is None:
        return f"Controls: no level shift (the sample ends before {REGIME_START}); " + covid
    i = chosen.index(REGIME)
    return (
        f"Controls: a level shift from {REGIME_START}, {chosen.params[i]:+.2f} pp (HC3 se "
        f"{math.sqrt(chosen.cov[i, i]):.2f}); without it the residuals from {REGIME_START} "
        f"average {_mean_residual(no_shift, REGIME_START):+.2f} pp and the cumulative oil "
        f"effect is {_cumulative(oil, f'ols {no_shift.label}'):.3f}: the shift takes some of "
        f"the fall in shipments since 2015 with it. {covid}"
    )


def _cumulative(oil: pd.DataFrame, source: str) -> float:
    return float(oil["cumulative"].to_numpy()[list(oil.index).index(source)])


def _soviet_at(data: CubaDataset, year: int) -> float:
    frame = data.frame
    return float(frame.loc[frame["year"] == year, "soviet_kbd"].iloc[0])


def _mean_residual(reg: _Regression, start: int) -> float:
    resid = reg.residuals
    return float(resid[resid.index >= start].mean())


def _autocorrelation(reg: _Regression) -> float:
    resid = reg.residuals.to_numpy(dtype=float)
    resid = resid - resid.mean()
    return float(resid[1:] @ resid[:-1] / (resid @ resid))


def _restricted(fit: CubaFit, term: str) -> float:
    mean, sd = fit.posterior_of(term) if term in fit.terms else (0.0, 0.0)
    return _truncated_mean(mean, sd, RESTRICTIONS.get(term, ""))


def _dummy_text(reg: _Regression) -> str:
    if not reg.dummies:
        return "not in the sample"
    _term, year, est, se = reg.dummies[0]
    return f"{year}: {est:+.2f} pp, classical se {se:.2f}"


def _run_text(years: Iterable[int]) -> str:
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else _years_text(r[0], r[-1]) for r in runs)


# --- draws --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CubaDraws:
    """Per-draw parameters of the Cuba model, drawn by :func:`draw_cuba` (read-only).

    Parameters
    ----------
    terms
        Coefficient names (columns of ``coefficients``).
    coefficients
        Shape ``(draws, len(terms))``: posterior draws with the sign restrictions.
    sigma
        Shape ``(draws,)``: residual sd per draw, pp.
    shocks_pct
        Shape ``(draws, years)``: the growth shock of each projection year, pp.
    """

    terms: tuple[str, ...]
    coefficients: FloatArray
    sigma: FloatArray
    shocks_pct: FloatArray

    def __post_init__(self) -> None:
        n = self.sigma.shape[0] if self.sigma.ndim == 1 else -1
        if self.coefficients.shape != (n, len(self.terms)):
            raise ValueError(
                BAD_SHAPE.format(
                    name="coefficients",
                    shape=self.coefficients.shape,
                    expected="(draws, terms) with the draws of sigma",
                )
            )
        if self.shocks_pct.ndim != 2 or self.shocks_pct.shape[0] != n:
            raise ValueError(
                BAD_SHAPE.format(
                    name="shocks_pct", shape=self.shocks_pct.shape, expected="(draws, years)"
                )
            )

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.sigma.shape[0])

    @property
    def years(self) -> int:
        """Number of projection years."""
        return int(self.shocks_pct.shape[1])

    def coefficient(self, term: str) -> FloatArray:
        """Return the draws of one coefficient (zeros if the fit does not have it)."""
        if term not in self.terms:
            return np.zeros(self.draws)
        return self.coefficients[:, self.terms.index(term)]


def _sqrt_psd(cov: FloatArray) -> FloatArray:
    values, vectors = np.linalg.eigh((cov + cov.T) / 2.0)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def _draw_coefficients(
    mean: FloatArray,
    cov: FloatArray,
    terms: tuple[str, ...],
    draws: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Posterior draws: price from its marginal truncated at 0, the rest jointly, oil >= 0."""
    from scipy import stats

    k = len(terms)
    out = np.empty((draws, k))
    todo = np.arange(draws)
    oil = [terms.index(t) for t in OIL_TERMS if t in terms]
    p = terms.index(PRICE) if PRICE in terms else None
    rest = [j for j in range(k) if j != p]
    root = _sqrt_psd(cov[np.ix_(rest, rest)])
    for _ in range(_MAX_REJECTION_ROUNDS):
        n = todo.size
        rows = np.empty((n, k))
        if p is not None:
            sd_p = math.sqrt(float(cov[p, p]))
            u = 1.0 - rng.random(n)  # in (0, 1]
            upper = -float(mean[p]) / sd_p
            rows[:, p] = stats.truncnorm.ppf(u, -np.inf, upper, loc=mean[p], scale=sd_p)
        rows[:, rest] = mean[rest] + rng.standard_normal((n, len(rest))) @ root.T
        ok = np.all(rows[:, oil] >= 0.0, axis=1) if oil else np.ones(n, dtype=bool)
        out[todo[ok]] = rows[ok]
        todo = todo[~ok]
        if todo.size == 0:
            return out
    raise EstimationError(
        REJECTION_FAILED.format(left=todo.size, draws=draws, rounds=_MAX_REJECTION_ROUNDS)
    )


def draw_cuba(fit: CubaFit, draws: int, years: int, *, rng: np.random.Generator) -> CubaDraws:
    """Draw the per-draw parameters of the Cuba model.

    The generator is used in a fixed order: ``draws * years`` normals for the yearly shocks,
    ``draws`` chi-squares for the residual sd, then the coefficients (a uniform and normals
    per draw, repeated for the draws an oil coefficient puts below zero). The same seed gives
    the same draws whatever the scenario (common random numbers).

    * coefficients: the price coefficient from its posterior marginal truncated to ``<= 0``
      (inverse CDF), independently of the others (the restriction is about the response to a
      supply-driven price rise, which the regression does not identify, so it does not move
      the other coefficients); the others jointly from their posterior, with the oil
      coefficients restricted to ``>= 0`` (by rejection);
    * residual sd: ``s * sqrt(df / chi2_df)``;
    * shocks: ``sigma_d * z_dt``.

    Parameters
    ----------
    fit
        The fitted model.
    draws
        Number of draws, at least 1.
    years
        Number of projection years, at least 1.
    rng
        The random number generator.

    Returns
    -------
    CubaDraws
        Coefficients, residual sd and shocks.

    Raises
    ------
    ValueError
        If ``draws`` or ``years`` is smaller than 1.
    EstimationError
        If the restricted posterior cannot be sampled (almost no mass inside).
    """
    if draws < 1 or years < 1:
        raise ValueError(
            BAD_INPUT.format(name="draw_cuba", problem=f"draws={draws}, years={years}; both >= 1")
        )
    z = rng.standard_normal((draws, years))
    chi2 = rng.chisquare(fit.residual_df, draws)
    sigma = fit.residual_sd * np.sqrt(fit.residual_df / chi2)
    coefficients = _draw_coefficients(fit.posterior_mean, fit.posterior_cov, fit.terms, draws, rng)
    return CubaDraws(
        terms=fit.terms, coefficients=coefficients, sigma=sigma, shocks_pct=sigma[:, None] * z
    )


# --- projection ----------------------------------------------------------------------------------


def _growth(
    cdraws: CubaDraws,
    years: npt.NDArray[np.int64],
    supply: FloatArray,
    supply_lag: FloatArray,
    price: FloatArray,
) -> FloatArray:
    """Return ``a + b_now x + b_lag x_lag + c pi + shock`` per draw and year."""
    regime = (years >= REGIME_START).astype(float)
    intercept = (
        cdraws.coefficient(CONST)[:, None] + cdraws.coefficient(REGIME)[:, None] * regime[None, :]
    )
    return (
        intercept
        + cdraws.coefficient(SUPPLY)[:, None] * supply[None, :]
        + cdraws.coefficient(SUPPLY_LAG)[:, None] * supply_lag[None, :]
        + cdraws.coefficient(PRICE)[:, None] * price
        + cdraws.shocks_pct
    )


def _baseline_supply(fit: CubaFit, years: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """Observed supply change (and lag) where the data reach, zero after (flat shipments)."""
    known = fit.dataset.supply_change()
    now = np.array([known.get(int(y), 0.0) for y in years])
    lag = np.array([known.get(int(y) - 1, 0.0) for y in years])
    return now, lag


def _price_change(fit: CubaFit, years: npt.NDArray[np.int64], brent: FloatArray) -> FloatArray:
    """Real change of the scenario's Brent, % (log points), per draw and year."""
    _ref_year, ref = fit.price_reference(int(years[0]))
    prev = np.concatenate((np.full((brent.shape[0], 1), ref), brent[:, :-1]), axis=1)
    return 100.0 * (np.log(brent) - np.log(prev)) - 100.0 * math.log1p(fit.inflation_pct / 100.0)


def _point_growth(fit: CubaFit, year: int, supply: Mapping[int, float]) -> float:
    """Posterior-mean growth of a year with the observed supply change and a flat real price."""
    mean = dict(zip(fit.terms, fit.posterior_mean, strict=True))
    return float(
        mean.get(CONST, 0.0)
        + mean.get(REGIME, 0.0) * (year >= REGIME_START)
        + mean.get(SUPPLY, 0.0) * supply.get(year, 0.0)
        + mean.get(SUPPLY_LAG, 0.0) * supply.get(year - 1, 0.0)
    )


def _start_level(fit: CubaFit, first_year: int) -> float:
    """GDP level index at the end of the year before ``first_year`` (bridged if needed)."""
    calib = fit.calibration
    history = dict(calib.gdp_level_history)
    prev = first_year - 1
    if prev in history:
        return history[prev]
    last_year, level = calib.gdp_level_last
    if prev < last_year:
        raise ValueError(
            BAD_INPUT.format(
                name="years",
                problem=f"starts in {first_year}; the GDP level index starts in "
                f"{LEVEL_BASE_YEAR} and needs the year before the projection",
            )
        )
    supply = fit.dataset.supply_change()
    for year in range(last_year + 1, prev + 1):
        level *= 1.0 + _point_growth(fit, year, supply) / 100.0
    return level


def project_cuba(
    fit: CubaFit,
    cdraws: CubaDraws,
    *,
    years: Sequence[int],
    lost_kbd: npt.ArrayLike,
    replaced_kbd: npt.ArrayLike,
    brent_usd: npt.ArrayLike,
) -> dict[str, FloatArray]:
    """Project Cuba's GDP growth and the oil accounting channels for one scenario.

    Per year ``t`` (consecutive calendar years) and draw ``d``:

    * accounting: :func:`forecast.models.cuba_calibrated.accounting_channels` gives
      the gap ``gap_kbd = lost - replaced`` and ``gap_pct`` (% of needs,
      capped at 100), the extra import bill at ``brent_dt`` and its GDP drag ``drag_dt``
      (growth pp: the bill's level effect, undone when the bill stops), and the electricity
      at risk;
    * supply change ``x_t = x0_t - (gap_pct_t - gap_pct_{t-1})`` with ``gap_pct_{-1} = 0`` and
      ``x0`` the observed change up to the last year of the shipments data, zero after;
    * real price change ``pi_dt = 100 ln(brent_dt / brent_{d,t-1}) - 100 ln(1 + inflation)``,
      the year before the projection taken from the fit's Brent history (its latest year if
      that year is missing);
    * growth ``g_dt = a_dt + b_now_d x_t + b_lag_d x_{t-1} + c_d pi_dt + e_dt + drag_dt``
      (``a`` the constant plus the 2016 level shift);
    * level index: the calibration's index for the year before the projection (years after
      the GDP table are bridged at the posterior-mean growth), cumulated with ``g``.

    With no loss and nothing replaced, growth is exactly the baseline for the same Brent
    draws. More barrels lost never raises growth in the year of the loss.

    Parameters
    ----------
    fit
        The fitted model.
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
        Each of shape ``(draws, years)``: ``cuba_gdp_growth_pct``, ``cuba_gdp_level_index``
        (``LEVEL_BASE_YEAR`` = 100), ``cuba_oil_supply_gap_kbd``, ``cuba_oil_supply_gap_pct``,
        ``cuba_import_bill_usd_m`` and ``cuba_electricity_at_risk_gwh``.

    Raises
    ------
    ValueError
        If a shape does not match, a value is negative, not finite or (Brent) not positive,
        more barrels are replaced than lost, or ``years`` are not consecutive.
    """
    year_arr = np.asarray(years, dtype=np.int64)
    if year_arr.shape != (cdraws.years,):
        raise ValueError(
            BAD_SHAPE.format(name="years", shape=year_arr.shape, expected=f"({cdraws.years},)")
        )
    accounts = cuba_calibrated.accounting_channels(
        fit.calibration,
        cdraws.draws,
        years=year_arr,
        lost_kbd=lost_kbd,
        replaced_kbd=replaced_kbd,
        brent_usd=brent_usd,
    )
    brent = np.asarray(brent_usd, dtype=np.float64)
    if np.any(brent <= 0):
        raise ValueError(BAD_INPUT.format(name="brent_usd", problem="has values <= 0"))
    gap_pct = accounts.gap_pct
    loss_change = -np.diff(gap_pct, prepend=0.0)
    loss_lag = np.concatenate(([0.0], loss_change[:-1]))
    base_now, base_lag = _baseline_supply(fit, year_arr)
    price = _price_change(fit, year_arr, brent)
    growth = (
        _growth(cdraws, year_arr, base_now + loss_change, base_lag + loss_lag, price)
        + accounts.drag_growth_pct()
    )
    index: FloatArray = _start_level(fit, int(year_arr[0])) * np.cumprod(
        1.0 + growth / 100.0, axis=1, dtype=np.float64
    )
    return {
        "cuba_gdp_growth_pct": growth,
        "cuba_gdp_level_index": index,
        **accounts.channels(),
    }


# --- backcast ------------------------------------------------------------------------------------


def backcast(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    oil_balance: pd.DataFrame,
    electricity: pd.DataFrame,
    prices: pd.DataFrame,
    cpi: pd.DataFrame | None = None,
    *,
    train_end: int = 2015,
    test: Iterable[int] = range(2016, 2025),
    draws: int = 2000,
    rng: np.random.Generator,
    likelihood: LikelihoodSample = "without_special_period",
) -> pd.DataFrame:
    """Fit on data to ``train_end`` and project the ``test`` years given shipments and prices.

    The fit uses no GDP after ``train_end``: its sample stops there and its prior is the
    Special Period one (:func:`fit_cuba`'s default for an early ``train_end``). The test
    years get the observed change in concessional supply (and its lag) and the observed real
    oil price change; no dummy (2020's COVID shock is not known in ``train_end``). Two naive
    benchmarks: the mean growth of the estimation sample (the model without regressors) and
    the mean of every year of the GDP table up to ``train_end``.

    Parameters
    ----------
    gdp_growth, special_period, shipments, oil_balance, electricity, prices, cpi
        As for :func:`fit_cuba`.
    train_end
        Last year of the estimation sample.
    test
        Years to project, all after ``train_end`` and with data.
    draws
        Number of draws.
    rng
        The random number generator.
    likelihood
        As for :func:`fit_cuba`.

    Returns
    -------
    pandas.DataFrame
        ``year, actual_pct, mean_pct, q05, q16, q50, q84, q95, naive_pct, naive_all_pct,
        error_pct`` (actual minus mean), one row per test year.

    Raises
    ------
    ValueError
        If a test year is not after ``train_end`` or lacks data.
    """
    fit = fit_cuba(
        gdp_growth,
        special_period,
        shipments,
        oil_balance,
        electricity,
        prices,
        cpi,
        train_end=train_end,
        likelihood=likelihood,
    )
    test_years = np.array(sorted(set(test)), dtype=np.int64)
    if test_years.size == 0 or int(test_years[0]) <= train_end:
        raise ValueError(
            BAD_INPUT.format(name="test", problem=f"needs years after train_end={train_end}")
        )
    table = fit.dataset.frame.set_index("year")
    missing = [int(y) for y in test_years if y not in table.index or not table.loc[y, "in_sample"]]
    if missing:
        raise ValueError(BAD_INPUT.format(name="test", problem=f"no data for {missing}"))
    rows = table.loc[test_years]
    cdraws = draw_cuba(fit, draws, test_years.size, rng=rng)
    growth = _growth(
        cdraws,
        test_years,
        rows[SUPPLY].to_numpy(dtype=float),
        rows[SUPPLY_LAG].to_numpy(dtype=float),
        rows[PRICE].to_numpy(dtype=float)[None, :],
    )
    sample = fit.dataset.sample(end=fit.train_end, special_period=likelihood == "full")
    naive = float(sample["gdp_growth_pct"].mean())
    actual = rows["gdp_growth_pct"].to_numpy(dtype=float)
    mean = growth.mean(axis=0)
    out = pd.DataFrame({"year": test_years, "actual_pct": actual, "mean_pct": mean})
    quantiles = np.quantile(growth, list(schemas.QUANTILES.values()), axis=0)
    for name, values in zip(schemas.QUANTILES, quantiles, strict=True):
        out[name] = values
    out["naive_pct"] = naive
    history = table.loc[table.index <= train_end, "gdp_growth_pct"].dropna()
    out["naive_all_pct"] = float(history.mean())
    out["error_pct"] = actual - mean
    return out


def backcast_summary(
    frame: pd.DataFrame, *, exclude: Sequence[int] = (COVID_YEAR,)
) -> pd.DataFrame:
    """Score a backcast against the naive mean, over all test years and without ``exclude``.

    Parameters
    ----------
    frame
        The output of :func:`backcast`.
    exclude
        Years to leave out of the second row (default 2020: COVID, no model could know it).

    Returns
    -------
    pandas.DataFrame
        ``years, n, rmse_model, rmse_naive, rmse_naive_all, mean_error_model,
        mean_error_naive, mean_error_naive_all, coverage_90`` (share of actual values inside
        the model's 5-95 % band).
    """
    rows = []
    kept = frame[~frame["year"].isin(list(exclude))]
    for label, part in (("all", frame), (f"without {_run_text(exclude)}", kept)):
        actual = part["actual_pct"].to_numpy(dtype=float)
        model = part["mean_pct"].to_numpy(dtype=float)
        naive = part["naive_pct"].to_numpy(dtype=float)
        naive_all = part["naive_all_pct"].to_numpy(dtype=float)
        inside = (actual >= part["q05"].to_numpy()) & (actual <= part["q95"].to_numpy())
        rows.append(
            {
                "years": label,
                "n": len(part),
                "rmse_model": float(np.sqrt(np.mean((actual - model) ** 2))),
                "rmse_naive": float(np.sqrt(np.mean((actual - naive) ** 2))),
                "rmse_naive_all": float(np.sqrt(np.mean((actual - naive_all) ** 2))),
                "mean_error_model": float(np.mean(actual - model)),
                "mean_error_naive": float(np.mean(actual - naive)),
                "mean_error_naive_all": float(np.mean(actual - naive_all)),
                "coverage_90": float(np.mean(inside)),
            }
        )
    return pd.DataFrame(rows)
