"""The README's webhook session, run as printed against `tandem serve --demo` from this checkout, with the
README's receiver: the hand-off notes arrive at the receiver, verified, and match the notes the API shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.test_serve import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
README_PORT = "8302"


def readme_blocks() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text()
    receiver = next(b for b in re.findall(r"```python\n(.*?)\n```", text, re.S) if "receiver.py PORT" in b)
    session = next(b for b in re.findall(r"```sh\n(.*?)\n```", text, re.S) if "/webhooks/subscriptions" in b)
    return receiver, session


@pytest.mark.slow
def test_the_readme_webhook_session_delivers_the_hand_off_notes(tmp_path: Path) -> None:
    receiver, session = readme_blocks()
    (tmp_path / "receiver.py").write_text(receiver + "\n")
    port, receiver_port = free_port(), str(free_port())
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TANDEM_WEBHOOK_SECRET_KEY")},
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)  # type: ignore[arg-type]
        ran = subprocess.run(
            ["bash", "-c", session.replace(README_PORT, receiver_port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0 and not ran.stderr, ran.stderr
        lines = ran.stdout.splitlines()
        assert lines[0].startswith("Ben Okafor is planned") and "hand-off" in lines[0], ran.stdout
        assert lines[1] == "accepted: accepted", ran.stdout
        deliveries = [line for line in lines if line.startswith("delivery ")]
        assert deliveries and all("succeeded after 1 attempt(s), HTTP 204" in d for d in deliveries), ran.stdout
        received = [line for line in lines if line.startswith("handoff.")]
        assert len(received) == len(deliveries), ran.stdout
        tokens = dict(re.findall(r"^export (\w+)=(\S+)$", (tmp_path / "tandem-demo.env").read_text(), re.M))
        notes = httpx.get(
            f"http://127.0.0.1:{port}/handoffs",
            params={"state": "accepted"},
            headers={"Authorization": f"Bearer {tokens['LEAD_TOKEN']}"},
        ).json()["items"]
        [accepted] = notes
        assert f"handoff.accepted {accepted['request_id']}: {accepted['note']}" in received
    finally:
        server.kill()
        server.wait(10)
