"""Time the SVAR's vectorised bootstrap bands against statsmodels' ``irf_errband_mc``.

On the real data in ../shared/data (read through the project's CSV importer): a VAR(24) in
world crude production growth, the Kilian index and the log real price of Brent, 1992-02 to
2023-10. "Ours" is ``bootstrap_svar`` (residual recursive-design bootstrap, 1,000 draws: all
samples simulated, re-estimated and re-identified in batched numpy) plus the 24-step
structural impulse responses of every draw and their 2.5% / 97.5% quantiles; its time is
the median of a few runs (the first run is printed too). statsmodels' time is one call of
``VARResults.irf_errband_mc(orth=True, repl=1000, steps=24)`` (a Python loop of 1,000 VAR
refits). The point IRFs of the two are compared (statsmodels' ``orth_ma_rep``; ours with the
supply-disruption sign undone).

Prints information lines, then as its last line one JSON object with the keys ``draws``,
``lags``, ``ours_s``, ``statsmodels_s``, ``speedup``, ``max_abs_diff_point_irf``; or a JSON
line with ``skipped`` when the data folder is absent.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORECAST_SHARED_DATA", REPO.parent / "shared" / "data"))
FILES = {
    "world_crude_production_kbd": "eia_world_crude_oil_production_monthly.csv",
    "kilian_rea": "dallasfed_igrea_kilian_index_monthly_1968_2025.csv",
    "brent_usd": "eia_brent_spot_monthly.csv",
    "us_cpi": "fred_cpiaucsl_us_cpi_monthly.csv",
}
DRAWS, LAGS, STEPS, REPEATS, SEED = 1000, 24, 24, 5, 20251101


def main() -> None:
    missing = [name for name in FILES.values() if not (SHARED / name).is_file()]
    if missing:
        print(json.dumps({"skipped": f"{SHARED} lacks {', '.join(missing)}"}))
        return
    from statsmodels.tsa.api import VAR

    from forecast.models.svar import VARIABLES, bootstrap_svar, fit_svar, svar_dataset
    from forecast.sources.csvfile import read_series_csv

    series = {sid: read_series_csv(SHARED / name, sid).frame for sid, name in FILES.items()}
    data = svar_dataset(
        series["world_crude_production_kbd"],
        series["kilian_rea"],
        series["brent_usd"],
        series["us_cpi"],
    )
    sample = data.complete()
    fit = fit_svar(sample, LAGS)
    print(
        f"sample {sample['date'].iloc[0]:%Y-%m}..{sample['date'].iloc[-1]:%Y-%m}, T={len(sample)}"
    )

    def ours(method: str = "residual") -> np.ndarray:
        draws = bootstrap_svar(fit, DRAWS, rng=np.random.default_rng(SEED), method=method)  # type: ignore[arg-type]
        irfs = draws.irfs(STEPS)
        return np.quantile(irfs, [0.025, 0.975], axis=0)

    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        bands = ours()
        times.append(time.perf_counter() - start)
    ours_s = statistics.median(times)
    print(f"ours (residual bootstrap): runs {', '.join(f'{t:.3f}' for t in times)} s")
    start = time.perf_counter()
    gaussian = ours("gaussian")
    print(f"ours (gaussian, statsmodels' design): {time.perf_counter() - start:.3f} s")

    results = VAR(sample[list(VARIABLES)]).fit(LAGS)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="statsmodels")
        errband = results.irf_errband_mc(
            orth=True, repl=DRAWS, steps=STEPS, rng=np.random.default_rng(SEED)
        )
    statsmodels_s = time.perf_counter() - start
    print(f"statsmodels irf_errband_mc: {statsmodels_s:.3f} s")

    undo = np.array([-1.0, 1.0, 1.0])  # our supply shock is a disruption
    point_diff = float(np.max(np.abs(fit.irfs(STEPS) * undo - results.orth_ma_rep(STEPS))))
    width_sm = np.asarray(errband.upper) - np.asarray(errband.lower)
    for name, ours_bands in (("residual", bands), ("gaussian", gaussian)):
        width = ours_bands[1] - ours_bands[0]
        ratio = (width / np.where(width_sm > 0, width_sm, np.nan))[1:]
        print(
            f"95% band width, ours ({name}) / statsmodels: median {np.nanmedian(ratio):.3f}, "
            f"10%-90% {np.nanquantile(ratio, 0.1):.3f}-{np.nanquantile(ratio, 0.9):.3f}"
        )
    print(
        json.dumps(
            {
                "draws": DRAWS,
                "lags": LAGS,
                "ours_s": round(ours_s, 4),
                "statsmodels_s": round(statsmodels_s, 3),
                "speedup": round(statsmodels_s / ours_s, 1),
                "max_abs_diff_point_irf": point_diff,
            }
        )
    )


if __name__ == "__main__":
    main()
