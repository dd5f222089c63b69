"""Pandera schemas for every series that enters forecast, and the one validation entry point.

A series frame has two columns, ``date`` (``datetime64[ns]``, naive) and ``value``
(``float64``), one row per period. Its index labels the rows where they came from: the line
number in a CSV file, or a position. :func:`validate` checks a frame lazily, so one error lists
every failure, and raises :class:`~forecast.errors.DataValidationError` naming the origin, the
rows and the checks.

Set ``PANDERA_VALIDATION_ENABLED=False`` to skip the checks (pandera's own switch).
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from forecast import catalog
from forecast.errors import DataValidationError

if TYPE_CHECKING:
    from forecast.catalog import SeriesSpec

__all__ = [
    "FAILURE_COLUMNS",
    "REPORT_COLUMN",
    "DiffFrame",
    "PathFrame",
    "SummaryFrame",
    "failure_frame",
    "format_failures",
    "raise_failures",
    "series_schema",
    "validate",
    "validate_series",
]

FAILURE_COLUMNS = ["row", "column", "check", "value"]
MAX_LISTED_FAILURES = 20
VALIDATION_FAILED = "{origin}: {n} problem(s) found:\n{details}"
# Key in a frame-wide check's ``statistics`` naming the column its failures are reported under.
# Without it, a frame-wide check is reported once per failing row with no column.
REPORT_COLUMN = "column"

_FREQ_RULE = {
    "monthly": "dates on the first of the month",
    "annual": "dates on 1 January",
    "daily": "dates without a time of day",
}


def _on_frequency(frequency: str) -> pa.Check:
    def check(dates: pd.Series) -> pd.Series:
        midnight = dates == dates.dt.normalize()
        if frequency == "monthly":
            return midnight & (dates.dt.day == 1)
        if frequency == "annual":
            return midnight & (dates.dt.day == 1) & (dates.dt.month == 1)
        return midnight

    return pa.Check(check, name=_FREQ_RULE[frequency], ignore_na=True)


def _sorted() -> pa.Check:
    def check(dates: pd.Series) -> pd.Series:
        previous = dates.shift(1)
        return previous.isna() | (dates > previous)

    return pa.Check(check, name="dates sorted ascending", ignore_na=True)


def _no_missing_periods(spec: SeriesSpec) -> pa.Check | None:
    """Flag the first date after a gap: a skipped month or year, or a long daily gap."""
    if spec.frequency == "daily":
        if spec.max_gap_days is None:
            return None
        limit = spec.max_gap_days

        def daily(dates: pd.Series) -> pd.Series:
            gap = dates.diff().dt.days
            return ~(gap > limit)

        return pa.Check(daily, name=f"no gap longer than {limit} days", ignore_na=True)

    months_per_period = 1 if spec.frequency == "monthly" else 12

    def periodic(dates: pd.Series) -> pd.Series:
        months = dates.dt.year * 12 + dates.dt.month
        step = months.diff()
        return ~(step > months_per_period)

    label = "month" if spec.frequency == "monthly" else "year"
    return pa.Check(periodic, name=f"no missing {label} before this date", ignore_na=True)


@cache
def series_schema(series_id: str) -> pa.DataFrameSchema:
    """Build the pandera schema of a catalogued series.

    Parameters
    ----------
    series_id
        A catalog id, e.g. ``"brent_usd"``.

    Returns
    -------
    pandera.DataFrameSchema
        Columns ``date`` and ``value`` with the series' frequency, ordering, gap, bound and
        missing-value checks.
    """
    spec = catalog.get(series_id)
    date_checks = [_on_frequency(spec.frequency), _sorted()]
    gap_check = _no_missing_periods(spec)
    if gap_check is not None:
        date_checks.append(gap_check)
    lower, upper = spec.lower, spec.upper
    bounds = pa.Check(
        lambda values: values.between(lower, upper),
        name=f"value within plausible range [{lower:g}, {upper:g}] {spec.unit}",
        ignore_na=True,
    )
    return pa.DataFrameSchema(
        {
            "date": pa.Column(
                "datetime64[ns]",
                checks=date_checks,
                nullable=False,
                unique=True,
                report_duplicates="exclude_first",
            ),
            "value": pa.Column("float64", checks=[bounds], nullable=spec.allow_missing),
        },
        checks=[pa.Check(lambda df: len(df) > 0, name="at least one observation")],
        name=series_id,
        strict=True,
        ordered=False,
    )


_CHECK_LABELS = {
    "not_nullable": "no empty values",
    "multiple_fields_uniqueness": "rows unique (duplicate key)",
}


def failure_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Return failure records as a frame with :data:`FAILURE_COLUMNS`."""
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def _report_columns(schema: pa.DataFrameSchema) -> dict[str, str | None]:
    """Frame-wide checks of ``schema`` -> the column their failures are reported under."""
    return {str(check.name): (check.statistics or {}).get(REPORT_COLUMN) for check in schema.checks}


