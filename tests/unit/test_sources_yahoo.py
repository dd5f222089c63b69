"""Yahoo Finance via yfinance, faked at its one call site ``forecast.sources.yahoo._download``."""

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError

from forecast.errors import DataSourceError, DataValidationError
from forecast.sources import yahoo
from forecast.sources._http import RetryPolicy
from tests.fakes import weekdays, yf_empty, yf_frame

START, END = date(2025, 11, 3), date(2025, 11, 29)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fake_download(
    monkeypatch: pytest.MonkeyPatch, *answers: pd.DataFrame | BaseException
) -> list[tuple[Any, ...]]:
    """Replace ``_download``: each call gives the next answer (the last repeats)."""
    calls: list[tuple[Any, ...]] = []
    queue = list(answers)

    def download(tickers: list[str], start: date, end: date) -> pd.DataFrame:
        calls.append((tuple(tickers), start, end))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(yahoo, "_download", download)
    return calls


def fetch(series_id: str = "brent_front_month_usd", sleeps: Callable[[float], None] | None = None):
    sleeps = sleeps if sleeps is not None else Sleeps()
    policy = RetryPolicy(attempts=3, backoff=0.25, sleep=sleeps)
    return yahoo.fetch_series(series_id, start=START, end=END, policy=policy)


# -- normalise: the one function that reads yfinance's layout ------------------------------


def test_multiindex_columns_give_the_close_of_each_ticker() -> None:
    raw = yf_frame(
        {"BZ=F": weekdays("2025-11-24", "2025-11-28", [63.4, 63.1, 63.2, np.nan, 63.9]),
         "CL=F": weekdays("2025-11-24", "2025-11-28", [58.8, 58.9, 59.0, np.nan, 59.5])}
    )  # fmt: skip
    out = yahoo.normalise(raw, ["BZ=F", "CL=F"])
    assert out["BZ=F"]["value"].tolist() == [63.4, 63.1, 63.2, 63.9], "NaN row dropped"
    assert out["CL=F"]["date"].dt.day.tolist() == [24, 25, 26, 28]
    assert out["BZ=F"]["date"].dtype == "datetime64[ns]"
    assert out["BZ=F"]["value"].dtype == "float64"


def test_close_is_used_not_adj_close() -> None:
    raw = yf_frame({"CL=F": weekdays("2025-11-24", "2025-11-24", 58.0)})
    raw[("Adj Close", "CL=F")] = 1.0
    assert yahoo.normalise(raw, ["CL=F"])["CL=F"]["value"].tolist() == [58.0]


def test_tz_aware_index_keeps_the_exchange_date() -> None:
    raw = yf_frame({"CL=F": weekdays("2020-04-17", "2020-04-21", [18.27, -37.63, 10.01])},
                   tz="America/New_York")  # fmt: skip
    assert str(raw.index.tz) == "America/New_York"
    out = yahoo.normalise(raw, ["CL=F"])["CL=F"]
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-04-17",
        "2020-04-20",
        "2020-04-21",
    ]
    assert out["date"].dt.tz is None


def test_ticker_first_column_order_and_flat_single_ticker_layouts() -> None:
    raw = yf_frame({"BZ=F": weekdays("2025-11-24", "2025-11-25", [63.0, 64.0])})
    swapped = raw.swaplevel(0, 1, axis=1)
    assert yahoo.normalise(swapped, ["BZ=F"])["BZ=F"]["value"].tolist() == [63.0, 64.0]
    flat = raw.droplevel(1, axis=1)
    assert yahoo.normalise(flat, ["BZ=F"])["BZ=F"]["value"].tolist() == [63.0, 64.0]


def test_empty_frames_and_missing_tickers_give_empty_closes() -> None:
    assert yahoo.normalise(yf_empty(["BZ=F"]), ["BZ=F"])["BZ=F"].empty
    assert yahoo.normalise(pd.DataFrame(), ["BZ=F"])["BZ=F"].empty
    raw = yf_frame({"BZ=F": weekdays("2025-11-24", "2025-11-25", 63.0)})
    assert yahoo.normalise(raw, ["CL=F"])["CL=F"].empty


def test_a_frame_without_close_is_refused() -> None:
    raw = yf_frame({"BZ=F": weekdays("2025-11-24", "2025-11-25", 63.0)}).drop(columns="Close")
    with pytest.raises(DataSourceError, match="no 'Close' column"):
        yahoo.normalise(raw, ["BZ=F"])


# -- fetch_series ------------------------------------------------------------------------


