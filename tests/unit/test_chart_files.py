"""Chart files: the same chart gives the same PNG and SVG bytes; the SVAR bars stack right."""

import numpy as np
import pandas as pd

from forecast import charts
from forecast.charts.methodology import _stacked
from forecast.reports._render import draw as _png

SHOCKS = ["supply", "aggregate_demand", "oil_specific_demand"]


def _hd() -> pd.DataFrame:
    dates = pd.date_range("2010-01-01", periods=6, freq="MS")
    values = np.random.default_rng(3).normal(size=(len(dates), len(SHOCKS) + 1))
    return pd.DataFrame(
        [
            {"date": d, "variable": "real_price_log", "component": c, "value": values[i, j]}
            for i, d in enumerate(dates)
            for j, c in enumerate([*SHOCKS, "initial_and_deterministic"])
        ]
    )


def test_two_renders_give_identical_svg_and_png() -> None:
    first = _png(charts.svar_hd_chart(_hd()))
    second = _png(charts.svar_hd_chart(_hd()))
    assert first[1] == second[1], "SVG bytes differ between two renders"
    assert first[0] == second[0], "PNG bytes differ between two renders"
    assert b"<dc:date>" not in first[1]
    assert first[0][:4] == b"\x89PNG"


def test_svg_keeps_its_text_as_text() -> None:
    _, svg = _png(charts.svar_hd_chart(_hd()))
    text = svg.decode()
    assert "<text" in text
    assert "historical decomposition" in text.lower(), "the title is searchable in the file"
    assert "DejaVu Sans" in text


def test_historical_decomposition_bars_stack_by_sign_from_zero() -> None:
    plot = charts.svar_hd_chart(_hd())
    bars = plot.data
    for (_, negative), group in bars.groupby(["date", bars["value"] < 0]):
        lengths = (group["ymax"] - group["ymin"]).to_numpy()
        assert np.allclose(lengths, group["value"].abs())
        ends = group["ymin"] if negative else group["ymax"]
        assert np.isclose(ends.abs().max(), group["value"].abs().sum())
        assert np.isclose((group["ymax"] if negative else group["ymin"]).abs().min(), 0.0)
    assert (bars["xmax"] - bars["xmin"] == pd.Timedelta(days=27)).all()


def test_stacking_puts_the_last_shock_nearest_zero() -> None:
    frame = pd.DataFrame(
        {
            "date": pd.Timestamp("2020-01-01"),
            "value": [1.0, 2.0, -3.0],
            "shock_label": pd.Categorical(["a", "b", "c"], categories=["a", "b", "c"]),
        }
    )
    bars = _stacked(frame, width=pd.Timedelta(days=2)).set_index("shock_label")
    assert bars.loc["b", ["ymin", "ymax"]].tolist() == [0.0, 2.0]
    assert bars.loc["a", ["ymin", "ymax"]].tolist() == [2.0, 3.0]
    assert bars.loc["c", ["ymin", "ymax"]].tolist() == [-3.0, 0.0]


def _drawn(plot: object) -> tuple[object, object]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plot.draw()  # type: ignore[attr-defined]
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return figure, canvas.get_renderer()


def _saved(figure: object, **options: object) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=charts.DPI, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _size(png: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.size


def test_png_cut_from_the_drawn_pixels_is_matplotlibs_own_save_of_that_box() -> None:
    import matplotlib.pyplot as plt

    from forecast.reports._render import tight_box as _tight_box

    png, _ = _png(charts.svar_hd_chart(_hd()))
    figure, renderer = _drawn(charts.svar_hd_chart(_hd()))
    box, bounds = _tight_box(figure, renderer)
    assert bounds is not None, "drawn inside the figure: the PNG is cut from the pixels"
    x0, y0, x1, y1 = bounds
    width, height = renderer.width, renderer.height  # type: ignore[attr-defined]
    # the padding overhangs the figure: the cut fills it with the background, as savefig does
    assert min(x0, y0) < 0 or x1 > width or y1 > height
    figure.set_layout_engine("none")  # type: ignore[attr-defined]
    assert png == _saved(figure, bbox_inches=box)
    plt.close(figure)  # type: ignore[arg-type]
    # the box is matplotlib's tight box, each edge moved by less than a pixel
    tight = _saved(charts.svar_hd_chart(_hd()).draw(), bbox_inches="tight")
    assert all(abs(a - b) <= 1 for a, b in zip(_size(png), _size(tight), strict=True))


def test_a_chart_drawn_beyond_its_figure_is_saved_whole() -> None:
    import matplotlib.pyplot as plt
    from plotnine import labs

    from forecast.reports._render import tight_box as _tight_box

    def plot() -> object:
        return charts.svar_hd_chart(_hd()) + labs(subtitle="far wider than the figure " * 8)

    png, _ = _png(plot())
    figure, renderer = _drawn(plot())
    box, bounds = _tight_box(figure, renderer)
    assert bounds is None, "the subtitle reaches beyond the figure: no cut"
    assert _size(png)[0] > renderer.width  # type: ignore[attr-defined]
    figure.set_layout_engine("none")  # type: ignore[attr-defined]
    assert png == _saved(figure, bbox_inches=box)
    plt.close(figure)  # type: ignore[arg-type]


def test_heatmap_colour_bar_is_one_image_in_the_svg() -> None:
    from forecast.charts.grid import grid_heatmap

    cells = [(d, v) for d in (3, 6, 12) for v in (400, 800, 1200)]
    frame = pd.DataFrame([{"x": d, "y": v, "value": d * v / 1000} for d, v in cells])
    _, svg = _png(grid_heatmap(frame, "duration", "volume"))
    assert svg.count(b"<image") == 1
    assert b"<linearGradient" not in svg
    assert len(svg) < 200_000


def test_dodged_years_follow_position_dodge() -> None:
    from forecast.charts.cuba import _dodged

    labels = pd.Categorical(["b", "a", "c", "a", "c"], categories=["a", "b", "c"])
    paths = pd.DataFrame(
        {"panel": ["p"] * 5, "year": [2025, 2025, 2025, 2026, 2026], "scenario_label": labels}
    )
    x = _dodged(paths, width=0.8)["x"].tolist()
    # three scenarios in 2025 (a left, b middle, c right), two in 2026
    assert np.allclose(x, [2025.0, 2025 - 0.8 / 3, 2025 + 0.8 / 3, 2026 - 0.2, 2026 + 0.2])


def test_the_chart_job_counts_the_charts_drawn() -> None:
    from functools import partial

    from forecast.reports.writer import CHARTS_STEP, _ChartJob, _ChartSpec

    seen: list[tuple[str, int, int]] = []

    class Recorder:
        def __call__(self, message: str, /) -> None:
            pass

        def count(self, message: str, done: int, total: int) -> None:
            seen.append((message, done, total))

    specs = [
        _ChartSpec(f"hd{i}", "title", "caption", partial(charts.svar_hd_chart, _hd()))
        for i in range(2)
    ]
    with _ChartJob(specs, 1) as job:  # one worker: drawn in this process
        rendered = job.results(Recorder())
    assert len(rendered) == 2
    assert seen == [(CHARTS_STEP, 0, 2), (CHARTS_STEP, 1, 2), (CHARTS_STEP, 2, 2)]
