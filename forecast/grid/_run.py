"""Run a grid on fitted models: chunks of points through an executor, rows streamed to disk."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from forecast.errors import SelectionError
from forecast.executors import Executor, SerialExecutor
from forecast.grid._project import GridShared, project_chunk
from forecast.grid._result import GridResult
from forecast.grid._sink import Sink

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Mapping, Sequence

    from forecast.grid._spec import GridSpec
    from forecast.models.protocol import PriceModel, RunInputs
    from forecast.spec import RunSpec

__all__ = ["CHUNK_POINTS", "CSV_MAX_ROWS", "grid_chunk", "run_grid"]

CHUNK_POINTS = 100
"""Points per chunk (fixed, so every backend computes the same chunks: identical numbers)."""
CSV_MAX_ROWS = 200_000
CSV_FLOAT = "%.6g"
"""``grid.csv`` is written (and the frame kept in memory) up to this many rows."""
_PREFIX = "forecast-grid-"
UNKNOWN_GRID_MODEL = "grid: no fitted price model {names!r} in this run (it fitted: {run})"
UNKNOWN_GRID_VARIABLE = "grid: no price {names!r} projected by the models {models}"


class Fitted(Protocol):
    """What a grid needs of :class:`forecast.engine.FittedModels`."""

    @property
    def spec(self) -> RunSpec:
        """The run's settings."""
        ...

    @property
    def inputs(self) -> RunInputs:
        """What the run read."""
        ...

    @property
    def price(self) -> dict[str, PriceModel]:
        """The price models, headline first."""
        ...


def _quiet(_message: str) -> None:
    """Say nothing: a progress callback (picklable, unlike a lambda)."""


def _portable(model: PriceModel) -> PriceModel:
    """Return the model, or a shallow copy whose run context pickles (no progress lambda)."""
    context = getattr(model, "context", None)
    if context is None or getattr(context, "step", _quiet) is _quiet:
        return model
    import copy
    import dataclasses

    clone = copy.copy(model)
    clone.context = dataclasses.replace(context, step=_quiet)  # type: ignore[attr-defined]
    return clone


def _shared(
    fitted: Fitted,
    spec: GridSpec,
    names: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
) -> GridShared:
    horizon = int(fitted.spec.horizon)
    zero = np.zeros(horizon)
    if names is not None:
        unknown = [name for name in names if name not in fitted.price]
        if unknown or not names:
            raise SelectionError(
                UNKNOWN_GRID_MODEL.format(names=", ".join(unknown), run=", ".join(fitted.price))
            )
    chosen = [name for name in fitted.price if names is None or name in names]
    models = {name: _portable(fitted.price[name]) for name in chosen}
    for model in models.values():  # batch models cache their mapping here, before pickling
        batch = getattr(model, "project_many", None)
        if callable(batch):
            batch(zero[None])
    baseline = {
        (name, sid): np.asarray(values)
        for name, model in models.items()
        for sid, values in model.project(zero).items()
        if variables is None or sid in variables
    }
    if variables is not None:
        known = {sid for _name, sid in baseline}
        missing = [sid for sid in variables if sid not in known]
        if missing or not variables:
            raise SelectionError(
                UNKNOWN_GRID_VARIABLE.format(names=", ".join(missing), models=", ".join(models))
            )
    return GridShared(
        spec=spec, models=models, baseline=baseline, as_of=fitted.inputs.as_of,
        horizon=horizon, default_volume_kbd=fitted.inputs.ve_exports_kbd,
    )  # fmt: skip


def _design(spec: GridSpec, *, one_at_a_time: bool) -> pd.DataFrame:
    """Every point: ``point, design, oat_axis`` and the axis columns."""
    main = spec.points()
    rows: list[tuple[Any, ...]] = [("sample" if spec.sample else "factorial", "", *p) for p in main]
    if one_at_a_time:
        rows.append(("scenario", "", *spec.one_at_a_time_centre()))
        rows += [("oat", spec.axes[i].key, *p) for i, p in spec.one_at_a_time()]
    frame = pd.DataFrame(rows, columns=["design", "oat_axis", *spec.columns])
    frame.insert(0, "point", np.arange(len(frame), dtype="int64"))
    return frame


def _chunks(points: list[tuple[Any, ...]], size: int) -> list[tuple[int, list[tuple[Any, ...]]]]:
    return [(start, points[start : start + size]) for start in range(0, len(points), size)]


