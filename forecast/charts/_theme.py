"""The one look every chart shares: base size, theme, figure size, history colour, year axis.

The scenario, Cuba, methodology and backtest charts all end with ``theme()`` (and
``figure(width, height)`` when they need another size), so they read as one set.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BASE_SIZE",
    "DPI",
    "HISTORY_COLOUR",
    "band",
    "compose",
    "figure",
    "theme",
    "year_breaks",
]

BASE_SIZE = 10
"""Base font size (points); titles, subtitles, captions and strips are sized from it."""
DPI = 110
"""Resolution (dots per inch) of the drawn figures and the saved PNGs."""
HISTORY_COLOUR = "#000000"
"""Observed data, in every chart."""


def theme() -> Any:
    """Return the shared plotnine theme: minimal, legend at the bottom, 9 x 5.2 inches."""
    from plotnine import element_blank, element_text, theme_minimal
    from plotnine import theme as plotnine_theme

    return theme_minimal(base_size=BASE_SIZE) + plotnine_theme(
        plot_title=element_text(weight="bold", size=BASE_SIZE + 2),
        plot_subtitle=element_text(size=BASE_SIZE - 1, color="#444444"),
        plot_caption=element_text(size=BASE_SIZE - 2, color="#666666"),
        legend_position="bottom",
        legend_title=element_blank(),
        panel_grid_minor=element_blank(),
        strip_text=element_text(weight="bold", size=BASE_SIZE - 1),
        figure_size=(9, 5.2),
        dpi=DPI,
    )


def band(mapping: Any, **params: Any) -> Any:
    """Return a ``geom_ribbon`` drawn as one filled polygon per group, without outlines.

    plotnine's default ribbon (``outline_type="both"``) adds two invisible edge lines per
    group (``colour="none"``), a fifth of a faceted chart's drawing time; ``"full"`` strokes
    the polygon's own edge instead, which ``colour="none"`` leaves undrawn: the same pixels.
    """
    from plotnine import geom_ribbon

    return geom_ribbon(mapping, outline_type="full", **params)


def compose(plot: Any, *parts: Any) -> Any:
    """Return ``plot`` with ``parts`` added in order (a list among them adds its items).

    The same chart as ``plot + parts[0] + parts[1] + ...``, but plotnine's ``+`` deep-copies
    the plot, its layers and its theme at every step; one addition of a list copies it once.
    """
    items: list[Any] = []
    for part in parts:
        if isinstance(part, list):
            items.extend(part)
        else:
            items.append(part)
    return plot + items


def figure(width: float, height: float) -> Any:
    """Return a theme element setting the figure size (inches), added after :func:`theme`."""
    from plotnine import theme as plotnine_theme

    return plotnine_theme(figure_size=(width, height))


def year_breaks(limits: tuple[float, float]) -> list[int]:
    """Whole years within the limits, every year for short spans, every other for long ones."""
    low, high = round(limits[0] + 0.49), round(limits[1] - 0.49)
    step = 1 if high - low <= 6 else 2
    return list(range(low, high + 1, step))
