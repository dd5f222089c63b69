"""The Cuba models' data: the fact tables read, reconciled and assembled into one annual table.

* :func:`annual_shipments_kbd`: the calibrated model's rule, one value a year from the
  annual (else monthly) shipment rows;
* :func:`reconcile_shipments`: every year of the Venezuela-to-Cuba shipments, with a band;
* :func:`soviet_deliveries_mt`: the Soviet/Russian deliveries of the Special Period table;
* :func:`annual_cpi`: a monthly CPI averaged into years (the deflator of the oil price);
* :func:`cuba_dataset` and :func:`dataset_schema`: the validated table the econometric model
  is estimated on (:class:`CubaDataset`).

Everything here is a pure function of frames; nothing reads files.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from forecast import schemas
from forecast.errors import EstimationError

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence

    import pandera.pandas as pa

_T = TypeVar("_T")

__all__ = [
    "AGREEMENT_BAND",
    "ALTERNATIVE_ESTIMATES_KBD",
    "BARRELS_PER_TONNE",
    "COVID_YEAR",
    "DATASET_COLUMNS",
    "DEFLATOR_INFLATION_PCT",
    "INTERPOLATION_WIDENING",
    "LEVEL_BASE_YEAR",
    "MIN_SPREAD_BAND",
    "MODEL_COLUMNS",
    "MONTHLY_MIN_BAND",
    "MULTI_YEAR_BAND",
    "ONE_ESTIMATE_BAND",
    "PARTIAL_YEAR_BAND",
    "RECONCILIATION_RULES",
    "REGIME_START",
    "SPECIAL_PERIOD",
    "CubaDataset",
    "annual_cpi",
    "annual_shipments_kbd",
    "cuba_dataset",
    "dataset_schema",
    "gdp_growth_series",
    "nominal_brent",
    "reconcile_shipments",
    "require_columns",
    "soviet_deliveries_mt",
]

FloatArray = npt.NDArray[np.float64]

# --- assumptions (each one is stated in the notes) --------------------------------------------

BARRELS_PER_TONNE: Final = 7.33
"""Barrels per tonne of crude, as used by the Special Period table's own notes."""

LEVEL_BASE_YEAR: Final = 2019
"""Base year of the GDP level index (= 100)."""

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

_Z95: Final = 1.6448536269514722  # standard normal 95th percentile
_MIN_CPI_MONTHS: Final = 6

