"""Curated fact tables that ship with forecast: read, typed and validated.

The tables in ``data/facts`` hold published figures (annual statistics, point estimates from
news and agency reports, disruption episodes, literature elasticities), each row with its
source. :func:`load` reads one by name; :func:`read_fact_file` reads any copy of a table, so a
file edited by hand can be checked before it replaces the shipped one.

Every cell is parsed by the column's type in the table's schema (whole numbers to ``int64``,
numbers to ``float64``, ``YYYY-MM-DD`` dates to ``datetime64[ns]``, the rest kept as text).
Rows are labelled by their line in the file (the header is line 1) while they are checked, so
an error names the file, the line and the check; the frame returned has a fresh index.

Checks that compare several cells of a row, or a row with its neighbours (one row per year,
years in order, a value within the bounds of its unit), are frame-wide pandera checks. pandera
reports each column of a failing row; the reader keeps the column each such check is about,
so one problem is listed once.

Examples
--------
>>> from forecast import facts
>>> gdp = facts.load("cuba_real_gdp_growth_annual")
>>> int(gdp["year"].iloc[0]), str(gdp["year"].dtype)
(1971, 'int64')
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
import pandera.pandas as pa

from forecast import schemas
from forecast._paths import bundled_dir
from forecast.errors import DataSourceError, DataValidationError, ForecastError

if TYPE_CHECKING:
    import os

__all__ = ["SCHEMAS", "FactName", "available", "known_at", "load", "read_fact_file"]

FactName = Literal[
    "brent_wti_annual_average_usd",
    "cuba_electricity_generation_onei",
    "cuba_oil_balance_estimates",
    "cuba_real_gdp_growth_annual",
    "cuba_special_period_1989_1993",
    "oil_market_elasticities",
    "oil_production_consumption_annual_kbd",
    "oil_supply_disruption_episodes",
    "opec_spare_capacity",
    "venezuela_crude_production_opec_reports",
    "venezuela_oil_exports",
    "venezuela_to_cuba_oil_shipments",
]

UNKNOWN_TABLE = "unknown fact table {name!r}{hint}; the tables are: {names}"
CANNOT_READ = "cannot read fact table {path}: {reason}"
FOLDER_MISSING = "cannot find the bundled fact tables: {reason}"

_NAMES: tuple[str, ...] = get_args(FactName)

# Checks the reader applies before the schema runs (header, field counts, cell parsing).
_REQUIRED_COLUMN = "required column present"
_UNEXPECTED_COLUMN = "no unexpected columns"
_DUPLICATE_COLUMN = "column names unique"
_FIELD_COUNT = "as many fields as the header"
_PARSE_CHECKS = {
    "int64": "a whole number",
    "float64": "a number",
    "datetime64[ns]": "a date written YYYY-MM-DD",
}
_CELL_PATTERNS = {
    "int64": re.compile(r"[+-]?\d+"),
    "float64": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),
    "datetime64[ns]": re.compile(r"\d{4}-\d{2}-\d{2}"),
}

YEAR_MIN, YEAR_MAX = 1900, 2100
# What a Venezuelan export figure covers: crude alone, or crude with refined products (the
# Reuters/LSEG "crude and fuel" totals). Byproducts and petrochemicals, reported in tonnes,
# are in neither.
EXPORT_COVERAGE = ("crude", "crude and products")
_URL = r"https?://\S+"
_SNAKE_CASE = r"[a-z][a-z0-9_]*"


# --- column checks -------------------------------------------------------------------------


def _not_blank() -> pa.Check:
    return pa.Check(lambda s: s.str.strip().str.len() > 0, name="not blank")


def _text(*, nullable: bool = False) -> pa.Column:
    """Return free text: required (and not blank) unless ``nullable``."""
    return pa.Column(str, checks=[_not_blank()], nullable=nullable)


def _source() -> pa.Column:
    """Return the column naming a row's source: every fact keeps its source."""
    return pa.Column(str, checks=[_not_blank()], nullable=False)


def _url(*, nullable: bool = False) -> pa.Column:
    return pa.Column(
        str,
        checks=[pa.Check.str_matches(rf"^{_URL}$", error="a web address (http:// or https://)")],
        nullable=nullable,
    )


