"""The benchmarks' wait for their server (`benchmarks/servers.py`): up once it answers, an error with the
server's output when it exits first or does not come up in time."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from benchmarks.servers import wait_until_ready


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_server_that_answers_is_up_and_one_that_exits_or_never_answers_is_an_error() -> None:
    port = _free_port()
    served = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", served, path="/", seconds=30)
    finally:
        served.terminate()
        served.wait()
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match=r"exited \(3\): boom"):
        wait_until_ready(f"http://127.0.0.1:{_free_port()}", exited, output=lambda: "boom", seconds=30)
    silent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(RuntimeError, match=r"did not come up within 0\.5 s"):
            wait_until_ready(f"http://127.0.0.1:{_free_port()}", silent, seconds=0.5)
    finally:
        silent.kill()
        silent.wait()
