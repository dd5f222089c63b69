import pytest

from forecast import catalog
from forecast.errors import UnknownSeriesError

REQUIRED = [
    "brent_usd", "wti_usd", "brent_spot_daily_usd", "wti_spot_daily_usd",
    "brent_front_month_usd", "wti_front_month_usd", "us_cpi", "kilian_rea",
    "world_crude_production_kbd", "venezuela_crude_production_kbd",
]  # fmt: skip


@pytest.mark.parametrize("series_id", REQUIRED)
def test_required_series_are_catalogued(series_id: str) -> None:
    spec = catalog.get(series_id)
    assert spec.id == series_id
    assert spec.unit
    assert spec.frequency in {"daily", "monthly", "annual"}
    assert spec.lower < spec.upper
    assert spec.sources, "every series names at least one source"


def test_prices_admit_negative_wti_and_refuse_absurd_values() -> None:
    spec = catalog.get("wti_spot_daily_usd")
    assert spec.lower <= -37.63
    assert spec.upper < 1_000_000


def test_production_is_positive() -> None:
    assert catalog.get("world_crude_production_kbd").lower > 0
    assert catalog.get("venezuela_crude_production_kbd").lower >= 0


def test_only_cpi_allows_missing_values() -> None:
    allowing = {s.id for s in catalog.CATALOG.values() if s.allow_missing}
    assert allowing == {"us_cpi"}


def test_daily_series_have_a_gap_limit() -> None:
    for spec in catalog.CATALOG.values():
        if spec.frequency == "daily":
            assert spec.max_gap_days is not None


def test_unknown_series_lists_the_known_ones() -> None:
    with pytest.raises(UnknownSeriesError, match=r"unknown series 'brnt'.*brent_usd"):
        catalog.get("brnt")


def test_source_code_lookup() -> None:
    assert catalog.get("brent_usd").source_code("fred") == "MCOILBRENTEU"
    assert catalog.get("brent_usd").source_code("yahoo") is None
