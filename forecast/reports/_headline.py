"""The report's headline: the full halt's Brent effect in every price model and identification.

:func:`headline_table` returns one row per price model that ran (its identification in the
label), one per default model that was skipped (with its reason), an ``ensemble`` row (the
median and the range of the models' medians) and a ``literature`` row (the implied price
response per 1% of supply lost of ``facts/oil_market_elasticities.csv``). Per model and
horizon h (months after the as-of month: h = 1 is the first projected month):

* ``effect_h{h}_q50``, ``_q05``, ``_q95``: Brent's difference from baseline in % in month h,
  draw by draw (median and 90% band over draws); ``effect_usd_h{h}_q50`` the median in US$/bbl;
* ``loss_share_h{h}_pct``: the scenario's net supply loss in month h as a share of world crude
  supply, in % (the engine's loss-share rule: ``world_net_supply_loss_kbd`` over the run's
  world crude level, the assumption ``world_crude_kbd``);
* ``per_1pct_h{h}``: the median effect divided by that share (NaN when no supply is lost that
  month);
* ``after_q50``, ``_q05``, ``_q95``: the average effect over the months after the outage ends
  (when it ends within the horizon);
* ``mspe_ratio_eom_h{h}``: the model's MSPE ratio against the end-of-month no-change forecast
  in ``backtest.csv`` (target :data:`RECORD_TARGET`), with ``record`` saying where it comes
  from or why there is none.

For the ensemble row the ``_q05``/``_q95`` columns hold the smallest and largest of the models'
medians (the range across models), not a band over draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast import facts
from forecast.reports._tables import months, price_models

if TYPE_CHECKING:
    from forecast.reports._backtest import BacktestEvidence
    from forecast.results import RunResult

__all__ = [
    "ACTIVITY_HORIZON",
    "HORIZONS",
    "RECORD_TARGET",
    "activity_lines",
    "display",
    "ensemble_row",
    "forecast_record",
    "headline_table",
    "literature_band",
    "loss_shares",
    "model_label",
    "sensitivity_view",
]

HORIZONS = (1, 3, 6, 12)
"""Months after the as-of month at which the headline reads the effect."""
RECORD_TARGET = "nominal"
"""The backtest target the forecast record is read for (nominal Brent, as the report shows)."""
ELASTICITY_RECORD = (
    "the elasticity model forecasts the no-outage baseline's path (no_change_eom): MSPE ratio "
    "1 by construction"
)
NO_RECORD = "no record: run forecast backtest"
NO_BACKTEST = "no record: run forecast backtest (no backtest folder given or found)"
LOOK_AHEAD = (
    "look-ahead for this replay: the record scores targets to {last:%Y-%m}, after the as-of "
    "month {as_of:%Y-%m}; ratios left out"
)
RECORD_FROM = "backtest.csv ({target} Brent, {n} origins at h = 1)"
ENSEMBLE_NOTE = (
    "median across {n} models/identifications; its band is the range (min to max) of their "
    "medians (the _q05/_q95 columns of headline.csv)"
)
_IDENTIFICATION = {"recursive": "recursive", "sign": "sign", "proxy": "proxy"}


def model_label(result: RunResult, model: str) -> str:
    """Return a short description of a price model: its identification, lags and sample."""
    from forecast.models import registry

    entry = registry.get(model)
    if not any(o.name == "identification" for o in entry.options):
        return f"{model} (literature elasticities)" if model == "elasticity" else model
    spec = result.raw.get("spec")
    given = spec.model_options.get(model) if spec is not None else None
    options = entry.resolve_options(given)
    ident = _IDENTIFICATION.get(options["identification"], options["identification"])
    if options["identification"] == "sign":
        ident += f" ({options['restrictions']})"
    end = f"{result.as_of:%Y-%m}" if options["end"] == "as_of" else options["end"]
    fit = getattr(result.raw.get("models", {}).get(model), "fit", None)
    lags = getattr(fit, "lags", options["lags"])
    chosen = (
        ""
        if options.get("lag_criterion", "fixed") == "fixed"
        else f" by {options['lag_criterion'].upper()}"
    )
    return f"{model}: {ident}, VAR({lags}){chosen} {options['start']}..{end}"


def loss_shares(result: RunResult, scenario: str) -> np.ndarray:
    """Return the scenario's net supply loss per month in % of world crude supply."""
    loss = result.raw["draws"].get((scenario, "outage", "world_net_supply_loss_kbd"))
    if loss is None:
        return np.zeros(result.horizon)
    world = result.assumptions.set_index("key")["value"]["world_crude_kbd"]
    return 100.0 * np.asarray(loss.mean(axis=0), dtype=float) / float(world)


