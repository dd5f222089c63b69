"""Cuba charts: the projected economy under each scenario, and the model's backcast."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from forecast import catalog
from forecast.charts._theme import HISTORY_COLOUR, band, compose, figure, theme, year_breaks
from forecast.charts.scenario import colour_scales, ordered

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

    from forecast.results import RunResult

__all__ = ["cuba_backcast_chart", "cuba_panel"]


def cuba_panel(
    result: RunResult,
    *,
    model: str | None = None,
    variables: Sequence[str] = (
        "cuba_gdp_growth_pct",
        "cuba_oil_supply_gap_kbd",
        "cuba_import_bill_usd_m",
        "cuba_electricity_at_risk_gwh",
    ),
    history_years: int = 3,
) -> ggplot:
    """Cuba's projected GDP growth, oil supply gap, extra import bill and power at risk.

    One panel per variable (own y scale and unit), one colour per scenario, annual medians
    with 68% (thick) and 90% (thin) ranges; recent observed growth in black.
    """
    from plotnine import (
        aes,
        facet_wrap,
        geom_hline,
        geom_line,
        geom_linerange,
        geom_point,
        ggplot,
        labs,
        scale_x_continuous,
        scale_y_continuous,
    )

    model = model or result.cuba_model or "cuba"
    paths = result.paths[
        (result.paths["model"] == model) & result.paths["variable"].isin(list(variables))
    ]
    titles = {v: f"{catalog.OUTPUT_VARIABLES[v].title} ({catalog.OUTPUT_VARIABLES[v].unit})"
              for v in variables}  # fmt: skip
    paths = ordered(paths, result).assign(
        year=lambda f: f["date"].dt.year,
        panel=lambda f: pd.Categorical(f["variable"].map(titles), categories=list(titles.values())),
    )
    first = int(paths["year"].min()) if not paths.empty else result.as_of.year
    hist = result.history[
        (result.history["variable"] == "cuba_gdp_growth_pct")
        & (result.history["date"].dt.year >= first - history_years)
        & ("cuba_gdp_growth_pct" in titles)
    ]
    hist = hist.assign(
        year=hist["date"].dt.year,
        panel=pd.Categorical(hist["variable"].map(titles), categories=list(titles.values())),
    )
    return compose(
        ggplot(_dodged(paths), aes("year", colour="scenario_label")),
        geom_hline(yintercept=0, colour="#999999", size=0.3),
        geom_line(aes(y="value"), data=hist, colour=HISTORY_COLOUR, size=0.5),
        geom_point(aes(y="value"), data=hist, colour=HISTORY_COLOUR, size=1),
        geom_linerange(aes("x", ymin="q05", ymax="q95", group="panel"), size=0.5),
        geom_linerange(aes("x", ymin="q16", ymax="q84", group="panel"), size=1.6),
        geom_point(aes("x", "q50", group="panel"), size=2.2),
        facet_wrap("panel", scales="free", ncol=2),
        scale_x_continuous(breaks=year_breaks, minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        colour_scales(result, fill=False),
        labs(
            title="Cuba: what each scenario does to the economy, year by year",
            subtitle=(
                "Median, 68% (thick) and 90% (thin) ranges; black: observed GDP growth. "
                "Calibrated model: read the bands as wide."
            ),
            x="",
            y="",
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        ),
        theme(),
        figure(9, 6.5),
    )


def _dodged(paths: pd.DataFrame, width: float = 0.8) -> pd.DataFrame:
    """Add ``x``: each scenario's year moved sideways as ``position_dodge(width)`` moves it.

    Scenarios sit side by side within each panel's year, in legend order, with the same
    arithmetic as plotnine's dodge; drawn at these positions, each range layer needs one
    draw call per panel instead of one per scenario and panel (a fifth of the chart's cost).
    """
    keys = [paths["panel"], paths["year"]]
    codes = paths["scenario_label"].cat.codes
    rank = codes.groupby(keys, observed=True).rank(method="dense").to_numpy()
    n = codes.groupby(keys, observed=True).transform("nunique").to_numpy()
    offset = width * ((rank - 0.5) / n - 0.5)
    return paths.assign(x=paths["year"].to_numpy(dtype=float) + offset)


def cuba_backcast_chart(backcast: pd.DataFrame) -> ggplot:
    """Cuba's growth 2016-24: actual against the model fitted on data to 2015.

    ``backcast`` has ``year, actual_pct, mean_pct, q05, q16, q84, q95, naive_pct`` (see
    :func:`forecast.models.cuba.backcast`).
    """
    from plotnine import (
        aes,
        geom_hline,
        geom_line,
        geom_point,
        ggplot,
        labs,
        scale_colour_manual,
        scale_linetype_manual,
        scale_x_continuous,
        scale_y_continuous,
    )

    lines = pd.concat(
        [
            backcast[["year", "actual_pct"]]
            .rename(columns={"actual_pct": "value"})
            .assign(series="Actual"),
            backcast[["year", "mean_pct"]]
            .rename(columns={"mean_pct": "value"})
            .assign(series="Model fitted to 2015 (mean)"),
            backcast[["year", "naive_pct"]]
            .rename(columns={"naive_pct": "value"})
            .assign(series="Naive: mean growth of the sample"),
        ],
        ignore_index=True,
    )
    colours = {
        "Actual": HISTORY_COLOUR,
        "Model fitted to 2015 (mean)": "#2874a6",
        "Naive: mean growth of the sample": "#999999",
    }
    linetypes = {k: ("dashed" if k.startswith("Naive") else "solid") for k in colours}
    return compose(
        ggplot(backcast, aes("year")),
        geom_hline(yintercept=0, colour="#999999", size=0.3),
        band(aes(ymin="q05", ymax="q95"), fill="#2874a6", alpha=0.15),
        band(aes(ymin="q16", ymax="q84"), fill="#2874a6", alpha=0.25),
        geom_line(aes(y="value", colour="series", linetype="series"), data=lines, size=0.9),
        geom_point(aes(y="value", colour="series"), data=lines, size=1.8),
        scale_colour_manual(values=colours),
        scale_linetype_manual(values=linetypes),
        scale_x_continuous(breaks=year_breaks, minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        labs(
            title="Cuba model backcast: fitted on data to 2015, projected 2016-2024",
            subtitle=(
                "Given the observed Venezuelan shipments and oil prices; 68% and 90% bands. "
                "2020 (COVID) was not foreseeable."
            ),
            x="",
            y="Real GDP growth (% a year)",
        ),
        theme(),
        figure(9, 4.6),
    )
