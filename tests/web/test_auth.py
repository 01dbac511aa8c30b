"""Sign-in to the console: a token for a session cookie (HttpOnly, SameSite=Lax, Secure over https), CSRF on
every form, sign-out; an expired, forged or revoked session goes back to sign-in."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.web.auth import SESSION_COOKIE, session_value
from tests.web.conftest import Console, csrf_of, text_of


def test_a_token_becomes_a_session_cookie_and_each_role_lands_on_its_page(console: Console) -> None:
    homes = {
        "lead": "/console/board",
        "ana": "/console/my-work",
        "sales": "/console/requests",
        "manager": "/console/simulations",
        "admin": "/console/admin",
    }
    for who, home in homes.items():
        answer = console.sign_in(who)
        assert answer.headers["location"] == home
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # served over http here
        page = console.get(home)
        assert page.status_code == 200, page.text


def test_over_https_the_cookie_is_secure(console: Console) -> None:
    client = TestClient(console.client.app, base_url="https://testserver")
    form = client.get("/console/sign-in")
    answer = client.post(
        "/console/sign-in",
        data={"token": console.api.seeded.tokens["lead"], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_a_bad_token_gets_the_form_again_with_the_reason(console: Console) -> None:
    form = console.get("/console/sign-in")
    answer = console.client.post("/console/sign-in", data={"token": "tdm_wrong", "csrf": csrf_of(form.text)})
    assert answer.status_code == 401
    assert "That token is not valid, or it was revoked." in text_of(answer.text)
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_sign_in_without_its_form_cookie_is_refused(console: Console) -> None:
    answer = console.client.post(
        "/console/sign-in", data={"token": console.api.seeded.tokens["lead"], "csrf": "x"}, follow_redirects=False
    )
    assert answer.status_code == 200 and "The sign-in form expired" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_no_session_goes_to_sign_in_and_back(console: Console) -> None:
    answer = console.get("/console/board")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in?next=/console/board")
    form = console.get(answer.headers["location"])
    assert 'name="next" value="/console/board"' in form.text
    signed = console.client.post(
        "/console/sign-in",
        follow_redirects=False,
        data={"token": console.api.seeded.tokens["lead"], "csrf": csrf_of(form.text), "next": "/console/audit"},
    )
    assert signed.headers["location"] == "/console/audit"


def test_sign_in_never_sends_anyone_to_another_site(console: Console) -> None:
    for target in ("https://evil.example/", "//evil.example/console/", "/console/\\evil", "/docs"):
        form = console.get("/console/sign-in")
        signed = console.client.post(
            "/console/sign-in",
            follow_redirects=False,
            data={"token": console.api.seeded.tokens["lead"], "csrf": csrf_of(form.text), "next": target},
        )
        assert signed.headers["location"] == "/console/board", target


def test_an_htmx_request_without_a_session_is_redirected_by_header(console: Console) -> None:
    answer = console.get("/console/board", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.headers["HX-Redirect"].startswith("/console/sign-in")


def test_an_expired_or_forged_session_goes_to_sign_in(console: Console) -> None:
    key = console.client.app.state.console_key
    token = console.api.seeded.tokens["lead"]
    hours = console.api.settings.session_hours
    cases = {
        "expired": session_value(key, token, int(time.time() - hours * 3600 - 60)),
        "forged": session_value(b"another key" * 3, token, int(time.time())),
        "garbled": "not-a-session",
    }
    for name, value in cases.items():
        console.client.cookies.clear()
        console.client.cookies.set(SESSION_COOKIE, value)
        answer = console.get("/console/board")
        assert answer.status_code == 303 and "/console/sign-in" in answer.headers["location"], name
    console.client.cookies.set(SESSION_COOKIE, session_value(key, token, int(time.time() - 60)))
    assert console.get("/console/board").status_code == 200


def test_a_revoked_token_ends_its_sessions(console: Console) -> None:
    console.sign_in("lead")
    assert console.get("/console/board").status_code == 200
    [token] = console.api.get("/principals/lead/tokens", "admin").json()
    assert console.api.post(f"/tokens/{token['id']}/revoke", "admin").status_code == 200
    answer = console.get("/console/board")
    assert answer.status_code == 303 and "revoked" in answer.headers["location"]


def test_sign_out_ends_the_session(console: Console) -> None:
    console.sign_in("lead")
    answer = console.post("/console/sign-out")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/sign-in")
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    assert console.get("/console/board").status_code == 303


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(console: Console) -> None:
    console.sign_in("sales")
    body = {"requester": "Sam", "title": "Printer jam", "impact": "team", "urgency": "degraded", "effort_minutes": "30"}
    for extra in ({}, {"csrf": "0" * 40}):
        answer = console.post("/console/requests/new", {**body, **extra}, csrf=False)
        assert answer.status_code == 403 and "did not come from the console" in text_of(answer.text)
    assert len(console.api.get("/requests", "lead").json()["items"]) == 4
    assert console.post("/console/requests/new", body).status_code == 303
    assert len(console.api.get("/requests", "lead").json()["items"]) == 5
