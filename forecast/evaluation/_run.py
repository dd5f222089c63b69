"""The loop over origins, its worker processes, and the tidy forecast frame it builds."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.errors import ConvergenceWarning, EstimationError, ForecastError
from forecast.evaluation._combine import combine
from forecast.evaluation._density import DENSITY_COLUMNS, density_record
from forecast.evaluation._panel import (
    _LOG_100,
    TARGETS,
    Space,
    actual_log_prices,
    origin_data,
)
from forecast.evaluation._registry import (
    ADAPTERS,
    BENCHMARK,
    BENCHMARK_EOM,
    COMBINATION,
    DEFAULT_MODELS,
)
from forecast.evaluation._result import EvaluationResult
from forecast.evaluation._scores import (
    FORECAST_COLUMNS,
    score,
)
from forecast.evaluation._settings import (
    EvaluationSettings,
)
from forecast.executors import (
    Executor,
    ProcessExecutor,
    SerialExecutor,
    single_threaded_blas,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


UNKNOWN_MODEL = "unknown model {name!r}; the models are: {known}"


BAD_HORIZONS = "horizons must be positive whole numbers, not {value!r}"


BAD_WINDOW = "origins: start {start:%Y-%m} is after end {end:%Y-%m}"


MODEL_FAILED = (
    "{model} failed at {count} origin(s) (first {first:%Y-%m}: {reason}); it has no forecast "
    "there and is scored on the other origins"
)


MODEL_TROUBLE = (
    "{model}: the estimation reported trouble at {count} origin(s) (first {first:%Y-%m}: "
    "{reason}); the estimates were used"
)


def _month(value: str | pd.Timestamp) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"{value!r} is not a month (use YYYY-MM)") from exc
    if pd.isna(stamp):
        raise ForecastError(f"{value!r} is not a month (use YYYY-MM)")
    return stamp.to_period("M").to_timestamp()


def _checked_horizons(horizons: Sequence[int]) -> tuple[int, ...]:
    out = []
    for h in horizons:
        if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
            raise ForecastError(BAD_HORIZONS.format(value=h))
        out.append(int(h))
    if not out:
        raise ForecastError(BAD_HORIZONS.format(value=tuple(horizons)))
    return tuple(sorted(set(out)))


def _resolve_models(
    models: Sequence[str] | None,
    settings: EvaluationSettings,
    panel: pd.DataFrame | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """Return (models to report, models to run, notes); ``panel`` checks models' ``needs``."""
    known = (*ADAPTERS, COMBINATION)
    requested = list(dict.fromkeys(models or DEFAULT_MODELS))
    for name in requested:
        if name not in known:
            raise ForecastError(UNKNOWN_MODEL.format(name=name, known=", ".join(known)))
    notes: list[str] = []
    usable: dict[str, bool] = {}
    for name, adapter in ADAPTERS.items():
        reason = adapter.missing(panel)
        usable[name] = reason is None
        if reason is not None and (
            name in requested
            or (COMBINATION in requested and name in settings.combination.components)
        ):
            notes.append(reason)
    reported = [BENCHMARK, BENCHMARK_EOM] + [
        name
        for name in requested
        if name not in {BENCHMARK, BENCHMARK_EOM} and (name == COMBINATION or usable[name])
    ]
    run = [name for name in reported if name != COMBINATION]
    if COMBINATION in reported:
        run += [
            name
            for name in settings.combination.components
            if name in ADAPTERS and usable[name] and name not in run
        ]
    return tuple(reported), tuple(run), notes


