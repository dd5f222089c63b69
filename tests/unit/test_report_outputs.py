"""The report's summary, period tables, probabilities, chart files, Markdown and workbook."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.reports import _summary, _tables
from forecast.reports.writer import render_html, write_report
from forecast.results import RunResult
from forecast.store import Store

REPLACEMENT = "cuba_buys_replacement"  # a built-in scenario


@pytest.fixture(scope="module")
def result(synthetic_store: Store) -> RunResult:
    return forecast.run(
        ["venezuela_full_halt", str(REPLACEMENT)], store=synthetic_store, draws=100, seed=2
    )


@pytest.fixture(scope="module")
def report(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(result, out)
    return out


def test_annual_table_equals_a_direct_computation_from_the_draws(result: RunResult) -> None:
    table = _tables.period_table(result, "year")
    model = result.price_model
    row = table[
        (table["scenario"] == "venezuela_full_halt")
        & (table["model"] == model)
        & (table["variable"] == "brent_usd")
        & (table["period"] == "2026")
    ].iloc[0]
    draws = result.raw["draws"]
    months = pd.date_range(
        result.as_of + pd.DateOffset(months=1), periods=result.horizon, freq="MS"
    )
    in_2026 = np.asarray(months.year == 2026)
    scen = draws[("venezuela_full_halt", model, "brent_usd")][:, in_2026].mean(axis=1)
    base = draws[("baseline", model, "brent_usd")][:, in_2026].mean(axis=1)
    assert row["months"] == 12
    assert row["level_mean"] == pytest.approx(scen.mean())
    assert row["diff_mean"] == pytest.approx((scen - base).mean())
    assert row["diff_pct_mean"] == pytest.approx((100 * (scen / base - 1)).mean())
    assert row["level_q50"] == pytest.approx(np.median(scen))  # what the report shows
    assert row["diff_q50"] == pytest.approx(np.median(scen - base))
    assert row["diff_q95"] == pytest.approx(np.quantile(scen - base, 0.95))
    quarterly = _tables.period_table(result, "quarter")
    assert quarterly["months"].sum() == 2 * len(result.scenario_ids) * result.horizon * len(
        _tables.price_models(result)
    )


def test_probabilities_equal_the_share_of_draws(result: RunResult) -> None:
    table = _tables.probability_table(result, annual_threshold=70.0, year=2026)
    model = result.price_model
    brent = result.raw["draws"][("venezuela_full_halt", model, "brent_usd")]
    months = pd.date_range(
        result.as_of + pd.DateOffset(months=1), periods=result.horizon, freq="MS"
    )
    expected = (brent[:, np.asarray(months.year == 2026)].mean(axis=1) > 70.0).mean()
    row = table[(table["scenario"] == "venezuela_full_halt") & (table["model"] == model)].iloc[0]
    assert row["probability"] == pytest.approx(expected)


def test_summary_paragraph_comes_first_and_names_the_numbers(result: RunResult) -> None:
    sentences = _summary.summary_sentences(result)
    assert sentences[0].startswith("In the scenario “Venezuela's crude exports stop for a year”")
    assert "US$" in sentences[0]
    assert "at 6 months" in sentences[0]  # the ensemble leads (issue 12)
    assert "90% band" in sentences[1]  # then the headline model's outage-period sentence
    # which does not name the scenario the lead has just named
    assert sentences[1].startswith("In that scenario, the world market loses")
    assert sum("Venezuela's crude exports stop for a year" in s for s in sentences) == 1
    assert any(s.startswith("Caveat") for s in sentences)
    html = render_html(result, [])
    assert html.index('id="summary"') < html.index('id="headline"')
    assert sentences[0].replace("'", "&#39;") in html


def test_report_writes_charts_markdown_and_csv(report: Path, result: RunResult) -> None:
    charts = report / "charts"
    pngs = {p.stem for p in charts.glob("*.png")}
    svgs = {p.stem for p in charts.glob("*.svg")}
    assert pngs == svgs
    assert {"brent_scenarios", "brent_diff", "brent_fan", "cuba"} <= pngs
    for stem in pngs:
        assert (charts / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
        assert b"<svg" in (charts / f"{stem}.svg").read_bytes()[:2000]
    markdown = (report / "report.md").read_text()
    assert " ".join(_summary.summary_sentences(result)) in markdown
    assert "| Scenario | Model |" in markdown
    annual = pd.read_csv(report / "annual.csv")
    assert {"scenario", "model", "variable", "period", "level_mean", "diff_pct_mean"} <= set(
        annual.columns
    )
    html = (report / "report.html").read_text()
    assert html.index('id="chart-brent_diff"') < html.index('id="chart-brent_fan"')
    assert "break-inside: avoid" in html


def test_replacement_scenario_shows_an_import_bill(result: RunResult) -> None:
    bill = result.paths[
        (result.paths["scenario"] == "cuba_buys_replacement")
        & (result.paths["variable"] == "cuba_import_bill_usd_m")
    ]
    assert (bill["q50"] > 0).any()


def test_workbook_is_formatted(report: Path) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(report / "forecast.xlsx")
    assert {"annual", "quarterly", "probabilities", "run", "paths"} <= set(workbook.sheetnames)
    annual = workbook["annual"]
    header = [c.value for c in annual[1]]
    assert annual.freeze_panes == "A2"
    assert annual.auto_filter.ref
    assert all(c.font.bold for c in annual[1])
    assert "unit" in header
    level = annual.cell(row=2, column=header.index("level_mean") + 1)
    pct = annual.cell(row=2, column=header.index("diff_pct_mean") + 1)
    assert level.number_format == "#,##0.00"
    assert pct.number_format == "0.0"
    start = annual.cell(row=2, column=header.index("period_start") + 1)
    assert start.is_date
    paths = workbook["paths"]
    paths_header = [c.value for c in paths[1]]
    assert {"unit", "scenario_title"} <= set(paths_header)
    assert paths.cell(row=2, column=paths_header.index("date") + 1).is_date
    run = {r[0].value: r[1].value for r in workbook["run"].iter_rows(min_row=2)}
    assert {"as_of", "seed", "draws", "models", "forecast", "numpy"} <= set(run)


def test_report_computes_each_shared_table_once(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forecast.reports import _headline, writer

    calls: dict[str, list[object]] = {}

    def counted(module: object, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            calls.setdefault(name, []).append(args[1] if len(args) > 1 else None)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(_tables, "period_table")
    counted(_tables, "probability_table")
    counted(_summary, "probability_table")
    counted(_headline, "headline_table")
    counted(_summary, "summary_sentences")
    for specs in ("_main_specs", "_sensitivity_specs"):  # the tables only, not the charts
        monkeypatch.setattr(writer, specs, lambda _result: [])
    write_report(result, tmp_path)
    assert sorted(map(str, calls["period_table"])) == ["quarter", "year"]
    assert len(calls["probability_table"]) == 1
    assert len(calls["summary_sentences"]) == 1
    # the summary's scenario once (shared by the CSV, Markdown, summary and its card), and
    # once for each other scenario's card
    assert sorted(map(str, calls["headline_table"])) == sorted(result.scenario_ids[1:])


def test_shared_tables_give_the_same_outputs_as_computing_them_again(
    result: RunResult, tmp_path: Path
) -> None:
    from forecast.reports.writer import ReportTables, write_tables

    tables = ReportTables.build(result)
    assert list(tables.summary) == _summary.summary_sentences(result)
    pd.testing.assert_frame_equal(tables.annual, _tables.period_table(result, "year"))

    def page(html: str) -> str:  # the generation time aside
        return "\n".join(line for line in html.splitlines() if "UTC" not in line)

    assert page(render_html(result, [], tables=tables)) == page(render_html(result, []))
    shared = write_tables(result, tmp_path / "shared", tables=tables)
    alone = write_tables(result, tmp_path / "alone")
    assert shared.keys() == alone.keys()
    for kind, path in shared.items():
        if path.suffix == ".csv":
            assert path.read_bytes() == alone[kind].read_bytes(), kind


@pytest.mark.parametrize("period", ["quarter", "year"])
def test_period_table_equals_each_period_computed_alone_exactly(
    result: RunResult, period: str
) -> None:
    table = _tables.period_table(result, period)  # type: ignore[arg-type]
    draws = result.raw["draws"]
    months = _tables.months(result)
    labels = (
        [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in months]
        if period == "quarter"
        else [str(d.year) for d in months]
    )
    assert not table.duplicated(["scenario", "model", "variable", "period"]).any()
    for row in table.to_dict("records"):
        mask = np.array([label == row["period"] for label in labels])
        key = (row["model"], row["variable"])
        level = draws[(row["scenario"], *key)][:, mask].mean(axis=1)
        base = draws[("baseline", *key)][:, mask].mean(axis=1)
        for prefix, values in (
            ("level", level),
            ("diff", level - base),
            ("diff_pct", 100.0 * (level / base - 1.0)),
        ):
            low, median, high = np.quantile(values, [0.05, 0.5, 0.95])
            expected = [values.mean(), median, low, high]
            got = [row[f"{prefix}_{s}"] for s in ("mean", "q50", "q05", "q95")]
            assert got == expected, (row["scenario"], key, row["period"], prefix)