def _effect_draws(result: RunResult, scenario: str, model: str) -> np.ndarray:
    """Brent's per-draw difference from baseline in % (draws, months)."""
    draws = result.raw["draws"]
    level = draws[(scenario, model, "brent_usd")]
    base = draws[("baseline", model, "brent_usd")]
    return np.asarray(100.0 * (level / base - 1.0))


def _after_mask(shares: np.ndarray) -> np.ndarray:
    after = np.zeros(shares.shape, dtype=bool)
    if (shares > 0).any():
        after[int(np.flatnonzero(shares > 0)[-1]) + 1 :] = True
    return after


def _model_row(
    result: RunResult, scenario: str, model: str, shares: np.ndarray | None = None
) -> dict[str, Any]:
    """Return one model's effects at the headline horizons, per 1% and after the outage.

    ``shares`` are the scenario's :func:`loss_shares` (computed when not given).
    """
    effect = _effect_draws(result, scenario, model)
    draws = result.raw["draws"]
    usd = draws[(scenario, model, "brent_usd")] - draws[("baseline", model, "brent_usd")]
    shares = loss_shares(result, scenario) if shares is None else shares
    row: dict[str, Any] = {"row": "model", "model": model, "label": model_label(result, model)}
    for h in HORIZONS:
        if h > result.horizon:
            continue
        low, median, high = np.quantile(effect[:, h - 1], [0.05, 0.5, 0.95])
        share = float(shares[h - 1])
        row[f"effect_usd_h{h}_q50"] = float(np.median(usd[:, h - 1]))
        row[f"effect_h{h}_q50"] = float(median)
        row[f"effect_h{h}_q05"] = float(low)
        row[f"effect_h{h}_q95"] = float(high)
        row[f"loss_share_h{h}_pct"] = share
        row[f"per_1pct_h{h}"] = float(median) / share if share > 0 else np.nan
    after = _after_mask(shares)
    if after.any():
        low, median, high = np.quantile(effect[:, after].mean(axis=1), [0.05, 0.5, 0.95])
        row.update(after_q50=float(median), after_q05=float(low), after_q95=float(high))
        row["after_months"] = int(after.sum())
    return row


def forecast_record(
    backtest: BacktestEvidence | None, model: str, as_of: pd.Timestamp
) -> tuple[dict[int, float], str]:
    """Return a model's MSPE ratios against end-of-month no-change by horizon, and their source.

    The ratios are read from ``backtest.csv`` by the model's registry name (target
    :data:`RECORD_TARGET`). The elasticity model's forecast is the baseline's (ratio 1 by
    construction). A record whose last target date is after ``as_of`` would be look-ahead for
    a replay: its ratios are left out and the text says so.
    """
    if model == "elasticity":
        return dict.fromkeys(HORIZONS, 1.0), ELASTICITY_RECORD
    if backtest is None:
        return {}, NO_BACKTEST
    table = backtest.table
    if "target" in table.columns:
        table = table[table["target"] == RECORD_TARGET]
    rows = table[table["model"] == model]
    if rows.empty:
        return {}, NO_RECORD
    last = backtest.last_target(model, RECORD_TARGET)
    if last is not None and last > as_of:
        return {}, LOOK_AHEAD.format(last=last, as_of=as_of)
    ratios = {
        int(h): float(r)
        for h, r in zip(rows["horizon"], rows["mspe_ratio_eom"], strict=True)
        if int(h) in HORIZONS
    }
    first = rows.sort_values("horizon").iloc[0]
    n = int(first["n"]) if "n" in rows.columns and pd.notna(first["n"]) else 0
    return ratios, RECORD_FROM.format(target=RECORD_TARGET, n=n)


