"""`tandem serve`: a real uvicorn process. The demo prints a token per role, and the README's curl session
works against it as printed; a first start on an empty database creates an admin and prints its token."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tandem_command() -> list[str]:
    found = shutil.which("tandem")
    return [found] if found else [sys.executable, "-m", "api.cli"]


def wait_until_up(url: str, process: subprocess.Popen[str], timeout_seconds: float = 30) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server exited with {process.returncode}: {process.stdout and process.stdout.read()}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the server at {url} did not come up in {timeout_seconds} s")


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()


def readme_session() -> str:
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    return next(b for b in blocks if "$TANDEM_URL/plans" in b)


@pytest.mark.slow
def test_the_demo_prints_tokens_and_the_readme_session_works(tmp_path: Path, stop: list[subprocess.Popen[str]]) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    server = subprocess.Popen(
        [*tandem_command(), "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stop.append(server)
    wait_until_up(f"http://127.0.0.1:{port}", server)
    tokens = (tmp_path / "tandem-demo.env").read_text()
    for role in ("ADMIN", "LEAD", "MANAGER", "REQUESTER", "AGENT"):
        assert re.search(rf"^export {role}_TOKEN=tdm_\S+$", tokens, re.M), tokens
    assert f"export TANDEM_URL=http://127.0.0.1:{port}" in tokens
    session = subprocess.run(
        ["bash", "-c", readme_session()], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert session.returncode == 0, session.stderr
    lines = session.stdout.splitlines()
    assert re.fullmatch(r"Sales filed REQ-\d+", lines[0]), session.stdout
    assert re.fullmatch(r"plan [12] (optimal|feasible)", lines[1]), session.stdout  # 2: the live re-plan was first
    assert re.fullmatch(r"position \d+ of \d+", lines[2]), session.stdout
    reasons = lines[3:]  # the plan's explanations of this request: its priority, then its agent and time
    assert len(reasons) >= 2 and all(reasons), session.stdout
    assert "stops their work" in reasons[0] or "stops their work" in " ".join(reasons), session.stdout
    server.send_signal(signal.SIGINT)
    output, _ = server.communicate(timeout=20)
    assert "REQUESTER_TOKEN" in output and "Sales desk" in output


@pytest.mark.slow
def test_a_first_start_creates_an_admin_and_prints_its_token(tmp_path: Path, stop: list[subprocess.Popen[str]]) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    server = subprocess.Popen(
        [*tandem_command(), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stop.append(server)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, server)
    server.send_signal(signal.SIGINT)
    output, _ = server.communicate(timeout=20)
    token = re.search(r"Its token \(shown once\): (tdm_\S+)", output)
    assert token, output
    again = subprocess.Popen(
        [*tandem_command(), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stop.append(again)
    wait_until_up(url, again)
    me = httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {token.group(1)}"}).json()
    assert me["role"] == "admin"
    again.send_signal(signal.SIGINT)
    second_output, _ = again.communicate(timeout=20)
    assert "shown once" not in second_output
