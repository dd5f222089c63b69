"""The backtest chart: cumulative squared-error differences against the no-change forecast.

Builds a plotnine ggplot and never saves it (:func:`forecast.backtest.write_backtest` does);
the look is the shared one of :mod:`forecast.charts._theme`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.charts._theme import figure, theme

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

__all__ = ["cumulative_loss_chart", "cumulative_loss_frame"]

BENCHMARK = "no_change"
_COLOURS = {
    "no_change_eom": "#000000",
    "bvar": "#c0392b",
    "bvar_oil": "#148f77",
    "combination": "#2874a6",
    "arima": "#e08e0b",
    "ets": "#7d3c98",
    "svar": "#5d6d7e",
}
_DASHED = frozenset({"no_change_eom"})
_SPARE = ["#a04000", "#1f618d", "#b7950b", "#6c3483"]
_TARGET_LABELS = {"nominal": "Nominal Brent", "real": "Real Brent (1982-84 US$)"}


def cumulative_loss_frame(
    forecasts: pd.DataFrame, horizons: Sequence[int] | None = None
) -> pd.DataFrame:
    """Cumulative sum over origins of ``e_no_change**2 - e_model**2`` per model.

    Parameters
    ----------
    forecasts
        Tidy forecasts: ``target, origin, horizon, model, forecast, actual``.
    horizons
        Horizons to keep (default: 1 and the longest, or all if fewer than two).

    Returns
    -------
    pandas.DataFrame
        ``target, horizon, model, origin, cumulative, cumulative_pct``: ``cumulative`` in
        US$/bbl squared, ``cumulative_pct`` as a percentage of the no-change forecast's total
        squared error over the window, so that each line ends at ``100 * (1 - mspe_ratio)``.
        Rising: the model beats the monthly-average no-change forecast over that stretch.
        Only origins whose target month is observed; ``no_change`` itself is left out.
    """
    chosen = _horizons(forecasts, horizons)
    frame = forecasts[
        forecasts["horizon"].isin(chosen) & np.isfinite(forecasts["actual"].to_numpy(dtype=float))
    ]
    pieces = []
    for (target, horizon), group in frame.groupby(["target", "horizon"], sort=True):
        wide = group.pivot_table(index="origin", columns="model", values="forecast").sort_index()
        if BENCHMARK not in wide.columns:
            continue
        actual = group.drop_duplicates("origin").set_index("origin")["actual"].reindex(wide.index)
        loss = wide.sub(actual, axis=0) ** 2
        gain = (loss[[BENCHMARK]].to_numpy() - loss.drop(columns=BENCHMARK)).cumsum()
        long = gain.reset_index().melt(id_vars="origin", var_name="model", value_name="cumulative")
        total = float(loss[BENCHMARK].sum())
        long["cumulative_pct"] = 100 * long["cumulative"] / total if total > 0 else np.nan
        long.insert(0, "horizon", int(horizon))
        long.insert(0, "target", target)
        pieces.append(long)
    columns = ["target", "horizon", "model", "origin", "cumulative", "cumulative_pct"]
    if not pieces:
        return pd.DataFrame(columns=columns)
    return pd.concat(pieces, ignore_index=True)[columns]


def _horizons(forecasts: pd.DataFrame, horizons: Sequence[int] | None) -> list[int]:
    available = sorted(int(h) for h in set(forecasts["horizon"]))
    if horizons is not None:
        return [h for h in horizons if h in available]
    if len(available) < 2:
        return available
    return [available[0], available[-1]]


def cumulative_loss_chart(forecasts: pd.DataFrame, horizons: Sequence[int] | None = None) -> ggplot:
    """Chart the cumulative squared-error gain of each model over the no-change forecast.

    One panel per horizon (rows) and target (columns), one line per model, a zero line. The
    gain is a percentage of the no-change forecast's total squared error over the window, so
    nominal and real panels compare and each line ends at ``100 * (1 - mspe_ratio)``. A line
    that rises over a stretch of origins beat the monthly-average no-change forecast there.

    Parameters
    ----------
    forecasts
        Tidy forecasts (:attr:`forecast.evaluation.EvaluationResult.forecasts`).
    horizons
        Horizons to show (default: 1 and the longest).

    Returns
    -------
    plotnine.ggplot
        The chart (not saved).
    """
    from plotnine import (
        aes,
        facet_grid,
        geom_hline,
        geom_line,
        ggplot,
        guide_legend,
        guides,
        labs,
        scale_colour_manual,
        scale_linetype_manual,
        scale_x_datetime,
    )
    from plotnine import theme as plotnine_theme

    frame = cumulative_loss_frame(forecasts, horizons)
    present = set(frame["model"])
    models = [m for m in _COLOURS if m in present] + sorted(present - set(_COLOURS))
    spare = iter(_SPARE * (1 + len(models)))
    colours = {m: _COLOURS.get(m) or next(spare) for m in models}
    linetypes = {m: "dashed" if m in _DASHED else "solid" for m in models}
    frame = frame.assign(
        model=pd.Categorical(frame["model"], categories=models),
        panel_target=frame["target"].map(_TARGET_LABELS).fillna(frame["target"]),
        panel_horizon=frame["horizon"].map(lambda h: f"h = {h} month{'s' if h > 1 else ''}"),
    )
    frame["panel_horizon"] = pd.Categorical(
        frame["panel_horizon"],
        categories=list(dict.fromkeys(frame.sort_values("horizon")["panel_horizon"])),
    )
    start, end = (frame["origin"].min(), frame["origin"].max()) if len(frame) else (None, None)
    window = f"scored origins {start:%Y-%m} to {end:%Y-%m}" if start is not None else "no origins"
    return (
        ggplot(frame, aes("origin", "cumulative_pct", colour="model", linetype="model"))
        + geom_hline(yintercept=0, colour="#888888", size=0.4)
        + geom_line(size=0.7)
        + facet_grid("panel_horizon ~ panel_target", scales="free_y")
        + scale_colour_manual(values=colours)
        + scale_linetype_manual(values=linetypes)
        + scale_x_datetime(date_labels="%Y", date_breaks="4 years")
        + guides(colour=guide_legend(nrow=1), linetype=guide_legend(nrow=1))
        + labs(
            title="Cumulative squared-error gain over the monthly-average no-change forecast",
            subtitle="Running sum of (no-change error)\u00b2 \u2212 (model error)\u00b2, in % of "
            "the no-change total; rising = beating no-change; end = (1 \u2212 MSPE ratio) "
            "\u00d7 100",
            x="Forecast origin",
            y="Cumulative gain (% of no-change squared error)",
            caption=f"Monthly average Brent, {window}. Real: deflated by the US CPI. "
            "Dashed: end-of-month no-change benchmark.",
        )
        + theme()
        + plotnine_theme(legend_key_width=28)
        + figure(10, 6.5)
    )