def ensemble_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the median and the range (min-max) of the models' medians, per column."""
    row: dict[str, Any] = {
        "row": "ensemble",
        "model": "ensemble",
        "label": f"ensemble of {len(rows)} models/identifications",
        "note": ENSEMBLE_NOTE.format(n=len(rows)),
    }
    # the rows' columns in order of first appearance (a frame of the rows has them so)
    columns = list(dict.fromkeys(key for r in rows for key in r))

    def known(column: str) -> np.ndarray:
        """Return the column's values over the rows, missing ones left out."""
        values = np.array([r.get(column, np.nan) for r in rows], dtype=float)
        return values[~np.isnan(values)]

    for column in [c for c in columns if c.endswith("_q50")]:
        values = known(column)
        if values.size == 0:
            continue
        stem = column.removesuffix("_q50")
        row[column] = float(np.median(values))
        row[f"{stem}_q05"] = float(values.min())
        row[f"{stem}_q95"] = float(values.max())
    for column in [c for c in columns if c.startswith(("per_1pct_", "loss_share_"))]:
        values = known(column)
        row[column] = float(np.median(values)) if values.size else np.nan
    return row


def literature_band() -> tuple[float, float, str]:
    """Return the lowest and highest implied % price response per 1% supply loss, and studies."""
    table = facts.load("oil_market_elasticities")
    values = table["implied_price_pct_per_1pct_supply_loss"].astype(float)
    studies = "; ".join(
        f"{study} {value:.2f}" for study, value in zip(table["study"], values, strict=True)
    )
    return float(values.min()), float(values.max()), studies


def _literature_row() -> dict[str, Any]:
    low, high, studies = literature_band()
    row: dict[str, Any] = {
        "row": "literature",
        "model": "literature",
        "label": f"literature: {low:.1f}-{high:.1f}% per 1% of world supply lost",
        "note": studies,
    }
    for h in HORIZONS:
        row[f"per_1pct_h{h}_low"] = low
        row[f"per_1pct_h{h}_high"] = high
    return row


def headline_table(
    result: RunResult, scenario: str, backtest: BacktestEvidence | None = None
) -> pd.DataFrame:
    """Return the headline table of ``scenario`` (see the module docstring for the columns)."""
    shares = loss_shares(result, scenario)
    rows = [_model_row(result, scenario, model, shares) for model in price_models(result)]
    for row in rows:
        ratios, text = forecast_record(backtest, row["model"], result.as_of)
        row.update({f"mspe_ratio_eom_h{h}": ratios.get(h, np.nan) for h in HORIZONS})
        row["record"] = text
    skipped = [
        {"row": "skipped", "model": name, "label": name, "note": f"not run: {reason}"}
        for name, reason in result.skipped.items()
        if _is_price(name)
    ]
    table = [*rows, *skipped]
    if rows:
        table.append(ensemble_row(rows))
    table.append(_literature_row())
    frame = pd.DataFrame(table)
    frame.insert(0, "scenario", scenario)
    frame.insert(1, "first_month", months(result)[0])
    return frame


def _is_price(name: str) -> bool:
    from forecast.errors import ForecastError
    from forecast.models import registry

    try:
        return registry.get(name).kind == "price"
    except ForecastError:
        return False


def _cell(row: pd.Series, stem: str) -> str:
    """``median (low to high)`` for one effect column stem, "" when missing."""
    median = row.get(f"{stem}_q50")
    if median is None or pd.isna(median):
        return ""
    return f"{median:+.1f} ({row[f'{stem}_q05']:+.1f} to {row[f'{stem}_q95']:+.1f})"


def _number(value: object, digits: int = 2) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.{digits}f}"  # type: ignore[call-overload]


