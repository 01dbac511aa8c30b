"""A share in the console, in a real headless browser against a real `serve --demo` (the fixtures of
tests.web.browser): an agent with a late request nobody can take whole asks for help on their page and is
proposed a share; the peer sees it on theirs, with the requester's note, and accepts or declines it with a
reason; the agent sees the share's state on their page.

Seeded through the API as an admin would: a skill only three new teammates hold (Zoe Brandt, Yan Li and Xia
Moreau), Zoe on two 10-hour P1s for Sales in progress, one after the other, Yan and Xia each on their own 3-hour
request first; then a plan. Zoe is proposed a share of each, one to each peer: one accepts, the other declines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import api, sign_in

pytestmark = pytest.mark.slow


def _request(department: str, title: str, minutes: int, owner: str) -> dict[str, Any]:
    return {
        "department": department,
        "requester": "Sam Reyes" if department == "sales" else "Pia Lang",
        "title": title,
        "impact": "company",
        "urgency": "work_stopped",
        "effort_minutes": minutes,
        "required_skills": {"radio": 1},
        "owner": owner,
        "status": "in_progress",
    }


def _agent_token(demo: dict[str, Any], agent_id: str, name: str) -> None:
    made = api(
        demo,
        "admin",
        "POST",
        "/principals",
        json={"id": f"agent-{agent_id}", "name": name, "role": "agent", "agent_id": agent_id},
    )
    assert made.status_code == 201, made.text
    issued = api(demo, "admin", "POST", f"/principals/agent-{agent_id}/tokens", json={"label": "test"})
    assert issued.status_code == 201, issued.text
    demo["tokens"][agent_id] = issued.json()["token"]


@pytest.fixture(scope="module")
def radio(demo: dict[str, Any]) -> dict[str, str]:
    """The seeded team and work, planned; the two requests' ids."""
    assert api(demo, "admin", "POST", "/skills", json={"id": "radio", "name": "Radio links"}).status_code == 201
    for agent_id, name in (("zoe", "Zoe Brandt"), ("yan", "Yan Li"), ("xia", "Xia Moreau")):
        made = api(demo, "admin", "POST", "/agents", json={"id": agent_id, "name": name, "skills": {"radio": 1}})
        assert made.status_code == 201, made.text
        _agent_token(demo, agent_id, name)
    ids = {}
    for key, body in (
        ("shared", _request("sales", "Radio link to the warehouse down", 600, "zoe")),
        ("next", _request("sales", "Radio backup link", 600, "zoe")),
        ("yan", _request("people", "Radio in the lobby", 180, "yan")),
        ("xia", _request("people", "Radio in the canteen", 180, "xia")),
    ):
        filed = api(demo, "admin", "POST", "/requests", json=body)
        assert filed.status_code == 201, filed.text
        ids[key] = filed.json()["id"]
    assert api(demo, "lead", "POST", "/plans", json={"time_limit_seconds": 3}).status_code == 201
    return ids


def _asks(page: Any, demo: dict[str, Any]) -> list[dict[str, Any]]:
    """Zoe asks for help on her page: a share of each of her two requests, one to each peer, named on the page
    with its note."""
    page.context.clear_cookies()
    sign_in(page, demo, "zoe")
    page.click("#ask-help")
    page.wait_for_selector("#help .help-answer")
    shares = api(demo, "lead", "GET", "/shares", params={"state": "proposed"}).json()["items"]
    assert len(shares) == 2, page.inner_text("#help")
    assert {s["owner_id"] for s in shares} == {"zoe"} and {s["peer_id"] for s in shares} == {"yan", "xia"}
    for share in shares:
        assert share["note"] in page.inner_text(f"#proposed-share-{share['id']}")
    return list(shares)


def _answers(
    page: Any, demo: dict[str, Any], shots: Path, share: dict[str, Any], verb: str, reason: str
) -> dict[str, Any]:
    """The peer answers the share on their page with a reason; the page says what happened, the API holds it."""
    page.context.clear_cookies()
    sign_in(page, demo, share["peer_id"])
    card = page.locator(f"#share-{share['id']}")
    text = card.inner_text()
    assert share["note"] in text and "from Zoe Brandt, for Sales" in text
    page.screenshot(path=shots / f"share-{verb}.png", full_page=True)
    card.locator("input[name=reason]").fill(reason)
    card.locator(f"button:has-text('{verb.title()}')").click()
    past = {"accept": "accepted", "decline": "declined"}[verb]
    page.wait_for_selector(f".notice:has-text('{past}')")
    answered = dict(api(demo, "lead", "GET", f"/shares/{share['id']}").json())
    who = f"agent-{share['peer_id']}"
    assert (answered["state"], answered["answered_by"], answered["answer_reason"]) == (past, who, reason)
    assert page.locator(f"#share-{share['id']}").count() == 0  # answered: no longer offered
    return answered


def test_the_peer_accepts_one_share_declines_another_and_the_agent_sees_both(
    page: Any, demo: dict[str, Any], radio: dict[str, str], shots: Path
) -> None:
    first, second = sorted(_asks(page, demo), key=lambda s: s["request_id"] != radio["shared"])
    assert (first["request_id"], second["request_id"]) == (radio["shared"], radio["next"])
    accepted = _answers(page, demo, shots, first, "accept", "I know that link")
    part = accepted["part_request_id"]
    assert f"Share {first['id']} accepted: the part of {radio['shared']} is {part}" in page.inner_text(".notice")
    assert api(demo, "lead", "GET", f"/requests/{part}").json()["part_of"] == radio["shared"]
    declined = _answers(page, demo, shots, second, "decline", "the lobby first")
    notice = f"Share {second['id']} declined: {radio['next']} stays whole with its agent"
    assert notice in page.inner_text(".notice")
    assert declined["part_request_id"] is None
    # the agent who asked sees each share's state, the part filed, and the note for that state
    page.context.clear_cookies()
    sign_in(page, demo, "zoe")
    page.screenshot(path=shots / "my-shares.png", full_page=True)
    mine = page.locator(f"#my-share-{first['id']}").inner_text()
    assert f"with {first['peer_name']}: accepted (their part: {part})" in mine and accepted["note"] in mine
    mine = page.locator(f"#my-share-{second['id']}").inner_text()
    assert f"with {second['peer_name']}: declined, “the lobby first”" in mine and declined["note"] in mine
