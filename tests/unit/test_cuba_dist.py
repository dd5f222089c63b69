"""The Cuba model's distribution functions equal scipy.stats' bit for bit, without importing it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from forecast.models.cuba import _dist


def _same(a: object, b: object) -> None:
    """Equal to the last bit (NaN where the other is NaN)."""
    left, right = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert left.shape == right.shape
    assert left.tobytes() == right.tobytes()


@pytest.fixture(scope="module")
def values() -> np.ndarray:
    rng = np.random.default_rng(20260101)
    return np.concatenate(
        [rng.standard_normal(400) * 3.0, [0.0, -0.0, 1e-12, 5.0, 8.5, 40.0, np.inf, np.nan]]
    )


def test_t_sf(values: np.ndarray) -> None:
    x = np.abs(values)
    for df in (1, 3, 12.0, 27, 31.0, 200):
        _same(_dist.t_sf(x, df), stats.t.sf(x, df))
        for v in x[:20]:
            assert float(2.0 * _dist.t_sf(v, df)) == float(2.0 * stats.t.sf(v, df))


def test_norm_functions(values: np.ndarray) -> None:
    finite = values[np.isfinite(values)]
    for x in finite:
        assert _dist.norm_pdf(x) == float(stats.norm.pdf(x))
        assert _dist.norm_sf(x) == float(stats.norm.sf(x))
        assert _dist.norm_cdf(x) == float(stats.norm.cdf(x))
    for loc, scale in ((0.3, 0.07), (-0.012, 0.004), (1.7, 2.5)):
        assert _dist.norm_cdf(0.0, loc=loc, scale=scale) == float(
            stats.norm.cdf(0.0, loc=loc, scale=scale)
        )
        assert _dist.norm_sf(0.0, loc=loc, scale=scale) == float(
            stats.norm.sf(0.0, loc=loc, scale=scale)
        )
        for x in finite[:50]:
            assert _dist.norm_cdf(x, loc, scale) == float(stats.norm.cdf(x, loc, scale))


@pytest.mark.parametrize("mean", [0.02, -0.007, -0.5, 0.0, 3.0, -40.0])
@pytest.mark.parametrize("sd", [0.004, 0.05, 1.0])
def test_truncnorm_ppf_below(mean: float, sd: float) -> None:
    """As the Cuba draws call it: u in (0, 1], truncated at zero from above."""
    rng = np.random.default_rng(7)
    u = 1.0 - rng.random(1000)
    u[[3, 500]] = 1.0  # rng.random() == 0 gives u == 1: scipy's upper-bound branch
    upper = -mean / sd
    expected = stats.truncnorm.ppf(u, -np.inf, upper, loc=np.float64(mean), scale=sd)
    _same(_dist.truncnorm_ppf_below(u, upper, mean, sd), expected)
    _same(_dist.truncnorm_ppf_below(u[u < 1], upper, mean, sd), expected[u < 1])


def test_cuba_models_do_not_import_scipy_stats() -> None:
    """A Cuba fit and its draws leave scipy.stats unloaded (0.6 s of imports)."""
    code = (
        "import sys, numpy as np\n"
        "from forecast import facts\n"
        "from forecast.models import cuba\n"
        "names = ('cuba_real_gdp_growth_annual', 'cuba_special_period_1989_1993',\n"
        "         'venezuela_to_cuba_oil_shipments', 'cuba_oil_balance_estimates',\n"
        "         'cuba_electricity_generation_onei', 'brent_wti_annual_average_usd')\n"
        "fit = cuba.fit_cuba(*(facts.load(n) for n in names))\n"
        "cuba.draw_cuba(fit, 50, 2, rng=np.random.default_rng(0))\n"
        "fit.coefficients, fit.restricted_mean('real_price_change_pct')\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
