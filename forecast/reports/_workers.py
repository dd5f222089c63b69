"""Worker processes that import the plotting libraries once and draw charts in parallel.

:class:`WarmPool` forks one process (the *zygote*) that imports plotnine and matplotlib and
loads the fonts, then forks the other workers from itself: they start with all of that done,
so the libraries are imported once per report, not once per worker. Every worker, the
zygote among them, takes tasks from one queue; a thread of the caller collects the results
as they come, so a worker never waits for the caller to read them.

The caller's side is the part of :class:`multiprocessing.pool.Pool` the report uses:
``apply_async(func, args).get()``, ``close()``, ``terminate()`` and ``join()``. ``close()``
then ``join()`` lets the workers finish what they were sent; ``terminate()`` stops them at
once (the zygote stops the workers it forked, then exits); ``join()`` always waits for every
process. The workers ignore Ctrl-C (the caller's interrupt terminates them), and a worker
whose parent is gone exits on its own.

:class:`ChartWorkers` is the report's pool: started before the run, it draws the
methodology charts and the SVAR sensitivity table as soon as their models are fitted, then
the report's other charts (:func:`~forecast.reports.writer.write_report`).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import queue
import signal
import threading
import traceback
import warnings
from functools import partial
from typing import TYPE_CHECKING, Any, Self

from forecast._cpu import available_cpus
from forecast.reports._render import prepare_plotting, render, sensitivity_or_none

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pandas as pd

__all__ = [
    "ChartWorkers",
    "WarmPool",
    "WorkerDiedError",
    "quiet_fork",
    "stop_pool",
    "worker_count",
]

POLL_SECONDS = 0.5
"""How often an idle worker checks its parent, and a waiting caller the workers."""
BROKEN = -1
"""Task number of the zygote's message that a worker it forked died."""


@contextlib.contextmanager
def quiet_fork() -> Iterator[None]:
    """Fork inside the block without Python 3.12+'s warning about forking with threads.

    The warning is that a forked child may deadlock on a lock another thread held; the chart
    workers only draw with matplotlib's Agg backend and take no such lock.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*multi-threaded.*fork", category=DeprecationWarning
        )
        yield


class WorkerDiedError(RuntimeError):
    """A chart worker died before sending its chart."""


class _Result:
    """One task's pending result: ``get`` waits for it, then returns or raises it."""

    def __init__(self, pool: WarmPool, task: int) -> None:
        self.pool, self.task = pool, task

    def get(self) -> Any:
        return self.pool.wait(self.task)


