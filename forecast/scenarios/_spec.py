"""Scenario specs: the rule tables, the immutable :class:`Scenario` and its parts, loading.

See :mod:`forecast.scenarios` for the file layout; :meth:`Scenario.from_dict` checks a
table strictly and :func:`load_scenario`, :func:`builtin_scenarios` and
:func:`resolve_scenario` read files.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from forecast._paths import bundled_dir
from forecast._toml import toml_value
from forecast._typing import ExportCoverage
from forecast.errors import ScenarioError

if TYPE_CHECKING:
    import os


BuiltinId = Literal[
    "baseline",
    "venezuela_full_halt",
    "venezuela_partial_halt",
    "venezuela_halt_opec_offset",
    "cuba_shipments_halt",
]
BUILTIN_IDS: tuple[str, ...] = get_args(BuiltinId)

# Message templates.
UNKNOWN_KEY = "unknown key {key!r}{hint}"
MISSING_KEY = "{key}: required key missing ({requirement})"
BAD_VALUE = "{key}: must be {requirement}, got {value!r}"
NOT_A_TABLE = "{key}: must be a table ([{key}]), got {value!r}"
NOT_A_MAPPING = "{where}: a scenario must be a table of keys, got {kind}"
ONE_PROBLEM = "{where}: {problem}"
SEVERAL_PROBLEMS = "{where}: {count} problems: {problems}"
FILE_MISSING = "{path}: no such scenario file"
FILE_UNREADABLE = "{path}: cannot read the scenario file: {reason}"
TOML_SYNTAX = "{path}: invalid TOML: {reason}"
BUILTIN_MISSING = "built-in scenario {id!r} is missing: {reason}"
BUILTIN_ID_MISMATCH = "{path}: id {found!r} must match the file name {expected!r}"
UNKNOWN_SCENARIO = (
    "unknown scenario {name!r}{hint}; the built-in scenarios are {ids}; "
    "or give the path of a .toml file"
)
MALFORMED_OVERRIDE = "override {item!r}: expected KEY=VALUE, e.g. outage.volume_kbd=600"
OVERRIDE_NOT_A_TABLE = "override {item!r}: {key!r} is not a table"
BAD_ARGUMENT = "{name} must be {requirement}, got {value!r}"

_Kind = Literal[
    "count", "start", "kbd", "volume", "share", "bool", "text", "title", "id", "coverage"
]
_COVERAGES: tuple[str, ...] = get_args(ExportCoverage)

MAX_VOLUME_KBD = 81_800.0
"""The outage volume must stay below this: ``forecast.engine.WORLD_CRUDE_FALLBACK_KBD``, the
world crude supply a run falls back to (a run refuses a loss of the whole world's supply)."""
_MAX_SHOWN = 60  # characters of a value quoted in a message


class _Shown:
    """A value quoted in a message: its ``repr``, cut to about 60 characters."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return (
            text
            if len(text) <= _MAX_SHOWN
            else f"{text[:_MAX_SHOWN]}... ({len(text):,} characters)"
        )

    __str__ = __repr__


_REQUIREMENTS: dict[_Kind, str] = {
    "count": "a whole number >= 0",
    "start": (
        'a whole number of months >= 1 after the as-of month, or a month as a quoted "YYYY-MM"'
    ),
    "kbd": "a number of kb/d >= 0",
    "volume": "a number of kb/d >= 0",
    "share": "a share between 0 and 1",
    "bool": "true or false",
    "text": "a string",
    "title": "a non-empty string",
    "id": "lowercase snake_case (a-z, 0-9 and single _, starting with a letter)",
    "coverage": 'one of "crude" or "crude_and_products"',
}

_ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_MONTH_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: _Kind
    required: bool = False
    nullable: bool = False


# One table of rules per TOML table ("" is the top level); keys in dataclass field order.
_RULES: dict[str, dict[str, _Rule]] = {
    "": {
        "id": _Rule("id", required=True),
        "title": _Rule("title", required=True),
        "description": _Rule("text"),
    },
    "outage": {
        "start": _Rule("start", required=True),
        "duration_months": _Rule("count", required=True),
        "volume_kbd": _Rule("volume", nullable=True),
        "ramp_up_months": _Rule("count"),
        "recovery_months": _Rule("count"),
        "affects_world_supply": _Rule("bool"),
        "coverage": _Rule("coverage"),
    },
    "offsets": {
        "spare_capacity_share": _Rule("share"),
        "spare_capacity_lag_months": _Rule("count"),
        "spare_capacity_ramp_months": _Rule("count"),
        "strategic_release_kbd": _Rule("kbd"),
        "strategic_release_months": _Rule("count"),
        "strategic_release_lag_months": _Rule("count"),
    },
    "cuba": {
        "shipments_kbd_during_outage": _Rule("kbd"),
        "baseline_shipments_kbd": _Rule("kbd", nullable=True),
        "replacement_share": _Rule("share"),
    },
}
_TABLES = ("outage", "offsets", "cuba")
# Nullable fields, and what an unset value means (a comment in :meth:`Scenario.to_toml`).
_UNSET_MEANS = {
    ("outage", "volume_kbd"): "Venezuela's latest exports, from data/facts",
    ("cuba", "baseline_shipments_kbd"): "the latest shipments to Cuba, from data/facts",
}
_ALL_KEYS: tuple[str, ...] = (
    *_RULES[""],
    *_TABLES,
    *(f"{table}.{key}" for table in _TABLES for key in _RULES[table]),
)


def _is_number(value: object) -> bool:
    """Return True for an int or float (not a bool) that is a finite float64."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int beyond float64
        return False


def _requirement(kind: _Kind, value: object) -> str:
    """Return what a value of ``kind`` must be; for a volume, why this one fails."""
    if kind == "volume" and _check("kbd", value)[0]:
        return (
            f"below world crude supply ({MAX_VOLUME_KBD:,.0f} kb/d, the fallback a run uses): "
            "a run refuses an outage of the whole world's supply"
        )
    return _REQUIREMENTS[kind]


def _check(kind: _Kind, value: object) -> tuple[bool, Any]:  # noqa: C901, PLR0911
    """Return ``(ok, value normalised)`` for a value of the given kind."""
    if kind == "coverage":
        return isinstance(value, str) and value in _COVERAGES, value
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0, value
    if kind == "start":
        if isinstance(value, int) and not isinstance(value, bool):
            return value >= 1, value
        return isinstance(value, str) and _MONTH_PATTERN.fullmatch(value) is not None, value
    if kind == "volume":
        ok, number = _check("kbd", value)
        return ok and number < MAX_VOLUME_KBD, number
    if kind in {"kbd", "share"}:
        if not _is_number(value):
            return False, value
        number = float(value)  # type: ignore[arg-type]  # checked by _is_number
        return number >= 0 and (kind == "kbd" or number <= 1), number
    if kind == "bool":
        return isinstance(value, bool), value
    if kind == "text":
        return isinstance(value, str), value
    if kind == "title":
        return isinstance(value, str) and bool(value.strip()), value
    return isinstance(value, str) and _ID_PATTERN.fullmatch(value) is not None, value


def _validate_fields(obj: object, table: str) -> None:
    """Check and normalise the fields of a directly constructed spec object."""
    for name, rule in _RULES[table].items():
        value = getattr(obj, name)
        if value is None and rule.nullable:
            continue
        ok, normalised = _check(rule.kind, value)
        key = f"{table}.{name}" if table else name
        if not ok:
            raise ScenarioError(
                BAD_VALUE.format(
                    key=key, requirement=_requirement(rule.kind, value), value=_Shown(value)
                )
            )
        if normalised is not value:
            object.__setattr__(obj, name, normalised)


@dataclass(frozen=True, slots=True)
class Outage:
    """A halt of Venezuela's crude exports: when, how long, how large.

    Parameters
    ----------
    start
        First month of the outage: a whole number of months after the as-of month (``1`` is
        the month after it), or a month ``"YYYY-MM"``. A month at or before the as-of month
        means the outage is already under way when the projection starts.
    duration_months
        Months at full volume (>= 0), after the ramp-up.
    volume_kbd
        Exports lost at full volume, kb/d (>= 0). ``None``: Venezuela's latest exports,
        resolved by the caller (the engine reads them from the facts).
    ramp_up_months
        Months of linear ramp-up before full volume (>= 0); month ``i`` of ``R`` loses
        ``i / (R + 1)`` of the volume.
    recovery_months
        Months of linear return to no loss after the full months (>= 0); month ``j`` of ``Q``
        loses ``1 - j / (Q + 1)`` of the volume.
    affects_world_supply
        ``False`` when the exports are redirected to other buyers: world supply is unchanged
        (net loss 0) and only Cuba loses its shipments.
    coverage
        What the default volume (``volume_kbd`` unset) counts: ``"crude"`` (the default, the
        crude-only export figures, like the world crude production it is a share of) or
        ``"crude_and_products"`` (the Reuters/LSEG crude-and-fuel totals). Ignored when
        ``volume_kbd`` is given.

    Raises
    ------
    ScenarioError
        If a value is of the wrong type or out of range.
    """

    start: int | str
    duration_months: int
    volume_kbd: float | None = None
    ramp_up_months: int = 0
    recovery_months: int = 0
    affects_world_supply: bool = True
    coverage: ExportCoverage = "crude"

    def __post_init__(self) -> None:
        _validate_fields(self, "outage")

    @property
    def total_months(self) -> int:
        """Months with some loss: ramp-up + full + recovery."""
        return self.ramp_up_months + self.duration_months + self.recovery_months


@dataclass(frozen=True, slots=True)
class Offsets:
    """What replaces the lost barrels on the world market.

    Parameters
    ----------
    spare_capacity_share
        Share (0..1) of the gross loss that OPEC+ spare capacity replaces once fully on.
    spare_capacity_lag_months
        Months after the outage's first month before spare capacity starts (>= 0).
    spare_capacity_ramp_months
        Months of linear ramp-up of spare capacity (>= 0): month ``i`` of ``P`` replaces
        ``i / (P + 1)`` of the full share.
    strategic_release_kbd
        Strategic stock release, kb/d (>= 0), capped at the loss left after spare capacity.
    strategic_release_months
        Months the release lasts (>= 0).
    strategic_release_lag_months
        Months after the outage's first month before the release starts (>= 0).

    Raises
    ------
    ScenarioError
        If a value is of the wrong type or out of range.
    """

    spare_capacity_share: float = 0.0
    spare_capacity_lag_months: int = 0
    spare_capacity_ramp_months: int = 0
    strategic_release_kbd: float = 0.0
    strategic_release_months: int = 0
    strategic_release_lag_months: int = 0

    def __post_init__(self) -> None:
        _validate_fields(self, "offsets")


@dataclass(frozen=True, slots=True)
class Cuba:
    """What the outage does to Venezuela's oil shipments to Cuba.

    Parameters
    ----------
    shipments_kbd_during_outage
        Venezuelan shipments Cuba still receives at full outage, kb/d (>= 0).
    baseline_shipments_kbd
        Shipments without an outage, kb/d (>= 0). ``None``: the latest from the facts,
        resolved by the caller.
    replacement_share
        Share (0..1) of the lost barrels that Cuba replaces by buying at market prices.

    Raises
    ------
    ScenarioError
        If a value is of the wrong type or out of range.
    """

    shipments_kbd_during_outage: float = 0.0
    baseline_shipments_kbd: float | None = None
    replacement_share: float = 0.0

    def __post_init__(self) -> None:
        _validate_fields(self, "cuba")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario: an outage (or none), its offsets, and what Cuba gets.

    Parameters
    ----------
    id
        Lowercase snake_case identifier; the built-ins' ids are their file names.
    title
        A short title a reader understands (charts and reports use it).
    description
        The story, and where the numbers come from.
    outage
        The export halt; ``None`` for the baseline (no outage).
    offsets
        OPEC+ spare capacity and strategic releases.
    cuba
        Shipments to Cuba during the outage, and how much Cuba replaces.
    source
        Where the scenario was read from, for messages. Not part of equality or
        :meth:`to_dict`.

    Raises
    ------
    ScenarioError
        If a value is of the wrong type or out of range.

    Examples
    --------
    >>> from forecast.scenarios import Scenario
    >>> spec = Scenario.from_dict({"id": "calm", "title": "No outage"})
    >>> spec.outage is None, spec.to_dict()["cuba"]["replacement_share"]
    (True, 0.0)
    """

    id: str
    title: str
    description: str = ""
    outage: Outage | None = None
    offsets: Offsets = field(default_factory=Offsets)
    cuba: Cuba = field(default_factory=Cuba)
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _validate_fields(self, "")
        for name, kind in (("outage", Outage), ("offsets", Offsets), ("cuba", Cuba)):
            value = getattr(self, name)
            if not isinstance(value, kind) and not (name == "outage" and value is None):
                raise ScenarioError(NOT_A_TABLE.format(key=name, value=_Shown(value)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Scenario:
        """Build a scenario from a parsed TOML document, checking every key and value.

        Parameters
        ----------
        data
            Top-level keys ``id``, ``title``, ``description``; tables ``outage``, ``offsets``
            and ``cuba`` with the fields of :class:`Outage`, :class:`Offsets` and
            :class:`Cuba`. A missing ``outage`` table means no outage; missing fields of
            ``offsets`` and ``cuba`` take their defaults. ``None`` values of nullable fields
            are accepted (TOML has no null, so files simply omit them).
        source
            Where ``data`` came from (a path), named in error messages and kept on the
            result.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            Listing every problem found, each with the full dotted key: an unknown key (with
            a did-you-mean hint), a missing required key, a value of the wrong type or out
            of range (with the value). The message starts with ``source``.
        """
        where = _where(source, data)
        if not isinstance(data, Mapping):
            raise ScenarioError(NOT_A_MAPPING.format(where=where, kind=type(data).__name__))
        problems: list[str] = []
        top = {key: value for key, value in data.items() if key not in _TABLES}
        kwargs: dict[str, Any] = _read_table(top, "", problems)
        tables: dict[str, dict[str, Any] | None] = {}
        for table in _TABLES:
            if table not in data:
                tables[table] = None
                continue
            value = data[table]
            if value is None and table == "outage":
                tables[table] = None
            elif isinstance(value, Mapping):
                tables[table] = _read_table(value, table, problems)
            else:
                problems.append(NOT_A_TABLE.format(key=table, value=_Shown(value)))
        if problems:
            raise ScenarioError(_join(where, problems))
        outage = tables["outage"]
        return cls(
            **kwargs,
            outage=None if outage is None else Outage(**outage),
            offsets=Offsets(**(tables["offsets"] or {})),
            cuba=Cuba(**(tables["cuba"] or {})),
            source=source,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain data, the layout of its TOML file.

        ``None`` values are left out (TOML has no null), as is ``source``; ``offsets`` and
        ``cuba`` are always written in full, ``outage`` only when there is one. So
        ``Scenario.from_dict(s.to_dict()) == s``.

        Returns
        -------
        dict
            ``id``, ``title``, ``description`` and the tables ``outage`` (if any),
            ``offsets`` and ``cuba``.
        """
        result: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
        }
        for name in _TABLES:
            value = getattr(self, name)
            if value is not None:
                result[name] = {
                    key: item for key in _RULES[name] if (item := getattr(value, key)) is not None
                }
        return result

    def to_toml(self) -> str:
        """Return the scenario as a TOML file that :func:`load_scenario` reads back.

        Top-level keys first, then one table per section; an unset nullable field is
        written as a comment saying what it defaults to. The text parses to
        :meth:`to_dict`, so ``Scenario.from_dict(tomllib.loads(s.to_toml())) == s``.

        Returns
        -------
        str
            The file's text, ending with a newline.
        """
        data = self.to_dict()
        lines = [
            f"{key} = {toml_value(value)}"
            for key, value in data.items()
            if not isinstance(value, dict)
        ]
        if self.outage is None:
            lines += ["", "# no [outage]: nothing is lost"]
        for table, values in data.items():
            if not isinstance(values, dict):
                continue
            lines += ["", f"[{table}]"]
            lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
            lines += [
                f"# {key} not set: {means}"
                for (where, key), means in _UNSET_MEANS.items()
                if where == table and key not in values
            ]
        return "\n".join(lines) + "\n"

    def replace(self, **changes: Any) -> Scenario:
        """Return a copy with ``changes`` applied (validated like the constructor).

        Parameters
        ----------
        **changes
            Field names and new values, as in :func:`dataclasses.replace`.

        Returns
        -------
        Scenario
        """
        return dataclasses.replace(self, **changes)


