"""Giving the C heap's free pages back to the system while the API serves.

An API process plans in threads (live re-plans, what-ifs, help, reports: CP-SAT, HiGHS and the Python that
builds their models), each burst allocating and freeing tens of MB. glibc keeps what is freed inside its heaps
(one per thread arena) and returns pages only from a heap's top, so the resident size of a process that served
for ten minutes kept rising by 7-10 MB a minute while what was in use stayed flat (benchmarks/RESULTS.md,
"Soak": glibc's own count, in use 74 -> 76 MB and free 57 -> 58 MB in a minute, and 35 MB of resident memory
given back by one `malloc_trim`). `HeapTrimmer` calls `malloc_trim(0)` every `every` seconds from a thread of
its own; where the C library has no `malloc_trim` (not glibc), it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable


def _malloc_trim() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "malloc_trim"):
        return None
    trim = libc.malloc_trim
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


class HeapTrimmer:
    """A daemon thread trimming the C heap every `every` seconds until stopped."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.trims = 0
        self._trim = _malloc_trim()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heap-trim", daemon=True)

    @property
    def available(self) -> bool:
        return self._trim is not None

    def start(self) -> None:
        if self._trim is not None and self.every > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def trim(self) -> None:
        if self._trim is not None:
            self._trim()
            self.trims += 1

    def _loop(self) -> None:
        while not self._stopping.wait(self.every):
            self.trim()
