"""forecast: what a halt of Venezuela's crude exports does to oil prices and to Cuba.

The package is imported lazily: ``import forecast`` loads nothing heavy, and each public
name below is imported on first use.

Examples
--------
>>> import forecast
>>> forecast.catalog.get("brent_usd").unit
'US$/bbl'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from forecast._version import __version__

if TYPE_CHECKING:
    from forecast import catalog, errors, facts, schemas
    from forecast.engine import fit, grid, run
    from forecast.models import registry
    from forecast.panel import SeriesData, read_series
    from forecast.results import RunResult
    from forecast.scenarios import Scenario, load_scenario
    from forecast.spec import RunSpec
    from forecast.store import Store

__all__ = [
    "RunResult",
    "RunSpec",
    "Scenario",
    "SeriesData",
    "Store",
    "__version__",
    "catalog",
    "errors",
    "facts",
    "fit",
    "grid",
    "load_scenario",
    "read_series",
    "registry",
    "run",
    "schemas",
]

_LAZY = {
    "catalog": ("forecast.catalog", None),
    "errors": ("forecast.errors", None),
    "facts": ("forecast.facts", None),
    "schemas": ("forecast.schemas", None),
    "Store": ("forecast.store", "Store"),
    "read_series": ("forecast.panel", "read_series"),
    "SeriesData": ("forecast.panel", "SeriesData"),
    "run": ("forecast.engine", "run"),
    "fit": ("forecast.engine", "fit"),
    "grid": ("forecast.engine", "grid"),
    "registry": ("forecast.models.registry", None),
    "RunSpec": ("forecast.spec", "RunSpec"),
    "RunResult": ("forecast.results", "RunResult"),
    "Scenario": ("forecast.scenarios", "Scenario"),
    "load_scenario": ("forecast.scenarios", "load_scenario"),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        msg = f"module 'forecast' has no attribute {name!r}"
        raise AttributeError(msg) from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
