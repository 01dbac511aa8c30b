"""Against a real uvicorn process: acknowledged requests survive SIGKILL and none is stored twice; parallel
updates of one request lose nothing. On SQLite (synchronous FULL) and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest

from tests.api.conftest import BACKENDS, own_database
from tests.api.org import Seeded, new_request, seed
from tests.api.test_serve import free_port, wait_until_up


@dataclass
class Server:
    url: str
    database_url: str
    seeded: Seeded
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.database_url, "TANDEM_SQLITE_SYNCHRONOUS": "FULL"}
        port = self.url.rsplit(":", 1)[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                port,
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until_up(self.url, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        if self.process.stdout:
            self.process.stdout.close()

    def headers(self, who: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[who]}", **more}


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per backend for this file's tests, on a seeded database of its own: starting one takes
    7 s on a quiet machine and over 20 s in the parallel suite. The tests share it safely: the SIGKILL test
    only files requests (titled "w..."), the parallel updates only change REQ-1, which no other test
    touches."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("live") / "tandem.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            url = f"sqlite:///{path}"
        else:
            url = stack.enter_context(own_database(request.getfixturevalue("postgres_database"), "tandem_live_"))
        running = Server(url=f"http://127.0.0.1:{free_port()}", database_url=url, seeded=seed(url))
        try:
            yield running
        finally:
            if running.process is not None and running.process.poll() is None:
                running.kill()


@pytest.fixture
def server(live_server: Server) -> Server:
    """The module's server, started again if a test before left it stopped."""
    if live_server.process is None or live_server.process.poll() is not None:
        live_server.start()
    return live_server


@pytest.mark.slow
def test_acknowledged_requests_survive_sigkill_and_none_is_stored_twice(server: Server) -> None:
    acknowledged: dict[str, str] = {}  # idempotency key (also the title) -> id
    in_doubt: set[str] = set()
    lock = threading.Lock()
    killed = threading.Event()

    def file_until_killed(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for i in range(10_000):
                key = f"w{worker}-{i}"
                try:
                    answer = client.post(
                        "/requests",
                        json=new_request(title=key),
                        headers=server.headers("sales", **{"Idempotency-Key": key}),
                    )
                except httpx.TransportError:
                    with lock:
                        in_doubt.add(key)
                    return
                assert answer.status_code == 201, answer.text
                with lock:
                    acknowledged[key] = answer.json()["id"]
                if killed.is_set():
                    return

    with ThreadPoolExecutor(8) as pool:
        workers = [pool.submit(file_until_killed, w) for w in range(8)]
        deadline = time.monotonic() + 20
        while len(acknowledged) < 150 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # hard, mid-stream: requests are in flight
        killed.set()
        for worker in workers:
            worker.result()
    assert len(acknowledged) >= 150  # and usually a few in flight, in doubt, when the process died

    server.start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        stored = client.get("/requests", params={"limit": 2000}, headers=server.headers("lead")).json()["items"]
        titles = [r["title"] for r in stored if r["title"].startswith("w")]
        assert len(titles) == len(set(titles)), "a request was stored twice"
        by_title = {r["title"]: r["id"] for r in stored}
        assert {key: by_title.get(key) for key in acknowledged} == acknowledged, "an acknowledged request was lost"
        for key in sorted(in_doubt):  # the client retries what it did not hear back about
            retry = client.post(
                "/requests", json=new_request(title=key), headers=server.headers("sales", **{"Idempotency-Key": key})
            )
            assert retry.status_code == 201
        stored = client.get("/requests", params={"limit": 2000}, headers=server.headers("lead")).json()["items"]
    titles = [r["title"] for r in stored if r["title"].startswith("w")]
    assert len(titles) == len(set(titles)) == len(acknowledged) + len(in_doubt)


def test_parallel_updates_of_one_request_lose_nothing(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        read = client.get("/requests/REQ-1", headers=server.headers("lead"))
        etag, version = read.headers["etag"], read.json()["version"]

        def same_version(n: int) -> int:
            return client.patch(
                "/requests/REQ-1", json={"title": f"title {n}"}, headers=server.headers("lead", **{"If-Match": etag})
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(same_version, range(8)))
        assert statuses == [200] + [412] * 7  # one wins; the others are told, not overwritten

        def add_one(_: int) -> int:
            tries = 0
            while True:
                tries += 1
                current = client.get("/requests/REQ-1", headers=server.headers("lead"))
                rank = (current.json()["department_rank"] or 0) + 1
                match = {"If-Match": current.headers["etag"]}
                answer = client.patch(
                    "/requests/REQ-1", json={"department_rank": rank}, headers=server.headers("lead", **match)
                )
                if answer.status_code == 200:
                    return tries
                assert answer.status_code == 412, answer.text

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(add_one, range(30)))
        final = client.get("/requests/REQ-1", headers=server.headers("lead")).json()
    assert final["department_rank"] == 30  # every increment counted
    assert final["version"] == version + 1 + 30
