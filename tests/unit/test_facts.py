"""Tests for forecast.facts: the shipped fact tables load, and malformed copies are refused."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import pandas as pd
import pytest

from forecast import facts
from forecast._paths import bundled_dir
from forecast.errors import DataSourceError, DataValidationError, ForecastError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

FACTS_DIR = bundled_dir("facts")
GDP = "cuba_real_gdp_growth_annual"
PRICES = "brent_wti_annual_average_usd"
SHIPMENTS = "venezuela_to_cuba_oil_shipments"
ELASTICITIES = "oil_market_elasticities"
SOURCE_COLUMNS = ("source", "source_attribution", "original_reporter", "source_url")


def shipped_text(name: str) -> str:
    return (FACTS_DIR / f"{name}.csv").read_text(encoding="utf-8")


def line_of(text: str, start: str) -> int:
    """Return the 1-based line of the only line of ``text`` that starts with ``start``."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start)]
    assert len(lines) == 1, f"{start!r} found on lines {lines}"
    return lines[0]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def write_copy(tmp_path: Path, name: str, edit: Callable[[str], str]) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(edit(shipped_text(name)), encoding="utf-8")
    return path


def failure_pattern(path: Path, line: int, check: str) -> str:
    """Regex: the message names the file, then the line and the failed check."""
    return rf"(?s)^{re.escape(str(path))}: .*line {line}\b[^\n]*{re.escape(check)}"


# --- the shipped tables -----------------------------------------------------------------


def test_available_lists_every_shipped_table_and_schema() -> None:
    names = facts.available()
    assert names == sorted(names)
    assert set(names) == {path.stem for path in FACTS_DIR.glob("*.csv")}
    assert set(names) == set(facts.SCHEMAS) == set(get_args(facts.FactName))


@pytest.mark.parametrize("name", facts.available())
def test_every_table_loads_and_passes_its_schema(name: facts.FactName) -> None:
    frame = facts.load(name)
    assert len(frame) > 0
    assert isinstance(frame.index, pd.RangeIndex)
    assert frame.index[0] == 0
    assert list(frame.columns) == shipped_text(name).splitlines()[0].split(",")
    facts.SCHEMAS[name].validate(frame)  # the returned frame passes on its own too
    sources = [column for column in SOURCE_COLUMNS if column in frame.columns]
    assert sources, "every table keeps a source column"
    assert frame[sources].notna().any(axis=1).all(), "every row names its source"


@pytest.mark.parametrize("name", facts.available())
def test_columns_are_typed_by_kind(name: facts.FactName) -> None:
    frame = facts.load(name)
    for column in frame.columns:
        series = frame[column]
        if column == "year":
            assert series.dtype == np.dtype("int64")
        elif "date" in column:
            assert series.dtype == np.dtype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(series):
            assert series.dtype == np.dtype("float64"), column
        else:
            assert pd.api.types.is_string_dtype(series), column


def test_gdp_has_one_row_per_year_from_1971_to_2024() -> None:
    gdp = facts.load(GDP)
    assert gdp["year"].dtype == np.dtype("int64")
    assert gdp["year"].tolist() == list(range(1971, 2025))
    assert gdp["real_gdp_growth_pct"].dtype == np.dtype("float64")
    assert gdp["real_gdp_growth_pct"].between(-50, 50).all()
    special_period = gdp.set_index("year").loc[1991:1993, "real_gdp_growth_pct"]
    assert (special_period < 0).all()


def test_prices_have_one_row_per_year_and_benchmark() -> None:
    prices = facts.load(PRICES)
    assert set(prices["benchmark"]) == {"Brent", "WTI"}
    assert not prices.duplicated(["year", "benchmark"]).any()
    assert prices["usd_per_bbl"].between(0, 500, inclusive="right").all()


def test_elasticities_give_implied_responses_between_2_and_4_2() -> None:
    table = facts.load(ELASTICITIES)
    implied = table["implied_price_pct_per_1pct_supply_loss"]
    assert implied.between(2.0, 4.2).all()
    supply = table["short_run_supply_elasticity"]
    demand = table["short_run_demand_elasticity"]
    assert (supply >= 0).all()
    assert (demand < 0).all()
    np.testing.assert_allclose(implied, 1 / (supply - demand), rtol=0.01)


def test_shipments_keep_dates_categories_and_empty_notes() -> None:
    shipments = facts.load(SHIPMENTS)
    assert shipments["date"].is_monotonic_increasing
    assert (shipments["date"].dt.day == 1).all()
    assert "annual_average" in set(shipments["estimate_type"])
    assert shipments["note"].isna().any()  # an empty note stays missing, not ""
    assert shipments["value_bpd"].between(0, 500_000).all()


