"""The report's opening paragraph, one function per sentence, every number from the results.

:func:`summary_sentences` returns the sentences in reading order: the scenario and its Brent
effect over the outage and after it, the range across the price models, Cuba, the
probabilities and the one caveat that matters. The template only prints them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from forecast.reports import _headline
from forecast.reports._tables import months, price_models, probability_table, window_effect

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from forecast.results import RunResult

__all__ = ["ensemble_sentence", "headline_scenario", "summary_paragraph", "summary_sentences"]

PREFERRED = "venezuela_full_halt"
"""The scenario the summary leads with when it was run."""
LEAD_HORIZON = 6
"""Months after the as-of month at which the summary's first number is read."""


def headline_scenario(result: RunResult) -> str | None:
    """Return the scenario the summary describes: the full halt if run, else the first one."""
    others = result.scenario_ids[1:]
    if PREFERRED in others:
        return PREFERRED
    losing = [s for s in others if _outage_mask(result, s).any()]
    chosen = losing or others
    return chosen[0] if chosen else None


def _outage_mask(result: RunResult, scenario: str) -> npt.NDArray[np.bool_]:
    """Months in which the scenario removes supply from the world market (mean over draws)."""
    loss = result.raw["draws"].get((scenario, "outage", "world_net_supply_loss_kbd"))
    if loss is None:
        return np.zeros(result.horizon, dtype=bool)
    return np.asarray(loss.mean(axis=0) > 0)


