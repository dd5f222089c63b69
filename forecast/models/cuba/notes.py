"""The prose of the Cuba models: the plain-language notes a report prints next to their numbers.

The estimation modules compute numbers only; the functions here turn a calibration
(:func:`calibration_notes`) or an econometric fit (:func:`fit_notes`) into the sentences of
its ``notes``, and format years (:func:`years_text`, :func:`run_text`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from forecast.models.cuba.data import (
    BARRELS_PER_TONNE,
    LEVEL_BASE_YEAR,
    PRICE,
    RECONCILIATION_RULES,
    REGIME,
    REGIME_START,
    SPECIAL_PERIOD,
    SUPPLY,
    SUPPLY_LAG,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from forecast.models.cuba.calibrated import CubaCalibration
    from forecast.models.cuba.data import CubaDataset
    from forecast.models.cuba.econometric import CubaFit, Regression

__all__ = [
    "calibration_notes",
    "controls_note",
    "drawn_note",
    "dummy_text",
    "fit_notes",
    "run_text",
    "years_text",
]


def years_text(first: int, last: int) -> str:
    """Return a span of years, e.g. ``1989-93`` (``1999-2001`` across a century)."""
    return f"{first}-{str(last)[-2:]}" if last // 100 == first // 100 else f"{first}-{last}"


def run_text(years: Iterable[int]) -> str:
    """Return years as compact runs, e.g. ``2016-19, 2022-24``."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else years_text(r[0], r[-1]) for r in runs)


# --- the calibrated model -------------------------------------------------------------------


def calibration_notes(
    calib: CubaCalibration, *, wb_check: float | None, consumption_pct: float | None
) -> tuple[str, ...]:
    """Return the notes of a calibration (:attr:`CubaCalibration.notes`).

    Parameters
    ----------
    calib
        The calibration, without notes.
    wb_check
        The Special Period's cumulative GDP change by the annual growth table, if it covers
        the episode.
    consumption_pct
        Another account's change in Cuba's oil consumption in the Special Period, if given.

    Returns
    -------
    tuple of str
        One sentence or short paragraph each.
    """
    sp, rd = calib.episodes
    q05, q95 = calib.elasticity_quantile(0.05), calib.elasticity_quantile(0.95)
    first = calib.first_year_share
    notes = [
        (
            "The Cuba channel is calibrated on two episodes only, not estimated: its elasticity is "
            "a judgement range around two data points, and other shocks overlapped with both."
        ),
        (
            f"Special Period ({sp.start_year}-{sp.end_year}): Soviet oil deliveries fell from "
            f"{sp.oil_before_kbd:.0f} to {sp.oil_after_kbd:.0f} kb/d ({sp.needs_lost_pct:.0f}% of "
            f"Cuba's supply, taken as its needs) and real GDP changed by {sp.gdp_change_pct:.0f}%; "
            f"{sp.oil_attribution:.0%} of the fall is put down to oil (the scenario's "
            f"cuba.attribution_special_period): {sp.elasticity:.2f}% of GDP per 1% of oil needs "
            "lost. All of Cuba's Soviet trade collapsed at once, so a share of 1 puts on oil "
            "what was partly a wider trade shock."
        ),
        (
            f"Venezuelan decline ({rd.start_year}-{rd.end_year}): shipments fell from "
            f"{rd.oil_before_kbd:.0f} to {rd.oil_after_kbd:.0f} kb/d ({rd.needs_lost_pct:.0f}% of "
            f"needs) and real GDP changed by {rd.gdp_change_pct:.1f}%; COVID, tourism and "
            f"sanctions overlapped, and {rd.oil_attribution:.0%} of the fall is put down to oil "
            "(cuba.attribution_venezuelan_decline): "
            f"{rd.elasticity:.2f}. A smaller share for oil gives a smaller value."
        ),
        (
            f"The elasticity is drawn from a lognormal with median {calib.elasticity_median:.3f} "
            f"(log mean {calib.elasticity_mu:.3f}) and log sd {calib.elasticity_sigma:.3f}: the "
            f"episode values are its 10th and 90th percentiles, its 90% range is "
            f"{q05:.2f}-{q95:.2f}% of GDP per 1% of needs lost without replacement."
        ),
        (
            f"A loss hits GDP {first:.0%} in the year it starts and the remaining {1 - first:.0%} "
            "the next year; a loss that lasts keeps its effect, one that ends is undone with the "
            "same lag (a judgement)."
        ),
        (
            f"Cuba's oil needs are taken as {calib.oil_needs_kbd:.0f} kb/d, the mean of estimates "
            f"of {min(calib.oil_needs_estimates_kbd):.0f}-{max(calib.oil_needs_estimates_kbd):.0f} "
            "kb/d; lower needs make the same loss a larger share, and its effect larger."
        ),
        (
            f"Growth without the loss is drawn around {calib.baseline_growth_mean_pct:.2f}% a year "
            f"(sd {calib.baseline_growth_sd_pct:.2f} pp), the {run_text(calib.baseline_years)} "
            "average (COVID years left out), with the uncertainty of that mean added."
        ),
        (
            f"Barrels bought to replace lost ones cost their volume times Brent; "
            f"{calib.import_bill_pass_through:.0%} of that bill, as a share of a round US$ "
            f"{calib.gdp_usd_m / 1000:.0f} bn GDP (World Bank, 2018-20, at the official peso rate "
            "that overstates dollar GDP), is taken off GDP in the year it is paid."
        ),
        (
            f"Electricity at risk assumes unreplaced barrels cut every use of oil in proportion: "
            f"{calib.gwh_per_kbd:.0f} GWh a year per kb/d of gap, from {calib.generation_year} "
            f"generation of {calib.generation_gwh:,.0f} GWh, all non-renewable generation treated "
            "as oil-fired (associated-gas plants are not separated, which overstates it)."
        ),
        (
            "Cuba's GDP figures after 2022 are official statements, not World Bank data; dollar "
            "GDP and the oil balance are rough."
        ),
    ]
    if wb_check is not None:
        notes.append(
            f"Cross-check: the annual growth table gives {wb_check:.1f}% for "
            f"{sp.start_year}-{sp.end_year}, against {sp.gdp_change_pct:.0f}% used."
        )
    if consumption_pct is not None:
        notes.append(
            f"Another account has Cuba's oil consumption down only {-consumption_pct:.0f}% by "
            "1992 (re-exports of Soviet oil stopped first); measured that way the Special "
            "Period would imply a much larger elasticity. It is not used."
        )
    return tuple(notes)


