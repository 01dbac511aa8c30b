"""Import speed: an event-log export of N rows through `tandem import servicenow` (reading, mapping,
effort learning, report; and with --write, the one-transaction write into a fresh SQLite file).

The rows are the real ServiceNow slice's incidents (../shared/data), repeated under new incident numbers
until there are N rows, so that their shape (events per incident, states, groups, people) is a real
desk's. Each run is a fresh child process (`python -m api.cli import ...`): the wall time and the child's
peak resident memory (VmHWM) are what a user's command costs.

    python -m benchmarks.import_bench --rows 100000 [--write]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "servicenow-incidents-2016-03-01-to-14.csv.gz"


def write_export(path: Path, rows: int) -> None:
    """`rows` event rows: the real slice's rows, copy k renaming every incident INC<k><number>."""
    with gzip.open(REAL, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        real = list(reader)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        written, copy = 0, 0
        while written < rows:
            for row in real[: rows - written]:
                writer.writerow([f"{row[0]}-{copy}", *row[1:]])
            written += min(len(real), rows - written)
            copy += 1


def run(export: Path, write: bool, database: Path) -> tuple[float, float, str]:
    """Wall seconds, peak MiB of the child, and the report's first line."""
    command = [sys.executable, "-m", "api.cli", "import", "servicenow", str(export), "--quiet"]
    if not write:
        command.append("--dry-run")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far (one per run)
    del before
    return wall, peak_kib / 1024, done.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--write", action="store_true", help="Also write into a fresh SQLite database.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.csv"
        write_export(export, args.rows)
        wall, peak, first = run(export, args.write, Path(folder) / "tandem.db")
    mode = "import with write" if args.write else "dry run"
    print(f"{args.rows:,} rows, {mode}: {wall:.1f} s wall, peak {peak:.0f} MiB; {first}")


if __name__ == "__main__":
    main()
