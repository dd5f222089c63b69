"""``report.md``: the summary, the period tables and the probabilities, as Markdown.

For pasting into notes, e-mail or a document; the numbers are the same as the HTML
report's (both read :mod:`forecast.reports._tables` and :mod:`forecast.reports._summary`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from forecast.results import RunResult

__all__ = ["markdown_report", "markdown_table"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a pipe table; cells are escaped for ``|``."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)])


def _period_rows(table: pd.DataFrame) -> list[list[str]]:
    return [
        [
            str(r["scenario_title"]),
            str(r["model"]),
            str(r["variable"]),
            str(r["period"]) + ("" if r["months"] in (3, 12) else f" ({r['months']} mo)"),
            f"{r['level_q50']:,.2f}",
            f"{r['diff_q50']:+,.2f}",
            f"{r['diff_pct_q50']:+.1f}",
            f"{r['diff_pct_q05']:+.1f} to {r['diff_pct_q95']:+.1f}",
        ]
        for r in table.to_dict("records")
    ]


PERIOD_HEADER = (
    "Scenario", "Model", "Price", "Period", "Median, US$/bbl", "Diff., US$/bbl", "Diff., %",
    "90% band, %",
)  # fmt: skip


def markdown_report(
    result: RunResult,
    summary: Sequence[str],
    quarterly: pd.DataFrame,
    annual: pd.DataFrame,
    probabilities: pd.DataFrame,
) -> str:
    """Return the Markdown report: title, summary, annual and quarterly tables, probabilities."""
    parts = [
        "# If Venezuela's crude exports stop: oil prices and Cuba",
        (
            f"Data to {result.as_of:%B %Y}; {result.horizon} months projected; "
            f"{result.draws} draws, seed {result.seed}; models: {', '.join(result.models)}."
        ),
        "## Summary",
        " ".join(summary) or "Only the baseline was run.",
        "## Annual average prices",
        (
            "Averages of the monthly prices, draw by draw; differences from the baseline's "
            "same draw. A period marked (n mo) has only n projected months."
        ),
        markdown_table(PERIOD_HEADER, _period_rows(annual)),
        "## Quarterly average prices",
        markdown_table(PERIOD_HEADER, _period_rows(quarterly)),
        "## Probabilities from the draws",
        markdown_table(
            ("Scenario", "Model", "Statement", "Probability"),
            [
                [
                    str(r["scenario_title"]),
                    str(r["model"]),
                    str(r["statement"]),
                    f"{100 * r['probability']:.0f}%",
                ]
                for r in probabilities.to_dict("records")
            ],
        ),
    ]
    return "\n\n".join(parts) + "\n"