# --- the econometric model ------------------------------------------------------------------


def fit_notes(
    fit: CubaFit,
    *,
    full: Regression,
    without: Regression,
    chosen: Regression,
    no_shift: Regression | None,
) -> tuple[str, ...]:
    """Return the notes of an econometric fit (:attr:`CubaFit.notes`).

    Parameters
    ----------
    fit
        The fit, without notes.
    full, without
        The regressions on all years and without the Special Period.
    chosen
        The one of them that gives the likelihood.
    no_shift
        The sensitivity without the 2016 level shift, if the sample reaches 2016.

    Returns
    -------
    tuple of str
        One sentence or short paragraph each.
    """
    return (
        _sample_note(chosen),
        *fit.dataset.derived("data_notes", lambda: _data_notes(fit.dataset)),
        *_estimate_notes(fit, full=full, without=without, chosen=chosen, no_shift=no_shift),
        *_posterior_notes(fit, full=full, without=without, chosen=chosen),
        *_closing_notes(fit),
    )


def _coef(reg: Regression, term: str) -> str:
    """Return a coefficient with its HC3 standard error, e.g. ``+0.123 (HC3 se 0.045)``."""
    if term not in reg.terms:
        return "not estimable"
    i = reg.index(term)
    return f"{reg.params[i]:+.3f} (HC3 se {math.sqrt(reg.cov[i, i]):.3f})"


def _sample_note(chosen: Regression) -> str:
    """Return the note on the small sample."""
    return (
        f"Small sample: the model is estimated on {chosen.nobs} annual observations "
        f"({chosen.label}, the 2020 dummy apart); every coefficient is imprecise, and the "
        "bands carry the parameter uncertainty as well as the year-to-year noise "
        f"(residual sd {chosen.residual_sd:.2f} pp)."
    )


def _data_notes(data: CubaDataset) -> tuple[str, ...]:
    """Return the notes on the data: concessional oil, Soviet deliveries, shipments, prices.

    They depend on the data set alone, so fits that share one share them
    (:meth:`~forecast.models.cuba.data.CubaDataset.derived`).
    """
    ships = data.shipments
    width = ((ships["high_kbd"] - ships["low_kbd"]) / ships["central_kbd"]).to_numpy()
    w = int(np.argmax(width))
    wide_year = int(ships["year"].to_numpy()[w])
    wide_low, wide_high = (
        float(ships["low_kbd"].to_numpy()[w]),
        float(ships["high_kbd"].to_numpy()[w]),
    )
    bases = ", ".join(
        f"{basis} {run_text(ships.loc[ships['basis'] == basis, 'year'].tolist())}"
        for basis in RECONCILIATION_RULES
        if (ships["basis"] == basis).any()
    )
    return (
        (
            "Concessional oil is Soviet/Russian deliveries plus Venezuelan shipments, and the "
            "regressor is its change as a share of Cuba's needs (pp), with a one-year lag: a "
            "loss lowers growth in its year and the next."
        ),
        (
            f"Soviet deliveries: {data.soviet_needs_kbd:.0f} kb/d in 1989 and "
            f"{data.soviet_kbd(data.soviet_end):.0f} kb/d in "
            f"{data.soviet_end} ({BARRELS_PER_TONNE} bbl/t), linear in between, the 1989 level "
            "before (an assumption) and the last level after (no figures, so no change). "
            f"Needs are {data.soviet_needs_kbd:.0f} kb/d through {data.soviet_end} (the "
            f"deliveries covered nearly all of Cuba's oil) and {data.needs_kbd:.0f} kb/d after "
            "(the oil balance estimates)."
        ),
        (
            f"Venezuelan shipments {int(ships['year'].min())}-{int(ships['year'].max())} are "
            f"reconciled into one series ({bases}); each year has a band (about a 90% range), "
            f"widest in {wide_year} ({wide_low:.0f}-{wide_high:.0f} kb/d). The bands are not "
            "propagated into the coefficients: errors in the regressor bias its coefficient "
            "towards zero."
        ),
        f"Oil price: {data.price_note}; deflator: {data.deflator_note}.",
    )


