"""The ``Forecaster`` protocol, the ``ModelAdapter`` registry and the simple adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd

from forecast.errors import ForecastError
from forecast.evaluation._density import BaselineDensity
from forecast.evaluation._panel import (
    TARGETS,
    OriginData,
    Space,
)
from forecast.evaluation._var_forecasters import (
    LONG_COLUMNS,
    SPLICE_MONTH,
    StructuralForecaster,
    _BVARForecaster,
)
from forecast.models import registry

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from forecast.evaluation._density import DensityForecaster
    from forecast.evaluation._settings import (
        EvaluationSettings,
    )
    from forecast.models.baseline import BaselineFit


BENCHMARK, BENCHMARK_EOM, COMBINATION = "no_change", "no_change_eom", "combination"


DEFAULT_MODELS: tuple[str, ...] = (
    "no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil",
    *registry.backtest_names(), "combination",
)  # fmt: skip
"""Every model, the structural ones named as in the registry (``svar``, ``svar_sign``...)."""


class Forecaster(Protocol):
    """A model's point forecasts at one origin: log monthly-average Brent by space.

    Called with the data known at the origin and the horizons (months after the origin);
    returns, for each space the model works in (``"nominal"`` and/or ``"real"``), an array
    of log prices, one per horizon. The other space is filled by the evaluation through the
    CPI forecast. Raise :class:`~forecast.errors.ForecastError` to skip an origin.
    """

    def __call__(self, data: OriginData, horizons: tuple[int, ...]) -> Mapping[Space, np.ndarray]:
        """Return log price forecasts by space."""
        ...


@dataclass(frozen=True, slots=True)
class ModelAdapter:
    """A model the backtest can run.

    Attributes
    ----------
    name
        The ``--model`` name.
    description
        One line for notes and help.
    make
        Builds a fresh :class:`Forecaster` for a run (it may cache fits across origins).
    unavailable
        Returns why the model cannot run (a note), or ``None`` when it can.
    density
        Builds a :class:`~forecast.evaluation.DensityForecaster` for the models that give a
        predictive distribution cheaply (``None``: point forecasts only).
    nests
        The no-change benchmark the model nests (its forecast when the extra parameters are
        zero): the benchmark of its Clark-West test; ``None``: not nested.
    needs
        Panel columns the model cannot run without: when one holds no value the model is
        skipped with ``needs_note`` (one line).
    needs_note
        Why the model is skipped without ``needs``.
    """

    name: str
    description: str
    make: Callable[[EvaluationSettings], Forecaster]
    unavailable: Callable[[], str | None] = lambda: None
    density: Callable[[EvaluationSettings], DensityForecaster] | None = None
    nests: str | None = None
    needs: tuple[str, ...] = ()
    needs_note: str = ""

    def missing(self, panel: pd.DataFrame | None) -> str | None:
        """Return why the model cannot run on ``panel`` (``unavailable`` or ``needs``)."""
        reason = self.unavailable()
        if reason is not None or panel is None:
            return reason
        for column in self.needs:
            if column not in panel or not panel[column].notna().any():
                return self.needs_note
        return None


NEEDS_LONG = (
    "{name} skipped: its sample starts {start}, before {splice}, and needs Känzig's long "
    "series ({series}) in the store (import them with `forecast data import`)"
)


def structural_adapter(name: str) -> ModelAdapter:
    """Return the backtest adapter of a structural registry model (its reduced form).

    The settings (lags, sample start, lag criterion, prior tightness) are the registry
    entry's option defaults (see :class:`StructuralForecaster`). A start before 1992-02
    needs Känzig's long series in the panel (``needs``).

    Parameters
    ----------
    name
        A registry price model with a ``reduced_form``.

    Returns
    -------
    ModelAdapter
        Nested in the monthly-average no-change forecast (a VAR in the log real price).
    """
    entry = registry.get(name)
    options = entry.resolve_options(None)
    lags, start = options["lags"], options["start"]
    if entry.reduced_form == "bvar":
        text = f"Minnesota BVAR({lags}) posterior mean from {start} (reduced form of {name})"
    else:
        text = f"OLS VAR({lags}) from {start} (reduced form of {name})"
    needs = LONG_COLUMNS if start < SPLICE_MONTH else ()
    note = NEEDS_LONG.format(
        name=name, start=start, splice=SPLICE_MONTH, series=", ".join(LONG_COLUMNS)
    )
    return ModelAdapter(
        name,
        text,
        lambda _s: StructuralForecaster(name),
        nests=BENCHMARK,
        needs=needs,
        needs_note=note if needs else "",
    )


def _no_change(data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
    return {s: np.full(len(horizons), data.log_price(s)[-1]) for s in TARGETS}


def _no_change_eom(data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
    last = data.log_eom("nominal")[-1]
    if not np.isfinite(last):
        raise ForecastError(f"no daily Brent close in {data.origin:%Y-%m}")
    return {s: np.full(len(horizons), data.log_eom(s)[-1]) for s in TARGETS}


class _BaselineForecaster:
    """ARIMA or ETS from :mod:`forecast.models.baseline`, refitted on a schedule."""

    def __init__(self, method: Literal["arima", "ets"], settings: EvaluationSettings) -> None:
        self.method = method
        self.refit_months = settings.refit_months
        self.window = settings.baseline_window_months
        self._fits: dict[tuple[Space, pd.Timestamp], BaselineFit] = {}

    def _refit_month(self, origin: pd.Timestamp) -> pd.Timestamp:
        back = (origin.month - 1) % self.refit_months
        return origin - pd.DateOffset(months=back)

    def __call__(self, data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
        from forecast.models.baseline import fit_baseline

        refit = self._refit_month(data.origin)
        steps = max(horizons)
        index = np.asarray(horizons) - 1
        out: dict[Space, np.ndarray] = {}
        for space in TARGETS:
            key = (space, refit)
            if key not in self._fits:
                known = data if refit == data.origin else data.truncate(refit)
                prices = _price_frame(known, space)
                self._fits[key] = fit_baseline(prices, self.method, window_months=self.window)
            fit = self._fits[key]
            results: Any = fit.raw["results"]
            if refit != data.origin:
                log_prices = np.log(_price_frame(data, space)["value"].to_numpy())
                start = data.dates.get_loc(fit.sample_start)
                results = _same_model(
                    results.model, log_prices[start:], self.method
                ).__getattribute__("filter" if self.method == "arima" else "smooth")(
                    np.asarray(results.params)
                )
            out[space] = np.asarray(results.forecast(steps), dtype=float)[index]
        return out


def _same_model(model: Any, endog: np.ndarray, method: str) -> Any:
    """Return the fitted model's specification on new data (ETS has no ``clone``)."""
    if method == "arima":
        return model.clone(endog)
    spec = ("error", "trend", "damped_trend", "seasonal", "seasonal_periods")
    kwargs = {name: getattr(model, name) for name in spec}
    return type(model)(endog, initialization_method=model.initialization_method, **kwargs)


