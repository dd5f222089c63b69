"""What every model offers the engine, and the values the engine hands every model.

A run has three kinds of model (:data:`forecast._typing.ModelKind`):

``baseline``
    The no-outage price paths (:class:`BaselineModel`): Brent and WTI draws that every price
    model's scenario effect is applied to, so the models share one baseline.
``price``
    A scenario's net world supply loss (kb/d per month) -> Brent and WTI draws
    (:class:`PriceModel`).
``cuba``
    Cuba's channels for one scenario (lost and replaced barrels, Brent) -> annual draws of
    Cuba's variables (:class:`CubaModel`).

Each model is set up once per run by its registry entry's factory
(:class:`~forecast.models.registry.ModelEntry`), from a :class:`RunContext`: the run's inputs
(:class:`RunInputs`, read once by the engine), its settings and its random streams. Every
scenario then goes through the same fitted model and the same draws (common random numbers).
Every model also exposes ``notes`` (sentences for the report), ``tables`` (methodology frames
by name), ``params`` (one tidy frame: ``model, variable, term, estimate, std_err``),
``assumptions`` (resolved inputs worth stating) and ``raw`` (model objects for advanced use).

This module holds values and protocols only: no I/O, no plotting.
"""

from __future__ import annotations

import calendar
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from forecast.spec import RunSpec

__all__ = [
    "PARAM_COLUMNS",
    "STREAMS",
    "Adapter",
    "Assumption",
    "BaselineModel",
    "BatchPriceModel",
    "CountingProgress",
    "CubaChannels",
    "CubaModel",
    "PriceModel",
    "Progress",
    "RunContext",
    "RunInputs",
    "params_frame",
    "project_many",
    "tell",
]

Progress = Callable[[str], None]
"""A progress callback: called with a short message before each step of a run.

A callback that also has a ``count`` method (:class:`CountingProgress`) is given counts
too; :func:`tell` decides which form to use, so a plain function keeps working.
"""


