"""Yahoo Finance through yfinance: daily closes of the Brent and WTI front-month futures.

yfinance's traps, and what this module does about each:

* ``download()`` options whose defaults changed between releases (``auto_adjust`` became
  ``True`` in 0.2.51; ``multi_level_index`` appeared in 0.2.48): every option is passed
  explicitly in :func:`_download`, the only function that imports or calls yfinance (tests
  replace it with frames shaped like the real ones).
* Column layout: ``(Price, Ticker)`` MultiIndex columns (or a flat frame for one ticker in
  some releases): :func:`normalise`, the one place that reads yfinance's layout, finds the
  ``Close`` level wherever it is.
* Time zones: daily bars can come with a tz-aware index (midnight exchange time); the
  exchange's calendar date is kept and the time zone dropped.
* An unknown or delisted ticker, or a refused request, gives an empty frame (or an all-NaN
  column) instead of an error: that fails the series with a message saying so.
* Rate limits: yfinance 1.7's ``download()`` catches ``YFRateLimitError`` per ticker and only
  logs it; :func:`_download` turns it back into the exception, and :func:`fetch_series`
  retries it with backoff before failing.

Front-month futures can be negative (WTI's May 2020 contract settled at -37.63 on
2020-04-20); the catalog's bounds allow it. Closes are the raw settlement-style closes
(``auto_adjust=False``; futures pay no dividends, so ``Adj Close`` adds nothing).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING

import pandas as pd

from forecast import catalog, schemas
from forecast.errors import DataSourceError
from forecast.sources import _http
from forecast.sources.csvfile import ImportedSeries

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from forecast.sources.registry import FetchRequest

__all__ = ["FIRST_LOAD", "OVERLAP", "fetch_series", "normalise", "refresh_fetch"]

TIMEOUT = 30.0  # seconds, per yfinance request
FIRST_LOAD = pd.DateOffset(years=5)
"""How far back a refresh reaches for a series the store does not hold yet."""
OVERLAP = timedelta(days=10)
"""How far before the last stored date a refresh starts again (late corrections)."""
NO_CODE = "series {series_id!r} has no Yahoo Finance ticker in the catalog"
NO_PRICES = (
    "{origin}: Yahoo Finance returned no prices for {ticker} (an empty frame: an unknown or "
    "delisted ticker, a window without trading days, or a refused request){said}"
)
RATE_LIMITED = "{origin}: Yahoo Finance rate limit (YFRateLimitError), gave up after {n} attempts"
FAILED = "{origin}: yfinance download failed: {error}"
NO_CLOSE = "yfinance returned no 'Close' column (columns: {columns})"


def fetch_series(
    series_id: str,
    *,
    start: date,
    end: date,
    policy: _http.RetryPolicy | None = None,
) -> ImportedSeries:
    """Download the daily closes of ``series_id`` from ``start`` to ``end`` and validate them.

    Parameters
    ----------
    series_id
        A catalog id with a Yahoo ticker, e.g. ``"brent_front_month_usd"`` (``BZ=F``).
    start, end
        The window; ``end`` is exclusive, as in yfinance.
    policy
        Attempts and backoff for rate limits; default from the environment.

    Returns
    -------
    ImportedSeries
        The validated ``date, value`` frame (trading days only), an origin naming the ticker
        and window, and the SHA-256 of the frame as CSV.

    Raises
    ------
    DataSourceError
        If yfinance fails, stays rate-limited after the last attempt, or returns no prices.
    DataValidationError
        If the closes fail the series' schema.
    """
    policy = policy or _http.RetryPolicy.from_env()
    ticker = catalog.get(series_id).source_code("yahoo")
    if ticker is None:
        raise DataSourceError(NO_CODE.format(series_id=series_id))
    origin = f"yahoo:{ticker} {start.isoformat()}..{end.isoformat()} (yfinance, daily close)"
    try:
        raw = policy.call(
            lambda: _download([ticker], start, end), retry_if=_is_rate_limit, what=origin
        )
    except Exception as exc:  # yfinance raises many unrelated types
        if _is_rate_limit(exc):
            raise DataSourceError(RATE_LIMITED.format(origin=origin, n=policy.attempts)) from exc
        error = f"{type(exc).__name__}: {exc}"
        raise DataSourceError(FAILED.format(origin=origin, error=error)) from exc
    closes = normalise(raw, [ticker])[ticker]
    if closes.empty:
        said = "; ".join(raw.attrs.get("yfinance_errors", ()))
        said = f"; yfinance said: {said}" if said else ""
        raise DataSourceError(NO_PRICES.format(origin=origin, ticker=ticker, said=said))
    frame = schemas.validate_series(closes, series_id, origin=origin)
    digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return ImportedSeries(series_id, frame, origin, digest)


def refresh_fetch(series_id: str, request: FetchRequest) -> ImportedSeries:
    """Fetch for ``forecast refresh`` (:mod:`forecast.sources.registry`): a recent window.

    From :data:`OVERLAP` before the last stored date (or :data:`FIRST_LOAD` before today
    when nothing is stored) up to, not including, today: today's bar moves until the close.
    """
    held = request.held
    if held is not None and len(held):
        start = held["date"].iloc[-1].date() - OVERLAP
    else:
        start = (pd.Timestamp(request.today) - FIRST_LOAD).date()
    return fetch_series(series_id, start=start, end=request.today, policy=request.policy)


def normalise(raw: pd.DataFrame, tickers: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Turn a ``yfinance.download()`` frame into one ``date, value`` frame of closes per ticker.

    Parameters
    ----------
    raw
        What ``download()`` returned: ``(Price, Ticker)`` MultiIndex columns (either level
        order), or flat ``Open ... Close ... Volume`` columns when one ticker was asked for.
        The index may be tz-aware.
    tickers
        The tickers asked for; a ticker missing from ``raw`` gets an empty frame.

    Returns
    -------
    dict
        Ticker -> ``date`` (naive ``datetime64[ns]``, the exchange's calendar date) and
        ``value`` (``float64``), sorted, rows without a close dropped. Possibly empty.

    Raises
    ------
    DataSourceError
        If ``raw`` has columns but none of them is ``Close``.
    """
    empty = pd.DataFrame(
        {"date": pd.Series(dtype="datetime64[ns]"), "value": pd.Series(dtype="float64")}
    )
    if raw is None or raw.empty or raw.shape[1] == 0:
        return {ticker: empty.copy() for ticker in tickers}
    if isinstance(raw.columns, pd.MultiIndex):
        level = next(
            (i for i in range(raw.columns.nlevels) if "Close" in raw.columns.get_level_values(i)),
            None,
        )
        if level is None:
            raise DataSourceError(NO_CLOSE.format(columns=list(raw.columns)[:8]))
        closes = raw.xs("Close", axis=1, level=level)
    elif "Close" in raw.columns and len(tickers) == 1:
        closes = raw[["Close"]].set_axis(list(tickers), axis=1)
    else:
        raise DataSourceError(NO_CLOSE.format(columns=list(raw.columns)[:8]))
    index = pd.DatetimeIndex(closes.index)
    if index.tz is not None:
        index = index.tz_localize(None)  # keep the exchange's wall-clock date
    dates = index.normalize().astype("datetime64[ns]")
    out = {}
    for ticker in tickers:
        if ticker not in closes.columns:
            out[ticker] = empty.copy()
            continue
        values = pd.to_numeric(pd.Series(closes[ticker].to_numpy(), index=dates), errors="coerce")
        values = values.astype("float64").dropna().sort_index()
        out[ticker] = pd.DataFrame({"date": values.index, "value": values.to_numpy()})
    return out


