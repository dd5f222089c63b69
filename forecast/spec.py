"""A run's settings as one frozen value: :class:`RunSpec`.

The CLI builds it in one place from its options; :func:`forecast.run` accepts it (its keyword
arguments are a thin layer over it). Per-model options (the SVAR's identification, lags,
bootstrap...) travel as ``model_options={"svar": {"identification": "sign"}}`` and are
checked against the model registry, so a new model's options need no new plumbing.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, get_args

from forecast._typing import PriceBaseline
from forecast.errors import ForecastError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

__all__ = ["AS_OF_BAD", "DRAWS_RANGE", "HORIZON_RANGE", "SEED_RANGE", "RunSpec", "check_month"]

HORIZON_RANGE = (1, 120)
DRAWS_RANGE = (100, 100_000)
BAD_HORIZON = "horizon must be between 1 and 120 months, got {value}"
BAD_DRAWS = "draws must be between 100 and 100,000, got {value}"
SEED_RANGE = (0, 2**63 - 1)
BAD_SEED = "seed must be a whole number from 0 to 2**63 - 1, got {value!r}"
AS_OF_BAD = "as-of {value!r} is not a month (use YYYY-MM)"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
BAD_BASELINE = "unknown price baseline {value!r}; the baselines are: {known}"
NOT_A_MODEL_OF_RUN = "model options given for {model!r}, which is not a price or Cuba model"


def _frozen_options(options: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in options.items()})


@dataclass(frozen=True, slots=True)
class RunSpec:
    """How to run: horizon, draws, seed, models, price baseline and per-model options.

    Attributes
    ----------
    as_of
        The last observed month: a string ``"YYYY-MM"`` (no other form), a datetime (its
        month), or ``None`` for the last Brent month.
    horizon
        Months to project (1 to 120).
    draws
        Simulation draws (100 to 100,000).
    seed
        Seed of every random stream, or ``None`` for fresh entropy (recorded in the result).
    models
        Price and Cuba model names; empty for the registry's defaults.
    price_baseline
        The no-outage price model (a registry ``baseline``).
    model_options
        Per-model settings by model name, e.g. ``{"svar": {"identification": "sign"}}``.

    Examples
    --------
    >>> spec = RunSpec(draws=500, seed=1, model_options={"svar": {"lags": 12}})
    >>> spec.options_for("svar")["lags"]
    12
    """

    as_of: str | datetime | None = None
    horizon: int = 24
    draws: int = 1000
    seed: int | None = None
    models: tuple[str, ...] = ()
    price_baseline: PriceBaseline = "no_change_eom"
    model_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(dict.fromkeys(self.models)))
        object.__setattr__(self, "model_options", _frozen_options(self.model_options))
        self.check()

    def check(self) -> None:
        """Raise :class:`ForecastError` for any setting outside its range or unknown."""
        from forecast.models import registry

        if isinstance(self.as_of, str):
            check_month(self.as_of)
        low, high = HORIZON_RANGE
        if _not_int(self.horizon) or not low <= self.horizon <= high:
            raise ForecastError(BAD_HORIZON.format(value=self.horizon))
        low, high = DRAWS_RANGE
        if _not_int(self.draws) or not low <= self.draws <= high:
            raise ForecastError(BAD_DRAWS.format(value=self.draws))
        if self.seed is not None and (_not_int(self.seed) or not 0 <= self.seed < 2**63):
            raise ForecastError(BAD_SEED.format(value=self.seed))
        if self.price_baseline not in registry.names("baseline"):
            known = ", ".join(registry.names("baseline"))
            raise ForecastError(BAD_BASELINE.format(value=self.price_baseline, known=known))
        for name in self.models:
            if registry.get(name).kind == "baseline":
                raise ForecastError(
                    registry.UNKNOWN_MODEL.format(
                        name=name, known=", ".join(registry.names("price") + registry.names("cuba"))
                    )
                )
        for name, options in self.model_options.items():
            entry = registry.get(name)
            if entry.kind == "baseline":
                raise ForecastError(NOT_A_MODEL_OF_RUN.format(model=name))
            entry.resolve_options(options)

    @property
    def explicit_models(self) -> bool:
        """Whether the models were named (a missing input is then an error, not a note)."""
        return bool(self.models)

    @property
    def chosen_models(self) -> tuple[str, ...]:
        """The models run: those named, else the registry's defaults."""
        from forecast.models import registry

        return self.models or registry.default_models()

    def options_for(self, model: str) -> dict[str, Any]:
        """Return a model's options: its registry defaults updated with this spec's."""
        from forecast.models import registry

        return registry.get(model).resolve_options(self.model_options.get(model))

    def with_seed(self, seed: int) -> RunSpec:
        """Return a copy with ``seed`` set."""
        return replace(self, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain values (for records and JSON)."""
        return {
            "as_of": None if self.as_of is None else str(self.as_of),
            "horizon": self.horizon,
            "draws": self.draws,
            "seed": self.seed,
            "models": list(self.chosen_models),
            "price_baseline": self.price_baseline,
            "model_options": {k: dict(v) for k, v in self.model_options.items()},
        }


def check_month(value: str) -> str:
    """Return ``value`` if it is a month written ``YYYY-MM``; raise :class:`ForecastError` if not.

    Only that form is accepted: ``"2025-11-15"``, ``"2025-1"`` or ``"Nov 2025"`` would be read
    as some month by pandas, silently.

    Examples
    --------
    >>> check_month("2025-11")
    '2025-11'
    """
    if not _MONTH.fullmatch(value):
        raise ForecastError(AS_OF_BAD.format(value=value))
    return value


def _not_int(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, numbers.Integral)


PRICE_BASELINES: tuple[str, ...] = get_args(PriceBaseline)
