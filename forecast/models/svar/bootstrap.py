"""Recursive-design bootstrap of the SVAR: samples, OLS and identification batched over draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

import numpy as np
import pandas as pd

from forecast._arrays import check_count, frozen_numeric
from forecast._typing import BootstrapMethod, Identification
from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import cholesky, disruption_signs
from forecast.models.svar._identify import (
    km_first_admissible,
    km_region,
    proxy_impact,
    reduced_ma,
    square_quaternions,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from forecast.models.svar.estimation import SVARFit

__all__ = ["SVARDraws", "bootstrap_svar"]

_METHODS = get_args(BootstrapMethod)

BAD_METHOD = "method must be one of {known}, not {value!r}"
PROXY_GAUSSIAN = (
    "proxy identification resamples residuals and instrument together: use the residual or "
    "wild bootstrap, not gaussian"
)
MAX_ROTATIONS = 20_000
"""Default cap on the rotations tried for one bootstrap sample under sign identification."""
SAMPLE_CAP = 20
"""Default cap on the bootstrap samples drawn under sign identification, per draw asked for."""
ROTATION_CHUNK = 32_768
"""Most candidate rotations screened at once (their work arrays stay in the cache)."""
NO_ADMISSIBLE_SAMPLES = (
    "sign identification: only {accepted} of {tried} bootstrap samples ({rate:.1%}) have an "
    "admissible model within {max_rotations} rotations each; {draws} are needed and the cap "
    "is {cap} samples (the restrictions are not loosened: ask for fewer draws, or raise "
    "max_rotations or max_samples)"
)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARDraws:
    """Bootstrap draws of an SVAR's parameters, one structural model per draw.

    Attributes
    ----------
    coefs
        ``(n, p, K, K)``.
    intercept
        ``(n, K)``.
    sigma
        ``(n, K, K)``.
    impact
        ``(n, K, K)``: each draw's ``B``, identified as the fit was.
    method
        The bootstrap's innovations: ``"residual"``, ``"wild"`` or ``"gaussian"``.
    identification
        As in the fit.
    requested
        Draws asked for (exactly that many are returned, each a distinct bootstrap sample).
    samples_tried
        Bootstrap samples drawn (under sign identification more than ``requested`` when some
        samples have no admissible model; otherwise ``requested``).
    samples_accepted
        Of those, the samples with an admissible model (sign identification: the acceptance
        rate is ``samples_accepted / samples_tried``; the first ``requested`` are kept).
    rotations_tried
        Candidate rotations drawn in all (sign identification; 0 otherwise): proposals from
        the part of the rotations the elasticity bound leaves possible, each standing for
        many uniform ones (the notes give how many).
    notes
        What happened (the acceptance rate under sign identification).
    """

    coefs: np.ndarray
    intercept: np.ndarray
    sigma: np.ndarray
    impact: np.ndarray
    method: BootstrapMethod
    identification: Identification
    requested: int
    samples_tried: int = 0
    samples_accepted: int = 0
    rotations_tried: int = 0
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.coefs.shape[0])

    @property
    def acceptance_rate(self) -> float:
        """Share of the bootstrap samples drawn that have an admissible model."""
        return self.samples_accepted / self.samples_tried if self.samples_tried else 1.0

    def sampler_frame(self) -> pd.DataFrame:
        """One row: how the draws were sampled (samples tried and accepted, rotations)."""
        return pd.DataFrame(
            [
                {
                    "identification": self.identification,
                    "method": self.method,
                    "draws": self.requested,
                    "samples_tried": self.samples_tried,
                    "samples_accepted": self.samples_accepted,
                    "acceptance_rate": self.acceptance_rate,
                    "rotations_tried": self.rotations_tried,
                }
            ]
        )

    def irfs(self, horizon: int) -> np.ndarray:
        """Structural impulse responses of every draw, ``(n, horizon + 1, K, K)``."""
        return _var.structural_ma(self.coefs, self.impact, horizon)

    def max_roots(self) -> np.ndarray:
        """``(n,)``: largest companion-root modulus of each draw (>= 1: explosive)."""
        roots: np.ndarray = np.abs(np.linalg.eigvals(_var.companion(self.coefs))).max(axis=-1)
        return roots

    def __repr__(self) -> str:
        return (
            f"SVARDraws(n={len(self)}, method={self.method!r}, "
            f"identification={self.identification!r})"
        )


def bootstrap_svar(
    fit: SVARFit,
    draws: int,
    *,
    rng: np.random.Generator,
    method: BootstrapMethod = "residual",
    rotations: int = 500,
    max_rotations: int = MAX_ROTATIONS,
    max_samples: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SVARDraws:
    """Draw bootstrap SVARs, all at once: samples, OLS and identification in batched numpy.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Number of bootstrap models returned (each from its own bootstrap sample).
    rng
        The only source of randomness. Numbers taken: ``draws * (T - p)`` integers
        (``"residual"``, ``"wild"``) or ``draws * (T - p) * K`` normals (``"gaussian"``), plus
        under sign identification one binomial per sample (its number of proposals), then
        per sample and batch three uniforms and two normals per proposal (four normals per
        rotation for a sample whose bound leaves every rotation possible), and the numbers
        of every further round of samples.
    method
        ``"residual"``: i.i.d. resampling of the centred, degrees-of-freedom-inflated
        residuals; ``"wild"``: those residuals times a Rademacher sign per month (robust to
        conditional heteroskedasticity, but ``Σ`` hardly varies); ``"gaussian"``:
        ``N(0, Σ)`` innovations (statsmodels' Monte Carlo; not with proxy identification).
        Under proxy identification the instrument is resampled with the residuals (the same
        months, or times the same sign: Mertens & Ravn 2013).
    rotations
        Candidate rotations per sample and batch under sign identification: batches are
        drawn for the samples without an accepted rotation yet, until each has one (its
        first accepted rotation, a uniform draw from the sample's identified set, is kept)
        or has used its share of ``max_rotations``.
    max_rotations
        Cap on the rotations tried for one bootstrap sample: a sample without an accepted
        rotation among ``max_rotations`` uniform (Haar) rotations has an empty (or
        negligible) identified set and is not used. Only the rotations whose first row
        leaves room for the elasticity bound can be accepted, so just those are drawn: a
        binomial number of proposals with the distribution of the Haar draws that fall
        there (see :func:`~forecast.models.svar._identify.km_region`), which gives every
        sample the same chance of an accepted rotation, and the same one, as
        ``max_rotations`` Haar draws.
    max_samples
        Cap on the bootstrap samples drawn under sign identification (default
        ``SAMPLE_CAP * draws``). Samples are drawn in rounds until ``draws`` of them have an
        admissible model; none is reused and no admissible draw is left out for another.
    progress
        Called with ``(done, draws)``: at the start, after each round of sign-identified
        samples and at the end (the recursive and proxy draws come in one batch).

    Returns
    -------
    SVARDraws
        Coefficients, covariances and impact matrices of exactly ``draws`` distinct models,
        with the acceptance rate (``samples_tried``, ``samples_accepted``) in its notes.

    Raises
    ------
    ValueError
        If ``draws``, ``method``, ``rotations`` or a cap is not valid.
    EstimationError
        If a bootstrap covariance is not positive definite, or the sample cap is reached
        before ``draws`` admissible models are found (the message gives the acceptance rate).

    Examples
    --------
    >>> import numpy as np
    >>> from forecast.models.svar import fit_svar
    >>> y = np.random.default_rng(0).standard_normal((200, 3)).cumsum(axis=0) * 0.1
    >>> boot = bootstrap_svar(fit_svar(y, lags=2), 50, rng=np.random.default_rng(1))
    >>> len(boot), boot.irfs(12).shape
    (50, (50, 13, 3, 3))
    """
    check_count("draws", draws)
    if method not in _METHODS:
        raise ValueError(BAD_METHOD.format(known=", ".join(_METHODS), value=method))
    if fit.identification == "proxy" and method == "gaussian":
        raise ValueError(PROXY_GAUSSIAN)
    n = int(draws)
    if fit.identification == "sign":
        check_count("rotations", rotations)
        check_count("max_rotations", max_rotations)
        cap = SAMPLE_CAP * n if max_samples is None else max_samples
        check_count("max_samples", cap)
        report = progress or (lambda _done, _total: None)
        report(0, n)
        draws_ = _sign_bootstrap(
            fit, n, rng, method, (int(rotations), int(max_rotations), cap), report
        )
        report(n, n)
        return draws_
    if progress is not None:
        progress(0, n)
    batch = _resample(fit, n, rng, method)
    col_signs = disruption_signs(fit.k, fit.supply_disruption)
    if fit.identification == "recursive":
        impact = cholesky(batch.sigma) * col_signs
    else:
        impact = proxy_impact(batch.residuals, batch.sigma, batch.instrument, col_signs)
    if progress is not None:
        progress(n, n)
    return SVARDraws(
        coefs=frozen_numeric(batch.coefs),
        intercept=frozen_numeric(batch.intercept),
        sigma=frozen_numeric(batch.sigma),
        impact=frozen_numeric(impact),
        method=method,
        identification=fit.identification,
        requested=n,
        samples_tried=n,
        samples_accepted=n,
    )


@dataclass(frozen=True, slots=True)
class _Batch:
    """Bootstrap samples re-estimated: OLS coefficients, covariances, residuals, instrument."""

    coefs: np.ndarray
    intercept: np.ndarray
    sigma: np.ndarray
    residuals: np.ndarray
    instrument: np.ndarray


def _resample(fit: SVARFit, n: int, rng: np.random.Generator, method: BootstrapMethod) -> _Batch:
    """Draw ``n`` recursive-design bootstrap samples and re-estimate the VAR on each."""
    p, k = fit.lags, fit.k
    rows = fit.residuals.shape[0]
    resid = fit.residuals * fit.dof_inflation  # innovations' covariance is Sigma
    instrument = fit.instrument
    if method == "residual":
        picks = rng.integers(0, rows, size=(n, rows))
        innovations = (resid - resid.mean(axis=0))[picks]
        if instrument is not None:
            instrument = instrument[picks]
    elif method == "wild":
        signs = 2.0 * rng.integers(0, 2, size=(n, rows)) - 1.0
        innovations = signs[:, :, None] * resid
        if instrument is not None:
            instrument = signs * instrument
    else:
        innovations = rng.standard_normal((n, rows, k)) @ cholesky(fit.sigma).T
    initial = np.broadcast_to(fit.data[:p], (n, p, k))
    samples = np.empty((n, p + rows, k))  # the initial values, then the simulated path
    samples[:, :p] = initial
    _var.simulate(fit.coefs, fit.intercept, initial, innovations, out=samples[:, p:])
    params, sigma = _var.ols_batch(samples, p, fit.k_trend)
    coefs, intercept = _var.coefs_from_params(params, k, p, fit.k_trend)
    if fit.identification == "proxy":
        design, lhs = _var.lagged(samples, p, fit.k_trend)
        residuals = lhs - design @ params
    else:
        residuals = np.empty((n, 0, k))
    return _Batch(
        coefs=coefs,
        intercept=intercept,
        sigma=sigma,
        residuals=residuals,
        instrument=np.asarray(instrument, dtype=float)
        if instrument is not None
        else np.empty((n, 0)),
    )


def _sign_bootstrap(
    fit: SVARFit,
    n: int,
    rng: np.random.Generator,
    method: BootstrapMethod,
    caps: tuple[int, int, int],
    report: Callable[[int, int], None],
) -> SVARDraws:
    """Draw bootstrap samples in rounds until ``n`` have an admissible model (see above)."""
    rotations, max_rotations, cap = caps
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    tried = accepted = spent = 0
    worth = 0.0
    while sum(part[0].shape[0] for part in kept) < n:
        need = n - sum(part[0].shape[0] for part in kept)
        if tried >= cap:
            raise EstimationError(
                NO_ADMISSIBLE_SAMPLES.format(
                    accepted=accepted,
                    tried=tried,
                    rate=accepted / tried,
                    max_rotations=max_rotations,
                    draws=n,
                    cap=cap,
                )
            )
        # The first round draws n samples; later rounds as many as the rate so far needs.
        rate = max(accepted / tried, 1.0 / SAMPLE_CAP) if tried else 1.0
        size = min(cap - tried, max(need, int(np.ceil(need / rate))))
        batch = _resample(fit, size, rng, method)
        ordered, found, used, haar = _sign_draws(
            fit, batch.coefs, batch.sigma, rng, rotations, max_rotations
        )
        tried, accepted, spent = tried + size, accepted + int(found.sum()), spent + used
        worth += haar
        take = np.flatnonzero(found)[:need]
        kept.append((batch.coefs[take], batch.intercept[take], batch.sigma[take], ordered[take]))
        report(sum(part[0].shape[0] for part in kept), n)
    coefs, intercept, sigma, ordered = (np.concatenate(part) for part in zip(*kept, strict=True))
    note = (
        f"sign identification: {accepted} of the {tried} bootstrap samples drawn "
        f"({accepted / tried:.1%}) have an admissible model within {max_rotations} rotations "
        f"each ({spent} rotations in all, drawn from the part of the rotations the elasticity "
        f"bound leaves possible: about {worth:.0f} uniform rotations' worth); the first {n} "
        f"are the {n} draws (none reused, none with an empty identified set)"
    )
    return SVARDraws(
        coefs=frozen_numeric(coefs),
        intercept=frozen_numeric(intercept),
        sigma=frozen_numeric(sigma),
        impact=frozen_numeric(ordered * disruption_signs(fit.k, fit.supply_disruption)),
        method=method,
        identification="sign",
        requested=n,
        samples_tried=tried,
        samples_accepted=accepted,
        rotations_tried=spent,
        notes=(note,),
    )


def _sign_draws(
    fit: SVARFit,
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
    rotations: int,
    max_rotations: int,
) -> tuple[np.ndarray, np.ndarray, int, float]:
    """First accepted rotation of each sample, in batches; which samples have one; draws.

    Equivalent in distribution to drawing Haar rotations in batches of ``rotations`` until
    one is accepted and giving a sample up after ``max_rotations``: of those Haar draws,
    only the ones in :func:`~forecast.models.svar._identify.km_region`'s region can be
    accepted, and they are, in order, the kept ones of ``Binomial(max_rotations, rate)``
    proposals (:func:`~forecast.models.svar._identify.square_quaternions`). Each sample gets
    that many proposals, screened in order in batches of ``rotations``, and is given up when
    none is accepted (the whole group is drawn from when the bound leaves it unrestricted).
    Returns the proposals drawn in all, and the Haar rotations they stand for (each
    sample's proposals over its ``rate``).
    """
    n, k = sigma.shape[0], sigma.shape[-1]
    chol = cholesky(sigma)
    horizon = fit.dynamic_horizon
    phis = reduced_ma(coefs, horizon) if horizon else None
    bound = float(fit.elasticity_bound or 0.0)
    rho, rate = km_region(chol, bound)
    budget = rng.binomial(max_rotations, rate)
    chosen = np.zeros((n, k, k))
    found = np.zeros(n, dtype=bool)
    tried = np.zeros(n, dtype=np.int64)
    pending = np.flatnonzero(budget > 0)
    chunk = max(1, ROTATION_CHUNK // rotations)
    while pending.size:
        left = np.minimum(budget[pending] - tried[pending], rotations)
        # Rows drawn from the square apart from the (rare) unrestricted ones, and rows with
        # as many proposals left side by side (few are drawn beyond a budget).
        order = np.lexsort((left, rate[pending] >= 1.0))
        for part in np.array_split(order, -(-order.size // chunk)):
            for square in (True, False):
                rows = part[(rate[pending[part]] < 1.0) == square]
                if rows.size:
                    group = pending[rows]
                    hit, first = _first_admissible(
                        rng, group, left[rows], (chol, phis, rho), bound, square=square
                    )
                    chosen[group[hit]] = first
                    found[group[hit]] = True
        tried[pending] += left
        pending = pending[~found[pending] & (tried[pending] < budget[pending])]
    worth = np.divide(tried, rate, out=np.zeros(n), where=rate > 0)  # no draws at rate 0
    return chosen, found, int(tried.sum()), float(worth.sum())


def _first_admissible(
    rng: np.random.Generator,
    group: np.ndarray,
    left: np.ndarray,
    reduced: tuple[np.ndarray, np.ndarray | None, np.ndarray],
    bound: float,
    *,
    square: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One batch of ``left`` candidates per sample of ``group``: the first admissible ones."""
    chol, phis, rho = reduced
    width = int(left.max())
    kept = np.arange(width) < left[:, None]  # the proposals within each sample's budget
    if square:
        quaternions, by_density = square_quaternions(rng, rho[group], width)
        kept &= by_density
    else:
        quaternions = rng.standard_normal((4, group.size, width))
    return km_first_admissible(
        quaternions,
        chol[group],
        bound,
        None if phis is None else phis[group],
        kept=kept,
        square=square,
    )
