"""Sensitivity grid charts: a heat map over two axes and a one-at-a-time tornado.

Frames in (from :meth:`forecast.grid.GridResult.heatmap_frame` and
:meth:`~forecast.grid.GridResult.tornado_frame`), plotnine ggplots out, never saved here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast.charts._theme import compose, figure, theme

if TYPE_CHECKING:
    from plotnine import ggplot

__all__ = ["grid_heatmap", "grid_tornado"]

EFFECT_LABEL = "Brent at the peak, % above the no-outage baseline (median draw)"


def _level(values: pd.Series) -> pd.Categorical:
    """Axis values as ordered categories (numbers sorted numerically, shown compactly)."""
    ordered = sorted(values.unique())
    labels = [f"{v:g}" if isinstance(v, float) else str(v) for v in ordered]
    mapping = dict(zip(ordered, labels, strict=True))
    return pd.Categorical(values.map(mapping), categories=labels, ordered=True)


def grid_heatmap(frame: pd.DataFrame, x: str, y: str, *, label: str = EFFECT_LABEL) -> ggplot:
    """Heat map of ``value`` over two axes (``x, y, value`` from ``heatmap_frame``)."""
    from plotnine import (
        aes,
        geom_text,
        geom_tile,
        ggplot,
        guide_colorbar,
        guides,
        labs,
        scale_fill_gradient,
    )

    data = frame.assign(x=_level(frame["x"]), y=_level(frame["y"]))
    data["text"] = data["value"].map(lambda v: f"{v:.1f}")
    return compose(
        ggplot(data, aes("x", "y", fill="value")),
        geom_tile(color="white", size=0.4),
        geom_text(aes(label="text"), size=7, color="#222222"),
        scale_fill_gradient(low="#fdf2e9", high="#b03a2e", name="%"),
        # the colour bar as one raster image: the same PNG, and an SVG of a few kB instead
        # of ~1.9 MB of gradient-shaded mesh triangles
        guides(fill=guide_colorbar(display="raster")),
        labs(
            title="Brent effect over the grid",
            subtitle=f"{label}; other axes averaged",
            x=x,
            y=y,
        ),
        theme(),
        _legend_right(),
    )


def _legend_right() -> Any:
    from plotnine import element_text
    from plotnine import theme as plotnine_theme

    return plotnine_theme(legend_position="right", legend_title=element_text(size=9))


def grid_tornado(frame: pd.DataFrame, *, scenario: str, label: str = EFFECT_LABEL) -> ggplot:
    """Tornado chart: each axis's one-at-a-time range of the effect around the scenario."""
    from plotnine import (
        aes,
        coord_flip,
        geom_hline,
        geom_segment,
        geom_text,
        ggplot,
        labs,
        scale_x_discrete,
    )

    order = list(frame.sort_values("width")["axis"])
    data = frame.assign(axis=pd.Categorical(frame["axis"], categories=order, ordered=True))
    data["low_text"] = [f"{v:g}" if isinstance(v, float) else str(v) for v in data["low_value"]]
    data["high_text"] = [f"{v:g}" if isinstance(v, float) else str(v) for v in data["high_value"]]
    centre = float(data["centre"].iloc[0])
    return compose(
        ggplot(data),
        geom_segment(aes(x="axis", xend="axis", y="low", yend="high"), size=9, color="#2874a6"),
        geom_hline(yintercept=centre, linetype="dashed", color="#444444"),
        geom_text(aes(x="axis", y="low", label="low_text"), ha="right", nudge_y=-0.05, size=8),
        geom_text(aes(x="axis", y="high", label="high_text"), ha="left", nudge_y=0.05, size=8),
        scale_x_discrete(),
        coord_flip(),
        labs(
            title=f"One-at-a-time sensitivities around {scenario}",
            subtitle=f"{label}\ndashed line: the scenario itself; bar ends: the axis values",
            x="",
            y="%",
        ),
        theme(),
        figure(9, 1.6 + 0.7 * len(frame)),
    )
