"""EIA API v2: international crude oil production, monthly, in thousand barrels per day.

The catalog names a series the way EIA's APIv1 did, ``INTL.57-1-WORL-TBPD.M``: product 57
(crude oil including lease condensate), activity 1 (production), country or region ``WORL``,
unit ``TBPD`` (thousand barrels per day), monthly. In API v2 that is::

    GET {base}/v2/international/data/?api_key=KEY&frequency=monthly&data[0]=value
        &facets[activityId][]=1&facets[productId][]=57&facets[countryRegionId][]=WORL
        &facets[unit][]=TBPD&sort[0][column]=period&sort[0][direction]=asc
        &offset=0&length=5000

answered by ``{"response": {"total": "611", "data": [{"period": "2023-10", "value":
"81856.49", "unit": "TBPD", "countryRegionId": "WORL", ...}, ...]}}``. ``total`` and the
values may be strings (API 2.1.6 sends every data point as a string). A response holds at
most 5,000 rows; longer series are read page by page (``offset``, ``length``) until
``total`` rows have arrived, and a page that stops early fails the series, as does a page
that repeats the previous one (a server ignoring ``offset``) or a series needing more than
``$FORECAST_HTTP_MAX_PAGES`` pages (:attr:`~forecast.sources._http.RetryPolicy.max_pages`).

The key comes from ``$EIA_API_KEY``; the base from ``$FORECAST_EIA_URL``, else
``https://api.eia.gov`` (http or https only). The key never appears in messages or in the
stored origin, wherever EIA echoes it (a JSON ``error``, a page that is not JSON).

Values EIA marks as not available (``--``, ``NA``, ``ie``, ``w``, ``(s)``, null) are missing.
Missing months at the start or the end of the series (not yet estimated) are dropped; a
missing month inside it fails the series, as the catalog's production series allow no gaps.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast import catalog, schemas
from forecast.errors import DataSourceError
from forecast.sources import _http, registry
from forecast.sources.csvfile import ImportedSeries

if TYPE_CHECKING:
    from collections.abc import Mapping

    from forecast.sources.registry import FetchRequest

__all__ = [
    "DEFAULT_URL",
    "KEY_ENV",
    "PAGE_SIZE",
    "URL_ENV",
    "api_key",
    "base_url",
    "facets",
    "fetch_series",
    "parse_rows",
    "refresh_fetch",
]

DEFAULT_URL = "https://api.eia.gov"
URL_ENV = "FORECAST_EIA_URL"
KEY_ENV: str = registry.get("eia").key_env or ""  # declared once, in the registry
PAGE_SIZE = 5000
ROUTE = "v2/international/data/"
NOT_AVAILABLE = frozenset({"", "--", "-", "na", "n/a", "nan", "null", "ie", "w", "(s)", "nm"})
_FREQUENCIES = {"M": "monthly", "A": "annual", "Q": "quarterly"}
_CODE = re.compile(
    r"^INTL\.(?P<productId>\d+)-(?P<activityId>\d+)-(?P<countryRegionId>[A-Z0-9]+)"
    r"-(?P<unit>[A-Z0-9]+)\.(?P<frequency>[AMQ])$"
)
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

NO_CODE = "series {series_id!r} has no EIA code in the catalog"
BAD_CODE = "EIA code {code!r} is not of the form INTL.<product>-<activity>-<area>-<unit>.<M|A|Q>"
NOT_JSON = "{origin}: EIA sent something that is not JSON (it starts {start!r})"
TOO_DEEP = "{origin}: EIA sent JSON nested too deeply to read: not an API v2 answer"
REPEATED_PAGE = (
    "{origin}: the page at offset {offset} repeats the previous one: the server ignores "
    "'offset', so the series cannot be read in full"
)
TOO_MANY_PAGES = (
    "{origin}: the series needs more than {limit} pages of {size} rows "
    "($FORECAST_HTTP_MAX_PAGES): refused"
)
API_ERROR = "{origin}: EIA answered with an error: {error}"
NO_DATA = "{origin}: unexpected JSON from EIA: {what}"
SHORT_PAGE = (
    "{origin}: EIA announced {total} rows but the page at offset {offset} had {got}: "
    "the series is incomplete"
)
WRONG_ROW = "{origin}: row {row} is for {key}={found!r}, not {expected!r}: EIA ignored a filter"
NO_ROWS = "{origin}: EIA returned no observations (total 0): check the series code and facets"


def base_url(environ: Mapping[str, str] | None = None) -> str:
    """Return ``$FORECAST_EIA_URL`` if set, else :data:`DEFAULT_URL`."""
    env = os.environ if environ is None else environ
    return env.get(URL_ENV, "").strip() or DEFAULT_URL


def api_key(environ: Mapping[str, str] | None = None) -> str | None:
    """Return ``$EIA_API_KEY``, or ``None`` when it is unset or empty."""
    env = os.environ if environ is None else environ
    return env.get(KEY_ENV, "").strip() or None


def facets(code: str) -> dict[str, str]:
    """Split a catalog code such as ``INTL.57-1-WORL-TBPD.M`` into API v2 facets.

    Returns
    -------
    dict
        ``productId``, ``activityId``, ``countryRegionId``, ``unit`` and ``frequency``.

    Raises
    ------
    DataSourceError
        If the code does not have that form.
    """
    found = _CODE.match(code)
    if found is None:
        raise DataSourceError(BAD_CODE.format(code=code))
    parts = found.groupdict()
    parts["frequency"] = _FREQUENCIES[parts["frequency"]]
    return parts


def _query(parts: Mapping[str, str]) -> list[tuple[str, str]]:
    return [
        ("frequency", parts["frequency"]),
        ("data[0]", "value"),
        ("facets[activityId][]", parts["activityId"]),
        ("facets[productId][]", parts["productId"]),
        ("facets[countryRegionId][]", parts["countryRegionId"]),
        ("facets[unit][]", parts["unit"]),
        ("sort[0][column]", "period"),
        ("sort[0][direction]", "asc"),
    ]


def fetch_series(
    series_id: str,
    *,
    key: str,
    base: str | None = None,
    policy: _http.RetryPolicy | None = None,
    page_size: int = PAGE_SIZE,
) -> ImportedSeries:
    """Download the full history of ``series_id`` from EIA API v2 and validate it.

    Parameters
    ----------
    series_id
        A catalog id with an EIA code, e.g. ``"world_crude_production_kbd"``.
    key
        The EIA API key.
    base
        Scheme and host of the API; default :func:`base_url`.
    policy
        Timeout and retries; default from the environment.
    page_size
        Rows per request (EIA's maximum is 5,000).

    Returns
    -------
    ImportedSeries
        The validated ``date, value`` frame (kb/d, months dated on the 1st), the query URL
        without the key as origin, and the SHA-256 of the rows received.

    Raises
    ------
    DataSourceError
        If a request fails (after retries), the answer is not EIA's JSON, a page is missing,
        or a row is for another area, product or unit.
    DataValidationError
        If the values fail the series' schema.
    """
    spec = catalog.get(series_id)
    code = spec.source_code("eia")
    if code is None:
        raise DataSourceError(NO_CODE.format(series_id=series_id))
    parts = facets(code)
    root = _http.check_base(base or base_url(), URL_ENV)
    query = _query(parts)
    origin = _http.build_url(root, ROUTE, query)
    rows: list[dict[str, Any]] = []
    total = None
    previous: list[dict[str, Any]] | None = None
    max_pages = (policy or _http.RetryPolicy.from_env()).max_pages
    pages = 0
    while total is None or len(rows) < total:
        if pages >= max_pages:
            raise DataSourceError(
                TOO_MANY_PAGES.format(origin=origin, limit=max_pages, size=page_size)
            )
        pages += 1
        paging = [("offset", str(len(rows))), ("length", str(page_size))]
        url = _http.build_url(root, ROUTE, [("api_key", key), *query, *paging])
        response = _http.get(url, secrets=("api_key",), policy=policy, accept="application/json")
        page_total, page = _read_page(response.text(), origin, key)
        if page and page == previous:
            raise DataSourceError(REPEATED_PAGE.format(origin=origin, offset=len(rows)))
        previous = page
        if total is None:
            total = page_total
            if total == 0:
                raise DataSourceError(NO_ROWS.format(origin=origin))
        if page_total != total or not page or len(rows) + len(page) > total:
            got = len(page) if page_total == total else f"a new total of {page_total}"
            raise DataSourceError(
                SHORT_PAGE.format(origin=origin, total=total, offset=len(rows), got=got)
            )
        rows.extend(page)
    frame = parse_rows(rows, series_id, origin=origin)
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
    return ImportedSeries(series_id, frame, origin, digest)


def refresh_fetch(series_id: str, request: FetchRequest) -> ImportedSeries:
    """Fetch for ``forecast refresh`` (:mod:`forecast.sources.registry`): the full history."""
    return fetch_series(series_id, key=request.key or "", base=request.base, policy=request.policy)


def _read_page(text: str, origin: str, key: str = "") -> tuple[int, list[dict[str, Any]]]:
    """Return ``(total, rows)`` of one page of an API v2 data response.

    What EIA sent is quoted with ``key`` replaced by ``***``.
    """
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        start = _http.scrub(" ".join(text.split()), [key])[:60]
        raise DataSourceError(NOT_JSON.format(origin=origin, start=start)) from exc
    except RecursionError as exc:
        raise DataSourceError(TOO_DEEP.format(origin=origin)) from exc
    if not isinstance(payload, dict):
        raise DataSourceError(NO_DATA.format(origin=origin, what="not a JSON object"))
    if "error" in payload:
        error = _http.scrub(" ".join(str(payload["error"]).split()), [key])[:200]
        raise DataSourceError(API_ERROR.format(origin=origin, error=error))
    response = payload.get("response")
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(response, dict) or not isinstance(data, list):
        raise DataSourceError(NO_DATA.format(origin=origin, what="no response.data list"))
    try:
        total = int(response.get("total", len(data)))
    except (TypeError, ValueError) as exc:
        what = f"response.total is {response.get('total')!r}"
        raise DataSourceError(NO_DATA.format(origin=origin, what=what)) from exc
    if not all(isinstance(row, dict) for row in data):
        raise DataSourceError(NO_DATA.format(origin=origin, what="a data row is not an object"))
    return total, data


def parse_rows(rows: list[dict[str, Any]], series_id: str, *, origin: str) -> pd.DataFrame:
    """Turn API v2 data rows into a validated ``date, value`` frame of ``series_id``.

    Rows are named by their position in the response (``row 1`` is the first).

    Raises
    ------
    DataSourceError
        If a row is for another area, product, activity or unit than the series' code.
    DataValidationError
        If a period or value does not parse, or the series fails its schema.
    """
    spec = catalog.get(series_id)
    expected = facets(spec.source_code("eia") or "")
    for number, row in enumerate(rows, 1):
        for key in ("countryRegionId", "productId", "activityId", "unit"):
            found = row.get(key)
            if found is not None and str(found) != expected[key]:
                raise DataSourceError(
                    WRONG_ROW.format(
                        origin=origin, row=number, key=key, found=found, expected=expected[key]
                    )
                )
    index = pd.RangeIndex(1, len(rows) + 1)
    periods = pd.Series([str(row.get("period", "")).strip() for row in rows], index=index)
    raw = pd.Series(["" if row.get("value") is None else str(row["value"]) for row in rows])
    raw.index = index
    missing = raw.str.strip().str.lower().isin(NOT_AVAILABLE)
    values = pd.to_numeric(raw.where(~missing), errors="coerce").astype("float64")
    good_period = periods.str.match(_PERIOD)
    failures = [
        {"row": n, "column": "date", "check": "period parses (YYYY-MM)", "value": periods[n]}
        for n in index[~good_period]
    ] + [
        {"row": n, "column": "value", "check": "value is a number", "value": raw[n]}
        for n in index[values.isna() & ~missing]
    ]
    dates = pd.to_datetime(periods.where(good_period) + "-01", format="%Y-%m-%d", errors="coerce")
    frame = pd.DataFrame({"date": dates.astype("datetime64[ns]"), "value": values})
    present = (~missing).to_numpy().nonzero()[0]
    if len(present):  # drop not-yet-estimated months at either end
        frame = frame.iloc[present[0] : present[-1] + 1]
    valid = schemas.validate_series(
        frame, series_id, origin=origin, extra_failures=schemas.failure_frame(failures)
    )
    return valid.reset_index(drop=True)
