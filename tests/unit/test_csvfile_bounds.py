"""read_series_csv reads regular files of bounded size only, and never echoes a huge cell."""

import os
import threading
from pathlib import Path

import pytest

from forecast.errors import DataSourceError, DataValidationError
from forecast.sources.csvfile import DEFAULT_MAX_IMPORT_BYTES, max_import_bytes, read_series_csv
from tests.unit.test_csvfile import GOOD


def test_a_fifo_is_refused_at_once_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_series_csv(fifo, "brent_usd")
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the reader before failing
        with fifo.open("w"):
            pass
        pytest.fail("reading a FIFO hangs")
    (error,) = outcome
    assert isinstance(error, DataValidationError)
    assert str(error).startswith(f"{fifo}: not a regular file (a FIFO)")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match=r"not a regular file \(a directory\)"):
        read_series_csv(tmp_path, "brent_usd")


def test_a_file_over_the_limit_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert max_import_bytes() == DEFAULT_MAX_IMPORT_BYTES == 64 * 1024 * 1024
    path = tmp_path / "big.csv"
    path.write_text(GOOD)
    monkeypatch.setenv("FORECAST_MAX_IMPORT_BYTES", "10")
    with pytest.raises(DataValidationError) as caught:
        read_series_csv(path, "brent_usd")
    message = str(caught.value)
    assert message.startswith(f"{path}: the file has {len(GOOD.encode()):,} bytes")
    assert "import limit of 10 bytes" in message
    assert "FORECAST_MAX_IMPORT_BYTES" in message
    assert "\n" not in message
    monkeypatch.setenv("FORECAST_MAX_IMPORT_BYTES", str(len(GOOD.encode())))
    assert len(read_series_csv(path, "brent_usd").frame) > 0, "a file at the limit is read"
    monkeypatch.setenv("FORECAST_MAX_IMPORT_BYTES", "lots")
    with pytest.raises(DataSourceError, match="FORECAST_MAX_IMPORT_BYTES must be a positive"):
        read_series_csv(path, "brent_usd")


def test_a_huge_bad_cell_is_not_echoed_in_full(tmp_path: Path) -> None:
    path = tmp_path / "cell.csv"
    junk = "x" * 2_000_000
    path.write_text(f"date,value\n2020-01-01,{junk}\n2020-02-01,1\n")
    with pytest.raises(DataValidationError) as caught:
        read_series_csv(path, "brent_usd")
    message = str(caught.value)
    assert len(message) < 2_000
    assert "(2,000,000 characters)" in message
    assert "line 2" in message


def test_a_huge_header_is_not_echoed_in_full(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("d" * 1_000_000 + ",v\n2020-01-01,1\n")
    with pytest.raises(DataValidationError, match="required column 'date' not found") as caught:
        read_series_csv(path, "brent_usd")
    assert len(str(caught.value)) < 2_000
