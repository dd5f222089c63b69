"""The result of a grid: the tidy frame (or a lazy handle on the file) and its charts."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.grid._sink import TABLE

if TYPE_CHECKING:
    from pathlib import Path

    from forecast.grid._spec import GridSpec

__all__ = ["GridResult"]

PREVIEW_ROWS = 10


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class GridResult:
    """Summaries of every grid point: one row per point, model and price id.

    Columns: ``point``, ``design`` (``factorial``, ``sample``, ``scenario`` or ``oat``),
    ``oat_axis`` (the axis a one-at-a-time point varies), one column per axis (dots as
    underscores), ``model``, ``variable``, ``peak_month`` (1 = the month after the as-of
    month) and, for each summary ``peak``, ``outage`` (average over the point's months with a
    net loss), ``h3`` and ``h12``, the ``mean`` and ``q05 ... q95`` of the effect over the
    draws, in % of the model's no-outage baseline.

    Attributes
    ----------
    spec
        The grid spec.
    path
        ``grid.parquet`` or ``grid.duckdb`` (table ``grid``); ``None`` for a grid kept in
        memory only (``run_grid(..., write=False)``).
    csv
        ``grid.csv`` for small grids, else ``None``.
    rows, points
        Rows written and points projected.
    models
        The price models, headline first.
    backend
        The executor that ran the chunks.
    loaded
        The frame when it was kept in memory (small grids), else ``None``.
    """

    spec: GridSpec
    path: Path | None
    csv: Path | None
    rows: int
    points: int
    models: tuple[str, ...]
    backend: str
    loaded: pd.DataFrame | None = field(default=None)

    def lazy(self) -> Any:
        """Return a DuckDB relation over the file (filter and aggregate without loading it)."""
        import duckdb

        if self.path is None:  # kept in memory only
            return duckdb.from_df(self.loaded)
        if self.path.suffix == ".parquet":
            return duckdb.sql(f"SELECT * FROM read_parquet('{self.path.as_posix()}')")
        connection = duckdb.connect(str(self.path), read_only=True)
        return connection.sql(f"SELECT * FROM {TABLE}")

    @property
    def frame(self) -> pd.DataFrame:
        """The whole tidy frame (read from the file for large grids)."""
        if self.loaded is not None:
            return self.loaded
        frame: pd.DataFrame = self.lazy().df()
        return frame

    def heatmap_frame(
        self,
        x: str,
        y: str,
        *,
        model: str | None = None,
        variable: str = "brent_usd",
        stat: str = "peak_q50",
    ) -> pd.DataFrame:
        """``x, y, value``: ``stat`` over two axes (averaged over the other axes)."""
        columns = {a.key: a.column for a in self.spec.axes}
        if x not in columns or y not in columns:
            msg = f"heat map axes must be grid axes ({', '.join(columns)}), not {x!r}, {y!r}"
            raise ValueError(msg)
        chosen = model or self.models[0]
        frame = self.frame
        rows = frame[
            frame["design"].isin(["factorial", "sample"])
            & (frame["model"] == chosen)
            & (frame["variable"] == variable)
        ]
        grouped: pd.DataFrame = rows.groupby([columns[x], columns[y]], as_index=False)[
            [stat]
        ].mean()
        return grouped.rename(columns={columns[x]: "x", columns[y]: "y", stat: "value"})

    def tornado_frame(
        self, *, model: str | None = None, variable: str = "brent_usd", stat: str = "peak_q50"
    ) -> pd.DataFrame:
        """``axis, low_value, high_value, low, high, centre``: one-at-a-time ranges of ``stat``."""
        chosen = model or self.models[0]
        frame = self.frame
        mine = frame[(frame["model"] == chosen) & (frame["variable"] == variable)]
        centre = float(mine.loc[mine["design"] == "scenario", stat].iloc[0])
        rows = []
        for axis in self.spec.axes:
            oat = mine[(mine["design"] == "oat") & (mine["oat_axis"] == axis.key)]
            if oat.empty:
                continue
            values = oat[stat].to_numpy(dtype=float)
            levels = oat[axis.column].tolist()
            lowest, highest = int(np.argmin(values)), int(np.argmax(values))
            rows.append(
                {
                    "axis": axis.key,
                    "low_value": levels[lowest],
                    "high_value": levels[highest],
                    "low": float(values[lowest]),
                    "high": float(values[highest]),
                    "centre": centre,
                }
            )
        out = pd.DataFrame(rows)
        if not out.empty:
            out = out.assign(width=out["high"] - out["low"]).sort_values("width")
        return out.reset_index(drop=True)

    def summary(self) -> str:
        """One paragraph: scenario, axes, points, rows, where the file is."""
        axes = "; ".join(f"{a.key} ({len(a.values)} values)" for a in self.spec.axes)
        design = f"Latin hypercube of {self.spec.sample}" if self.spec.sample else "factorial"
        return (
            f"Grid around {self.spec.scenario.id}: {axes}; {design}; {self.points} points "
            f"({self.rows} rows, models {', '.join(self.models)}, backend {self.backend}) "
            + ("kept in memory" if self.path is None else f"in {self.path}")
        )

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"GridResult(points={self.points}, rows={self.rows}, path={str(self.path)!r})"

    def _repr_html_(self) -> str:
        head = self.loaded if self.loaded is not None else self.lazy().limit(PREVIEW_ROWS).df()
        preview = head.head(PREVIEW_ROWS).to_html(index=False, float_format="{:.3g}".format)
        return f"<p>{html.escape(self.summary())}</p>{preview}"
