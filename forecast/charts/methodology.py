"""Methodology charts of the oil-market SVAR: impulse responses, FEVD, historical decomposition.

Built from the tidy frames of :mod:`forecast.models.svar` (``irf_frame`` and friends).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from forecast.charts._theme import HISTORY_COLOUR, band, compose, figure, theme

if TYPE_CHECKING:
    from plotnine import ggplot

__all__ = ["svar_fevd_chart", "svar_hd_chart", "svar_irf_chart"]

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
    from plotnine import (
        aes,
        facet_grid,
        geom_hline,
        geom_line,
        ggplot,
        labs,
        scale_x_continuous,
        scale_y_continuous,
    )

    frame = irf.assign(
        shock_label=pd.Categorical(irf["shock"].map(_SHOCKS), categories=list(_SHOCKS.values())),
        variable_label=pd.Categorical(
            irf["variable"].map(_SVAR_VARIABLES),
            categories=[_SVAR_VARIABLES[v] for v in irf["variable"].unique()],
        ),
    )
    return compose(
        ggplot(frame, aes("horizon")),
        geom_hline(yintercept=0, colour="#999999", size=0.3),
        band(aes(ymin="q05", ymax="q95"), fill="#2874a6", alpha=0.15),
        band(aes(ymin="q16", ymax="q84"), fill="#2874a6", alpha=0.3),
        geom_line(aes(y="estimate"), colour="#1b2631", size=0.8),
        facet_grid("variable_label ~ shock_label", scales="free_y"),
        # no minor breaks: the theme leaves their grid lines and ticks undrawn, and their
        # tick artists cost a tenth of this chart's time (nine panels)
        scale_x_continuous(minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        labs(
            title="Oil-market SVAR: responses to one-standard-deviation shocks",
            subtitle="Point estimate with 68% and 90% bootstrap bands; supply shock = disruption.",
            x="Months after the shock",
            y="",
        ),
        theme(),
        figure(9, 6.5),
    )


def svar_fevd_chart(fevd: pd.DataFrame) -> ggplot:
    """Share of the real oil price's forecast-error variance due to each shock, by horizon."""
    from plotnine import (
        aes,
        geom_area,
        ggplot,
        labs,
        scale_fill_manual,
        scale_x_continuous,
        scale_y_continuous,
    )

    frame = fevd[fevd["variable"] == "real_price_log"].assign(
        shock_label=lambda f: pd.Categorical(
            f["shock"].map(_SHOCKS), categories=list(_SHOCKS.values())
        ),
        share=lambda f: 100 * f["estimate"],
    )
    return compose(
        ggplot(frame, aes("horizon", "share", fill="shock_label")),
        geom_area(alpha=0.85),
        scale_fill_manual(values=_SHOCK_COLOURS),
        scale_x_continuous(minor_breaks=None),
        scale_y_continuous(limits=(0, 100.001), minor_breaks=None),
        labs(
            title="What moves the real oil price: forecast-error variance decomposition",
            subtitle="Share of the real price's forecast-error variance due to each shock.",
            x="Horizon (months)",
            y="% of variance",
        ),
        theme(),
        figure(9, 4.4),
    )


def _stacked(shocks: pd.DataFrame, *, width: pd.Timedelta) -> pd.DataFrame:
    """Stack each date's contributions into bars: ``xmin, xmax, ymin, ymax`` per shock.

    Positive and negative contributions stack apart, each from zero, the last shock nearest
    to zero, as plotnine's ``position_stack`` stacks a ``geom_col``; done here in one
    vectorised pass instead of one pandas group per date (most of the chart's drawing time).
    """
    frame = shocks.assign(
        order=-shocks["shock_label"].cat.codes, negative=shocks["value"] < 0
    ).sort_values(["negative", "date", "order"], kind="mergesort")
    keys = [frame["negative"], frame["date"]]
    top = frame["value"].fillna(0.0).groupby(keys).cumsum()
    bottom = top.groupby(keys).shift(fill_value=0.0)
    return frame.assign(
        xmin=frame["date"] - width / 2,
        xmax=frame["date"] + width / 2,
        ymin=bottom.where(bottom < top, top),
        ymax=top.where(bottom < top, bottom),
    ).drop(columns=["order", "negative"])


def svar_hd_chart(hd: pd.DataFrame, *, since: str = "2005-01-01") -> ggplot:
    """Historical decomposition of the real oil price: the contribution of each shock."""
    from plotnine import (
        aes,
        geom_hline,
        geom_line,
        geom_rect,
        ggplot,
        labs,
        scale_fill_manual,
        scale_x_datetime,
        scale_y_continuous,
    )

    price = hd[(hd["variable"] == "real_price_log") & (hd["date"] >= pd.Timestamp(since))]
    shocks = price[price["component"].isin(list(_SHOCKS))].assign(
        shock_label=lambda f: pd.Categorical(
            f["component"].map(_SHOCKS), categories=list(_SHOCKS.values())
        )
    )
    total = shocks.groupby("date", as_index=False)["value"].sum()
    return compose(
        ggplot(_stacked(shocks, width=pd.Timedelta(days=27)), aes("date", "value")),
        geom_hline(yintercept=0, colour="#999999", size=0.3),
        geom_rect(aes(xmin="xmin", xmax="xmax", ymin="ymin", ymax="ymax", fill="shock_label")),
        geom_line(data=total, colour=HISTORY_COLOUR, size=0.5),
        scale_fill_manual(values=_SHOCK_COLOURS),
        scale_x_datetime(date_labels="%Y", date_breaks="2 years", minor_breaks=None),
        scale_y_continuous(minor_breaks=None),
        labs(
            title="Why the real oil price moved: historical decomposition",
            subtitle=(
                "Contribution of each structural shock to the real price (100 x log, "
                "deviation from initial conditions and constant); black: their sum."
            ),
            x="",
            y="Contribution (%)",
        ),
        theme(),
        figure(9, 4.6),
    )
