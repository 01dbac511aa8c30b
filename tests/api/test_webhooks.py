"""Webhook subscriptions and the events the API publishes, through HTTP on SQLite and PostgreSQL: the secret
shown once and stored encrypted, URLs refused with the field named, hand-off and pin events carrying their
facts and the sentence, events only for changes that committed, the department filter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from api.store.session import Database
from api.webhooks import EventType, publish
from api.webhooks.tables import DeliveryRow, EventRow, SubscriptionRow
from tests.api.conftest import Api
from tests.api.help_setup import proposal_to_ben
from tests.api.org import NOW

HANDOFF_TYPES = ["handoff.proposed", "handoff.accepted", "handoff.declined"]
RECEIVER = "http://127.0.0.1:9/hooks"  # nothing is delivered in these tests: the loop is off


def subscribe(api: Api, url: str = RECEIVER, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    body = {"url": url, "event_types": [*HANDOFF_TYPES, "pin.created"], **fields}
    return api.post("/webhooks/subscriptions", "admin", body, headers=headers or {})


def payloads(api: Api, **params: str) -> list[dict[str, Any]]:
    answer = api.get("/webhooks/deliveries", "admin", params=params)
    assert answer.status_code == 200, answer.text
    return [d["payload"] for d in answer.json()["items"]]


def test_the_secret_is_shown_once_and_stored_encrypted(api: Api) -> None:
    created = subscribe(api, description="Sales' chat bot", headers={"Idempotency-Key": "sub-1"})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created.headers["location"] == f"/webhooks/subscriptions/{body['id']}"
    read = api.get(f"/webhooks/subscriptions/{body['id']}", "admin").json()
    listed = api.get("/webhooks/subscriptions", "admin").json()
    assert "secret" not in read and [s["id"] for s in listed] == [body["id"]] and "secret" not in listed[0]
    assert read["description"] == "Sales' chat bot" and read["created_by"] == "admin"
    retried = subscribe(api, description="Sales' chat bot", headers={"Idempotency-Key": "sub-1"})
    assert retried.status_code == 409 and "shown once" in retried.json()["detail"]
    database = Database(api.settings.database_url)
    with database.reading() as session:
        stored = session.scalars(select(SubscriptionRow.secret_encrypted)).all()
    database.dispose()
    assert len(stored) == 1 and secret not in stored[0] and secret.removeprefix("whsec_") not in stored[0]
    audit = api.get("/audit", "admin", params={"action": "webhook.subscribed"}).json()["items"]
    assert [a["subject_id"] for a in audit] == [body["id"]] and secret not in str(audit)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/hooks", "must be an http or https URL"),
        ("127.0.0.1:8080/hooks", "must be an http or https URL"),
        ("file:///etc/passwd", "must be an http or https URL"),
        ("http:///hooks", "names no host"),
        ("http://user:pw@127.0.0.1:8080/hooks", "must not carry credentials"),
        ("http://127.0.0.1:99999/hooks", "port"),
        ("http://no-such-host.invalid/hooks", "does not resolve"),
        ("http://127.0.0.1:8321/hooks", "points at this Tandem server itself"),
        ("http://localhost:8321/x", "points at this Tandem server itself"),
        ("http://[::1]:8321/x", "points at this Tandem server itself"),
        ("http://0.0.0.0:8321/x", "points at this Tandem server itself"),
    ],
)
@pytest.mark.parametrize("settings_overrides", [{"listen_port": 8321}])
def test_a_url_that_is_not_http_or_points_at_the_server_is_refused(api: Api, url: str, message: str) -> None:
    refused = subscribe(api, url=url)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "url" and message in refused.json()["errors"][0]["message"]
    assert api.get("/webhooks/subscriptions", "admin").json() == []


@pytest.mark.parametrize("settings_overrides", [{"listen_port": 8321}])
def test_another_port_on_loopback_is_a_receiver(api: Api) -> None:
    assert subscribe(api, url="http://127.0.0.1:8322/hooks").status_code == 201


def test_bad_fields_are_named_and_nothing_is_stored(api: Api) -> None:
    unknown = subscribe(api, department_id="legal")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "department_id"
    wrong_type = api.post("/webhooks/subscriptions", "admin", {"url": RECEIVER, "event_types": ["request.eaten"]})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "event_types.0"
    twice = api.post("/webhooks/subscriptions", "admin", {"url": RECEIVER, "event_types": ["pin.created"] * 2})
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "event_types"
    none = api.post("/webhooks/subscriptions", "admin", {"url": RECEIVER, "event_types": []})
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "event_types"
    assert api.get("/webhooks/subscriptions", "admin").json() == []


@pytest.mark.parametrize("settings_overrides", [{"webhook_secret_key": None}])
def test_without_a_key_no_subscription_can_be_made(api: Api) -> None:
    refused = subscribe(api)
    assert refused.status_code == 409 and "TANDEM_WEBHOOK_SECRET_KEY" in refused.json()["detail"]
    assert api.get("/webhooks/subscriptions", "admin").json() == []


def test_hand_off_events_carry_the_facts_and_the_note(api: Api) -> None:
    assert subscribe(api).status_code == 201
    proposal = proposal_to_ben(api)
    [proposed] = payloads(api, event_type="handoff.proposed")
    assert proposed["type"] == "handoff.proposed" and proposed["text"] == proposal["note"]
    assert proposed["request_id"] == "REQ-3" and proposed["department_id"] == "sales"
    data = proposed["data"]
    assert data["handoff_id"] == proposal["id"] and data["to_agent_name"] == "Ben Okafor"
    assert (data["start_after"], data["end_after"]) == (proposal["start_after"], proposal["end_after"])
    assert data["to_planned_after"] == proposal["to_planned_after"] and data["state"] == "proposed"
    assert proposed["timestamp"] == NOW.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    accepted = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {"reason": "I have room"})
    assert accepted.status_code == 200, accepted.text
    [event] = payloads(api, event_type="handoff.accepted")
    assert event["text"] == accepted.json()["note"] and "who accepted" in event["text"]
    assert event["data"]["answered_by"] == "ben" and event["data"]["answer_reason"] == "I have room"
    assert event["id"].startswith("msg_") and event["id"] != proposed["id"]


def test_a_decline_is_published_with_its_note(api: Api) -> None:
    assert subscribe(api).status_code == 201
    proposal = proposal_to_ben(api)
    declined = api.post(f"/handoffs/{proposal['id']}/decline", "ben", {"reason": "on leave"})
    assert declined.status_code == 200, declined.text
    [event] = payloads(api, event_type="handoff.declined")
    assert event["text"] == declined.json()["note"] and "declined to take it" in event["text"]
    assert event["data"]["state"] == "declined" and event["data"]["answer_reason"] == "on leave"


def test_a_pin_is_published_once_with_its_reason(api: Api) -> None:
    assert subscribe(api).status_code == 201
    pin = {"id": "p1", "kind": "assign", "request": "REQ-1", "agent": "ana", "reason": "promised to Sales"}
    first = api.post("/pins", "lead", pin, headers={"Idempotency-Key": "pin-1"})
    again = api.post("/pins", "lead", pin, headers={"Idempotency-Key": "pin-1"})
    assert first.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    [event] = payloads(api)
    assert event["type"] == "pin.created" and event["request_id"] == "REQ-1" and event["department_id"] == "sales"
    assert event["data"]["reason"] == "promised to Sales" and event["data"]["agent_name"] == "Ana Costa"
    assert event["data"]["by_id"] == "lead" and event["data"]["kind"] == "assign"
    lead = api.get("/me", "lead").json()["name"]
    assert event["text"] == (
        f'{lead}, the queue lead, pinned Sales\' "VPN drops every hour" (REQ-1) to Ana Costa. '
        'Reason: "promised to Sales".'
    )
    refused = api.post("/pins", "lead", {**pin, "id": "p2", "request": "REQ-404"})
    assert refused.status_code == 422 and len(payloads(api)) == 1  # a refused pin publishes nothing


def test_a_wait_and_the_return_are_published_with_their_facts(api: Api) -> None:
    assert subscribe(api, event_types=["request.waiting", "request.back"]).status_code == 201
    waited = api.post("/requests/REQ-1/wait", "lead", {"reason": "requester"})
    assert waited.status_code == 200, waited.text
    [event] = payloads(api, event_type="request.waiting")
    assert event["request_id"] == "REQ-1" and event["department_id"] == "sales"
    assert event["data"]["reason"] == "requester" and event["data"]["status"] == "waiting"
    assert event["text"].startswith('Sales\' "VPN drops every hour" (REQ-1): Waiting for the requester since ')
    assert "the clock is paused" in event["text"]
    back = api.post("/requests/REQ-1/resume", "lead", {})
    assert back.status_code == 200, back.text
    [event] = payloads(api, event_type="request.back")
    assert event["data"]["status"] == "open" and event["data"]["paused_minutes"] == 0  # resumed the same minute
    assert event["text"] == 'Sales\' "VPN drops every hour" (REQ-1) is back in the queue; it is planned again.'
    assert api.post("/requests/REQ-1/resume", "lead", {}).status_code == 409
    assert len(payloads(api, event_type="request.back")) == 1  # a refused return publishes nothing


def test_a_subscription_gets_only_its_types_and_department(api: Api) -> None:
    people = subscribe(api, department_id="people").json()["id"]
    pins_only = api.post("/webhooks/subscriptions", "admin", {"url": RECEIVER, "event_types": ["pin.created"]})
    pins_only_id = pins_only.json()["id"]
    proposal_to_ben(api)  # Sales' REQ-3
    pin = {"id": "p1", "kind": "first", "request": "REQ-2", "reason": "payroll run"}  # People's REQ-2
    assert api.post("/pins", "lead", pin).status_code == 201
    assert [p["type"] for p in payloads(api, subscription_id=people)] == ["pin.created"]
    assert [p["type"] for p in payloads(api, subscription_id=pins_only_id)] == ["pin.created"]


def test_a_deleted_subscription_gets_nothing_more_and_its_pending_deliveries_are_cancelled(api: Api) -> None:
    sub = subscribe(api).json()["id"]
    assert api.post("/pins", "lead", {"id": "p1", "kind": "first", "request": "REQ-1", "reason": "r"}).is_success
    deleted = api.client.delete(f"/webhooks/subscriptions/{sub}", headers=api.headers("admin"))
    assert deleted.status_code == 204
    assert api.get(f"/webhooks/subscriptions/{sub}", "admin").status_code == 404
    assert api.client.delete(f"/webhooks/subscriptions/{sub}", headers=api.headers("admin")).status_code == 404
    assert api.post("/pins", "lead", {"id": "p2", "kind": "first", "request": "REQ-2", "reason": "r"}).is_success
    log = api.get("/webhooks/deliveries", "admin").json()["items"]
    assert [(d["event_type"], d["state"]) for d in log] == [("pin.created", "cancelled")]


def _counts(database: Database) -> tuple[int, int]:
    with database.reading() as session:
        events = session.scalar(select(func.count()).select_from(EventRow))
        deliveries = session.scalar(select(func.count()).select_from(DeliveryRow))
    return int(events or 0), int(deliveries or 0)


def test_an_event_exists_if_and_only_if_its_change_committed(api: Api) -> None:
    assert subscribe(api).status_code == 201
    database = Database(api.settings.database_url)
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    try:
        with database.writing() as session:
            publish(
                session=session,
                event_type=EventType.PIN_CREATED,
                department_id="sales",
                request_id="REQ-1",
                data={"reason": "r"},
                text="t",
                at=at,
            )
            session.rollback()
        assert _counts(database) == (0, 0)
        with database.writing() as session:
            publish(
                session=session,
                event_type=EventType.PIN_CREATED,
                department_id="sales",
                request_id="REQ-1",
                data={"reason": "r"},
                text="t",
                at=at,
            )
        assert _counts(database) == (0, 0)  # closed without commit: rolled back
        with database.writing() as session:
            event = publish(
                session=session,
                event_type=EventType.PIN_CREATED,
                department_id="sales",
                request_id="REQ-1",
                data={"reason": "r"},
                text="t",
                at=at,
            )
            session.commit()
        assert _counts(database) == (1, 1)
        [payload] = payloads(api)
        expected = {"id": event.id, "type": "pin.created", "timestamp": "2026-11-23T08:00:00Z"}
        assert payload == {
            **expected,
            "department_id": "sales",
            "request_id": "REQ-1",
            "data": {"reason": "r"},
            "text": "t",
        }
    finally:
        database.dispose()


def test_a_refused_accept_publishes_nothing(api: Api) -> None:
    assert subscribe(api).status_code == 201
    proposal = proposal_to_ben(api)
    etag = api.get("/requests/REQ-3", "lead").headers["etag"]
    assert api.patch("/requests/REQ-3", "lead", {"effort_minutes": 61}, etag=etag).status_code == 200
    refused = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {})
    assert refused.status_code == 409
    assert [p["type"] for p in payloads(api)] == ["handoff.proposed"]
