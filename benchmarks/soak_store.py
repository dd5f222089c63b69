"""Soak the store: concurrent imports, random SIGKILLs and concurrent reads, then audit.

Runs ``--writers`` concurrent ``forecast data import`` processes against one new store for
``--seconds``, SIGKILLs random running processes, and keeps ``--readers`` concurrent
``forecast data status --json`` reads going. At the end it checks that

* every import that reported ``vintage N written`` (even one killed after it said so) has
  vintage N in the store, of its series, holding exactly the file's rows and values;
* every read saw complete vintages: each series' ``vintage_id`` is in the final vintage log
  with the same row count and last date, and that row count is one of the files' lengths.

Exit codes 0 (written or unchanged) and 75 (locked) are expected; anything else is reported.
Prints counts, then one JSON line last. No pytest needed::

    python benchmarks/soak_store.py --writers 6 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WRITTEN = re.compile(r"^(\w+): vintage (\d+) written", re.MULTILINE)
SERIES = {  # series id -> (start, base level): synthetic, within the catalog's bounds
    "brent_usd": ("1990-01", 60.0),
    "wti_usd": ("1990-01", 55.0),
    "us_cpi": ("1990-01", 130.0),
    "kilian_rea": ("1990-01", 0.0),
}
VERSIONS = 5  # files per series: the same history, each a few months longer


@dataclass
class Job:
    """A running ``forecast`` process and what it was asked to do."""

    kind: str  # "import" or "read"
    proc: subprocess.Popen[str]
    series_id: str = ""
    file: Path | None = None
    killed: bool = False


@dataclass
class Tally:
    """Everything the soak saw."""

    counts: Counter[str] = field(default_factory=Counter)
    written: list[tuple[str, int, Path]] = field(default_factory=list)
    reads: list[dict[str, object]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _months(start: str, n: int) -> list[str]:
    year, month = (int(x) for x in start.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}-01")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def write_files(folder: Path) -> dict[Path, tuple[str, list[tuple[str, float]]]]:
    """Write VERSIONS CSV files per series; return file -> (series, rows)."""
    rng = random.Random(20260101)  # noqa: S311  (synthetic data, not security)
    files = {}
    for series_id, (start, level) in SERIES.items():
        n = 240 + VERSIONS * 3
        values, value = [], level
        for _ in range(n):
            value += rng.gauss(0, 1)
            values.append(round(value, 3))
        dates = _months(start, n)
        for version in range(VERSIONS):
            rows = list(zip(dates, values, strict=True))[: 240 + version * 3]
            path = folder / f"{series_id}_v{version}.csv"
            path.write_text("date,value\n" + "".join(f"{d},{v}\n" for d, v in rows))
            files[path] = (series_id, rows)
    return files


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "forecast", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(job: Job, tally: Tally) -> None:
    out, err = job.proc.communicate()
    code = job.proc.returncode
    outcome = "killed" if job.killed and code < 0 else str(code)
    tally.counts[f"{job.kind} exit {outcome}"] += 1
    if job.kind == "import":
        for series_id, vintage in WRITTEN.findall(out):
            assert job.file is not None
            tally.written.append((series_id, int(vintage), job.file))
        if code not in (0, 75) and not job.killed:
            tally.problems.append(f"import {job.file} exit {code}: {err.strip()[-300:]}")
    elif code == 0:
        tally.reads.append(json.loads(out))
    elif code != 75 and not job.killed:
        tally.problems.append(f"status exit {code}: {err.strip()[-300:]}")


def soak(store: Path, files: dict[Path, tuple[str, list[tuple[str, float]]]],
         args: argparse.Namespace) -> Tally:  # fmt: skip
    """Run the processes for ``args.seconds``; return what they did."""
    rng = random.Random(args.seed)  # noqa: S311
    tally = Tally()
    jobs: list[Job] = []
    deadline = time.monotonic() + args.seconds
    paths = list(files)
    while time.monotonic() < deadline or jobs:
        for job in [j for j in jobs if j.proc.poll() is not None]:
            jobs.remove(job)
            _finish(job, tally)
        if time.monotonic() < deadline:
            while sum(j.kind == "import" for j in jobs) < args.writers:
                file = rng.choice(paths)
                series_id = files[file][0]
                cmd = ["data", "import", str(file), "--series", series_id, "--store", str(store)]
                jobs.append(Job("import", _start(cmd), series_id, file))
            while sum(j.kind == "read" for j in jobs) < args.readers:
                status = ["data", "status", "--json", "--store", str(store)]
                jobs.append(Job("read", _start(status)))
            live = [j for j in jobs if j.proc.poll() is None and not j.killed]
            if live and rng.random() < args.kill_rate:
                victim = rng.choice(live)
                time.sleep(rng.uniform(0, 0.8))  # anywhere in its life, often mid-write
                if victim.proc.poll() is None:
                    victim.proc.send_signal(signal.SIGKILL)
                    victim.killed = True
        time.sleep(0.05)
    return tally


def audit(store: Path, files: dict[Path, tuple[str, list[tuple[str, float]]]],
          tally: Tally) -> None:  # fmt: skip
    """Check every reported write and every read against the final store."""
    import pandas as pd

    from forecast.store import Store

    final = Store(store)
    log = final.vintages()
    by_id = {int(row["vintage_id"]): row for _, row in log.iterrows()}
    lengths = {sid: {len(rows) for s, rows in files.values() if s == sid} for sid in SERIES}
    for series_id, vintage, file in tally.written:
        row = by_id.get(vintage)
        if row is None or row["series_id"] != series_id:
            tally.problems.append(f"{file.name}: reported vintage {vintage} is not in the store")
            continue
        got = final.read(series_id, vintage=vintage)
        rows = files[file][1]
        want = pd.DataFrame({"date": pd.to_datetime([d for d, _ in rows]),
                             "value": [v for _, v in rows]})  # fmt: skip
        if (
            got is None
            or len(got) != len(want)
            or not (
                (got["date"].to_numpy() == want["date"].to_numpy()).all()
                and (got["value"].round(6).to_numpy() == want["value"].to_numpy()).all()
            )
        ):
            tally.problems.append(f"{file.name}: vintage {vintage} does not hold the file's rows")
        tally.counts["writes verified"] += 1
    for read in tally.reads:
        for series in read["series"]:  # type: ignore[attr-defined]
            row = by_id.get(int(series["vintage_id"]))
            complete = (
                row is not None
                and int(row["n_rows"]) == series["rows"]
                and series["rows"] in lengths[series["series_id"]]
                and str(pd.Timestamp(row["last_date"]).date()) == series["last_date"]
            )
            if not complete:
                tally.problems.append(f"a read saw an incomplete vintage: {series}")
            tally.counts["read series verified"] += 1


def main() -> int:
    """Run the soak and print counts, then a JSON line; exit 1 if anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=6, help="concurrent imports")
    parser.add_argument("--readers", type=int, default=2, help="concurrent status reads")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to start jobs")
    parser.add_argument("--kill-rate", type=float, default=0.01, help="chance per 50 ms tick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="soak-store-"))
    store = folder / "store" / "forecast.duckdb"
    files = write_files(folder)
    started = time.monotonic()
    tally = soak(store, files, args)
    audit(store, files, tally)
    leftovers = sorted(p.name for p in store.parent.iterdir() if p.name != store.name)
    summary = {
        "writers": args.writers,
        "readers": args.readers,
        "seconds": round(time.monotonic() - started, 1),
        "counts": dict(sorted(tally.counts.items())),
        "reported_written": len(tally.written),
        "vintages_in_store": len(__import__("forecast.store").store.Store(store).vintages()),
        "leftover_files": leftovers,
        "problems": tally.problems[:20],
        "ok": not tally.problems,
    }
    for key, value in summary["counts"].items():  # type: ignore[attr-defined]
        print(f"{key:>28}: {value}")
    for problem in tally.problems[:20]:
        print(f"PROBLEM: {problem}")
    print(json.dumps(summary, sort_keys=True))
    if not args.keep:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
