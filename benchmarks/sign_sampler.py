"""Time svar_sign's sampler: the restricted sampler against the full Haar sampler it replaced.

On the shared data (a store built as :mod:`_shared` builds it, plus Känzig's long series):
the VAR(6) on 1974-02..2017-12 identified by Kilian-Murphy's (2012) impact signs, elasticity
bound and 12 months of dynamic restrictions, 1,000 bootstrap draws (residual bootstrap, 500
rotations per sample and batch, at most 20,000 per sample). "New" is ``bootstrap_svar`` as it
is: it draws only the rotations whose first row leaves room for the elasticity bound, a
binomial number per sample (``_identify.km_region``). "Old" is the same loop with the
previous per-sample kernel (Haar rotations from four normals each, screened, the first
admissible kept), run in the same process on the same fit. Times are CPU seconds
(``time.process_time``, the best of two runs for the new sampler), so another process on the
machine hurts them less than wall-clock times. Both samplers draw from the same distribution;
the summaries of their draws (acceptance rate, medians of the demand shocks' impact
elasticities and of the real-price effect of a sustained 1% supply loss at 0 and 12 months)
are printed with the bootstrap standard error of each median.

Prints information lines, then as its last line one JSON object with the keys ``draws``,
``samples_tried``, ``rotations`` (proposals drawn by the new sampler), ``old_rotations``,
``new_s``, ``old_s``, ``ratio`` (new / old), ``speedup`` (old / new) and both samplers'
acceptance rates; or a JSON line with ``skipped`` when the data folder is absent.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
from _shared import SHARED, build_store

KAENZIG = "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv"
LONG = {  # series id -> value column of Känzig's file (as tests/unit/test_svar_long_sample.py)
    "world_crude_production_long_kbd": "world_crude_oil_production_kbd_EIA1955",
    "brent_long_usd": "brent_spot_extended_usd_bbl_BRENTEXT",
    "us_cpi_long": "us_cpi_CPIAUCSL",
}
DRAWS, SEED = 1000, 1


def _store(folder: Path) -> Path:
    from forecast.sources.csvfile import read_series_csv
    from forecast.store import SeriesUpdate, Store

    path = folder / "store.duckdb"
    build_store(path)
    updates = []
    for series_id, column in LONG.items():
        imported = read_series_csv(SHARED / KAENZIG, series_id, value_col=column)
        updates.append(
            SeriesUpdate(series_id, imported.frame, "csv", imported.origin, imported.sha256)
        )
    Store(path).write(updates)
    return path


def _old_sign_draws(  # the sampler before the restricted one: Haar rotations, screened
    fit: object,
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
    rotations: int,
    max_rotations: int,
) -> tuple[np.ndarray, np.ndarray, int, float]:
    from forecast.models.svar._common import cholesky
    from forecast.models.svar._identify import km_first_admissible, reduced_ma
    from forecast.models.svar.bootstrap import ROTATION_CHUNK

    n, k = sigma.shape[0], sigma.shape[-1]
    chol = cholesky(sigma)
    horizon = fit.dynamic_horizon  # type: ignore[attr-defined]
    phis = reduced_ma(coefs, horizon) if horizon else None
    bound = float(fit.elasticity_bound or 0.0)  # type: ignore[attr-defined]
    chosen, found = np.zeros((n, k, k)), np.zeros(n, dtype=bool)
    tried, pending = np.zeros(n, dtype=np.int64), np.arange(n)
    chunk = max(1, ROTATION_CHUNK // rotations)
    while pending.size:
        for group in np.array_split(pending, -(-pending.size // chunk)):
            quaternions = rng.standard_normal((4, group.size, rotations))
            hit, first = km_first_admissible(
                quaternions, chol[group], bound, None if phis is None else phis[group]
            )
            chosen[group[hit]] = first
            found[group[hit]] = True
        tried[pending] += rotations
        pending = pending[~found[pending] & (tried[pending] < max_rotations)]
    return chosen, found, int(tried.sum()), float(tried.sum())


def _summaries(draws: object) -> dict[str, tuple[float, float]]:
    """Median and its bootstrap standard error of a few functionals of the draws."""
    from forecast.models import _var
    from forecast.models.svar._common import scenario_effect

    impact = draws.impact  # type: ignore[attr-defined]
    theta = _var.structural_ma(draws.coefs, impact, 12)  # type: ignore[attr-defined]
    target = np.zeros(13)
    target[0] = -1.0  # production held 1% below its path (sensitivity.sustained_supply_effect)
    _, effect = scenario_effect(theta, target)
    values = {
        "aggregate_demand_elasticity": impact[:, 0, 1] / impact[:, 2, 1],
        "oil_demand_elasticity": impact[:, 0, 2] / impact[:, 2, 2],
        "price_impact_of_disruption": impact[:, 2, 0],
        "sustained_loss_price_h0": effect[:, 0, 2],
        "sustained_loss_price_h12": effect[:, 12, 2],
    }
    rng = np.random.default_rng(0)
    out = {}
    for name, v in values.items():
        picks = rng.integers(0, v.size, size=(200, v.size))
        out[name] = (float(np.median(v)), float(np.median(v[picks], axis=1).std()))
    return out


def main() -> None:
    if not (SHARED / KAENZIG).is_file():
        print(json.dumps({"skipped": f"{SHARED} lacks {KAENZIG}"}))
        return
    from forecast.models.svar import bootstrap, bootstrap_svar, fit_svar, svar_dataset
    from forecast.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(_store(Path(folder)))
        frames = {
            "production": store.read("world_crude_production_kbd"),
            "activity": store.read("kilian_rea"),
            "price": store.read("brent_usd"),
            "cpi": store.read("us_cpi"),
            "production_long": store.read("world_crude_production_long_kbd"),
            "price_long": store.read("brent_long_usd"),
            "cpi_long": store.read("us_cpi_long"),
        }
    data = svar_dataset(**frames, start="1974-02").complete()  # type: ignore[arg-type]
    data = data[data["date"] <= "2017-12-01"].reset_index(drop=True)
    fit = fit_svar(
        data, 6, identification="sign", rng=np.random.default_rng(SEED), rotations=50_000
    )
    print(f"sample {data['date'].iloc[0]:%Y-%m}..{data['date'].iloc[-1]:%Y-%m}, VAR(6)")

    new_s = float("inf")
    for _ in range(2):
        start = time.process_time()
        new = bootstrap_svar(fit, DRAWS, rng=np.random.default_rng(SEED))
        new_s = min(new_s, time.process_time() - start)
    print(f"new: {new_s:.2f} s; {new.notes[0]}")
    with mock.patch.object(bootstrap, "_sign_draws", _old_sign_draws):
        start = time.process_time()
        old = bootstrap_svar(fit, DRAWS, rng=np.random.default_rng(SEED + 1))
        old_s = time.process_time() - start
    print(f"old: {old_s:.2f} s; {old.notes[0]}")
    old_summary, new_summary = _summaries(old), _summaries(new)
    for name, (old_median, old_se) in old_summary.items():
        new_median, new_se = new_summary[name]
        print(
            f"{name}: old {old_median:.4f} (se {old_se:.4f}), new {new_median:.4f} "
            f"(se {new_se:.4f})"
        )
    result = {
        "draws": DRAWS,
        "samples_tried": new.samples_tried,
        "rotations": new.rotations_tried,
        "old_rotations": old.rotations_tried,
        "acceptance_rate": round(new.acceptance_rate, 4),
        "old_acceptance_rate": round(old.acceptance_rate, 4),
        "new_s": round(new_s, 3),
        "old_s": round(old_s, 3),
        "ratio": round(new_s / old_s, 4),
        "speedup": round(old_s / new_s, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