class WarmPool:
    """``workers`` processes forked from one that ran ``prepare`` (imports, font caches).

    Parameters
    ----------
    workers
        Processes in all, the zygote included.
    prepare
        Run once, in the zygote, before it forks the others.
    """

    def __init__(self, workers: int, prepare: Callable[[], None]) -> None:
        context = mp.get_context("fork")
        self.workers = max(1, int(workers))
        self._tasks: Any = context.Queue()
        self._results: Any = context.Queue()
        self._done: dict[int, tuple[bool, Any]] = {}
        self._broken: BaseException | None = None
        self._ready = threading.Condition()
        self._count = 0
        self._terminated = False
        self._zygote = context.Process(
            target=_zygote,
            args=(self.workers, prepare, self._tasks, self._results, os.getpid()),
            name="forecast-charts",
        )
        with quiet_fork():
            self._zygote.start()
        self._collector = threading.Thread(target=self._collect, daemon=True)
        self._collector.start()

    def apply_async(self, func: Callable[..., Any], args: tuple[Any, ...] = ()) -> _Result:
        """Send ``func(*args)`` to the workers; ``.get()`` on the result waits for it.

        The call is pickled here, so an argument that cannot be pickled raises here.
        """
        payload = pickle.dumps((func, args), protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1
        self._tasks.put((self._count, payload))
        return _Result(self, self._count)

    def wait(self, task: int) -> Any:
        """Return what task ``task`` returned, or raise what it raised."""
        quiet = 0  # polls without news while no worker is left
        with self._ready:
            while task not in self._done:
                if self._broken is not None:
                    raise self._broken
                news = self._ready.wait(POLL_SECONDS)
                quiet = 0 if news or self._zygote.is_alive() else quiet + 1
                if quiet >= 2 and task not in self._done:  # pragma: no cover - a crash
                    raise WorkerDiedError("the chart workers exited before sending a chart")
            ok, value = self._done.pop(task)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Let the workers finish the tasks sent, then exit."""
        for _ in range(self.workers):
            self._tasks.put(None)

    def terminate(self) -> None:
        """Stop every worker now (the zygote stops those it forked, then exits)."""
        self._terminated = True
        self._tasks.cancel_join_thread()  # tasks not yet sent are dropped, not waited for
        self._zygote.terminate()

    def join(self) -> None:
        """Wait for every worker to exit; then stop collecting."""
        self._zygote.join()
        if self._terminated:
            # a worker stopped mid-send may have left part of a message in the pipe: the
            # collecting thread (a daemon) is left blocked rather than fed a cut message
            self._results.cancel_join_thread()
            return
        self._results.put(None)
        self._collector.join()

    def _collect(self) -> None:
        while True:
            try:
                item = self._results.get()
            except Exception as exc:  # noqa: BLE001 - a result that cannot be read
                item = (BROKEN, False, WorkerDiedError(f"a chart's result was unreadable: {exc}"))
            if item is None:
                return
            task, ok, value = item
            with self._ready:
                if task == BROKEN:
                    self._broken = value
                else:
                    self._done[task] = (ok, value)
                self._ready.notify_all()


class ChartWorkers:
    """Chart worker processes started before the run, to draw the report's charts after it.

    Entering forks one worker (where the platform can), which imports plotnine and
    matplotlib and loads the fonts while the caller computes, then forks the others from
    itself (:class:`WarmPool`: the libraries imported once);
    :func:`~forecast.reports.writer.write_report` then sends them each chart's builder
    (small frames, pickled). Leaving always shuts the workers down and joins them, on
    success, on error and on Ctrl-C.

    Enter it as early as the caller can: this module and what it imports first (numpy,
    pandas and the chart functions, which both sides use) are all the workers inherit, so
    their plotting imports (:func:`~forecast.reports._render.prepare_plotting`) run while
    the caller imports the rest (the writer, pandera, DuckDB, the models) and reads its
    data, on a core that would otherwise wait.

    Parameters
    ----------
    workers
        Processes (default: the CPUs available, at most 4).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = worker_count(workers)
        self.pool: Any = None
        self.early: list[tuple[Any, Any]] = []  # (chart spec, pending drawing)
        self.started_tables: set[str] = set()
        self.sensitivity: tuple[Any, Any] | None = None  # (svar adapter, pending table)

    def __enter__(self) -> Self:
        if self.workers > 1 and "fork" in mp.get_all_start_methods():
            # one process imports plotnine and forks the others (reports/_workers.py)
            self.pool = WarmPool(self.workers, prepare_plotting)
        return self

    def start_early(self, model: Any) -> None:
        """Start drawing a model's methodology charts now, from its adapter's ``tables``.

        Called with each model's adapter as soon as it is set up (``engine.run(on_model=
        ...)``, in run order), so the workers draw them while the other models fit and the
        scenarios are projected. A table name already started from an earlier model is
        skipped (the run's tables keep the first model's); :func:`write_report` then takes
        each finished chart whose builder reads the same table objects as the result's,
        and draws the others.
        """
        if self.pool is None:
            return
        tables = {
            name: table
            for name, table in getattr(model, "tables", {}).items()
            if name not in self.started_tables
        }
        self.started_tables.update(tables)
        from forecast.reports.writer import method_chart_specs  # the caller has it by now

        for spec in method_chart_specs(tables):
            self.early.append((spec, self.pool.apply_async(render, (spec.make,))))
        name = getattr(getattr(model, "context", None), "name", None)
        if name == "svar" and hasattr(model, "sensitivity_job") and self.sensitivity is None:
            # the page's SVAR sensitivity grid needs only this model's data: the workers
            # compute it after its charts, while the other models fit and project
            job = self.pool.apply_async(sensitivity_or_none, (model.sensitivity_job(),))
            self.sensitivity = (model, job)

    def take_sensitivity(self, adapter: Any) -> Callable[[], pd.DataFrame | None] | None:
        """Return a wait for the SVAR sensitivity grid started for this very adapter, or None.

        The wait returns the table, or ``None`` where the data admit no grid (the section is
        left out, as when the page computes it itself).
        """
        if self.sensitivity is None or self.sensitivity[0] is not adapter:
            return None
        return self.sensitivity[1].get

    def take(self, spec: Any) -> Any:
        """Return the early drawing of this chart (same builder, same frames), or ``None``."""
        for i, (early, future) in enumerate(self.early):
            if early.id == spec.id and _same_builder(early.make, spec.make):
                del self.early[i]
                return future
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.early.clear()
        self.sensitivity = None
        if self.pool is not None:
            stop_pool(self.pool, kind)
            self.pool = None


def _same_builder(one: Callable[[], Any], other: Callable[[], Any]) -> bool:
    """Whether two ``partial`` builders call one function on the very same arguments."""
    if not (isinstance(one, partial) and isinstance(other, partial)):
        return False
    return (
        one.func is other.func
        and len(one.args) == len(other.args)
        and all(a is b for a, b in zip(one.args, other.args, strict=True))
        and one.keywords.keys() == other.keywords.keys()
        and all(one.keywords[k] is other.keywords[k] for k in one.keywords)
    )


def worker_count(workers: int | None) -> int:
    """Return ``workers``, or by default the CPUs available, at most 4."""
    return workers if workers is not None else min(4, available_cpus())


def stop_pool(pool: Any, kind: type[BaseException] | None) -> None:
    """Shut a pool down and join it: let it finish after success, stop it after an error."""
    if kind is None:
        pool.close()  # every result is in: the workers exit on their own
    else:
        pool.terminate()  # an error or Ctrl-C: stop the drawing now
    pool.join()


def _zygote(
    workers: int, prepare: Callable[[], None], tasks: Any, results: Any, parent: int
) -> None:
    """Prepare once, fork the other workers, serve with them; stop them all on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the caller terminates us
    forked: list[Any] = []

    def stop(_signum: int, _frame: object) -> None:
        for process in forked:
            process.terminate()
        for process in forked:
            process.join()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    prepare()
    context = mp.get_context("fork")
    for i in range(workers - 1):
        process = context.Process(
            target=_worker, args=(tasks, results, os.getpid()), name=f"forecast-charts-{i + 1}"
        )
        process.start()
        forked.append(process)

    def check() -> None:
        died = [p for p in forked if p.exitcode not in (None, 0)]
        if died:
            results.put((BROKEN, False, WorkerDiedError(f"a chart worker died ({died[0]})")))
            forked.remove(died[0])

    if _serve(tasks, results, parent, check):
        for process in forked:
            process.join()
    else:  # the caller is gone: so are those who would read what the workers draw
        for process in forked:
            process.terminate()
            process.join()


def _worker(tasks: Any, results: Any, parent: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the zygote's handler
    _serve(tasks, results, parent, lambda: None)


def _serve(tasks: Any, results: Any, parent: int, check: Callable[[], None]) -> bool:
    """Run tasks until a ``None`` comes (True) or the parent process is gone (False)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            item = tasks.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                return False
            check()
            continue
        if item is None:
            return True
        task, payload = item
        try:
            func, args = pickle.loads(payload)  # noqa: S301 - our own tasks, from our parent
            results.put((task, True, func(*args)))
        except Exception as exc:  # noqa: BLE001 - sent to the caller and raised there
            results.put((task, False, _portable(exc)))


def _portable(exc: Exception) -> Exception:
    """Return ``exc`` if it pickles, else a RuntimeError carrying its traceback as text."""
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001 - any pickling failure
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"a chart worker failed:\n{text}")
    return exc