def _where(source: str | None, data: object) -> str:
    if source:
        return source
    if isinstance(data, Mapping) and isinstance(data.get("id"), str):
        return f"scenario {data['id']!r}"
    return "scenario"


def _join(where: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return ONE_PROBLEM.format(where=where, problem=problems[0])
    return SEVERAL_PROBLEMS.format(where=where, count=len(problems), problems="; ".join(problems))


def _read_table(data: Mapping[Any, Any], table: str, problems: list[str]) -> dict[str, Any]:
    """Check the keys and values of one table; append problems, return the good values."""
    rules = _RULES[table]
    values: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        dotted = f"{table}.{key}" if table else key
        rule = rules.get(key)
        if rule is None:
            problems.append(UNKNOWN_KEY.format(key=dotted, hint=_hint(table, key)))
            continue
        if value is None and rule.nullable:
            continue
        ok, normalised = _check(rule.kind, value)
        if ok:
            values[key] = normalised
        else:
            problems.append(
                BAD_VALUE.format(
                    key=dotted, requirement=_requirement(rule.kind, value), value=_Shown(value)
                )
            )
    for key, rule in rules.items():
        if rule.required and key not in data:
            dotted = f"{table}.{key}" if table else key
            problems.append(MISSING_KEY.format(key=dotted, requirement=_REQUIREMENTS[rule.kind]))
    return values


def _hint(table: str, key: str) -> str:
    """Return a did-you-mean hint for an unknown ``key`` of ``table`` (or the valid keys)."""
    prefix = f"{table}." if table else ""
    valid = list(_RULES[table]) + ([] if table else list(_TABLES))
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {prefix + close[0]!r}?"
    # A key of another table (misplaced), or close to one.
    leaves = {name.rsplit(".", 1)[-1]: name for name in _ALL_KEYS if "." in name}
    close = difflib.get_close_matches(key, leaves, n=1, cutoff=0.8)
    if close:
        return f"; did you mean {leaves[close[0]]!r}?"
    scope = f"[{table}]" if table else "the top level"
    return f"; the keys of {scope} are: {', '.join(valid)}"


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario TOML file and check it.

    Parameters
    ----------
    path
        The file. Relative paths are relative to the working directory.

    Returns
    -------
    Scenario
        With ``source`` set to ``str(path)``.

    Raises
    ------
    ScenarioError
        If the file is missing or unreadable, is not UTF-8 TOML (the message gives tomllib's
        line and column), or is not a valid scenario (see :meth:`Scenario.from_dict`).
    """
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise ScenarioError(FILE_MISSING.format(path=name)) from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            TOML_SYNTAX.format(path=name, reason=f"not UTF-8 text ({exc})")
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScenarioError(FILE_UNREADABLE.format(path=name, reason=reason)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(TOML_SYNTAX.format(path=name, reason=exc)) from exc
    except RecursionError as exc:  # arrays or tables nested thousands deep
        reason = "values nested too deeply to read"
        raise ScenarioError(TOML_SYNTAX.format(path=name, reason=reason)) from exc
    return Scenario.from_dict(data, source=name)


def _load_builtin(scenario_id: str) -> Scenario:
    try:
        folder = bundled_dir("scenarios")
    except FileNotFoundError as exc:
        raise ScenarioError(BUILTIN_MISSING.format(id=scenario_id, reason=exc)) from exc
    path = folder / f"{scenario_id}.toml"
    scenario = load_scenario(path)
    if scenario.id != scenario_id:
        raise ScenarioError(
            BUILTIN_ID_MISMATCH.format(path=path, found=scenario.id, expected=scenario_id)
        )
    return scenario


def builtin_scenarios() -> dict[str, Scenario]:
    """Read the built-in scenarios shipped with forecast.

    Returns
    -------
    dict of str to Scenario
        In the fixed order of :data:`BUILTIN_IDS`: ``baseline``, ``venezuela_full_halt``,
        ``venezuela_partial_halt``, ``venezuela_halt_opec_offset``, ``cuba_shipments_halt``.

    Raises
    ------
    ScenarioError
        If a shipped file is missing or invalid (an incomplete installation).
    """
    return {scenario_id: _load_builtin(scenario_id) for scenario_id in BUILTIN_IDS}


def resolve_scenario(name_or_path: str) -> Scenario:
    """Return a built-in scenario by id, or read a scenario file.

    Parameters
    ----------
    name_or_path
        A built-in id (see :data:`BUILTIN_IDS`); anything else is read as a path, if it ends
        in ``.toml``, contains a path separator or names an existing file. A built-in id
        wins over a file of the same name in the working directory (write ``./baseline``).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the name is neither a built-in id nor a path (the message lists the built-in ids,
        with a did-you-mean hint), or the file is missing or invalid.
    """
    if name_or_path in BUILTIN_IDS:
        return _load_builtin(name_or_path)
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") or len(path.parts) > 1 or path.is_file():
        return load_scenario(path)
    close = difflib.get_close_matches(name_or_path, BUILTIN_IDS, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ScenarioError(
        UNKNOWN_SCENARIO.format(name=name_or_path, hint=hint, ids=", ".join(BUILTIN_IDS))
    )


def _parse_override_value(raw: str) -> Any:
    """Parse ``raw`` as one TOML value if it is one, else keep it as a bare string."""
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    if list(parsed) != ["value"]:
        return raw
    return parsed["value"]


def apply_overrides(scenario: Scenario, overrides: Sequence[str]) -> Scenario:
    """Return ``scenario`` with ``dotted.key=value`` overrides applied and checked.

    Parameters
    ----------
    scenario
        The scenario to change (not modified).
    overrides
        Items ``KEY=VALUE``: ``KEY`` a dotted key (``outage.volume_kbd``, ``title``); ``VALUE``
        read as a TOML value when it is one (``600``, ``0.5``, ``true``, ``"x"``,
        ``{start = 1, duration_months = 6}``), else as a bare string (``2026-03``, ``x``).
        Applied in order, so a later item wins. Setting ``outage.*`` on a scenario without
        an outage creates the table (its required keys must then be given too). A field
        cannot be reset to "not set" (``None``) this way.

    Returns
    -------
    Scenario
        Checked exactly as :meth:`Scenario.from_dict` checks a file; ``source`` is kept.

    Raises
    ------
    ScenarioError
        If an item has no ``=`` or an empty key, a key goes through a value that is not a
        table, or the result is invalid (an unknown key, with a did-you-mean hint, or a bad
        value); the message names the scenario and the overrides.

    Examples
    --------
    >>> from forecast.scenarios import Scenario, apply_overrides
    >>> base = Scenario.from_dict({"id": "calm", "title": "No outage"})
    >>> halt = apply_overrides(base, ["outage.start=1", "outage.duration_months=6"])
    >>> halt.outage.duration_months, halt.outage.volume_kbd is None
    (6, True)
    """
    if not overrides:
        return scenario
    data = scenario.to_dict()
    for item in overrides:
        raw_key, sep, raw_value = item.partition("=")
        parts = [part.strip() for part in raw_key.strip().split(".")]
        if not sep or not all(parts):
            raise ScenarioError(MALFORMED_OVERRIDE.format(item=_Shown(item)))
        target = data
        for depth, part in enumerate(parts[:-1]):
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                key = ".".join(parts[: depth + 1])
                raise ScenarioError(OVERRIDE_NOT_A_TABLE.format(item=_Shown(item), key=key))
            target = child
        target[parts[-1]] = _parse_override_value(raw_value.strip())
    origin = scenario.source or f"scenario {scenario.id!r}"
    label = f"{origin} with overrides {', '.join(overrides)}"
    return dataclasses.replace(Scenario.from_dict(data, source=label), source=scenario.source)
