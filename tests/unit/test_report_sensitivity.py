"""The report's Sensitivity section: a small grid around the full halt, through the run's draws."""

from __future__ import annotations

from typing import TYPE_CHECKING

import forecast
from forecast.reports.writer import SENSITIVITY_AXES, sensitivity_grid, write_report

if TYPE_CHECKING:
    from pathlib import Path

    from forecast.store import Store


def test_sensitivity_grid_and_section(synthetic_store: Store, tmp_path: Path) -> None:
    result = forecast.run(
        ["venezuela_full_halt"], models=["elasticity"], store=synthetic_store, draws=200, seed=4
    )
    grid = sensitivity_grid(result)
    assert grid is not None
    assert grid.path is None, "the report's grid writes no file"
    assert grid.loaded is not None
    assert [a.key for a in grid.spec.axes] == [a.split("=")[0] for a in SENSITIVITY_AXES]
    heat = grid.heatmap_frame("outage.duration_months", "outage.volume_kbd")
    assert len(heat) == 9
    # a larger outage never lowers the peak effect, for every duration
    for _, rows in heat.groupby("x"):
        values = rows.sort_values("y")["value"].to_numpy()
        assert (values[1:] >= values[:-1]).all()
    tornado = grid.tornado_frame()
    assert set(tornado["axis"]) <= {a.split("=")[0] for a in SENSITIVITY_AXES}
    html = write_report(result, tmp_path)["html"].read_text(encoding="utf-8")
    assert 'id="sensitivity"' in html
    for chart in ("sensitivity_heatmap", "sensitivity_tornado"):
        assert (tmp_path / "charts" / f"{chart}.png").stat().st_size > 0
        assert f'id="chart-{chart}"' in html


def test_no_sensitivity_without_the_full_halt(synthetic_store: Store) -> None:
    result = forecast.run(
        ["venezuela_partial_halt"], models=["elasticity"], store=synthetic_store, draws=200, seed=4
    )
    assert sensitivity_grid(result) is None
