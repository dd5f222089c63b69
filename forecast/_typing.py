"""Every string option of the package, as ``Literal`` types, in one place.

Click ``Choice`` lists, validation messages and the model registry's option specs are built
from these with :func:`typing.get_args`, so an option's values are written once.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BootstrapMethod",
    "DiffKind",
    "ExportCoverage",
    "Frequency",
    "Identification",
    "Innovations",
    "LagCriterion",
    "LikelihoodSample",
    "ModelKind",
    "Normalisation",
    "PriceBaseline",
    "PriorSource",
    "ReducedForm",
    "RefreshSource",
    "RefreshStatus",
    "SampleEnd",
    "SampleStart",
    "SignRestrictions",
    "SourceName",
    "Space",
    "Tightness",
    "Trend",
    "WriteMode",
    "WriteStatus",
]

# models and runs
ModelKind = Literal["baseline", "price", "cuba"]
# What a scenario's default outage volume counts (outage.coverage).
ExportCoverage = Literal["crude", "crude_and_products"]
PriceBaseline = Literal["no_change", "no_change_eom", "arima", "ets"]
Identification = Literal["recursive", "sign", "proxy"]
"""How the SVAR's structural shocks are identified: Cholesky (Kilian 2009), sign restrictions
(Kilian & Murphy 2012) or an external instrument for the supply shock (proxy)."""
BootstrapMethod = Literal["residual", "wild", "gaussian"]
"""Innovations of the SVAR's recursive-design bootstrap samples."""
Innovations = Literal["bootstrap", "gaussian"]
"""Future structural shocks of projected SVAR paths: resampled estimates or standard normal."""
Normalisation = Literal["impact", "sustained"]
"""How a supply shock is scaled to a 1% loss of world supply (``svar.supply_price_response``)."""
Trend = Literal["c", "n"]
SignRestrictions = Literal["km2012", "impact"]
"""Sign identification's restrictions: Kilian & Murphy's (2012) impact signs, elasticity bound
and 12 months of dynamic restrictions on a supply disruption, or the impact ones only."""
SampleStart = Literal["1992-02", "1974-02"]
"""First month of the SVAR's sample: EIA's world production (1992-02) or the long sample with
Känzig's (2021) production, Brent and CPI before then (1974-02)."""
SampleEnd = Literal["as_of", "2017-12", "2019-12"]
"""Last month of the SVAR's estimation sample: the run's as-of month (the last complete one),
the end of Känzig's (2021) data set (2017-12) or the month before the pandemic (2019-12)."""
LagCriterion = Literal["fixed", "aic", "bic", "hq"]
Tightness = Literal["ml", "0.05", "0.1", "0.2", "0.5", "1"]
"""Overall tightness of a Minnesota prior: chosen from the others by marginal likelihood (ml),
or fixed."""
ReducedForm = Literal["var", "bvar"]
"""How the backtest forecasts a structural model: by its OLS VAR or its Minnesota BVAR."""
"""How the SVAR's lag length is set: the ``lags`` option itself, or the information criterion
minimised over ``1..lags`` on one sample (``svar.select_lags``)."""
LikelihoodSample = Literal["without_special_period", "full"]
PriorSource = Literal["calibrated", "special_period"]

# evaluation
Space = Literal["nominal", "real"]

# data
Frequency = Literal["daily", "monthly", "annual"]
RefreshSource = Literal["fred", "eia", "yahoo"]
"""Sources ``forecast refresh`` fetches; each has an entry in :mod:`forecast.sources.registry`."""
SourceName = Literal[RefreshSource, "bundled", "csv"]
RefreshStatus = Literal["ok", "unchanged", "failed", "skipped"]
WriteMode = Literal["replace", "merge"]
WriteStatus = Literal["written", "planned", "unchanged"]
DiffKind = Literal["pct", "pp", "abs"]
