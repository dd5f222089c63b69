"""The oil-market SVAR as a price model (:mod:`forecast.models.svar`).

Each scenario's outage becomes the supply shocks that make world production follow it
(structural scenario); the SVAR's price effect is applied draw by draw to the run's no-outage
baseline, so the SVAR and the elasticity model share their baseline and differ only in the
effect of the shock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from forecast.errors import EstimationError
from forecast.models import _var as svar_var
from forecast.models import svar
from forecast.models.adapters._base import AdapterBase
from forecast.models.protocol import params_frame
from forecast.models.svar import _common as svar_common
from forecast.models.svar import projection as svar_projection

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

    def project_many(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """``(points, draws, horizon)`` Brent and WTI draws for ``(points, horizon)`` paths.

        The structural scenario is linear in the production target: per draw, the supply
        shocks are ``L^-1 g`` (``L`` the lower-triangular Toeplitz matrix of production's
        responses to a supply shock, ``g`` the target's monthly growth) and the price effect
        ``P L^-1 g``. ``M = P L^-1`` is computed once per draw (and kept); every point is then
        one matrix product. Equal to :meth:`project` to rounding (about 1e-13).
        """
        paths = np.asarray(net_loss_kbd, dtype=float)
        target = np.log1p(-paths / self.world_kbd)  # (points, horizon)
        growth = 100.0 * np.diff(target, axis=1, prepend=0.0)
        mapping = self._price_map()  # (draws, horizon, horizon)
        draws, horizon = mapping.shape[0], mapping.shape[1]
        # One GEMM for every point: (points, k) @ (k, draws * horizon).
        effect = (growth @ mapping.reshape(draws * horizon, -1).T).reshape(-1, draws, horizon)
        np.divide(effect, 100.0, out=effect)  # in place: exp(effect_pct / 100), one array
        np.exp(effect, out=effect)
        return {sid: base[None, :, :] * effect for sid, base in self.baseline.items()}

    def _price_map(self) -> np.ndarray:
        """``(draws, horizon, horizon)``: real price effect (%) per unit of target growth."""
        cached: np.ndarray | None = getattr(self, "_price_effect_map", None)
        if cached is not None:
            return cached
        horizon, paths = self.context.horizon, self.context.draws
        index = np.arange(paths) % len(self.draws)
        theta = svar_var.structural_ma(
            self.draws.coefs[index], self.draws.impact[index], horizon - 1
        )
        column = theta[..., :horizon, :, svar_common.SUPPLY]  # (draws, H, K)
        own, price = column[..., svar_common.PROD], column[..., svar_common.PRICE]
        if np.any(np.abs(own[:, 0]) < 1e-12):
            draw = int(np.flatnonzero(np.abs(own[:, 0]) < 1e-12)[0])
            raise EstimationError(svar_projection.NO_IMPACT.format(draw=draw))
        lag = np.arange(horizon)[:, None] - np.arange(horizon)[None, :]  # h - j
        below = lag >= 0
        toeplitz_own = np.where(below, own[:, np.clip(lag, 0, None)], 0.0)
        toeplitz_price = np.where(below, price[:, np.clip(lag, 0, None)], 0.0)
        # M = P L^-1, so M' = solve(L', P').
        mapping = np.linalg.solve(
            toeplitz_own.transpose(0, 2, 1), toeplitz_price.transpose(0, 2, 1)
        ).transpose(0, 2, 1)
        self._price_effect_map = np.ascontiguousarray(mapping)
        return self._price_effect_map

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