def evaluate(
    panel: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    horizons: Sequence[int] = (1, 3, 6, 12),
    models: Sequence[str] | None = None,
    *,
    settings: EvaluationSettings | None = None,
    real_time: Mapping[pd.Timestamp, pd.DataFrame] | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
) -> EvaluationResult:
    """Run a rolling-origin backtest: forecasts at every origin, then the score table.

    Parameters
    ----------
    panel
        From :func:`monthly_panel`: the latest data. Origins not in ``real_time`` use it cut
        at the origin (pseudo-real-time); the outcomes always come from it.
    start, end
        First and last scored origin (``YYYY-MM``).
    horizons
        Months ahead.
    models
        Models to run and report (default :data:`DEFAULT_MODELS`); both no-change
        benchmarks are always included. Unavailable models are skipped with a note.
    settings
        The modelling choices (default :class:`EvaluationSettings`).
    real_time
        Panels as they were known at given origins (from stored vintages).
    jobs
        Worker processes across years of origins (1: in this process). Workers are spawned
        with one BLAS thread each (the matrices are small; a multithreaded BLAS in every
        process oversubscribes the cores), so call from under ``if __name__ ==
        "__main__":`` in a script. In this process the caller's BLAS threading applies:
        ``OPENBLAS_NUM_THREADS=1`` makes a run several times faster on a busy 2-core machine.
    progress
        Called with a short message as blocks finish.
    executor
        Where the blocks run (:mod:`forecast.executors`: serial, processes, Dask);
        default from ``jobs``. The blocks and their order are the same on every backend, so
        the numbers are too.

    Returns
    -------
    EvaluationResult
        The table, the forecasts and the notes.

    Raises
    ------
    ForecastError
        If a model is unknown, a horizon is not a positive whole number, or the window is
        empty or outside the data.
    """
    settings = settings or EvaluationSettings()
    steps = _checked_horizons(horizons)
    first_origin, last_origin = _month(start), _month(end)
    if first_origin > last_origin:
        raise ForecastError(BAD_WINDOW.format(start=first_origin, end=last_origin))
    dates = pd.DatetimeIndex(pd.to_datetime(panel["date"]))  # the months of monthly Brent:
    dates = dates[np.isfinite(panel["brent_usd"].to_numpy(dtype=float))]  # (long series: earlier)
    if last_origin > dates[-1] or first_origin < dates[0]:
        raise ForecastError(
            f"origins {first_origin:%Y-%m}..{last_origin:%Y-%m} are outside the monthly Brent "
            f"data ({dates[0]:%Y-%m}..{dates[-1]:%Y-%m})"
        )
    reported, run, notes = _resolve_models(models, settings, panel)
    burn_in = 0
    if COMBINATION in reported and settings.combination.weights == "inverse_mspe":
        burn_in = settings.combination.window + max(steps) - 1
    earliest = max(first_origin - pd.DateOffset(months=burn_in), dates[0] + pd.DateOffset(months=1))
    origins = pd.date_range(min(earliest, first_origin), last_origin, freq="MS")
    blocks = [list(group) for _, group in pd.Series(origins).groupby(origins.year)]
    tasks = [
        (
            panel,
            {o: real_time[o] for o in block if real_time and o in real_time},
            block,
            steps,
            run,
            settings,
        )
        for block in blocks
    ]
    outputs: list[_BlockOutput] = []
    runner: Executor
    if executor is None:
        runner = (
            ProcessExecutor(jobs=min(jobs, len(tasks)), environment=single_threaded_blas)
            if jobs > 1 and len(tasks) > 1
            else SerialExecutor()
        )
    else:
        runner = executor
    for done, output in enumerate(runner.map(_run_block_task, None, tasks), start=1):
        outputs.append(output)
        if progress:
            progress(f"origins: {done}/{len(tasks)} years done")
    records = [record for output in outputs for record in output[0]]
    failures = [failure for output in outputs for failure in output[1]]
    troubles = [trouble for output in outputs for trouble in output[2]]
    density_rows = [row for output in outputs for row in output[3]]
    notes += _failure_notes(failures, first_origin, MODEL_FAILED)
    notes += _failure_notes(troubles, first_origin, MODEL_TROUBLE)
    forecasts = _forecast_frame(records, panel)
    weights = pd.DataFrame(columns=["target", "horizon", "origin", "model", "weight"])
    if COMBINATION in reported:
        components = [m for m in settings.combination.components if m in run]
        lags = {"nominal": 0, "real": int(settings.release_lags.get("us_cpi", 0))}
        combined, weights = combine(forecasts, components, settings.combination, outcome_lags=lags)
        forecasts = pd.concat([forecasts, combined], ignore_index=True)
    scored = forecasts[
        (forecasts["origin"] >= first_origin)
        & (forecasts["origin"] <= last_origin)
        & forecasts["model"].isin(reported)
    ]
    order = {name: i for i, name in enumerate(reported)}
    scored = scored.sort_values(
        ["target", "model", "horizon", "origin"],
        key=lambda s: s.map(order) if s.name == "model" else s,
    ).reset_index(drop=True)
    weights = weights[(weights["origin"] >= first_origin) & (weights["origin"] <= last_origin)]
    densities = _density_frame(density_rows)
    densities = densities[
        (densities["origin"] >= first_origin)
        & (densities["origin"] <= last_origin)
        & densities["model"].isin(reported)
    ]
    densities = densities.sort_values(
        ["target", "model", "horizon", "origin"],
        key=lambda s: s.map(order) if s.name == "model" else s,
    ).reset_index(drop=True)
    return EvaluationResult(
        table=score(scored, models=reported, densities=densities),
        forecasts=scored[[*FORECAST_COLUMNS, "origin_value"]],
        weights=weights.reset_index(drop=True),
        start=first_origin,
        end=last_origin,
        horizons=steps,
        models=reported,
        notes=tuple(notes),
        settings=settings,
        densities=densities,
    )


