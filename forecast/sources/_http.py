"""One HTTP GET for every network source: a timeout on each request, retries with backoff.

Only the standard library (:mod:`urllib`) is used. A request that fails in a way that may pass
(no connection, no answer within the timeout, a body cut off before its announced length,
HTTP 429 or any 5xx) is tried again after ``backoff``, ``2 * backoff``, ``4 * backoff``...
seconds (at most ``max_backoff``; a ``Retry-After`` header asks for longer), up to
``attempts`` tries in all. Any other 4xx is the caller's mistake and is not retried. Every
failure raises :class:`~forecast.errors.DataSourceError` naming the URL (with secrets such
as the EIA key replaced by ``***``), what went wrong and how many attempts were made.

The defaults can be changed for a deployment (or made tiny for tests) with the environment
variables ``FORECAST_HTTP_TIMEOUT`` (seconds per connect or read), ``FORECAST_HTTP_ATTEMPTS``
and ``FORECAST_HTTP_BACKOFF`` (seconds before the first retry); see
:meth:`RetryPolicy.from_env`.
"""

from __future__ import annotations

import http.client
import logging
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from forecast._version import __version__
from forecast.errors import DataSourceError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = ["Response", "RetryPolicy", "build_url", "get", "redact"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

USER_AGENT = f"forecast/{__version__} (+https://pypi.org/project/oilshock-forecast/)"
GAVE_UP = "GET {url}: {problem} (gave up after {attempts} attempt{s})"
CLIENT_ERROR = "GET {url}: HTTP {status} {reason}{detail} (a client error: not retried)"
NOT_TEXT = "GET {url}: the body is not UTF-8 text (undecodable byte at offset {offset})"
BAD_SETTING = "{name}={value!r} is not a valid {kind}"
_SNIPPET = 200  # characters of an error body quoted in a message


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait for an answer and how often to try again.

    Attributes
    ----------
    timeout
        Seconds allowed for connecting and for each read of the response.
    attempts
        Tries in all (1 = no retry).
    backoff
        Seconds before the first retry; each later wait doubles.
    max_backoff
        Upper bound of a single wait, also for a server's ``Retry-After``.
    sleep
        The function that waits; tests pass a recorder instead of :func:`time.sleep`.
    """

    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 2.0
    max_backoff: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, failed_attempts: int, retry_after: float | None = None) -> float:
        """Return the wait before the next try, after ``failed_attempts`` failures (>= 1)."""
        wait = self.backoff * 2 ** (failed_attempts - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_backoff)

    def call(self, func: Callable[[], T], *, retry_if: Callable[[Exception], bool], what: str) -> T:
        """Return ``func()``, called again after a wait while it raises what ``retry_if`` accepts.

        After the last attempt, or for an exception ``retry_if`` refuses, the exception is
        re-raised as is. An exception's ``retry_after`` attribute (seconds) asks for a longer
        wait. ``what`` names the operation in the debug log line of each retry.
        """
        for attempt in range(1, self.attempts):
            try:
                return func()
            except Exception as exc:
                if not retry_if(exc):
                    raise
                wait = self.delay(attempt, getattr(exc, "retry_after", None))
                logger.debug(
                    "%s: %s; retrying in %g s (attempt %d of %d)",
                    what, exc, wait, attempt + 1, self.attempts,
                )  # fmt: skip
                self.sleep(wait)
        return func()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """Return the default policy, overridden by ``FORECAST_HTTP_*`` variables.

        Raises
        ------
        DataSourceError
            If a variable is set to something that is not a positive number.
        """
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            timeout=_number(env, "FORECAST_HTTP_TIMEOUT", defaults.timeout),
            attempts=int(_number(env, "FORECAST_HTTP_ATTEMPTS", defaults.attempts, integer=True)),
            backoff=_number(env, "FORECAST_HTTP_BACKOFF", defaults.backoff, allow_zero=True),
        )


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    integer: bool = False,
    allow_zero: bool = False,
) -> float:
    """Read a positive number (or zero, if allowed) from ``env[name]``, else ``default``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(int(raw)) if integer else float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and (value > 0 or (allow_zero and value == 0))):
        kind = "positive integer" if integer else "number of seconds"
        raise DataSourceError(BAD_SETTING.format(name=name, value=raw, kind=kind))
    return value


@dataclass(frozen=True, slots=True)
class Response:
    """A successful (2xx) response, read in full."""

    url: str
    """The URL requested, with secrets redacted: safe to log and to store as an origin."""
    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        """Return the body decoded as UTF-8 (a byte-order mark is dropped).

        Raises
        ------
        DataSourceError
            If the body is not UTF-8.
        """
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataSourceError(NOT_TEXT.format(url=self.url, offset=exc.start)) from exc


