"""Grid specs: the axes (scenario fields and their values) and the design over them.

An axis is a dotted scenario key (any field :func:`forecast.scenarios.apply_overrides`
accepts, e.g. ``outage.volume_kbd``) and its values, written ``a,b,c`` or ``start:stop:n``
(``n`` evenly spaced values, whole numbers when both ends are). The design is the full
factorial of the axes' values, or a seeded Latin hypercube of ``sample`` points (a range
axis is then sampled over its interval, a list axis over its values). Every value is checked
against the scenario's own validation when the spec is built, and a bad axis is one line
naming it (:class:`GridError`).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.errors import ForecastError
from forecast.scenarios import Scenario, apply_overrides, resolve_scenario

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["Axis", "GridError", "GridSpec", "parse_axis", "read_grid_toml"]

BAD_AXIS_SYNTAX = "axis {text!r}: write KEY=VALUES (a,b,c or start:stop:n)"
BAD_RANGE = "axis {key}: {text!r} is not start:stop:n (two numbers and a count >= 2)"
BAD_VALUE = "axis {key}: {value!r} is refused: {reason}"
NO_AXES = "a grid needs at least one axis (--axis KEY=VALUES or a [grid] table)"
DUPLICATE_AXIS = "axis {key} is given twice"
BAD_SAMPLE = "--sample must be a whole number >= 2, not {value!r}"
BAD_TABLE = "{path}: {problem}"


class GridError(ForecastError, ValueError):
    """A bad grid spec (an axis, its values, the sample); the message names the axis."""


def _toml_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _literal(value: Any) -> str:
    """Write a value as the TOML literal an override takes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


@dataclass(frozen=True, slots=True)
class Axis:
    """One scenario field and its values.

    Attributes
    ----------
    key
        The dotted scenario key (``outage.duration_months``).
    values
        The values of the factorial design (and of one-at-a-time sensitivities).
    span
        ``(start, stop)`` when the axis was given as a range: a Latin hypercube samples the
        interval; ``None`` for a list (sampled over its values).
    integer
        Whether a sampled range value is rounded to a whole number.
    """

    key: str
    values: tuple[Any, ...]
    span: tuple[float, float] | None = None
    integer: bool = False

    @property
    def column(self) -> str:
        """The axis's column name in the grid frame (dots become underscores)."""
        return self.key.replace(".", "_")

    def override(self, value: Any) -> str:
        """Return the ``key=value`` override for one value."""
        return f"{self.key}={_literal(value)}"

    def sample(self, unit: np.ndarray) -> list[Any]:
        """Map points of ``[0, 1)`` to values (interval for a range, values for a list)."""
        if self.span is not None:
            start, stop = self.span
            raw = start + unit * (stop - start)
            return [round(v) for v in raw] if self.integer else [float(v) for v in raw]
        index = np.minimum((unit * len(self.values)).astype(int), len(self.values) - 1)
        return [self.values[i] for i in index]


def _range(key: str, text: str) -> Axis:
    parts = text.split(":")
    try:
        start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
    except (ValueError, IndexError) as exc:
        raise GridError(BAD_RANGE.format(key=key, text=text)) from exc
    if len(parts) != 3 or count < 2 or not (math.isfinite(start) and math.isfinite(stop)):
        raise GridError(BAD_RANGE.format(key=key, text=text))
    values = np.linspace(start, stop, count)
    integer = start.is_integer() and stop.is_integer() and bool(np.all(values == np.round(values)))
    typed = tuple(int(v) for v in values) if integer else tuple(float(v) for v in values)
    return Axis(key, typed, span=(start, stop), integer=start.is_integer() and stop.is_integer())


