"""The ``forecast scenarios`` commands: list, show and validate scenario files.

The root group in :mod:`forecast.cli` adds :data:`scenarios`; the error guard comes from
:mod:`forecast.cli._common`. :mod:`forecast.scenarios` is imported inside the commands so
``forecast --help`` stays fast.
"""

from __future__ import annotations

import click

from forecast.cli._common import guard

__all__ = ["scenarios"]


@click.group()
def scenarios() -> None:
    """List, show and check scenario files (TOML; volumes in kb/d, times in months).

    A scenario has top-level keys id, title and description, and tables [outage] (none for
    the baseline), [offsets] and [cuba]. Run `forecast scenarios show venezuela_full_halt`
    for a complete example to copy.
    """


@scenarios.command("list")
@guard
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
@guard
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
    click.echo(spec.to_toml(), nl=False)


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
