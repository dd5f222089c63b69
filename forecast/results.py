"""Result objects: immutable holders of tidy frames, valid from the moment they exist.

The frames inside are copies made by the engine and are meant to be read-only (a frozen
dataclass cannot freeze a DataFrame). Compare results with :meth:`RunResult.equals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast import catalog

if TYPE_CHECKING:
    from collections.abc import Mapping

    from forecast.scenarios import Scenario

__all__ = ["CSV_OPTIONS", "RunResult"]

# Fixed formatting, so the same numbers always give the same bytes.
CSV_OPTIONS: dict[str, Any] = {
    "index": False,
    "float_format": "%.10g",
    "date_format": "%Y-%m-%d",
    "lineterminator": "\n",
}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RunResult:
    """Projected paths for every scenario, model and variable, and their summary.

    Attributes
    ----------
    paths
        :data:`forecast.schemas.PathFrame`: ``scenario, model, variable, date, mean, q05, q16,
        q50, q84, q95``.
    summary
        :data:`forecast.schemas.SummaryFrame`: peak and cumulative differences from baseline.
    differences
        :data:`forecast.schemas.DiffFrame`: differences from baseline per period, with bands.
    scenarios
        The scenario specs run, baseline first.
    data
        The series used: ``series_id, origin, source, vintage_id, written_at, first_date,
        last_date, detail, stale``.
    assumptions
        Resolved inputs: ``name, value, unit, source`` (world supply, default export volume...).
    history
        Observed history for charts: ``variable, date, value``.
    diagnostics
        Model parameters: ``model, variable, term, estimate, std_err``.
    notes
        Plain-language warnings and caveats (bundled data, filled values, calibration limits).
    as_of
        The last observed month; projections start the month after.
    horizon, draws, seed
        Months projected, simulation draws, and the seed that reproduces the run.
    models
        Model names run.
    skipped
        Default models that did not run on these data, with the reason: name -> reason.
    tables
        Model-specific tidy frames for the report's methodology section, by name (e.g.
        ``cuba_coefficients``, ``cuba_backcast``).
    raw
        Per-draw arrays and model objects for advanced use (not validated).
    """

    paths: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    scenarios: tuple[Scenario, ...]
    data: pd.DataFrame
    assumptions: pd.DataFrame
    history: pd.DataFrame
    diagnostics: pd.DataFrame
    notes: tuple[str, ...]
    as_of: pd.Timestamp
    horizon: int
    draws: int
    seed: int
    models: tuple[str, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # imported here, not above: a copy sent to a chart worker (unpickled, not built)
        # needs neither pandera nor the schemas
        from forecast import schemas

        schemas.validate(schemas.PathFrame, self.paths, origin="RunResult.paths")
        schemas.validate(schemas.SummaryFrame, self.summary, origin="RunResult.summary")
        schemas.validate(schemas.DiffFrame, self.differences, origin="RunResult.differences")

    # -- views ----------------------------------------------------------------------------

    @property
    def price_model(self) -> str | None:
        """The headline oil-price model of this run (its first price model in registry order)."""
        from forecast.models import registry

        return next((m for m in registry.names("price") if m in self.models), None)

    @property
    def cuba_model(self) -> str | None:
        """The headline Cuba model of this run (its first Cuba model in registry order)."""
        from forecast.models import registry

        return next((m for m in registry.names("cuba") if m in self.models), None)

    @property
    def scenario_ids(self) -> list[str]:
        """Scenario ids in run order (baseline first)."""
        return [s.id for s in self.scenarios]

    def path(self, variable: str, scenario: str, model: str | None = None) -> pd.DataFrame:
        """Return the rows of one variable under one scenario (and model, if given)."""
        rows = (self.paths["variable"] == variable) & (self.paths["scenario"] == scenario)
        if model is not None:
            rows &= self.paths["model"] == model
        return self.paths[rows].reset_index(drop=True)

    def headline(self, variable: str, model: str | None = None) -> pd.DataFrame:
        """Return the summary rows of ``variable`` (all scenarios but baseline)."""
        rows = self.summary["variable"] == variable
        if model is not None:
            rows &= self.summary["model"] == model
        return self.summary[rows].reset_index(drop=True)

    # -- output ---------------------------------------------------------------------------

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``paths.csv`` and ``summary.csv`` into ``out_dir`` (created if needed).

        Returns
        -------
        dict
            File kind -> path written.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {"paths": out / "paths.csv", "summary": out / "summary.csv"}
        self.paths.to_csv(written["paths"], **CSV_OPTIONS)
        self.summary.to_csv(written["summary"], **CSV_OPTIONS)
        return written

    def equals(self, other: object) -> bool:
        """Whether ``other`` holds the same paths, summary and settings."""
        if not isinstance(other, RunResult):
            return False
        try:
            pd.testing.assert_frame_equal(self.paths, other.paths)
            pd.testing.assert_frame_equal(self.summary, other.summary)
        except AssertionError:
            return False
        return (self.as_of, self.horizon, self.draws, self.seed, self.models) == (
            other.as_of,
            other.horizon,
            other.draws,
            other.seed,
            other.models,
        )

    def summary_text(self) -> str:
        """Return a plain-text digest: settings and the headline differences from baseline."""
        lines = [
            (
                f"forecast run as of {self.as_of:%Y-%m}: {self.horizon} months, "
                f"{self.draws} draws, seed {self.seed}, models {', '.join(self.models)}"
            ),
        ]
        for row in self.summary.to_dict("records"):
            var = catalog.OUTPUT_VARIABLES[str(row["variable"])]
            lines.append(
                f"  {row['scenario']:<28} {var.id:<28} peak {row['peak_mean']:+.2f} "
                f"{row['diff_unit']} ({row['peak_q05']:+.2f} to {row['peak_q95']:+.2f}) "
                f"in {row['peak_date']:%Y-%m}"
            )
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary_text()

    def __repr__(self) -> str:
        return (
            f"RunResult(as_of={self.as_of:%Y-%m}, scenarios={self.scenario_ids}, "
            f"models={list(self.models)}, draws={self.draws}, seed={self.seed})"
        )
