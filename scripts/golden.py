"""Record or check the numbers the package produces, for refactors that must not change them.

``python scripts/golden.py record`` builds a store from ``../shared/data`` (through the
project's importer, in a temporary folder), runs a fixed set of ``forecast run`` and
``forecast backtest`` commands with fixed seeds, and writes the SHA-256 of every output
table to ``scripts/golden.json`` together with the versions of the numerical libraries.
``python scripts/golden.py check`` runs the same commands and compares: exit 0 when every
file is byte-identical, 1 otherwise (the differing files are named, and kept with
``--keep DIR``).

The digests hold on one machine and one set of library versions (floating point differs
across BLAS builds); ``check`` says when the versions differ from the recorded ones.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from _shared import SHARED, build_store  # noqa: E402

RECORD = REPO / "scripts" / "golden.json"
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "duckdb")

# name -> forecast arguments (the store and --out are added)
CASES: dict[str, list[str]] = {
    "run_default": ["run", "--as-of", "2025-11", "--seed", "7", "--draws", "400"],
    "run_sign_calibrated_arima": [
        "run", "--as-of", "2025-11", "--seed", "11", "--draws", "300",
        "--model", "svar", "--model", "elasticity", "--model", "cuba_calibrated",
        "--model", "cuba", "--svar-identification", "sign", "--price-baseline", "arima",
        "--scenario", "venezuela_full_halt", "--scenario", "venezuela_halt_opec_offset",
    ],
    "run_2020_no_change_set": [
        "run", "--as-of", "2020-06", "--seed", "3", "--draws", "200", "--horizon", "18",
        "--model", "elasticity", "--model", "svar", "--price-baseline", "no_change",
        "--set", "outage.volume_kbd=600",
    ],
    "report": ["report", "--as-of", "2025-11", "--seed", "5", "--draws", "300"],
    "backtest": [
        "backtest", "--start", "2012-01", "--end", "2025-11", "--horizons", "1,3,12",
        "--jobs", "2",
    ],
}  # fmt: skip
FILES = ("paths.csv", "summary.csv", "differences.csv", "backtest.csv", "forecasts.csv")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def produce(out: Path) -> dict[str, str]:
    """Run every case into ``out/<case>/`` and return ``{"case/file": sha256}``."""
    store = out / "store.duckdb"
    build_store(store)
    digests: dict[str, str] = {}
    for case, args in CASES.items():
        folder = out / case
        command = [sys.executable, "-m", "forecast", *args, "--store", str(store)]
        subprocess.run([*command, "--out", str(folder)], check=True, capture_output=True)
        for name in FILES:
            if (folder / name).exists():
                digests[f"{case}/{name}"] = _digest(folder / name)
    return digests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "check"])
    parser.add_argument("--keep", type=Path, help="copy the outputs to this folder")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"golden: {SHARED} is absent; nothing to do")
        return 0
    versions = {lib: metadata.version(lib) for lib in LIBRARIES}
    with tempfile.TemporaryDirectory() as tmp:
        digests = produce(Path(tmp))
        if args.keep:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    if args.action == "record":
        RECORD.write_text(json.dumps({"versions": versions, "digests": digests}, indent=1) + "\n")
        print(f"golden: recorded {len(digests)} files in {RECORD.relative_to(REPO)}")
        return 0
    recorded = json.loads(RECORD.read_text())
    if recorded["versions"] != versions:
        print(f"golden: library versions differ from the record: {recorded['versions']}")
    changed = sorted(k for k in recorded["digests"] if digests.get(k) != recorded["digests"][k])
    extra = sorted(set(digests) - set(recorded["digests"]))
    for key in changed:
        print(f"golden: CHANGED {key}")
    for key in extra:
        print(f"golden: new file {key} (not in the record)")
    if changed:
        return 1
    print(f"golden: all {len(recorded['digests'])} files byte-identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
