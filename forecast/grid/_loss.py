"""Net world supply loss of many scenarios at once (the ``net_loss_kbd`` of an outage path).

:func:`forecast.scenarios.outage_path` builds a dated frame per scenario (a few milliseconds
each, most of it pandas); a grid needs only the ``net_loss_kbd`` column of thousands of
them. :func:`net_losses` computes that column for every scenario with one array operation
per step, in the same order of floating-point operations as ``outage_path`` (so every value
is bit-identical; the tests compare them). Scenarios it does not batch (no outage, exports
redirected, a ``"YYYY-MM"`` start, an unset volume with an unusable default) go through
``outage_path`` itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from forecast.scenarios import outage_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from forecast.scenarios import Scenario

__all__ = ["net_losses"]

_FIELDS = (
    "start", "ramp", "full", "recovery", "volume", "share", "spare_lag", "spare_ramp",
    "release_kbd", "release_months", "release_lag",
)  # fmt: skip


def _batchable(scenario: Scenario, default_volume_kbd: float) -> bool:
    outage = scenario.outage
    if outage is None or not outage.affects_world_supply:
        return False
    if not isinstance(outage.start, int) or isinstance(outage.start, bool):
        return False
    if outage.volume_kbd is None:
        return math.isfinite(default_volume_kbd) and default_volume_kbd >= 0
    return True


def _parameters(scenarios: Sequence[Scenario], default_volume_kbd: float) -> dict[str, np.ndarray]:
    """``(n, 1)`` column of every field the loss depends on (ints stay ints)."""
    rows = []
    for scenario in scenarios:
        outage, offsets = scenario.outage, scenario.offsets
        assert outage is not None  # noqa: S101 - _batchable
        volume = outage.volume_kbd if outage.volume_kbd is not None else float(default_volume_kbd)
        rows.append(
            (
                outage.start, outage.ramp_up_months, outage.duration_months,
                outage.recovery_months, volume, offsets.spare_capacity_share,
                offsets.spare_capacity_lag_months, offsets.spare_capacity_ramp_months,
                offsets.strategic_release_kbd, offsets.strategic_release_months,
                offsets.strategic_release_lag_months,
            )
        )  # fmt: skip
    columns = list(zip(*rows, strict=True))
    out = {}
    for name, values in zip(_FIELDS, columns, strict=True):
        kind = np.int64 if all(isinstance(v, int) for v in values) else np.float64
        out[name] = np.asarray(values, dtype=kind)[:, None]
    return out


def _batch(scenarios: Sequence[Scenario], horizon: int, default_volume_kbd: float) -> np.ndarray:
    """``(n, horizon)`` net loss of batchable scenarios (``outage_path``'s arithmetic)."""
    p = _parameters(scenarios, default_volume_kbd)
    t = np.arange(1, horizon + 1, dtype=np.int64)[None, :] - p["start"]
    tf = t.astype(np.float64)
    ramp, full, recovery = p["ramp"], p["full"], p["recovery"]
    conditions = [t < 0, t < ramp, t < ramp + full, t < ramp + full + recovery]
    choices = [
        np.zeros_like(tf),
        (tf + 1) / (ramp + 1),
        np.ones_like(tf),
        (ramp + full + recovery - tf) / (recovery + 1),
    ]
    intensity = np.select(conditions, choices, default=0.0).astype(np.float64)
    gross = intensity * p["volume"]
    on = (t - p["spare_lag"] + 1).astype(np.float64) / (p["spare_ramp"] + 1)
    spare_on = np.clip(on, 0.0, 1.0)
    remaining = gross * (1.0 - p["share"] * spare_on)
    lag = p["release_lag"]
    releasing = (t >= lag) & (t < lag + p["release_months"])
    release = np.minimum(np.where(releasing, p["release_kbd"], 0.0), remaining)
    net: np.ndarray = remaining - release
    return net


def net_losses(
    scenarios: Sequence[Scenario], as_of: pd.Timestamp, horizon: int, *, default_volume_kbd: float
) -> np.ndarray:
    """``(len(scenarios), horizon)``: each scenario's ``outage_path(...)["net_loss_kbd"]``."""
    out = np.zeros((len(scenarios), horizon))
    fast = [i for i, s in enumerate(scenarios) if _batchable(s, default_volume_kbd)]
    chosen = set(fast)
    for i, scenario in enumerate(scenarios):
        if i not in chosen:
            path = outage_path(scenario, as_of, horizon, default_volume_kbd=default_volume_kbd)
            out[i] = path["net_loss_kbd"].to_numpy(dtype=float)
    if fast and horizon > 0:
        out[fast] = _batch([scenarios[i] for i in fast], horizon, default_volume_kbd)
    return out
