"""The API process's memory keeping (`api.heap`: the C heap's free pages given back on a timer) and the opt-in
allocation tracing the soak uses to tell a leak from a heap filling up (`api.memtrace`)."""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from api import memtrace
from api.heap import HeapTrimmer


def test_a_started_trimmer_trims_on_its_period_and_stops() -> None:
    trimmer = HeapTrimmer(0.05)
    if not trimmer.available:
        pytest.skip("no malloc_trim in this C library")
    trimmer.start()
    deadline = time.monotonic() + 10
    while trimmer.trims < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    trimmer.stop()
    assert trimmer.trims >= 2
    stopped_at = trimmer.trims
    time.sleep(0.2)
    assert trimmer.trims == stopped_at  # its thread has ended


def test_a_trimmer_with_period_0_never_starts() -> None:
    trimmer = HeapTrimmer(0)
    trimmer.start()
    time.sleep(0.1)
    trimmer.stop()
    assert trimmer.trims == 0


def test_trimming_gives_freed_heap_pages_back() -> None:
    trimmer = HeapTrimmer(0)
    if not trimmer.available:
        pytest.skip("no malloc_trim in this C library")
    kept = [bytearray(1000) for _ in range(100_000)]  # about 100 MB in small blocks, from the heap
    keep_one = kept[-1]
    del kept
    before = memtrace.resident_mb()
    trimmer.trim()
    assert memtrace.resident_mb() < before - 50, (before, memtrace.resident_mb())
    assert len(keep_one) == 1000


def test_memtrace_is_off_unless_its_variable_names_a_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_TRACEMALLOC", raising=False)
    assert memtrace.install_from_env() is False


def test_a_memtrace_dump_writes_both_snapshots_and_a_line_of_counts(tmp_path: Path) -> None:
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start(1)
    try:
        log = memtrace.write(tmp_path)
    finally:
        if started:
            tracemalloc.stop()
    record = json.loads(log.read_text().splitlines()[-1])
    for name in ("rss_mb_before", "traced_mb_live", "traced_mb_collected", "gc_freed", "rss_mb_after"):
        assert name in record
    if memtrace.native_heap():  # glibc: its count before the collection too, where garbage's native memory shows
        assert record["malloc_live"]["in_use_mb"] > 0 and set(record["malloc_live"]) == set(record["malloc"])
    stem = log.name.removesuffix(".jsonl")
    assert (tmp_path / f"{stem}-{record['n']}-live.trace").exists()
    assert tracemalloc.Snapshot.load(str(tmp_path / f"{stem}-{record['n']}-collected.trace")).traces is not None
    assert record["threads"] >= 1
    if memtrace.native_heap():  # glibc: each arena's account, before and after the collection
        assert "<heap nr=" in (tmp_path / f"{stem}-{record['n']}-arenas-live.xml").read_text()
    kept = [{"cached": i} for i in range(600)]  # a container as large as a filling cache
    census = memtrace.census(least=500)
    assert census["types"]["dict"] >= 600  # type: ignore[index]
    assert any(size >= 600 and text.startswith("list") for size, text in census["containers"])  # type: ignore[attr-defined]
    assert kept
