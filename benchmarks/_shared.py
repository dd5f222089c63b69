"""The development data the benchmarks run on, imported as a user would (no pytest needed).

``../shared/data`` (or ``$FORECAST_SHARED_DATA``) holds the real series; they are read
through the project's own importer into a store and never copied into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORECAST_SHARED_DATA", REPO.parent / "shared" / "data"))

# file in ../shared/data -> series id (the imports the foundation issue lists)
IMPORTS = {
    "eia_brent_spot_monthly.csv": "brent_usd",
    "eia_wti_spot_monthly.csv": "wti_usd",
    "eia_brent_spot_daily.csv": "brent_spot_daily_usd",
    "fred_cpiaucsl_us_cpi_monthly.csv": "us_cpi",
    "dallasfed_igrea_kilian_index_monthly_1968_2025.csv": "kilian_rea",
    "eia_world_crude_oil_production_monthly.csv": "world_crude_production_kbd",
}
KAENZIG = "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv"
SURPRISES = "kaenzig_oil_supply_news_shocks_monthly.csv"
# (file, series id, value column): Känzig's (2021) long series and his surprise series, for
# the long-sample sign SVAR (svar_sign) and the proxy SVAR (svar_proxy); see the catalog
COLUMN_IMPORTS = (
    (KAENZIG, "world_crude_production_long_kbd", "world_crude_oil_production_kbd_EIA1955"),
    (KAENZIG, "brent_long_usd", "brent_spot_extended_usd_bbl_BRENTEXT"),
    (KAENZIG, "us_cpi_long", "us_cpi_CPIAUCSL"),
    (SURPRISES, "kaenzig_oil_supply_surprise", "oil_supply_surprise"),
    (SURPRISES, "kaenzig_oil_supply_news_shock", "oil_supply_news_shock"),
)


def build_store(path: Path) -> None:
    """Import :data:`IMPORTS` and :data:`COLUMN_IMPORTS` into a new store, in one vintage batch."""
    from forecast.sources.csvfile import read_series_csv
    from forecast.store import SeriesUpdate, Store

    columns = [(name, series_id, "value") for name, series_id in IMPORTS.items()]
    updates = []
    for name, series_id, value_col in (*columns, *COLUMN_IMPORTS):
        imported = read_series_csv(SHARED / name, series_id, value_col=value_col)
        updates.append(
            SeriesUpdate(series_id, imported.frame, "csv", imported.origin, imported.sha256)
        )
    Store(path).write(updates)


def compile_package() -> Path:
    """Write the bytecode of the ``forecast`` package being measured, as pip does at install.

    A wheel install is byte-compiled by pip, and so are the libraries the import floor loads;
    an editable install writes its bytecode on the first import, unless
    ``PYTHONDONTWRITEBYTECODE`` is set (as on some CI machines and sandboxes), in which case
    every run would compile the package's ~90 modules from source (~0.3 s) and the timings
    would measure that instead of the package. ``compileall`` writes only what is missing or
    stale, so a second call costs nothing. Returns the package folder.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("forecast")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the forecast package is not installed in this environment")
    folder = Path(next(iter(spec.submodule_search_locations)))
    compileall.compile_dir(folder, quiet=1)
    return folder
