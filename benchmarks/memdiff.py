"""The allocation sites that grew between two tracemalloc snapshots (written by `api.memtrace`).

python -m benchmarks.memdiff EARLIER.trace LATER.trace [--top 25] [--by traceback|lineno|filename]
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc

IGNORED = (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("earlier")
    parser.add_argument("later")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--by", choices=["traceback", "lineno", "filename"], default="lineno")
    args = parser.parse_args(argv)
    earlier = tracemalloc.Snapshot.load(args.earlier).filter_traces(IGNORED)
    later = tracemalloc.Snapshot.load(args.later).filter_traces(IGNORED)
    total = sum(s.size for s in later.statistics("filename")) - sum(s.size for s in earlier.statistics("filename"))
    print(f"traced memory grew by {total / 2**20:+.2f} MB")
    for stat in later.compare_to(earlier, args.by)[: args.top]:
        print(f"{stat.size_diff / 2**20:+8.2f} MB {stat.count_diff:+8d} blocks  now {stat.size / 2**20:7.2f} MB")
        for line in stat.traceback.format()[-(10 if args.by == "traceback" else 2) :]:
            print(f"      {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
