"""Monthly frames of a scenario: the export loss, its offsets, and shipments to Cuba.

The timing conventions are those of :mod:`forecast.scenarios`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.errors import ScenarioError
from forecast.scenarios._spec import _REQUIREMENTS, BAD_ARGUMENT, _check, _Shown

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from forecast.scenarios._spec import Outage, Scenario

# --- paths --------------------------------------------------------------------------------


def _as_of_month(as_of: pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(as_of)
    if pd.isna(stamp):
        raise ScenarioError(
            BAD_ARGUMENT.format(name="as_of", requirement="a date", value=_Shown(as_of))
        )
    return pd.Timestamp(year=stamp.year, month=stamp.month, day=1)


def _check_count(name: str, value: int) -> None:
    ok, _ = _check("count", value)
    if not ok:
        requirement = _REQUIREMENTS["count"]
        raise ScenarioError(
            BAD_ARGUMENT.format(name=name, requirement=requirement, value=_Shown(value))
        )


def _check_kbd(name: str, value: float) -> float:
    ok, normalised = _check("kbd", value)
    if not ok:
        requirement = _REQUIREMENTS["kbd"]
        raise ScenarioError(
            BAD_ARGUMENT.format(name=name, requirement=requirement, value=_Shown(value))
        )
    return float(normalised)


def _dates(as_of: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    first = _as_of_month(as_of) + pd.DateOffset(months=1)
    return pd.date_range(first, periods=horizon, freq="MS", unit="ns")


def _start_offset(outage: Outage, as_of: pd.Timestamp) -> int:
    """Months from the as-of month to the outage's first month (may be <= 0)."""
    if isinstance(outage.start, int):
        return outage.start
    year, month = (int(part) for part in outage.start.split("-"))
    month_of = _as_of_month(as_of)
    return (year - month_of.year) * 12 + (month - month_of.month)


def _outage_months(outage: Outage | None, as_of: pd.Timestamp, horizon: int) -> NDArray[np.int64]:
    """Month of the outage ``t`` for each row (``t = 0`` its first month)."""
    rows = np.arange(1, horizon + 1, dtype=np.int64)
    return rows - (0 if outage is None else _start_offset(outage, as_of))


def _intensity(outage: Outage | None, t: NDArray[np.int64]) -> NDArray[np.float64]:
    """Share of the full volume lost in outage month ``t`` (:mod:`forecast.scenarios`' table)."""
    if outage is None:
        return np.zeros(t.shape, dtype=np.float64)
    ramp, full, recovery = outage.ramp_up_months, outage.duration_months, outage.recovery_months
    tf = t.astype(np.float64)
    conditions = [
        t < 0,
        t < ramp,
        t < ramp + full,
        t < ramp + full + recovery,
    ]
    choices = [
        np.zeros_like(tf),
        (tf + 1) / (ramp + 1),
        np.ones_like(tf),
        (ramp + full + recovery - tf) / (recovery + 1),
    ]
    return np.select(conditions, choices, default=0.0).astype(np.float64)


def _linear_on(t: NDArray[np.int64], lag: int, ramp: int) -> NDArray[np.float64]:
    """0 before ``lag``; then ``(t - lag + 1) / (ramp + 1)`` up to 1."""
    on = (t - lag + 1).astype(np.float64) / (ramp + 1)
    return np.clip(on, 0.0, 1.0)


