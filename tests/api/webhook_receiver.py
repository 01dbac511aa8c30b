"""A webhook receiver for the tests: a real HTTP server on loopback, in a thread, that records every request
and answers as the test scripts it (a status, or "hang": hold the request until the test ends or 30 s).

`verified(secret)` checks every recorded request's Standard Webhooks signature with the `standardwebhooks`
package: against the real clock (as a receiver would) or, for tests that drive the sender with a clock of
their own, against the request's own timestamp.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook

HANG = "hang"
HANG_SECONDS = 30.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self) -> None:
        self.script: list[int | str] = []  # answers for the next requests; then `default`
        self.default: int | str = 200
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length).decode()
                with receiver.arrived:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                    receiver.arrived.notify_all()
                if answer == HANG:
                    receiver.release.wait(HANG_SECONDS)
                    answer = 200
                status = int(answer)
                text = f"answered {status}".encode()
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("content-length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:  # the sender is gone (cut off at its timeout, or killed)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def wait_for(self, count: int, timeout_seconds: float = 20) -> list[Received]:
        """Block until `count` requests have arrived (an AssertionError after the timeout)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout_seconds):
                raise AssertionError(f"{len(self.received)} of {count} webhook requests arrived: {self.received}")
            return list(self.received)

    def verified(self, secret: str, *, real_clock: bool = True) -> list[Any]:
        """Every request's payload, each signature checked (a WebhookVerificationError if one is wrong)."""
        hook = Webhook(secret)
        payloads = []
        for r in self.received:
            if real_clock:
                payloads.append(hook.verify(r.body, r.headers))
                continue
            at = datetime.fromtimestamp(int(r.headers["webhook-timestamp"]), UTC)
            assert r.headers["webhook-signature"] == hook.sign(r.webhook_id, at, r.body), r
            payloads.append(r.payload)
        return payloads


@contextmanager
def running() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)