def build_url(base: str, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
    """Join ``base`` (scheme and host, maybe a path prefix), ``path`` and query ``params``.

    Square brackets stay literal (``facets[unit][]=TBPD``), as EIA's documentation writes them.
    """
    url = base.rstrip("/") + "/" + path.lstrip("/")
    return url + ("?" + urllib.parse.urlencode(params, safe="[]") if params else "")


def redact(url: str, secrets: Sequence[str]) -> str:
    """Return ``url`` with the values of the query parameters named in ``secrets`` as ``***``."""
    if not secrets:
        return url
    parts = urllib.parse.urlsplit(url)
    query = [
        (key, "***" if key in secrets else value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return parts._replace(query=urllib.parse.urlencode(query, safe="[]*")).geturl()


class _Transient(Exception):  # noqa: N818 -- an internal signal that get() catches
    """A failure worth another try; ``str()`` says what went wrong."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


def get(
    url: str,
    *,
    secrets: Sequence[str] = (),
    policy: RetryPolicy | None = None,
    accept: str = "*/*",
) -> Response:
    """GET ``url`` and return the whole response, retrying transient failures.

    Parameters
    ----------
    url
        The full URL, query included (see :func:`build_url`).
    secrets
        Query parameters whose values never appear in messages or in :attr:`Response.url`.
    policy
        Timeout and retries; default :meth:`RetryPolicy.from_env`.
    accept
        The ``Accept`` header.

    Returns
    -------
    Response
        Status 2xx and the full body.

    Raises
    ------
    DataSourceError
        After a client error (4xx other than 429, not retried), or when the last attempt
        failed too. The message names the redacted URL and the problem.
    """
    policy = policy or RetryPolicy.from_env()
    shown = redact(url, secrets)
    secret_values = _secret_values(url, secrets)
    request = urllib.request.Request(  # noqa: S310 -- http(s) URLs from configuration
        url, headers={"User-Agent": USER_AGENT, "Accept": accept}
    )
    try:
        return policy.call(
            lambda: _attempt(request, shown, policy.timeout, secret_values),
            retry_if=lambda exc: isinstance(exc, _Transient),
            what=f"GET {shown}",
        )
    except _Transient as failure:
        n = policy.attempts
        message = GAVE_UP.format(url=shown, problem=failure, attempts=n, s="" if n == 1 else "s")
        raise DataSourceError(message) from failure


def _attempt(
    request: urllib.request.Request, shown: str, timeout: float, secret_values: list[str]
) -> Response:
    """Make one request; raise :class:`_Transient` for what may pass, DataSourceError else."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            body = reply.read()
            return Response(
                url=shown,
                status=int(reply.status),
                content_type=reply.headers.get_content_type(),
                body=body,
            )
    except urllib.error.HTTPError as exc:
        with exc:
            detail = _snippet(exc, secret_values)
            status, reason = exc.code, exc.reason
            retry_after = _retry_after(exc.headers.get("Retry-After"))
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status} {reason}{detail}", retry_after) from exc
        message = CLIENT_ERROR.format(url=shown, status=status, reason=reason, detail=detail)
        raise DataSourceError(message) from exc
    except http.client.IncompleteRead as exc:
        got, expected = len(exc.partial), exc.expected
        total = f"{got} of {got + expected}" if expected is not None else f"{got}"
        raise _Transient(f"the response was cut off (got {total} bytes)") from exc
    except TimeoutError as exc:
        raise _Transient(f"no response within {timeout:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _Transient(f"no response within {timeout:g} s") from exc
        raise _Transient(f"connection failed: {exc.reason}") from exc
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _Transient(f"connection failed: {type(exc).__name__}: {exc}") from exc


def _secret_values(url: str, secrets: Sequence[str]) -> list[str]:
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    return [value for key, value in query if key in secrets and value]


def _snippet(exc: urllib.error.HTTPError, secret_values: list[str]) -> str:
    """Return ``: <start of the error body>``, secrets removed, or nothing."""
    try:
        raw = exc.read(_SNIPPET * 4)
    except (OSError, http.client.HTTPException):
        return ""
    text = " ".join(raw.decode("utf-8", errors="replace").split())
    for value in secret_values:
        text = text.replace(value, "***")
    if not text:
        return ""
    return ": " + (text if len(text) <= _SNIPPET else text[:_SNIPPET] + "...")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (an HTTP date is ignored)."""
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
