"""The SVAR's monthly data: production growth, real activity and the real price, aligned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import EstimationError
from forecast.models import _cpi as _cpi_logs
from forecast.models.svar._common import DEFAULT_START, VARIABLES

__all__ = ["SVARDataset", "align_instrument", "svar_dataset", "to_nominal_price"]

MISSING_COLUMNS = "{name}: needs columns 'date' and 'value'; found: {found}"
BAD_DATES = "{name}: a date does not parse or a month appears twice"
NOT_POSITIVE = "{name}: {month}: value {value!r} must be positive (the SVAR uses its log)"
NO_START = (
    "{variable}: no value for {month}, the first month of the sample (its source starts "
    "later): pass a later start"
)
HOLE = (
    "{variable}: missing in {month} but observed later; only the end of a series may be "
    "missing (the ragged edge)"
)
CPI_HOLE = "us_cpi: {months} missing; interpolated log-linearly between the neighbouring months"
CPI_EXTRAPOLATED = (
    "us_cpi ends {last}; {months} extrapolated at its mean monthly log change over the last "
    "12 months ({rate:.3f}% a month)"
)
CPI_TREND_MONTHS = 12
"""Known CPI months whose mean log change extends a missing end of the CPI."""
RAGGED = (
    "{variable} ends {last}: {first}..{end} ({count} months) are filled by the forecast "
    "conditional on the observed variables (Waggoner & Zha 1999)"
)
EMPTY_SAMPLE = "the sample {start}..{as_of} is empty"
NEEDS_LONG = (
    "a sample starting {start} (before {splice}) needs world_crude_production_long_kbd "
    "(Känzig's 2021 production, import it with `forecast data import`)"
)
SPLICE_NOTE = (
    "world production growth before {splice} is Känzig's (2021) EIA series "
    "(world_crude_production_long_kbd), EIA's international data from {splice}"
)
HEAD_NOTE = "{name} before {first} is taken from {long} (Känzig 2021), {name} after"
SPLICE_MONTH = DEFAULT_START
"""First month of production growth from EIA's international data (earlier: Känzig's)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARDataset:
    """The SVAR's monthly data, aligned, with the ragged edge left missing.

    Attributes
    ----------
    frame
        Columns ``date`` (month start) and :data:`VARIABLES`, one row per month from the
        start to ``as_of``. Trailing months of a series that ends early are NaN (read-only).
    as_of
        The last month of the frame.
    last_complete
        The last month in which every variable is observed (the end of the estimation sample).
    notes
        What was done to the data (CPI holes, extrapolation, the ragged edge).
    filled
        One entry per variable missing at the end: ``"variable: YYYY-MM..YYYY-MM (n months)"``.
    cpi_ref
        The CPI level that real prices are expressed in (that of ``as_of``).
    cpi_last
        The CPI level of ``as_of`` (equal to ``cpi_ref``; kept for the nominal conversion).
    inflation_pct
        Mean monthly CPI inflation over the 12 months to ``as_of``, ``100 * Δlog CPI``: used to
        turn projected real prices into nominal ones (:func:`to_nominal_price`).
    """

    frame: pd.DataFrame
    as_of: pd.Timestamp
    last_complete: pd.Timestamp
    notes: tuple[str, ...]
    filled: tuple[str, ...]
    cpi_ref: float
    cpi_last: float
    inflation_pct: float

    @property
    def array(self) -> np.ndarray:
        """The ``T x 3`` data (NaN at the ragged edge), a copy."""
        return self.frame[list(VARIABLES)].to_numpy(dtype=float)

    @property
    def missing(self) -> np.ndarray:
        """Boolean ``T x 3`` mask of the values missing at the ragged edge."""
        return np.isnan(self.array)

    def complete(self) -> pd.DataFrame:
        """Rows up to :attr:`last_complete` (the estimation sample), ``date`` and variables."""
        return self.frame[self.frame["date"] <= self.last_complete].reset_index(drop=True)

    def summary(self) -> str:
        """Describe the sample, the ragged edge and the notes in a few lines."""
        first = self.frame["date"].iloc[0]
        lines = [
            (
                f"SVAR data {first:%Y-%m}..{self.as_of:%Y-%m} ({len(self.frame)} months), "
                f"complete to {self.last_complete:%Y-%m}"
            ),
            (
                f"  real prices in {self.as_of:%Y-%m} dollars (CPI {self.cpi_ref:.3f}); "
                f"recent inflation {self.inflation_pct:.3f}% a month"
            ),
        ]
        lines += [f"  filled: {entry}" for entry in self.filled]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"SVARDataset({self.frame['date'].iloc[0]:%Y-%m}..{self.as_of:%Y-%m}, "
            f"complete to {self.last_complete:%Y-%m}, filled={len(self.filled)})"
        )


