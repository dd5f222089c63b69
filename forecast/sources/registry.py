"""The sources ``forecast refresh`` fetches, each declared once.

An entry says what a source is called (its name, the one the catalog's
:class:`~forecast.catalog.SourceRef` uses, and a title for people), what it fetches (full
histories that replace the stored series, or a recent window merged into it), which library
or service version it records with each vintage, which API key it needs, and which module
fetches for it. :mod:`forecast.refresh` and the ``forecast refresh`` command (its
``--source`` choices and help) read only this registry, so adding a source is its module
(with a ``refresh_fetch(series_id, request)`` function), one entry in :data:`SOURCES`, its
name in :data:`forecast.catalog.RefreshSourceName`, and the catalog's codes for its series.

This module is plain data: the source modules (and pandas, yfinance) are imported only
when a source fetches, so ``forecast --help`` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, get_args

from forecast.catalog import RefreshSourceName

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    import pandas as pd

    from forecast.sources._http import RetryPolicy
    from forecast.sources.csvfile import ImportedSeries
    from forecast.store import WriteMode

__all__ = [
    "NAMES",
    "SOURCES",
    "FetchRequest",
    "ModuleSource",
    "Source",
    "get",
    "titles",
]


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What refresh tells a source when it asks for one series.

    Attributes
    ----------
    held
        What the store holds of the series (``date, value``), or ``None``: a source that
        sends a window starts it from there.
    policy
        HTTP timeout and retries.
    today
        The day the refresh runs (UTC); a window ends before it.
    base
        The server base to use instead of the source's default (tests, mirrors).
    key
        The source's API key, if it needs one.
    """

    held: pd.DataFrame | None
    policy: RetryPolicy
    today: date
    base: str | None = None
    key: str | None = None


class Source(Protocol):
    """A source ``forecast refresh`` can fetch series from."""

    @property
    def name(self) -> RefreshSourceName:
        """The name the catalog and ``--source`` use, e.g. ``"fred"``."""

    @property
    def title(self) -> str:
        """The name people know, e.g. ``"FRED"``."""

    @property
    def mode(self) -> WriteMode:
        """``replace``: it sends full histories; ``merge``: a recent window."""

    @property
    def key_env(self) -> str | None:
        """The environment variable holding the API key it needs (``None``: no key)."""

    @property
    def key_help(self) -> str:
        """Where to get that key, for the message when it is missing."""

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """Return the API key from the environment, or ``None`` when unset or not needed."""

    def version(self) -> str | None:
        """Return the library or service version recorded with each vintage it writes."""

    def fetch(self, series_id: str, request: FetchRequest) -> ImportedSeries:
        """Fetch and validate one series."""


@dataclass(frozen=True, slots=True)
class ModuleSource:
    """A source whose module in :mod:`forecast.sources` fetches for refresh.

    Attributes
    ----------
    name, title, mode, key_env
        As in :class:`Source`.
    fetches
        What it sends, in words (``forecast refresh`` help and the docs).
    module
        The module with ``refresh_fetch(series_id, request) -> ImportedSeries``, imported
        when the source first fetches.
    service
        The version recorded with each vintage when no library does the fetching.
    distribution
        The library that does the fetching (a distribution name): its installed version
        is recorded, e.g. ``"yfinance 0.2.66"`` (``None`` when it is not installed).
    key_help
        Where to get the API key, for the message when it is missing.
    """

    name: RefreshSourceName
    title: str
    fetches: str
    mode: WriteMode
    module: str
    service: str | None = None
    distribution: str | None = None
    key_env: str | None = None
    key_help: str = ""

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """Return ``$<key_env>``, or ``None`` when it is unset, empty or not needed."""
        if self.key_env is None:
            return None
        env = os.environ if environ is None else environ
        return env.get(self.key_env, "").strip() or None

    def version(self) -> str | None:
        """Return ``"<distribution> <version>"``, else :attr:`service`."""
        if self.distribution is None:
            return self.service
        try:
            return f"{self.distribution} {importlib.metadata.version(self.distribution)}"
        except importlib.metadata.PackageNotFoundError:
            return None

    def fetch(self, series_id: str, request: FetchRequest) -> ImportedSeries:
        """Fetch and validate one series through :attr:`module`'s ``refresh_fetch``."""
        fetcher = importlib.import_module(self.module).refresh_fetch
        imported: ImportedSeries = fetcher(series_id, request)
        return imported


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        ModuleSource(
            "fred", "FRED", "full histories (fredgraph.csv)", "replace",
            "forecast.sources.fred", service="fredgraph.csv",
        ),
        ModuleSource(
            "eia", "EIA", "full histories (API v2, international data)", "replace",
            "forecast.sources.eia", service="EIA API v2", key_env="EIA_API_KEY",
            key_help="a free key: https://www.eia.gov/opendata/register.php",
        ),
        ModuleSource(
            "yahoo", "Yahoo Finance", "a recent window of daily closes (yfinance)", "merge",
            "forecast.sources.yahoo", distribution="yfinance",
        ),
    )
}  # fmt: skip
"""Every refresh source, by name, in the order refresh runs them."""

NAMES: tuple[RefreshSourceName, ...] = tuple(source.name for source in SOURCES.values())
"""The refresh sources' names: ``fred``, ``eia``, ``yahoo``."""

if set(NAMES) != set(get_args(RefreshSourceName)):  # pragma: no cover - a coding error
    msg = f"registry sources {NAMES} differ from catalog.RefreshSourceName"
    raise ImportError(msg)


def get(name: str) -> Source:
    """Return the source called ``name``.

    Raises
    ------
    KeyError
        If no refresh source has that name (:func:`forecast.refresh.select_series` checks
        names first, with a message listing them).
    """
    return SOURCES[name]


def titles() -> str:
    """Return the sources' titles as prose: ``"FRED, EIA and Yahoo Finance"``."""
    names = [source.title for source in SOURCES.values()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
