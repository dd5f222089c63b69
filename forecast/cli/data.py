"""The ``forecast data`` commands: import series into the store, show its status, list series.

The root group in :mod:`forecast.cli` adds :data:`data`; the store and the catalog are
imported inside the commands so ``forecast --help`` stays fast.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from forecast.cli._common import (
    BUNDLED,
    any_store_option,
    guard,
    is_bundled,
    new_store_option,
    store_option,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["data"]


@click.group("data")
def data() -> None:
    """Import series into the store and inspect what it holds."""


@data.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--series", "series_id", required=True, help="Catalog id, e.g. brent_usd.")
@click.option("--date-col", default="date", show_default=True, help="Column with the dates.")
@click.option("--value-col", default="value", show_default=True, help="Column with the values.")
@click.option(
    "--merge",
    is_flag=True,
    help="Update and extend the stored series instead of replacing it with the file.",
)
@click.option(
    "--accept-revisions",
    is_flag=True,
    help="Write even if the file blanks or revises most of the stored values.",
)
@new_store_option
@guard
def data_import(
    file: str,
    series_id: str,
    date_col: str,
    value_col: str,
    merge: bool,
    accept_revisions: bool,
    store_path: str | None,
) -> None:
    """Validate FILE as series --series and store it as a new vintage.

    The file is checked in full first (dates parse, are unique, sorted and on the series'
    frequency with no missing periods; values are numbers within the unit's plausible range);
    any failure lists every problem with its line and leaves the store untouched. Importing
    the same data again writes nothing. A file that would blank or revise most of the stored
    values is refused unless --accept-revisions.
    """
    from forecast import catalog
    from forecast.errors import DataValidationError
    from forecast.refresh import check_store_location
    from forecast.sources.csvfile import read_series_csv
    from forecast.store import SeriesUpdate, Store

    catalog.get(series_id)
    if date_col == value_col:
        raise click.UsageError(
            f"--date-col and --value-col name the same column ({date_col[:60]!r})"
        )
    store = Store(store_path)
    check_store_location(store.path)
    try:
        imported = read_series_csv(file, series_id, date_col=date_col, value_col=value_col)
    except DataValidationError as exc:
        raise click.ClickException(
            f"{exc}\nNothing was written: {store.path} is unchanged."
        ) from exc
    update = SeriesUpdate(
        series_id=series_id,
        frame=imported.frame,
        source="csv",
        origin=imported.origin,
        origin_sha256=imported.sha256,
        mode="merge" if merge else "replace",
    )
    (report,) = store.write([update], accept_revisions=accept_revisions)
    click.echo(f"{report.describe()} from {file} into {store.path}")


def _status_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            str(key): value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in row.items()
        }
        for row in frame.to_dict("records")
    ]


@data.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable).")
@store_option
@guard
def data_status(as_json: bool, store_path: str | None) -> None:
    """Show each stored series: span, rows, latest vintage, source, when written, staleness."""
    from forecast.store import Store

    if is_bundled():
        if as_json:
            click.echo(json.dumps({"store": BUNDLED, "series": []}, indent=2, sort_keys=True))
        else:
            click.echo(f"--store {BUNDLED}: no store; commands read the package's bundled snapshot")
        return
    store = Store(store_path)
    records = _status_records(store.status())
    if as_json:
        payload = {"store": str(store.path), "series": records}
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    if not records:
        click.echo(f"{store.path}: no series stored yet (reports fall back to bundled data)")
        return
    header = ("series", "first", "last", "rows", "vintage", "source", "written (UTC)", "")
    rows = [
        (
            r["series_id"],
            r["first_date"],
            r["last_date"],
            str(r["rows"]),
            str(r["vintage_id"]),
            r["source"],
            r["written_at"][:19].replace("T", " "),
            "STALE" if r["stale"] else "",
        )
        for r in records
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    click.echo(f"store: {store.path}")
    for line in (header, *rows):
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())


@data.command("series")
def data_series() -> None:
    """List the series the package knows: id, frequency, unit and sources."""
    from forecast import catalog

    for spec in catalog.CATALOG.values():
        sources = ", ".join(f"{ref.source}:{ref.code}" for ref in spec.sources)
        click.echo(f"{spec.id:<32} {spec.frequency:<8} {spec.unit:<28} {sources}")


@data.command("export")
@click.option(
    "--out",
    "out_dir",
    default="data/snapshot",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the snapshot files and manifest.json.",
)
@click.option(
    "--through",
    default="2025-11",
    show_default=True,
    metavar="YYYY-MM",
    help="Last month kept: later observations are left out.",
)
@any_store_option
@guard
def data_export(out_dir: str, through: str, store_path: str | None) -> None:
    """Export the snapshot the package ships: the models' series, cut at --through.

    Writes one gzip CSV per series the store holds (Brent and WTI monthly averages and daily
    spot closes, US CPI, the Kilian index, world crude production) and manifest.json with
    each file's store vintage, source, span and SHA-256. The package falls back to these
    files when the store lacks a series.
    """
    from forecast.snapshot import export_snapshot
    from forecast.store import Store

    store = Store(store_path)
    manifest = export_snapshot(store, out_dir, through=through)
    for series_id, entry in manifest["series"].items():
        click.echo(
            f"{series_id:<28} {entry['first_date']}..{entry['last_date']} {entry['rows']:>6} rows "
            f"(vintage {entry['vintage_id']}, {entry['origin']})"
        )
    click.echo(f"wrote {len(manifest['series'])} series and {out_dir}/manifest.json")