def run_grid(
    fitted: Fitted,
    spec: GridSpec,
    *,
    executor: Executor | None = None,
    out: str | os.PathLike[str] | None = None,
    chunk_points: int = CHUNK_POINTS,
    one_at_a_time: bool = True,
    parquet: bool | None = None,
    progress: Callable[[str], None] | None = None,
    write: bool = True,
    models: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
) -> GridResult:
    """Project every grid point through the fitted price models (see :mod:`forecast.grid`).

    Parameters
    ----------
    fitted
        From :func:`forecast.fit` (models fitted and drawn once).
    spec
        The scenario and the axes.
    executor
        Where the chunks run (default in this process).
    out
        Output directory for ``grid.parquet`` (or ``grid.duckdb``) and, for small grids,
        ``grid.csv``; default a new temporary directory.
    chunk_points
        Points per chunk; memory grows with it, not with the number of points.
    one_at_a_time
        Add the scenario itself and one-at-a-time points (each axis over its values, the
        others at the scenario's values) for the tornado chart.
    parquet
        Force Parquet (``True``) or DuckDB (``False``); default Parquet when pyarrow is there.
    progress
        Called with a short message as chunks finish.
    write
        Write the files (the default). ``False`` keeps the rows in memory only, whatever the
        grid's size (``GridResult.loaded``; no ``path``, no ``csv``, ``out`` unused): for a
        small grid read at once, as the report's.
    models
        The price models to project through (default every one the run fitted), kept in
        the run's order (headline first); a name the run did not fit is an error.
    variables
        The prices to summarise (e.g. ``["brent_usd"]``; default every one the models
        project); a price no chosen model projects is an error.
    """
    runner: Executor = executor or SerialExecutor()
    design = _design(spec, one_at_a_time=one_at_a_time)
    points = list(design[spec.columns].itertuples(index=False, name=None))
    chunks = _chunks(points, chunk_points)
    shared = _shared(fitted, spec, models, variables)
    keys = design.set_index("point")
    rows_per_point = sum(len(v) for v in _ids(shared.baseline).values())
    keep = not write or len(points) * rows_per_point <= CSV_MAX_ROWS
    csv_text = write and keep  # the CSV lines are formatted where the chunks run
    tasks = [(first, c, keys.iloc[first : first + len(c)], csv_text) for first, c in chunks]
    kept: list[pd.DataFrame] = []
    sink, csv = None, None
    if write:
        directory = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=_PREFIX))
        sink = Sink(directory, parquet=parquet)
        csv = directory / "grid.csv" if keep else None
    try:
        with contextlib.ExitStack() as stack:
            text = stack.enter_context(csv.open("w", newline="")) if csv else None
            for done, (frame, rows) in enumerate(runner.map(grid_chunk, shared, tasks), start=1):
                if sink is not None:
                    sink.write(frame)
                if text is not None:
                    if done == 1:
                        text.write(frame.head(0).to_csv(index=False))
                    text.write(rows or "")
                if keep:
                    kept.append(frame)
                if progress:
                    progress(f"grid: {done}/{len(chunks)} chunks")
    finally:
        if sink is not None:
            sink.close()
    loaded: pd.DataFrame | None = pd.concat(kept, ignore_index=True) if keep else None
    return GridResult(
        spec=spec, path=sink.path if sink else None, csv=csv,
        rows=sink.rows if sink else sum(len(f) for f in kept), points=len(points),
        models=tuple(shared.models), backend=runner.name, loaded=loaded,
    )  # fmt: skip


def _ids(baseline: Mapping[tuple[str, str], Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, sid in baseline:
        out.setdefault(name, []).append(sid)
    return out


def grid_chunk(
    shared: GridShared, task: tuple[int, Sequence[tuple[Any, ...]], pd.DataFrame, bool]
) -> tuple[pd.DataFrame, str | None]:
    """One chunk's rows with their keys and, for a grid small enough, their ``grid.csv`` text.

    ``task`` is ``(first point id, axis values, design rows of the points, write csv)``; the
    keys are joined and the CSV lines formatted where the chunk runs (a worker, in parallel),
    so this process only appends them to the files.
    """
    first, points, keys, csv = task
    frame = _with_keys(project_chunk(shared, (first, points)), keys)
    rows = frame.to_csv(index=False, header=False, float_format=CSV_FLOAT) if csv else None
    return frame, rows


def _with_keys(frame: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Put ``design, oat_axis`` and the axis values in front of a chunk's summaries."""
    looked_up = keys.loc[frame["point"].to_numpy()].reset_index(drop=True)
    front = frame[["point"]].join(looked_up)
    rest = frame.drop(columns=["point"])
    return pd.concat([front, rest], axis=1)


def run_grid_values(
    fitted: Fitted, spec: GridSpec, points: Sequence[tuple[Any, ...]]
) -> pd.DataFrame:
    """Summaries of given points in this process (no files): for tests and quick looks."""
    shared = _shared(fitted, spec)
    return project_chunk(shared, (0, list(points)))
