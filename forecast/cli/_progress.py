"""The commands' progress display: a rich progress bar on a terminal, nothing on a pipe.

:class:`ProgressBar` is the progress callback the commands hand the library. Called with a
message (``bar("reading data")``) it shows the step with a spinner; its ``count(message,
done, total)`` method (the :class:`~forecast.models.protocol.CountingProgress` form) shows a
bar with ``done/total``. A message that carries its own count (``"origins: 3/12 years
done"``, as the backtest sends) is shown as a count too. When stderr is not a terminal
(cron, a pipe, a test) nothing is shown and rich is not imported.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["ProgressBar"]

_COUNTED = re.compile(r"^(?P<what>.*?):?\s+(?P<done>\d+)/(?P<total>\d+)\b\s*(?P<rest>.*)$")


def _make_progress() -> Any:
    """Return a started-ready rich ``Progress`` writing to stderr, with a counts column."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class _Counts(ProgressColumn):
        """``done/total`` when the step is counted, else nothing."""

        def render(self, task: Task) -> Text:
            if task.total is None:
                return Text("")
            return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        _Counts(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


class ProgressBar:
    """A progress callback for the library: a bar on a terminal, silent otherwise.

    Parameters
    ----------
    label
        Shown before every step, e.g. ``"forecast"``.
    enabled
        Show anything at all; default: whether stderr is a terminal.

    Examples
    --------
    >>> with ProgressBar("forecast", enabled=False) as bar:
    ...     bar("reading data")
    ...     bar.count("projecting baseline", 0, 5)
    """

    def __init__(self, label: str, *, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Any = None
        self._task: Any = None
        self._total: int | None = None

    def __enter__(self) -> Self:
        """Start the display (on a terminal)."""
        if self.enabled:
            self._progress = _make_progress()
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the display and clear it."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, message: str, /) -> None:
        """Show a step; a message with ``done/total`` in it is shown as a count."""
        found = _COUNTED.match(message)
        if found:
            what = " ".join(p for p in (found["what"], found["rest"]) if p)
            self.count(what, int(found["done"]), int(found["total"]))
            return
        self._show(message, None, None)

    def count(self, message: str, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` items of the step ``message`` are finished."""
        self._show(message, done, total)

    def _show(self, message: str, done: int | None, total: int | None) -> None:
        if self._progress is None:
            return
        text = f"{self.label}: {message}"
        if total is not None and total == self._total and self._task is not None:
            self._progress.update(self._task, description=text, completed=done)
            return
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(text, total=total, completed=done or 0)
        self._total = total