def _estimate_notes(
    fit: CubaFit,
    *,
    full: Regression,
    without: Regression,
    chosen: Regression,
    no_shift: Regression | None,
) -> list[str]:
    """Return the notes on the estimates: oil and price coefficients, controls, errors."""
    oil = fit.oil_effect.set_index("source")
    full_oil = oil.loc[f"ols {full.label}"]
    without_oil = oil.loc[f"ols {without.label}"]
    moved = full_oil["cumulative"] - without_oil["cumulative"]
    return [
        (
            f"All years ({full.label}): losing 1 pp of needs lowers growth by "
            f"{_coef(full, SUPPLY)} pp that year and {_coef(full, SUPPLY_LAG)} pp the next, "
            f"{full_oil['cumulative']:.3f} in all. Without {years_text(*SPECIAL_PERIOD)} "
            f"({without.label}): {_coef(without, SUPPLY)} and {_coef(without, SUPPLY_LAG)}, "
            f"{without_oil['cumulative']:.3f} in all. The Special Period drives the "
            f"full-sample estimate: leaving it out moves the cumulative effect by "
            f"{moved:+.3f} pp per pp."
        ),
        (
            f"Real oil price: {_coef(chosen, PRICE)} pp of growth per 1% real rise. It is "
            "positive because most price moves in the sample came with world demand, which "
            "also lifted Cuba's exports, tourism and Venezuela's aid; a supply-driven rise can "
            "only hurt an oil importer. The data do not identify that response, so the price "
            "coefficient the projection uses is an assumption, not an estimate: the scenario's "
            "cuba.price_channel. The default, restricted_estimate, draws it from the estimate "
            f"truncated to <= 0 (mean {fit.restricted_mean(PRICE):+.4f}), independently of the "
            "other coefficients; accounting uses the cross-check (50 kb/d bought at 65 US$/bbl "
            "with half the extra bill off GDP: -0.006); none sets it to 0."
        ),
        controls_note(chosen, no_shift, oil),
        (
            "Standard errors are HC3, the small-sample heteroskedasticity-robust choice; a few "
            "years have high leverage. Newey-West (1 lag) errors are shown too: residual "
            f"autocorrelation is modest (first order {chosen.autocorrelation():.2f}) and with "
            "about 30 years they are biased down."
        ),
    ]


def _posterior_notes(
    fit: CubaFit, *, full: Regression, without: Regression, chosen: Regression
) -> list[str]:
    """Return the notes on the prior, its combination with the regression and the draws."""
    prior = fit.prior
    oil = fit.oil_effect.set_index("source")
    full_oil = oil.loc[f"ols {full.label}"]
    without_oil = oil.loc[f"ols {without.label}"]
    post = oil.loc[f"posterior ({chosen.label})"]
    alt = oil.iloc[-1]
    prior_row = oil.loc["prior"]
    chosen_oil = oil.loc[f"ols {chosen.label}"]
    data_weight = (1 / chosen_oil["cumulative_sd"] ** 2) / (
        1 / chosen_oil["cumulative_sd"] ** 2 + 1 / prior_row["cumulative_sd"] ** 2
    )
    twice = sorted(set(prior.years) & set(fit.likelihood_years))
    counted = (
        f"The likelihood ({chosen.label}) has none of the years the prior is built on "
        f"({run_text(prior.years)}), so no year counts twice."
        if not twice
        else f"The prior and the likelihood share {run_text(twice)}: those years count twice, "
        "so the posterior is too confident."
    )
    del full_oil, without_oil
    return [
        (
            f"Prior ({prior.source}): cumulative elasticity median {prior.elasticity_median:.3f}"
            f", log sd {prior.elasticity_sigma:.3f}, taken as a normal with mean "
            f"{prior.elasticity_mean:.3f} and sd {prior.elasticity_sd:.3f}; "
            f"{prior.first_year_share:.0%} of it in the loss year (share sd {prior.share_sd})."
        ),
        (
            f"The prior and the regression ({chosen.label}) are combined by precision weights "
            "with a flat prior on the other coefficients: the posterior cumulative effect is "
            f"{post['cumulative']:.3f} (sd {post['cumulative_sd']:.3f}), first year "
            f"{post['first_year']:.3f} (sd {post['first_year_sd']:.3f}) before the sign "
            "restrictions (the draws' restricted mean is quoted below); the data carry about "
            f"{data_weight:.0%} of the weight. {counted} If the likelihood were "
            f"{str(alt.name).removeprefix('posterior if the likelihood were ')}, the "
            f"unrestricted cumulative effect would be {alt['cumulative']:.3f}."
        ),
        (
            "Draws: coefficients from the posterior with oil coefficients >= 0 and the price "
            "coefficient <= 0 (or fixed by cuba.price_channel); the residual sd from its "
            "scaled inverse chi-square; a normal shock each year."
        ),
    ]