def svar_dataset(
    production: pd.DataFrame,
    activity: pd.DataFrame,
    price: pd.DataFrame,
    cpi: pd.DataFrame,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    as_of: str | pd.Timestamp | None = None,
    production_long: pd.DataFrame | None = None,
    price_long: pd.DataFrame | None = None,
    cpi_long: pd.DataFrame | None = None,
) -> SVARDataset:
    """Align the four monthly series into the SVAR's variables.

    Parameters
    ----------
    production
        ``date, value``: world crude production, kb/d (``world_crude_production_kbd``).
    activity
        ``date, value``: Kilian's real activity index (``kilian_rea``).
    price
        ``date, value``: nominal Brent, US$/bbl (``brent_usd``).
    cpi
        ``date, value``: US CPI (``us_cpi``); NaN values are holes.
    start
        First month of the sample (production growth needs the month before it). The
        default, 1992-02, avoids EIA's incomplete world aggregate before 1992.
    as_of
        Last month; default the last month any series has. Later data is ignored.
    production_long
        ``date, value``: world crude production back to 1973 (Känzig 2021,
        ``world_crude_production_long_kbd``); needed for a start before 1992-02. Growth rates
        before 1992-02 are taken from it, from EIA's series after (the splice is on growth
        rates, so the two levels need not agree).
    price_long
        ``date, value``: Brent back to 1974 (Känzig's extended Brent, ``brent_long_usd``);
        its levels fill the months before ``price`` starts (1987-05 for EIA's Brent).
    cpi_long
        ``date, value``: US CPI back to 1973 (Känzig's CPIAUCSL, ``us_cpi_long``); fills the
        months before ``cpi`` starts.

    Returns
    -------
    SVARDataset
        The aligned frame, with NaN at the end of series that stop before ``as_of``.

    Raises
    ------
    EstimationError
        If a frame lacks ``date``/``value``, a month repeats, a series has no value in the
        first month, a value is missing before a later one (other than CPI, whose holes are
        interpolated), or a level is not positive.

    Notes
    -----
    CPI holes inside the data are interpolated log-linearly; if the CPI ends before
    ``as_of`` it is extrapolated at its mean monthly log change over its last 12 months.
    Both are recorded in ``notes``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dates = pd.date_range("2000-01-01", periods=6, freq="MS")
    >>> frame = lambda v: pd.DataFrame({"date": dates[: len(v)], "value": v})
    >>> data = svar_dataset(frame([100.0, 101, 102, 103]), frame([0.0, 1, 2, 3, 4, 5]),
    ...                     frame([50.0] * 6), frame([100.0] * 6), start="2000-02")
    >>> data.filled
    ('prod_growth_pct: 2000-05..2000-06 (2 months)',)
    """
    series = {
        "world_crude_production_kbd": _monthly(production, "world_crude_production_kbd"),
        "kilian_rea": _monthly(activity, "kilian_rea"),
        "brent_usd": _monthly(price, "brent_usd"),
        "us_cpi": _monthly(cpi, "us_cpi"),
    }
    first = pd.Period(pd.Timestamp(start), freq="M")
    if as_of is None:
        last = max(s.dropna().index.max() for s in series.values() if s.notna().any())
    else:
        last = pd.Period(pd.Timestamp(as_of), freq="M")
    if last < first:
        raise EstimationError(EMPTY_SAMPLE.format(start=first, as_of=last))
    months = pd.period_range(first, last, freq="M")
    notes: list[str] = []

    growth, splice_notes = _production_growth(
        series["world_crude_production_kbd"], production_long, months
    )
    notes += splice_notes
    cpi_series, cpi_head = _head(series["us_cpi"], cpi_long, months, "us_cpi", "us_cpi_long")
    cpi_levels, cpi_notes = _cpi(cpi_series, months)
    notes += [*cpi_head, *cpi_notes]
    brent, price_notes = _head(
        series["brent_usd"], price_long, months, "brent_usd", "brent_long_usd"
    )
    brent = brent.reindex(months)
    _check_positive(brent, "brent_usd")
    notes += price_notes
    _check_positive(brent, "brent_usd")
    cpi_ref = float(cpi_levels.iloc[-1])
    real = (brent * cpi_ref / cpi_levels).to_numpy(dtype=float)
    data = {
        "prod_growth_pct": growth.to_numpy(dtype=float),
        "rea": series["kilian_rea"].reindex(months).to_numpy(dtype=float),
        "real_price_log": 100.0 * np.log(real),
    }
    filled: list[str] = []
    for variable, values in data.items():
        missing = np.isnan(values)
        if missing[0]:
            raise EstimationError(NO_START.format(variable=variable, month=months[0]))
        observed = np.flatnonzero(~missing)
        end = int(observed[-1])
        holes = np.flatnonzero(missing[: end + 1])
        if holes.size:
            raise EstimationError(HOLE.format(variable=variable, month=months[holes[0]]))
        if end < len(months) - 1:
            count = len(months) - 1 - end
            entry = f"{variable}: {months[end + 1]}..{months[-1]} ({count} months)"
            filled.append(entry)
            notes.append(
                RAGGED.format(
                    variable=variable,
                    last=months[end],
                    first=months[end + 1],
                    end=months[-1],
                    count=count,
                )
            )
    dates = months.to_timestamp().astype("datetime64[ns]")
    frame = pd.DataFrame({"date": dates, **data})
    complete = frame[list(VARIABLES)].notna().all(axis=1).to_numpy()
    last_complete = pd.Timestamp(dates[int(np.flatnonzero(complete)[-1])])
    log_cpi = np.log(cpi_levels.to_numpy(dtype=float))
    window = log_cpi[-13:]
    inflation = 100.0 * float(np.mean(np.diff(window))) if window.size > 1 else 0.0
    return SVARDataset(
        frame=frame,
        as_of=pd.Timestamp(dates[-1]),
        last_complete=last_complete,
        notes=tuple(notes),
        filled=tuple(filled),
        cpi_ref=cpi_ref,
        cpi_last=cpi_ref,
        inflation_pct=inflation,
    )