def test_load_returns_a_copy() -> None:
    first = facts.load(GDP)
    first.loc[0, "real_gdp_growth_pct"] = 999.0
    first["extra"] = 1
    again = facts.load(GDP)
    assert again.loc[0, "real_gdp_growth_pct"] == pytest.approx(8.58)
    assert "extra" not in again.columns
    assert again is not facts.load(GDP)


def test_load_equals_reading_the_shipped_file() -> None:
    pd.testing.assert_frame_equal(
        facts.load(PRICES), facts.read_fact_file(FACTS_DIR / f"{PRICES}.csv", PRICES)
    )


# --- unknown names and unreadable files ---------------------------------------------------


def test_unknown_name_lists_the_tables() -> None:
    name: Any = "cuba_gdp"  # not a FactName: a type checker would refuse it
    with pytest.raises(ForecastError, match=r"unknown fact table 'cuba_gdp'.*oil_market"):
        facts.load(name)


def test_close_name_gets_a_hint() -> None:
    name: Any = "venezuela_oil_export"
    with pytest.raises(ForecastError, match=r"did you mean 'venezuela_oil_exports'\?"):
        facts.load(name)


def test_read_fact_file_refuses_an_unknown_name(tmp_path: Path) -> None:
    name: Any = "nope"
    with pytest.raises(ForecastError, match="unknown fact table"):
        facts.read_fact_file(tmp_path / "x.csv", name)


def test_missing_file_is_a_data_source_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(DataSourceError, match=re.escape(str(path))):
        facts.read_fact_file(path, GDP)


def test_non_utf8_file_is_a_data_source_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"year,real_gdp_growth_pct,source\n1971,8.58,Banco Central \xe9\n")
    with pytest.raises(DataSourceError, match=r"not UTF-8 text \(undecodable byte on line 2\)"):
        facts.read_fact_file(path, GDP)


def test_unclosed_quote_is_a_data_source_error(tmp_path: Path) -> None:
    path = write_copy(tmp_path, SHIPMENTS, lambda t: t.replace('"crude, gas', '"crude; gas"x'))
    with pytest.raises(DataSourceError, match=rf"{re.escape(str(path))}: not valid CSV at line"):
        facts.read_fact_file(path, SHIPMENTS)


# --- malformed copies: the message names the file, the line and the check ------------------


def gdp_row(year: int) -> str:
    return next(line for line in shipped_text(GDP).splitlines() if line.startswith(f"{year},"))


