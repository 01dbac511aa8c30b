"""The organisation through HTTP: departments, agents, skills, calendar and policy (admins change them, with
If-Match for updates), principals and tokens (stored hashed), and who the caller is."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.api.conftest import Api


def test_departments(api: Api) -> None:
    made = api.post("/departments", "admin", {"id": "legal", "name": "Legal", "weight": 3})
    assert made.status_code == 201 and made.json() == {"id": "legal", "name": "Legal", "weight": 3, "version": 1}
    assert api.post("/departments", "admin", {"id": "legal", "name": "Legal"}).status_code == 409
    assert [d["id"] for d in api.get("/departments", "sales").json()] == ["legal", "people", "sales"]
    read = api.get("/departments/legal", "sales")
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    changed = api.patch("/departments/legal", "admin", {"weight": 5}, etag='"1"')
    assert changed.status_code == 200 and changed.json()["weight"] == 5 and changed.headers["etag"] == '"2"'
    assert api.patch("/departments/legal", "admin", {"weight": 6}, etag='"1"').status_code == 412
    assert api.get("/departments/nope", "sales").status_code == 404


def test_agents(api: Api) -> None:
    leave = [{"start": "2026-11-25", "end": "2026-11-26", "reason": "leave"}]
    body = {
        "id": "cy",
        "name": "Cy Chen",
        "skills": {"pay": 3},
        "working_hours": {"mon": ["09:00-13:00"]},
        "time_off": leave,
        "target_load_pct": 70,
    }
    made = api.post("/agents", "admin", body)
    assert made.status_code == 201, made.text
    assert made.json()["working_hours"] == {"mon": ["09:00-13:00"]} and made.json()["active"] is True
    unknown_skill = api.post("/agents", "admin", {**body, "id": "dee", "skills": {"cooking": 2}})
    assert unknown_skill.status_code == 422 and unknown_skill.json()["errors"][0]["field"] == "skills.cooking"
    no_time = api.post("/agents", "admin", {**body, "id": "dee", "working_hours": {"sat": ["09:00-12:00"]}})
    assert no_time.status_code == 422 and no_time.json()["errors"][0]["field"] == "working_hours"
    etag = api.get("/agents/cy", "lead").headers["etag"]
    off = api.patch("/agents/cy", "admin", {"active": False, "skills": {"pay": 2}}, etag=etag)
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["skills"] == {"pay": 2}
    assert api.patch("/agents/cy", "admin", {"name": "C"}, etag=etag).status_code == 412
    assert [a["id"] for a in api.get("/agents", "lead").json()] == ["ana", "ben", "cy"]


def test_skills_calendar_and_policy(api: Api) -> None:
    assert api.post("/skills", "admin", {"id": "db", "name": "Databases"}).status_code == 201
    assert api.post("/skills", "admin", {"id": "db", "name": "Databases"}).status_code == 409
    assert [s["id"] for s in api.get("/skills", "sales").json()] == ["db", "net", "pay"]
    calendar = api.get("/calendar", "sales")
    assert calendar.json()["timezone"] == "Europe/Berlin" and calendar.headers["etag"] == '"1"'
    new_calendar = {**calendar.json(), "holidays": ["2026-12-24"]}
    assert api.put("/calendar", "admin", new_calendar, etag='"1"').headers["etag"] == '"2"'
    assert api.put("/calendar", "admin", new_calendar, etag='"1"').status_code == 412
    policy = api.get("/policy", "lead")
    changed = {**policy.json(), "horizon_days": 3}
    missing = api.put("/policy", "admin", changed, etag=None)
    assert missing.status_code == 428, missing.text
    replaced = api.put("/policy", "admin", changed, etag=policy.headers["etag"])
    assert replaced.status_code == 200 and replaced.json()["horizon_days"] == 3
    stale = api.put("/policy", "admin", {**changed, "horizon_days": 4}, etag=policy.headers["etag"])
    assert stale.status_code == 412
    assert api.get("/policy", "lead").json()["horizon_days"] == 3
    bad = api.put("/policy", "admin", {**changed, "horizon_days": 0}, etag=replaced.headers["etag"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "horizon_days"
    entry = api.get("/audit", "admin", params={"action": "policy.replaced"}).json()["items"][0]
    assert entry["changes"]["horizon_days"] == [5, 3]


def test_principals_and_tokens(api: Api) -> None:
    made = api.post(
        "/principals", "admin", {"id": "hr-bot", "name": "HR bot", "role": "requester", "department_id": "people"}
    )
    assert made.status_code == 201, made.text
    no_department = api.post("/principals", "admin", {"id": "x", "name": "X", "role": "requester"})
    assert no_department.status_code == 422 and no_department.json()["errors"][0]["field"] == "department_id"
    issued = api.post("/principals/hr-bot/tokens", "admin", {"label": "chat bot"})
    assert issued.status_code == 201
    secret = issued.json()["token"]
    me = api.client.get("/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me == {"id": "hr-bot", "name": "HR bot", "role": "requester", "department_id": "people", "agent_id": None}
    listed = api.get("/principals/hr-bot/tokens", "admin").json()
    assert [t["label"] for t in listed] == ["chat bot"] and "token" not in listed[0]
    engine = create_engine(api.settings.database_url)
    with engine.connect() as connection:
        stored = [tuple(row) for row in connection.execute(text("SELECT * FROM tokens"))]
        kept = [tuple(row) for row in connection.execute(text("SELECT body FROM idempotency_keys"))]
    engine.dispose()
    assert not any(secret in str(column) for row in stored + kept for column in row)  # only its hash is kept
    assert api.post(f"/tokens/{issued.json()['id']}/revoke", "admin", {}).status_code == 200
    assert api.client.get("/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert [p["id"] for p in api.get("/principals", "admin").json()][:3] == ["admin", "ana", "ben"]


def test_a_token_issue_retried_with_its_key_does_not_reveal_or_issue_again(api: Api) -> None:
    key = {"Idempotency-Key": "token-1"}
    first = api.post("/principals/lead/tokens", "admin", {"label": "laptop"}, headers=key)
    assert first.status_code == 201
    retry = api.post("/principals/lead/tokens", "admin", {"label": "laptop"}, headers=key)
    assert retry.status_code == 409 and "shown once" in retry.json()["detail"]
    assert len(api.get("/principals/lead/tokens", "admin").json()) == 2  # the seeded one and this one


def test_me(api: Api) -> None:
    assert api.get("/me", "ben").json() == {
        "id": "ben",
        "name": "Ben Okafor",
        "role": "agent",
        "department_id": None,
        "agent_id": "ben",
    }