def to_nominal_price(real_price_log: np.ndarray, dataset: SVARDataset) -> np.ndarray:
    """Turn projected real prices into nominal US$/bbl.

    Parameters
    ----------
    real_price_log
        ``(..., H)``: projected ``real_price_log`` for the ``H`` months after ``as_of``.
    dataset
        The data the model was fitted on (its CPI level and recent inflation).

    Returns
    -------
    numpy.ndarray
        ``exp(real / 100) * CPI_{as_of + h} / CPI_ref``, with the CPI growing at the
        dataset's recent monthly inflation: nominal US$/bbl, same shape.
    """
    real = np.asarray(real_price_log, dtype=float)
    months = np.arange(1, real.shape[-1] + 1, dtype=float)
    deflator = (dataset.cpi_last / dataset.cpi_ref) * np.exp(months * dataset.inflation_pct / 100)
    nominal: np.ndarray = np.exp(real / 100.0) * deflator
    return nominal


def align_instrument(frame: pd.DataFrame, dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Return an instrument (``date, value``) on the sample's months, NaN where not covered.

    Months before the instrument's first non-zero value are not covered: Känzig's (2021)
    surprise series holds zeros from 1975 until the first OPEC announcement in his data
    (1983-07), which mean "not measured", not "no surprise"; months after its last value
    are not covered either. Zeros after the first surprise are months without an
    announcement and are kept.

    Examples
    --------
    >>> frame = pd.DataFrame({"date": pd.date_range("2000-01", periods=4, freq="MS"),
    ...                       "value": [0.0, 0.5, 0.0, -1.0]})
    >>> align_instrument(frame, pd.date_range("1999-12", periods=6, freq="MS")).tolist()
    [nan, nan, 0.5, 0.0, -1.0, nan]
    """
    values = frame.set_index(pd.DatetimeIndex(pd.to_datetime(frame["date"])))["value"]
    values = values.astype(float).sort_index()
    nonzero = values.index[values.to_numpy() != 0.0]
    if len(nonzero):
        values = values[values.index >= nonzero[0]]
    aligned: np.ndarray = values.reindex(pd.DatetimeIndex(dates)).to_numpy(dtype=float)
    return aligned


def _monthly(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a ``date, value`` frame as a float Series indexed by month (NaN values kept)."""
    if not {"date", "value"}.issubset(frame.columns):
        raise EstimationError(
            MISSING_COLUMNS.format(name=name, found=", ".join(map(str, frame.columns)))
        )
    dates = pd.to_datetime(frame["date"], errors="coerce")
    if dates.isna().any():
        raise EstimationError(BAD_DATES.format(name=name))
    months = pd.PeriodIndex(dates, freq="M")
    if months.has_duplicates:
        raise EstimationError(BAD_DATES.format(name=name))
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    return pd.Series(values, index=months, name=name).sort_index()


def _production_growth(
    production: pd.Series, long: pd.DataFrame | None, months: pd.PeriodIndex
) -> tuple[pd.Series, list[str]]:
    """``100 Δlog`` production over ``months``: Känzig's before the splice, EIA's after."""
    first, last = months[0], months[-1]
    splice = pd.Period(SPLICE_MONTH, freq="M")

    def growth_of(levels: pd.Series, name: str, lo: pd.Period, hi: pd.Period) -> pd.Series:
        window = levels.reindex(pd.period_range(lo - 1, hi, freq="M"))
        _check_positive(window, name)
        rates = (100.0 * np.log(window).diff()).iloc[1:]
        rates.index = pd.period_range(lo, hi, freq="M")
        return rates

    if long is None:
        # No splice asked for: a production series that itself reaches back is used as is.
        observed = production.dropna()
        if first < splice and (observed.empty or observed.index[0] > first - 1):
            raise EstimationError(NEEDS_LONG.format(start=first, splice=splice))
        return growth_of(production, "world_crude_production_kbd", first, last), []
    if first >= splice:
        return growth_of(production, "world_crude_production_kbd", first, last), []
    early = growth_of(
        _monthly(long, "world_crude_production_long_kbd"),
        "world_crude_production_long_kbd",
        first,
        min(last, splice - 1),
    )
    if last < splice:
        return early, [SPLICE_NOTE.format(splice=splice)]
    late = growth_of(production, "world_crude_production_kbd", splice, last)
    return pd.concat([early, late]), [SPLICE_NOTE.format(splice=splice)]


def _head(
    series: pd.Series, long: pd.DataFrame | None, months: pd.PeriodIndex, name: str, long_name: str
) -> tuple[pd.Series, list[str]]:
    """``series`` with the months before its first value (from ``months[0]``) from ``long``."""
    observed = series.dropna()
    if long is None or observed.empty or observed.index[0] <= months[0]:
        return series, []
    first = observed.index[0]
    head = _monthly(long, long_name)
    head = head[(head.index >= months[0]) & (head.index < first)]
    note = HEAD_NOTE.format(long=long_name, first=first, name=name)
    return pd.concat([head, series[series.index >= first]]), [note]


def _check_positive(values: pd.Series, name: str) -> None:
    bad = values.notna() & (values <= 0)
    if bad.any():
        month = values.index[bad.to_numpy()][0]
        raise EstimationError(NOT_POSITIVE.format(name=name, month=month, value=values[month]))


def _cpi(cpi: pd.Series, months: pd.PeriodIndex) -> tuple[pd.Series, list[str]]:
    """CPI over ``months``: holes interpolated, a missing end extrapolated (log-linear)."""
    _check_positive(cpi, "us_cpi")
    observed = cpi.dropna()
    if observed.empty or observed.index[0] > months[0]:
        raise EstimationError(NO_START.format(variable="us_cpi", month=months[0]))
    span = pd.period_range(observed.index[0], max(months[-1], observed.index[-1]), freq="M")
    levels_on_span = cpi.reindex(span).to_numpy(dtype=float)
    known = ~np.isnan(levels_on_span)
    last = int(np.flatnonzero(known)[-1])
    notes = []
    holes = np.flatnonzero(~known[: last + 1])
    window = span[holes]
    inside = window[(window >= months[0]) & (window <= months[-1])]
    if inside.size:
        notes.append(CPI_HOLE.format(months=", ".join(str(m) for m in inside)))
    logs, rate = _cpi_logs.nowcast_logs(levels_on_span, CPI_TREND_MONTHS)
    if last < span.size - 1:
        notes.append(
            CPI_EXTRAPOLATED.format(
                last=span[last], months=f"{span[last + 1]}..{span[-1]}", rate=100 * rate
            )
        )
    levels = pd.Series(np.exp(logs), index=span).reindex(months)
    return levels, notes
