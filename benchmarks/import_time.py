"""Start-up cost: ``import forecast`` and ``forecast --help`` in fresh interpreters.

The quality bar is under 1 s for ``import forecast``. Prints a JSON line last:
``{"import_forecast_s": ..., "cli_help_s": ..., "import_pandas_s": ...}`` (medians of 7 runs;
pandas is the reference measured in the same run). The package's bytecode is written first,
as a pip install writes it (``_shared.compile_package``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from _shared import compile_package


def _median_seconds(args: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    compile_package()
    py = sys.executable
    result = {
        "import_forecast_s": round(_median_seconds([py, "-c", "import forecast"]), 3),
        "cli_help_s": round(_median_seconds([py, "-m", "forecast", "--help"]), 3),
        "import_pandas_s": round(_median_seconds([py, "-c", "import pandas"]), 3),
        "bare_python_s": round(_median_seconds([py, "-c", "pass"]), 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
