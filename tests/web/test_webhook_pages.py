"""The admin's webhooks in the console: subscribe (the API's checks, field errors next to the field; the
secret shown once), the delivery log with the last answer, replay (the API's store: the same event again),
delete (nothing more is sent)."""

from __future__ import annotations

import re

from api.store.session import Database
from api.webhooks.tables import DeliveryRow
from tests.web.conftest import Console, text_of

RECEIVER = "http://127.0.0.1:9149/hooks"  # never contacted: the delivery loop does not run in these tests


def _subscribe(console: Console, **fields: str | list[str]) -> object:
    form = {"url": RECEIVER, "event_types": ["pin.created"], "description": "Sales' <b>bot</b>", **fields}
    return console.client.post(
        "/console/admin/webhooks", data={**form, "csrf": console.page_csrf()}, follow_redirects=False
    )


def test_admin_subscribes_sees_the_secret_once_and_reads_the_log(console: Console) -> None:
    console.sign_in("admin")
    bad = _subscribe(console, url="ftp://example.org", event_types=[])
    assert bad.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', bad.text))
    assert set(errors) == {"event_types"}, errors  # the schema first; the URL rule once the body holds
    assert console.api.get("/webhooks/subscriptions", "admin").json() == []  # nothing stored
    refused = _subscribe(console, url="ftp://example.org")
    assert refused.status_code == 422 and "must be an http or https URL" in text_of(refused.text)
    made = _subscribe(console)
    assert made.status_code == 200
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', made.text).group(1)
    assert secret.startswith("whsec_")
    [sub] = console.api.get("/webhooks/subscriptions", "admin").json()
    assert (sub["url"], sub["event_types"], sub["created_by"]) == (RECEIVER, ["pin.created"], "admin")
    listed = console.get("/console/admin/webhooks").text
    assert secret not in listed and sub["id"] in listed  # the secret is shown once, at creation
    assert "Sales&#39; &lt;b&gt;bot&lt;/b&gt;" in listed and "<b>bot" not in listed
    pinned = console.api.post("/pins", "lead", {"id": "pin-1", "kind": "first", "request": "REQ-3", "reason": "CEO"})
    assert pinned.status_code == 201, pinned.text
    [delivery] = console.api.get("/webhooks/deliveries", "admin").json()["items"]
    database = Database(console.api.settings.database_url)
    try:
        with database.writing() as session:  # as the delivery loop leaves a delivery that gave up
            row = session.get(DeliveryRow, delivery["id"])
            row.state, row.attempts, row.last_status, row.last_response = "dead", 8, 503, "busy <try later>"
            row.last_attempt_at, row.last_duration_ms = row.created_at, 120
            session.commit()
    finally:
        database.dispose()
    log = console.get("/console/admin/webhooks").text
    entry = text_of(re.search(rf'<tr id="delivery-{delivery["id"]}">(.*?)</tr>', log, re.S).group(1))
    assert "pin.created (REQ-3)" in entry and "dead" in entry and "HTTP 503" in entry and "busy <try later>" in entry
    replayed = console.post(f"/console/admin/deliveries/{delivery['id']}/replay", {"reason": "receiver is back"})
    assert replayed.status_code == 303 and "due+again" in replayed.headers["location"].replace("%20", "+")
    again = console.api.get(f"/webhooks/deliveries/{delivery['id']}", "admin").json()
    assert (again["state"], again["event_id"]) == ("pending", delivery["event_id"])
    audit = console.api.get("/audit", "admin", params={"action": "webhook.replayed"}).json()["items"]
    assert [a["reason"] for a in audit] == ["receiver is back"]
    deleted = console.post(f"/console/admin/webhooks/{sub['id']}/delete")
    assert deleted.status_code == 303
    assert console.api.get("/webhooks/subscriptions", "admin").json() == []
    assert console.api.get(f"/webhooks/deliveries/{delivery['id']}", "admin").json()["state"] == "cancelled"
    refused = console.post(f"/console/admin/deliveries/{delivery['id']}/replay")
    assert "Not+replayed" in refused.headers["location"].replace("%20", "+")
