"""Grid rows streamed to disk in chunks: Parquet through pyarrow, else a DuckDB table."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = ["TABLE", "Sink", "has_pyarrow"]

TABLE = "grid"


def has_pyarrow() -> bool:
    """Whether pyarrow is installed (Parquet output); else the grid goes to DuckDB."""
    return importlib.util.find_spec("pyarrow") is not None


class Sink:
    """Appends chunks of rows to ``grid.parquet`` (pyarrow) or ``grid.duckdb`` (table ``grid``).

    Parameters
    ----------
    directory
        Output directory (created).
    parquet
        Use Parquet; default: when pyarrow is installed.
    """

    def __init__(self, directory: Path, *, parquet: bool | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.parquet = has_pyarrow() if parquet is None else parquet
        self.path = directory / ("grid.parquet" if self.parquet else "grid.duckdb")
        self.path.unlink(missing_ok=True)
        self.rows = 0
        self._writer: Any = None
        self._connection: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk of rows (same columns every time)."""
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
        else:
            import duckdb

            if self._connection is None:
                self._connection = duckdb.connect(str(self.path))
                self._connection.register("chunk", frame)
                self._connection.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM chunk")
            else:
                self._connection.register("chunk", frame)
                self._connection.execute(f"INSERT INTO {TABLE} SELECT * FROM chunk")
            self._connection.unregister("chunk")
        self.rows += len(frame)

    def close(self) -> None:
        """Finish the file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
