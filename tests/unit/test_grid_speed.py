"""The grid's fast paths give the numbers of the plain ones, bit for bit."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pandas as pd
import pytest

from forecast.executors import BLAS_THREAD_VARIABLES, single_threaded_blas
from forecast.grid._loss import net_losses
from forecast.grid._project import _pct
from forecast.scenarios import apply_overrides, builtin_scenarios, outage_path, resolve_scenario

AS_OF = pd.Timestamp("2025-06-01")


def _scenarios() -> list:  # type: ignore[type-arg]
    base = resolve_scenario("venezuela_full_halt")
    rng = np.random.default_rng(3)
    out = list(builtin_scenarios().values())
    grid = itertools.product((1, 3, "2025-04", "2025-09"), (0, 2), (1, 5, 30), (0, 3))
    for start, ramp, duration, recovery in grid:
        overrides = [
            f"outage.start={start!r}" if isinstance(start, int) else f'outage.start="{start}"',
            f"outage.ramp_up_months={ramp}",
            f"outage.duration_months={duration}",
            f"outage.recovery_months={recovery}",
            f"outage.volume_kbd={float(rng.uniform(100, 900))!r}",
            f"offsets.spare_capacity_share={float(rng.uniform(0, 1))!r}",
            f"offsets.spare_capacity_lag_months={int(rng.integers(0, 4))}",
            f"offsets.spare_capacity_ramp_months={int(rng.integers(0, 4))}",
            f"offsets.strategic_release_kbd={float(rng.uniform(0, 400))!r}",
            f"offsets.strategic_release_months={int(rng.integers(0, 6))}",
            f"offsets.strategic_release_lag_months={int(rng.integers(0, 3))}",
        ]
        out.append(apply_overrides(base, overrides))
    out.append(apply_overrides(base, ["outage.affects_world_supply=false"]))
    return out


@pytest.mark.parametrize("horizon", [0, 1, 24, 60])
def test_net_losses_equal_outage_path_bit_for_bit(horizon: int) -> None:
    scenarios = _scenarios()
    batch = net_losses(scenarios, AS_OF, horizon, default_volume_kbd=846.9)
    assert batch.shape == (len(scenarios), horizon)
    for row, scenario in zip(batch, scenarios, strict=True):
        path = outage_path(scenario, AS_OF, horizon, default_volume_kbd=846.9)
        assert np.array_equal(row, path["net_loss_kbd"].to_numpy(dtype=float))


def test_pct_fast_path_is_the_plain_arithmetic() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(50, 90, (1, 30, 12))
    values = base * np.exp(rng.normal(0, 0.1, (4, 30, 12)))
    plain = np.where(base != 0, 100.0 * (values / base - 1), 0)
    assert np.array_equal(_pct(values, base), plain)
    base[0, 3, 4] = 0.0  # a zero baseline takes the guarded path
    assert _pct(values, base)[:, 3, 4].tolist() == [0.0] * 4


def test_single_threaded_blas_restores_the_environment() -> None:
    before = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    with single_threaded_blas():
        assert all(os.environ[name] == "1" for name in BLAS_THREAD_VARIABLES)
    assert {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES} == before