def parse_axis(text: str) -> Axis:
    """Parse ``KEY=a,b,c`` or ``KEY=start:stop:n`` into an :class:`Axis` (values unchecked)."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise GridError(BAD_AXIS_SYNTAX.format(text=text))
    if raw.count(":") == 2 and "," not in raw and not raw.startswith(("[", "{", '"')):
        return _range(key, raw)
    return Axis(key, tuple(_toml_value(part.strip()) for part in raw.split(",")))


def _axis_from_toml(key: str, value: Any) -> Axis:
    if isinstance(value, str):
        return parse_axis(f"{key}={value}")
    if isinstance(value, Mapping_types):
        try:
            return _range(key, f"{value['start']}:{value['stop']}:{value['n']}")
        except KeyError as exc:
            raise GridError(BAD_RANGE.format(key=key, text=str(value))) from exc
    if isinstance(value, list):
        return Axis(key, tuple(value))
    return Axis(key, (value,))


Mapping_types = (dict,)


@dataclass(frozen=True, slots=True, eq=False)
class GridSpec:
    """A scenario and the axes to vary around it.

    Attributes
    ----------
    scenario
        The scenario every point starts from.
    axes
        The axes, in order (each checked against the scenario's validation).
    sample
        ``None``: the full factorial; else a Latin hypercube of this many points.
    seed
        Seed of the Latin hypercube.
    """

    scenario: Scenario
    axes: tuple[Axis, ...]
    sample: int | None = None
    seed: int = 0
    checked: bool = field(default=False, repr=False)

    @classmethod
    def build(
        cls,
        scenario: str | Scenario,
        axes: Sequence[str | Axis],
        *,
        sample: int | None = None,
        seed: int = 0,
    ) -> GridSpec:
        """Parse and check the axes against ``scenario`` (a built-in id, a path or a Scenario)."""
        base = scenario if isinstance(scenario, Scenario) else resolve_scenario(scenario)
        parsed = tuple(a if isinstance(a, Axis) else parse_axis(a) for a in axes)
        if not parsed:
            raise GridError(NO_AXES)
        keys = [a.key for a in parsed]
        for key in keys:
            if keys.count(key) > 1:
                raise GridError(DUPLICATE_AXIS.format(key=key))
        if sample is not None and (isinstance(sample, bool) or int(sample) != sample or sample < 2):
            raise GridError(BAD_SAMPLE.format(value=sample))
        for axis in parsed:
            for value in axis.values:
                _check_value(base, axis, value)
        parsed = tuple(_sampled_type(base, axis) for axis in parsed)
        return cls(base, parsed, None if sample is None else int(sample), int(seed), checked=True)

    @property
    def columns(self) -> list[str]:
        """The axis columns of the grid frame."""
        return [a.column for a in self.axes]

    def points(self) -> list[tuple[Any, ...]]:
        """Axis values of every point: the factorial, or the Latin hypercube sample."""
        if self.sample is None:
            return list(itertools.product(*(a.values for a in self.axes)))
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(7,)))
        n = self.sample
        columns = []
        for axis in self.axes:
            strata = (rng.permutation(n) + rng.random(n)) / n
            columns.append(axis.sample(strata))
        return list(zip(*columns, strict=True))

    def current(self) -> tuple[Any, ...]:
        """Return the scenario's own value of every axis (``None`` where it has none)."""
        data = self.scenario.to_dict()
        out = []
        for axis in self.axes:
            node: Any = data
            for part in axis.key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            out.append(node)
        return tuple(out)

    def one_at_a_time_centre(self) -> tuple[Any, ...]:
        """Return the scenario's own axis values (an axis's middle value where it has none)."""
        return tuple(
            value if value is not None else axis.values[len(axis.values) // 2]
            for axis, value in zip(self.axes, self.current(), strict=True)
        )

    def one_at_a_time(self) -> list[tuple[int, tuple[Any, ...]]]:
        """Points varying one axis over its values, the others at the scenario's own values.

        Returns ``(axis index, values)`` pairs; axes the scenario has no value for are kept at
        their middle value.
        """
        centre = list(self.one_at_a_time_centre())
        out = []
        for i, axis in enumerate(self.axes):
            for value in axis.values:
                point = list(centre)
                point[i] = value
                out.append((i, tuple(point)))
        return out

    def scenario_at(self, values: Sequence[Any]) -> Scenario:
        """Return the scenario with every axis set (checked by the scenario's own validation)."""
        overrides = [axis.override(v) for axis, v in zip(self.axes, values, strict=True)]
        try:
            return apply_overrides(self.scenario, overrides)
        except ForecastError as exc:
            shown = ", ".join(overrides)
            raise GridError(f"point {shown} is refused: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    """Return the error's last line without the "<scenario> with overrides <items>: " prefix."""
    text = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else type(exc).__name__
    _, sep, rest = text.partition(" with overrides ")
    return rest.partition(": ")[2] or text if sep else text


def _sampled_type(scenario: Scenario, axis: Axis) -> Axis:
    """Sample a range as floats when its field takes fractions, else as whole numbers."""
    if axis.span is None or not axis.integer:
        return axis
    try:
        apply_overrides(scenario, [axis.override(axis.span[0] + 0.5)])
    except ForecastError:
        return axis
    return dataclasses.replace(axis, integer=False)


def _check_value(scenario: Scenario, axis: Axis, value: Any) -> None:
    try:
        apply_overrides(scenario, [axis.override(value)])
    except ForecastError as exc:
        raise GridError(
            BAD_VALUE.format(key=axis.key, value=value, reason=_first_line(exc))
        ) from exc


def read_grid_toml(path: str) -> dict[str, Any]:
    """Read the ``[grid]`` table of a TOML file: ``scenario``, ``axes``, ``sample``, ``seed``.

    ``[grid.axes]`` maps dotted keys to a list of values, a ``"start:stop:n"`` string or a
    ``{start, stop, n}`` table. Returns keyword arguments of :meth:`GridSpec.build`.
    """
    try:
        with open(path, "rb") as handle:  # noqa: PTH123
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GridError(BAD_TABLE.format(path=path, problem=_first_line(exc))) from exc
    table = data.get("grid")
    if not isinstance(table, dict):
        raise GridError(BAD_TABLE.format(path=path, problem="no [grid] table"))
    axes_table: Mapping[str, Any] = table.get("axes", {})
    out: dict[str, Any] = {"axes": [_axis_from_toml(k, v) for k, v in axes_table.items()]}
    for key in ("scenario", "sample", "seed"):
        if key in table:
            out[key] = table[key]
    return out
