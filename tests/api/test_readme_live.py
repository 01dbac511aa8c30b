"""The README's live-loop session (The live queue), run as printed against `tandem serve --demo` from this
checkout, after the README's first session and with the README's receiver: the filed request's tentative place
at once, its re-planned place, and the two events its requester was told, verified by the receiver.

Two pauses of the session are waits here, so that a loaded machine does not fail it: `sleep 3` (for the
re-plan) becomes "until the place is re-planned", `sleep 2` (for the webhooks) "until two events arrived";
the test's timeout bounds both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.test_serve import free_port, wait_until_up
from tests.api.test_webhook_demo import ROOT, readme_blocks

LIVE_PORT = "8303"
RE_PLAN_PAUSE = "show; sleep 3; show"
WEBHOOK_PAUSE = "sleep 2; kill $RECEIVER"


def live_blocks() -> tuple[str, str]:
    """The README's first session (Sales files, the lead plans) and the live loop."""
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    first = next(b for b in blocks if "sales-vpn-1" in b)
    live = next(b for b in blocks if "sales-printer-1" in b)
    return first, live


@pytest.mark.slow
def test_the_readme_live_loop_shows_the_tentative_then_the_replanned_place_and_the_events(tmp_path: Path) -> None:
    first, live = live_blocks()
    assert RE_PLAN_PAUSE in live and WEBHOOK_PAUSE in live and LIVE_PORT in live
    receiver, _ = readme_blocks()
    (tmp_path / "receiver.py").write_text(receiver + "\n")
    port, receiver_port = free_port(), str(free_port())
    live = live.replace(LIVE_PORT, receiver_port)
    live = live.replace(RE_PLAN_PAUSE, 'show; until show | grep -q "^planned"; do sleep 0.2; done; show')
    live = live.replace(WEBHOOK_PAUSE, "until [ $(wc -l < told.txt) -ge 2 ]; do sleep 0.2; done; kill $RECEIVER")
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
        wait_until_up(f"http://127.0.0.1:{port}", server, 120)  # type: ignore[arg-type]
        for block in (first, live):
            ran = subprocess.run(
                ["bash", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
            )
            assert ran.returncode == 0 and not ran.stderr, ran.stderr
        lines = ran.stdout.splitlines()
        tentative = re.fullmatch(r"tentative: placed at once, the full re-plan follows \| (\w+) (\S+) (\S+)", lines[0])
        planned = re.fullmatch(r"planned: plan \d+ \| (\w+) (\S+) (\S+)", lines[1])
        assert tentative and planned, ran.stdout
        tokens = dict(re.findall(r"^export (\w+)=(\S+)$", (tmp_path / "tandem-demo.env").read_text(), re.M))
        agents = httpx.get(
            f"http://127.0.0.1:{port}/agents", headers={"Authorization": f"Bearer {tokens['LEAD_TOKEN']}"}
        ).json()
        names = {a["id"]: a["name"] for a in agents}
        [placed] = [line for line in lines[2:] if line.startswith("request.placed ")]
        [moved] = [line for line in lines[2:] if line.startswith("request.moved ")]
        request_id = placed.split()[1].rstrip(":")
        assert f'"Printer on floor 2 jams" ({request_id}) is placed for now with {names[tentative[1]]}:' in placed
        assert f'"Printer on floor 2 jams" ({request_id}) is now planned: {names[planned[1]]} from ' in moved
    finally:
        server.kill()
        server.wait(10)
