"""The oil-market SVAR as a price model (:mod:`forecast.models.svar`).

Each scenario's outage becomes the supply shocks that make world production follow it
(structural scenario); the SVAR's price effect is applied draw by draw to the run's no-outage
baseline, so the SVAR and the elasticity model share their baseline and differ only in the
effect of the shock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from forecast.models import svar
from forecast.models.adapters._base import AdapterBase
from forecast.models.protocol import params_frame

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from forecast.models.protocol import RunContext

SERIES = ("world_crude_production_kbd", "kilian_rea", "us_cpi")
SIGN_NOTE = (
    "SVAR identified by sign restrictions with a bound on the impact price elasticity of oil "
    "supply (Kilian and Murphy 2012), not recursively."
)
RAGGED_NOTE = (
    "SVAR ragged edge: months missing at the end of the sample were filled with the forecast "
    "conditional on the observed series (Waggoner and Zha): {filled}."
)


class SVARAdapter(AdapterBase):
    """The SVAR fitted once, its bootstrap draws and the as-of state."""

    def __init__(self, context: RunContext) -> None:
        if context.baseline is None:  # pragma: no cover - the engine sets the baseline up first
            raise ValueError("the svar model needs the run's baseline")
        inputs, options = context.inputs, context.options
        self.name = context.name
        cut = {sid: inputs.months(sid) for sid in SERIES}
        self.dataset = svar.svar_dataset(
            cut["world_crude_production_kbd"],
            cut["kilian_rea"],
            inputs.prices("brent_usd"),
            cut["us_cpi"],
            as_of=inputs.as_of,
        )
        sign = options["identification"] == "sign"
        self.fit = svar.fit_svar(
            self.dataset.complete(),
            options["lags"],
            identification=options["identification"],
            rng=context.rng("svar_rotations") if sign else None,
        )
        self.draws = svar.bootstrap_svar(
            self.fit,
            context.draws,
            rng=context.rng("svar_boot"),
            method=options["bootstrap"],
            rotations=options["rotations"],
        )
        filled, _ = svar.fill_ragged_edge(self.fit, self.dataset.frame)
        self.state = filled[-self.fit.lags :]
        self.context = context
        self.baseline = context.baseline.draws
        self.world_kbd = inputs.world_kbd
        self.notes = self._notes()
        self.tables = self._tables()
        self.raw = {"fit": self.fit, "draws": self.draws, "dataset": self.dataset}

    def project(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """Brent and WTI draws: the baseline times each draw's SVAR price effect."""
        projection = svar.project_svar(
            self.fit,
            self.draws,
            self.state,
            self.context.horizon,
            production_level_deviation=np.log1p(-net_loss_kbd / self.world_kbd),
            rng=self.context.rng("svar_paths"),
            shocks=False,
            paths=self.context.draws,
        )
        effect = np.exp(projection.price_effect_pct / 100.0)
        return {sid: base * effect for sid, base in self.baseline.items()}

    def _tables(self) -> dict[str, pd.DataFrame]:
        """Impulse responses, variance and historical decompositions, implied elasticity."""
        response = svar.supply_price_response(self.fit, self.draws)
        return {
            "svar_irf": svar.irf_frame(self.fit, self.draws),
            "svar_fevd": svar.fevd_frame(self.fit, self.draws),
            "svar_hd": svar.historical_decomposition(self.fit),
            "svar_supply_response": response.peak,
        }

    def _notes(self) -> tuple[str, ...]:
        """Return what the report must say about the SVAR's data (ragged edge, CPI holes)."""
        filled = "; ".join(self.dataset.filled)
        notes = [*self.dataset.notes, *self.draws.notes]
        if self.fit.identification == "sign":
            notes.append(SIGN_NOTE)
        if filled:
            notes.append(RAGGED_NOTE.format(filled=filled))
        return tuple(notes)

    @property
    def params(self) -> pd.DataFrame:
        """Impact responses (with bootstrap s.e.), stability, lags and sample size."""
        fit, draws = self.fit, self.draws
        terms, estimates, errors = [], [], []
        for i, variable in enumerate(fit.variables):
            for j, shock in enumerate(fit.shocks):
                terms.append(f"impact of {shock} shock on {variable}")
                estimates.append(float(fit.impact[i, j]))
                errors.append(float(draws.impact[:, i, j].std()) if len(draws) else np.nan)
        terms += ["largest companion root", "lags", "observations"]
        estimates += [fit.max_root, float(fit.lags), float(fit.nobs)]
        roots = draws.max_roots()
        errors += [float(roots.std()) if len(roots) else np.nan, np.nan, np.nan]
        return params_frame(self.name, "brent_usd", terms, estimates, errors)


def setup(context: RunContext) -> SVARAdapter:
    """Estimate the SVAR and its bootstrap once for the run."""
    return SVARAdapter(context)
