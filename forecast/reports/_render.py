"""Draw a chart to PNG and SVG bytes: what the report's chart workers run.

Kept apart from :mod:`forecast.reports.writer` so that a chart worker needs only the
plotting libraries, the chart functions and the frames they draw: the workers fork before
the report's own modules (and pandera, DuckDB, the models) are imported, and a task sent to
them names the functions here, not the writer's. :func:`prepare_plotting` is what a worker
imports and loads once, before it draws.
"""

from __future__ import annotations

import importlib
import io
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast import charts

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd
    from plotnine import ggplot

__all__ = [
    "SVG_FONTTYPE",
    "SVG_HASH_SALT",
    "cut",
    "draw",
    "prepare_plotting",
    "render",
    "sensitivity_or_none",
    "tight_box",
]

SVG_HASH_SALT = "forecast"
"""Salt of the SVG writer's element ids (``svg.hashsalt``): the same chart, the same SVG bytes."""
SVG_FONTTYPE = "none"
"""The SVGs keep their text as text (``svg.fonttype``), as ggplot2's svglite writes it: titles
and labels stay editable and searchable, files are ~40% smaller, and no glyph outlines are
computed (a tenth of a chart's drawing time). The font is named with matplotlib's fallback
list (DejaVu Sans first); the PNG is the exact picture."""

TASK_MODULES = ("forecast.charts.grid", "forecast.results", "forecast.scenarios")
"""Modules a chart task's builder names beyond :mod:`forecast.charts`: the sensitivity charts,
and the result view (with its scenarios) the scenario charts read."""


def draw(plot: ggplot) -> tuple[bytes, bytes]:
    """Draw the chart once and save that figure twice: PNG and SVG bytes.

    One Agg draw at the figure's size lays the figure out (plotnine's layout engine, text
    measured once) and rasterises it; the tight box (padded as ``bbox_inches="tight"``
    pads it) is rounded to whole pixels, and the PNG is that box cut from the drawn
    pixels: the same bytes as ``savefig(..., bbox_inches=box)`` would write, without a
    second draw (:func:`tight_box`, :func:`cut`). Where drawn content reaches beyond the
    figure the cut cannot hold it, and the PNG is saved by ``savefig`` instead. The SVG is
    drawn from the same layout with the same box, its text kept as text
    (:data:`SVG_FONTTYPE`). Both outputs are deterministic: the SVG's element ids come from
    :data:`SVG_HASH_SALT` and it carries no date.
    """
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plot.draw()
    png, svg = io.BytesIO(), io.BytesIO()
    try:
        if figure.dpi != charts.DPI:
            figure.set_dpi(charts.DPI)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()  # layout, then every artist rasterised, in one pass
        renderer = canvas.get_renderer()
        box, pixels = tight_box(figure, renderer)
        _drop_layout_engine(figure)  # laid out: neither save lays it out (or dry-draws) again
        if pixels is not None:
            mpl.image.imsave(png, cut(renderer, pixels, figure), format="png",
                             origin="upper", dpi=figure.dpi)  # fmt: skip
        else:
            figure.savefig(png, format="png", dpi=figure.dpi, bbox_inches=box)
        with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": SVG_FONTTYPE}):
            figure.savefig(svg, format="svg", bbox_inches=box, metadata={"Date": None})
    finally:
        plt.close(figure)
    return png.getvalue(), svg.getvalue()


def _drop_layout_engine(figure: Any) -> None:
    """Remove the figure's layout engine, once it has laid the figure out.

    ``set_layout_engine("none")`` would leave a placeholder engine, and ``savefig`` draws a
    figure that has any engine once more, without rendering, before it saves (to let the
    engine lay it out): a whole dry draw of every artist, about a sixteenth of a chart's
    time, for nothing. ``None`` (with the rc settings that would pick an engine off)
    removes it.
    """
    import matplotlib as mpl

    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        figure.set_layout_engine(None)


def tight_box(figure: Any, renderer: Any) -> tuple[Any, tuple[int, int, int, int] | None]:
    """Return the saved box (inches) and, when the drawn pixels hold it, its pixel bounds.

    The box is the figure's tight box padded by ``savefig.pad_inches``, each edge rounded
    to a whole pixel (so the crop moves nothing by a fraction of a pixel). The pixel bounds
    ``(x0, y0, x1, y1)`` (display pixels, origin bottom left) are given only when every
    drawn artist lies at least a pixel inside the figure: the box may then overhang the
    figure by its padding, which ``savefig`` fills with the figure's background.
    """
    import matplotlib as mpl
    from matplotlib.transforms import Bbox

    dpi = figure.dpi
    content = figure.get_tightbbox(renderer)
    padded = content.padded(mpl.rcParams["savefig.pad_inches"])
    x0, y0, x1, y1 = (round(v * dpi) for v in padded.extents)
    box = Bbox.from_extents(x0 / dpi, y0 / dpi, x1 / dpi, y1 / dpi)
    left, bottom, right, top = (v * dpi for v in content.extents)
    inside = left >= 1 and bottom >= 1 and right <= renderer.width - 1
    inside = inside and top <= renderer.height - 1
    return box, ((x0, y0, x1, y1) if inside else None)


def cut(renderer: Any, bounds: tuple[int, int, int, int], figure: Any) -> Any:
    """Return the RGBA pixels of ``bounds`` from the drawn canvas, background outside it."""
    from matplotlib.colors import to_rgba

    x0, y0, x1, y1 = bounds
    height, width = renderer.height, renderer.width
    drawn = np.asarray(renderer.buffer_rgba())
    out = np.empty((y1 - y0, x1 - x0, 4), dtype=np.uint8)
    out[...] = np.round(np.asarray(to_rgba(figure.get_facecolor())) * 255)
    top, bottom = height - y1, height - y0  # buffer rows run downwards
    r0, r1, c0, c1 = max(top, 0), min(bottom, height), max(x0, 0), min(x1, width)
    out[r0 - top : r1 - top, c0 - x0 : c1 - x0] = drawn[r0:r1, c0:c1]
    return out


def render(make: Callable[[], ggplot]) -> tuple[bytes, bytes]:
    """Build a chart with ``make`` and :func:`draw` it: a chart worker's task."""
    return draw(make())


def sensitivity_or_none(job: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
    """Run an SVAR adapter's ``sensitivity_job``; ``None`` when the data admit no grid."""
    from forecast.errors import ForecastError

    try:
        return job()
    except ForecastError:
        return None


def prepare_plotting() -> None:
    """Import what every chart task needs and load the fonts, once per chart worker pool.

    The plotting libraries (matplotlib with Agg, plotnine; pyplot and the SVG backend,
    which plotnine's first draw and the first SVG would import), every chart family and
    the modules of the frames the tasks carry (a run's result, its scenarios). Run before
    workers fork, they inherit all of it: no worker imports plotnine or reads a font file
    again, and unpickling a task imports nothing.
    """
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: F401 - plotnine's draw and draw() use it
    import plotnine  # noqa: F401 - imported for the workers to inherit
    from matplotlib.backends import backend_svg  # noqa: F401 - every chart is saved as SVG
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    for module in TASK_MODULES:
        importlib.import_module(module)

    warm = Figure(figsize=(1, 1))
    warm.text(0.5, 0.5, "0", weight="bold")
    warm.text(0.5, 0.2, "0")
    FigureCanvasAgg(warm).draw()
