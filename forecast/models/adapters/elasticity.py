"""The literature-elasticity price model as an adapter (:mod:`forecast.models.elasticity`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.models import elasticity
from forecast.models.adapters._base import AdapterBase, scaled_baselines
from forecast.models.protocol import Assumption, params_frame

if TYPE_CHECKING:
    from collections.abc import Mapping

    from forecast.models.protocol import RunContext


class ElasticityAdapter(AdapterBase):
    """The baseline times ``1 + impact``, the impact from drawn literature elasticities."""

    def __init__(self, context: RunContext) -> None:
        if context.baseline is None:  # pragma: no cover - the engine sets the baseline up first
            raise ValueError("the elasticity model needs the run's baseline")
        self.name = context.name
        self.world_kbd = context.inputs.world_kbd
        self.baseline = context.baseline.draws
        self.prior = elasticity.elasticity_prior(context.inputs.facts["oil_market_elasticities"])
        self.draws = elasticity.draw_elasticities(
            self.prior, context.draws, rng=context.rng("elasticity")
        )
        multipliers = self.prior.multipliers
        source = "facts: oil_market_elasticities"
        self.assumptions = (
            Assumption(
                "price_response_low",
                "Price response per 1% of world supply lost, lowest study",
                float(np.min(multipliers)),
                "%",
                source,
            ),
            Assumption(
                "price_response_high",
                "Price response per 1% of world supply lost, highest study",
                float(np.max(multipliers)),
                "%",
                source,
            ),
        )
        self.raw = {"prior": self.prior, "draws": self.draws}

    def project(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """Brent and WTI draws under a net supply loss path (kb/d)."""
        impact = elasticity.price_impact(net_loss_kbd / self.world_kbd, self.draws)
        return {sid: elasticity.apply_impact(b, impact) for sid, b in self.baseline.items()}

    def project_many(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """``(points, draws, horizon)`` Brent and WTI draws for ``(points, horizon)`` paths.

        The same arithmetic as :meth:`project`, broadcast over the points (each point's fade
        counts from its own onset), so every row is bit-identical to ``project`` of its path.
        """
        share = np.asarray(net_loss_kbd, dtype=float) / self.world_kbd
        if share.ndim != 2 or not np.all(np.isfinite(share)):
            raise ValueError(f"net_loss_kbd must be finite (points, horizon), got {share.shape}")
        if np.any((share < 0) | (share >= 1)):
            raise ValueError("net_loss_kbd must be in [0, world supply)")
        horizon = share.shape[1]
        months = np.arange(horizon, dtype=float)
        positive = share > 0
        onset = np.where(positive.any(axis=1), positive.argmax(axis=1), horizon).astype(float)
        tau = np.clip(months[None, :] - onset[:, None], 0.0, None)  # (points, horizon)
        # In place, operation for operation: 1 + tau / fade_months, multiplier * share / fade.
        fade = tau[:, None, :] / self.draws.fade_months[None, :, None]
        fade += 1.0
        effect = self.draws.multiplier[None, :, None] * share[:, None, :]
        effect /= fade
        del fade
        np.exp(effect, out=effect)
        return scaled_baselines(self.baseline, effect)

    @property
    def params(self) -> pd.DataFrame:
        """Each study's multiplier, and the drawn multiplier and fade horizon."""
        studies = params_frame(
            self.name,
            "brent_usd",
            [f"multiplier: {name}" for name in self.prior.studies],
            self.prior.multipliers,
        )
        drawn = params_frame(
            self.name,
            "brent_usd",
            ["multiplier, % per 1% lost (draws)", "fade horizon, months (draws)"],
            [self.draws.multiplier.mean(), self.draws.fade_months.mean()],
            [self.draws.multiplier.std(), self.draws.fade_months.std()],
        )
        return pd.concat([studies, drawn], ignore_index=True)


def setup(context: RunContext) -> ElasticityAdapter:
    """Draw the elasticities once for the run."""
    return ElasticityAdapter(context)
