"""Webhook delivery by real API processes: a SIGKILL of the API mid-delivery, on SQLite and PostgreSQL (the event
acknowledged before the kill is not lost, and after a restart it is delivered again as the same event, the same
webhook-id and body, once the killed sender's lease has ended; nothing is delivered as a new event), and two API
processes sharing one PostgreSQL database, each running its delivery loop, delivering every event once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from api.store.session import Database
from api.webhooks.tables import EventRow
from tests.api.conftest import WEBHOOK_KEY, empty_postgres
from tests.api.org import seed
from tests.api.test_serve import free_port, wait_until_up
from tests.api.webhook_receiver import HANG, Receiver, running

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running() as r:
        yield r


def start_api(database_url: str, port: int, log: Path, *more: str) -> subprocess.Popen[bytes]:
    """`tandem serve` from this checkout, in a process of its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TANDEM_WEBHOOK_SECRET_KEY": WEBHOOK_KEY,
        "TANDEM_WEBHOOK_TIMEOUT_SECONDS": "3",
        "TANDEM_WEBHOOK_LEASE_MARGIN_SECONDS": "1",
        "TANDEM_WEBHOOK_POLL_SECONDS": "0.1",
        "PYTHONPATH": str(ROOT),
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), *more],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    wait_until_up(f"http://127.0.0.1:{port}", process, timeout_seconds=90)  # type: ignore[arg-type]
    return process


@pytest.mark.slow
def test_a_killed_api_delivers_the_event_again_with_the_same_webhook_id(
    database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    tokens = seed(database_url).tokens
    port, log = free_port(), tmp_path / "api.log"
    url = f"http://127.0.0.1:{port}"
    first = start_api(database_url, port, log)
    try:
        admin, lead = ({"Authorization": f"Bearer {tokens[who]}"} for who in ("admin", "lead"))
        created = httpx.post(
            f"{url}/webhooks/subscriptions", headers=admin, json={"url": receiver.url, "event_types": ["pin.created"]}
        )
        assert created.status_code == 201, created.text
        receiver.script = [HANG]  # the first attempt hangs: the API is killed while it waits
        pin = {"id": "p1", "kind": "first", "request": "REQ-1", "reason": "promised to Sales"}
        assert httpx.post(f"{url}/pins", headers=lead, json=pin).status_code == 201
        receiver.wait_for(1)
    finally:
        first.kill()  # SIGKILL
        first.wait(10)
    second = start_api(database_url, port, log)
    try:
        first_attempt, second_attempt = receiver.wait_for(2)
        secret = created.json()["secret"]
        assert [p["type"] for p in receiver.verified(secret)] == ["pin.created", "pin.created"]
        assert first_attempt.webhook_id == second_attempt.webhook_id and first_attempt.body == second_attempt.body
        database = Database(database_url)
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(EventRow)) == 1
        database.dispose()
        log_page = httpx.get(f"{url}/webhooks/deliveries", headers=admin).json()["items"]
        assert [(d["state"], d["attempts"], d["event_id"]) for d in log_page] == [
            ("succeeded", 2, first_attempt.webhook_id)
        ]
    finally:
        second.kill()
        second.wait(10)


@pytest.mark.slow
def test_two_api_processes_deliver_every_event_once(postgres_database: str, receiver: Receiver, tmp_path: Path) -> None:
    empty_postgres(postgres_database)
    tokens = seed(postgres_database).tokens
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_api(postgres_database, port, tmp_path / "api.log", "--workers", "2")
    try:
        admin, lead = ({"Authorization": f"Bearer {tokens[who]}"} for who in ("admin", "lead"))
        created = httpx.post(
            f"{url}/webhooks/subscriptions", headers=admin, json={"url": receiver.url, "event_types": ["pin.created"]}
        )
        assert created.status_code == 201, created.text
        for n in range(12):
            pin = {"id": f"p{n}", "kind": "assign", "request": "REQ-1", "agent": "ana", "reason": f"reason {n}"}
            assert httpx.post(f"{url}/pins", headers=lead, json=pin).status_code == 201
        received = receiver.wait_for(12)
        assert len(receiver.verified(created.json()["secret"])) == 12
        assert len({r.webhook_id for r in received}) == 12
        assert sorted(r.payload["data"]["pin_id"] for r in received) == sorted(f"p{n}" for n in range(12))
        log_page = httpx.get(f"{url}/webhooks/deliveries", headers=admin).json()["items"]
        assert {(d["state"], d["attempts"]) for d in log_page} == {("succeeded", 1)} and len(log_page) == 12
        assert len(receiver.received) == 12  # nothing sent twice meanwhile
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
