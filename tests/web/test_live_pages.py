"""The console shows the live queue: a request filed since the plan is drawn at its tentative place with the
label, a waiting request greyed in its owner's lane with on whom it waits and since when (the desk's
sentence), and the requester reads the same on the request's page; titles are text, never markup."""

from __future__ import annotations

import re

from api.live.placing import LABEL
from tests.api.org import new_request
from tests.web.conftest import Console, text_of


def _plan(console: Console) -> dict:
    made = console.api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert made.status_code == 201, made.text
    return made.json()


def _bars(html: str) -> dict[str, str]:
    """Request id -> the bar's classes, for every bar on the board."""
    return {r: c for c, r in re.findall(r'<a class="bar ([^"]*)"[^>]*href="/console/requests/([^"]+)"', html)}


def test_a_request_filed_since_the_plan_is_drawn_at_its_tentative_place(console: Console) -> None:
    plan = _plan(console)["plan"]
    filed = console.api.post("/requests", "sales", new_request(title="Projector flickers"))
    assert filed.status_code == 201, filed.text
    rid = filed.json()["id"]
    place = console.api.get(f"/requests/{rid}/placement", "lead").json()
    assert place["tentative"] is True and place["planned"]
    console.sign_in("lead")
    page = console.get("/console/board")
    bars = _bars(page.text)
    assert "tentative" in bars[rid].split() and "tentative" not in " ".join(v for k, v in bars.items() if k != rid)
    assert set(bars) == {a["request_id"] for a in plan["assignments"]} | {rid}
    lane = {"ana": "Ana Costa", "ben": "Ben Okafor"}[place["agent_id"]]
    row = re.search(rf'rowheader">{lane}<.*?</div>\s*</div>', page.text, re.S)
    assert row is not None and f"/console/requests/{rid}" in row.group(0)  # in its tentative agent's lane
    text = text_of(page.text)
    assert f"1 filed or changed since are drawn at their tentative place ({LABEL})" in text
    assert rid not in _bars(console.get("/console/board", params={"department": "people"}).text)  # filters hold


def test_waiting_work_is_greyed_in_its_owners_lane_and_not_planned(console: Console) -> None:
    _plan(console)
    waited = console.api.post("/requests/REQ-4/wait", "lead", {"reason": "vendor", "note": "parts ordered"})
    assert waited.status_code == 200, waited.text
    console.sign_in("lead")
    page = console.get("/console/board")
    assert "REQ-4" not in _bars(page.text)  # waiting: not planned, its tentative place says so
    chips = re.findall(r'<a class="chip waiting" href="/console/requests/([^"]+)"[^>]*>([^<]+)</a>', page.text)
    assert chips == [("REQ-4", "REQ-4 waits on a vendor since Mon 23 Nov 09:00")]
    ben = re.search(r'rowheader">Ben Okafor<.*?class="waiting-work".*?</div>', page.text, re.S)
    assert ben is not None and "REQ-4" in ben.group(0)  # Ben owns it
    text = text_of(page.text)
    assert "Waiting for a vendor since Mon 09:00; the clock is paused. It is not planned until it comes back." in text
    assert "1 waiting, not planned." in text
    back = console.api.post("/requests/REQ-4/resume", "lead", {})
    assert back.status_code == 200, back.text
    page = console.get("/console/board")
    assert "chip waiting" not in page.text and "REQ-4" in _bars(page.text)  # back, at its tentative place


def test_the_requester_reads_why_a_waiting_request_is_not_planned(console: Console) -> None:
    _plan(console)
    assert console.api.post("/requests/REQ-3/wait", "lead", {"reason": "requester"}).status_code == 200
    console.sign_in("sales")
    text = text_of(console.get("/console/requests/REQ-3").text)
    assert "Waiting for the requester since Mon 09:00; the clock is paused." in text
    assert "Expected start" not in text
    listed = text_of(console.get("/console/requests").text)
    assert "REQ-3 New laptop" in listed and "Waiting for the requester since" in listed


def test_a_filed_request_shows_its_tentative_place_at_once(console: Console) -> None:
    _plan(console)
    console.sign_in("sales")
    filed = console.post(
        "/console/requests/new",
        {"requester": "Sam", "title": "Printer jam", "impact": "team", "urgency": "degraded", "effort_minutes": "30"},
    )
    assert filed.status_code == 303
    rid = filed.headers["location"].rsplit("/", 1)[-1]
    place = console.api.get(f"/requests/{rid}/placement", "lead").json()
    assert place.get("tentative") is True, place
    text = text_of(console.get(filed.headers["location"]).text)
    name = {"ana": "Ana Costa", "ben": "Ben Okafor"}[place["agent_id"]]
    assert "Expected start" in text and name in text and LABEL in text
    listed = text_of(console.get("/console/requests").text)
    assert f"{rid} Printer jam" in listed and LABEL in listed


def test_a_title_with_markup_is_shown_as_text(console: Console) -> None:
    _plan(console)
    evil = "<script>alert(1)</script> & <b>bold</b>"
    filed = console.api.post("/requests", "sales", new_request(title=evil))
    assert filed.status_code == 201, filed.text
    rid = filed.json()["id"]
    console.sign_in("lead")
    for path in ("/console/board", f"/console/requests/{rid}", "/console/requests"):
        html = console.get(path).text
        assert "<script>alert" not in html and "<b>bold" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html, path
        if path != "/console/board":  # there the title is in the bar's label (an attribute), escaped as above
            assert evil in text_of(html), path


def test_an_agent_s_my_work_shows_what_is_waiting(console: Console) -> None:
    _plan(console)
    assert console.api.post("/requests/REQ-4/wait", "lead", {"reason": "change"}).status_code == 200
    console.sign_in("ben")
    text = text_of(console.get("/console/my-work").text)
    assert "Waiting REQ-4 Badge reader: Waiting for a change since Mon 09:00; the clock is paused." in text
    console.sign_in("ana")
    assert "Badge reader" not in text_of(console.get("/console/my-work").text)  # not Ana's
