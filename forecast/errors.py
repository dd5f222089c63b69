"""Errors and warnings that forecast raises on purpose.

Every error a user can cause (a bad file, a failed download, a bad scenario) derives from
:class:`ForecastError`; the CLI turns those into one-line messages and a non-zero exit. Anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ConvergenceWarning",
    "DataSourceError",
    "DataValidationError",
    "EstimationError",
    "ForecastError",
    "RevisionGuardError",
    "ScenarioError",
    "SelectionError",
    "StoreError",
    "StoreFormatError",
    "StoreLockedError",
    "StoreWriteError",
    "UnknownSeriesError",
]


class ForecastError(Exception):
    """Base of every error forecast raises on purpose."""


class DataSourceError(ForecastError):
    """A fetch or read failed: network, file, or a vendor format we did not expect."""


class DataValidationError(ForecastError, ValueError):
    """A frame failed its schema.

    Parameters
    ----------
    message
        One paragraph naming the series, the origin and every failed check.
    failure_cases
        One row per failure: ``row`` (line in the file, or index label), ``column``,
        ``check`` and ``value``. Kept as a frame, as pandera does.
    """

    def __init__(self, message: str, failure_cases: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.failure_cases = failure_cases


class ScenarioError(ForecastError, ValueError):
    """A scenario file or spec is invalid; the message names the file and the key."""


class SelectionError(ForecastError, ValueError):
    """A bad choice of sources or series, e.g. a series that cannot be refreshed."""


class UnknownSeriesError(ForecastError, KeyError):
    """A series id that the catalog does not know."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreError(ForecastError):
    """The store could not be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class StoreFormatError(StoreError):
    """The file is not a forecast store (another format or schema), or it is damaged.

    Raised before anything is written: the file is never modified.
    """


class StoreWriteError(StoreError):
    """A write could not be committed (disk full, a file that cannot be created).

    The message names the store and the operating system's reason; the store is left as it
    was before the write.
    """


class RevisionGuardError(DataValidationError):
    """A write would blank or revise too much of a stored series at once.

    The message names the series, the counts and how to accept the write
    (``accept_revisions=True``). A subclass of :class:`DataValidationError`, so a refresh
    fails that series alone and keeps its last good vintage.
    """


class EstimationError(ForecastError):
    """A model could not be estimated."""


class ConvergenceWarning(UserWarning):
    """An optimiser had trouble; results are still returned."""
