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
from forecast.charts._theme import HISTORY_COLOUR, band, compose, theme

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from plotnine import ggplot

    from forecast.results import RunResult

__all__ = [
    "colour_scales",
    "difference_chart",
    "escape_text",
    "model_difference_chart",
    "ordered",
    "price_fan_chart",
    "scenario_colours",
    "scenario_prices_chart",
]

_FIXED_COLOURS = {
    "baseline": "#4d4d4d",
    "venezuela_full_halt": "#c0392b",
    "venezuela_partial_halt": "#e08e0b",
    "venezuela_halt_opec_offset": "#2874a6",
    "cuba_shipments_halt": "#7d3c98",
    "cuba_buys_replacement": "#148f77",
}
# Axis labels of differences from baseline: the unit once.
_AXIS = {"pct": "% of baseline", "pp": "percentage points", "abs": "difference ({unit})"}
_PRICES = frozenset({"brent_usd", "wti_usd"})
_SPARE_COLOURS = ["#a04000", "#1f618d", "#b7950b", "#6c3483", "#117864", "#922b21"]


def scenario_colours(scenario_ids: Sequence[str]) -> dict[str, str]:
    """Return one colour per scenario id, the same for a given id in every chart."""
    spare = iter(_SPARE_COLOURS * (1 + len(scenario_ids) // len(_SPARE_COLOURS)))
    return {sid: _FIXED_COLOURS.get(sid) or next(spare) for sid in scenario_ids}


LABEL_WIDTH = 34


def _labels(result: RunResult) -> dict[str, str]:
    """Scenario titles wrapped for strips and legends: unique, and shown as written.

    A title two scenarios share gets the scenario id appended (a copied built-in that kept
    its title), and ``$`` is escaped so matplotlib never reads a title as mathtext.
    """
    titles = [s.title for s in result.scenarios]
    labels = {}
    for s in result.scenarios:
        title = s.title if titles.count(s.title) == 1 else f"{s.title} ({s.id})"
        labels[s.id] = escape_text(textwrap.fill(title, LABEL_WIDTH))
    return labels


def escape_text(text: str) -> str:
    r"""Return ``text`` with ``$`` escaped (``\$``): matplotlib shows it, not mathtext."""
    return text.replace("$", r"\$")


def ordered(frame: pd.DataFrame, result: RunResult) -> pd.DataFrame:
    """Add ``scenario_label``: wrapped titles, ordered as the scenarios were run."""
    labels = _labels(result)
    present = [sid for sid in result.scenario_ids if sid in set(frame["scenario"])]
    frame = frame.copy()
    frame["scenario_label"] = pd.Categorical(
        frame["scenario"].map(labels), categories=[labels[i] for i in present]
    )
    return frame


def same_oil_shock(result: RunResult) -> dict[str, str]:
    """Map each scenario whose world supply loss repeats an earlier one's to that scenario.

    Such scenarios (e.g. one that differs only in what Cuba does) give the same oil prices,
    so the price charts draw the first and name the others in the subtitle.
    """
    loss = result.paths[result.paths["variable"] == "world_net_supply_loss_kbd"]
    seen: dict[tuple[float, ...], str] = {}
    repeats: dict[str, str] = {}
    for sid in result.scenario_ids:
        path = tuple(loss.loc[loss["scenario"] == sid, "mean"].round(9))
        if not path:
            continue
        if path in seen:
            repeats[sid] = seen[path]
        else:
            seen[path] = sid
    return repeats


def _without_repeats(frame: pd.DataFrame, result: RunResult) -> tuple[pd.DataFrame, str]:
    """Drop scenarios with a repeated oil shock; return the frame and a subtitle note."""
    repeats = same_oil_shock(result)
    if not repeats:
        return frame, ""
    named = ", ".join(f"{dup} (= {first})" for dup, first in repeats.items())
    note = "\n" + textwrap.fill(f"Same oil shock as another scenario, not drawn: {named}.", 100)
    return frame[~frame["scenario"].isin(set(repeats))], note


def colour_scales(result: RunResult, *, legend: bool = True, fill: bool = True) -> list[Any]:
    """Return the scenario colour (and fill) scales, with or without a three-column legend."""
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


def _price_frames(
    result: RunResult, variable: str, model: str | None, history_months: int
) -> tuple[str, Any, pd.DataFrame, str, pd.DataFrame]:
    """Return a price chart's model, variable, labelled paths, repeats note and history."""
    model = model or result.price_model or "elasticity"
    var = catalog.OUTPUT_VARIABLES[variable]
    paths = result.paths[(result.paths["variable"] == variable) & (result.paths["model"] == model)]
    paths, repeated = _without_repeats(paths, result)
    start = result.as_of - pd.DateOffset(months=history_months)
    hist = result.history[
        (result.history["variable"] == variable) & (result.history["date"] >= start)
    ]
    return model, var, ordered(paths, result), repeated, hist


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
        geom_vline,
        ggplot,
        labs,
        scale_x_datetime,
        scale_y_continuous,
    )

    model, var, paths, repeated, hist = _price_frames(result, variable, model, history_months)
    panels = paths["scenario_label"].cat.categories
    baseline_lines = _on_every_panel(
        paths[paths["scenario"] == "baseline"][["date", "q50"]], panels
    )
    hist_lines = _on_every_panel(hist, panels)
    return compose(
        ggplot(paths, aes("date")),
        band(aes(ymin="q05", ymax="q95", fill="scenario_label"), alpha=0.18),
        band(aes(ymin="q16", ymax="q84", fill="scenario_label"), alpha=0.32),
        geom_line(aes(y="q50"), data=baseline_lines, linetype="dashed", colour="#4d4d4d", size=0.5),
        geom_line(aes(y="q50", colour="scenario_label"), size=0.9),
        geom_line(aes(y="value"), data=hist_lines, colour=HISTORY_COLOUR, size=0.5),
        geom_vline(xintercept=result.as_of, linetype="dotted", colour="#777777"),
        facet_wrap("scenario_label", ncol=min(3, len(panels))),
        scale_x_datetime(date_labels="%Y", date_breaks="1 year", minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        colour_scales(result, legend=False),
        labs(
            title=f"{var.title}: fan chart per scenario, {model} model",
            subtitle=(
                f"Median with 68% and 90% bands; dashed: baseline median; black: observed. "
                f"Data to {result.as_of:%b %Y} (dotted line).{repeated}"
            ),
            x="",
            y=var.unit,
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        ),
        theme(),
    )


_WHAT = {"pct": "% difference", "pp": "difference, percentage points", "abs": "difference"}


def _differences(
    result: RunResult, variable: str, models: Sequence[str]
) -> tuple[pd.DataFrame, str]:
    """Return the models' differences of ``variable`` (labelled) and the repeats note."""
    diffs = result.differences
    diffs = diffs[(diffs["variable"] == variable) & diffs["model"].isin(list(models))]
    diffs, repeated = _without_repeats(diffs, result) if variable in _PRICES else (diffs, "")
    diffs = ordered(diffs, result)
    diffs["scenario_label"] = diffs["scenario_label"].cat.remove_unused_categories()
    return diffs, repeated


def _difference_layers(line_size: float) -> list[Any]:
    """Zero line, 90% and 68% bands and the mean, coloured by scenario."""
    from plotnine import aes, geom_hline, geom_line

    return [
        geom_hline(yintercept=0, colour="#4d4d4d", size=0.4),
        band(aes(ymin="q05", ymax="q95"), alpha=0.12, colour="none"),
        band(aes(ymin="q16", ymax="q84"), alpha=0.25, colour="none"),
        geom_line(aes(y="mean"), size=line_size),
    ]


def difference_chart(
    result: RunResult,
    variable: str = "brent_usd",
    *,
    model: str | None = None,
) -> ggplot:
    """Difference from baseline over time per scenario, with 68% and 90% bands."""
    model = model or result.price_model or "elasticity"
    from plotnine import aes, ggplot, labs, scale_x_datetime, scale_y_continuous

    var = catalog.OUTPUT_VARIABLES[variable]
    diffs, repeated = _differences(result, variable, [model])
    return compose(
        ggplot(diffs, aes("date", colour="scenario_label", fill="scenario_label")),
        _difference_layers(line_size=1),
        scale_x_datetime(date_labels="%b %Y", minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        colour_scales(result),
        labs(
            title=f"{var.title}: {_WHAT[var.diff]} from baseline, {model} model",
            subtitle=(
                f"Mean with 68% and 90% bands, computed draw by draw; projections from "
                f"{(result.as_of + pd.DateOffset(months=1)):%b %Y}.{repeated}"
            ),
            x="",
            y=_AXIS[var.diff].format(unit=var.unit),
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        ),
        theme(),
    )


MODEL_LABEL_WIDTH = 30


def model_difference_chart(
    result: RunResult,
    variable: str = "brent_usd",
    *,
    models: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> ggplot:
    """Difference from baseline per scenario, one panel per model, on one shared axis.

    The models' answers side by side: each panel is one price model (``models``, in that
    order; default: the result's price model, then the others run), with every scenario's
    mean difference and its 68% and 90% bands, computed draw by draw. The y axis is shared,
    so the panels' heights compare directly. ``labels`` names the panels (model -> text,
    e.g. identification, lags and sample); a model without one is named as such.
    """
    from plotnine import aes, facet_wrap, ggplot, labs, scale_x_datetime, scale_y_continuous

    if models is None:
        first = [result.price_model] if result.price_model in result.models else []
        models = first + [m for m in result.models if m not in first]
    var = catalog.OUTPUT_VARIABLES[variable]
    diffs, repeated = _differences(result, variable, models)
    models = [m for m in models if m in set(diffs["model"])]
    names = {
        m: escape_text(textwrap.fill((labels or {}).get(m, m), MODEL_LABEL_WIDTH)) for m in models
    }
    diffs["model_label"] = pd.Categorical(
        diffs["model"].map(names), categories=[names[m] for m in models]
    )
    return compose(
        ggplot(diffs, aes("date", colour="scenario_label", fill="scenario_label")),
        _difference_layers(line_size=0.9),
        facet_wrap("model_label", ncol=min(3, max(len(models), 1))),
        scale_x_datetime(date_labels="%b\n%Y", date_breaks="6 months", minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        colour_scales(result),
        labs(
            title=f"{var.title}: {_WHAT[var.diff]} from baseline, every price model",
            subtitle=(
                "Mean with 68% and 90% bands, computed draw by draw; projections from "
                f"{(result.as_of + pd.DateOffset(months=1)):%b %Y}.\n"
                f"One panel per model, on one axis; the headline model first.{repeated}"
            ),
            x="",
            y=_AXIS[var.diff].format(unit=var.unit),
            caption=f"Models: {', '.join(models)}; {result.draws} draws, seed {result.seed}.",
        ),
        theme(),
    )


def scenario_prices_chart(
    result: RunResult,
    variable: str = "brent_usd",
    *,
    model: str | None = None,
    history_months: int = 24,
) -> ggplot:
    """Every scenario's median price on one axis, over the baseline's 68% and 90% bands.

    The observed history runs into the projection; the as-of month is marked.
    """
    from plotnine import (
        aes,
        coord_cartesian,
        geom_line,
        geom_vline,
        ggplot,
        labs,
        scale_x_datetime,
        scale_y_continuous,
    )

    model, var, paths, repeated, hist = _price_frames(result, variable, model, history_months)
    baseline = paths[paths["scenario"] == "baseline"]
    return compose(
        ggplot(paths, aes("date")),
        band(aes(ymin="q05", ymax="q95"), data=baseline, fill="#4d4d4d", alpha=0.12),
        band(aes(ymin="q16", ymax="q84"), data=baseline, fill="#4d4d4d", alpha=0.18),
        geom_line(aes(y="q50", colour="scenario_label"), size=0.9),
        geom_line(aes(y="value"), data=hist, colour=HISTORY_COLOUR, size=0.6),
        geom_vline(xintercept=result.as_of, linetype="dotted", colour="#777777"),
        scale_x_datetime(date_labels="%b %Y", minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        coord_cartesian(ylim=_zoom(paths, hist, baseline)),
        colour_scales(result, fill=False),
        labs(
            title=f"{var.title}: every scenario's median, {model} model",
            subtitle=(
                "Grey: the baseline's 68% and 90% bands (the 90% band runs off the axis); "
                "black: observed. "
                f"Data to {result.as_of:%b %Y} (dotted line).{repeated}"
            ),
            x="",
            y=var.unit,
            caption=f"Model: {model}; {result.draws} draws, seed {result.seed}.",
        ),
        theme(),
    )


def _zoom(paths: pd.DataFrame, hist: pd.DataFrame, baseline: pd.DataFrame) -> tuple[float, float]:
    """Return y limits that show the medians, the history and the baseline's 68% band."""
    values = pd.concat(
        [paths["q50"], hist["value"], baseline["q16"], baseline["q84"]], ignore_index=True
    ).dropna()
    if values.empty:
        return (0.0, 1.0)
    low, high = float(values.min()), float(values.max())
    pad = 0.05 * (high - low or 1.0)
    return (low - pad, high + pad)


def _on_every_panel(frame: pd.DataFrame, panels: pd.Index) -> pd.DataFrame:
    """Repeat ``frame`` once per facet panel (a reference layer drawn in every panel)."""
    repeated = pd.concat([frame.assign(scenario_label=p) for p in panels], ignore_index=True)
    repeated["scenario_label"] = pd.Categorical(repeated["scenario_label"], categories=panels)
    return repeated