def _category(values: Iterable[str]) -> pa.Column:
    allowed = sorted(values)
    return pa.Column(
        str, checks=[pa.Check.isin(allowed, error=f"one of: {', '.join(allowed)}")], nullable=False
    )


def _identifier() -> pa.Column:
    return pa.Column(
        str,
        checks=[pa.Check.str_matches(rf"^{_SNAKE_CASE}$", error="a snake_case name")],
        nullable=False,
    )


def _number(
    lower: float,
    upper: float,
    unit: str,
    *,
    include_lower: bool = True,
    nullable: bool = False,
) -> pa.Column:
    opening = "[" if include_lower else "("
    bounds = pa.Check.in_range(
        lower,
        upper,
        include_min=include_lower,
        error=f"within {opening}{lower:g}, {upper:g}] {unit}",
    )
    return pa.Column("float64", checks=[bounds], nullable=nullable)


def _unique(what: str) -> pa.Check:
    return pa.Check(lambda s: ~s.duplicated(keep="first"), name=f"one row per {what}")


def _ascending(what: str) -> pa.Check:
    """Values never decrease from one row to the next (ties are left to uniqueness checks).

    An empty or unparseable cell is reported elsewhere; it does not fail its neighbour.
    """

    def check(values: pd.Series) -> pd.Series:
        previous = values.shift(1)
        return values.isna() | previous.isna() | (values >= previous)

    return pa.Check(check, name=f"{what} in ascending order", ignore_na=False)


def _no_missing_year() -> pa.Check:
    def check(years: pd.Series) -> pd.Series:
        step = years.diff()
        return ~(step > 1)

    return pa.Check(check, name="no missing year before this one", ignore_na=False)


def _year(*checks: pa.Check) -> pa.Column:
    in_range = pa.Check.in_range(
        YEAR_MIN, YEAR_MAX, error=f"a year between {YEAR_MIN} and {YEAR_MAX}"
    )
    return pa.Column("int64", checks=[in_range, *checks], nullable=False)


