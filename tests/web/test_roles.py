"""Every console page keeps the API's role rules: each role gets the pages it may see and a 403 page (HTML,
not JSON, not blank) for the others; a requester sees only their own department's. The table is written
out by hand, and a test holds it to the console's routes, so that a new page cannot go untested."""

from __future__ import annotations

import time

from fastapi.routing import APIRoute

from api.limits import Limits
from api.web import ROUTERS
from tests.web.conftest import Console, text_of

EVERYONE = {"admin", "lead", "manager", "sales", "people", "ana"}
SIM = "{sim}"

PAGES: dict[str, set[str]] = {
    "/console/board": {"lead", "manager", "ana"},
    "/console/my-work": {"ana"},
    "/console/requests": {"lead", "manager", "ana", "sales", "people"},
    "/console/requests/new": {"lead", "sales", "people", "admin"},  # admins may file (the API role table)
    "/console/requests/REQ-1": {"lead", "manager", "ana", "sales"},  # people: REQ-1 is Sales' (404 for them)
    "/console/simulations": {"manager"},
    f"/console/jobs/{SIM}": {"manager"},
    f"/console/simulations/{SIM}": {"manager"},
    f"/console/simulations/{SIM}/load.svg": {"manager"},
    "/console/departments": {"lead", "manager", "sales", "people"},
    "/console/departments/sales": {"lead", "manager", "sales"},
    "/console/audit": {"lead", "manager", "admin"},
    "/console/admin": {"admin"},
    "/console/admin/webhooks": {"admin"},
    "/console/admin/policy": {"admin"},
    "/console/admin/departments/sales": {"admin"},
    "/console/admin/agents/ana": {"admin"},
    "/console/admin/agents/new": {"admin"},
}
"""GET pages and the principals (of tests.api.org) who may see them."""

ACTIONS: dict[str, set[str]] = {
    "/console/plans": {"lead", "manager"},
    "/console/plans/1/apply": {"lead"},
    "/console/what-if": {"lead", "manager"},
    "/console/pins": {"lead"},
    "/console/help": {"ana"},
    "/console/handoffs/1/{verb}": {"ana", "lead"},
    "/console/shares/1/{verb}": {"ana", "lead"},
    "/console/simulations": {"manager"},
    "/console/requests/new": {"lead", "sales", "people", "admin"},  # admins may file (the API role table)
    "/console/admin/principals/lead/tokens": {"admin"},
    "/console/admin/tokens/t/revoke": {"admin"},
    "/console/admin/tokens/t/rotate": {"admin"},
    "/console/admin/webhooks": {"admin"},
    "/console/admin/webhooks/w/delete": {"admin"},
    "/console/admin/deliveries/1/replay": {"admin"},
    "/console/admin/policy": {"admin"},
    "/console/admin/departments": {"admin"},
    "/console/admin/departments/sales": {"admin"},
    "/console/admin/skills": {"admin"},
    "/console/admin/agents/new": {"admin"},
    "/console/admin/agents/ana": {"admin"},
    "/console/requests/REQ-1/priority": {"lead"},  # a requester or agent may not set a priority (REQUEST_FIELDS)
    "/console/requests/REQ-1/priority/price": {"lead"},  # nor price one
}
"""POST forms and who may use them; only refusals are exercised here (the pages' own tests do the rest)."""


def _simulation(console: Console) -> str:
    surge = {"name": "surge", "changes": [{"kind": "surge", "department": "sales", "factor": 2}]}
    started = console.api.post("/simulations", "manager", {"days": 1, "arrivals_per_day": 4, "variants": [surge]})
    assert started.status_code == 202, started.text
    job = started.json()["id"]
    for _ in range(300):
        if console.api.get(f"/jobs/{job}", "lead").json()["state"] == "succeeded":
            return str(job)
        time.sleep(0.1)
    raise AssertionError("the simulation did not finish")


