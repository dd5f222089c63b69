"""The Cuba econometric model's assumptions on the price channel, and the effect its draws carry.

:func:`price_coefficient` turns a scenario's ``cuba.price_channel`` into the fixed price
coefficient :func:`forecast.models.cuba.econometric.draw_cuba` puts in the draws (or ``None``:
drawn from the restricted posterior). :func:`drawn_oil_effect` summarises the oil
coefficients the draws carry (truncated to ``>= 0``, so above the unrestricted posterior
mean) and :func:`with_drawn_effect` adds them to a fit's ``oil_effect`` table and notes, so
the report quotes the effect the projections use.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Final

import pandas as pd

from forecast.models.cuba import notes
from forecast.models.cuba.data import PRICE, SUPPLY, SUPPLY_LAG

if TYPE_CHECKING:
    from forecast.models.cuba.econometric import CubaFit, PosteriorDraws

__all__ = [
    "ACCOUNTING_MARKET_KBD",
    "ACCOUNTING_PRICE_USD",
    "DRAWN_SOURCE",
    "drawn_oil_effect",
    "price_coefficient",
    "with_drawn_effect",
]

ACCOUNTING_MARKET_KBD: Final = 50.0
"""Oil Cuba buys at market prices, kb/d, in the accounting price channel: imports of about 70
kb/d (2022) and an import deficit of 80 kb/d (2019, facts: cuba_oil_balance_estimates) less
the Venezuelan and Mexican supply, rounded."""

ACCOUNTING_PRICE_USD: Final = 65.0
"""Brent, US$/bbl, of the accounting price channel (about the 2025 average)."""

BAD_PRICE_CHANNEL = (
    "Cuba model: price_channel must be 'restricted_estimate', 'accounting', 'none' or a "
    "number <= 0, got {value!r}"
)


DRAWN_SOURCE: Final = "posterior as drawn (oil >= 0)"
"""``source`` of the :attr:`CubaFit.oil_effect` row the projections carry."""


def price_coefficient(fit: CubaFit, price_channel: str | float) -> float | None:
    """Return the fixed price coefficient a price channel sets, or ``None`` (drawn).

    Parameters
    ----------
    fit
        The fitted model (its calibration's GDP and import-bill pass-through).
    price_channel
        ``"restricted_estimate"`` (``None``: drawn from the restricted posterior),
        ``"accounting"`` (:data:`ACCOUNTING_MARKET_KBD` bought at :data:`ACCOUNTING_PRICE_USD`,
        the calibration's pass-through of the extra bill off its dollar GDP), ``"none"`` (0)
        or a number <= 0.

    Returns
    -------
    float or None
        pp of growth per 1 % real price rise.

    Raises
    ------
    ValueError
        If the channel is none of these.
    """
    if price_channel == "restricted_estimate":
        return None
    if price_channel == "none":
        return 0.0
    if price_channel == "accounting":
        calib = fit.calibration
        bill_m = ACCOUNTING_MARKET_KBD * 365.0 * ACCOUNTING_PRICE_USD / 1000.0
        return -calib.import_bill_pass_through * bill_m / calib.gdp_usd_m
    if isinstance(price_channel, int | float) and not isinstance(price_channel, bool):
        value = float(price_channel)
        if math.isfinite(value) and value <= 0:
            return value
    raise ValueError(BAD_PRICE_CHANNEL.format(value=price_channel))


def drawn_oil_effect(cdraws: PosteriorDraws) -> dict[str, float]:
    """Return the oil and price effects the draws carry (means and sds over the draws).

    The oil coefficients are restricted to ``>= 0``, so their drawn mean is above the
    unrestricted posterior mean; this is the effect the projections use.

    Parameters
    ----------
    cdraws
        The draws.

    Returns
    -------
    dict of str to float
        ``first_year``, ``second_year``, ``cumulative`` (with ``_sd``), and ``price``.
    """
    now, lag = cdraws.coefficient(SUPPLY), cdraws.coefficient(SUPPLY_LAG)
    total = now + lag
    return {
        "first_year": float(now.mean()),
        "first_year_sd": float(now.std()),
        "second_year": float(lag.mean()),
        "second_year_sd": float(lag.std()),
        "cumulative": float(total.mean()),
        "cumulative_sd": float(total.std()),
        "price": float(cdraws.coefficient(PRICE).mean()),
    }


def with_drawn_effect(
    fit: CubaFit, cdraws: PosteriorDraws, price_channel: str | float = "restricted_estimate"
) -> CubaFit:
    """Return the fit with the drawn (restricted) effect in ``oil_effect`` and the notes.

    Parameters
    ----------
    fit
        The fitted model.
    cdraws
        Its draws.
    price_channel
        The price channel the draws were made with.

    Returns
    -------
    CubaFit
        ``oil_effect`` gains the row ``"posterior as drawn (oil >= 0)"``; the notes gain one
        sentence quoting it.
    """
    drawn = drawn_oil_effect(cdraws)
    row = {k: v for k, v in drawn.items() if k != "price"}
    oil = pd.concat(
        [fit.oil_effect, pd.DataFrame([{"source": DRAWN_SOURCE, **row}])], ignore_index=True
    )
    text = notes.drawn_note(fit, drawn, price_channel)
    return dataclasses.replace(fit, oil_effect=oil, notes=(*fit.notes, text))
