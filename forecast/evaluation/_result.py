"""The outcome of a backtest: :class:`EvaluationResult`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.evaluation._density import DENSITY_COLUMNS
from forecast.evaluation._scores import (
    TABLE_COLUMNS,
)

if TYPE_CHECKING:
    from forecast.evaluation._panel import (
        Space,
    )
    from forecast.evaluation._settings import (
        EvaluationSettings,
    )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class EvaluationResult:
    """The outcome of a backtest: the score table, every forecast, and how it was run.

    Attributes
    ----------
    table
        One row per target, model and horizon: :data:`TABLE_COLUMNS`.
    forecasts
        Every scored forecast: ``target, origin, target_date, horizon, model, forecast,
        actual, origin_value`` (levels; ``actual`` is NaN where the target month is not yet
        observed; ``origin_value`` is the origin's monthly average in the same space).
    weights
        The combination's weights: ``target, horizon, origin, model, weight``.
    start, end
        First and last scored origin.
    horizons
        The horizons, in months.
    models
        The models reported, benchmarks first.
    notes
        What was skipped or failed, and how the data were read.
    settings
        The choices the run used.
    densities
        The density forecasts of the models that give draws (the no-change baselines):
        :data:`~forecast.evaluation.DENSITY_COLUMNS`, one row per target, origin, horizon
        and model (band bounds in US$/bbl, CRPS, PIT).

    Notes
    -----
    The frames are meant to be read-only; compare results with :meth:`equals`.
    """

    table: pd.DataFrame
    forecasts: pd.DataFrame
    weights: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    horizons: tuple[int, ...]
    models: tuple[str, ...]
    notes: tuple[str, ...]
    settings: EvaluationSettings
    densities: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(DENSITY_COLUMNS))
    )

    def equals(self, other: object) -> bool:
        """Return whether ``other`` holds the same table and forecasts.

        Parameters
        ----------
        other
            Any object.

        Returns
        -------
        bool
            True if the tables, forecasts, window and horizons are equal.
        """
        return (
            isinstance(other, EvaluationResult)
            and self.table.equals(other.table)
            and self.forecasts.equals(other.forecasts)
            and (self.start, self.end, self.horizons) == (other.start, other.end, other.horizons)
        )

    def to_markdown(self, target: Space | None = None) -> str:
        """Return the score table as a Markdown table (optionally one target only).

        Parameters
        ----------
        target
            ``"nominal"``, ``"real"`` or ``None`` for both.

        Returns
        -------
        str
            A Markdown table, numbers rounded for reading.
        """
        table = self.table if target is None else self.table[self.table["target"] == target]
        header = "| " + " | ".join(TABLE_COLUMNS) + " |"
        lines = [header, "|" + "---|" * len(TABLE_COLUMNS)]
        for row in table.itertuples(index=False):
            cells = [_cell(getattr(row, column), column) for column in TABLE_COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def summary(self) -> str:
        """Return the window, the models and the score table as text.

        Returns
        -------
        str
            A few lines plus the Markdown table.
        """
        lines = [
            (
                f"backtest of monthly Brent, origins {self.start:%Y-%m}..{self.end:%Y-%m}, "
                f"horizons {', '.join(map(str, self.horizons))} months"
            ),
            f"models: {', '.join(self.models)}",
            *[f"note: {note}" for note in self.notes],
            self.to_markdown(),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"EvaluationResult({self.start:%Y-%m}..{self.end:%Y-%m}, horizons={self.horizons}, "
            f"models={self.models})"
        )

    def __str__(self) -> str:
        return self.summary()


def _cell(value: object, column: str) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, int | np.integer) or column in {"horizon", "n"}:
        return str(int(value))  # type: ignore[call-overload]
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    if column in {"mspe", "crps"}:
        return f"{number:.2f}"
    return f"{number:.3f}"
