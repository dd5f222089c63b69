"""Where chunks of work run: in this process, in local worker processes, or on Dask.

One small abstraction shared by the sensitivity grid and the backtest's blocks of origins:
an :class:`Executor` maps a function over chunks, with one object (``shared``: the fitted
models, the backtest's settings) sent to every worker once, and gives the results back in
the order of the chunks. A chunk that fails is retried once; if it fails again the error
names the chunk. The schedulers are the standard library's and Dask's; nothing here decides
where a task runs.

Backends (:data:`Backend`):

``serial``
    In this process, one chunk after the other.
``processes``
    A :class:`concurrent.futures.ProcessPoolExecutor` of ``jobs`` workers (``spawn``, so
    call from under ``if __name__ == "__main__":`` in a script); ``shared`` is pickled once
    per worker through the pool's initializer.
``dask``
    A running ``dask.distributed`` cluster (``address``), or a ``LocalCluster`` of ``jobs``
    workers started for the call (``address="local"``); ``shared`` is scattered once
    (broadcast) and chunks are submitted as futures. Needs the ``[dask]`` extra.

This module imports only the standard library (Dask inside :class:`DaskExecutor`), so the
evaluation layer can use it without the grid.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import copyreg
import itertools
import multiprocessing
import os
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from forecast.errors import ForecastError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

__all__ = [
    "BACKENDS",
    "Backend",
    "ChunkError",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "make_executor",
    "single_threaded_blas",
]

Backend = Literal["serial", "processes", "dask"]
BACKENDS: tuple[Backend, ...] = ("serial", "processes", "dask")


def _mapping_proxy(data: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(data)


def _reduce_mapping_proxy(proxy: types.MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return (_mapping_proxy, (dict(proxy),))


# Fitted models hold read-only mappings (``MappingProxyType``), which pickle refuses; sent to
# a worker process they are rebuilt read-only from a plain copy.
copyreg.pickle(types.MappingProxyType, _reduce_mapping_proxy)

T = TypeVar("T")
R = TypeVar("R")

CHUNK_FAILED = "chunk {index} of {total} failed twice (retried once): {error}"
NO_DASK = (
    "the dask backend needs dask.distributed: pip install 'oilshock-forecast[dask]' "
    "(or pip install 'dask[distributed]')"
)
BAD_BACKEND = "unknown backend {name!r}; choose one of: {known}"


BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
)  # fmt: skip


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Start worker processes with one BLAS thread each (the environment is restored after).

    The parallelism is across chunks: a multithreaded BLAS in every worker would
    oversubscribe the cores. Spawned workers read these variables when they import numpy.
    """
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ChunkError(ForecastError):
    """A chunk of work failed on its retry too; the message names the chunk."""


