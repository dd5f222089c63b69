"""The no-outage price baselines (``no_change_eom``, ``no_change``, ``arima``, ``ets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from forecast import catalog
from forecast.models.adapters._base import AdapterBase
from forecast.models.baseline import BaselineFit, fit_baseline, simulate_baseline
from forecast.models.protocol import Assumption

if TYPE_CHECKING:
    import numpy as np

    from forecast._typing import PriceBaseline
    from forecast.models.protocol import RunContext

NO_CLOSE = (
    "{series_id}: no daily close in {as_of:%B %Y}, so its no-outage path starts from the "
    "monthly average instead of the end-of-month price."
)


class BaselineAdapter(AdapterBase):
    """Brent and WTI no-outage draws from one baseline method, shared by every price model.

    With ``no_change_eom`` a price without a daily close in the as-of month falls back to
    ``no_change`` (a note says so). Brent and WTI use the same random stream, so their
    baseline draws move together.
    """

    def __init__(self, context: RunContext) -> None:
        inputs = context.inputs
        method: PriceBaseline = context.spec.price_baseline
        self.name = method
        self.fits: dict[str, BaselineFit] = {}
        self.draws: dict[str, np.ndarray] = {}
        self.anchors: dict[str, tuple[pd.Timestamp, float]] = {}
        notes = []
        for series_id in catalog.PRICE_SERIES:
            own = method
            close = inputs.last_closes.get(series_id) if method == "no_change_eom" else None
            if method == "no_change_eom" and close is None:
                own = "no_change"
                notes.append(NO_CLOSE.format(series_id=series_id, as_of=inputs.as_of))
            if close is not None:
                self.anchors[series_id] = close
            self.fits[series_id] = fit_baseline(
                inputs.prices(series_id), own, anchor=None if close is None else close[1]
            )
            self.draws[series_id] = simulate_baseline(
                self.fits[series_id], context.horizon, context.draws, rng=context.rng("price")
            )
        self.notes = tuple(notes)
        self.assumptions = tuple(
            Assumption(
                f"anchor_{sid}",
                f"{sid}: last daily close, start of the no-outage path",
                close,
                "US$/bbl",
                _close_source(inputs.close_series.get(sid, catalog.DAILY_CLOSES[sid]), day),
            )
            for sid, (day, close) in self.anchors.items()
        )
        self.raw = {"fits": self.fits}

    @property
    def params(self) -> pd.DataFrame:
        """Each price's baseline parameters (model ``baseline_<method actually used>``)."""
        pieces = [
            fit.params.assign(model=f"baseline_{fit.method}", variable=series_id)
            for series_id, fit in self.fits.items()
        ]
        frame = pd.concat(pieces, ignore_index=True)
        return frame[["model", "variable", "term", "estimate", "std_err"]]


def _close_source(series_id: str, day: pd.Timestamp) -> str:
    """Name the close: ``series on YYYY-MM-DD``, or the month for month-end close series."""
    if catalog.get(series_id).frequency == "monthly":
        return f"{series_id}, last close of {day:%B %Y}"
    return f"{series_id} on {day:%Y-%m-%d}"


def setup(context: RunContext) -> BaselineAdapter:
    """Fit the run's price baseline and draw its no-outage paths."""
    return BaselineAdapter(context)
