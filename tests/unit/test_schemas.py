import numpy as np
import pandas as pd
import pytest

from forecast import catalog, schemas
from forecast.errors import DataValidationError
from tests.conftest import monthly_frame


def daily(dates: list[str], values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime(dates).astype("datetime64[ns]"), "value": values})


def test_a_clean_monthly_series_passes() -> None:
    frame = monthly_frame()
    out = schemas.validate_series(frame, "brent_usd")
    pd.testing.assert_frame_equal(out, frame)


def test_negative_wti_spot_is_allowed() -> None:
    frame = daily(["2020-04-17", "2020-04-20", "2020-04-21"], [18.27, -36.98, 8.91])
    schemas.validate_series(frame, "wti_spot_daily_usd")


def test_cpi_may_have_an_empty_month_but_not_a_missing_one() -> None:
    frame = monthly_frame(periods=12).assign(value=lambda f: f["value"] + 200)
    frame.loc[5, "value"] = np.nan
    schemas.validate_series(frame, "us_cpi")
    with pytest.raises(DataValidationError, match="no missing month"):
        schemas.validate_series(frame.drop(index=5), "us_cpi")


def test_every_failure_is_reported_at_once() -> None:
    frame = monthly_frame(periods=6)
    frame.loc[1, "value"] = np.nan
    frame.loc[3, "value"] = 1_000_000.0
    frame.loc[4, "date"] = frame.loc[2, "date"]
    with pytest.raises(DataValidationError) as info:
        schemas.validate_series(frame, "brent_usd", origin="test frame")
    cases = info.value.failure_cases
    assert cases is not None
    checks = set(cases["check"])
    assert "no empty values" in checks
    assert "dates unique (duplicate date)" in checks
    assert "dates sorted ascending" in checks
    assert any(c.startswith("value within plausible range") for c in checks)
    assert str(info.value).startswith("test frame (series brent_usd): ")


def test_daily_gap_longer_than_the_limit_is_refused() -> None:
    limit = catalog.get("brent_spot_daily_usd").max_gap_days
    assert limit is not None
    frame = daily(["2020-01-02", f"2020-01-{2 + limit + 1:02d}"], [60.0, 61.0])
    with pytest.raises(DataValidationError, match=f"no gap longer than {limit} days"):
        schemas.validate_series(frame, "brent_spot_daily_usd")


def test_monthly_dates_must_be_month_starts() -> None:
    frame = monthly_frame(periods=3)
    frame["date"] = frame["date"] + pd.Timedelta(days=14)
    with pytest.raises(DataValidationError, match="dates on the first of the month"):
        schemas.validate_series(frame, "brent_usd")


def test_empty_frame_is_refused() -> None:
    with pytest.raises(DataValidationError, match="at least one observation"):
        schemas.validate_series(monthly_frame().iloc[:0], "brent_usd")


def test_extra_columns_are_refused() -> None:
    with pytest.raises(DataValidationError, match="no unexpected columns"):
        schemas.validate_series(monthly_frame().assign(extra=1), "brent_usd")


def test_message_lists_at_most_twenty_problems() -> None:
    frame = monthly_frame(periods=40).assign(value=1e7)
    with pytest.raises(DataValidationError, match=r"and 20 more") as info:
        schemas.validate_series(frame, "brent_usd")
    assert info.value.failure_cases is not None
    assert len(info.value.failure_cases) == 40