class Executor(Protocol):
    """Maps ``fn(shared, chunk)`` over chunks, results in the order of the chunks."""

    @property
    def name(self) -> str:
        """The backend's name."""
        ...

    def map(self, fn: Callable[[Any, T], R], shared: Any, chunks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(shared, chunk)`` for every chunk, in order."""
        ...


def _failed(index: int, total: int, exc: BaseException) -> ChunkError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ChunkError(CHUNK_FAILED.format(index=index, total=total, error=first))


@dataclass(frozen=True, slots=True)
class SerialExecutor:
    """Every chunk in this process, in order."""

    name: str = "serial"

    def map(self, fn: Callable[[Any, T], R], shared: Any, chunks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(shared, chunk)`` for every chunk, retrying a failed chunk once."""
        for index, chunk in enumerate(chunks):
            try:
                yield fn(shared, chunk)
            except ForecastError:
                raise
            except Exception:  # noqa: BLE001 - retried once, then named
                try:
                    yield fn(shared, chunk)
                except Exception as exc:
                    raise _failed(index, len(chunks), exc) from exc


# The object every worker process received once (set by the pool's initializer).
_WORKER_SHARED: dict[str, Any] = {}


def _set_shared(shared: Any) -> None:
    _WORKER_SHARED["shared"] = shared


def _call_with_shared(fn: Callable[[Any, Any], Any], chunk: Any) -> Any:
    return fn(_WORKER_SHARED["shared"], chunk)


@dataclass(frozen=True, slots=True)
class ProcessExecutor:
    """Local worker processes (``spawn``); ``shared`` pickled once per worker.

    Attributes
    ----------
    jobs
        Worker processes (at most one per chunk).
    environment
        A context manager factory entered around the pool (the backtest starts its workers
        with one BLAS thread each), or ``None``.
    """

    jobs: int = 2
    environment: Callable[[], contextlib.AbstractContextManager[None]] | None = None
    name: str = "processes"

    def map(self, fn: Callable[[Any, T], R], shared: Any, chunks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(shared, chunk)`` for every chunk, in order; a failed chunk is retried once."""
        if not chunks:
            return
        context = self.environment() if self.environment else contextlib.nullcontext()
        with (
            context,
            concurrent.futures.ProcessPoolExecutor(
                max_workers=max(1, min(self.jobs, len(chunks))),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_set_shared,
                initargs=(shared,),
            ) as pool,
            _stopped_on_error(pool),
        ):
            yield from _in_order(
                lambda chunk: pool.submit(_call_with_shared, fn, chunk),
                chunks,
                window=2 * self.jobs,
                retry=True,
            )


@contextlib.contextmanager
def _stopped_on_error(pool: concurrent.futures.ProcessPoolExecutor) -> Iterator[None]:
    """On an error, Ctrl-C or an abandoned map: cancel what waits, stop the running workers.

    The pool's own exit then joins the (stopped) workers, so none outlives the map; without
    this, ``shutdown(wait=True)`` would first let every chunk in flight run to its end.
    """
    try:
        yield
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            terminate()
        else:
            for process in list((pool._processes or {}).values()):  # noqa: SLF001
                process.terminate()
        raise


def _in_order(
    submit: Callable[[Any], Any], chunks: Sequence[Any], *, window: int, retry: bool
) -> Iterator[Any]:
    """Submit chunks with at most ``window`` in flight; yield results in order.

    Bounding the chunks in flight bounds memory whatever the number of chunks. With
    ``retry``, a failed chunk is submitted once more (Dask retries by itself).
    """
    pending: collections.deque[tuple[int, Any]] = collections.deque()
    following = iter(enumerate(chunks))
    for index, chunk in itertools.islice(following, max(1, window)):
        pending.append((index, submit(chunk)))
    while pending:
        index, future = pending.popleft()
        try:
            result = future.result()
        except ForecastError:
            raise
        except Exception as exc:
            if not retry:
                raise _failed(index, len(chunks), exc) from exc
            try:
                result = submit(chunks[index]).result()
            except Exception as again:
                raise _failed(index, len(chunks), again) from again
        for nxt, chunk in itertools.islice(following, 1):
            pending.append((nxt, submit(chunk)))
        yield result


@dataclass(frozen=True, slots=True)
class DaskExecutor:
    """A ``dask.distributed`` cluster: ``shared`` scattered once, chunks as futures.

    Attributes
    ----------
    address
        A scheduler address (``tcp://host:8786``), or ``"local"`` for a ``LocalCluster``
        started for the call and closed after it.
    jobs
        Workers of the local cluster (one thread each).
    """

    address: str = "local"
    jobs: int = 2
    name: str = "dask"

    def map(self, fn: Callable[[Any, T], R], shared: Any, chunks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(shared, chunk)`` for every chunk, in order; a failed chunk is retried once."""
        try:
            from dask import distributed
        except ImportError as exc:
            raise ForecastError(NO_DASK) from exc
        if not chunks:
            return
        with contextlib.ExitStack() as stack:
            if self.address == "local":
                with single_threaded_blas():
                    cluster = stack.enter_context(
                        distributed.LocalCluster(
                            n_workers=self.jobs, threads_per_worker=1, processes=True,
                            dashboard_address=None,
                        )
                    )  # fmt: skip
                client = stack.enter_context(distributed.Client(cluster))
            else:
                client = stack.enter_context(distributed.Client(self.address))
            remote = client.scatter(shared, broadcast=True)
            yield from _in_order(
                lambda chunk: client.submit(fn, remote, chunk, retries=1, pure=False),
                chunks,
                window=2 * self.jobs,
                retry=False,
            )


def make_executor(
    backend: Backend = "serial", *, jobs: int = 2, scheduler: str | None = None
) -> Executor:
    """Return the executor for a backend name (``scheduler`` implies ``dask``).

    Parameters
    ----------
    backend
        ``serial``, ``processes`` or ``dask``.
    jobs
        Worker processes (``processes``, started with one BLAS thread each) or local Dask
        workers.
    scheduler
        A Dask scheduler address, or ``"local"`` for a ``LocalCluster``.
    """
    if scheduler is not None:
        return DaskExecutor(address=scheduler, jobs=jobs)
    if backend == "serial":
        return SerialExecutor()
    if backend == "processes":
        return ProcessExecutor(jobs=jobs, environment=single_threaded_blas)
    if backend == "dask":
        return DaskExecutor(jobs=jobs)
    raise ForecastError(BAD_BACKEND.format(name=backend, known=", ".join(BACKENDS)))
