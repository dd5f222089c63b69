"""One HTTP GET for every network source: a timeout on each request, retries with backoff.

Only the standard library (:mod:`urllib`) is used. A request that fails in a way that may pass
(no connection, no answer within the timeout, a body cut off before its announced length,
HTTP 429 or any 5xx) is tried again after ``backoff``, ``2 * backoff``, ``4 * backoff``...
seconds (at most ``max_backoff``; a ``Retry-After`` header asks for longer), up to
``attempts`` tries in all. Any other 4xx is the caller's mistake and is not retried. Every
failure raises :class:`~forecast.errors.DataSourceError` naming the URL (with secrets such
as the EIA key replaced by ``***``), what went wrong and how many attempts were made.

Besides the timeout of each connect and each read, three bounds hold whatever a server does:

* a deadline for the whole request (every attempt and every wait between them), and an
  optional one for all the requests of a source (:attr:`RetryPolicy.until`, set by
  :mod:`forecast.refresh`), so a body trickled a few bytes at a time cannot run for hours;
* a largest body: the body is read in chunks and the read stops at the cap (a larger
  announced ``Content-Length`` is refused before reading), so a huge answer cannot exhaust
  memory; not retried;
* a largest number of pages for paged sources (:attr:`RetryPolicy.max_pages`, used by
  :mod:`forecast.sources.eia`).

Only ``http`` and ``https`` URLs are fetched (a ``file:`` URL in a base setting is refused).
Every message passes :func:`scrub`, which replaces each secret value wherever it appears (in
the URL, an error body, the reason phrase).

The defaults can be changed for a deployment (or made tiny for tests) with the environment
variables ``FORECAST_HTTP_TIMEOUT`` (seconds per connect or read), ``FORECAST_HTTP_ATTEMPTS``,
``FORECAST_HTTP_BACKOFF`` (seconds before the first retry), ``FORECAST_HTTP_DEADLINE``
(seconds per request, retries included), ``FORECAST_HTTP_SOURCE_DEADLINE`` (seconds for all
the requests of one source), ``FORECAST_HTTP_MAX_BYTES`` (largest body) and
``FORECAST_HTTP_MAX_PAGES`` (pages per series); see :meth:`RetryPolicy.from_env`.
"""

from __future__ import annotations

import dataclasses
import errno
import http.client
import logging
import math
import os
import socket
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