def _closing_notes(fit: CubaFit) -> list[str]:
    """Return the notes on the accounting channels, 2005-06 and the projection."""
    ships = fit.dataset.shipments
    return [
        (
            "Accounting channels (supply gap, extra import bill at the scenario's Brent, its GDP "
            "drag, electricity at risk) are the calibrated model's; the oil coefficients apply "
            "to the unreplaced gap. Historically part of the lost oil was bought elsewhere, so "
            "they may understate a loss that cannot be replaced at all."
        ),
        (
            "Cuba's 2005-06 growth (11-12%) follows a change in GDP methodology and coincides "
            "with the Venezuelan ramp-up; the 2000-05 shipments are an agreement and an "
            "interpolation, not measurements."
        ),
        (
            f"Projection: baseline shipments flat after {int(ships['year'].max())}, Brent "
            f"deflated at {fit.inflation_pct}% a year; the GDP level index ({LEVEL_BASE_YEAR} = "
            "100) is bridged from the last GDP year at the posterior-mean growth."
        ),
    ]


def drawn_note(fit: CubaFit, drawn: dict[str, float], price_channel: str | float) -> str:
    """Return the note on the effect the draws carry (the restricted posterior).

    Parameters
    ----------
    fit
        The fit.
    drawn
        :func:`forecast.models.cuba.econometric.drawn_oil_effect` of its draws.
    price_channel
        The price channel of the draws.

    Returns
    -------
    str
        One sentence.
    """
    oil = fit.oil_effect.set_index("source")
    post = oil.iloc[next(i for i, s in enumerate(oil.index) if str(s).startswith("posterior ("))]
    rise = drawn["cumulative"] / float(post["cumulative"]) - 1.0
    return (
        "Effect used in the projections (the draws, oil coefficients truncated to >= 0): "
        f"cumulative {drawn['cumulative']:.3f} pp per pp of needs (sd "
        f"{drawn['cumulative_sd']:.3f}), first year {drawn['first_year']:.3f}; the truncation "
        f"puts it {rise:+.0%} from the unrestricted posterior mean "
        f"{float(post['cumulative']):.3f}. Price coefficient ({price_channel}): mean "
        f"{drawn['price']:+.4f} pp per 1% real rise."
    )


def controls_note(chosen: Regression, no_shift: Regression | None, oil: pd.DataFrame) -> str:
    """Return the note on the controls: the 2016 level shift and the 2020 dummy."""
    covid = f"2020 has its own dummy ({dummy_text(chosen)}); 2021 has none (no rebound)."
    if REGIME not in chosen.terms or no_shift is None:
        return f"Controls: no level shift (the sample ends before {REGIME_START}); " + covid
    i = chosen.index(REGIME)
    return (
        f"Controls: a level shift from {REGIME_START}, {chosen.params[i]:+.2f} pp (HC3 se "
        f"{math.sqrt(chosen.cov[i, i]):.2f}); without it the residuals from {REGIME_START} "
        f"average {no_shift.mean_residual(REGIME_START):+.2f} pp and the cumulative oil "
        f"effect is {_cumulative(oil, f'ols {no_shift.label}'):.3f}: the shift takes some of "
        f"the fall in shipments since 2015 with it. {covid}"
    )


def _cumulative(oil: pd.DataFrame, source: str) -> float:
    return float(oil["cumulative"].to_numpy()[list(oil.index).index(source)])


def dummy_text(reg: Regression) -> str:
    """Return the 2020 dummy's estimate and classical se, or that it is not in the sample."""
    if not reg.dummies:
        return "not in the sample"
    _term, year, est, se = reg.dummies[0]
    return f"{year}: {est:+.2f} pp, classical se {se:.2f}"
