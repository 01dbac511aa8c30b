"""Opt-in memory tracing of a server process, to tell a leak from a cache or a heap filling up.

With `TANDEM_TRACEMALLOC` naming a folder, the process starts `tracemalloc` (keeping
`TANDEM_TRACEMALLOC_FRAMES` frames, 5 by default) and, on SIGUSR1, writes two snapshots there: one as the heap
is, and one after a full garbage collection (`tandem-PID-N-live.trace`, `tandem-PID-N-collected.trace`),
glibc's account per arena before and after the collection (`malloc_info`, `tandem-PID-N-arenas-*.xml`),
with a JSON line per signal in `tandem-PID.jsonl`: resident memory before and after, objects the collector
tracked and freed, glibc's heap (in use and free, every arena) before and after the collection (a few objects
the collector frees can hold MBs of native memory: OR-Tools' models did) and resident memory once glibc has
returned its free pages (`malloc_trim`). Compare two signals' snapshots with `python -m benchmarks.memdiff A
B`. Off by default: tracing slows every allocation.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import itertools
import json
import os
import signal
import time
import tracemalloc
from pathlib import Path
from types import FrameType

_count = itertools.count(1)


def install_from_env() -> bool:
    """Start tracing and install the SIGUSR1 handler when `TANDEM_TRACEMALLOC` is set; True when it is."""
    folder = os.environ.get("TANDEM_TRACEMALLOC")
    if not folder:
        return False
    Path(folder).mkdir(parents=True, exist_ok=True)
    if not tracemalloc.is_tracing():
        tracemalloc.start(int(os.environ.get("TANDEM_TRACEMALLOC_FRAMES", "5")))

    def dump(_signum: int, _frame: FrameType | None) -> None:
        write(Path(folder))

    signal.signal(signal.SIGUSR1, dump)
    return True


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def native_heap() -> dict[str, float]:
    """glibc's own count over every arena (mallinfo2): MB handed out by malloc (in use, whoever called it:
    Python, CP-SAT, HiGHS, psycopg), MB free inside its heaps, MB in mmapped blocks; {} where unavailable."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return {}
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return {"in_use_mb": info.uordblks / 2**20, "free_mb": info.fordblks / 2**20, "mmapped_mb": info.hblkhd / 2**20}


def threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def arenas(path: Path) -> bool:
    """glibc's per-arena account (`malloc_info`, XML) written to `path`: which arena holds what; False where
    unavailable."""
    libc = _libc()
    if libc is None or not hasattr(libc, "malloc_info"):
        return False
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    stream = libc.fopen(str(path).encode(), b"w")
    if not stream:
        return False
    try:
        libc.malloc_info(0, stream)
    finally:
        libc.fclose(stream)
    return True


def _sample(container: object) -> str:
    """A container's type and a few of its keys or items, to recognise it from one signal to the next."""
    items = list(container)[:3] if isinstance(container, dict | set) else container[:3]  # type: ignore[index]
    return f"{type(container).__qualname__} {[repr(i)[:40] for i in items]}"


def census(top: int = 15, least: int = 500) -> dict[str, object]:
    """The commonest types among the objects the collector tracks, and the containers holding at least `least`
    items (a few of their keys): a cache or a leak shows as a container that keeps growing."""
    counts: dict[str, int] = {}
    big: list[tuple[int, str]] = []
    for obj in gc.get_objects():
        kind = type(obj)
        counts[kind.__qualname__] = counts.get(kind.__qualname__, 0) + 1
        if isinstance(obj, dict | list | set) and len(obj) >= least:
            big.append((len(obj), _sample(obj)))
    commonest = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return {"types": dict(commonest), "containers": sorted(big, reverse=True)[:top]}


def write(folder: Path) -> Path:
    """The two snapshots (live, then after a full collection) and a JSON line; returns the JSON file."""
    n = next(_count)
    stem = folder / f"tandem-{os.getpid()}-{n}"
    record: dict[str, object] = {"n": n, "at": time.time(), "rss_mb_before": resident_mb()}
    record["gc_counts"] = list(gc.get_count())
    record["gc_tracked"] = len(gc.get_objects())
    record["threads"] = threads()
    arenas(Path(f"{stem}-arenas-live.xml"))
    tracemalloc.take_snapshot().dump(f"{stem}-live.trace")
    record["traced_mb_live"] = tracemalloc.get_traced_memory()[0] / 2**20
    record["malloc_live"] = native_heap()  # before the collection: native memory held by garbage shows here
    record["gc_freed"] = gc.collect()
    record["traced_mb_collected"] = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.take_snapshot().dump(f"{stem}-collected.trace")
    record["gc_tracked_after"] = len(gc.get_objects())
    record["census"] = census()
    record["rss_mb_after"] = resident_mb()
    record["malloc"] = native_heap()
    arenas(Path(f"{stem}-arenas-collected.xml"))
    if (libc := _libc()) is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)  # free pages inside glibc's heaps back to the system: what RSS keeps that is not used
        record["rss_mb_trimmed"] = resident_mb()
    log = folder / f"tandem-{os.getpid()}.jsonl"
    with log.open("a") as out:
        out.write(json.dumps(record) + "\n")
    return log