def set_cell(text: str, row_start: str, column: str, value: str) -> str:
    """Return ``text`` with one cell changed: the row starting with ``row_start``, ``column``."""
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    number = line_of(text, row_start)
    fields = next(csv.reader([lines[number - 1]]))
    fields[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    lines[number - 1] = out.getvalue()
    return "".join(lines)


# case: (table, start of the row to edit, column, new cell, the check that fails)
BAD_CELLS: dict[str, tuple[facts.FactName, str, str, str, str]] = {
    "duplicate year": (GDP, "1992,", "year", "1991", "one row per year"),
    "non-numeric value": (
        GDP,
        "1992,",
        "real_gdp_growth_pct",
        "-11.58%",
        "column 'real_gdp_growth_pct': failed 'a number' (got '-11.58%')",
    ),
    "non-integer year": (GDP, "1992,", "year", "1992.5", "failed 'a whole number'"),
    "missing source": (GDP, "1992,", "source", "", "column 'source': failed 'no empty values'"),
    "blank source": (GDP, "1992,", "source", "   ", "column 'source': failed 'not blank'"),
    "growth out of range": (
        GDP,
        "1992,",
        "real_gdp_growth_pct",
        "-1158",
        "within [-50, 50] %",
    ),
    "duplicate year and benchmark": (
        PRICES,
        "1991,Brent,",
        "year",
        "1990",
        "column 'year': failed 'one row per year and benchmark'",
    ),
    "price in cents": (PRICES, "2011,Brent,", "usd_per_bbl", "11126", "within (0, 500] US$/bbl"),
    "unknown benchmark": (PRICES, "2024,WTI,", "benchmark", "Dubai", "one of: Brent, WTI"),
    "negative shipment": (
        SHIPMENTS,
        "2024-09-01,",
        "value_bpd",
        "-22000",
        "within [0, 500000] b/d",
    ),
    "impossible date": (
        SHIPMENTS,
        "2024-09-01,",
        "date",
        "2024-09-31",
        "failed 'a date written YYYY-MM-DD' (got '2024-09-31')",
    ),
    "annual figure not dated 1 January": (
        SHIPMENTS,
        "2024-01-01,year,",
        "date",
        "2024-06-01",
        "date opens its period_type",
    ),
    "unknown estimate type": (
        SHIPMENTS,
        "2024-02-01,",
        "estimate_type",
        "guess",
        "column 'estimate_type': failed 'one of:",
    ),
    "missing reporter": (
        SHIPMENTS,
        "2025-01-01,",
        "original_reporter",
        "",
        "column 'original_reporter': failed 'no empty values'",
    ),
    "bad web address": (
        SHIPMENTS,
        "2025-01-01,",
        "source_url",
        "latin-american.news",
        "a web address",
    ),
    "demand elasticity with the wrong sign": (
        ELASTICITIES,
        "Kilian",
        "short_run_demand_elasticity",
        "0.26",
        "demand falls with price",
    ),
    "implied response inconsistent": (
        ELASTICITIES,
        "Caldara",
        "implied_price_pct_per_1pct_supply_loss",
        "41.7",
        "implied response equals 1 / (supply - demand elasticity)",
    ),
}


@pytest.mark.parametrize("case", BAD_CELLS)
def test_a_bad_cell_is_refused_naming_file_and_line(tmp_path: Path, case: str) -> None:
    name, row_start, column, value, check = BAD_CELLS[case]
    line = line_of(shipped_text(name), row_start)
    path = write_copy(tmp_path, name, lambda t: set_cell(t, row_start, column, value))
    with pytest.raises(DataValidationError, match=failure_pattern(path, line, check)) as info:
        facts.read_fact_file(path, name)
    cases = info.value.failure_cases
    assert cases is not None
    assert line in set(cases["row"])


# case: (edit of the GDP table, start of the line that is wrong after the edit, check)
BAD_LAYOUTS: dict[str, tuple[Callable[[str], str], str, str]] = {
    "year out of order": (
        lambda t: replace_once(t, gdp_row(1993) + "\n", "").replace(
            gdp_row(1992), gdp_row(1993) + "\n" + gdp_row(1992)
        ),
        "1992,",
        "years in ascending order",
    ),
    "missing year": (
        lambda t: replace_once(t, gdp_row(1992) + "\n", ""),
        "1993,",
        "no missing year before this one",
    ),
    "missing column": (
        lambda t: "\n".join(line.rsplit(",", 1)[0] for line in t.splitlines()),
        "year,",
        "column 'source': failed 'required column present'",
    ),
    "unexpected column": (
        lambda t: "\n".join(f"{line},x" for line in t.splitlines()),
        "year,",
        "column 'x': failed 'no unexpected columns'",
    ),
    "a row with an extra field": (
        lambda t: replace_once(t, gdp_row(1992), gdp_row(1992) + ",extra"),
        "1992,",
        "failed 'as many fields as the header (3)' (got '4 fields')",
    ),
}


@pytest.mark.parametrize("case", BAD_LAYOUTS)
def test_a_bad_layout_is_refused_naming_file_and_line(tmp_path: Path, case: str) -> None:
    edit, wrong_line_start, check = BAD_LAYOUTS[case]
    path = write_copy(tmp_path, GDP, edit)
    line = line_of(path.read_text(encoding="utf-8"), wrong_line_start)
    with pytest.raises(DataValidationError, match=failure_pattern(path, line, check)):
        facts.read_fact_file(path, GDP)


def test_each_problem_is_listed_once(tmp_path: Path) -> None:
    path = write_copy(
        tmp_path, PRICES, lambda t: replace_once(t, "1991,Brent,20.04,", "1990,Brent,oops,")
    )
    line = line_of(path.read_text(encoding="utf-8"), "1990,Brent,oops")
    with pytest.raises(DataValidationError) as info:
        facts.read_fact_file(path, PRICES)
    cases = info.value.failure_cases
    assert cases is not None
    at_line = cases[cases["row"] == line]
    assert sorted(zip(at_line["column"], at_line["check"], strict=True)) == [
        ("usd_per_bbl", "a number"),
        ("year", "one row per year and benchmark"),
    ]
    assert f"{len(cases)} problem(s) found" in str(info.value)


def test_an_empty_year_is_reported_once_without_blaming_the_next_row(tmp_path: Path) -> None:
    path = write_copy(tmp_path, GDP, lambda t: replace_once(t, "1992,-11.58,", ",-11.58,"))
    line = line_of(path.read_text(encoding="utf-8"), ",-11.58,")
    with pytest.raises(DataValidationError) as info:
        facts.read_fact_file(path, GDP)
    cases = info.value.failure_cases
    assert cases is not None
    assert cases[["row", "column", "check"]].to_dict("records") == [
        {"row": line, "column": "year", "check": "no empty values"}
    ]


def test_line_numbers_count_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    header = shipped_text(ELASTICITIES).splitlines()[0]
    path = tmp_path / "elasticities.csv"
    path.write_text(
        f'{header}\n\n"Study A\n(two lines)",0.1,-0.2,3.33,src\nStudy B,0.1,-0.2,9.0,src\n',
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError, match=failure_pattern(path, 5, "implied response")):
        facts.read_fact_file(path, ELASTICITIES)


def test_header_only_file_is_refused(tmp_path: Path) -> None:
    path = write_copy(tmp_path, GDP, lambda t: t.splitlines()[0] + "\n")
    with pytest.raises(DataValidationError, match="at least one row"):
        facts.read_fact_file(path, GDP)


def test_a_valid_copy_reads_like_the_shipped_table(tmp_path: Path) -> None:
    path = write_copy(tmp_path, SHIPMENTS, lambda t: t.replace("\n", "\r\n"))
    pd.testing.assert_frame_equal(facts.read_fact_file(path, SHIPMENTS), facts.load(SHIPMENTS))


def test_export_volume_rules_at_2025_11() -> None:
    import pandas as pd

    from forecast.engine import export_volume

    exports = facts.load("venezuela_oil_exports")
    assert set(exports["coverage"]) <= {"crude", "crude and products"}
    assert exports["date"].max() <= pd.Timestamp("2025-11-30")
    products = export_volume(exports, pd.Timestamp("2025-11-01"), "crude_and_products")
    assert products.coverage == "crude_and_products"
    assert "2025-11" in products.rule
    assert 700 < products.kbd < 1000
    crude = export_volume(exports, pd.Timestamp("2025-11-01"), "crude")
    assert crude.rule.startswith("fallback") or crude.coverage == "crude"


def test_opec_spare_capacity_table() -> None:
    spare = facts.load("opec_spare_capacity")
    last = spare.iloc[-1]
    assert str(last["date"].date()) == "2025-06-01"
    assert abs(last["opec_spare_capacity_mbd"] - 3.615) < 1e-9


# --- cut at the as-of month ---------------------------------------------------------------


@pytest.mark.parametrize("name", facts.available())
def test_known_at_keeps_only_periods_ended_by_the_as_of_month(name: str) -> None:
    table = facts.load(name)
    as_of = pd.Timestamp("2022-06-01")
    cut = facts.known_at(name, table, as_of)  # type: ignore[arg-type]
    assert len(cut) <= len(table)
    assert cut.columns.tolist() == table.columns.tolist()
    if "year" in cut and "date" not in cut:
        assert (cut["year"] <= 2021).all()
    if "date" in cut and "period_type" in cut:
        monthly = cut[cut["period_type"] == "month"]
        assert (monthly["date"] <= as_of).all()
        assert not (
            cut["period_type"].isin(["year", "year_approx"]) & (cut["date"].dt.year > 2021)
        ).any()


def test_known_at_cuts_annual_gdp_and_monthly_exports() -> None:
    gdp = facts.load("cuba_real_gdp_growth_annual")
    assert (
        facts.known_at("cuba_real_gdp_growth_annual", gdp, pd.Timestamp("2020-06-01"))["year"].max()
        == 2019
    )
    # a December as-of month has seen the whole year
    assert (
        facts.known_at("cuba_real_gdp_growth_annual", gdp, pd.Timestamp("2020-12-01"))["year"].max()
        == 2020
    )
    exports = facts.load("venezuela_oil_exports")
    cut = facts.known_at("venezuela_oil_exports", exports, pd.Timestamp("2025-03-01"))
    assert cut["date"].max() == pd.Timestamp("2025-03-01")
    # the 2024 annual figure is known in 2025, not in 2024
    in_2024 = facts.known_at("venezuela_oil_exports", exports, pd.Timestamp("2024-11-01"))
    assert not ((in_2024["period_type"] == "year") & (in_2024["date"].dt.year == 2024)).any()
    # a Jan-Sep partial year is known from September's end
    shipments = facts.load("venezuela_to_cuba_oil_shipments")
    late = facts.known_at("venezuela_to_cuba_oil_shipments", shipments, pd.Timestamp("2018-08-01"))
    assert "partial_year_jan_aug" in set(late["period_type"])


def test_known_at_refuses_an_unknown_period_type() -> None:
    exports = facts.load("venezuela_oil_exports")
    exports.loc[0, "period_type"] = "fortnight"
    with pytest.raises(ForecastError, match="fortnight"):
        facts.known_at("venezuela_oil_exports", exports, pd.Timestamp("2025-03-01"))
