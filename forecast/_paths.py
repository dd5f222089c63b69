"""Where the data that ships with forecast lives.

In a wheel, ``data/facts`` and ``data/scenarios`` are packed as ``forecast/_data/...``
(hatch ``force-include``); in an editable install or a checkout they are read from the
repository's ``data/`` folder. Both are found here, so nothing else needs to know.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_dir", "default_store_path"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(kind: str) -> Path:
    """Return the folder of shipped ``kind`` files (``"facts"`` or ``"scenarios"``)."""
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / "data" / kind):
        if candidate.is_dir():
            return candidate
    msg = f"forecast's bundled {kind!r} folder is missing: the installation is incomplete"
    raise FileNotFoundError(msg)


def default_store_path() -> Path:
    """Return the default store location, ``data/store/forecast.duckdb`` under the cwd."""
    return Path("data") / "store" / "forecast.duckdb"
