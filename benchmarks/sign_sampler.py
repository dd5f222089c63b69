"""Time svar_sign's sampler: the screened quaternion sampler against the QR sampler it replaced.

On the shared data (a store built as :mod:`_shared` builds it, plus Känzig's long series):
the VAR(6) on 1974-02..2017-12 identified by Kilian-Murphy's (2012) impact signs, elasticity
bound and 12 months of dynamic restrictions, 1,000 bootstrap draws (residual bootstrap, 500
rotations per sample and batch, at most 20,000 per sample). "New" is ``bootstrap_svar`` as it
is; "old" is the same loop with the previous per-rotation kernel (a batched QR Haar draw of
every candidate and the full check of every candidate, ``km_filter``), run in the same process
on the same fit. Times are CPU seconds (``time.process_time``), so another process on the
machine hurts them less than wall-clock times.

Prints information lines, then as its last line one JSON object with the keys ``draws``,
``samples_tried``, ``rotations``, ``new_s``, ``old_s``, ``ratio`` (new / old) and the old
sampler's acceptance rate; or a JSON line with ``skipped`` when the data folder is absent.
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


def _old_sign_draws(  # the sampler before the screen: QR draws, every candidate checked
    fit: object,
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
    rotations: int,
    max_rotations: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    from forecast.models import _var
    from forecast.models.svar._common import cholesky
    from forecast.models.svar._identify import km_filter, reduced_ma

    n, k = sigma.shape[0], sigma.shape[-1]
    chol = cholesky(sigma)
    horizon = fit.dynamic_horizon  # type: ignore[attr-defined]
    phis = reduced_ma(coefs, horizon) if horizon else None
    bound = float(fit.elasticity_bound or 0.0)  # type: ignore[attr-defined]
    chosen, found = np.zeros((n, k, k)), np.zeros(n, dtype=bool)
    tried, pending = np.zeros(n, dtype=np.int64), np.arange(n)
    chunk = max(1, 250_000 // rotations)
    while pending.size:
        for group in np.array_split(pending, -(-pending.size // chunk)):
            candidates = chol[group, None] @ _var.haar_rotations(rng, (group.size, rotations), k)
            accepted, ordered = km_filter(
                candidates, bound, None if phis is None else phis[group, None]
            )
            hit = accepted.any(axis=1)
            first = np.argmax(accepted, axis=1)
            chosen[group[hit]] = ordered[np.flatnonzero(hit), first[hit]]
            found[group[hit]] = True
        tried[pending] += rotations
        pending = pending[~found[pending] & (tried[pending] < max_rotations)]
    return chosen, found, int(tried.sum())


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

    start = time.process_time()
    new = bootstrap_svar(fit, DRAWS, rng=np.random.default_rng(SEED))
    new_s = time.process_time() - start
    print(f"new: {new_s:.2f} s; {new.notes[0]}")
    with mock.patch.object(bootstrap, "_sign_draws", _old_sign_draws):
        start = time.process_time()
        old = bootstrap_svar(fit, DRAWS, rng=np.random.default_rng(SEED))
        old_s = time.process_time() - start
    print(f"old: {old_s:.2f} s; {old.notes[0]}")
    result = {
        "draws": DRAWS,
        "samples_tried": new.samples_tried,
        "rotations": new.rotations_tried,
        "acceptance_rate": round(new.acceptance_rate, 4),
        "old_acceptance_rate": round(old.acceptance_rate, 4),
        "new_s": round(new_s, 3),
        "old_s": round(old_s, 3),
        "ratio": round(new_s / old_s, 4),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