def _date(*checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column("datetime64[ns]", checks=list(checks), nullable=nullable)


def _month_start() -> pa.Check:
    def check(dates: pd.Series) -> pd.Series:
        return (dates == dates.dt.normalize()) & (dates.dt.day == 1)

    return pa.Check(check, name="dates on the first of the month")


def _year_start() -> pa.Check:
    def check(dates: pd.Series) -> pd.Series:
        return (dates == dates.dt.normalize()) & (dates.dt.day == 1) & (dates.dt.month == 1)

    return pa.Check(check, name="dates on 1 January")


def _year_span() -> pa.Check:
    """Accept ``YYYY`` or ``YYYY-YYYY`` periods whose first year comes before the second."""

    def check(periods: pd.Series) -> pd.Series:
        parts = periods.str.extract(r"^(\d{4})(?:-(\d{4}))?$")
        first = pd.to_numeric(parts[0], errors="coerce")
        last = pd.to_numeric(parts[1], errors="coerce").fillna(first)
        in_range = first.between(YEAR_MIN, YEAR_MAX) & last.between(YEAR_MIN, YEAR_MAX)
        return (in_range & (first < last)) | (in_range & parts[1].isna())

    return pa.Check(check, name="a year or span of years, e.g. 1989 or 1989-1993")


# --- frame-wide (row) checks ---------------------------------------------------------------

RowRule = Callable[[pd.DataFrame], pd.Series]


def _row_check(rule: RowRule, *, name: str, column: str, needs: Iterable[str]) -> pa.Check:
    """Wrap a rule over whole rows as a frame-wide check reported under ``column``.

    The rule is skipped when a column it needs is missing (the header check reports that).
    """
    needed = frozenset(needs) | {column}

    def check(frame: pd.DataFrame) -> pd.Series:
        if not needed.issubset(frame.columns):
            return pd.Series(data=True, index=frame.index, dtype=bool)
        return rule(frame).astype(bool)

    return pa.Check(check, name=name, statistics={schemas.REPORT_COLUMN: column})


def _listed(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _unique_rows(*keys: str) -> pa.Check:
    def rule(frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(list(keys), keep="first")

    return _row_check(rule, name=f"one row per {_listed(keys)}", column=keys[0], needs=keys)


def _years_ascending_within(*groups: str) -> pa.Check:
    def rule(frame: pd.DataFrame) -> pd.Series:
        step = frame.groupby(list(groups), sort=False, dropna=False)["year"].diff()
        return ~(step < 0)

    name = f"years in ascending order within each {_listed(groups)}"
    return _row_check(rule, name=name, column="year", needs=groups)


def _no_missing_year_within(*groups: str) -> pa.Check:
    def rule(frame: pd.DataFrame) -> pd.Series:
        step = frame.groupby(list(groups), sort=False, dropna=False)["year"].diff()
        return ~(step > 1)

    name = f"no missing year before this one within each {_listed(groups)}"
    return _row_check(rule, name=name, column="year", needs=groups)


def _bounds_per_unit(bounds: Mapping[str, tuple[float, float]]) -> pa.Check:
    """``value`` lies within the bounds of the row's ``unit`` (unknown units are left alone)."""

    def rule(frame: pd.DataFrame) -> pd.Series:
        lower = frame["unit"].map({unit: low for unit, (low, _) in bounds.items()})
        upper = frame["unit"].map({unit: high for unit, (_, high) in bounds.items()})
        value = frame["value"]
        inside = (value >= lower) & (value <= upper)
        return value.isna() | lower.isna() | inside

    limits = "; ".join(f"{unit} {low:g} to {high:g}" for unit, (low, high) in bounds.items())
    return _row_check(
        rule, name=f"value within the bounds of its unit ({limits})", column="value", needs=["unit"]
    )


def _period_start() -> pa.Check:
    """``date`` opens the row's period: 1 January for years, a quarter's first month."""

    def rule(frame: pd.DataFrame) -> pd.Series:
        period = frame["period_type"].fillna("")
        dates = frame["date"]
        yearly = period.str.startswith(("year", "partial_year", "multi_year")).astype(bool)
        quarterly = period.str.startswith("quarter").astype(bool)
        january = dates.dt.month == 1
        quarter_start = dates.dt.month.isin([1, 4, 7, 10])
        return dates.isna() | ((~yearly | january) & (~quarterly | quarter_start))

    name = "date opens its period_type (1 January for a year, a quarter's first month)"
    return _row_check(rule, name=name, column="date", needs=["period_type"])


def _year_matches_date() -> pa.Check:
    def rule(frame: pd.DataFrame) -> pd.Series:
        years, dates = frame["year"], frame["date"]
        return years.isna() | dates.isna() | (years == dates.dt.year)

    return _row_check(rule, name="year equals the year of date", column="year", needs=["date"])


def _ends_after_start() -> pa.Check:
    def rule(frame: pd.DataFrame) -> pd.Series:
        start, end = frame["start_date"], frame["end_date"]
        return start.isna() | end.isna() | (end >= start)

    return _row_check(
        rule, name="end_date not before start_date", column="end_date", needs=["start_date"]
    )


def _country_within_world() -> pa.Check:
    """Refuse a country value above the World value of the same year and variable."""

    def rule(frame: pd.DataFrame) -> pd.Series:
        keys = ["year", "variable"]
        world = frame.loc[frame["country"] == "World", [*keys, "kbd"]]
        world = world.drop_duplicates(subset=keys).rename(columns={"kbd": "world_kbd"})
        matched = frame[keys].merge(world, on=keys, how="left")["world_kbd"].to_numpy()
        world_kbd = pd.Series(matched, index=frame.index, dtype="float64")
        kbd = frame["kbd"]
        return kbd.isna() | world_kbd.isna() | (kbd <= world_kbd)

    return _row_check(
        rule,
        name="country value not above the World value of its year and variable",
        column="kbd",
        needs=["year", "variable", "country"],
    )


def _implied_response_consistent() -> pa.Check:
    """Require implied = 1 / (supply - demand elasticity), to rounding (1 % or 0.005)."""
    supply, demand = "short_run_supply_elasticity", "short_run_demand_elasticity"
    implied = "implied_price_pct_per_1pct_supply_loss"

    def rule(frame: pd.DataFrame) -> pd.Series:
        expected = 1.0 / (frame[supply] - frame[demand])
        close = np.isclose(frame[implied], expected, rtol=0.01, atol=0.005)
        missing = frame[[supply, demand, implied]].isna().any(axis=1)
        return missing | pd.Series(close, index=frame.index)

    return _row_check(
        rule,
        name="implied response equals 1 / (supply - demand elasticity)",
        column=implied,
        needs=[supply, demand],
    )


def _non_empty() -> pa.Check:
    return pa.Check(lambda frame: len(frame) > 0, name="at least one row")


def _table(name: str, columns: dict[str, pa.Column], *checks: pa.Check) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        columns, checks=[_non_empty(), *checks], name=name, strict=True, ordered=False
    )


# --- the tables ----------------------------------------------------------------------------


def _gdp() -> pa.DataFrameSchema:
    return _table(
        "cuba_real_gdp_growth_annual",
        {
            "year": _year(_unique("year"), _ascending("years"), _no_missing_year()),
            "real_gdp_growth_pct": _number(-50, 50, "%"),
            "source": _source(),
        },
    )


def _prices() -> pa.DataFrameSchema:
    return _table(
        "brent_wti_annual_average_usd",
        {
            "year": _year(),
            "benchmark": _category({"Brent", "WTI"}),
            "usd_per_bbl": _number(0, 500, "US$/bbl", include_lower=False),
            "source": _source(),
        },
        _unique_rows("year", "benchmark"),
        _years_ascending_within("benchmark"),
        _no_missing_year_within("benchmark"),
    )


def _production() -> pa.DataFrameSchema:
    return _table(
        "oil_production_consumption_annual_kbd",
        {
            "year": _year(),
            "country": _category({"Venezuela", "World"}),
            "variable": _category({"oil_consumption", "oil_production_total_liquids"}),
            "kbd": _number(0, 200_000, "kb/d"),
            "source": _source(),
        },
        _unique_rows("year", "country", "variable"),
        _years_ascending_within("country", "variable"),
        _no_missing_year_within("country", "variable"),
        _country_within_world(),
    )


def _shipments() -> pa.DataFrameSchema:
    return _table(
        "venezuela_to_cuba_oil_shipments",
        {
            "date": _date(_month_start(), _ascending("dates")),
            "period_type": _category(
                {
                    "agreement",
                    "month",
                    "multi_year_approx",
                    "partial_month_first_half",
                    "partial_year_jan_aug",
                    "year",
                }
            ),
            "value_bpd": _number(0, 500_000, "b/d"),
            "products": _text(),
            "estimate_type": _category(
                {
                    "agreed_volume_not_actual",
                    "annual_average",
                    "annual_estimate_conservative",
                    "approximate_level_2006_2015",
                    "monthly_average",
                    "monthly_average_approx",
                    "partial_month_average",
                    "year_to_date_average",
                }
            ),
            "original_reporter": _source(),
            "source_url": _url(),
            "note": _text(nullable=True),
        },
        _unique_rows("date", "period_type", "original_reporter"),
        _period_start(),
    )


def _oil_balance() -> pa.DataFrameSchema:
    return _table(
        "cuba_oil_balance_estimates",
        {
            "date": _date(_month_start()),
            "period_type": _category({"partial_year_jan_sep", "point", "year_approx"}),
            "variable": _identifier(),
            "value": pa.Column("float64", nullable=False),
            "unit": _category({"barrels per day", "percent"}),
            "source_attribution": _source(),
            "source_url": _url(),
            "note": _text(nullable=True),
        },
        _unique_rows("date", "variable"),
        _period_start(),
        _bounds_per_unit({"barrels per day": (0, 500_000), "percent": (0, 100)}),
    )


def _electricity() -> pa.DataFrameSchema:
    return _table(
        "cuba_electricity_generation_onei",
        {
            "date": _date(_year_start(), _ascending("dates")),
            "year": _year(),
            "variable": _identifier(),
            "value": pa.Column("float64", nullable=False),
            "unit": _category({"GWh", "percent"}),
            "source_attribution": _source(),
            "source_url": _url(),
            "note": _text(nullable=True),
        },
        _unique_rows("year", "variable"),
        _year_matches_date(),
        _bounds_per_unit({"GWh": (0, 100_000), "percent": (0, 100)}),
    )


def _opec_production() -> pa.DataFrameSchema:
    return _table(
        "venezuela_crude_production_opec_reports",
        {
            "date": _date(_month_start(), _ascending("dates")),
            "period_type": _category({"month", "partial_year_jan_nov", "quarter", "year"}),
            "value_kbd": _number(0, 5_000, "kb/d"),
            "opec_source_type": _category(
                {
                    "approximate_reuters",
                    "direct_communication",
                    "pdvsa_results",
                    "secondary_sources",
                    "unspecified",
                    "unspecified_likely_direct_communication",
                }
            ),
            "source_url": _url(),  # the only source column: required
            "note": _text(nullable=True),
        },
        _unique_rows("date", "period_type", "opec_source_type"),
        _period_start(),
    )


def _exports() -> pa.DataFrameSchema:
    return _table(
        "venezuela_oil_exports",
        {
            "date": _date(_month_start(), _ascending("dates")),
            "period_type": _category({"month", "year"}),
            "value_bpd": _number(0, 5_000_000, "b/d"),
            "coverage": _category(EXPORT_COVERAGE),
            "source_attribution": _source(),
            "source_url": _url(),
            "note": _text(nullable=True),
        },
        _unique_rows("date", "period_type"),
        _period_start(),
    )


def _spare_capacity() -> pa.DataFrameSchema:
    return _table(
        "opec_spare_capacity",
        {
            "date": _date(_month_start(), _ascending("dates")),
            "period_type": _category({"month"}),
            "opec_crude_capacity_mbd": _number(0, 60, "mb/d"),
            "opec_crude_production_mbd": _number(0, 60, "mb/d"),
            "opec_spare_capacity_mbd": _number(0, 20, "mb/d"),
            "source": _source(),
            "source_url": _url(),
            "note": _text(nullable=True),
        },
        _unique_rows("date", "period_type"),
        _spare_is_difference(),
    )


def _spare_is_difference() -> pa.Check:
    """Require spare = capacity - production, to rounding (0.01 mb/d)."""
    capacity, production = "opec_crude_capacity_mbd", "opec_crude_production_mbd"
    spare = "opec_spare_capacity_mbd"

    def rule(frame: pd.DataFrame) -> pd.Series:
        close = np.isclose(frame[spare], frame[capacity] - frame[production], atol=0.01)
        missing = frame[[capacity, production, spare]].isna().any(axis=1)
        return missing | pd.Series(close, index=frame.index)

    return _row_check(
        rule,
        name="spare capacity equals capacity minus production",
        column=spare,
        needs=[capacity, production],
    )


def _episodes() -> pa.DataFrameSchema:
    return _table(
        "oil_supply_disruption_episodes",
        {
            "start_date": _date(_ascending("start dates")),
            "end_date": _date(nullable=True),
            "episode": pa.Column(str, checks=[_not_blank(), _unique("episode")], nullable=False),
            "gross_peak_supply_loss_mbd": _number(
                0, 30, "mb/d", include_lower=False, nullable=True
            ),
            "magnitude_basis": _text(),
            "source": _source(),
            "source_url": _url(nullable=True),
            "note": _text(nullable=True),
        },
        _ends_after_start(),
    )


def _special_period() -> pa.DataFrameSchema:
    return _table(
        "cuba_special_period_1989_1993",
        {
            "variable": _identifier(),
            "period": pa.Column(str, checks=[_year_span()], nullable=False),
            "value": pa.Column("float64", nullable=False),
            "unit": _category({"million tonnes per year", "percent"}),
            "source": _source(),
            "source_url": _url(),
            "note": _text(nullable=True),
        },
        _unique_rows("variable", "period"),
        # percent rows are changes over the period: never below -100 %
        _bounds_per_unit({"million tonnes per year": (0, 100), "percent": (-100, 1_000)}),
    )


def _elasticities() -> pa.DataFrameSchema:
    return _table(
        "oil_market_elasticities",
        {
            "study": pa.Column(str, checks=[_not_blank(), _unique("study")], nullable=False),
            "short_run_supply_elasticity": _number(0, 2, "(supply rises with price)"),
            "short_run_demand_elasticity": pa.Column(
                "float64",
                checks=[
                    pa.Check.in_range(
                        -2, 0, include_max=False, error="within [-2, 0) (demand falls with price)"
                    )
                ],
                nullable=False,
            ),
            "implied_price_pct_per_1pct_supply_loss": _number(
                0, 100, "% per 1 % supply loss", include_lower=False
            ),
            "source": _source(),
        },
        _implied_response_consistent(),
    )


SCHEMAS: Mapping[FactName, pa.DataFrameSchema] = MappingProxyType(
    {
        "brent_wti_annual_average_usd": _prices(),
        "cuba_electricity_generation_onei": _electricity(),
        "cuba_oil_balance_estimates": _oil_balance(),
        "cuba_real_gdp_growth_annual": _gdp(),
        "cuba_special_period_1989_1993": _special_period(),
        "oil_market_elasticities": _elasticities(),
        "oil_production_consumption_annual_kbd": _production(),
        "oil_supply_disruption_episodes": _episodes(),
        "venezuela_crude_production_opec_reports": _opec_production(),
        "venezuela_oil_exports": _exports(),
        "opec_spare_capacity": _spare_capacity(),
        "venezuela_to_cuba_oil_shipments": _shipments(),
    }
)
"""The pandera schema of every fact table, by name (read-only)."""


# --- reading -------------------------------------------------------------------------------


def available() -> list[str]:
    """Return the names of the fact tables that ship with forecast.

    Returns
    -------
    list of str
        Table names (the CSV file stems), sorted.

    Examples
    --------
    >>> "oil_market_elasticities" in available()
    True
    """
    return sorted(_NAMES)


def _check_name(name: object) -> FactName:
    if isinstance(name, str) and name in _NAMES:
        return name  # type: ignore[return-value]
    close = difflib.get_close_matches(str(name), _NAMES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ForecastError(UNKNOWN_TABLE.format(name=name, hint=hint, names=", ".join(available())))


def load(name: FactName) -> pd.DataFrame:
    """Read a fact table that ships with forecast, validated against its schema.

    The table is read and checked once per process; each call returns a fresh copy, so a
    caller may change it freely.

    Parameters
    ----------
    name
        The table, e.g. ``"cuba_real_gdp_growth_annual"``; see :func:`available`.

    Returns
    -------
    pandas.DataFrame
        The table's columns in file order, typed, with a ``RangeIndex``.

    Raises
    ------
    ForecastError
        If ``name`` is not a fact table; the message lists the tables.
    DataSourceError
        If the shipped file is missing or cannot be read.
    DataValidationError
        If the shipped file fails its schema.

    Examples
    --------
    >>> from forecast import facts
    >>> prices = facts.load("brent_wti_annual_average_usd")
    >>> sorted(prices["benchmark"].unique())
    ['Brent', 'WTI']
    """
    return _load_bundled(_check_name(name)).copy(deep=True)


@cache
def _load_bundled(name: FactName) -> pd.DataFrame:
    try:
        folder = bundled_dir("facts")
    except FileNotFoundError as exc:
        raise DataSourceError(FOLDER_MISSING.format(reason=exc)) from exc
    return read_fact_file(folder / f"{name}.csv", name)


# Months a row's figure covers, counted from its ``date`` (the period's first day), by the
# table's ``period_type``: a row is known once its period has ended. ``point`` and
# ``agreement`` rows are known on their date; ``multi_year_approx`` is the 2006-2015 level.
_PERIOD_MONTHS: Mapping[str, int] = MappingProxyType(
    {
        "month": 1,
        "partial_month_first_half": 1,
        "quarter": 3,
        "year": 12,
        "year_approx": 12,
        "partial_year_jan_aug": 8,
        "partial_year_jan_sep": 9,
        "partial_year_jan_nov": 11,
        "multi_year_approx": 120,
        "point": 0,
        "agreement": 0,
    }
)
UNKNOWN_PERIOD = "{name}: period_type {kind!r} has no known length; cannot cut it at {as_of}"


def known_at(name: FactName, frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the rows of fact table ``name`` whose period had ended by the end of ``as_of``.

    A historical replay as of a month sees only what had been observed by then: a monthly
    figure from its month on, an annual one (a ``year`` column, or a ``date`` with an annual
    ``period_type``) once its year has ended, a partial-year figure once its last month has
    ended, a point estimate from its date. Publication lags are not modelled. Tables without
    a date (literature elasticities, the 1989-1993 Special Period) are kept whole; so are
    disruption episodes that began by then (their end dates are part of the record).

    Parameters
    ----------
    name
        The table (see :func:`available`).
    frame
        The table as :func:`load` returns it.
    as_of
        The as-of month (its first day).

    Returns
    -------
    pandas.DataFrame
        The rows known at the end of the as-of month, with a fresh index.

    Examples
    --------
    >>> import pandas as pd
    >>> gdp = known_at("cuba_real_gdp_growth_annual", load("cuba_real_gdp_growth_annual"),
    ...                pd.Timestamp("2020-06-01"))
    >>> int(gdp["year"].max())
    2019
    """
    month_end = as_of + pd.offsets.MonthEnd(0)
    if "start_date" in frame:
        keep = frame["start_date"] <= month_end
    elif "period_type" in frame:
        kinds = set(frame["period_type"])
        unknown = sorted(kinds - set(_PERIOD_MONTHS))
        if unknown:
            raise ForecastError(UNKNOWN_PERIOD.format(name=name, kind=unknown[0], as_of=as_of))
        months = frame["period_type"].map(_PERIOD_MONTHS).astype(int)
        ends = [
            date + pd.DateOffset(months=n) - pd.Timedelta(days=1) if n else date
            for date, n in zip(frame["date"], months, strict=True)
        ]
        keep = pd.Series(ends, index=frame.index) <= month_end
    elif "year" in frame:
        keep = frame["year"] < as_of.year + (as_of.month == 12)
    elif "date" in frame:
        keep = frame["date"] <= month_end
    else:
        return frame.reset_index(drop=True)
    return frame[keep].reset_index(drop=True)


def read_fact_file(path: str | os.PathLike[str], name: FactName) -> pd.DataFrame:
    """Read a CSV copy of fact table ``name`` and validate it against that table's schema.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma separated, a header line, quotes where a cell has commas).
    name
        Which table the file holds; its schema is applied.

    Returns
    -------
    pandas.DataFrame
        The table's columns in file order, typed, with a ``RangeIndex``.

    Raises
    ------
    ForecastError
        If ``name`` is not a fact table.
    DataSourceError
        If the file is missing, unreadable, not UTF-8 text or not valid CSV.
    DataValidationError
        Naming the file, the lines and every failed check (a missing or unexpected column,
        a cell that does not parse, a value out of bounds, a duplicate or unsorted row...).

    Examples
    --------
    >>> from forecast import facts
    >>> from forecast._paths import bundled_dir
    >>> path = bundled_dir("facts") / "oil_market_elasticities.csv"
    >>> len(facts.read_fact_file(path, "oil_market_elasticities"))
    3
    """
    table = _check_name(name)
    schema = SCHEMAS[table]
    source = Path(path)
    header_line, header, records = _read_records(source)
    raw = _RawTable.build(schema, header_line, header, records)
    frame, parse_failures, degraded = _parse(schema, raw)
    used = schema.remove_columns(raw.missing) if raw.missing else schema
    failures = raw.failures + parse_failures
    extra = schemas.failure_frame(failures) if failures else None
    origin = str(source)
    try:
        checked = schemas.validate(
            used, frame, origin=origin, row_label="line", extra_failures=extra
        )
    except DataValidationError as exc:
        _raise_tidied(exc, degraded, origin=origin)
        raise
    return checked.reset_index(drop=True)


def _read_records(path: Path) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """Return the header's line, the header and ``(line, fields)`` of every non-blank row."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(CANNOT_READ.format(path=path, reason=exc)) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (undecodable byte on line {line})"
        raise DataSourceError(CANNOT_READ.format(path=path, reason=reason)) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header_line, header = 1, list[str]()
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if fields and not header:
                header_line, header = start, fields
            elif fields:
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = f"not valid CSV at line {reader.line_num}: {exc}"
        raise DataSourceError(CANNOT_READ.format(path=path, reason=reason)) from exc
    return header_line, header, records


@dataclass(frozen=True, slots=True)
class _RawTable:
    """The cells of a CSV file as text, by column, and what is wrong with its layout.

    A row with the wrong number of fields is reported and kept as a row of empty cells, so
    that its neighbours are not blamed for a gap; ``ragged`` holds its line.
    """

    lines: list[int]
    cells: dict[str, list[str | None]]
    missing: list[str]
    ragged: set[int]
    failures: list[dict[str, Any]]

    @classmethod
    def build(
        cls,
        schema: pa.DataFrameSchema,
        header_line: int,
        header: list[str],
        records: list[tuple[int, list[str]]],
    ) -> _RawTable:
        failures: list[dict[str, Any]] = []
        positions: dict[str, int] = {}
        seen: set[str] = set()
        for position, column in enumerate(header):
            if column in seen:
                failures.append(_failure(header_line, column, _DUPLICATE_COLUMN, column))
            elif column in schema.columns:
                positions[column] = position
            else:
                failures.append(_failure(header_line, column, _UNEXPECTED_COLUMN, column))
            seen.add(column)
        missing = [column for column in schema.columns if column not in positions]
        failures.extend(_failure(header_line, c, _REQUIRED_COLUMN, None) for c in missing)
        lines: list[int] = []
        ragged: set[int] = set()
        cells: dict[str, list[str | None]] = {column: [] for column in positions}
        for line, fields in records:
            lines.append(line)
            if len(fields) != len(header):
                check = f"{_FIELD_COUNT} ({len(header)})"
                failures.append(_failure(line, None, check, f"{len(fields)} fields"))
                ragged.add(line)
                fields = [""] * len(header)  # noqa: PLW2901 - reported, kept as empty cells
            for column, position in positions.items():
                cells[column].append(fields[position] or None)
        return cls(lines, cells, missing, ragged, failures)


def _failure(row: int | None, column: str | None, check: str, value: object) -> dict[str, Any]:
    return {"row": row, "column": column, "check": check, "value": value}


def _parse(
    schema: pa.DataFrameSchema, raw: _RawTable
) -> tuple[pd.DataFrame, list[dict[str, Any]], set[str]]:
    """Type every column by its schema dtype.

    Returns the frame (indexed by line), the cells that did not parse, those cells as
    ``(line, column)`` and the whole-number columns kept as floats because a cell is empty.
    """
    index = pd.Index(raw.lines, dtype="int64", name="line")
    columns: dict[str, pd.Series] = {}
    failures: list[dict[str, Any]] = []
    degraded: set[str] = set()
    for column, texts in raw.cells.items():
        kind = str(schema.columns[column].dtype)
        if kind not in _PARSE_CHECKS:
            columns[column] = pd.Series(texts, index=index, dtype="str")
            continue
        values: list[Any] = []
        for line, text in zip(raw.lines, texts, strict=True):
            value = None if text is None else _parse_cell(text.strip(), kind)
            if text is not None and value is None:
                failures.append(_failure(line, column, _PARSE_CHECKS[kind], text))
            values.append(value)
        if kind == "int64" and any(value is None for value in values):
            kind = "float64"  # an empty or bad cell: reported, kept as NaN meanwhile
            degraded.add(column)
        columns[column] = pd.Series(values, index=index, dtype=kind)
    return pd.DataFrame(columns, index=index), failures, degraded


def _parse_cell(text: str, kind: str) -> int | float | dt.datetime | None:
    """Return the cell as a value of ``kind``, or ``None`` if it does not parse."""
    if not _CELL_PATTERNS[kind].fullmatch(text):
        return None
    if kind == "int64":
        return int(text)
    if kind == "float64":
        return float(text)
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")  # noqa: DTZ007 - dates are naive
    except ValueError:
        return None


def _raise_tidied(exc: DataValidationError, degraded: set[str], *, origin: str) -> None:
    """Re-raise ``exc`` without the type failures of columns a bad cell degraded.

    A whole-number column with an empty or unparseable cell is parsed as float meanwhile; that
    cell is already reported by line, so the column's type failure would only echo it.
    ``schemas.validate`` has already dropped the other echoes (frame-wide checks once per row,
    cells reported as unparseable). Return if there is nothing to drop.
    """
    cases = exc.failure_cases
    if cases is None or not degraded:
        return
    echo = cases["column"].isin(degraded) & cases["check"].astype(str).str.startswith(
        "column has type"
    )
    if not echo.any() or echo.all():
        return
    try:
        schemas.raise_failures(cases[~echo], origin=origin, row_label="line")
    except DataValidationError as tidied:
        raise tidied from exc
