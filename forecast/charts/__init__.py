"""Charts: results in, plotnine ggplots out (never saved here; the report writers save them).

One module per kind of chart, all with the look of :mod:`forecast.charts._theme`:

* :mod:`forecast.charts.scenario`: prices under each scenario and their difference from
  baseline, with one fixed colour per scenario (:func:`scenario_colours`);
* :mod:`forecast.charts.cuba`: Cuba's economy by scenario, and the Cuba model's backcast;
* :mod:`forecast.charts.methodology`: the oil-market SVAR's impulse responses, variance
  decomposition and historical decomposition;
* :mod:`forecast.charts.backtest`: the backtest's cumulative squared-error gain;
* :mod:`forecast.charts.headline`: the headline's effect per 1% of supply lost, per model,
  against the literature's band.

plotnine is imported inside the chart functions. :data:`DPI` is the resolution the charts are
drawn and saved at.
"""

from __future__ import annotations

from forecast.charts._theme import DPI
from forecast.charts.backtest import cumulative_loss_chart, cumulative_loss_frame
from forecast.charts.cuba import cuba_backcast_chart, cuba_panel
from forecast.charts.headline import headline_chart
from forecast.charts.methodology import svar_fevd_chart, svar_hd_chart, svar_irf_chart
from forecast.charts.scenario import (
    difference_chart,
    model_difference_chart,
    price_fan_chart,
    same_oil_shock,
    scenario_colours,
    scenario_prices_chart,
)

__all__ = [
    "DPI",
    "cuba_backcast_chart",
    "cuba_panel",
    "cumulative_loss_chart",
    "cumulative_loss_frame",
    "difference_chart",
    "headline_chart",
    "model_difference_chart",
    "price_fan_chart",
    "same_oil_shock",
    "scenario_colours",
    "scenario_prices_chart",
    "svar_fevd_chart",
    "svar_hd_chart",
    "svar_irf_chart",
]
