"""Scenario comparison charts: a :class:`~forecast.results.RunResult` in, plotnine ggplots out.

The functions build charts and never save them (the report writers do). Every chart uses the
same colour per scenario (:func:`scenario_colours`), says what it shows in its title, puts the
unit on the axis, and marks the as-of month.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast import catalog

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

    from forecast.results import RunResult

__all__ = [
    "cuba_backcast_chart",
    "cuba_panel",
    "difference_chart",
    "price_fan_chart",
    "scenario_colours",
    "svar_fevd_chart",
    "svar_hd_chart",
    "svar_irf_chart",
]

_FIXED_COLOURS = {
    "baseline": "#4d4d4d",
    "venezuela_full_halt": "#c0392b",
    "venezuela_partial_halt": "#e08e0b",
    "venezuela_halt_opec_offset": "#2874a6",
    "cuba_shipments_halt": "#7d3c98",
}
_SPARE_COLOURS = ["#148f77", "#a04000", "#1f618d", "#b7950b", "#6c3483", "#117864", "#922b21"]
HISTORY_COLOUR = "#000000"
BASE_SIZE = 10


def scenario_colours(scenario_ids: Sequence[str]) -> dict[str, str]:
    """Return one colour per scenario id, the same for a given id in every chart."""
    spare = iter(_SPARE_COLOURS * (1 + len(scenario_ids) // len(_SPARE_COLOURS)))
    return {sid: _FIXED_COLOURS.get(sid) or next(spare) for sid in scenario_ids}


LABEL_WIDTH = 34


def _labels(result: RunResult) -> dict[str, str]:
    """Scenario titles wrapped for strips and legends."""
    return {s.id: textwrap.fill(s.title, LABEL_WIDTH) for s in result.scenarios}


def _theme() -> Any:
    from plotnine import element_blank, element_text, theme, theme_minimal

    return theme_minimal(base_size=BASE_SIZE) + theme(
        plot_title=element_text(weight="bold", size=BASE_SIZE + 2),
        plot_subtitle=element_text(size=BASE_SIZE - 1, color="#444444"),
        plot_caption=element_text(size=BASE_SIZE - 2, color="#666666"),
        legend_position="bottom",
        legend_title=element_blank(),
        panel_grid_minor=element_blank(),
        strip_text=element_text(weight="bold", size=BASE_SIZE - 1),
        figure_size=(9, 5.2),
        dpi=110,
    )


def _ordered(frame: pd.DataFrame, result: RunResult) -> pd.DataFrame:
    """Add ``scenario_label``: wrapped titles, ordered as the scenarios were run."""
    labels = _labels(result)
    present = [sid for sid in result.scenario_ids if sid in set(frame["scenario"])]
    frame = frame.copy()
    frame["scenario_label"] = pd.Categorical(
        frame["scenario"].map(labels), categories=[labels[i] for i in present]
    )
    return frame


def _colour_scales(result: RunResult, *, legend: bool = True, fill: bool = True) -> list[Any]:
    from plotnine import guide_legend, guides, scale_colour_manual, scale_fill_manual

    labels = _labels(result)
    colours = scenario_colours(result.scenario_ids)
    values = {labels[sid]: colour for sid, colour in colours.items()}
    scales: list[Any] = [scale_colour_manual(values=values)]
    if fill:
        scales.append(scale_fill_manual(values=values))
    if not legend:
        scales.append(guides(colour="none", fill="none") if fill else guides(colour="none"))
    elif fill:
        scales.append(guides(colour=guide_legend(ncol=3), fill=guide_legend(ncol=3)))
    else:
        scales.append(guides(colour=guide_legend(ncol=3)))
    return scales


def price_fan_chart(
    result: RunResult,
    variable: str = "brent_usd",
    *,
    model: str | None = None,
    history_months: int = 36,
) -> ggplot:
    """Fan charts of a price under each scenario, one panel per scenario, against baseline.

    Each panel shows the observed history, the scenario's median with 68% and 90% bands,
    and the baseline median (dashed) for comparison; the as-of month is marked.
    """
    from plotnine import (
        aes,
        facet_wrap,
        geom_line,
        geom_ribbon,
        geom_vline,
        ggplot,
        labs,
        scale_x_datetime,
    )

    model = model or result.price_model or "elasticity"
    var = catalog.OUTPUT_VARIABLES[variable]
    paths = result.paths[(result.paths["variable"] == variable) & (result.paths["model"] == model)]
    paths = _ordered(paths, result)
    panels = paths["scenario_label"].cat.categories
    baseline_lines = _on_every_panel(
        paths[paths["scenario"] == "baseline"][["date", "q50"]], panels
    )
    start = result.as_of - pd.DateOffset(months=history_months)
    hist = result.history[
        (result.history["variable"] == variable) & (result.history["date"] >= start)
    ]
    hist_lines = _on_every_panel(hist, panels)
    return (
        ggplot(paths, aes("date"))
        + geom_ribbon(aes(ymin="q05", ymax="q95", fill="scenario_label"), alpha=0.18)
        + geom_ribbon(aes(ymin="q16", ymax="q84", fill="scenario_label"), alpha=0.32)
        + geom_line(
            aes(y="q50"), data=baseline_lines, linetype="dashed", colour="#4d4d4d", size=0.5
        )
        + geom_line(aes(y="q50", colour="scenario_label"), size=0.9)
        + geom_line(aes(y="value"), data=hist_lines, colour=HISTORY_COLOUR, size=0.5)
        + geom_vline(xintercept=result.as_of, linetype="dotted", colour="#777777")
        + facet_wrap("scenario_label", ncol=min(3, len(panels)))
        + scale_x_datetime(date_labels="%Y", date_breaks="1 year")
        + _colour_scales(result, legend=False)
        + labs(
            title=f"{var.title}: projections under each scenario",
            subtitle=(
                f"Median with 68% and 90% bands; dashed: baseline median; black: observed. "
                f"Data to {result.as_of:%b %Y} (dotted line)."
            ),
            x="",
            y=var.unit,
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        )
        + _theme()
    )


def difference_chart(
    result: RunResult,
    variable: str = "brent_usd",
    *,
    model: str | None = None,
) -> ggplot:
    """Difference from baseline over time per scenario, with 68% and 90% bands."""
    model = model or result.price_model or "elasticity"
    from plotnine import (
        aes,
        geom_hline,
        geom_line,
        geom_ribbon,
        ggplot,
        labs,
        scale_x_datetime,
    )

    var = catalog.OUTPUT_VARIABLES[variable]
    diffs = result.differences
    diffs = _ordered(diffs[(diffs["variable"] == variable) & (diffs["model"] == model)], result)
    diffs["scenario_label"] = diffs["scenario_label"].cat.remove_unused_categories()
    what = {"pct": "% difference", "pp": "difference, percentage points", "abs": "difference"}
    return (
        ggplot(diffs, aes("date", colour="scenario_label", fill="scenario_label"))
        + geom_hline(yintercept=0, colour="#4d4d4d", size=0.4)
        + geom_ribbon(aes(ymin="q05", ymax="q95"), alpha=0.12, colour="none")
        + geom_ribbon(aes(ymin="q16", ymax="q84"), alpha=0.25, colour="none")
        + geom_line(aes(y="mean"), size=1)
        + scale_x_datetime(date_labels="%b %Y")
        + _colour_scales(result)
        + labs(
            title=f"{var.title}: {what[var.diff]} from baseline",
            subtitle=(
                f"Mean with 68% and 90% bands, computed draw by draw; projections from "
                f"{(result.as_of + pd.DateOffset(months=1)):%b %Y}."
            ),
            x="",
            y=f"{what[var.diff]} ({var.diff_unit})",
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        )
        + _theme()
    )


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
    history_years: int = 8,
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
        position_dodge,
        scale_x_continuous,
    )

    model = model or result.cuba_model or "cuba"
    titles = {v: f"{catalog.OUTPUT_VARIABLES[v].title} ({catalog.OUTPUT_VARIABLES[v].unit})"
              for v in variables}  # fmt: skip
    paths = result.paths[
        (result.paths["model"] == model) & result.paths["variable"].isin(list(variables))
    ]
    paths = _ordered(paths, result).assign(
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
    dodge = position_dodge(width=0.6)
    return (
        ggplot(paths, aes("year", colour="scenario_label"))
        + geom_hline(yintercept=0, colour="#999999", size=0.3)
        + geom_line(aes(y="value"), data=hist, colour=HISTORY_COLOUR, size=0.5)
        + geom_point(aes(y="value"), data=hist, colour=HISTORY_COLOUR, size=1)
        + geom_linerange(aes(ymin="q05", ymax="q95"), position=dodge, size=0.5)
        + geom_linerange(aes(ymin="q16", ymax="q84"), position=dodge, size=1.6)
        + geom_point(aes(y="q50"), position=dodge, size=2.2)
        + facet_wrap("panel", scales="free", ncol=2)
        + scale_x_continuous(breaks=_year_breaks)
        + _colour_scales(result, fill=False)
        + labs(
            title="Cuba: what each scenario does to the economy, year by year",
            subtitle=(
                "Median, 68% (thick) and 90% (thin) ranges; black: observed GDP growth. "
                "Calibrated model: read the bands as wide."
            ),
            x="",
            y="",
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        )
        + _theme()
        + _figure(9, 6.5)
    )


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
        geom_ribbon,
        ggplot,
        labs,
        scale_colour_manual,
        scale_linetype_manual,
        scale_x_continuous,
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
    return (
        ggplot(backcast, aes("year"))
        + geom_hline(yintercept=0, colour="#999999", size=0.3)
        + geom_ribbon(aes(ymin="q05", ymax="q95"), fill="#2874a6", alpha=0.15)
        + geom_ribbon(aes(ymin="q16", ymax="q84"), fill="#2874a6", alpha=0.25)
        + geom_line(aes(y="value", colour="series", linetype="series"), data=lines, size=0.9)
        + geom_point(aes(y="value", colour="series"), data=lines, size=1.8)
        + scale_colour_manual(values=colours)
        + scale_linetype_manual(values=linetypes)
        + scale_x_continuous(breaks=_year_breaks)
        + labs(
            title="Cuba model backcast: fitted on data to 2015, projected 2016-2024",
            subtitle=(
                "Given the observed Venezuelan shipments and oil prices; 68% and 90% bands. "
                "2020 (COVID) was not foreseeable."
            ),
            x="",
            y="Real GDP growth (% a year)",
        )
        + _theme()
        + _figure(9, 4.6)
    )


_SHOCKS = {
    "supply": "Oil supply shock",
    "aggregate_demand": "Aggregate demand shock",
    "oil_specific_demand": "Oil-specific demand shock",
}
_SHOCK_COLOURS = {
    "Oil supply shock": "#c0392b",
    "Aggregate demand shock": "#2874a6",
    "Oil-specific demand shock": "#e08e0b",
    "Initial conditions and constant": "#999999",
}
_SVAR_VARIABLES = {
    "production_level_pct": "World oil production (%)",
    "prod_growth_pct": "Oil production growth",
    "rea": "Real activity (index)",
    "real_price_log": "Real oil price (%)",
}


def svar_irf_chart(irf: pd.DataFrame) -> ggplot:
    """Impulse responses of the oil-market SVAR: 3 shocks x 3 variables, 68% and 90% bands.

    ``irf`` has ``shock, variable, horizon, estimate, q05, q16, q84, q95`` (see
    :func:`forecast.models.svar.irf_frame`); one-standard-deviation shocks, the supply shock
    signed as a disruption.
    """
    from plotnine import aes, facet_grid, geom_hline, geom_line, geom_ribbon, ggplot, labs

    frame = irf.assign(
        shock_label=pd.Categorical(irf["shock"].map(_SHOCKS), categories=list(_SHOCKS.values())),
        variable_label=pd.Categorical(
            irf["variable"].map(_SVAR_VARIABLES),
            categories=[_SVAR_VARIABLES[v] for v in irf["variable"].unique()],
        ),
    )
    return (
        ggplot(frame, aes("horizon"))
        + geom_hline(yintercept=0, colour="#999999", size=0.3)
        + geom_ribbon(aes(ymin="q05", ymax="q95"), fill="#2874a6", alpha=0.15)
        + geom_ribbon(aes(ymin="q16", ymax="q84"), fill="#2874a6", alpha=0.3)
        + geom_line(aes(y="estimate"), colour="#1b2631", size=0.8)
        + facet_grid("variable_label ~ shock_label", scales="free_y")
        + labs(
            title="Oil-market SVAR: responses to one-standard-deviation shocks",
            subtitle="Point estimate with 68% and 90% bootstrap bands; supply shock = disruption.",
            x="Months after the shock",
            y="",
        )
        + _theme()
        + _figure(9, 6.5)
    )


def svar_fevd_chart(fevd: pd.DataFrame) -> ggplot:
    """Share of the real oil price's forecast-error variance due to each shock, by horizon."""
    from plotnine import aes, geom_area, ggplot, labs, scale_fill_manual, scale_y_continuous

    frame = fevd[fevd["variable"] == "real_price_log"].assign(
        shock_label=lambda f: pd.Categorical(
            f["shock"].map(_SHOCKS), categories=list(_SHOCKS.values())
        ),
        share=lambda f: 100 * f["estimate"],
    )
    return (
        ggplot(frame, aes("horizon", "share", fill="shock_label"))
        + geom_area(alpha=0.85)
        + scale_fill_manual(values=_SHOCK_COLOURS)
        + scale_y_continuous(limits=(0, 100.001))
        + labs(
            title="What moves the real oil price: forecast-error variance decomposition",
            subtitle="Share of the real price's forecast-error variance due to each shock.",
            x="Horizon (months)",
            y="% of variance",
        )
        + _theme()
        + _figure(9, 4.4)
    )


