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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["WarmPool", "WorkerDiedError", "quiet_fork"]

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