CONST, SUPPLY, SUPPLY_LAG, PRICE, REGIME, COVID = (
    "const",
    "supply_change_pct",
    "supply_change_lag_pct",
    "real_price_change_pct",
    "regime_2016",
    "covid_2020",
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

MISSING_COLUMNS = "{table}: missing column(s) {columns}; the Cuba model needs {needed}"
MISSING_ROWS = "{table}: no {what}; the Cuba model needs it ({why})"
TOO_FEW_ROWS = "{table}: need at least {n} rows of {what}; found {found}"
BAD_VALUE = "{table}: {what} is {value}; expected {expected}"

GDP_TABLE = "cuba_real_gdp_growth_annual"
SPECIAL_TABLE = "cuba_special_period_1989_1993"
SHIPMENTS_TABLE = "venezuela_to_cuba_oil_shipments"
_PRICES = "brent_wti_annual_average_usd"
_CPI = "cpi"
_DELIVERIES = "soviet_russian_oil_deliveries_to_cuba"


def require_columns(frame: pd.DataFrame, table: str, needed: Sequence[str]) -> None:
    """Raise :class:`EstimationError` naming the columns of ``needed`` that ``frame`` lacks."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise EstimationError(
            MISSING_COLUMNS.format(table=table, columns=missing, needed=list(needed))
        )


def gdp_growth_series(gdp_growth: pd.DataFrame) -> pd.Series:
    """Real GDP growth (%) by year from ``cuba_real_gdp_growth_annual``, last row of a year kept.

    Raises
    ------
    EstimationError
        If a column is missing or the table has no rows.
    """
    require_columns(gdp_growth, GDP_TABLE, ("year", "real_gdp_growth_pct"))
    series = pd.Series(
        pd.to_numeric(gdp_growth["real_gdp_growth_pct"]).to_numpy(dtype=float),
        index=pd.to_numeric(gdp_growth["year"]).to_numpy(dtype="int64"),
    )
    series = series[~series.index.duplicated(keep="last")].sort_index()
    if series.empty:
        raise EstimationError(MISSING_ROWS.format(table=GDP_TABLE, what="rows", why="GDP growth"))
    return series


# --- data: shipments ----------------------------------------------------------------------------


_SHIPMENT_COLUMNS: Final = ("date", "period_type", "value_bpd")


def _shipment_rows(shipments: pd.DataFrame, *, detail: bool = False) -> pd.DataFrame:
    """Parse the shipments table: ``date, year, period_type, estimate_type, kbd`` per row.

    ``detail`` also requires ``estimate_type`` (the multi-year rows name their span there);
    without it a missing column reads as empty text.
    """
    needed = ("date", "period_type", "estimate_type", "value_bpd") if detail else _SHIPMENT_COLUMNS
    require_columns(shipments, SHIPMENTS_TABLE, needed)
    dates = pd.to_datetime(shipments["date"])
    estimate = (
        shipments["estimate_type"].astype(str).to_numpy()
        if "estimate_type" in shipments.columns
        else np.full(len(shipments), "", dtype=object)
    )
    return pd.DataFrame(
        {
            "date": dates.to_numpy(),
            "year": dates.dt.year.astype("int64").to_numpy(),
            "period_type": shipments["period_type"].astype(str).to_numpy(),
            "estimate_type": estimate,
            "kbd": pd.to_numeric(shipments["value_bpd"]).to_numpy(dtype=float) / 1000.0,
        }
    )


def annual_shipments_kbd(shipments: pd.DataFrame) -> pd.DataFrame:
    """Reconcile the conflicting Venezuela-to-Cuba shipment estimates into one value a year.

    The rule, applied year by year:

    1. rows with ``period_type == "year"`` (annual averages and conservative annual estimates)
       are averaged with equal weight: conflicting annual figures are neither chosen between
       nor summed;
    2. a year without such a row takes the mean of its ``"month"`` rows (monthly averages,
       approximate or not), however few months there are;
    3. other rows are left out: the 2000 agreement (a promised, not a delivered, volume), the
       2006-15 approximate level (a multi-year figure), and partial-month and year-to-date
       figures (not comparable with full periods).

    Parameters
    ----------
    shipments
        The ``venezuela_to_cuba_oil_shipments`` table (``date`` as text or datetime,
        ``period_type``, ``value_bpd``).

    Returns
    -------
    pandas.DataFrame
        Columns ``year`` (int), ``shipments_kbd`` (float, kb/d), ``basis`` (``"annual"`` or
        ``"monthly"``) and ``n_rows`` (rows averaged), one row per year with data, in order.

    Raises
    ------
    EstimationError
        If a required column is missing.
    """
    return _annual_rule(_shipment_rows(shipments))


def _annual_rule(frame: pd.DataFrame) -> pd.DataFrame:
    annual = frame[frame["period_type"] == "year"].groupby("year")["kbd"].agg(["mean", "size"])
    monthly = frame[frame["period_type"] == "month"].groupby("year")["kbd"].agg(["mean", "size"])
    monthly = monthly[~monthly.index.isin(annual.index)]
    out = pd.concat([annual.assign(basis="annual"), monthly.assign(basis="monthly")])
    out = out.sort_index().reset_index()
    return pd.DataFrame(
        {
            "year": out["year"].astype("int64"),
            "shipments_kbd": out["mean"].astype("float64"),
            "basis": out["basis"].astype(str),
            "n_rows": out["size"].astype("int64"),
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


def _reported_anchors(rows: pd.DataFrame) -> dict[int, _Anchor]:
    """Years with annual or monthly figures: the calibrated model's value and a band."""
    anchors: dict[int, _Anchor] = {}
    for rec in _annual_rule(rows).to_dict("records"):
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
       :func:`annual_shipments_kbd` (annual rows averaged; a
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
    rows = _shipment_rows(shipments, detail=True)
    anchors = _reported_anchors(rows)
    _fill_from_rows(anchors, rows)
    if not anchors:
        raise EstimationError(
            MISSING_ROWS.format(
                table=SHIPMENTS_TABLE, what="usable shipment figure", why="the Venezuelan supply"
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


def soviet_deliveries_mt(special_period: pd.DataFrame) -> pd.Series:
    """Soviet/Russian oil deliveries to Cuba by year, Mt a year, from the Special Period table.

    Parameters
    ----------
    special_period
        ``cuba_special_period_1989_1993`` (``variable``, ``period``, ``value``).

    Returns
    -------
    pandas.Series
        Mt a year, indexed by year (int64), in order.

    Raises
    ------
    EstimationError
        If a column is missing, there are fewer than two delivery rows (one before and one
        after the collapse) or a delivery row's period is not a single year.
    """
    require_columns(special_period, SPECIAL_TABLE, ("variable", "period", "value"))
    rows = special_period[special_period["variable"].astype(str) == _DELIVERIES]
    if len(rows) < 2:
        raise EstimationError(
            TOO_FEW_ROWS.format(
                table=SPECIAL_TABLE,
                n=2,
                what=f"{_DELIVERIES} (one before and one after the collapse)",
                found=len(rows),
            )
        )
    period = rows["period"].astype(str).str.strip()
    try:
        years = period.astype(int).to_numpy()
    except ValueError as exc:
        raise EstimationError(
            BAD_VALUE.format(
                table=SPECIAL_TABLE,
                what=f"the period of {_DELIVERIES}",
                value=period.tolist(),
                expected="single years",
            )
        ) from exc
    tonnes = pd.to_numeric(rows["value"]).to_numpy(dtype=float)
    return pd.Series(tonnes, index=pd.Index(years, dtype="int64")).sort_index()


def _soviet_deliveries_kbd(special_period: pd.DataFrame) -> pd.Series:
    """Soviet/Russian deliveries by year in kb/d (Mt/yr at :data:`BARRELS_PER_TONNE`)."""
    tonnes = soviet_deliveries_mt(special_period)
    kbd = tonnes.to_numpy() * BARRELS_PER_TONNE / 365.0 * 1000.0
    return pd.Series(kbd, index=tonnes.index)


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
    require_columns(monthly, _CPI, ("date", "value"))
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


def nominal_brent(prices: pd.DataFrame) -> tuple[pd.Series, str]:
    """Annual nominal Brent, spliced with WTI before Brent starts (scaled at the first overlap)."""
    require_columns(prices, _PRICES, ("year", "benchmark", "usd_per_bbl"))
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
    require_columns(cpi, _CPI, ("year", "cpi"))
    series = pd.Series(
        pd.to_numeric(cpi["cpi"]).to_numpy(dtype=float),
        index=pd.to_numeric(cpi["year"]).to_numpy(dtype="int64"),
    )
    series = series[~series.index.duplicated(keep="last")]
    return series.reindex(years).to_numpy(dtype=float), "US CPI (annual average of months)"


# --- data: the assembled table ------------------------------------------------------------------


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

    What is computed from the data set alone (the observed supply changes, the regressions
    of a sample) is kept after its first use (:meth:`derived`): fits with other attribution
    shares or priors and every projection share it.
    """

    frame: pd.DataFrame
    shipments: pd.DataFrame
    needs_kbd: float
    soviet_needs_kbd: float
    soviet_end: int
    price_note: str
    deflator_note: str
    _derived: dict[Hashable, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """Return ``build()``, a pure function of this data set, computed once per ``key``.

        The value is shared by every caller: treat it as read-only.
        """
        if key not in self._derived:
            self._derived[key] = build()
        value: _T = self._derived[key]
        return value

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

    def soviet_kbd(self, year: int) -> float:
        """Soviet/Russian deliveries in ``year``, kb/d."""
        frame = self.frame
        return float(frame.loc[frame["year"] == year, "soviet_kbd"].iloc[0])

    def supply_change(self) -> dict[int, float]:
        """Observed change in concessional supply (pp of needs) by year, where known."""
        return dict(self.derived("supply_change", self._supply_change))

    def _supply_change(self) -> dict[int, float]:
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
      1987 (:func:`nominal_brent`); without ``cpi`` a flat deflator.
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
    growth = gdp_growth_series(gdp_growth)
    ships = reconcile_shipments(shipments)
    soviet = _soviet_deliveries_kbd(special_period)
    nominal, price_note = nominal_brent(prices)

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
