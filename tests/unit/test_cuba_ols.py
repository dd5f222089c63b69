import numpy as np
import pytest

from forecast.models.cuba._ols import ols_robust


@pytest.mark.parametrize(("n", "k", "lags"), [(30, 4, 1), (38, 6, 2), (12, 3, 0)])
def test_ols_robust_is_statsmodels_hc3_and_hac_to_the_bit(n: int, k: int, lags: int) -> None:
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(n)
    x = np.column_stack([np.ones(n), rng.standard_normal((n, k - 1))])
    y = x @ rng.standard_normal(k) + rng.standard_normal(n) * rng.uniform(0.5, 2.0, n)
    model = sm.OLS(y, x)
    hc3 = model.fit(cov_type="HC3", use_t=True)
    hac = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)
    fit = ols_robust(y, x, lags)
    np.testing.assert_array_equal(fit.params, hc3.params)
    np.testing.assert_array_equal(fit.cov_params(), hc3.cov_params())
    np.testing.assert_array_equal(fit.cov_hac, hac.cov_params())
    np.testing.assert_array_equal(fit.pvalues, hc3.pvalues)
    np.testing.assert_array_equal(fit.normalized_cov_params, hc3.normalized_cov_params)
    np.testing.assert_array_equal(fit.resid, hc3.resid)
    assert fit.scale == hc3.scale
    assert fit.df_resid == hc3.df_resid
