"""The one list of models: names, kinds, defaults, options, colours and factories.

The engine, the CLI's ``--model`` and ``--price-baseline`` choices and help, the model
options (``--svar-identification``...), the report's model list and chart colours all read
this registry. Adding a model is one module with a factory plus one :func:`register` call
(or one entry in :data:`_BUILTINS`).

Importing this module is cheap (no numpy, pandas or model code): factories are named as
``"module:function"`` strings and imported only when a run sets the model up, so
``forecast --help`` stays fast. A factory may also be a callable (handy in tests).

Examples
--------
>>> from forecast.models import registry
>>> registry.names("price")
('svar', 'elasticity', 'svar_sign', 'svar_proxy', 'svar_bvar')
>>> registry.get("svar").option("identification").choices
('recursive', 'sign', 'proxy')
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from forecast._typing import (
    BootstrapMethod,
    Identification,
    LagCriterion,
    ModelKind,
    PriceBaseline,
    ReducedForm,
    SampleEnd,
    SampleStart,
    SignRestrictions,
    Tightness,
)
from forecast.errors import ForecastError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from forecast.models.protocol import Adapter, RunContext

__all__ = [
    "ModelEntry",
    "ModelOption",
    "backtest_names",
    "colours",
    "default_models",
    "entries",
    "get",
    "names",
    "register",
    "unregister",
]

UNKNOWN_MODEL = "unknown model {name!r}; known models: {known}"
UNKNOWN_OPTION = "the {model} model has no option {option!r}; its options: {known}"
BAD_OPTION = "{model} option {option}: {problem}"
DUPLICATE = "a model named {name!r} is already registered"


@dataclass(frozen=True, slots=True)
class ModelOption:
    """One setting of a model, with its default and allowed values.

    Attributes
    ----------
    name
        Option name (``identification``); the CLI flag is ``--{model}-{name}``.
    default
        The value used when a run does not set it.
    help
        One line for the CLI's help.
    choices
        Allowed strings (from a ``Literal`` type), or ``None`` for a whole number.
    minimum
        Smallest allowed whole number (options without ``choices``).
    """

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    minimum: int = 1

    def check(self, model: str, value: object) -> Any:
        """Return ``value`` if allowed, else raise :class:`ForecastError` naming the option."""
        if self.choices is not None:
            if value not in self.choices:
                problem = f"{value!r} is not one of {', '.join(self.choices)}"
                raise ForecastError(
                    BAD_OPTION.format(model=model, option=self.name, problem=problem)
                )
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < self.minimum:
            problem = f"{value!r} is not a whole number >= {self.minimum}"
            raise ForecastError(BAD_OPTION.format(model=model, option=self.name, problem=problem))
        return int(value)


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model the engine can run.

    Attributes
    ----------
    name
        The ``--model`` name (for baselines: the ``--price-baseline`` value).
    kind
        ``baseline``, ``price`` or ``cuba``.
    description
        One line for the CLI's help, the README and the report.
    factory
        ``"module:function"`` or a callable: ``factory(context) -> adapter`` (see
        :mod:`forecast.models.protocol`).
    default
        Run when the user names no models.
    needs
        Store series the model cannot run without. When one is missing, a default model is
        left out with a note; a model the user asked for is an error.
    uses
        Store series the model uses when present (read for it; listed in "Data used").
    facts
        Curated tables (``forecast.facts`` names) the model reads.
    options
        Settings a run may change (:class:`ModelOption`).
    colour
        Colour of the model in charts that compare models.
    progress
        What the progress display says while the model is set up.
    fallback
        For price models: set up (without its paths in the output) when a run chooses no
        price model, so Cuba's models still get Brent draws.
    reduced_form
        For structural price models: how ``forecast backtest`` forecasts them under this
        name, from the entry's default ``lags`` and ``start`` re-estimated at each origin:
        ``"var"`` by the OLS VAR (the identification does not change a reduced-form
        forecast), ``"bvar"`` by the Minnesota BVAR's posterior mean; ``None``: not in the
        backtest.
    """

    name: str
    kind: ModelKind
    description: str
    factory: str | Callable[[RunContext], Adapter]
    default: bool = False
    needs: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    options: tuple[ModelOption, ...] = ()
    colour: str = "#566573"
    progress: str = ""
    fallback: bool = False
    reduced_form: ReducedForm | None = None

    def option(self, name: str) -> ModelOption:
        """Return one option by name."""
        for option in self.options:
            if option.name == name:
                return option
        known = ", ".join(o.name for o in self.options) or "none"
        raise ForecastError(UNKNOWN_OPTION.format(model=self.name, option=name, known=known))

    def resolve_options(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """Return every option's value: the defaults updated with ``given`` (checked)."""
        values = {o.name: o.default for o in self.options}
        for key, value in (given or {}).items():
            values[key] = self.option(key).check(self.name, value)
        return values

    def build(self, context: RunContext) -> Adapter:
        """Set the model up for one run (imports its module on first use)."""
        factory = self.factory
        if isinstance(factory, str):
            module, _, attribute = factory.partition(":")
            factory = getattr(importlib.import_module(module), attribute)
        return factory(context)


_SVAR_USES = (
    "kaenzig_oil_supply_surprise",
    "world_crude_production_long_kbd",
    "brent_long_usd",
    "us_cpi_long",
)


def _svar_entry(
    name: str,
    description: str,
    identification: Identification,
    restrictions: SignRestrictions,
    *,
    default: bool = False,
    colour: str = "#1f4e79",
    sample: tuple[int, SampleStart, SampleEnd] = (24, "1992-02", "as_of"),
    lag_criterion: LagCriterion = "fixed",
) -> ModelEntry:
    """Return the SVAR adapter's entry with its identification's defaults.

    ``sample`` is the default lags (the largest tried when ``lag_criterion`` is not
    ``"fixed"``), first and last month of the estimation sample.
    """
    lags, start, end = sample
    return ModelEntry(
        name,
        "price",
        description,
        "forecast.models.adapters.svar:setup",
        default=default,
        needs=("world_crude_production_kbd", "kilian_rea", "us_cpi"),
        uses=_SVAR_USES,
        options=(
            ModelOption(
                "identification",
                identification,
                "How the SVAR separates supply from demand shocks: recursive (Kilian 2009), "
                "sign restrictions with an elasticity bound (Kilian and Murphy 2012) or "
                "Känzig's oil supply surprises as an external instrument (proxy).",
                choices=get_args(Identification),
            ),
            ModelOption(
                "lags", lags, "Lags of the SVAR (months; the largest tried by a criterion)."
            ),
            ModelOption(
                "lag_criterion",
                lag_criterion,
                "Lag length: the lags option itself (fixed) or the AIC, BIC or HQ minimum over "
                "1..lags on one sample.",
                choices=get_args(LagCriterion),
            ),
            ModelOption(
                "restrictions",
                restrictions,
                "Sign identification: Kilian-Murphy's impact, elasticity and 12-month dynamic "
                "restrictions (km2012) or the impact ones only.",
                choices=get_args(SignRestrictions),
            ),
            ModelOption(
                "start",
                start,
                "First month of the sample; 1974-02 splices Känzig's (2021) production, Brent "
                "and CPI before EIA's data (import them first).",
                choices=get_args(SampleStart),
            ),
            ModelOption(
                "end",
                end,
                "Last month of the estimation sample: the as-of month's last complete one "
                "(as_of), 2017-12 or 2019-12; the scenarios still start from the as-of month.",
                choices=get_args(SampleEnd),
            ),
            ModelOption(
                "bootstrap",
                "residual",
                "Bootstrap of the SVAR's bands: residual resampling, wild (Rademacher) or "
                "Gaussian innovations.",
                choices=get_args(BootstrapMethod),
            ),
            ModelOption(
                "rotations",
                500,
                "Candidate rotations per bootstrap draw and batch under sign identification.",
            ),
            ModelOption(
                "sensitivity",
                "off",
                "Add the svar_sensitivity table (point SVARs across identifications, lags and "
                "samples; slow).",
                choices=("off", "on"),
            ),
        ),
        colour=colour,
        progress="estimating the oil-market SVAR and its bootstrap",
        reduced_form="var",
    )


_CUBA_FACTS = (
    "cuba_special_period_1989_1993",
    "cuba_oil_balance_estimates",
    "cuba_electricity_generation_onei",
)
_BASELINES: dict[str, str] = {
    "no_change_eom": "No change from the last daily close of the as-of month (the default: no "
    "model beat it in the 2005-2025 backtest)",
    "no_change": "No change from the as-of month's average price",
    "arima": "ARIMA(1,1,0) on log prices, no drift",
    "ets": "Exponential smoothing with a damped additive trend on log prices",
}
_BASELINE_COLOURS = {"no_change_eom": "#000000", "no_change": "#4d4d4d", "arima": "#e08e0b",
                     "ets": "#7d3c98"}  # fmt: skip
if set(_BASELINES) != set(get_args(PriceBaseline)):  # pragma: no cover - a programming error
    raise RuntimeError("every PriceBaseline needs a registry entry")

_BUILTINS: tuple[ModelEntry, ...] = (
    *(
        ModelEntry(
            name,
            "baseline",
            text,
            "forecast.models.adapters.baselines:setup",
            default=name == "no_change_eom",
            colour=_BASELINE_COLOURS[name],
            progress=f"fitting the {name} price baselines",
        )
        for name, text in _BASELINES.items()
    ),
    _svar_entry(
        "svar",
        "Oil price: structural VAR of the oil market (Kilian 2009), recursive, lags by AIC "
        "(at most 24) on 1992 onward, structural scenarios",
        "recursive",
        "impact",
        default=True,
        colour="#5d6d7e",
        lag_criterion="aic",
    ),
    ModelEntry(
        "elasticity",
        "price",
        "Oil price: no-outage baseline times the literature supply-loss elasticity",
        "forecast.models.adapters.elasticity:setup",
        default=True,
        facts=("oil_market_elasticities",),
        colour="#c0392b",
        fallback=True,
    ),
    ModelEntry(
        "cuba",
        "cuba",
        "Cuba: GDP growth regression with a calibrated prior, plus accounting channels",
        "forecast.models.adapters.cuba:setup_econometric",
        default=True,
        uses=("us_cpi",),
        facts=(*_CUBA_FACTS, "brent_wti_annual_average_usd"),
        colour="#7d3c98",
        progress="fitting Cuba's model",
    ),
    ModelEntry(
        "cuba_calibrated",
        "cuba",
        "Cuba: GDP, oil gap, import bill and power, calibrated on two episodes",
        "forecast.models.adapters.cuba:setup_calibrated",
        facts=_CUBA_FACTS,
        colour="#148f77",
        progress="fitting Cuba's model",
    ),
)

_BUILTINS = (
    *_BUILTINS,
    _svar_entry(
        "svar_sign",
        "Oil price: the oil-market SVAR identified by Kilian and Murphy's (2012) impact signs, "
        "supply-elasticity bound (0.0258) and 12 months of dynamic restrictions on a supply "
        "disruption; VAR(6) on 1974-02..2017-12 (needs Känzig's long series), the one sample "
        "and lag length of the shared data on which these restrictions admit a model",
        "sign",
        "km2012",
        default=True,
        colour="#2e86c1",
        sample=(6, "1974-02", "2017-12"),
    ),
    _svar_entry(
        "svar_proxy",
        "Oil price: the oil-market SVAR with the supply shock identified by Känzig's (2021) "
        "oil supply surprises (external instrument)",
        "proxy",
        "km2012",
        default=True,
        colour="#5dade2",
        lag_criterion="aic",  # the same reduced form as the recursive svar
    ),
)
_BUILTINS = (
    *_BUILTINS,
    ModelEntry(
        "svar_bvar",
        "price",
        "Oil price: the oil-market VAR estimated as a Minnesota BVAR (shrinkage), identified "
        "recursively on each posterior draw; posterior bands",
        "forecast.models.adapters.svar_bvar:setup",
        needs=("world_crude_production_kbd", "kilian_rea", "us_cpi"),
        uses=_SVAR_USES[1:],
        options=(
            ModelOption("lags", 24, "Lags of the BVAR (months)."),
            ModelOption(
                "tightness",
                "ml",
                "Overall tightness lambda of the Minnesota prior: chosen from 0.05..1 by the "
                "marginal likelihood on the estimation sample (ml), or fixed (smaller shrinks "
                "harder to random-walk prices and white-noise production growth).",
                choices=get_args(Tightness),
            ),
            ModelOption(
                "start",
                "1992-02",
                "First month of the sample; 1974-02 splices Känzig's (2021) production, Brent "
                "and CPI before EIA's data (import them first).",
                choices=get_args(SampleStart),
            ),
            ModelOption(
                "end",
                "as_of",
                "Last month of the estimation sample: the as-of month's last complete one "
                "(as_of), 2017-12 or 2019-12; the scenarios still start from the as-of month.",
                choices=get_args(SampleEnd),
            ),
        ),
        colour="#117a65",
        progress="estimating the oil-market BVAR and its posterior draws",
        reduced_form="bvar",
    ),
)
_ENTRIES: dict[str, ModelEntry] = {entry.name: entry for entry in _BUILTINS}


def register(entry: ModelEntry, *, replace: bool = False) -> ModelEntry:
    """Add a model to the registry (after the built-ins of its kind) and return it.

    Raises
    ------
    ForecastError
        If the name is taken and ``replace`` is false.
    """
    if entry.name in _ENTRIES and not replace:
        raise ForecastError(DUPLICATE.format(name=entry.name))
    _ENTRIES[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Remove a model (a no-op for an unknown name)."""
    _ENTRIES.pop(name, None)


def get(name: str) -> ModelEntry:
    """Return a model's entry, or raise :class:`ForecastError` listing the known names."""
    try:
        return _ENTRIES[name]
    except KeyError:
        known = ", ".join((*names("price"), *names("cuba")))
        raise ForecastError(UNKNOWN_MODEL.format(name=name, known=known)) from None


def entries(kind: ModelKind | None = None) -> tuple[ModelEntry, ...]:
    """Return the entries (of one kind), in registry order (headline models first)."""
    return tuple(e for e in _ENTRIES.values() if kind is None or e.kind == kind)


def names(kind: ModelKind | None = None) -> tuple[str, ...]:
    """Return the model names (of one kind), in registry order."""
    return tuple(e.name for e in entries(kind))


def default_models() -> tuple[str, ...]:
    """Return the price and Cuba models a run uses when none are named."""
    return tuple(e.name for e in _ENTRIES.values() if e.default and e.kind != "baseline")


def backtest_names() -> tuple[str, ...]:
    """Return the structural price models ``forecast backtest`` runs, in registry order."""
    return tuple(e.name for e in entries("price") if e.reduced_form is not None)


def colours() -> dict[str, str]:
    """Return each model's chart colour by name."""
    return {e.name: e.colour for e in _ENTRIES.values()}
