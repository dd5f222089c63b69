"""``report.md``: the summary, the period tables and the probabilities, as Markdown.

For pasting into notes, e-mail or a document; the numbers are the same as the HTML
report's (both read :mod:`forecast.reports._tables` and :mod:`forecast.reports._summary`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from forecast.results import RunResult

__all__ = ["headline_markdown", "markdown_report", "markdown_table"]


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


def headline_markdown(shown: dict[str, Any] | None) -> list[str]:
    """Return the headline section (``_headline.display`` rows) as Markdown parts."""
    if not shown:
        return []
    horizons = shown["horizons"]
    header = ["Model / identification", *(f"h={h}, %" for h in horizons), "After the outage, %"]
    effects = [
        [r["label"], *r["effects"], r["after"] or (r["note"] if r["kind"] == "skipped" else "")]
        for r in shown["rows"]
        if r["kind"] != "literature"
    ]
    per = [
        [r["label"], *r["per_1pct"], *r["ratios"], r["record"] or r["note"]] for r in shown["rows"]
    ]
    per_header = [
        "Model / identification",
        *(f"per 1%, h={h}" for h in horizons),
        *(f"MSPE/EOM, h={h}" for h in horizons),
        "Record / note",
    ]
    return [
        "## Headline: every model and identification",
        (
            "Brent's difference from baseline in % (median, 90% band over draws; for the "
            "ensemble, the range across models) in month h after the as-of month. Loss share "
            f"of world crude supply: {shown['shares']}."
        ),
        markdown_table(header, effects),
        markdown_table(per_header, per),
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
    headline: dict[str, Any] | None = None,
) -> str:
    """Return the Markdown report: title, summary, headline, periods and probabilities."""
    parts = [
        "# If Venezuela's crude exports stop: oil prices and Cuba",
        (
            f"Data to {result.as_of:%B %Y}; {result.horizon} months projected; "
            f"{result.draws} draws, seed {result.seed}; models: {', '.join(result.models)}."
        ),
        "## Summary",
        " ".join(summary) or "Only the baseline was run.",
        *headline_markdown(headline),
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
