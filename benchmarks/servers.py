"""Waiting for a benchmark's own API server to come up (beside `benchmarks.databases`, the other half of a
benchmark's set-up): one loop for every benchmark that starts `uvicorn` or `tandem serve`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx

START_SECONDS = 180.0  # a process's start (imports, migrations) on a loaded machine: 27 s at a load of 18 on 2 cores


def wait_until_ready(
    url: str,
    process: subprocess.Popen[Any],
    *,
    output: Callable[[], str] = lambda: "",
    seconds: float = START_SECONDS,
    path: str = "/readyz",
) -> None:
    """Return once GET `url``path` answers 200 (`/readyz`: the process answers and its database is ready);
    RuntimeError, with `output()` (the server's log, say), when the process exits first or after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited ({process.returncode}): {output()[-2000:]}")
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not come up within {seconds:g} s: {output()[-2000:]}")


def piped_output(process: subprocess.Popen[str]) -> Callable[[], str]:
    """`output` for a server whose stdout is a pipe: what it wrote, once it has stopped (empty while it runs,
    where reading would wait for it)."""
    return lambda: process.stdout.read() if process.stdout is not None and process.poll() is not None else ""
