"""Test doubles for the network sources: a scriptable HTTP server on 127.0.0.1 and builders of
the real wire formats (FRED's fredgraph.csv, EIA API v2 JSON, yfinance download frames).

Nothing here touches the network: the server listens on 127.0.0.1 on a free port, and
yfinance is faked by replacing ``forecast.sources.yahoo._download`` with a function that
returns :func:`yf_frame` output.
"""

from __future__ import annotations

import functools
import json
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import numpy as np
import pandas as pd

from forecast.sources.csvfile import read_series_csv
from tests.conftest import SHARED_DATA

Query = dict[str, list[str]]


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``length`` overrides the announced Content-Length (announce more than ``body`` to cut
    the body off mid-transfer; ``-1`` announces none, the body ends when the connection
    closes); ``delay`` waits before answering (a timeout test); ``trickle`` sends the body
    two bytes at a time, waiting that many seconds between them; ``reason`` replaces the
    status line's reason phrase.
    """

    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/csv; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    length: int | None = None
    trickle: float = 0.0
    reason: str | None = None

    @property
    def payload(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


Responder = Reply | Sequence[Reply] | Callable[[Query], Reply]
NOT_FOUND = Reply(404, "no such route on the fake server", "text/plain")


class _Route:
    """A responder: one reply, a sequence (the last one repeats), or a function of the query."""

    def __init__(self, responder: Responder) -> None:
        self._lock = threading.Lock()
        self._function: Callable[[Query], Reply] | None = None
        self._replies: list[Reply] = []
        if isinstance(responder, Reply):
            self._replies = [responder]
        elif callable(responder):
            self._function = responder
        else:
            self._replies = list(responder)

    def next(self, query: Query) -> Reply:
        if self._function is not None:
            return self._function(query)
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that timed out and left is part of the tests."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        reply = fake.reply_for(parts.path, query)
        if reply.delay and fake.stopping.wait(reply.delay):
            return
        body = reply.payload
        try:
            self.send_response(reply.status, reply.reason)
            self.send_header("Content-Type", reply.content_type)
            if reply.length != -1:
                self.send_header("Content-Length", str(reply.length or len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not reply.trickle:
                self.wfile.write(body)
                return
            for start in range(0, len(body), 2):
                self.wfile.write(body[start : start + 2])
                self.wfile.flush()
                if fake.stopping.wait(reply.trickle):
                    return
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 -- stdlib signature
        """No access log on stderr."""


class FakeServer:
    """A threaded HTTP server on 127.0.0.1:<free port> answering scripted replies.

    >>> with FakeServer() as server:  # doctest: +SKIP
    ...     server.route("/graph/fredgraph.csv", Reply(body=csv), id="MCOILBRENTEU")
    ...     os.environ["FORECAST_FRED_URL"] = server.url
    """

    def __init__(self) -> None:
        self._routes: dict[tuple[str, frozenset[tuple[str, str]]], _Route] = {}
        self._lock = threading.Lock()
        self.requests: list[tuple[str, Query]] = []
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, path: str, responder: Responder, **query: str) -> None:
        """Answer GET ``path`` (when the request's query has every ``query`` item)."""
        with self._lock:
            self._routes[path, frozenset(query.items())] = _Route(responder)

    def reply_for(self, path: str, query: Query) -> Reply:
        flat = {(key, values[0]) for key, values in query.items() if values}
        with self._lock:
            self.requests.append((path, query))
            matches = [
                (len(items), route)
                for (route_path, items), route in self._routes.items()
                if route_path == path and items <= flat
            ]
        if not matches:
            return NOT_FOUND
        return max(matches, key=lambda match: match[0])[1].next(query)

    def hits(self, path: str, **query: str) -> int:
        """How many requests reached ``path`` with these query items."""
        with self._lock:
            return sum(
                1
                for seen, q in self.requests
                if seen == path and all(q.get(k, [None])[0] == v for k, v in query.items())
            )

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- FRED -------------------------------------------------------------------------------------

FRED_PATH = "/graph/fredgraph.csv"

# FRED code -> (file in ../shared/data with the same data, catalog series id)
FRED_SHARED = {
    "MCOILBRENTEU": ("eia_brent_spot_monthly.csv", "brent_usd"),
    "MCOILWTICO": ("eia_wti_spot_monthly.csv", "wti_usd"),
    "DCOILBRENTEU": ("eia_brent_spot_daily.csv", "brent_spot_daily_usd"),
    "DCOILWTICO": ("eia_wti_spot_daily.csv", "wti_spot_daily_usd"),
    "CPIAUCSL": ("fred_cpiaucsl_us_cpi_monthly.csv", "us_cpi"),
    "IGREA": ("dallasfed_igrea_kilian_index_monthly_1968_2025.csv", "kilian_rea"),
}


def shared_frame(name: str, series_id: str) -> pd.DataFrame:
    """Read a ../shared/data file through the project's importer (validated)."""
    return read_series_csv(SHARED_DATA / name, series_id).frame


def fred_csv(
    code: str,
    frame: pd.DataFrame,
    *,
    date_header: str = "observation_date",
    missing: str = ".",
    weekdays: bool | None = None,
) -> str:
    """Write ``frame`` as FRED's fredgraph.csv: header ``observation_date,CODE``, one line per
    observation, ``.`` (or ``missing``) for no value, a newline after every line.

    Daily series get a line for every weekday, holidays with a missing value, as FRED does
    (``weekdays`` defaults to whether the values look daily).
    """
    series = pd.Series(frame["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(frame["date"]))
    if weekdays is None:
        weekdays = len(series) > 1 and (series.index[1] - series.index[0]).days < 28
    if weekdays:
        series = series.reindex(pd.bdate_range(series.index[0], series.index[-1]))
    lines = [f"{date_header},{code}"]
    lines += [
        f"{day:%Y-%m-%d},{missing if np.isnan(value) else repr(float(value))}"
        for day, value in series.items()
    ]
    return "\n".join(lines) + "\n"


@functools.cache
def fred_shared_csvs(through: str | None = None) -> Mapping[str, str]:
    """FRED bodies for every FRED code, built from ../shared/data, cut at ``through``.

    Cached: building the daily series takes a moment. Treat the result as read-only.
    """
    out = {}
    for code, (name, series_id) in FRED_SHARED.items():
        frame = shared_frame(name, series_id)
        if through is not None:
            frame = frame[frame["date"] <= pd.Timestamp(through)]
        out[code] = fred_csv(code, frame, missing="" if code == "CPIAUCSL" else ".")
    return out


def route_fred(server: FakeServer, bodies: Mapping[str, str | Responder]) -> None:
    """Serve each FRED body (or responder) at /graph/fredgraph.csv?id=CODE."""
    for code, body in bodies.items():
        reply = Reply(body=body) if isinstance(body, str) else body
        server.route(FRED_PATH, reply, id=code)


# -- EIA --------------------------------------------------------------------------------------

EIA_PATH = "/v2/international/data/"
EIA_KEY = "test-key-0123456789"
_EIA_AREAS = {"WORL": ("World", "r", "Region"), "VEN": ("Venezuela", "c", "Country")}


def eia_rows(area: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """API v2 ``response.data`` rows for crude production of ``area``, as EIA writes them
    (every data point a string since API 2.1.6)."""
    name, type_id, type_name = _EIA_AREAS[area]
    return [
        {
            "period": f"{day:%Y-%m}",
            "productId": "57",
            "productName": "Crude oil including lease condensate",
            "activityId": "1",
            "activityName": "Production",
            "countryRegionId": area,
            "countryRegionName": name,
            "countryRegionTypeId": type_id,
            "countryRegionTypeName": type_name,
            "dataFlagId": None,
            "dataFlagDescription": None,
            "unit": "TBPD",
            "unitName": "thousand barrels per day",
            "value": "--" if np.isnan(value) else repr(float(value)),
        }
        for day, value in zip(frame["date"], frame["value"], strict=True)
    ]


def eia_page(rows: list[dict[str, Any]], query: Query, *, total: int | None = None) -> Reply:
    """One page of an API v2 answer: ``offset``/``length`` from the query, ``total`` a string."""
    offset = int(query.get("offset", ["0"])[0])
    length = int(query.get("length", ["5000"])[0])
    payload = {
        "response": {
            "warnings": [],
            "total": str(len(rows) if total is None else total),
            "dateFormat": "YYYY-MM",
            "frequency": "monthly",
            "data": rows[offset : offset + length],
            "description": "Country and region-level data from EIA's International Energy Data",
        },
        "request": {"command": "/v2/international/data/", "params": {"frequency": "monthly"}},
        "apiVersion": "2.1.8",
    }
    return Reply(body=json.dumps(payload), content_type="application/json")


def eia_responder(
    frames: Mapping[str, pd.DataFrame], *, key: str = EIA_KEY, max_length: int = 5000
) -> Callable[[Query], Reply]:
    """Answer like EIA: the area from ``facets[countryRegionId][]``, pages of at most
    ``max_length`` rows, and 403 ``API_KEY_INVALID`` for a wrong key."""
    rows = {area: eia_rows(area, frame) for area, frame in frames.items()}

    def respond(query: Query) -> Reply:
        if query.get("api_key", [""])[0] != key:
            error = {"error": {"code": "API_KEY_INVALID", "message": "An invalid api_key."}}
            return Reply(403, json.dumps(error), "application/json")
        area = query.get("facets[countryRegionId][]", [""])[0]
        length = min(int(query.get("length", ["5000"])[0]), max_length)
        return eia_page(rows.get(area, []), {**query, "length": [str(length)]})

    return respond


def monthly(start: str, end: str, value: float | Sequence[float]) -> pd.DataFrame:
    """A monthly ``date, value`` frame (month starts)."""
    dates = pd.date_range(start, end, freq="MS").astype("datetime64[ns]")
    values = np.broadcast_to(np.asarray(value, dtype=float), (len(dates),)).copy()
    return pd.DataFrame({"date": dates, "value": values})


# -- yfinance ---------------------------------------------------------------------------------

YF_PRICES = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def yf_frame(closes: Mapping[str, pd.Series], *, tz: str | None = None) -> pd.DataFrame:
    """A frame shaped like ``yfinance.download(tickers, auto_adjust=False,
    multi_level_index=True)``: ``(Price, Ticker)`` MultiIndex columns sorted by price, a
    ``Date`` index (tz-aware at midnight exchange time when ``tz`` is given), NaN where a
    ticker did not trade on another's trading day."""
    index = pd.DatetimeIndex(sorted(set().union(*(s.index for s in closes.values()))))
    columns = {}
    for ticker, given in closes.items():
        close = given.reindex(index).astype(float)
        columns.update(
            {
                ("Adj Close", ticker): close,
                ("Close", ticker): close,
                ("High", ticker): close + 0.5,
                ("Low", ticker): close - 0.5,
                ("Open", ticker): close + 0.1,
                ("Volume", ticker): close.notna() * 1000.0,
            }
        )
    frame = pd.DataFrame(columns, index=index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["Price", "Ticker"])
    frame = frame.sort_index(axis=1, level=0)
    if tz is not None:
        frame.index = frame.index.tz_localize(tz)
    frame.index.name = "Date"
    return frame


def yf_empty(tickers: Sequence[str]) -> pd.DataFrame:
    """What yfinance 1.7 returns when every ticker failed (unknown ticker, refused request)."""
    columns = pd.MultiIndex.from_product([YF_PRICES, sorted(tickers)], names=["Price", "Ticker"])
    return pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], dtype="datetime64[s]"))


def weekdays(start: str, end: str, values: Sequence[float] | float) -> pd.Series:
    """Closes on every weekday from ``start`` to ``end``."""
    index = pd.bdate_range(start, end)
    return pd.Series(np.broadcast_to(np.asarray(values, dtype=float), (len(index),)), index=index)
