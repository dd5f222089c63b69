"""FRED: series from the St. Louis Fed's ``fredgraph.csv`` download (no key needed).

``GET {base}/graph/fredgraph.csv?id=CODE`` answers with a CSV whose header is
``observation_date,CODE`` (``DATE,CODE`` in the older format) and whose missing values are
written ``.`` or left empty. The base is ``$FORECAST_FRED_URL`` (tests and mirrors; http or
https only), else ``https://fred.stlouisfed.org``.

What the body must look like before its values are even parsed, so that an error page or a
cut-off download is refused with a message saying so, never stored:

* not HTML (FRED, a proxy or a captive portal can answer an error with a 200 page);
* the header names the date column and exactly the requested code;
* every line has two fields, and the body ends with a newline: FRED ends every line with
  one, so a body that stops without it was cut in the middle of a row. (A body cut shorter
  than its ``Content-Length`` fails in :mod:`forecast.sources._http` and is retried; a body
  cut exactly at a line end is caught by :mod:`forecast.refresh`, which refuses a full
  history that ends before the series already stored.)

Daily series have a row for every weekday, with a missing value on holidays: those rows are
dropped before validation (the catalog's daily series hold trading days only). Monthly series
keep an empty month as a missing value, which only series allowing it (``us_cpi``) accept.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import TYPE_CHECKING

from forecast import catalog
from forecast.errors import DataSourceError
from forecast.sources import _http
from forecast.sources.csvfile import ImportedSeries, parse_series

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from forecast.sources.registry import FetchRequest

__all__ = [
    "DEFAULT_URL",
    "URL_ENV",
    "base_url",
    "fetch_series",
    "parse_fredgraph",
    "refresh_fetch",
]

DEFAULT_URL = "https://fred.stlouisfed.org"
URL_ENV = "FORECAST_FRED_URL"
DATE_COLUMNS = ("observation_date", "DATE")
MISSING = frozenset({".", ""})

NO_CODE = "series {series_id!r} has no FRED code in the catalog"
HTML_BODY = "{origin}: FRED sent an HTML page{title} instead of CSV data (HTTP status {status})"
EMPTY_BODY = "{origin}: FRED sent an empty body"
WRONG_HEADER = "{origin}: unexpected CSV header {found!r}; expected {expected!r} (or 'DATE,{code}')"
CUT_OFF = (
    "{origin}: the body ends in the middle of a line ({tail!r}, no final newline): "
    "the download was cut off"
)
BAD_LINES = "{origin}: {n} line(s) do not have 2 fields ({listed}): not a complete FRED CSV"
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def base_url(environ: Mapping[str, str] | None = None) -> str:
    """Return ``$FORECAST_FRED_URL`` if set, else :data:`DEFAULT_URL`."""
    env = os.environ if environ is None else environ
    return env.get(URL_ENV, "").strip() or DEFAULT_URL


def fetch_series(
    series_id: str,
    *,
    base: str | None = None,
    policy: _http.RetryPolicy | None = None,
) -> ImportedSeries:
    """Download the full history of ``series_id`` from FRED and validate it.

    Parameters
    ----------
    series_id
        A catalog id with a FRED code, e.g. ``"brent_usd"`` (``MCOILBRENTEU``).
    base
        Scheme and host of the server; default :func:`base_url`.
    policy
        Timeout and retries; default from the environment.

    Returns
    -------
    ImportedSeries
        The validated ``date, value`` frame, the URL as origin and the body's SHA-256.

    Raises
    ------
    DataSourceError
        If the request fails (after retries) or the body is not a complete FRED CSV.
    DataValidationError
        If the values fail the series' schema; the message lists every failed line.
    """
    spec = catalog.get(series_id)
    code = spec.source_code("fred")
    if code is None:
        raise DataSourceError(NO_CODE.format(series_id=series_id))
    root = _http.check_base(base or base_url(), URL_ENV)
    url = _http.build_url(root, "graph/fredgraph.csv", [("id", code)])
    response = _http.get(url, policy=policy, accept="text/csv")
    if response.content_type == "text/html":
        raise DataSourceError(_html_message(response.text(), response.url, response.status))
    frame = parse_fredgraph(response.text(), series_id, origin=response.url)
    return ImportedSeries(series_id, frame, response.url, hashlib.sha256(response.body).hexdigest())


def refresh_fetch(series_id: str, request: FetchRequest) -> ImportedSeries:
    """Fetch for ``forecast refresh`` (:mod:`forecast.sources.registry`): the full history."""
    return fetch_series(series_id, base=request.base, policy=request.policy)


def parse_fredgraph(text: str, series_id: str, *, origin: str) -> pd.DataFrame:
    """Check that ``text`` is a complete ``fredgraph.csv`` body and parse it.

    Parameters
    ----------
    text
        The body as text.
    series_id
        Catalog id; its FRED code must be the header's value column.
    origin
        The URL, for messages.

    Returns
    -------
    pandas.DataFrame
        Validated ``date, value`` frame (holiday rows of daily series dropped).

    Raises
    ------
    DataSourceError
        For an HTML page, an empty body, a wrong header, a line without two fields, or a body
        cut in the middle of a line.
    DataValidationError
        If the values fail the series' schema; rows are named by their line in the body.
    """
    spec = catalog.get(series_id)
    code = spec.source_code("fred") or ""
    head = text.lstrip()[:512].lower()
    if head.startswith("<") or "<html" in head:
        raise DataSourceError(_html_message(text, origin, 200))
    if not text.strip():
        raise DataSourceError(EMPTY_BODY.format(origin=origin))
    lines = text.split("\n")
    header = lines[0].strip()
    if not any(header.lower() == f"{column},{code}".lower() for column in DATE_COLUMNS):
        expected = f"{DATE_COLUMNS[0]},{code}"
        raise DataSourceError(
            WRONG_HEADER.format(origin=origin, found=header[:80], expected=expected, code=code)
        )
    if not text.endswith("\n"):
        raise DataSourceError(CUT_OFF.format(origin=origin, tail=lines[-1][-40:]))
    bad = [n for n, line in enumerate(lines, 1) if line.strip() and line.count(",") != 1]
    if bad:
        listed = ", ".join(f"line {n}: {lines[n - 1].strip()[:40]!r}" for n in bad[:3])
        raise DataSourceError(BAD_LINES.format(origin=origin, n=len(bad), listed=listed))
    if spec.frequency == "daily":
        # Blank (rather than remove) holiday rows, so errors still name the body's lines.
        lines = [lines[0]] + [
            "" if line.partition(",")[2].strip() in MISSING else line for line in lines[1:]
        ]
    date_col, value_col = header.split(",")
    return parse_series(
        "\n".join(lines), series_id, origin=origin, date_col=date_col, value_col=value_col
    )


def _html_message(text: str, origin: str, status: int) -> str:
    found = _TITLE.search(text[:4096])
    title = f" ({' '.join(found.group(1).split())[:80]!r})" if found else ""
    return HTML_BODY.format(origin=origin, title=title, status=status)
