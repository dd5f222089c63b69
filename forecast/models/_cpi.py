"""Log-linear CPI helpers: interior holes interpolated in logs, a missing end at trend inflation.

US CPI has holes (October 2025 was never published) and is published a month late, so both the
SVAR's dataset and the backtest's data at an origin need the CPI over months it does not cover.
Both use the same rule, here: holes between two known months are interpolated linearly in
logs, and the months after the last known value continue at the average monthly log change of
the last ``trend_months`` known months.
"""

from __future__ import annotations

import numpy as np

__all__ = ["interpolated_logs", "nowcast_logs"]


def interpolated_logs(values: np.ndarray) -> np.ndarray:
    """Return ``log(values)`` with interior holes interpolated linearly in logs.

    Parameters
    ----------
    values
        Monthly levels, ``(T,)``; NaN (or a non-positive value) where unknown.

    Returns
    -------
    numpy.ndarray
        The logs from the first to the last known month (holes interpolated), NaN before and
        after them.
    """
    out = np.full(values.size, np.nan)
    known = np.flatnonzero(np.isfinite(values) & (values > 0))
    if known.size:
        first, last = int(known[0]), int(known[-1])
        out[first : last + 1] = np.interp(np.arange(first, last + 1), known, np.log(values[known]))
    return out


def nowcast_logs(values: np.ndarray, trend_months: int) -> tuple[np.ndarray, float]:
    """Interpolate like :func:`interpolated_logs`, then extend the end at trend inflation.

    Parameters
    ----------
    values
        Monthly levels, ``(T,)``; NaN (or a non-positive value) where unknown.
    trend_months
        The trend is the mean monthly log change over the last ``trend_months`` changes up
        to the last known month (fewer when the data are shorter; 0 with one known month).

    Returns
    -------
    tuple
        The logs (NaN only before the first known month) and the monthly trend rate (0.0
        when nothing is known).
    """
    out = interpolated_logs(values)
    known = np.flatnonzero(np.isfinite(out))
    if known.size == 0:
        return out, 0.0
    first, last = int(known[0]), int(known[-1])
    window = out[max(first, last - trend_months) : last + 1]
    rate = float(np.mean(np.diff(window))) if window.size > 1 else 0.0
    out[last + 1 :] = out[last] + rate * np.arange(1, out.size - last)
    return out, rate