def _from_pandera(cases: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Turn pandera's failure cases into ours: one record per problem, plain check names.

    pandera reports a failing frame-wide check once per column of each failing row; here it
    is reported once per row, under the column the check names (or none).
    """
    frame_checks = _report_columns(schema)
    seen: set[tuple[object, str]] = set()
    rows = []
    for case in cases.to_dict("records"):
        check = str(case["check"])
        column = None if pd.isna(case["column"]) else str(case["column"])
        if case.get("schema_context") == "DataFrameSchema" and check in frame_checks:
            if (case["index"], check) in seen:
                continue
            seen.add((case["index"], check))
            column = frame_checks[check]
        if check == "field_uniqueness":
            check = "dates unique (duplicate date)" if column == "date" else "values unique"
        if check.startswith("dtype("):
            check = f"column has type {check[6:-1]}"
        elif check.startswith("column_in_dataframe"):
            check = "required column present"
        elif check.startswith("column_in_schema"):
            check = "no unexpected columns"
        rows.append(
            {
                "row": None if pd.isna(case["index"]) else case["index"],
                "column": column,
                "check": _CHECK_LABELS.get(check, check),
                "value": case["failure_case"],
            }
        )
    return failure_frame(rows)


def _describe(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "empty"
    return repr(value) if isinstance(value, str) else str(value)


def format_failures(failures: pd.DataFrame, *, row_label: str = "row") -> str:
    """Render failure records as indented lines, at most :data:`MAX_LISTED_FAILURES`."""
    lines = []
    for rec in failures.head(MAX_LISTED_FAILURES).to_dict("records"):
        row, column = rec["row"], rec["column"]
        where = [] if row is None or pd.isna(row) else [f"{row_label} {row}"]
        if column is not None and not pd.isna(column):
            where.append(f"column {column!r}")
        place = ", ".join(where) if where else "file"
        lines.append(f"  - {place}: failed {rec['check']!r} (got {_describe(rec['value'])})")
    extra = len(failures) - MAX_LISTED_FAILURES
    if extra > 0:
        lines.append(f"  ... and {extra} more (see DataValidationError.failure_cases)")
    return "\n".join(lines)


def raise_failures(failures: pd.DataFrame, *, origin: str, row_label: str = "row") -> None:
    """Raise :class:`DataValidationError` for ``failures`` if there are any."""
    if failures.empty:
        return
    failures = failures.sort_values("row", key=_row_sort_key, kind="stable").reset_index(drop=True)
    details = format_failures(failures, row_label=row_label)
    raise DataValidationError(
        VALIDATION_FAILED.format(origin=origin, n=len(failures), details=details),
        failure_cases=failures,
    )


def _drop_reported(found: pd.DataFrame, reported: pd.DataFrame | None) -> pd.DataFrame:
    """Drop schema failures on cells (or whole rows) already reported as unparseable."""
    if reported is None or reported.empty:
        return found
    seen = set(zip(reported["row"], reported["column"], strict=True))
    broken_rows = {row for row, column in seen if row is not None and column is None}
    keep = [
        (row, column) not in seen and row not in broken_rows
        for row, column in zip(found["row"], found["column"], strict=True)
    ]
    return found[keep]


def _row_sort_key(rows: pd.Series) -> pd.Series:
    return pd.to_numeric(rows, errors="coerce").fillna(-1)


def validate(
    schema: pa.DataFrameSchema,
    frame: pd.DataFrame,
    *,
    origin: str,
    row_label: str = "row",
    extra_failures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Validate ``frame`` against ``schema`` lazily and return the validated frame.

    Parameters
    ----------
    schema
        A pandera schema.
    frame
        The frame to check.
    origin
        What the frame is, for the message: a file path, a URL, ``"brent_usd from FRED"``.
    row_label
        How to name an index label in the message (``"line"`` for a CSV file's line number).
    extra_failures
        Failures found before the schema ran (unparseable cells), reported together.

    Raises
    ------
    DataValidationError
        Listing every failed check with its rows; ``.failure_cases`` holds them all.
    """
    failures = [] if extra_failures is None else [extra_failures]
    validated = frame
    try:
        validated = schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        found = _from_pandera(exc.failure_cases, schema)
        failures.append(_drop_reported(found, extra_failures))
        merged = pd.concat(failures, ignore_index=True) if len(failures) > 1 else failures[0]
        try:
            raise_failures(merged, origin=origin, row_label=row_label)
        except DataValidationError as err:
            raise err from exc
    except SchemaError as exc:  # raised instead of SchemaErrors for some frame-level problems
        one = failure_frame([{"row": None, "column": None, "check": str(exc), "value": None}])
        failures.append(one)
        raise_failures(pd.concat(failures, ignore_index=True), origin=origin, row_label=row_label)
    if failures:
        raise_failures(pd.concat(failures, ignore_index=True), origin=origin, row_label=row_label)
    return validated


def validate_series(
    frame: pd.DataFrame,
    series_id: str,
    *,
    origin: str | None = None,
    row_label: str = "row",
    extra_failures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Validate a ``date, value`` frame against the schema of ``series_id``.

    Raises
    ------
    DataValidationError
        If any check fails; the message names ``origin`` and the series.
    """
    where = f"{origin} (series {series_id})" if origin else f"series {series_id}"
    return validate(
        series_schema(series_id),
        frame,
        origin=where,
        row_label=row_label,
        extra_failures=extra_failures,
    )


# -- outputs -------------------------------------------------------------------------------

QUANTILES: dict[str, float] = {"q05": 0.05, "q16": 0.16, "q50": 0.50, "q84": 0.84, "q95": 0.95}
PATH_COLUMNS = ["scenario", "model", "variable", "date", "mean", *QUANTILES]
SUMMARY_STATS = ["mean", *QUANTILES]


def _ordered(columns: list[str]) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(data=True, index=df.index)
        for low, high in itertools.pairwise(columns):
            tolerance = 1e-9 * (1.0 + df[[low, high]].abs().max(axis=1))
            ok &= df[low] <= df[high] + tolerance
        return ok

    return pa.Check(check, name=f"quantiles ordered ({' <= '.join(columns)})")


def _known_variable() -> pa.Check:
    return pa.Check.isin(list(catalog.OUTPUT_VARIABLES), name="variable is a known output")


def _number(**kwargs: Any) -> pa.Column:
    return pa.Column("float64", nullable=False, **kwargs)


def _long_frame(name: str, description: str, extra: dict[str, pa.Column]) -> pa.DataFrameSchema:
    """Build a long frame schema: scenario, model, variable, date, mean and quantiles."""
    return pa.DataFrameSchema(
        {
            "scenario": pa.Column(str),
            "model": pa.Column(str),
            "variable": pa.Column(str, checks=[_known_variable()]),
            "date": pa.Column(
                "datetime64[ns]",
                checks=[pa.Check(lambda d: d.dt.day == 1, name="dates on month starts")],
            ),
            **extra,
            "mean": _number(),
            **{q: _number() for q in QUANTILES},
        },
        checks=[_ordered(list(QUANTILES))],
        unique=["scenario", "model", "variable", "date"],
        strict=True,
        ordered=True,
        name=name,
        description=description,
    )


PathFrame = _long_frame(
    "PathFrame",
    "Projected paths: one row per scenario, model, variable and period; the mean and the "
    "5/16/50/84/95% quantiles over the draws.",
    {},
)

SummaryFrame = pa.DataFrameSchema(
    {
        "scenario": pa.Column(str),
        "model": pa.Column(str),
        "variable": pa.Column(str, checks=[_known_variable()]),
        "diff_unit": pa.Column(str),
        "peak_date": pa.Column("datetime64[ns]"),
        **{f"peak_{s}": _number() for s in SUMMARY_STATS},
        "cum_measure": pa.Column(str, checks=[pa.Check.isin(["sum", "mean"])]),
        **{f"cum_{s}": _number() for s in SUMMARY_STATS},
    },
    checks=[
        _ordered([f"peak_{q}" for q in QUANTILES]),
        _ordered([f"cum_{q}" for q in QUANTILES]),
    ],
    unique=["scenario", "model", "variable"],
    strict=True,
    ordered=True,
    name="SummaryFrame",
    description=(
        "Per scenario, model and variable: the peak difference from baseline (at the date "
        "where the mean difference is largest in size) and the cumulative difference (sum or "
        "mean over the horizon, as cum_measure says), with quantiles over the draws."
    ),
)

DiffFrame = _long_frame(
    "DiffFrame",
    "Differences from baseline per period, computed draw by draw (common random numbers): % "
    "of the baseline level for prices, percentage points for rates, the variable's unit "
    "otherwise.",
    {"diff_unit": pa.Column(str)},
)