_Event = tuple[str, pd.Timestamp, str]  # model, origin, message


_BlockOutput = tuple[list[tuple[Any, ...]], list[_Event], list[_Event], list[tuple[Any, ...]]]


def _run_block_task(_shared: object, task: _BlockTask) -> _BlockOutput:
    """:func:`_run_block` in an executor's ``fn(shared, chunk)`` form (nothing shared)."""
    return _run_block(task)


_BlockTask = tuple[
    pd.DataFrame,
    "Mapping[pd.Timestamp, pd.DataFrame]",
    list[pd.Timestamp],
    tuple[int, ...],
    tuple[str, ...],
    EvaluationSettings,
]


def _run_block(
    task: tuple[
        pd.DataFrame,
        Mapping[pd.Timestamp, pd.DataFrame],
        list[pd.Timestamp],
        tuple[int, ...],
        tuple[str, ...],
        EvaluationSettings,
    ],
) -> _BlockOutput:
    """Forecast every model at a block of origins (runs in a worker process if asked).

    Returns the forecast records, the failures (the model is skipped at that origin), the
    estimation troubles (:class:`~forecast.errors.ConvergenceWarning`: the estimates are
    used, and the run's notes say so) and the density records of the models that give
    draws. Other warnings are re-issued.
    """
    panel, real_time, origins, horizons, names, settings = task
    forecasters = {name: ADAPTERS[name].make(settings) for name in names}
    densities = {
        name: maker(settings) for name in names if (maker := ADAPTERS[name].density) is not None
    }
    outcomes = actual_log_prices(panel)
    records: list[tuple[Any, ...]] = []
    failures: list[_Event] = []
    troubles: list[_Event] = []
    density_rows: list[tuple[Any, ...]] = []
    for origin in origins:
        data = origin_data(
            real_time.get(origin, panel),
            origin,
            release_lags=settings.release_lags,
            inflation_months=settings.inflation_months,
        )
        cpi_ahead = data.log_cpi_ahead(horizons) - _LOG_100
        last = {space: float(data.log_price(space)[-1]) for space in TARGETS}
        for name, forecaster in forecasters.items():
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    native = forecaster(data, horizons)
            except (ForecastError, EstimationError, np.linalg.LinAlgError, ValueError) as exc:
                failures.append((name, origin, str(exc).splitlines()[0]))
                continue
            for record in caught:
                if issubclass(record.category, ConvergenceWarning):
                    troubles.append((name, origin, str(record.message)))
                else:
                    warnings.warn_explicit(
                        record.message, record.category, record.filename, record.lineno
                    )
            both = _both_spaces(native, cpi_ahead)
            for space in TARGETS:
                for h, value in zip(horizons, both[space], strict=True):
                    records.append((space, name, origin, h, float(value), last[space]))
        for name, density in densities.items():
            density_rows += _density_rows(name, density, data, horizons, outcomes, settings)
    return records, failures, troubles, density_rows


