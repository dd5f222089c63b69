"""The accounting channels both Cuba models share: supply gap, import bill and its drag, power.

The two models differ in how lost barrels move GDP, not in this accounting: a scenario's
barrels lost and replaced, and its Brent draws, give the unreplaced gap (kb/d and % of needs),
the extra import bill of the replaced barrels and its GDP drag, and the electricity
generation at risk (:func:`accounting_channels`). :func:`scenario_accounts` adds the checks
every projection makes first, and :func:`start_level` gives the GDP level index the
projections cumulate their growth from.

Everything here is a pure function of arrays and a calibration.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from forecast.models.cuba.data import LEVEL_BASE_YEAR

if TYPE_CHECKING:
    from collections.abc import Callable

    from forecast.models.cuba.calibrated import CubaCalibration

__all__ = [
    "BAD_INPUT",
    "BAD_SHAPE",
    "LEVEL_FLOOR",
    "CubaAccounts",
    "accounting_channels",
    "scenario_accounts",
    "start_level",
]

FloatArray = npt.NDArray[np.float64]

BAD_SHAPE = "{name} has shape {shape}; expected {expected}"
BAD_INPUT = "{name}: {problem}"

LEVEL_FLOOR: Final = 0.1
"""Numerical guard: GDP never falls below a tenth of its no-loss level (binds only far outside
the calibrated range, for extreme elasticity draws)."""


def _as_path(name: str, values: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(BAD_SHAPE.format(name=name, shape=arr.shape, expected=f"({n},)"))
    if not np.all(np.isfinite(arr)):
        raise ValueError(BAD_INPUT.format(name=name, problem="has non-finite values"))
    return arr


@dataclass(frozen=True, slots=True, eq=False)
class CubaAccounts:
    """The accounting channels of a scenario, before any GDP elasticity.

    Attributes
    ----------
    gap_kbd, gap_pct
        ``(years,)``: unreplaced barrels, kb/d and % of needs (capped at 100).
    bill_usd_m, drag_pct
        ``(draws, years)``: the extra import bill (million US$) and its GDP drag (% of GDP).
    electricity_gwh
        ``(years,)``: generation at risk from the unreplaced barrels.
    """

    gap_kbd: np.ndarray
    gap_pct: np.ndarray
    bill_usd_m: np.ndarray
    drag_pct: np.ndarray
    electricity_gwh: np.ndarray

    def drag_growth_pct(self) -> np.ndarray:
        """``(draws, years)``: growth lost to the import bill alone, percentage points."""
        level = np.maximum(1.0 - self.drag_pct / 100.0, LEVEL_FLOOR)
        prev_level = np.concatenate((np.ones((level.shape[0], 1)), level[:, :-1]), axis=1)
        growth: np.ndarray = (level / prev_level - 1.0) * 100.0
        return growth

    def channels(self) -> dict[str, np.ndarray]:
        """Return the four accounting outputs, each ``(draws, years)``."""
        draws = self.bill_usd_m.shape[0]
        return {
            "cuba_oil_supply_gap_kbd": np.tile(self.gap_kbd, (draws, 1)),
            "cuba_oil_supply_gap_pct": np.tile(self.gap_pct, (draws, 1)),
            "cuba_import_bill_usd_m": self.bill_usd_m,
            "cuba_electricity_at_risk_gwh": np.tile(self.electricity_gwh, (draws, 1)),
        }


def accounting_channels(
    calib: CubaCalibration,
    draws: int,
    *,
    years: npt.ArrayLike,
    lost_kbd: npt.ArrayLike,
    replaced_kbd: npt.ArrayLike,
    brent_usd: npt.ArrayLike,
) -> CubaAccounts:
    """Compute the supply gap, import bill, its GDP drag and power at risk of a scenario.

    Shared by every Cuba model: they differ in how lost barrels move GDP, not in this
    accounting.

    Parameters
    ----------
    calib
        The calibration (oil needs, power per barrel, GDP and pass-through).
    draws
        Number of draws (rows of ``brent_usd``).
    years
        Consecutive calendar years of the projection.
    lost_kbd, replaced_kbd
        ``(years,)``: barrels lost against the baseline, and the part bought at market price.
    brent_usd
        ``(draws, years)``: annual average Brent per draw, nominal US$/bbl.

    Raises
    ------
    ValueError
        If a shape does not match, a value is negative or not finite, more barrels are
        replaced than lost, or ``years`` are not consecutive.
    """
    year_arr = np.asarray(years, dtype=np.int64)
    n_years = year_arr.size
    if n_years > 1 and not np.all(np.diff(year_arr) == 1):
        raise ValueError(BAD_INPUT.format(name="years", problem="not consecutive years"))
    lost = _as_path("lost_kbd", lost_kbd, n_years)
    replaced = _as_path("replaced_kbd", replaced_kbd, n_years)
    if np.any(lost < 0) or np.any(replaced < 0):
        raise ValueError(BAD_INPUT.format(name="lost_kbd/replaced_kbd", problem="negative"))
    if np.any(replaced > lost):
        raise ValueError(
            BAD_INPUT.format(name="replaced_kbd", problem="larger than lost_kbd in some year")
        )
    shape = (draws, n_years)
    brent = np.asarray(brent_usd, dtype=np.float64)
    if brent.shape != shape:
        raise ValueError(BAD_SHAPE.format(name="brent_usd", shape=brent.shape, expected=shape))
    if not np.all(np.isfinite(brent)):
        raise ValueError(BAD_INPUT.format(name="brent_usd", problem="has non-finite values"))
    gap_kbd = lost - replaced
    days = np.array([366.0 if calendar.isleap(int(y)) else 365.0 for y in year_arr])
    bill = replaced * 1000.0 * days * brent / 1e6
    return CubaAccounts(
        gap_kbd=gap_kbd,
        gap_pct=np.minimum(100.0 * gap_kbd / calib.oil_needs_kbd, 100.0),
        bill_usd_m=bill,
        drag_pct=calib.import_bill_pass_through * 100.0 * bill / calib.gdp_usd_m,
        electricity_gwh=gap_kbd * calib.gwh_per_kbd,
    )


def scenario_accounts(
    calib: CubaCalibration,
    draws: int,
    n_years: int,
    *,
    years: npt.ArrayLike,
    lost_kbd: npt.ArrayLike,
    replaced_kbd: npt.ArrayLike,
    brent_usd: npt.ArrayLike,
) -> tuple[npt.NDArray[np.int64], CubaAccounts]:
    """Check a projection's years against its draws and compute its accounting channels.

    Parameters
    ----------
    calib
        The calibration.
    draws, n_years
        The draws' shape: ``years`` must hold ``n_years`` years, ``brent_usd`` ``draws`` rows.
    years, lost_kbd, replaced_kbd, brent_usd
        As for :func:`accounting_channels`.

    Returns
    -------
    tuple of numpy.ndarray and CubaAccounts
        The years as int64, and the channels.

    Raises
    ------
    ValueError
        If ``years`` does not hold ``n_years`` years, or as :func:`accounting_channels`.
    """
    year_arr = np.asarray(years, dtype=np.int64)
    if year_arr.shape != (n_years,):
        raise ValueError(
            BAD_SHAPE.format(name="years", shape=year_arr.shape, expected=f"({n_years},)")
        )
    accounts = accounting_channels(
        calib,
        draws,
        years=year_arr,
        lost_kbd=lost_kbd,
        replaced_kbd=replaced_kbd,
        brent_usd=brent_usd,
    )
    return year_arr, accounts


def start_level(
    calib: CubaCalibration, first_year: int, bridge: Callable[[int, float, int], float]
) -> float:
    """GDP level index at the end of the year before ``first_year``.

    Parameters
    ----------
    calib
        The calibration, whose ``gdp_level_history`` runs from :data:`LEVEL_BASE_YEAR` to the
        last year of the GDP table.
    first_year
        First year of the projection.
    bridge
        ``bridge(last_year, last_level, year)`` carries the level from the last year of the
        GDP table to a later ``year``; each model bridges at its own growth.

    Raises
    ------
    ValueError
        If the year before ``first_year`` is before :data:`LEVEL_BASE_YEAR`.
    """
    history = dict(calib.gdp_level_history)
    prev = first_year - 1
    if prev in history:
        return history[prev]
    last_year, last_level = calib.gdp_level_last
    if prev < last_year:
        raise ValueError(
            BAD_INPUT.format(
                name="years",
                problem=f"starts in {first_year}; the GDP level index starts in "
                f"{LEVEL_BASE_YEAR} and needs the year before the projection",
            )
        )
    return bridge(last_year, last_level, prev)