def _after_mask(outage: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    after = np.zeros_like(outage)
    if outage.any():
        after[int(np.flatnonzero(outage)[-1]) + 1 :] = True
    return after


def _usd(value: float) -> str:
    return f"US${abs(value):,.2f}/bbl"


def _dir(value: float, up: str = "above", down: str = "below") -> str:
    return up if value >= 0 else down


def scenario_sentence(result: RunResult, scenario: str, model: str, *, named: bool = False) -> str:
    """Return the scenario, its supply loss and Brent's effect over the outage and after it ends.

    ``named``: the sentence before has named the scenario, so this one says "In that
    scenario" instead of naming it again.
    """
    title = {s.id: s.title for s in result.scenarios}[scenario]
    where = "In that scenario" if named else f"In the scenario “{title}”"
    outage = _outage_mask(result, scenario)
    dates = months(result)
    if not outage.any():
        return f"{where} no supply leaves the world market, so Brent follows the baseline."
    loss = result.raw["draws"][(scenario, "outage", "world_net_supply_loss_kbd")]
    kbd = float(loss.mean(axis=0)[outage].mean())
    during = window_effect(result, scenario, model, outage)
    span = f"{dates[outage][0]:%B %Y} to {dates[outage][-1]:%B %Y}"
    text = (
        f"{where}, the world market loses {kbd:,.0f} kb/d on average from "
        f"{span}; over those months Brent averages {_usd(during['usd_mean'])} "
        f"({abs(during['pct_mean']):.1f}%) {_dir(during['usd_mean'])} the baseline in the "
        f"{model} model (90% band {during['usd_q05']:+,.2f} to {during['usd_q95']:+,.2f} "
        f"US$/bbl, {during['pct_q05']:+.1f}% to {during['pct_q95']:+.1f}%)"
    )
    after = _after_mask(outage)
    if after.any():
        later = window_effect(result, scenario, model, after)
        text += (
            f", and {_usd(later['usd_mean'])} ({abs(later['pct_mean']):.1f}%) "
            f"{_dir(later['usd_mean'])} it in the {int(after.sum())} months after the outage "
            f"ends (90% band {later['usd_q05']:+,.2f} to {later['usd_q95']:+,.2f} US$/bbl, "
            f"{later['pct_q05']:+.1f}% to {later['pct_q95']:+.1f}%)"
        )
    return text + "."


def _short(model: str) -> str:
    """Return how the lead sentence names a model (its identification for the SVARs)."""
    names = {"svar": "recursive", "svar_sign": "sign", "svar_proxy": "proxy"}
    return names.get(model, model)


def ensemble_sentence(result: RunResult, scenario: str, table: pd.DataFrame | None = None) -> str:
    """Return the lead: Brent's effect at 6 months, median and range across the price models.

    ``table`` is the scenario's :func:`~forecast.reports._headline.headline_table` (computed
    when not given).
    """
    table = _headline.headline_table(result, scenario) if table is None else table
    column = f"effect_h{LEAD_HORIZON}_q50"
    ran = table[table["row"] == "model"]
    ensemble = table[table["row"] == "ensemble"]
    if ran.empty or column not in table.columns or ensemble.empty:
        return ""
    row = ensemble.iloc[0]
    title = {s.id: s.title for s in result.scenarios}[scenario]
    usd, pct = row[f"effect_usd_h{LEAD_HORIZON}_q50"], row[column]
    side = "above" if pct >= 0 else "below"
    each = ", ".join(
        f"{_short(m)} {v:+.1f}%" for m, v in zip(ran["model"], ran[column], strict=True)
    )
    count = len(ran)
    low, high = row[f"effect_h{LEAD_HORIZON}_q05"], row[f"effect_h{LEAD_HORIZON}_q95"]
    across = (
        f"median across {count} models/identifications, range {low:+.1f}% to {high:+.1f}%"
        if count > 1
        else "one model"
    )
    return (
        f"In the scenario “{title}”, Brent is about US${abs(usd):,.2f}/bbl ({abs(pct):.1f}%) "
        f"{side} the baseline at {LEAD_HORIZON} months ({months(result)[LEAD_HORIZON - 1]:%B %Y}):"
        f" {across} ({each})."
    )


def models_sentence(result: RunResult, scenario: str) -> str:
    """Return the range of the outage-period Brent effect across the price models run."""
    models = price_models(result)
    outage = _outage_mask(result, scenario)
    if len(models) < 2 or not outage.any():
        return ""
    effects = {m: window_effect(result, scenario, m, outage)["usd_mean"] for m in models}
    low = min(effects, key=effects.__getitem__)
    high = max(effects, key=effects.__getitem__)
    return (
        f"Across the {len(models)} price models run ({', '.join(models)}) that effect ranges "
        f"from {effects[low]:+,.2f} US$/bbl ({low}) to {effects[high]:+,.2f} US$/bbl ({high})."
    )


def cuba_sentence(result: RunResult, scenario: str) -> str:
    """Return Cuba's growth in the first full projected year and its GDP level at the end."""
    model = result.cuba_model
    if model is None:
        return ""
    diffs = result.differences[
        (result.differences["scenario"] == scenario) & (result.differences["model"] == model)
    ]
    growth = diffs[diffs["variable"] == "cuba_gdp_growth_pct"]
    year = _first_full_year(result)
    growth = growth[growth["date"].dt.year == year]
    level = diffs[diffs["variable"] == "cuba_gdp_level_index"]
    if growth.empty or level.empty:
        return ""
    g, lv = growth.iloc[0], level.iloc[-1]
    return (
        f"Cuba's real GDP growth in {year} is {abs(g['mean']):.1f} percentage points "
        f"{_dir(g['mean'], 'higher', 'lower')} than in the baseline (90% band {g['q05']:+.1f} "
        f"to {g['q95']:+.1f}) and its GDP level in {lv['date']:%Y} {abs(lv['mean']):.1f}% "
        f"{_dir(lv['mean'], 'higher', 'lower')} ({lv['q05']:+.1f}% to {lv['q95']:+.1f}%), in "
        f"the {model} model."
    )


def _first_full_year(result: RunResult) -> int:
    dates = months(result)
    full = [y for y in sorted(set(dates.year)) if (dates.year == y).sum() == 12]
    return full[0] if full else int(dates[-1].year)


def probability_sentence(
    result: RunResult, scenario: str, model: str, frame: pd.DataFrame | None = None
) -> str:
    """Return the chance that Brent averages above a level next year, or spikes in any month.

    ``frame`` is the run's :func:`~forecast.reports._tables.probability_table` (computed when
    not given).
    """
    frame = probability_table(result) if frame is None else frame
    table = frame[frame["model"] == model].set_index(["statement", "scenario"])["probability"]
    parts = []
    for statement in dict.fromkeys(s for s, _ in table.index):
        here, base = table[(statement, scenario)], table[(statement, "baseline")]
        parts.append(
            f"P({statement}) is {100 * here:.0f}% in this scenario against {100 * base:.0f}% "
            "in the baseline"
        )
    return f"From the {model} model's draws: " + "; ".join(parts) + "." if parts else ""


def caveat_sentence(result: RunResult, scenario: str) -> str:
    """Return the one caveat that matters most for this run."""
    origins = result.data.set_index("series_id")["origin"]
    if origins.get("brent_usd") == "bundled":
        return (
            "Caveat: these numbers come from the package's bundled data snapshot, not a "
            "current store; refresh the data before quoting them."
        )
    if result.price_model == "svar" and "elasticity" in price_models(result):
        outage = _outage_mask(result, scenario)
        if outage.any():
            cross = window_effect(result, scenario, "elasticity", outage)["usd_mean"]
            return (
                "Caveat: the structural VAR's effect depends on its sample and its "
                "identification of supply shocks; the elasticity cross-check, built from "
                f"published elasticities instead, gives {cross:+,.2f} US$/bbl over the outage."
            )
    return (
        "Caveat: the price effect rests on short-run supply and demand elasticities that "
        "the literature does not pin down; read the bands as wide."
    )


def summary_sentences(
    result: RunResult,
    *,
    headline: pd.DataFrame | None = None,
    probabilities: pd.DataFrame | None = None,
) -> list[str]:
    """Return the summary's sentences, in order (empty when no scenario but baseline ran).

    ``headline`` (the :func:`headline_scenario`'s headline table, with or without a
    backtest's record) and ``probabilities`` (the run's probability table) are computed
    when not given.
    """
    scenario = headline_scenario(result)
    model = result.price_model
    if scenario is None or model is None:
        return []
    if headline is not None and (headline.empty or headline["scenario"].iloc[0] != scenario):
        headline = None  # not this scenario's table: the sentence computes its own
    lead = ensemble_sentence(result, scenario, headline)
    sentences = [
        lead,
        scenario_sentence(result, scenario, model, named=bool(lead)),
        models_sentence(result, scenario),
        cuba_sentence(result, scenario),
        probability_sentence(result, scenario, model, probabilities),
        caveat_sentence(result, scenario),
    ]
    return [s for s in sentences if s]


def summary_paragraph(result: RunResult) -> str:
    """Return the summary as one paragraph."""
    return " ".join(summary_sentences(result))
