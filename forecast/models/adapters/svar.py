"""The oil-market SVAR as a price model (:mod:`forecast.models.svar`).

Each scenario's outage becomes the supply shocks that make world production follow it
(structural scenario); the SVAR's price effect is applied draw by draw to the run's no-outage
baseline, so the SVAR and the elasticity model share their baseline and differ only in the
effect of the shock.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

from forecast._cpu import one_blas_thread
from forecast.errors import EstimationError, ForecastError
from forecast.models import svar
from forecast.models.adapters._base import AdapterBase, scaled_baselines
from forecast.models.protocol import params_frame, tell
from forecast.models.svar import _common as svar_common
from forecast.models.svar import projection as svar_projection

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

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
    "instrument over {first}..{last} ({months} months); its responses are scaled to a 1% "
    "production fall on impact. First-stage F of the production residual on the surprises: "
    "{f:.2f} (of the real-price residual: {price_f:.1f})."
)
WEAK_NOTE = (
    "Weak instrument: the first-stage F of the production residual ({f:.2f}) is below 10. "
    "The surprises hardly move production on impact, so responses per 1% of production lost "
    "divide by a near-zero impact and are unreliable (their bands are very wide)."
)
NEEDS_INSTRUMENT = (
    "the {name} model's proxy identification needs {series} in the store (import it with "
    "`forecast data import`)"
)
NEEDS_LONG = (
    "the {name} model's start {start} (before 1992-02) needs {missing} in the store (import "
    "them with `forecast data import`)"
)
SAMPLE_NOTE = "SVAR estimated on {first}..{last} ({nobs} months after {lags} lags)."
POINT_ROTATIONS = 50_000
"""Candidate rotations of the point model's identified set under sign identification."""
EXPLOSIVE_EFFECT = 500.0
"""Largest |real-price effect| (%, 100 x log points) of a sustained 1% supply loss accepted."""
EXPLOSIVE = (
    "the {name} model's structural scenario is explosive: holding production 1% below its "
    "path moves the real price by more than {bound:.0f}% within {horizon} months in {count} "
    "of {n} bootstrap draws{why}; the model is not estimated"
)
EXPLOSIVE_POINT = (
    "the {name} model's structural scenario is explosive: at the point estimate, holding "
    "production 1% below its path moves the real price by more than {bound:.0f}% within "
    "{horizon} months{why}; the model is not estimated"
)
WHY_PROXY = (
    " (its supply shock hardly moves production on impact: first-stage F of the production "
    "residual on the instrument {f:.2f})"
)
REUSED = "the SVAR has {kept} bootstrap models for {paths} paths; a draw would be reused"
RAGGED_NOTE = (
    "SVAR ragged edge: months missing at the end of the sample were filled with the forecast "
    "conditional on the observed series (Waggoner and Zha): {filled}."
)


_T = TypeVar("_T")