def test_every_page_shows_to_its_roles_and_refuses_the_others(console: Console) -> None:
    assert console.api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    sim = _simulation(console)
    for who in sorted(EVERYONE):
        console.sign_in(who)
        for path, allowed in PAGES.items():
            answer = console.get(path.replace(SIM, sim))
            if who in allowed:
                assert answer.status_code in (200, 303), (who, path, answer.status_code, text_of(answer.text)[:300])
                if answer.status_code == 303:  # a requester's department list is their own report
                    assert answer.headers["location"] == f"/console/departments/{who}", (who, path)
            elif path == "/console/requests/REQ-1" and who == "people":
                assert answer.status_code == 404 and "No request 'REQ-1'" in text_of(answer.text)
            else:
                assert answer.status_code == 403, (who, path, answer.status_code)
                assert answer.headers["content-type"].startswith("text/html")
                assert "Not allowed for your role" in answer.text, (who, path)


def test_a_requester_reads_only_their_departments_report(console: Console) -> None:
    assert console.api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    console.sign_in("sales")
    assert console.get("/console/departments/sales").status_code == 200
    refused = console.get("/console/departments/people")
    assert refused.status_code == 403 and "own department's report (sales)" in text_of(refused.text)


def test_the_department_page_is_refused_beyond_the_limits_as_the_apis_report_is(console: Console) -> None:
    # the page re-plans once per lead pin like the API's report, so it is admitted alike (413 naming the limit)
    assert console.api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    console.sign_in("sales")
    assert console.get("/console/departments/sales").status_code == 200
    app = console.api.client.app
    app.state.settings = app.state.settings.model_copy(update={"limits": Limits(agents=1)})  # type: ignore[attr-defined]
    refused = console.get("/console/departments/sales")
    assert refused.status_code == 413 and refused.headers["content-type"].startswith("text/html")
    assert "`agents`" in text_of(refused.text), text_of(refused.text)[:300]


def test_every_form_refuses_the_roles_that_may_not_use_it(console: Console) -> None:
    for who in sorted(EVERYONE):
        console.sign_in(who)
        for path, allowed in ACTIONS.items():
            if who in allowed:
                continue
            answer = console.post(path, {"kind": "first", "request": "REQ-1", "reason": "r"})
            assert answer.status_code == 403, (who, path, answer.status_code, text_of(answer.text)[:200])
            assert "Not allowed for your role" in answer.text


def test_every_form_refuses_a_post_without_the_csrf_token_even_from_its_role(console: Console) -> None:
    for path, allowed in ACTIONS.items():
        console.sign_in(min(allowed))
        for extra in ({}, {"csrf": "0" * 40}):
            answer = console.post(path, {"kind": "first", "request": "REQ-1", "reason": "r", **extra}, csrf=False)
            assert answer.status_code == 403, (path, answer.status_code, text_of(answer.text)[:200])
            assert "did not come from the console" in text_of(answer.text), path
    assert console.api.get("/policy", "admin").headers["etag"] == '"1"'  # nothing was changed
    assert console.api.get("/pins", "lead").json() == []


def test_the_tables_cover_every_console_route() -> None:
    open_to_all = {"/console/", "/console/sign-in", "/console/sign-out", "/console/{rest:path}"}
    progress = "/console/jobs/{job_id}/progress"  # the fragment its job page polls, same rule as the job page
    routes = {(m, r.path) for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) for m in r.methods}
    console_routes = {(m, p) for m, p in routes if p.startswith("/console/") and p not in open_to_all | {progress}}
    assert len(console_routes) >= 20
    named = {("GET", _pattern(p)) for p in PAGES} | {("POST", _pattern(p)) for p in ACTIONS}
    assert {(m, _pattern(p)) for m, p in console_routes} <= named, sorted(console_routes)


def _pattern(path: str) -> str:
    """A path with its ids as placeholders, so that table rows and route templates compare."""
    parts = []
    for part in path.strip("/").split("/"):
        if part.startswith("{") or part in {"REQ-1", SIM, "1", "t", "w", "lead", "sales", "ana", "load.svg"}:
            parts.append("*")
        else:
            parts.append(part)
    return "/".join(parts)