def outage_path(
    scenario: Scenario,
    as_of: pd.Timestamp,
    horizon: int,
    *,
    default_volume_kbd: float,
) -> pd.DataFrame:
    """Monthly export loss and what offsets it, for the ``horizon`` months after ``as_of``.

    Timing follows :mod:`forecast.scenarios`: row ``m`` is the month ``as_of + m`` (``m = 1 ..
    horizon``); an outage starting at ``k`` has its first month at ``as_of + k``; a
    ``"YYYY-MM"`` start at or before the as-of month is already under way and only the
    months after ``as_of`` appear.

    Parameters
    ----------
    scenario
        The scenario; with no outage every column but ``date`` is zero.
    as_of
        The last observed month. Any day of a month stands for that month (so a month start
        is the usual input); a time zone is ignored.
    horizon
        Number of months (>= 0).
    default_volume_kbd
        The full volume when ``scenario.outage.volume_kbd`` is ``None`` (Venezuela's latest
        exports), kb/d >= 0.

    Returns
    -------
    pandas.DataFrame
        One row per month, columns (floats in kb/d unless said):

        - ``date``: month start, ``datetime64[ns]``; the first is the month after ``as_of``.
        - ``intensity``: share of the full volume lost, in [0, 1] (ramp-up, full, recovery).
        - ``gross_loss_kbd``: ``intensity * volume``.
        - ``spare_offset_kbd``: ``spare_capacity_share * s(t) * gross_loss_kbd``, ``s(t)``
          ramping from 0 to 1 as :mod:`forecast.scenarios` says.
        - ``release_offset_kbd``: ``strategic_release_kbd`` in the release months, capped at
          ``gross_loss_kbd - spare_offset_kbd``.
        - ``net_loss_kbd``: ``gross_loss_kbd - spare_offset_kbd - release_offset_kbd`` (>= 0),
          the loss to world supply.

        When ``affects_world_supply`` is ``False`` (exports redirected), ``gross_loss_kbd``
        still shows Venezuela's lost exports but nothing is lost to the world market: both
        offsets and ``net_loss_kbd`` are 0 in every month.

    Raises
    ------
    ScenarioError
        If ``horizon`` is negative, ``default_volume_kbd`` is needed and negative or not a
        finite number, or ``as_of`` is not a date.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecast.scenarios import Scenario, outage_path
    >>> spec = Scenario.from_dict({
    ...     "id": "example", "title": "Example",
    ...     "outage": {"start": 1, "duration_months": 2, "volume_kbd": 500},
    ...     "offsets": {"spare_capacity_share": 0.5, "spare_capacity_lag_months": 1},
    ... })
    >>> path = outage_path(spec, pd.Timestamp("2025-06-01"), 3, default_volume_kbd=800.0)
    >>> path["net_loss_kbd"].tolist()
    [500.0, 250.0, 0.0]
    """
    _check_count("horizon", horizon)
    dates = _dates(as_of, horizon)
    outage = scenario.outage
    t = _outage_months(outage, as_of, horizon)
    intensity = _intensity(outage, t)
    zeros = np.zeros(horizon, dtype=np.float64)
    if outage is None:
        gross = zeros.copy()
    else:
        volume = outage.volume_kbd
        if volume is None:
            volume = _check_kbd("default_volume_kbd", default_volume_kbd)
        gross = intensity * volume
    if outage is None or not outage.affects_world_supply:
        spare, release, net = zeros.copy(), zeros.copy(), zeros.copy()
    else:
        offsets = scenario.offsets
        spare_on = _linear_on(
            t, offsets.spare_capacity_lag_months, offsets.spare_capacity_ramp_months
        )
        # Written as gross * (1 - share) so the loss left is monotone in gross, bit for bit.
        remaining = gross * (1.0 - offsets.spare_capacity_share * spare_on)
        spare = gross - remaining
        lag = offsets.strategic_release_lag_months
        releasing = (t >= lag) & (t < lag + offsets.strategic_release_months)
        release = np.minimum(np.where(releasing, offsets.strategic_release_kbd, 0.0), remaining)
        net = remaining - release
    return pd.DataFrame(
        {
            "date": dates,
            "intensity": intensity,
            "gross_loss_kbd": gross,
            "spare_offset_kbd": spare,
            "release_offset_kbd": release,
            "net_loss_kbd": net,
        }
    )


def cuba_shipments_path(
    scenario: Scenario,
    as_of: pd.Timestamp,
    horizon: int,
    *,
    default_baseline_kbd: float,
) -> pd.DataFrame:
    """Monthly Venezuelan oil shipments to Cuba, and how many lost barrels Cuba replaces.

    Same rows and timing as :func:`outage_path`. Shipments fall from the baseline toward
    ``cuba.shipments_kbd_during_outage`` in proportion to the outage intensity, whether or
    not the outage affects world supply (redirected exports cost Cuba as much).

    Parameters
    ----------
    scenario
        The scenario; with no outage nothing is lost.
    as_of
        The last observed month (any day of it).
    horizon
        Number of months (>= 0).
    default_baseline_kbd
        The no-outage shipments when ``cuba.baseline_shipments_kbd`` is ``None`` (the latest
        from the facts), kb/d >= 0.

    Returns
    -------
    pandas.DataFrame
        One row per month, columns (kb/d):

        - ``date``: month start, ``datetime64[ns]``.
        - ``baseline_kbd``: shipments without an outage (constant).
        - ``shipments_kbd``: ``baseline - intensity * max(baseline - during, 0)``; a
          during-outage level above the baseline leaves shipments at the baseline.
        - ``lost_kbd``: ``baseline_kbd - shipments_kbd``.
        - ``replaced_kbd``: ``lost_kbd * replacement_share``, bought at market prices.
        - ``unreplaced_kbd``: ``lost_kbd - replaced_kbd``.

    Raises
    ------
    ScenarioError
        If ``horizon`` is negative or ``default_baseline_kbd`` is needed and negative or not
        a finite number.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecast.scenarios import Scenario, cuba_shipments_path
    >>> spec = Scenario.from_dict({
    ...     "id": "example", "title": "Example",
    ...     "outage": {"start": 1, "duration_months": 1},
    ...     "cuba": {"shipments_kbd_during_outage": 10, "replacement_share": 0.25},
    ... })
    >>> path = cuba_shipments_path(spec, pd.Timestamp("2025-06-01"), 2, default_baseline_kbd=30)
    >>> path[["shipments_kbd", "replaced_kbd"]].to_numpy().tolist()
    [[10.0, 5.0], [30.0, 0.0]]
    """
    _check_count("horizon", horizon)
    dates = _dates(as_of, horizon)
    cuba = scenario.cuba
    baseline = cuba.baseline_shipments_kbd
    if baseline is None:
        baseline = _check_kbd("default_baseline_kbd", default_baseline_kbd)
    intensity = _intensity(scenario.outage, _outage_months(scenario.outage, as_of, horizon))
    lost = intensity * max(baseline - cuba.shipments_kbd_during_outage, 0.0)
    replaced = lost * cuba.replacement_share
    return pd.DataFrame(
        {
            "date": dates,
            "baseline_kbd": np.full(horizon, baseline, dtype=np.float64),
            "shipments_kbd": baseline - lost,
            "lost_kbd": lost,
            "replaced_kbd": replaced,
            "unreplaced_kbd": lost - replaced,
        }
    )
