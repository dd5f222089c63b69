"""The backtest charts: cumulative squared-error gain over no-change, and PIT histograms.

Builds a plotnine ggplot and never saves it (:func:`forecast.backtest.write_backtest` does);
the look is the shared one of :mod:`forecast.charts._theme`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.charts._theme import compose, figure, theme

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

__all__ = ["cumulative_loss_chart", "cumulative_loss_frame", "pit_frame", "pit_histogram_chart"]

BENCHMARK = "no_change"
# Colours of the models only the backtest has; the engine's models (baselines, svar) take
# theirs from the model registry, so a model has one colour in every chart.
_BACKTEST_ONLY = {"bvar": "#c0392b", "bvar_oil": "#148f77", "combination": "#2874a6"}
_ORDER = ("no_change_eom", "bvar", "bvar_oil", "combination", "arima", "ets", "svar")


def _colours() -> dict[str, str]:
    """Return the chart colour of each backtest model, in legend order."""
    from forecast.models import registry

    known = {**registry.colours(), **_BACKTEST_ONLY}
    return {name: known[name] for name in _ORDER}


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
    fixed = _colours()
    models = [m for m in fixed if m in present] + sorted(present - set(fixed))
    spare = iter(_SPARE * (1 + len(models)))
    colours = {m: fixed.get(m) or next(spare) for m in models}
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
    return compose(
        ggplot(frame, aes("origin", "cumulative_pct", colour="model", linetype="model")),
        geom_hline(yintercept=0, colour="#888888", size=0.4),
        geom_line(size=0.7),
        facet_grid("panel_horizon ~ panel_target", scales="free_y"),
        scale_colour_manual(values=colours),
        scale_linetype_manual(values=linetypes),
        scale_x_datetime(date_labels="%Y", date_breaks="4 years"),
        guides(colour=guide_legend(nrow=1), linetype=guide_legend(nrow=1)),
        labs(
            title="Cumulative squared-error gain over the monthly-average no-change forecast",
            subtitle="Running sum of (no-change error)\u00b2 \u2212 (model error)\u00b2, in % of "
            "the no-change total; rising = beating no-change; end = (1 \u2212 MSPE ratio) "
            "\u00d7 100",
            x="Forecast origin",
            y="Cumulative gain (% of no-change squared error)",
            caption=f"Monthly average Brent, {window}. Real: deflated by the US CPI. "
            "Dashed: end-of-month no-change benchmark.",
        ),
        theme(),
        plotnine_theme(legend_key_width=28),
        figure(10, 6.5),
    )


def pit_frame(densities: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Histogram of the probability integral transforms per target, model and horizon.

    Parameters
    ----------
    densities
        Density rows (:attr:`forecast.evaluation.EvaluationResult.densities`) with
        ``target, model, horizon, pit``; rows without an outcome (NaN PIT) are left out.
    bins
        Equal-width bins on ``[0, 1]``.

    Returns
    -------
    pandas.DataFrame
        ``target, model, horizon, bin_low, bin_high, count, density``: ``density`` is the
        share of PITs in the bin times ``bins``, so a calibrated forecast has about 1 in
        every bin (a U shape: bands too narrow; a hump: too wide; a slope: biased).
    """
    columns = ["target", "model", "horizon", "bin_low", "bin_high", "count", "density"]
    seen = densities[np.isfinite(densities["pit"].to_numpy(dtype=float))]
    edges = np.linspace(0.0, 1.0, bins + 1)
    pieces = []
    for (target, model, horizon), group in seen.groupby(["target", "model", "horizon"]):
        counts, _ = np.histogram(group["pit"].to_numpy(dtype=float), bins=edges)
        pieces.append(
            pd.DataFrame(
                {
                    "target": target,
                    "model": model,
                    "horizon": int(horizon),
                    "bin_low": edges[:-1],
                    "bin_high": edges[1:],
                    "count": counts.astype("int64"),
                    "density": counts * bins / max(int(counts.sum()), 1),
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=columns)
    return pd.concat(pieces, ignore_index=True)[columns]


def pit_histogram_chart(densities: pd.DataFrame, target: str = "nominal", bins: int = 10) -> ggplot:
    """Chart PIT histograms: one panel per horizon (rows) and model (columns).

    Parameters
    ----------
    densities
        Density rows (:attr:`forecast.evaluation.EvaluationResult.densities`).
    target
        ``"nominal"`` or ``"real"``.
    bins
        Bins on ``[0, 1]``.

    Returns
    -------
    plotnine.ggplot
        The chart (not saved); a dashed line marks the calibrated density 1.
    """
    from plotnine import (
        aes,
        facet_grid,
        geom_hline,
        geom_rect,
        ggplot,
        labs,
        scale_fill_manual,
        scale_x_continuous,
    )

    frame = pit_frame(densities[densities["target"] == target], bins)
    models = list(dict.fromkeys(frame["model"]))
    frame = frame.assign(
        model=pd.Categorical(frame["model"], categories=models),
        panel_horizon=pd.Categorical(
            frame["horizon"].map(lambda h: f"h = {h} month{'s' if h > 1 else ''}"),
            categories=[
                f"h = {h} month{'s' if h > 1 else ''}" for h in sorted(set(frame["horizon"]))
            ],
        ),
    )
    fixed = _colours()
    colours = {m: fixed.get(m, "#2874a6") if m != "no_change_eom" else "#5d6d7e" for m in models}
    counts = frame.groupby(["model", "horizon"], observed=True)["count"].sum()
    n = int(counts.max()) if len(counts) else 0
    return compose(
        ggplot(frame),
        geom_rect(
            aes(xmin="bin_low", xmax="bin_high", ymin=0, ymax="density", fill="model"),
            colour="white",
            size=0.3,
            show_legend=False,
        ),
        geom_hline(yintercept=1, linetype="dashed", colour="#333333", size=0.5),
        facet_grid("panel_horizon ~ model"),
        scale_fill_manual(values=colours),
        scale_x_continuous(breaks=[0, 0.25, 0.5, 0.75, 1], labels=["0", ".25", ".5", ".75", "1"]),
        labs(
            title="Probability integral transforms of the no-change density forecasts",
            subtitle="Share of draws below the outcome, binned; flat at 1 (dashed) = calibrated; "
            "U = bands too narrow, hump = too wide",
            x="PIT",
            y="Density",
            caption=f"{_TARGET_LABELS.get(target, target)}, monthly average; up to {n} "
            "forecasts per panel.",
        ),
        theme(),
        figure(8, 7),
    )