@runtime_checkable
class CountingProgress(Protocol):
    """A progress callback that also takes counts (a progress bar, for example).

    ``progress(message)`` starts a step without counts; ``progress.count(message, done,
    total)`` says ``done`` of ``total`` items of the step ``message`` are finished (called
    with ``done = 0`` when the step starts, so a bar can be shown at once).
    """

    def __call__(self, message: str, /) -> None:
        """Start a step without counts."""

    def count(self, message: str, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` items of the step ``message`` are finished."""


def tell(
    progress: Progress, message: str, done: int | None = None, total: int | None = None
) -> None:
    """Report a step to ``progress``: with counts if it takes them, else the message alone.

    Parameters
    ----------
    progress
        A plain ``Callable[[str], None]`` or a :class:`CountingProgress`.
    message
        What the step does, e.g. ``"projecting venezuela_full_halt"``.
    done, total
        Items finished and items in all, when the step has them.
    """
    count = getattr(progress, "count", None)
    if done is not None and total is not None and callable(count):
        count(message, done, total)
    else:
        progress(message)


PARAM_COLUMNS = ("model", "variable", "term", "estimate", "std_err")

# Spawn keys of the built-in models' random streams: fixed, so a seed reproduces every run,
# and independent, so adding a model never changes another model's draws.
STREAMS: Mapping[str, int] = {
    "price": 0,
    "elasticity": 1,
    "cuba": 2,
    "backcast": 3,
    "svar_boot": 4,
    "svar_paths": 5,
    "svar_rotations": 6,
}
_OTHER_STREAMS = 1_000  # streams of other models: 1000 + a hash of their name


class Assumption(NamedTuple):
    """One resolved input the report states: ``key, name, value, unit, source``."""

    key: str
    name: str
    value: float
    unit: str
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class RunInputs:
    """Everything a run read, as of its month: series, facts and what was derived from them.

    Built once per run by the engine (the only place that reads the store and the facts);
    models read it and never change it (frames are meant to be read-only).

    Attributes
    ----------
    as_of
        The last observed month (month start); projections start the month after.
    series
        ``date, value`` frames by catalog id, cut at the end of the as-of month.
    last_closes
        The last close in the as-of month, by monthly price id (``brent_usd``...), with its
        date, where the data have one.
    close_series
        The series each close was read from (a daily spot series, or the month-end closes).
    world_kbd, world_source
        World crude production used as the denominator of supply-loss shares, and how it was
        obtained.
    ve_exports_kbd, cuba_shipments_kbd
        Default outage volume (Venezuela's exports) and Cuba's baseline Venezuelan shipments.
    facts
        Curated tables by name (``forecast.facts``), as read for this run.
    data
        One row per series used: provenance, vintage, age (the report's "Data used").
    notes
        What the report must say about the inputs (bundled data, fallbacks).
    close_series
        The daily series each month-end close came from.
    skipped
        Default models left out because the store lacks a series they need: name -> reason.
    """

    as_of: pd.Timestamp
    series: Mapping[str, pd.DataFrame]
    last_closes: Mapping[str, tuple[pd.Timestamp, float]]
    world_kbd: float
    world_source: str
    ve_exports_kbd: float
    cuba_shipments_kbd: float
    facts: Mapping[str, pd.DataFrame]
    data: pd.DataFrame
    notes: tuple[str, ...] = ()
    close_series: Mapping[str, str] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)

    def prices(self, series_id: str) -> pd.DataFrame:
        """Return a monthly series to the as-of month, with a fresh 0..n-1 index."""
        frame = self.series[series_id]
        return frame[frame["date"] <= self.as_of].reset_index(drop=True)

    def months(self, series_id: str) -> pd.DataFrame:
        """Return a series' rows to the as-of month (the original index kept)."""
        frame = self.series[series_id]
        return frame[frame["date"] <= self.as_of]


@dataclass(frozen=True, slots=True, eq=False)
class RunContext:
    """What a model's factory receives: the run's inputs, settings and random streams.

    Attributes
    ----------
    name
        The registry name the model runs under.
    inputs
        The run's :class:`RunInputs`.
    spec
        The run's settings (:class:`forecast.spec.RunSpec`).
    options
        This model's options: the registry defaults updated with the spec's.
    months
        The projected months (``horizon`` month starts after the as-of month).
    baseline
        The run's no-outage price model (``None`` while the baseline itself is set up).
    step
        Progress callback (messages only; nothing is printed by models).
    """

    name: str
    inputs: RunInputs
    spec: RunSpec
    seed: int
    options: Mapping[str, Any] = field(default_factory=dict)
    months: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    baseline: BaselineModel | None = None
    step: Progress = field(default=lambda _message: None)

    @property
    def horizon(self) -> int:
        """Months projected."""
        return int(self.spec.horizon)

    @property
    def draws(self) -> int:
        """Simulation draws."""
        return int(self.spec.draws)

    @property
    def years(self) -> list[int]:
        """Calendar years the projected months touch."""
        return sorted(set(self.months.year))

    def rng(self, stream: str) -> np.random.Generator:
        """Return a fresh generator for a named stream of this run's seed.

        The same name gives the same numbers every time it is asked for, which is what
        makes every scenario go through identical draws.
        """
        key = STREAMS.get(stream)
        if key is None:
            key = _OTHER_STREAMS + zlib.crc32(f"{self.name}:{stream}".encode()) % 2**31
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))


@dataclass(frozen=True, slots=True, eq=False)
class CubaChannels:
    """A scenario's annual inputs to Cuba's models.

    Attributes
    ----------
    years
        Calendar years, ascending.
    lost_kbd, replaced_kbd
        ``(years,)``: annual average Venezuelan barrels lost, and replaced at market prices.
    brent_usd
        ``(draws, years)``: annual Brent per draw, weighted by replaced barrels where there are
        any (the import bill), else by days.
    price_channel
        The scenario's ``cuba.price_channel``: ``"restricted_estimate"``, ``"accounting"``,
        ``"none"`` or a price coefficient <= 0 (pp of growth per 1 % real oil price rise).
    attribution_special_period, attribution_venezuelan_decline
        The scenario's shares of each calibration episode's GDP fall put down to oil.
    """

    years: list[int]
    lost_kbd: np.ndarray
    replaced_kbd: np.ndarray
    brent_usd: np.ndarray
    price_channel: str | float = "restricted_estimate"
    attribution_special_period: float = 1.0
    attribution_venezuelan_decline: float = 0.5

    @classmethod
    def from_monthly(
        cls,
        shipments: pd.DataFrame,
        brent: np.ndarray,
        months: pd.DatetimeIndex,
        years: list[int],
        **assumptions: Any,
    ) -> CubaChannels:
        """Average a scenario's monthly shipments path and Brent draws to years.

        ``assumptions`` are the Cuba assumption fields (``price_channel``,
        ``attribution_special_period``, ``attribution_venezuelan_decline``), passed through.
        """
        replaced = shipments["replaced_kbd"].to_numpy(dtype=float)
        return cls(
            years=years,
            lost_kbd=_annual(months, shipments["lost_kbd"].to_numpy(dtype=float), years),
            replaced_kbd=_annual(months, replaced, years),
            brent_usd=_annual_price(months, brent, replaced, years),
            **assumptions,
        )

    @property
    def attribution(self) -> tuple[float, float]:
        """The attribution shares ``(special period, Venezuelan decline)``."""
        return (float(self.attribution_special_period), float(self.attribution_venezuelan_decline))

    def as_kwargs(self) -> dict[str, Any]:
        """Return the channels as keyword arguments of the Cuba ``project_cuba`` functions."""
        return {
            "years": self.years,
            "lost_kbd": self.lost_kbd,
            "replaced_kbd": self.replaced_kbd,
            "brent_usd": self.brent_usd,
        }


def _annual(months: pd.DatetimeIndex, monthly_kbd: np.ndarray, years: list[int]) -> np.ndarray:
    """Annual average kb/d over each whole year, counting unprojected months as zero."""
    days = months.days_in_month.to_numpy()
    out = np.zeros(len(years))
    for i, year in enumerate(years):
        mask = months.year == year
        out[i] = (monthly_kbd[mask] * days[mask]).sum() / (366 if calendar.isleap(year) else 365)
    return out


def _annual_price(
    months: pd.DatetimeIndex, price: np.ndarray, weights_kbd: np.ndarray, years: list[int]
) -> np.ndarray:
    """Annual price per draw; weighted by replaced barrels where there are any (import bill)."""
    days = months.days_in_month.to_numpy()
    out = np.empty((price.shape[0], len(years)))
    for i, year in enumerate(years):
        mask = months.year == year
        weight = weights_kbd[mask] * days[mask]
        if weight.sum() <= 0:
            weight = days[mask].astype(float)
        out[:, i] = price[:, mask] @ weight / weight.sum()
    return out


@runtime_checkable
class Adapter(Protocol):
    """What every model exposes besides its projection."""

    name: str
    notes: tuple[str, ...]
    tables: Mapping[str, pd.DataFrame]
    params: pd.DataFrame
    assumptions: tuple[Assumption, ...]
    raw: Mapping[str, Any]


@runtime_checkable
class BaselineModel(Adapter, Protocol):
    """The no-outage price paths shared by every price model.

    Attributes
    ----------
    draws
        ``(draws, horizon)`` price draws by monthly price id (``brent_usd``, ``wti_usd``).
    """

    draws: Mapping[str, np.ndarray]


@runtime_checkable
class PriceModel(Adapter, Protocol):
    """A scenario's net supply loss -> Brent and WTI draws."""

    def project(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """Return ``(draws, horizon)`` price draws by id for a ``(horizon,)`` loss path.

        A zero loss must give exactly the baseline draws.
        """
        ...


@runtime_checkable
class BatchPriceModel(PriceModel, Protocol):
    """A price model that projects many loss paths at once (optional; see :func:`project_many`)."""

    def project_many(self, net_loss_kbd: np.ndarray) -> Mapping[str, np.ndarray]:
        """Return ``(points, draws, horizon)`` price draws by id for ``(points, horizon)`` paths.

        Row ``p`` must equal ``project(net_loss_kbd[p])`` (to rounding): the same fitted model
        and the same draws for every path.
        """
        ...


def project_many(model: PriceModel, net_loss_kbd: np.ndarray) -> dict[str, np.ndarray]:
    """Project ``(points, horizon)`` loss paths through a price model, batched where it can.

    Uses the model's ``project_many`` when it has one, else calls ``project`` once per path
    (the generic fallback) and stacks the draws.

    Returns
    -------
    dict
        ``(points, draws, horizon)`` price draws by id.
    """
    paths = np.asarray(net_loss_kbd, dtype=float)
    if paths.ndim != 2:
        msg = f"net_loss_kbd must be (points, horizon), got shape {paths.shape}"
        raise ValueError(msg)
    batch = getattr(model, "project_many", None)
    if callable(batch):
        return dict(batch(paths))
    each = [model.project(path) for path in paths]
    return {sid: np.stack([draws[sid] for draws in each]) for sid in each[0]} if each else {}


@runtime_checkable
class CubaModel(Adapter, Protocol):
    """A scenario's Cuba channels -> annual draws of Cuba's variables."""

    def project(self, channels: CubaChannels) -> Mapping[str, np.ndarray]:
        """Return ``(draws, years)`` draws by output variable id."""
        ...


def params_frame(
    model: str, variable: str, terms: Any, estimates: Any, std_errs: Any = np.nan
) -> pd.DataFrame:
    """Build a ``model, variable, term, estimate, std_err`` frame (the ``params`` layout)."""
    frame = pd.DataFrame({"term": terms, "estimate": estimates, "std_err": std_errs})
    frame["term"] = frame["term"].astype(str)
    frame.insert(0, "variable", variable)
    frame.insert(0, "model", model)
    return frame[list(PARAM_COLUMNS)]