def _density_rows(
    name: str,
    density: Callable[..., Mapping[Space, np.ndarray]],
    data: Any,
    horizons: tuple[int, ...],
    outcomes: Mapping[Space, pd.Series],
    settings: EvaluationSettings,
) -> list[tuple[Any, ...]]:
    """Draw one model's predictive distribution at an origin and score it per horizon.

    The draws are seeded by the origin alone (``SeedSequence([density_seed, year,
    month])``), so they do not depend on the blocks or the worker processes. A model that
    cannot give draws at an origin (e.g. no daily close) has no density there.
    """
    origin = data.origin
    rng = np.random.default_rng(
        np.random.SeedSequence([settings.density_seed, origin.year, origin.month])
    )
    try:
        draws = density(data, horizons, rng)
    except (ForecastError, EstimationError, ValueError):
        return []
    rows = []
    for space in TARGETS:
        for j, h in enumerate(horizons):
            target = origin + pd.DateOffset(months=int(h))
            log_outcome = outcomes[space].get(target, np.nan)
            outcome = float(np.exp(log_outcome)) if np.isfinite(log_outcome) else np.nan
            rows.append(
                (space, origin, target, int(h), name, outcome,
                 *density_record(draws[space][:, j], outcome))
            )  # fmt: skip
    return rows


def _density_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(DENSITY_COLUMNS))
    for column in ("origin", "target_date"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    frame["horizon"] = frame["horizon"].astype("int64")
    return frame


def _both_spaces(
    native: Mapping[Space, np.ndarray], cpi_ahead: np.ndarray
) -> dict[Space, np.ndarray]:
    """Fill the missing space: ``log real = log nominal - log(cpi / 100)`` and back."""
    out: dict[Space, np.ndarray] = {s: np.asarray(v, dtype=float) for s, v in native.items()}
    if "nominal" not in out:
        out["nominal"] = out["real"] + cpi_ahead
    if "real" not in out:
        out["real"] = out["nominal"] - cpi_ahead
    return out


def _failure_notes(events: list[_Event], first_origin: pd.Timestamp, template: str) -> list[str]:
    """One note per model: how many origins from ``first_origin`` on, and the first reason."""
    scored = [f for f in events if f[1] >= first_origin]
    notes = []
    for name in dict.fromkeys(f[0] for f in scored):
        mine = [f for f in scored if f[0] == name]
        count = len({f[1] for f in mine})
        notes.append(template.format(model=name, count=count, first=mine[0][1], reason=mine[0][2]))
    return notes


def _forecast_frame(records: list[tuple[Any, ...]], panel: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        records, columns=["target", "model", "origin", "horizon", "log_forecast", "log_origin"]
    )
    frame["origin"] = pd.to_datetime(frame["origin"]).astype("datetime64[ns]")
    frame["horizon"] = frame["horizon"].astype("int64")
    frame["target_date"] = [
        o + pd.DateOffset(months=int(h))
        for o, h in zip(frame["origin"], frame["horizon"], strict=True)
    ]
    frame["target_date"] = pd.to_datetime(frame["target_date"]).astype("datetime64[ns]")
    actual = actual_log_prices(panel)
    frame["actual"] = np.nan
    for space in TARGETS:
        rows = frame["target"] == space
        frame.loc[rows, "actual"] = np.exp(
            actual[space].reindex(frame.loc[rows, "target_date"]).to_numpy()
        )
    frame["forecast"] = np.exp(frame["log_forecast"])
    frame["origin_value"] = np.exp(frame["log_origin"])
    return frame[[*FORECAST_COLUMNS, "origin_value"]]
