"""A client that sends its headers and then a byte now and then is answered 408 once the body timeout has passed
(a real server on loopback, several such clients at once), and the server still answers others."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from api.app import create_app
from tests.api.conftest import Api, make_settings

SLOW_CLIENTS = 5
TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Server:
    token: str
    port: int


@pytest.fixture
def server(api: Api) -> Iterator[Server]:
    settings = make_settings(api.settings.database_url, body_timeout_seconds=TIMEOUT_SECONDS)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))  # a port of its own: tests may run in parallel
    config = uvicorn.Config(create_app(settings), log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    try:
        yield Server(token=api.seeded.tokens["sales"], port=listening.getsockname()[1])
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        listening.close()


def _slow_post(server: Server) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    head = (
        f"POST /requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {server.token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"
    )
    connection.sendall(head.encode())
    return connection


def test_a_body_that_does_not_arrive_in_time_is_answered_408(server: Server) -> None:
    started = time.monotonic()
    connections = [_slow_post(server) for _ in range(SLOW_CLIENTS)]
    try:
        for connection in connections:
            connection.sendall(b'"')  # a byte now and then does not extend the deadline
        answers = [connection.recv(4096).decode() for connection in connections]
    finally:
        for connection in connections:
            connection.close()
    waited = time.monotonic() - started
    assert all(a.startswith("HTTP/1.1 408") and "did not arrive within 1 s" in a for a in answers), answers
    assert TIMEOUT_SECONDS <= waited < TIMEOUT_SECONDS + 8
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as other:
        other.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert other.recv(4096).startswith(b"HTTP/1.1 200")