def display(table: pd.DataFrame) -> dict[str, Any]:
    """Return the headline table as template rows (strings only).

    ``horizons`` lists the horizons shown; each row has ``kind``, ``label``, ``effects`` (one
    ``median (5% to 95%)`` string per horizon; the ensemble's bracket is its range),
    ``after``, ``per_1pct`` and ``ratios`` (per horizon), ``record`` and ``note``.
    """
    horizons = [h for h in HORIZONS if f"loss_share_h{h}_pct" in table.columns]
    rows = []
    for _, row in table.iterrows():
        kind = str(row["row"])
        per = (
            [
                f"{row[f'per_1pct_h{h}_low']:.1f} to {row[f'per_1pct_h{h}_high']:.1f}"
                for h in horizons
            ]
            if kind == "literature"
            else [_number(row.get(f"per_1pct_h{h}")) for h in horizons]
        )
        rows.append(
            {
                "kind": kind,
                "label": str(row["label"]),
                "effects": [_cell(row, f"effect_h{h}") for h in horizons],
                "after": _cell(row, "after"),
                "per_1pct": per,
                "ratios": [_number(row.get(f"mspe_ratio_eom_h{h}")) for h in horizons],
                "record": "" if pd.isna(row.get("record")) else str(row.get("record")),
                "note": "" if pd.isna(row.get("note")) else str(row.get("note")),
            }
        )
    shares = table[table["row"] == "model"]
    share_text = (
        ", ".join(f"{shares[f'loss_share_h{h}_pct'].iloc[0]:.2f}% at h={h}" for h in horizons)
        if not shares.empty
        else ""
    )
    return {"horizons": horizons, "rows": rows, "shares": share_text}


ACTIVITY_HORIZON = 6
"""Months after the shock at which the real-activity diagnostic reads the response."""


def activity_lines(result: RunResult) -> list[str]:
    """Return, per SVAR that ran, whether its supply disruption raises or lowers activity.

    Read from the model's own impulse responses (``svar_irf``: the one-standard-deviation
    supply disruption's effect on real activity, ``rea``, at :data:`ACTIVITY_HORIZON` months;
    point estimate and 90% band). An exogenous disruption should lower it.
    """
    lines = []
    adapters = result.raw.get("models", {})
    for model in price_models(result):
        tables = getattr(adapters.get(model), "tables", {})
        irf = tables.get("svar_irf") if isinstance(tables, dict) else None
        if irf is None:
            continue
        row = irf[
            (irf["shock"] == "supply")
            & (irf["variable"] == "rea")
            & (irf["horizon"] == ACTIVITY_HORIZON)
        ]
        if row.empty:
            continue
        first = row.iloc[0]
        verb = "lowers" if first["estimate"] < 0 else "raises"
        lines.append(
            f"{model_label(result, model)}: the identified supply disruption {verb} real "
            f"activity at {ACTIVITY_HORIZON} months ({first['estimate']:+.2f} index points; "
            f"90% band {first['q05']:+.2f} to {first['q95']:+.2f})"
            + ("" if verb == "lowers" else ": not what an exogenous disruption should do")
            + "."
        )
    return lines


SENSITIVITY_HORIZONS = (1, 3, 12)
"""Months of the sensitivity view's cells (the real price's response, in %)."""


def _sensitivity_cell(row: pd.Series) -> str:
    """One cell of :func:`sensitivity_view`: the responses, or why there are none."""
    if row["status"] != "ok":
        return str(row["status"])
    values = " / ".join(f"{row[f'h{h}']:.2f}" for h in SENSITIVITY_HORIZONS)
    last = SENSITIVITY_HORIZONS[-1]
    low, high = row.get(f"h{last}_min"), row.get(f"h{last}_max")
    spread = (
        f" (set h{last}: {low:.2f} to {high:.2f}, {int(row['models'])} models)"
        if pd.notna(low) and pd.notna(high) and high > low
        else ""
    )
    return f"{values}{spread}; activity at h6 {row['rea_h6_sign']}"


def sensitivity_view(table: pd.DataFrame) -> pd.DataFrame:
    """Return the SVAR sensitivity grid as one row per sample and identification.

    A column per lag length; each cell gives the real price's response (%) to world
    production held 1% below its path at h = 1, 3 and 12 months, the identified set's range
    at h = 12 for sign identification, and the sign of real activity's response at 6 months,
    or the cell's status (a weak instrument, no admissible model) instead of numbers: a
    weak instrument's point values are not estimates worth printing.
    """
    frame = table.assign(cell=table.apply(_sensitivity_cell, axis=1))
    wide = frame.pivot_table(
        index=["sample", "identification"], columns="lags", values="cell", aggfunc="first"
    )
    order = {name: i for i, name in enumerate(dict.fromkeys(table["identification"]))}
    wide = wide.reset_index()
    wide = wide.sort_values(
        ["sample", "identification"],
        key=lambda s: s.map(order) if s.name == "identification" else s,
    )
    wide.columns = [
        f"VAR({c})" if isinstance(c, (int, np.integer)) else str(c) for c in wide.columns
    ]
    return wide.reset_index(drop=True)
