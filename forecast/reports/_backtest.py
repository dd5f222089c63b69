"""A finished backtest (``forecast backtest --out DIR``) as the report reads it.

``backtest.csv`` gives the scores; ``forecasts.csv``, when present, the last target date each
model was scored on (the report's forecast record uses it to flag look-ahead in a replay).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.reports._format import table as _table

__all__ = ["BACKTEST_COLUMNS", "BAD_BACKTEST", "BacktestEvidence"]


@dataclass(frozen=True, slots=True)
class BacktestEvidence:
    """A finished backtest (``forecast backtest --out DIR``) for the report's evaluation."""

    folder: Path
    table: pd.DataFrame
    chart_png: bytes | None
    last_targets: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["target", "model", "target_date"])
    )

    @classmethod
    def read(cls, folder: str | Path) -> BacktestEvidence | None:
        """Read ``backtest.csv`` (and the chart, if there) from ``folder``; ``None`` if absent.

        Raises
        ------
        DataSourceError
            If ``backtest.csv`` is not a table written by ``forecast backtest`` (unreadable,
            empty, columns missing, horizons or scores that are not numbers).
        """
        folder = Path(folder)
        table_path = folder / "backtest.csv"
        if not table_path.is_file():
            return None
        chart = folder / "cumulative_sq_error_diff.png"
        return cls(
            folder,
            _read_backtest_table(table_path),
            chart.read_bytes() if chart.is_file() else None,
            _read_last_targets(folder / "forecasts.csv"),
        )

    def last_target(self, model: str, target: str) -> pd.Timestamp | None:
        """Return the last target month ``model`` was scored on (``None`` if not known)."""
        rows = self.last_targets
        rows = rows[(rows["model"] == model) & (rows["target"] == target)]
        return None if rows.empty else pd.Timestamp(rows["target_date"].max())

    def verdict(self) -> str:
        """One sentence, from the numbers: which model is best and whether it beats no-change."""
        table = self.table
        if "target" in table.columns:
            table = table[table["target"] == "nominal"]
        h1 = table[table["horizon"] == table["horizon"].min()].sort_values("mspe")
        if h1.empty:
            return ""
        best = h1.iloc[0]
        eom = table[table["model"] == "no_change_eom"]
        worst_vs_eom = (
            table.loc[table["model"] == best["model"], "mspe_ratio_eom"].max()
            if not eom.empty
            else float("nan")
        )
        return (
            f"At {int(best['horizon'])} month(s) the lowest MSPE is {best['model']}'s, "
            f"{100 * (1 - best['mspe_ratio']):.0f}% below the monthly-average no-change "
            f"forecast; against the end-of-month no-change forecast its worst MSPE ratio over "
            f"the horizons is {worst_vs_eom:.3f}. {self._tests_sentence(table)}The no-outage "
            "baseline of this report follows these numbers (see the run settings)."
        )

    @staticmethod
    def _tests_sentence(table: pd.DataFrame) -> str:
        """Describe the one-sided tests against the end-of-month baseline and its coverage."""
        if "dm_pvalue_better_eom" not in table.columns:
            return ""
        others = table[~table["model"].isin(["no_change", "no_change_eom"])]
        pvalues = others["dm_pvalue_better_eom"].dropna()
        text = ""
        if not pvalues.empty:
            low = others.loc[pvalues.sort_values().index[:1]].iloc[0]
            text = (
                "The smallest one-sided Diebold-Mariano p-value for beating the end-of-month "
                f"no-change forecast is {low['dm_pvalue_better_eom']:.2f} ({low['model']} at "
                f"{int(low['horizon'])} month(s)). "
            )
        eom = table[table["model"] == "no_change_eom"]
        if "coverage_90" in table.columns and eom["coverage_90"].notna().any():
            pairs = zip(eom["horizon"].to_numpy(), eom["coverage_90"].to_numpy(), strict=True)
            shares = ", ".join(
                f"{100 * float(c):.0f}% at {int(h)}" for h, c in pairs if pd.notna(c)
            )
            text += f"Its 90% band covered {shares} month(s) ahead. "
        return text

    def rows(self) -> dict[str, Any]:
        """Return the table for the template, numbers formatted."""
        return _table(self.table)

    @property
    def chart_uri(self) -> str | None:
        """The chart as a ``data:`` URI, if there is one."""
        if self.chart_png is None:
            return None
        return "data:image/png;base64," + base64.b64encode(self.chart_png).decode("ascii")


BACKTEST_COLUMNS = ("model", "horizon", "mspe", "mspe_ratio", "mspe_ratio_eom")
"""The columns of ``backtest.csv`` the report reads."""
BAD_BACKTEST = "{path}: not a 'forecast backtest' table: {problem}"


def _read_backtest_table(path: Path) -> pd.DataFrame:
    """Read and check ``backtest.csv``; a malformed file is one DataSourceError."""
    from forecast.errors import DataSourceError

    def bad(problem: str) -> DataSourceError:
        return DataSourceError(BAD_BACKTEST.format(path=path, problem=problem))

    try:
        table = pd.read_csv(path)
    except (
        ValueError,
        OSError,
        UnicodeDecodeError,
    ) as exc:  # pandas' parser errors are ValueErrors
        raise bad(" ".join(str(exc).split())[:120]) from exc
    missing = [c for c in BACKTEST_COLUMNS if c not in table.columns]
    if missing:
        found = ", ".join(str(c)[:30] for c in table.columns[:8])
        raise bad(f"column(s) {', '.join(missing)} missing (found: {found})")
    if table.empty:
        raise bad("no rows")
    for column in BACKTEST_COLUMNS[1:]:
        if not pd.api.types.is_numeric_dtype(table[column]):
            raise bad(f"column {column!r} holds values that are not numbers")
    return table


def _read_last_targets(path: Path) -> pd.DataFrame:
    """Return ``target, model, target_date`` (the last scored month) from ``forecasts.csv``.

    A forecast is scored only where its target has an outcome: rows of the last origins whose
    target month is not yet observed (an empty ``actual``) do not count.
    """
    columns = ["target", "model", "target_date"]
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    try:
        frame = pd.read_csv(path, usecols=[*columns, "actual"], parse_dates=["target_date"])
    except (ValueError, OSError, UnicodeDecodeError):
        return pd.DataFrame(columns=columns)  # the scores still stand; look-ahead unknown
    scored = frame[frame["actual"].notna()]
    last = scored.groupby(["target", "model"])["target_date"].max()
    return last.reset_index()