__all__ = ["Response", "RetryPolicy", "build_url", "check_base", "get", "redact", "scrub"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

USER_AGENT = f"forecast/{__version__} (+https://pypi.org/project/oilshock-forecast/)"
GAVE_UP = "GET {url}: {problem} (gave up after {attempts} attempt{s})"
CLIENT_ERROR = "GET {url}: HTTP {status} {reason}{detail} (a client error: not retried)"
NOT_TEXT = "GET {url}: the body is not UTF-8 text (undecodable byte at offset {offset})"
BAD_SETTING = "{name}={value!r} is not a valid {kind}"
DEADLINE_PASSED = "{what} within the deadline of {seconds:g} s (${env})"
TOO_LARGE = "GET {url}: the body is larger than {limit:,} bytes (${env}): refused"
NOT_HTTP = "{name}={url!r}: only http:// and https:// URLs can be fetched"
_SNIPPET = 200  # characters of an error body quoted in a message
_CHUNK = 64 * 1024


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
    deadline
        Seconds allowed for one request in all: every attempt, every read, every wait.
    source_deadline
        Seconds allowed for all the requests of one source (refresh sets :attr:`until`).
    max_bytes
        Largest body read; a larger one fails (not retried).
    max_pages
        Largest number of pages a paged source (EIA) requests for one series.
    until
        A :func:`time.monotonic` time after which no request may run (``None``: none).
    sleep
        The function that waits; tests pass a recorder instead of :func:`time.sleep`.
    """

    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 2.0
    max_backoff: float = 60.0
    deadline: float = 300.0
    source_deadline: float = 1800.0
    max_bytes: int = 64 * 1024 * 1024
    max_pages: int = 200
    until: float | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def for_source(self) -> RetryPolicy:
        """Return this policy with :attr:`until` set :attr:`source_deadline` from now."""
        return dataclasses.replace(self, until=time.monotonic() + self.source_deadline)

    def delay(self, failed_attempts: int, retry_after: float | None = None) -> float:
        """Return the wait before the next try, after ``failed_attempts`` failures (>= 1)."""
        wait = self.backoff * 2 ** (failed_attempts - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_backoff)

    def call(
        self,
        func: Callable[[], T],
        *,
        retry_if: Callable[[Exception], bool],
        what: str,
        until: float | None = None,
    ) -> T:
        """Return ``func()``, called again after a wait while it raises what ``retry_if`` accepts.

        After the last attempt, or for an exception ``retry_if`` refuses, the exception is
        re-raised as is; so it is when the wait would pass ``until`` (a
        :func:`time.monotonic` time). An exception's ``retry_after`` attribute (seconds) asks
        for a longer wait. ``what`` names the operation in the debug log line of each retry.
        """
        for attempt in range(1, self.attempts):
            try:
                return func()
            except Exception as exc:
                if not retry_if(exc):
                    raise
                wait = self.delay(attempt, getattr(exc, "retry_after", None))
                if until is not None and time.monotonic() + wait >= until:
                    raise
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
            deadline=_number(env, "FORECAST_HTTP_DEADLINE", defaults.deadline),
            source_deadline=_number(env, "FORECAST_HTTP_SOURCE_DEADLINE", defaults.source_deadline),
            max_bytes=int(
                _number(env, "FORECAST_HTTP_MAX_BYTES", defaults.max_bytes, integer=True)
            ),
            max_pages=int(
                _number(env, "FORECAST_HTTP_MAX_PAGES", defaults.max_pages, integer=True)
            ),
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
        raise DataSourceError(BAD_SETTING.format(name=name, value=raw[:60], kind=kind))
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


def scrub(text: str, values: Sequence[str | None]) -> str:
    """Return ``text`` with every occurrence of each secret value in ``values`` as ``***``.

    The one redaction applied to every message made from what a server sent (an error body,
    a JSON ``error``, a reason phrase) or from a URL; empty values are ignored. The value is
    also replaced in its URL-encoded form.
    """
    for value in values:
        if value:
            for form in {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}:
                text = text.replace(form, "***")
    return text


def check_base(url: str, name: str) -> str:
    """Return ``url`` if it is an ``http(s)`` URL; ``name`` is the setting it came from.

    Raises
    ------
    DataSourceError
        For any other scheme (``file:``, ``ftp:``...) or no host.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise DataSourceError(NOT_HTTP.format(name=name, url=url[:80]))
    return url


class _Transient(Exception):  # noqa: N818 -- an internal signal that get() catches
    """A failure worth another try; ``str()`` says what went wrong."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Limits:
    """What bounds one request: the per-read timeout, the end time, the body cap, secrets."""

    timeout: float
    until: float
    deadline: float
    deadline_env: str
    max_bytes: int
    secrets: list[str]

    def remaining(self, what: str) -> float:
        """Return the seconds left for the next read (at most the timeout), or fail."""
        left = self.until - time.monotonic()
        if left <= 0:
            raise _Transient(
                DEADLINE_PASSED.format(what=what, seconds=self.deadline, env=self.deadline_env)
            )
        return min(self.timeout, left)


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
        The full URL, query included (see :func:`build_url`); ``http`` or ``https`` only.
    secrets
        Query parameters whose values never appear in messages or in :attr:`Response.url`.
    policy
        Timeout, retries, deadlines and body cap; default :meth:`RetryPolicy.from_env`.
    accept
        The ``Accept`` header.

    Returns
    -------
    Response
        Status 2xx and the full body.

    Raises
    ------
    DataSourceError
        After a client error (4xx other than 429, not retried), a body over the cap, a
        scheme other than http(s), when the deadline passed, or when the last attempt failed
        too. The message names the redacted URL and the problem.
    """
    policy = policy or RetryPolicy.from_env()
    secret_values = _secret_values(url, secrets)
    shown = scrub(redact(url, secrets), secret_values)
    check_base(shown, "GET")
    limits = _limits(policy, secret_values)
    request = urllib.request.Request(  # noqa: S310 -- checked above: http(s) only
        url, headers={"User-Agent": USER_AGENT, "Accept": accept}
    )
    tries = [0]

    def attempt() -> Response:
        tries[0] += 1
        return _attempt(request, shown, limits)

    try:
        return policy.call(
            attempt,
            retry_if=lambda exc: isinstance(exc, _Transient),
            what=f"GET {shown}",
            until=limits.until,
        )
    except _Transient as failure:
        n = tries[0]
        problem = scrub(str(failure), secret_values)
        message = GAVE_UP.format(url=shown, problem=problem, attempts=n, s="" if n == 1 else "s")
        raise DataSourceError(message) from failure


def _limits(policy: RetryPolicy, secret_values: list[str]) -> _Limits:
    """Return the bounds of one request: its own deadline, or the source's if that is sooner."""
    until = time.monotonic() + policy.deadline
    deadline, env = policy.deadline, "FORECAST_HTTP_DEADLINE"
    if policy.until is not None and policy.until < until:
        until, deadline, env = policy.until, policy.source_deadline, "FORECAST_HTTP_SOURCE_DEADLINE"
    return _Limits(policy.timeout, until, deadline, env, policy.max_bytes, secret_values)


def _attempt(request: urllib.request.Request, shown: str, limits: _Limits) -> Response:
    """Make one request; raise :class:`_Transient` for what may pass, DataSourceError else."""
    timeout = limits.remaining("no response")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            body = _read_body(reply, shown, limits)
            return Response(
                url=shown,
                status=int(reply.status),
                content_type=reply.headers.get_content_type(),
                body=body,
            )
    except urllib.error.HTTPError as exc:
        with exc:
            detail = _snippet(exc, limits.secrets)
            status, reason = exc.code, scrub(" ".join(str(exc.reason).split())[:80], limits.secrets)
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
        limits.remaining("the body did not arrive in full")  # the deadline, if it passed
        raise _Transient(f"no response within {timeout:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            limits.remaining("no response")
            raise _Transient(f"no response within {timeout:g} s") from exc
        raise _Transient(f"connection failed: {describe_os_error(exc.reason)}") from exc
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _Transient(f"connection failed: {type(exc).__name__}: {exc}") from exc


def _read_body(reply: http.client.HTTPResponse, shown: str, limits: _Limits) -> bytes:
    """Read the body in chunks, within the deadline and the size cap."""
    announced = reply.headers.get("Content-Length", "")
    env = "FORECAST_HTTP_MAX_BYTES"
    if announced.strip().isdigit() and int(announced) > limits.max_bytes:
        raise DataSourceError(TOO_LARGE.format(url=shown, limit=limits.max_bytes, env=env))
    sock = getattr(getattr(reply.fp, "raw", None), "_sock", None)
    chunks: list[bytes] = []
    size = 0
    while True:
        left = limits.remaining("the body did not arrive in full")
        if isinstance(sock, socket.socket):
            sock.settimeout(left)
        chunk = reply.read1(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_bytes:
            raise DataSourceError(TOO_LARGE.format(url=shown, limit=limits.max_bytes, env=env))
        chunks.append(chunk)
    if reply.length:  # the connection closed before the announced Content-Length
        raise http.client.IncompleteRead(b"".join(chunks), reply.length)
    return b"".join(chunks)


def describe_os_error(reason: object) -> str:
    """Say what a connection failure means: no network, an unknown host, a refused port."""
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name (no network or no DNS?): {reason}"
    if isinstance(reason, OSError) and reason.errno in {errno.ENETUNREACH, errno.EHOSTUNREACH}:
        return f"network unreachable: {reason.strerror or reason}"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused: {reason.strerror or reason}"
    return str(reason)


def _secret_values(url: str, secrets: Sequence[str]) -> list[str]:
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    return [value for key, value in query if key in secrets and value]


def _snippet(exc: urllib.error.HTTPError, secret_values: list[str]) -> str:
    """Return ``: <start of the error body>``, secrets removed, or nothing."""
    try:
        raw = exc.read(_SNIPPET * 4)
    except (OSError, http.client.HTTPException):
        return ""
    text = scrub(" ".join(raw.decode("utf-8", errors="replace").split()), secret_values)
    if not text:
        return ""
    return ": " + (text if len(text) <= _SNIPPET else text[:_SNIPPET] + "...")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (an HTTP date is ignored)."""
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