def _price_frame(data: OriginData, space: Space) -> pd.DataFrame:
    log_price = data.log_price(space)
    keep = np.isfinite(log_price)
    first = int(np.argmax(keep)) if keep.any() else len(keep)
    return pd.DataFrame(
        {"date": data.dates[first:].astype("datetime64[ns]"), "value": np.exp(log_price[first:])}
    )


ADAPTERS: dict[str, ModelAdapter] = {
    adapter.name: adapter
    for adapter in (
        ModelAdapter(
            "no_change",
            "last monthly average",
            lambda _s: _no_change,
            density=lambda s: BaselineDensity("no_change", s),
        ),
        ModelAdapter(
            "no_change_eom",
            "last daily close of the month",
            lambda _s: _no_change_eom,
            density=lambda s: BaselineDensity("no_change_eom", s),
        ),
        ModelAdapter(
            "arima",
            "ARIMA(1,1,0) on log prices",
            lambda s: _BaselineForecaster("arima", s),
            nests=BENCHMARK,
        ),
        ModelAdapter(
            "ets",
            "damped-trend ETS on log prices",
            lambda s: _BaselineForecaster("ets", s),
            nests=BENCHMARK,
        ),
        ModelAdapter(
            "bvar",
            "Minnesota BVAR: end-of-month price change and end-of-month gap",
            lambda s: _BVARForecaster(s.bvars["bvar"]),
            nests=BENCHMARK_EOM,
        ),
        ModelAdapter(
            "bvar_oil",
            "Minnesota BVAR adding world production growth and the Kilian index change",
            lambda s: _BVARForecaster(s.bvars["bvar_oil"]),
            nests=BENCHMARK_EOM,
        ),
        *(structural_adapter(name) for name in registry.backtest_names()),
    )
}
"""The models the backtest runs at each origin (``combination`` is built from them)."""
