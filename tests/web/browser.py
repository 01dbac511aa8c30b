"""What the console's browser tests share: a real `python -m api.cli serve --demo` on loopback per test module
(`demo`, with its tokens), the system's chromium driven by Playwright (`browser`, and a fresh `page` per test
that may reach the demo server only), the screenshots' folder (`shots`; TANDEM_SCREENSHOTS names one), signing
in, and calls of the demo's API.

Skipped with the reason when chromium or Playwright is missing, unless TANDEM_REQUIRE_BROWSER=1 (CI), which
makes that a failure. The browser is the system's (`apt-get install chromium`): Playwright's own browser
download is not used. TANDEM_BROWSER_PORTS: a range of ports of one's own on a shared machine; each pytest
worker starts looking at its own place in it, so that two modules' servers do not race for one port.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("TANDEM_REQUIRE_BROWSER") == "1"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_LOW, _HIGH = (int(x) for x in os.environ.get("TANDEM_BROWSER_PORTS", "8200-8299").split("-"))
PORTS = range(_LOW, _HIGH + 1)  # TANDEM_BROWSER_PORTS: a range of ports of one's own on a shared machine


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    start = worker * 10 % len(PORTS)
    for port in [*PORTS[start:], *PORTS[:start]]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {_LOW}-{_HIGH}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real demo server in a temporary folder (its database and token file land there), and its tokens."""
    missing = _missing()
    if missing:
        if REQUIRE:
            pytest.fail(f"TANDEM_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(f"browser tests skipped: {missing} (TANDEM_REQUIRE_BROWSER=1 makes this a failure)")
    folder = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TANDEM_PLAN_TIME_LIMIT_SECONDS": "3"}
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError((folder / "serve.log").read_text())
        lines = (folder / "tandem-demo.env").read_text().splitlines()
        tokens = {
            m.group(1).lower(): m.group(2) for m in (re.match(r"export (\w+)_TOKEN=(\S+)", x) for x in lines) if m
        }
        yield {"base": base, "tokens": tokens, "folder": folder}
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("TANDEM_SCREENSHOTS")
    folder = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"console screenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(demo: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, demo: dict[str, Any]) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose requests may go to the demo server only."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=demo["base"])
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(demo["base"]):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    yield opened
    context.close()
    assert outside == [], f"the page asked for other hosts: {outside}"


def sign_in(page: Any, demo: dict[str, Any], role: str) -> None:
    """Sign in with the keyboard only: the token field has the focus, Enter submits."""
    page.goto("/console/sign-in")
    # Chromium applies `autofocus` at a rendering step after the load event; on a loaded machine keys typed
    # before it land nowhere. Wait for the focus (the field must get it by itself), then type.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'token'")
    page.keyboard.type(demo["tokens"][role])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/console/sign-in" not in page.url, page.inner_text("main")


def api(demo: dict[str, Any], role: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {demo['tokens'][role]}", **kwargs.pop("headers", {})}
    return httpx.request(method, demo["base"] + path, headers=headers, timeout=120, **kwargs)