def test_fetch_returns_validated_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    closes = weekdays("2025-11-03", "2025-11-28", 63.5)
    calls = fake_download(monkeypatch, yf_frame({"BZ=F": closes}, tz="Europe/London"))
    got = fetch()
    assert calls == [(("BZ=F",), START, END)]
    assert len(got.frame) == len(closes)
    assert got.origin.startswith("yahoo:BZ=F 2025-11-03..2025-11-29")


def test_negative_front_month_close_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_download(
        monkeypatch,
        yf_frame({"CL=F": weekdays("2020-04-17", "2020-04-21", [18.27, -37.63, 10.01])}),
    )
    assert fetch("wti_front_month_usd").frame["value"].min() == -37.63


def test_empty_frame_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = yf_empty(["BZ=F"])
    empty.attrs["yfinance_errors"] = ("['BZ=F']: YFPricesMissingError('possibly delisted')",)
    fake_download(monkeypatch, empty)
    with pytest.raises(DataSourceError, match=r"no prices for BZ=F .*possibly delisted"):
        fetch()


def test_rate_limit_is_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    ok = yf_frame({"BZ=F": weekdays("2025-11-03", "2025-11-28", 63.5)})
    calls = fake_download(monkeypatch, YFRateLimitError(), YFRateLimitError(), ok)
    sleeps = Sleeps()
    assert len(fetch(sleeps=sleeps).frame) == 20
    assert (len(calls), sleeps) == (3, [0.25, 0.5])


def test_persistent_rate_limit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_download(monkeypatch, YFRateLimitError())
    with pytest.raises(DataSourceError, match=r"rate limit .*gave up after 3 attempts"):
        fetch(sleeps=Sleeps())
    assert len(calls) == 3


def test_other_download_errors_fail_without_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_download(monkeypatch, ConnectionError("curl: (7) Failed to connect"))
    with pytest.raises(DataSourceError, match="download failed: ConnectionError: curl"):
        fetch(sleeps=Sleeps())
    assert len(calls) == 1


def test_closes_failing_the_schema_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    closes = weekdays("2025-11-03", "2025-11-28", 6350.0)  # cents
    fake_download(monkeypatch, yf_frame({"BZ=F": closes}))
    with pytest.raises(DataValidationError, match="plausible range"):
        fetch()


# -- _download: options passed explicitly, logged rate limits raised ----------------------


def test_download_passes_every_layout_option_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    import yfinance

    seen: dict[str, Any] = {}

    def download(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        seen.update(tickers=tickers, **kwargs)
        return yf_frame({"BZ=F": weekdays("2025-11-03", "2025-11-04", 63.0)})

    monkeypatch.setattr(yfinance, "download", download)
    yahoo._download(["BZ=F"], START, END)
    assert seen["tickers"] == ["BZ=F"]
    assert (seen["start"], seen["end"]) == ("2025-11-03", "2025-11-29")
    expected = {
        "auto_adjust": False, "multi_level_index": True, "progress": False, "threads": False,
        "actions": False, "interval": "1d", "group_by": "column", "ignore_tz": True,
    }  # fmt: skip
    assert {key: seen[key] for key in expected} == expected


def test_download_raises_a_rate_limit_yfinance_only_logged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import yfinance

    def download(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        log = logging.getLogger("yfinance")
        log.error("\n1 Failed download:")
        log.error("['BZ=F']: YFRateLimitError('Too Many Requests. Rate limited.')")
        return yf_empty(tickers)

    monkeypatch.setattr(yfinance, "download", download)
    with pytest.raises(YFRateLimitError):
        yahoo._download(["BZ=F"], START, END)
    assert capsys.readouterr().err == "", "yfinance's log lines are collected, not printed"


def test_download_keeps_other_logged_errors_for_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yfinance

    def download(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        logging.getLogger("yfinance").error("['XX=F']: YFPricesMissingError('delisted')")
        return yf_empty(tickers)

    monkeypatch.setattr(yfinance, "download", download)
    raw = yahoo._download(["XX=F"], START, END)
    assert raw.attrs["yfinance_errors"] == ("['XX=F']: YFPricesMissingError('delisted')",)


@pytest.mark.network
def test_live_yahoo_download_has_the_shape_normalise_expects() -> None:
    today = pd.Timestamp.now(tz="UTC").date()
    got = yahoo.fetch_series(
        "brent_front_month_usd", start=today - pd.Timedelta(days=20), end=today
    )
    assert 5 <= len(got.frame) <= 20