def svar_hd_chart(hd: pd.DataFrame, *, since: str = "2005-01-01") -> ggplot:
    """Historical decomposition of the real oil price: the contribution of each shock."""
    from plotnine import (
        aes,
        geom_col,
        geom_hline,
        geom_line,
        ggplot,
        labs,
        scale_fill_manual,
        scale_x_datetime,
    )

    price = hd[(hd["variable"] == "real_price_log") & (hd["date"] >= pd.Timestamp(since))]
    shocks = price[price["component"].isin(list(_SHOCKS))].assign(
        shock_label=lambda f: pd.Categorical(
            f["component"].map(_SHOCKS), categories=list(_SHOCKS.values())
        )
    )
    total = shocks.groupby("date", as_index=False)["value"].sum()
    return (
        ggplot(shocks, aes("date", "value"))
        + geom_hline(yintercept=0, colour="#999999", size=0.3)
        + geom_col(aes(fill="shock_label"), width=27, position="stack")
        + geom_line(data=total, colour=HISTORY_COLOUR, size=0.5)
        + scale_fill_manual(values=_SHOCK_COLOURS)
        + scale_x_datetime(date_labels="%Y", date_breaks="2 years")
        + labs(
            title="Why the real oil price moved: historical decomposition",
            subtitle=(
                "Contribution of each structural shock to the real price (100 x log, "
                "deviation from initial conditions and constant); black: their sum."
            ),
            x="",
            y="Contribution (%)",
        )
        + _theme()
        + _figure(9, 4.6)
    )


def _on_every_panel(frame: pd.DataFrame, panels: pd.Index) -> pd.DataFrame:
    """Repeat ``frame`` once per facet panel (a reference layer drawn in every panel)."""
    repeated = pd.concat([frame.assign(scenario_label=p) for p in panels], ignore_index=True)
    repeated["scenario_label"] = pd.Categorical(repeated["scenario_label"], categories=panels)
    return repeated


def _year_breaks(limits: tuple[float, float]) -> list[int]:
    """Whole years within the limits, every year for short spans, every other for long ones."""
    low, high = round(limits[0] + 0.49), round(limits[1] - 0.49)
    step = 1 if high - low <= 6 else 2
    return list(range(low, high + 1, step))


def _figure(width: float, height: float) -> Any:
    from plotnine import theme

    return theme(figure_size=(width, height))
