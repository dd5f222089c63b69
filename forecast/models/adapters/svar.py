"""The oil-market SVAR as a price model (:mod:`forecast.models.svar`).

Each scenario's outage becomes the supply shocks that make world production follow it
(structural scenario); the SVAR's price effect is applied draw by draw to the run's no-outage
baseline, so the SVAR and the elasticity model share their baseline and differ only in the
effect of the shock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.errors import ForecastError
from forecast.models import svar
from forecast.models.adapters._base import AdapterBase
from forecast.models.protocol import params_frame

if TYPE_CHECKING:
    from collections.abc import Mapping

    from forecast.models.protocol import RunContext

SERIES = ("world_crude_production_kbd", "kilian_rea", "us_cpi")
INSTRUMENT = "kaenzig_oil_supply_surprise"
LONG_SERIES = {
    "production_long": "world_crude_production_long_kbd",
    "price_long": "brent_long_usd",
    "cpi_long": "us_cpi_long",
}
"""Keyword of :func:`svar.svar_dataset` -> the store series a start before 1992 needs."""
SIGN_NOTE = (
    "SVAR identified by sign restrictions with a bound on the impact price elasticity of oil "
    "supply (Kilian and Murphy 2012), not recursively."
)
SIGN_IMPACT_NOTE = (
    "The sign restrictions are on impact only (with the elasticity bound): Kilian and "
    "Murphy's dynamic restrictions over 12 months are not imposed."
)
SIGN_KM_NOTE = (
    "Kilian and Murphy's dynamic restrictions are imposed: after a supply disruption, "
    "cumulated production and real activity fall and the real price rises for 12 months."
)
PROXY_NOTE = (
    "SVAR supply shock identified by Känzig's (2021) oil supply surprises as an external "
    "instrument; first-stage F {f:.1f} over {months} months."
)
WEAK_NOTE = (
    "Weak instrument: the first-stage F ({f:.1f}) is below 10, so the proxy-identified "
    "responses and their bands are unreliable."
)
NEEDS_INSTRUMENT = (
    "the {name} model's proxy identification needs {series} in the store (import it with "
    "`forecast data import`)"
)
NEEDS_LONG = (
    "the {name} model's start {start} (before 1992-02) needs {missing} in the store (import "
    "them with `forecast data import`)"
)
REUSED = "the SVAR has {kept} bootstrap models for {paths} paths; a draw would be reused"
RAGGED_NOTE = (
    "SVAR ragged edge: months missing at the end of the sample were filled with the forecast "
    "conditional on the observed series (Waggoner and Zha): {filled}."
)


class SVARAdapter(AdapterBase):
    """The SVAR fitted once, its bootstrap draws and the as-of state."""

    def __init__(self, context: RunContext) -> None:
        if context.baseline is None:  # pragma: no cover - the engine sets the baseline up first
            raise ValueError("the svar model needs the run's baseline")
        options = context.options
        self.name = context.name
        self.dataset = _dataset(context)
        data = self.dataset.complete()
        self.lag_table = svar.lag_selection(data, options["lags"])
        lags = svar.select_lags(data, options["lags"], options["lag_criterion"])
        identification = options["identification"]
        sign = identification == "sign"
        self.fit = svar.fit_svar(
            data,
            lags,
            identification=identification,
            rng=context.rng("svar_rotations") if sign else None,
            dynamic_horizon=12 if options["restrictions"] == "km2012" else 0,
            instrument=_instrument(context, data) if identification == "proxy" else None,
        )
        self.draws = svar.bootstrap_svar(
            self.fit,
            context.draws,
            rng=context.rng("svar_boot"),
            method=options["bootstrap"],
            rotations=options["rotations"],
        )
        if len(self.draws) != context.draws:  # pragma: no cover - the bootstrap keeps all
            raise ValueError(REUSED.format(kept=len(self.draws), paths=context.draws))
        filled, _ = svar.fill_ragged_edge(self.fit, self.dataset.frame)
        self.state = filled[-self.fit.lags :]
        self.context = context
        self.baseline = context.baseline.draws
        self.world_kbd = context.inputs.world_kbd
        self.notes = self._notes()
        self.tables = self._tables()
        self.raw = {"fit": self.fit, "draws": self.draws, "dataset": self.dataset}

    def project(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """Brent and WTI draws: the baseline times each draw's SVAR price effect."""
        projection = svar.project_svar(
            self.fit,
            self.draws,
            self.state,
            self.context.horizon,
            production_level_deviation=np.log1p(-net_loss_kbd / self.world_kbd),
            rng=self.context.rng("svar_paths"),
            shocks=False,
            paths=self.context.draws,
        )
        effect = np.exp(projection.price_effect_pct / 100.0)
        return {sid: base * effect for sid, base in self.baseline.items()}

    def _tables(self) -> dict[str, pd.DataFrame]:
        """Impulse responses, variance and historical decompositions, implied elasticity."""
        response = svar.supply_price_response(self.fit, self.draws)
        tables = {
            "svar_irf": svar.irf_frame(self.fit, self.draws),
            "svar_fevd": svar.fevd_frame(self.fit, self.draws),
            "svar_hd": svar.historical_decomposition(self.fit),
            "svar_supply_response": response.peak,
            "svar_lag_selection": self.lag_table,
        }
        if self.fit.identification == "sign":
            tables["svar_identified_set"] = svar.identified_set_frame(self.fit)
        if self.context.options["sensitivity"] == "on":
            tables["svar_sensitivity"] = self.sensitivity()
        return tables

    def sensitivity(self) -> pd.DataFrame:
        """Return the point SVAR's supply response across identifications, lags and samples."""
        inputs = self.context.inputs
        return svar.sensitivity_table(
            **_frames(self.context),  # type: ignore[arg-type]
            instrument=inputs.series.get(INSTRUMENT),
            as_of=inputs.as_of,
            rng=self.context.rng("svar_sensitivity"),
        )

    def _notes(self) -> tuple[str, ...]:
        """Return what the report must say about the SVAR's data (ragged edge, CPI holes)."""
        filled = "; ".join(self.dataset.filled)
        notes = [*self.dataset.notes, *self.draws.notes]
        if self.fit.identification == "sign":
            notes.append(SIGN_NOTE)
            notes.append(SIGN_KM_NOTE if self.fit.dynamic_horizon else SIGN_IMPACT_NOTE)
        if self.fit.identification == "proxy" and self.fit.instrument is not None:
            f_stat = float(self.fit.first_stage_f or 0.0)
            months = int(np.isfinite(self.fit.instrument).sum())
            notes.append(PROXY_NOTE.format(f=f_stat, months=months))
            if f_stat < svar.WEAK_INSTRUMENT_F:
                notes.append(WEAK_NOTE.format(f=f_stat))
        if filled:
            notes.append(RAGGED_NOTE.format(filled=filled))
        return tuple(notes)

    @property
    def params(self) -> pd.DataFrame:
        """Impact responses (with bootstrap s.e.), stability, lags and sample size."""
        fit, draws = self.fit, self.draws
        terms, estimates, errors = [], [], []
        for i, variable in enumerate(fit.variables):
            for j, shock in enumerate(fit.shocks):
                terms.append(f"impact of {shock} shock on {variable}")
                estimates.append(float(fit.impact[i, j]))
                errors.append(float(draws.impact[:, i, j].std()) if len(draws) else np.nan)
        terms += ["largest companion root", "lags", "observations"]
        estimates += [fit.max_root, float(fit.lags), float(fit.nobs)]
        roots = draws.max_roots()
        errors += [float(roots.std()) if len(roots) else np.nan, np.nan, np.nan]
        return params_frame(self.name, "brent_usd", terms, estimates, errors)


