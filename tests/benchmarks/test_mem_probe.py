"""The memory probe's bookkeeping (`benchmarks/mem_probe.py`): resident memory by kind of mapping, and its
operations. The probe itself serves the API on PostgreSQL for minutes and is not run here."""

from __future__ import annotations

import mmap

import benchmarks.mem_probe as probe
from api.memtrace import resident_mb


def test_resident_memory_by_kind_adds_up_to_the_process_resident_size() -> None:
    kinds = probe.mapping_kinds()
    assert {"files", "main heap"} <= set(kinds)
    assert abs(sum(kinds.values()) - resident_mb()) < 0.05 * resident_mb() + 2


def test_an_anonymous_mapping_written_counts_as_resident_anonymous_memory() -> None:
    before = probe.mapping_kinds()
    block = mmap.mmap(-1, 32 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # as malloc maps a large block
    try:
        block.write(b"x" * (32 << 20))
        after = probe.mapping_kinds()
        grown = after.get("anon", 0.0) + after.get("arenas", 0.0) - before.get("anon", 0.0) - before.get("arenas", 0.0)
        assert grown >= 31
    finally:
        block.close()


def test_every_operation_the_docstring_lists_is_one_the_probe_runs() -> None:
    listed = probe.__doc__.split("Operations (the soak's, `benchmarks.soak_bench`):")[1]
    names = {n.strip(" .\n") for n in listed.replace("\n", " ").split(",")}
    assert names == set(probe.operations())
