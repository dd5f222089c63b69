"""Time the svar_sensitivity table: the shared-reduced-form version against the one it replaced.

On the shared data (world production, Kilian's index, Brent, CPI, Känzig's long series and his
oil supply surprises, read through the project's CSV importer): the 36-cell table
(identification x lags x sample) as of 2025-11. "New" is ``sensitivity_table`` as it is, with
its default rotations and with the previous 20,000; "old" is the previous implementation, run
in the same process: ``fit_svar`` once per cell (statsmodels-style ``lstsq`` OLS, the data
frame converted again in every cell) and the sign cells' identified set from a batched QR Haar
draw of every candidate, each checked in full (``km_filter``). Times are CPU seconds
(``time.process_time``, the median of a few runs), so another process on the machine hurts
them less than wall-clock times.

Prints information lines, then as its last line one JSON object with the keys ``cells``,
``old_s``, ``new_s``, ``ratio`` (new / old), ``new_same_rotations_s``, ``ratio_same_rotations``,
``rotations_old``, ``rotations_new`` and the admissible models of the sign cells (old and
new); or a JSON line with ``skipped`` when the data are absent.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import TYPE_CHECKING, Any, TypeVar
from unittest import mock

import numpy as np
from _shared import SHARED

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

KAENZIG = "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv"
SURPRISES = "kaenzig_oil_supply_news_shocks_monthly.csv"
FILES = {  # keyword -> (file, series id, value column)
    "production": ("eia_world_crude_oil_production_monthly.csv", "world_crude_production_kbd", ""),
    "activity": ("dallasfed_igrea_kilian_index_monthly_1968_2025.csv", "kilian_rea", ""),
    "price": ("eia_brent_spot_monthly.csv", "brent_usd", ""),
    "cpi": ("fred_cpiaucsl_us_cpi_monthly.csv", "us_cpi", ""),
    "production_long": (
        KAENZIG,
        "world_crude_production_long_kbd",
        "world_crude_oil_production_kbd_EIA1955",
    ),
    "price_long": (KAENZIG, "brent_long_usd", "brent_spot_extended_usd_bbl_BRENTEXT"),
    "cpi_long": (KAENZIG, "us_cpi_long", "us_cpi_CPIAUCSL"),
    "instrument": (SURPRISES, "kaenzig_oil_supply_surprise", "oil_supply_surprise"),
}
AS_OF, SEED, OLD_ROTATIONS, REPEATS = "2025-11", 3, 20_000, 3
T = TypeVar("T")


def _frames() -> dict[str, pd.DataFrame]:
    from forecast.sources.csvfile import read_series_csv

    return {
        keyword: read_series_csv(SHARED / name, sid, value_col=column or "value").frame
        for keyword, (name, sid, column) in FILES.items()
    }


def _old_sign_set(  # the point fit's sampler before: QR draws, every candidate checked
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
    rotations: int,
    bound: float,
    dynamic_horizon: int,
) -> np.ndarray:
    from forecast.errors import EstimationError
    from forecast.models import _var
    from forecast.models.svar._common import NO_ROTATION, cholesky
    from forecast.models.svar._identify import km_filter, reduced_ma

    candidates = cholesky(sigma) @ _var.haar_rotations(rng, (int(rotations),), 3)
    phis = reduced_ma(coefs, dynamic_horizon)[None] if dynamic_horizon else None
    accepted, ordered = km_filter(candidates, bound, phis)
    if not accepted.any():
        raise EstimationError(NO_ROTATION.format(tried=rotations, bound=bound))
    accepted_set: np.ndarray = ordered[accepted]
    return accepted_set


def _old_options(identification: str, z: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Return ``fit_svar``'s keywords for one identification, as the previous table passed them."""
    if identification == "recursive":
        return {}
    if identification == "proxy":
        return {"identification": "proxy", "instrument": z}
    dynamic = 12 if identification == "sign_km2012" else 0
    return {
        "identification": "sign",
        "rng": rng,
        "rotations": OLD_ROTATIONS,
        "dynamic_horizon": dynamic,
    }


def _old_table(frames: dict[str, pd.DataFrame], rng: np.random.Generator) -> list[int]:
    """Run the previous table's loop; return the sign cells' admissible model counts."""
    from forecast.errors import EstimationError
    from forecast.models.svar import align_instrument, estimation, fit_svar, svar_dataset
    from forecast.models.svar.sensitivity import sustained_supply_effect

    long = {key: frames[key] for key in ("production_long", "price_long", "cpi_long")}
    base = {key: frames[key] for key in ("production", "activity", "price", "cpi")}
    samples = [("1974-02", "2017-12", long), ("1992-02", "2019-12", {}), ("1992-02", AS_OF, {})]
    counts = []
    with mock.patch.object(estimation, "_sign_set", _old_sign_set):
        for start, end, extra in samples:
            data = svar_dataset(**base, start=start, as_of=end, **extra).complete()
            z = align_instrument(frames["instrument"], data["date"])
            for identification in ("recursive", "sign_km2012", "sign_impact", "proxy"):
                for lags in (6, 12, 24):
                    try:
                        fit = fit_svar(data, lags, **_old_options(identification, z, rng))
                    except EstimationError:
                        models = 0
                    else:
                        effect = sustained_supply_effect(fit.coefs, fit.impact_set, 12)
                        np.median(effect, axis=0)
                        models = int(effect.shape[0])
                    if identification.startswith("sign"):
                        counts.append(models)
    return counts


def _cpu(run: Callable[[], T]) -> tuple[float, T]:
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        result = run()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def main() -> None:
    missing = [name for name, _, _ in FILES.values() if not (SHARED / name).is_file()]
    if missing:
        print(json.dumps({"skipped": f"{SHARED} lacks {', '.join(sorted(set(missing)))}"}))
        return
    from forecast.models.svar import sensitivity_table
    from forecast.models.svar.sensitivity import SENSITIVITY_ROTATIONS

    frames = _frames()

    def new(rotations: int = SENSITIVITY_ROTATIONS) -> pd.DataFrame:
        rng = np.random.default_rng(SEED)
        return sensitivity_table(**frames, as_of=AS_OF, rng=rng, rotations=rotations)

    new()  # warm-up (imports, caches), not timed
    new_s, table = _cpu(new)
    same_s, same = _cpu(lambda: new(OLD_ROTATIONS))
    old_s, old_counts = _cpu(lambda: _old_table(frames, np.random.default_rng(SEED)))
    sign = table["identification"].str.startswith("sign")
    models = [int(m) for m in table.loc[sign, "models"]]
    same_models = [int(m) for m in same.loc[sign, "models"]]
    print(f"cells {len(table)}; CPU s (median of {REPEATS}): new {new_s:.3f}, old {old_s:.3f}")
    print(f"sign cells' admissible models: new {models}, new at 20,000 {same_models}")
    print(f"old {old_counts}")
    result = {
        "cells": len(table),
        "old_s": round(old_s, 3),
        "new_s": round(new_s, 3),
        "ratio": round(new_s / old_s, 4),
        "new_same_rotations_s": round(same_s, 3),
        "ratio_same_rotations": round(same_s / old_s, 4),
        "rotations_old": OLD_ROTATIONS,
        "rotations_new": SENSITIVITY_ROTATIONS,
        "sign_models_old": sum(old_counts),
        "sign_models_new": sum(models),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