def _frames(context: RunContext) -> dict[str, pd.DataFrame | None]:
    """Return the SVAR's input frames from the run (long series ``None`` when not in the store)."""
    inputs = context.inputs
    cut = {sid: inputs.months(sid) for sid in SERIES}
    frames: dict[str, pd.DataFrame | None] = {
        "production": cut["world_crude_production_kbd"],
        "activity": cut["kilian_rea"],
        "price": inputs.prices("brent_usd"),
        "cpi": cut["us_cpi"],
    }
    for keyword, sid in LONG_SERIES.items():
        frames[keyword] = inputs.series.get(sid)
    return frames


def _dataset(context: RunContext) -> svar.SVARDataset:
    """Return the SVAR's data from the option ``start`` on (long series checked when needed)."""
    start = context.options["start"]
    frames = _frames(context)
    if start < svar.DEFAULT_START:
        missing = [sid for key, sid in LONG_SERIES.items() if frames[key] is None]
        if missing:
            raise ForecastError(
                NEEDS_LONG.format(name=context.name, start=start, missing=", ".join(missing))
            )
    else:
        frames = {k: v for k, v in frames.items() if k not in LONG_SERIES}
    return svar.svar_dataset(**frames, start=start, as_of=context.inputs.as_of)  # type: ignore[arg-type]


def _instrument(context: RunContext, data: pd.DataFrame) -> np.ndarray:
    """Känzig's surprises on the sample's months (NaN where the series has no value)."""
    frame = context.inputs.series.get(INSTRUMENT)
    if frame is None:
        raise ForecastError(NEEDS_INSTRUMENT.format(name=context.name, series=INSTRUMENT))
    values = frame.set_index(pd.to_datetime(frame["date"]))["value"]
    aligned: np.ndarray = values.reindex(pd.DatetimeIndex(data["date"])).to_numpy(dtype=float)
    return aligned


def setup(context: RunContext) -> SVARAdapter:
    """Estimate the SVAR and its bootstrap once for the run."""
    return SVARAdapter(context)
