"""The headline chart: Brent's effect per 1% of world supply lost, per model, and the literature.

Built from the report's headline table (:func:`forecast.reports._headline.headline_table`):
one dot (median) and range (90% band over draws; for the ensemble, the range across models)
per price model at one horizon, over the literature's band of implied price responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.charts._theme import compose, figure, theme

if TYPE_CHECKING:
    from plotnine import ggplot

__all__ = ["headline_chart", "headline_frame"]

_ENSEMBLE_COLOUR = "#000000"


def headline_frame(table: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Return ``label, kind, median, low, high`` per 1% of world supply lost at ``horizon``.

    Rows are the models that ran and the ensemble, in table order (first at the top); the
    band is divided by the month's loss share like the median.
    """
    share = f"loss_share_h{horizon}_pct"
    rows = table[table["row"].isin(["model", "ensemble"])]
    if share not in rows.columns:
        return pd.DataFrame(columns=["label", "kind", "median", "low", "high"])
    ran = rows[rows["row"] == "model"]
    scale = float(ran[share].iloc[0]) if not ran.empty else np.nan
    stem = f"effect_h{horizon}"
    frame = pd.DataFrame(
        {
            "label": rows["label"].astype(str).to_numpy(),
            "kind": rows["row"].astype(str).to_numpy(),
            "median": (rows[f"{stem}_q50"] / scale).to_numpy(dtype=float),
            "low": (rows[f"{stem}_q05"] / scale).to_numpy(dtype=float),
            "high": (rows[f"{stem}_q95"] / scale).to_numpy(dtype=float),
        }
    )
    order = list(frame["label"])[::-1]
    frame["label"] = pd.Categorical(frame["label"], categories=order)
    return frame


def headline_chart(
    table: pd.DataFrame,
    literature: tuple[float, float],
    *,
    horizon: int = 6,
    colours: dict[str, str] | None = None,
) -> ggplot:
    """Dot-and-range chart of the effect per 1% of supply lost at ``horizon``, per model.

    ``literature`` is the (low, high) implied % price response per 1% supply loss of the
    studies in ``facts/oil_market_elasticities.csv``, shaded behind the dots. ``colours``
    maps a row's model name to its colour (the registry's).
    """
    from plotnine import (
        aes,
        annotate,
        coord_flip,
        geom_hline,
        geom_linerange,
        geom_point,
        ggplot,
        labs,
        scale_colour_manual,
    )
    from plotnine import theme as plotnine_theme

    frame = headline_frame(table, horizon)
    names = dict(zip(table["label"].astype(str), table["model"].astype(str), strict=False))
    palette = {
        label: (
            _ENSEMBLE_COLOUR
            if names.get(label) == "ensemble"
            else (colours or {}).get(names.get(label, ""), "#566573")
        )
        for label in frame["label"].astype(str)
    }
    low, high = literature
    return compose(
        ggplot(frame, aes("label", "median", colour="label")),
        annotate("rect", xmin=-np.inf, xmax=np.inf, ymin=low, ymax=high, fill="#f5cba7", alpha=0.5),
        geom_hline(yintercept=0, colour="#999999", size=0.3),
        geom_linerange(aes(ymin="low", ymax="high"), size=1.2),
        geom_point(size=3.5),
        scale_colour_manual(values=palette, guide=None),
        coord_flip(),
        labs(
            title=f"Brent at {horizon} months per 1% of world supply lost, by model",
            subtitle=(
                "Median (dot) and 90% band over draws; the ensemble's line is the range of the "
                f"models' medians.\nShaded: the literature's {low:.1f}-{high:.1f}% per 1%."
            ),
            x="",
            y="% change in Brent per 1% of world crude supply lost",
        ),
        theme(),
        figure(9, 1.6 + 0.55 * len(frame)),
        # the model labels are long: the title starts at the figure's edge, not the panel's
        plotnine_theme(plot_title_position="plot"),
    )
