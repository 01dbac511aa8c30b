"""Functions the offload tests run in a child process (`api.offload`): in a module of their own that imports
little, since each child imports the module its function is in (a test module would bring the app with it)."""

from __future__ import annotations

import os

from triage.errors import Problem, ScenarioError


def pid() -> int:
    return os.getpid()


def resident_mb_after_allocating(megabytes: int) -> float:
    """The child's resident size with `megabytes` allocated and touched."""
    block = bytearray(megabytes * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])
    return resident_mb()


def refuse(record: str) -> None:
    raise ScenarioError([Problem(record=record, field="effort_minutes", message="must be positive")])


def die() -> None:
    os._exit(9)


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024
