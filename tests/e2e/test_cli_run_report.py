"""`forecast run` and `forecast report` end to end, and the report in headless Chromium."""

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast import catalog, schemas
from forecast.cli import EXIT_ERROR, cli
from forecast.scenarios import builtin_scenarios
from forecast.store import Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def invoke(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def read_paths(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, parse_dates=["date"])
    frame["date"] = frame["date"].astype("datetime64[ns]")
    for column in ("scenario", "model", "variable"):
        frame[column] = frame[column].astype(str)
    return frame


def test_run_twice_with_the_same_seed_is_byte_identical(
    synthetic_store: Store, tmp_path: Path
) -> None:
    digests = []
    for name in ("a", "b"):
        invoke("run", "--seed", "42", "--draws", "200", "--store", str(synthetic_store.path),
               "--out", str(tmp_path / name))  # fmt: skip
        digests.append(hashlib.sha256((tmp_path / name / "paths.csv").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    paths = read_paths(tmp_path / "a" / "paths.csv")
    schemas.validate(schemas.PathFrame, paths, origin="paths.csv")


def test_run_with_scenario_file_model_and_override(synthetic_store: Store, tmp_path: Path) -> None:
    scenario = tmp_path / "mine.toml"
    scenario.write_text(
        'id = "mine"\ntitle = "Mine"\ndescription = "test"\n'
        "[outage]\nstart = 2\nduration_months = 3\nvolume_kbd = 500\n"
    )
    invoke("run", "--scenario", str(scenario), "--model", "elasticity", "--seed", "1",
           "--draws", "100", "--set", "outage.volume_kbd=700", "--store",
           str(synthetic_store.path), "--out", str(tmp_path / "out"))  # fmt: skip
    paths = read_paths(tmp_path / "out" / "paths.csv")
    assert set(paths["scenario"]) == {"baseline", "mine"}
    assert set(paths["model"]) == {"elasticity", "outage"}
    loss = paths[(paths["variable"] == "world_net_supply_loss_kbd") & (paths["scenario"] == "mine")]
    assert loss["mean"].max() == 700


def test_bad_scenario_file_exits_nonzero_naming_file_and_key(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text('id = "bad"\ntitle = "Bad"\n[outage]\nstart = 1\nduration_month = 3\n')
    result = CliRunner().invoke(cli, ["run", "--scenario", str(scenario), "--out", str(tmp_path)])
    assert result.exit_code == EXIT_ERROR
    assert "bad.toml" in result.stderr
    assert "outage.duration_month" in result.stderr
    assert "Traceback" not in result.output


def test_report_on_an_empty_store_uses_bundled_data_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An explicit --store must exist now; the default location, when absent, reads as empty.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORECAST_STORE", raising=False)
    out = tmp_path / "report"
    invoke("report", "--draws", "200", "--seed", "1",
           "--scenario", "venezuela_full_halt", "--out", str(out))  # fmt: skip
    html = (out / "report.html").read_text()
    assert "BUNDLED snapshot" in html
    assert html.index("BUNDLED snapshot") < html.index('id="headline"'), "the warning comes first"
    assert not (tmp_path / "empty.duckdb").exists(), "reading must not create a store"
    assert not (tmp_path / "data" / "store").exists(), "reading must not create a store"


@pytest.fixture(scope="module")
def shared_report(shared_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    invoke("report", "--as-of", "2025-11", "--seed", "20260101", "--store",
           str(shared_store.path), "--out", str(out))  # fmt: skip
    return out


@pytest.mark.real_data
def test_report_on_real_data_writes_everything(shared_report: Path) -> None:
    names = {p.name for p in shared_report.iterdir()}
    assert {"report.html", "paths.csv", "summary.csv", "differences.csv", "forecast.xlsx"} <= names
    html = (shared_report / "report.html").read_text()
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(images) >= 3
    assert 'src="http' not in html, "self-contained: no remote images"
    assert "<link" not in html, "self-contained: no stylesheets"
    paths = read_paths(shared_report / "paths.csv")
    schemas.validate(schemas.PathFrame, paths, origin="paths.csv")
    assert set(paths["scenario"]) == set(builtin_scenarios())
    assert {"brent_usd", "wti_usd", "cuba_gdp_growth_pct"} <= set(paths["variable"])
    assert set(paths["variable"]) <= set(catalog.OUTPUT_VARIABLES)
    summary = pd.read_csv(shared_report / "summary.csv").set_index(
        ["scenario", "variable", "model"]
    )
    for halt in ("venezuela_full_halt", "venezuela_partial_halt", "venezuela_halt_opec_offset"):
        for model in ("svar", "elasticity"):
            assert summary.loc[(halt, "brent_usd", model), "peak_q50"] > 0
    workbook = pd.read_excel(shared_report / "forecast.xlsx", sheet_name=None)
    assert {"summary", "paths", "scenarios", "data", "assumptions"} <= set(workbook)


_CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', ok + '/' + imgs.length);
});
</script></body>"""


@pytest.mark.real_data
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_report_renders_in_headless_chromium(shared_report: Path, tmp_path: Path) -> None:
    checked = tmp_path / "checked.html"
    checked.write_text(
        (shared_report / "report.html").read_text().replace("</body>", _CHECK_SCRIPT)
    )
    flags = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
        "--v=0", "--hide-scrollbars", "--window-size=1200,2400",
    ]  # fmt: skip
    dom = subprocess.run(
        [*flags, "--virtual-time-budget=5000", "--dump-dom", checked.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    match = re.search(r'data-images="(\d+)/(\d+)"', dom.stdout)
    assert match, "the page loaded and ran its load handler"
    loaded, total = map(int, match.groups())
    assert total >= 3
    assert loaded == total, "every image loaded"
    console_errors = [
        line for line in dom.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()
    ]
    assert console_errors == []
    shot = tmp_path / "report.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", (shared_report / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] > 1000
    assert np.std(pixels[..., :3]) > 0.05, "not blank"
