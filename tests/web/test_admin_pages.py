"""The admin edits the organisation in the console through the API's own checks and store functions: the
policy (every field), a department, a teammate (hours, target load, skills, time off, active), a new teammate,
department or skill. A bad value is refused with the API's field error next to the field and nothing is
stored; a form read before someone else's change is refused (the API's If-Match rule); each change is audited."""

from __future__ import annotations

import re
from typing import Any

from api.web.pages_policy import POLICY_FORM
from tests.web.conftest import Console, text_of
from tests.web.forms import form_fields
from triage.model import Policy


def _errors(html: str) -> dict[str, str]:
    """The field errors shown next to the fields: the field's element id to the message."""
    return dict(re.findall(r'<p class="field-error" id="([A-Za-z0-9_.-]+)-error">([^<]+)</p>', html))


def _submit(console: Console, path: str, **changes: str) -> Any:
    """The form at `path` as the page has it, with `changes`, submitted."""
    fields = form_fields(console.get(path).text, path) | changes
    return console.client.post(path, data=fields, follow_redirects=False)


def _audit(console: Console, action: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = console.api.get("/audit", "admin", params={"action": action}).json()["items"]
    return items


def test_the_policy_form_has_every_field_of_the_policy(console: Console) -> None:
    assert set(Policy.model_fields) == POLICY_FORM
    console.sign_in("admin")
    fields = form_fields(console.get("/console/admin/policy").text, "/console/admin/policy")
    named = {f.split(".")[0] for f in fields} - {"csrf", "version"}
    flags = {"protect_priorities", "auto_apply"}
    ticked = {flag for flag in flags if Policy.model_fields[flag].default}  # protect_priorities: on by default
    assert ticked == {"protect_priorities"}
    assert named == set(Policy.model_fields) - (flags - ticked)  # unticked boxes send nothing
    page = console.get("/console/admin/policy").text
    assert 'name="protect_priorities"' in page and 'name="auto_apply"' in page
    assert len([f for f in fields if f.startswith("matrix.")]) == 16
    assert {f for f in fields if f.startswith("fair_share_pct.")} == {"fair_share_pct.sales", "fair_share_pct.people"}


def test_admin_changes_the_policy_and_a_bad_value_is_refused_as_the_api_refuses_it(console: Console) -> None:
    console.sign_in("admin")
    before = console.api.get("/policy", "admin")
    bad = _submit(
        console,
        "/console/admin/policy",
        horizon_days="0",
        **{"fair_share_pct.sales": "70", "fair_share_pct.people": "40", "target_minutes.P2": "soon"},
    )
    assert bad.status_code == 422
    shown = _errors(bad.text)
    document = {**before.json(), "horizon_days": 0, "fair_share_pct": {"sales": 70, "people": 40}}
    document["target_minutes"] = {**document["target_minutes"], "P2": "soon"}
    api = console.api.put("/policy", "admin", document, before.headers["etag"])
    assert api.status_code == 422
    expected = {f"f-{e['field'].replace('.', '-')}": e["message"] for e in api.json()["errors"]}
    assert shown == expected and set(shown) == {"f-horizon_days", "f-fair_share_pct", "f-target_minutes-P2"}
    field = re.search(r'<input id="f-horizon_days"[^>]*>', bad.text).group(0)
    assert 'value="0"' in field and 'aria-describedby="f-horizon_days-error"' in field
    assert console.api.get("/policy", "admin").json() == before.json()  # nothing stored
    assert _audit(console, "policy.replaced") == []

    saved = _submit(
        console,
        "/console/admin/policy",
        horizon_days="7",
        protect_priorities="on",
        help_late_minutes="",
        **{"matrix.team.can_wait": "P3", "term_weights.churn": "100", "fair_share_pct.sales": "60"},
    )
    assert saved.status_code == 303 and "Policy+saved" in saved.headers["location"].replace("%20", "+")
    after = console.api.get("/policy", "admin")
    policy = after.json()
    assert after.headers["etag"] == '"2"'
    assert (policy["horizon_days"], policy["protect_priorities"], policy["help_late_minutes"]) == (7, True, None)
    assert policy["matrix"]["team"]["can_wait"] == "P3" and policy["term_weights"]["churn"] == 100
    assert policy["fair_share_pct"] == {"sales": 60}
    assert policy["target_minutes"] == before.json()["target_minutes"]  # the rest as it was
    [entry] = _audit(console, "policy.replaced")
    assert entry["principal_id"] == "admin" and entry["changes"]["horizon_days"] == [5, 7]
    assert "Policy saved (version 2)" in text_of(console.get(saved.headers["location"]).text)


def test_a_policy_form_read_before_another_change_is_refused(console: Console) -> None:
    console.sign_in("admin")
    stale = form_fields(console.get("/console/admin/policy").text, "/console/admin/policy")
    current = console.api.get("/policy", "admin")
    changed = console.api.put("/policy", "admin", {**current.json(), "horizon_days": 9}, current.headers["etag"])
    assert changed.status_code == 200
    refused = console.client.post("/console/admin/policy", data={**stale, "horizon_days": "3"})
    assert refused.status_code == 412
    assert "The policy changed since version 1; read it again." in text_of(refused.text)
    assert console.api.get("/policy", "admin").json()["horizon_days"] == 9
    missing = console.client.post("/console/admin/policy", data={**stale, "version": ""})
    assert missing.status_code == 428  # as PUT /policy without If-Match


def test_admin_edits_a_department_and_a_bad_weight_is_refused(console: Console) -> None:
    console.sign_in("admin")
    path = "/console/admin/departments/sales"
    bad = _submit(console, path, weight="0", name=" ")
    assert bad.status_code == 422
    assert set(_errors(bad.text)) == {"f-weight", "f-name"}
    assert "greater than or equal to 1" in _errors(bad.text)["f-weight"]
    assert console.api.get("/departments/sales", "admin").json()["version"] == 1
    stale = form_fields(console.get(path).text, path)
    saved = _submit(console, path, weight="5", name="Sales EMEA")
    assert saved.status_code == 303
    row = console.api.get("/departments/sales", "admin").json()
    assert (row["name"], row["weight"], row["version"]) == ("Sales EMEA", 5, 2)
    [entry] = _audit(console, "department.updated")
    assert entry["changes"] == {"name": ["Sales", "Sales EMEA"], "weight": [2, 5]}
    again = console.client.post(path, data={**stale, "weight": "3"})
    assert again.status_code == 412 and "Department sales is at version 2, not 1" in text_of(again.text)
    assert console.api.get("/departments/sales", "admin").json()["weight"] == 5


def test_admin_edits_a_teammate_and_a_bad_value_is_refused_next_to_its_field(console: Console) -> None:
    console.sign_in("admin")
    path = "/console/admin/agents/ana"
    form = {
        "target_load_pct": "70",
        "skills.pay": "2",
        "working_hours.mon": "09:00-12:00, 13:00-15:00",
        "working_hours.tue": "10:00-16:00",
        "time_off.0.start": "2026-12-24",
        "time_off.0.end": "2026-12-31",
        "time_off.0.reason": "leave",
    }
    bad = _submit(
        console, path, **{**form, "time_off.1.start": "2026-12-10", "time_off.1.end": "2026-12-09", "skills.net": "4"}
    )
    assert bad.status_code == 422
    errors = _errors(bad.text)
    assert set(errors) == {"f-skills-net", "f-time_off-1-end"}, errors
    assert errors["f-time_off-1-end"] == "time off ends before it starts"
    assert console.api.get("/agents/ana", "admin").json()["version"] == 1  # nothing stored
    # a blank row between filled ones: the errors still name the row on the page
    gap = _submit(
        console,
        path,
        **{
            **form,
            "time_off.0.start": "",
            "time_off.0.end": "",
            "time_off.0.reason": "",
            "time_off.1.start": "2026-12-10",
            "time_off.1.end": "2026-12-09",
        },
    )
    assert set(_errors(gap.text)) == {"f-time_off-1-end"}
    saved = _submit(console, path, **form)
    assert saved.status_code == 303, text_of(saved.text)[:400]
    ana = console.api.get("/agents/ana", "admin").json()
    assert ana["target_load_pct"] == 70 and ana["skills"] == {"net": 3, "pay": 2}
    assert ana["working_hours"] == {"mon": ["09:00-12:00", "13:00-15:00"], "tue": ["10:00-16:00"]}
    assert ana["time_off"] == [{"start": "2026-12-24", "end": "2026-12-31", "reason": "leave"}]
    assert ana["active"] is True and ana["version"] == 2
    off = form_fields(console.get(path).text, path)
    off.pop("active")  # untick
    off |= {f"working_hours.{d}": "" for d in ("mon", "tue")}
    assert console.client.post(path, data=off, follow_redirects=False).status_code == 303
    ana = console.api.get("/agents/ana", "admin").json()
    assert (ana["active"], ana["working_hours"], ana["version"]) == (False, None, 3)
    assert [e["principal_id"] for e in _audit(console, "agent.updated")] == ["admin", "admin"]


def test_admin_adds_a_teammate_a_department_and_a_skill(console: Console) -> None:
    console.sign_in("admin")
    dup = _submit(console, "/console/admin/agents/new", id="ana", name="Another Ana")
    assert dup.status_code == 409 and "An agent with id 'ana' exists already." in text_of(dup.text)
    blank = _submit(console, "/console/admin/agents/new", id="", name="Cy Lee")
    assert blank.status_code == 422 and set(_errors(blank.text)) == {"f-id"}
    made = _submit(
        console, "/console/admin/agents/new", id="cy", name="Cy Lee", target_load_pct="60", **{"skills.pay": "3"}
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/console/admin/agents/cy")
    cy = console.api.get("/agents/cy", "admin").json()
    assert (cy["name"], cy["skills"], cy["target_load_pct"], cy["active"]) == ("Cy Lee", {"pay": 3}, 60, True)
    bad = console.post("/console/admin/departments", {"id": "ops", "name": "Operations", "weight": "101"})
    assert bad.status_code == 422 and "department-weight-error" in bad.text
    assert [d["id"] for d in console.api.get("/departments", "admin").json()] == ["people", "sales"]
    assert (
        console.post("/console/admin/departments", {"id": "ops", "name": "Operations", "weight": "3"}).status_code
        == 303
    )
    assert console.api.get("/departments/ops", "admin").json()["weight"] == 3
    refused = console.post("/console/admin/skills", {"id": "net", "name": "Networking again"})
    assert refused.status_code == 409 and "A skill with id 'net' exists already." in text_of(refused.text)
    assert console.post("/console/admin/skills", {"id": "hw", "name": "Hardware"}).status_code == 303
    assert {s["id"] for s in console.api.get("/skills", "admin").json()} == {"net", "pay", "hw"}
    assert [e["subject_id"] for e in _audit(console, "agent.created")] == ["cy"]