class SVARAdapter(AdapterBase):
    """The SVAR fitted once, its bootstrap draws and the as-of state."""

    def __init__(self, context: RunContext) -> None:
        if context.baseline is None:  # pragma: no cover - the engine sets the baseline up first
            raise ValueError("the svar model needs the run's baseline")
        options = context.options
        self.name = context.name
        self.dataset = _dataset(context)
        data = _estimation_sample(self.dataset, options["end"])
        self.lag_table = svar.lag_selection(data, options["lags"])
        lags = svar.lags_from_table(self.lag_table, options["lags"], options["lag_criterion"])
        identification = options["identification"]
        sign = identification == "sign"
        self.fit = svar.fit_svar(
            data,
            lags,
            identification=identification,
            rng=context.rng("svar_rotations") if sign else None,
            rotations=POINT_ROTATIONS,
            dynamic_horizon=12 if options["restrictions"] == "km2012" else 0,
            instrument=_instrument(context, data) if identification == "proxy" else None,
        )
        _check_point(context, self.fit)  # before the bootstrap: no draws for a model refused
        self.draws = svar.bootstrap_svar(
            self.fit,
            context.draws,
            rng=context.rng("svar_boot"),
            method=options["bootstrap"],
            rotations=options["rotations"],
            progress=lambda done, total: tell(
                context.step, f"{self.name}: bootstrap draws", done, total
            ),
        )
        if len(self.draws) != context.draws:  # pragma: no cover - the bootstrap keeps all
            raise ValueError(REUSED.format(kept=len(self.draws), paths=context.draws))
        _check_scenario(context, self.fit, self.draws)
        filled, mask = svar.fill_ragged_edge(self.fit, self.dataset.frame)
        self.state = filled[-self.fit.lags :]
        self.filled_production = _filled_production(self.dataset.frame, filled, mask)
        self.context = context
        self.baseline = context.baseline.draws
        self.world_kbd = context.inputs.world_kbd
        self.notes = self._notes()
        self.tables = self._tables()
        self.raw = {"fit": self.fit, "draws": self.draws, "dataset": self.dataset}

    def project(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """Brent and WTI draws: the baseline times each draw's SVAR price effect.

        The same numbers as :func:`forecast.models.svar.project_svar` (no future shocks,
        ``svar_paths`` stream): its baselines and structural responses, which no scenario
        changes, are computed on the first call and kept.
        """
        target = np.log1p(-net_loss_kbd / self.world_kbd)
        projection = self._projection_base().project(target)
        effect = np.exp(projection.price_effect_pct / 100.0)
        return {sid: base * effect for sid, base in self.baseline.items()}

    def _projection_base(self) -> svar_projection.ProjectionBase:
        """Return the scenario-free part of :meth:`project` (computed once, then kept)."""
        cached: svar_projection.ProjectionBase | None = getattr(self, "_base_paths", None)
        if cached is None:
            cached = svar_projection.projection_base(
                self.fit,
                self.draws,
                self.state,
                self.context.horizon,
                rng=self.context.rng("svar_paths"),
                shocks=False,
                paths=self.context.draws,
            )
            self._base_paths = cached
        return cached

    def project_many(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """``(points, draws, horizon)`` Brent and WTI draws for ``(points, horizon)`` paths.

        The structural scenario is linear in the production target: per draw, the supply
        shocks are ``L^-1 g`` (``L`` the lower-triangular Toeplitz matrix of production's
        responses to a supply shock, ``g`` the target's monthly growth) and the price effect
        ``P L^-1 g``. ``M = P L^-1`` is computed once per draw (and kept); every point is then
        one matrix product. Equal to :meth:`project` to rounding (about 1e-13).
        """
        paths = np.asarray(net_loss_kbd, dtype=float)
        target = np.log1p(-paths / self.world_kbd)  # (points, horizon)
        growth = 100.0 * np.diff(target, axis=1, prepend=0.0)
        mapping = self._price_map()  # (draws, horizon, horizon)
        draws, horizon = mapping.shape[0], mapping.shape[1]
        # One GEMM for every point: (points, k) @ (k, draws * horizon).
        effect = (growth @ mapping.reshape(draws * horizon, -1).T).reshape(-1, draws, horizon)
        np.divide(effect, 100.0, out=effect)  # in place: exp(effect_pct / 100), one array
        np.exp(effect, out=effect)
        return scaled_baselines(self.baseline, effect)

    def _price_map(self) -> np.ndarray:
        """``(draws, horizon, horizon)``: real price effect (%) per unit of target growth."""
        cached: np.ndarray | None = getattr(self, "_price_effect_map", None)
        if cached is not None:
            return cached
        horizon = self.context.horizon
        theta = self._projection_base().theta  # structural_ma of every path's draw
        column = theta[..., :horizon, :, svar_common.SUPPLY]  # (draws, H, K)
        own, price = column[..., svar_common.PROD], column[..., svar_common.PRICE]
        if np.any(np.abs(own[:, 0]) < 1e-12):
            draw = int(np.flatnonzero(np.abs(own[:, 0]) < 1e-12)[0])
            raise EstimationError(svar_projection.NO_IMPACT.format(draw=draw))
        lag = np.arange(horizon)[:, None] - np.arange(horizon)[None, :]  # h - j
        below = lag >= 0
        toeplitz_own = np.where(below, own[:, np.clip(lag, 0, None)], 0.0)
        toeplitz_price = np.where(below, price[:, np.clip(lag, 0, None)], 0.0)
        # M = P L^-1, so M' = solve(L', P').
        mapping = np.linalg.solve(
            toeplitz_own.transpose(0, 2, 1), toeplitz_price.transpose(0, 2, 1)
        ).transpose(0, 2, 1)
        self._price_effect_map = np.ascontiguousarray(mapping)
        return self._price_effect_map

    def _tables(self) -> dict[str, pd.DataFrame]:
        """Impulse responses, variance and historical decompositions, implied elasticity."""
        response = svar.supply_price_response(self.fit, self.draws)
        tables = {
            "svar_irf": svar.irf_frame(self.fit, self.draws),
            "svar_fevd": svar.fevd_frame(self.fit, self.draws),
            "svar_hd": svar.historical_decomposition(self.fit),
            "svar_supply_response": response.peak,
            "svar_lag_selection": self.lag_table,
            "svar_sampler": self.draws.sampler_frame(),
        }
        if self.fit.identification == "sign":
            tables["svar_identified_set"] = svar.identified_set_frame(self.fit)
        if self.fit.identification == "proxy":
            tables["svar_first_stage"] = svar.first_stage_frame(self.fit)
        if self.context.options["sensitivity"] == "on":
            tables["svar_sensitivity"] = self.sensitivity()
        return tables

    def sensitivity(self) -> pd.DataFrame:
        """Return the point SVAR's supply response across identifications, lags and samples.

        BLAS runs on one thread meanwhile (:func:`forecast._cpu.one_blas_thread`).
        """
        return self.sensitivity_job()()

    def sensitivity_job(self) -> Callable[[], pd.DataFrame]:
        """Return :meth:`sensitivity` as a call on the run's frames and stream, not the adapter.

        It pickles small (the input frames and a fresh generator of the
        ``svar_sensitivity`` stream, the same numbers each time), so a report can have it
        computed in another process while this one goes on (`reports.writer.ChartWorkers`).
        """
        inputs = self.context.inputs
        return partial(
            _sensitivity,
            _frames(self.context),
            inputs.series.get(INSTRUMENT),
            inputs.as_of,
            self.context.rng("svar_sensitivity"),
        )

    def _notes(self) -> tuple[str, ...]:
        """Return what the report must say about the SVAR's data (ragged edge, CPI holes)."""
        filled = "; ".join(self.dataset.filled)
        notes = [*self.dataset.notes, *self.draws.notes]
        if self.fit.dates is not None and self.context.options["end"] != "as_of":
            notes.append(
                SAMPLE_NOTE.format(
                    first=f"{self.fit.dates[0]:%Y-%m}",
                    last=f"{self.fit.dates[-1]:%Y-%m}",
                    nobs=self.fit.nobs,
                    lags=self.fit.lags,
                )
            )
        if self.fit.identification == "sign":
            notes.append(SIGN_NOTE)
            notes.append(SIGN_KM_NOTE if self.fit.dynamic_horizon else SIGN_IMPACT_NOTE)
        if self.fit.identification == "proxy":
            stage = svar.first_stage_frame(self.fit)
            production = stage.iloc[0].to_dict()  # prod_growth_pct
            f_stat = float(self.fit.first_stage_f or 0.0)
            notes.append(
                PROXY_NOTE.format(
                    first=production["first"],
                    last=production["last"],
                    months=production["months"],
                    f=f_stat,
                    price_f=float(stage["f_stat"].to_numpy()[-1]),  # real_price_log
                )
            )
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


def _sensitivity(
    frames: dict[str, pd.DataFrame | None],
    instrument: pd.DataFrame | None,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    with one_blas_thread():
        return svar.sensitivity_table(
            **frames,  # type: ignore[arg-type]
            instrument=instrument,
            as_of=as_of,
            rng=rng,
        )


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


def _explosive(effect: np.ndarray) -> np.ndarray:
    """Which rows of real-price effect paths are not finite or exceed the bound somewhere."""
    return ~np.isfinite(effect).all(axis=-1) | (np.abs(effect) > EXPLOSIVE_EFFECT).any(axis=-1)


def _filled_production(
    frame: pd.DataFrame, filled: np.ndarray, mask: np.ndarray
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Return the months whose production growth the ragged-edge fill gave, and that growth."""
    column = svar_common.PROD
    rows = np.flatnonzero(mask[:, column])
    dates = pd.DatetimeIndex(frame["date"].to_numpy()[rows]) if "date" in frame else None
    return (dates if dates is not None else pd.DatetimeIndex([])), filled[rows, column]


def _why(fit: svar.SVARFit) -> str:
    """Why a proxy SVAR explodes (its first-stage F); nothing for other identifications."""
    if fit.identification != "proxy":
        return ""
    return WHY_PROXY.format(f=float(fit.first_stage_f or 0.0))


def _check_point(context: RunContext, fit: svar.SVARFit) -> None:
    """Raise :class:`EstimationError` when the point model's structural scenario explodes."""
    effect = svar.supply_response_paths(fit.coefs, fit.impact, context.horizon, "sustained")
    if _explosive(effect):
        raise EstimationError(
            EXPLOSIVE_POINT.format(
                name=context.name, bound=EXPLOSIVE_EFFECT, horizon=context.horizon, why=_why(fit)
            )
        )


def _check_scenario(context: RunContext, fit: svar.SVARFit, draws: svar.SVARDraws) -> None:
    """Raise :class:`EstimationError` when the structural scenario explodes in some draw."""
    horizon = context.horizon
    effect = svar.supply_response_paths(draws.coefs, draws.impact, horizon, "sustained")
    bad = _explosive(effect)
    if bad.any():
        why = _why(fit)
        raise EstimationError(
            EXPLOSIVE.format(
                name=context.name,
                bound=EXPLOSIVE_EFFECT,
                horizon=horizon,
                count=int(bad.sum()),
                n=len(draws),
                why=why,
            )
        )


def _estimation_sample(dataset: svar.SVARDataset, end: str) -> pd.DataFrame:
    """Return the complete months of ``dataset`` up to ``end`` (``"as_of"``: all of them)."""
    data = dataset.complete()
    if end == "as_of":
        return data
    return data[data["date"] <= pd.Timestamp(end)].reset_index(drop=True)


def _instrument(context: RunContext, data: pd.DataFrame) -> np.ndarray:
    """Känzig's surprises on the sample's months (NaN where the series does not cover them)."""
    frame = context.inputs.series.get(INSTRUMENT)
    if frame is None:
        raise ForecastError(NEEDS_INSTRUMENT.format(name=context.name, series=INSTRUMENT))
    return svar.align_instrument(frame, data["date"])


def named_errors(context: RunContext, build: Callable[[RunContext], _T]) -> _T:
    """Return ``build(context)``; an :class:`EstimationError` raised is prefixed by the model."""
    try:
        return build(context)
    except EstimationError as exc:
        if str(exc).startswith(f"the {context.name} model"):
            raise
        raise EstimationError(f"the {context.name} model: {exc}") from exc


def setup(context: RunContext) -> SVARAdapter:
    """Estimate the SVAR and its bootstrap once for the run (errors name the model)."""
    return named_errors(context, SVARAdapter)
