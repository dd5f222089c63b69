"""Sensitivity grids: many scenarios around one, through models fitted and drawn once.

:func:`forecast.fit` sets the models up once; :meth:`FittedModels.grid
<forecast.engine.FittedModels.grid>` (or the one-call :func:`forecast.grid`) varies scenario
fields over axes (:class:`GridSpec`: a full factorial, or a seeded Latin hypercube) and pushes
every point through the same draws against one baseline. Price models that can
(``project_many``) project a whole chunk of points at once; the chunks run on an
:mod:`~forecast.executors` backend (``serial``, ``processes``, ``dask``) and their rows
stream to ``grid.parquet`` (or ``grid.duckdb``), so memory does not grow with the points.
"""

from __future__ import annotations

from forecast.executors import make_executor
from forecast.grid._result import GridResult
from forecast.grid._run import run_grid
from forecast.grid._spec import Axis, GridError, GridSpec, parse_axis, read_grid_toml

__all__ = [
    "Axis",
    "GridError",
    "GridResult",
    "GridSpec",
    "make_executor",
    "parse_axis",
    "read_grid_toml",
    "run_grid",
]