def _download(tickers: Sequence[str], start: date, end: date) -> pd.DataFrame:
    """Call ``yfinance.download`` with every option explicit: the only use of yfinance.

    Per-ticker errors that yfinance only logs are collected; a rate limit among them is
    raised as ``YFRateLimitError`` (so it can be retried), the others are kept in
    ``frame.attrs["yfinance_errors"]`` for the failure message.
    """
    import yfinance as yf
    from yfinance.exceptions import YFRateLimitError

    handler = _Collect()
    yf_logger = logging.getLogger("yfinance")
    yf_logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            # yfinance's own deprecation noise under newer pandas is not ours to show.
            warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
            raw = yf.download(
                list(tickers),
                start=start.isoformat(),
                end=end.isoformat(),
                interval="1d",
                auto_adjust=False,
                back_adjust=False,
                actions=False,
                repair=False,
                keepna=False,
                group_by="column",
                multi_level_index=True,
                ignore_tz=True,
                prepost=False,
                rounding=False,
                progress=False,
                threads=False,
                timeout=TIMEOUT,
            )
    finally:
        yf_logger.removeHandler(handler)
    if any("YFRateLimitError" in message for message in handler.messages):
        raise YFRateLimitError
    frame = raw if raw is not None else pd.DataFrame()
    said = (m.strip() for m in handler.messages)
    frame.attrs["yfinance_errors"] = tuple(m for m in said if m and not m.endswith(":"))
    return frame


class _Collect(logging.Handler):
    """Collect yfinance's error records (instead of letting them reach stderr)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _is_rate_limit(exc: BaseException) -> bool:
    """Whether ``exc`` is yfinance's ``YFRateLimitError``, without importing yfinance.

    If it is, ``yfinance.exceptions`` was imported by whoever raised it.
    """
    module = sys.modules.get("yfinance.exceptions")
    cls = getattr(module, "YFRateLimitError", None)
    return isinstance(cls, type) and isinstance(exc, cls)
