"""The ``forecast scenarios`` commands: list, show and validate scenario files.

``forecast.cli`` adds :data:`scenarios` to its group; the error guard comes from
:mod:`forecast._cli_common`. :mod:`forecast.scenarios` is imported inside the commands so
``forecast --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from forecast._cli_common import guard as _guard

if TYPE_CHECKING:
    from forecast.scenarios import Scenario

__all__ = ["scenarios"]

# Nullable fields, and what an unset value means (written as a comment by ``show``).
_UNSET_MEANS = {
    ("outage", "volume_kbd"): "Venezuela's latest exports, from data/facts",
    ("cuba", "baseline_shipments_kbd"): "the latest shipments to Cuba, from data/facts",
}


def _toml_string(text: str) -> str:
    """Return ``text`` as a TOML basic string (quoted, escaped)."""
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
    short["\r"] = "\\r"
    out = []
    for char in text:
        if char in short:
            out.append(short[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    """Return a scalar (str, bool, int, finite float) as TOML."""
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    msg = f"cannot write {value!r} as a TOML value"
    raise TypeError(msg)


def _to_toml(scenario: Scenario) -> str:
    """Write a scenario as TOML that :func:`forecast.scenarios.load_scenario` reads back.

    Top-level keys first, then one table per section; an unset nullable field is written as a
    comment saying what it defaults to. The output parses to ``scenario.to_dict()``.
    """
    data = scenario.to_dict()
    lines = [
        f"{key} = {_toml_value(value)}"
        for key, value in data.items()
        if not isinstance(value, dict)
    ]
    if scenario.outage is None:
        lines += ["", "# no [outage]: nothing is lost"]
    for table, values in data.items():
        if not isinstance(values, dict):
            continue
        lines += ["", f"[{table}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines += [
            f"# {key} not set: {means}"
            for (where, key), means in _UNSET_MEANS.items()
            if where == table and key not in values
        ]
    return "\n".join(lines) + "\n"


@click.group()
def scenarios() -> None:
    """List, show and check scenario files (TOML; volumes in kb/d, times in months).

    A scenario has top-level keys id, title and description, and tables [outage] (none for
    the baseline), [offsets] and [cuba]. Run `forecast scenarios show venezuela_full_halt`
    for a complete example to copy.
    """


@scenarios.command("list")
@_guard
def list_scenarios() -> None:
    """List the built-in scenarios: id and title."""
    from forecast.scenarios import builtin_scenarios

    specs = builtin_scenarios()
    width = max(len(scenario_id) for scenario_id in specs)
    for scenario_id, spec in specs.items():
        click.echo(f"{scenario_id:<{width}}  {spec.title}")


@scenarios.command("show")
@click.argument("name_or_file")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a field, e.g. --set outage.volume_kbd=600 (repeatable).",
)
@_guard
def show(name_or_file: str, overrides: tuple[str, ...]) -> None:
    """Print the scenario NAME_OR_FILE as TOML, after any --set overrides.

    NAME_OR_FILE is a built-in id (see `forecast scenarios list`) or a .toml file. Values of
    --set are read as TOML when they parse (numbers, true/false, "quoted strings"), else as
    bare strings; the result is checked like a file. The output is itself a valid scenario
    file.
    """
    from forecast.scenarios import apply_overrides, resolve_scenario

    spec = apply_overrides(resolve_scenario(name_or_file), overrides)
    header = f"# {spec.source}" if spec.source else f"# {name_or_file}"
    if overrides:
        header += f", with --set {' '.join(overrides)}"
    # One valid TOML comment line, whatever the path and the values hold.
    click.echo("".join(char if char.isprintable() else " " for char in header))
    click.echo(_to_toml(spec), nl=False)


@scenarios.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; print 'FILE: ok (id)' for each valid one.

    Every file is checked. Exit 0 when all are valid; otherwise each problem (file, key,
    value) is reported and the exit code is 1.
    """
    from forecast.errors import ScenarioError
    from forecast.scenarios import load_scenario

    errors = []
    for file in files:
        try:
            spec = load_scenario(file)
        except ScenarioError as exc:
            errors.append(str(exc))
            continue
        click.echo(f"{file}: ok ({spec.id})")
    if errors:
        raise click.ClickException("\n".join(errors))
