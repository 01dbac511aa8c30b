"""Each role's main job done with the keyboard alone (Tab, Shift+Tab, Enter, Space, the arrow keys in a list;
no mouse), in a real headless browser against a real demo server (the fixtures of tests.web.browser): the lead
prices a pin, saves it and applies a plan, and prices a priority override before saving it; an agent asks for
help; a requester files a request; a manager starts a simulation.

On the way, every element that takes the focus must show it (it matches :focus-visible and has a computed
outline or box shadow), the first Tab of a page reaches the skip link, whose Enter moves the focus to the main
content, and the main controls are reached in the order they are read. Waits are on elements and navigations,
never on time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import api, sign_in

pytestmark = pytest.mark.slow

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  const parts = ['date', 'datetime-local', 'time'].includes(e.type) && e.matches(':focus-within');  // its picker
  return {id: e.id, tag: e.tagName.toLowerCase(), cls: e.className || '', text: (e.innerText || '').trim().slice(0, 40),
          visible: e.matches(':focus-visible') || parts, ring: ring};
}"""
"""The focused element, and whether it shows its focus: it matches :focus-visible (a date or time field whose
picker button has the focus, inside the browser's own parts of it, matches only :focus-within), with a computed
outline or box shadow."""


def _focus(page: Any) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate(FOCUSED)
    return found


def tab_to(page: Any, selector: str, *, back: bool = False, most: int = 400) -> list[dict[str, Any]]:
    """Press Tab (Shift+Tab when `back`) until the element `selector` names has the focus: the elements focused
    on the way, in order, each of which must show its focus."""
    seen: list[dict[str, Any]] = []
    for _ in range(most):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = _focus(page)
        if focused is not None:
            if not (focused["visible"] and focused["ring"]):  # a field may take the focus in its parts a moment later
                try:
                    page.wait_for_function(
                        f"() => {{ const f = ({FOCUSED})(); return f && f.visible && f.ring; }}", timeout=5_000
                    )
                except Exception:
                    raise AssertionError(f"focus not shown on {_focus(page)}") from None
                focused = _focus(page)
            assert focused is not None
            seen.append(focused)
        if page.evaluate("s => document.activeElement !== null && document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"{selector} never took the focus; focused on the way: {[f['id'] or f['text'] for f in seen]}")


def choose(page: Any, value: str) -> None:
    """Set the focused list to `value` with the arrow keys (Home, then Down), as a keyboard user does."""
    page.keyboard.press("Home")
    for _ in range(300):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {value!r} in the focused list")


def type_into(page: Any, selector: str, text: str) -> None:
    """Tab to a field and type into it, replacing what it held."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def skip_to_main(page: Any) -> None:
    """On a page just loaded, the first Tab stop is the skip link, shown when focused; Enter puts the focus on
    the main content."""
    assert page.evaluate("() => document.activeElement === document.body"), "call it on a page just loaded"
    [first] = tab_to(page, "a.skip", most=1)
    assert first["text"] == "Skip to content"
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().left >= 0")  # on the screen
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main'")


def in_order(seen: list[dict[str, Any]], ids: list[str]) -> None:
    """The ids were focused, in this order (others may come between)."""
    order = [f["id"] for f in seen]
    missing = [i for i in ids if i not in order]
    assert not missing, f"never focused: {missing} (focused: {order})"
    assert sorted(ids, key=order.index) == ids, f"focused in the order {order}, not {ids}"


def test_the_lead_prices_a_pin_saves_it_and_applies_with_the_keyboard(page: Any, demo: dict[str, Any]) -> None:
    assert api(demo, "lead", "POST", "/plans", json={"time_limit_seconds": 3}).status_code == 201
    sign_in(page, demo, "lead")
    page.wait_for_selector(".timeline .bar")
    skip_to_main(page)
    seen = tab_to(page, "#pin-request")
    in_order(seen, ["time-limit", "compute", "apply-reason", "apply-force", "apply", "pin-request"])
    assert any("bar" in f["cls"] for f in seen)  # the timeline's bars are reached, between the two
    choose(page, "REQ-140")
    tab_to(page, "#pin-kind", most=1)
    choose(page, "first")
    seen = tab_to(page, "#price-it", most=3)
    page.keyboard.press("Enter")
    page.wait_for_selector("#save-pin")
    assert "The price of REQ-140 first" in page.inner_text("#price")
    assert api(demo, "lead", "GET", "/pins").json() == []  # priced, not saved
    assert len(tab_to(page, "#pin-reason", most=3)) <= 3  # the price's form comes next
    page.keyboard.type("Promised to Customer Support this morning")
    tab_to(page, "#save-pin", most=1)
    page.keyboard.press("Space")
    page.wait_for_selector(".notice:has-text('Pinned')")
    assert [p["request"] for p in api(demo, "lead", "GET", "/pins").json()] == ["REQ-140"]

    skip_to_main(page)
    tab_to(page, "#time-limit")
    choose(page, "3")
    tab_to(page, "#compute", most=1)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".notice:has-text('computed')")
    skip_to_main(page)
    type_into(page, "#apply-reason", "Monday's plan")
    tab_to(page, "#apply", most=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "applied:" in page.inner_text(".notice"), page.inner_text(".notice")


def test_the_lead_prices_a_priority_override_and_saves_it_with_the_keyboard(page: Any, demo: dict[str, Any]) -> None:
    plan = api(demo, "lead", "POST", "/plans", json={"time_limit_seconds": 3}).json()
    low = next(a for a in plan["plan"]["assignments"] if a["priority"] in ("P3", "P4"))["request_id"]
    sign_in(page, demo, "lead")
    page.goto(f"/console/requests/{low}")
    skip_to_main(page)
    tab_to(page, "#priority summary")
    page.keyboard.press("Enter")  # opens the form
    tab_to(page, "#priority_override", most=1)
    choose(page, "P1")
    type_into(page, "#override-reason", "The CFO needs it for the board meeting")
    tab_to(page, "#price-priority", most=1)
    page.keyboard.press("Enter")
    page.wait_for_selector("#priority-price")
    assert page.inner_text("#priority-price").startswith(f"With {low} at P1:")
    assert len(tab_to(page, "#save-priority", most=4)) <= 4  # the confirm step comes next after the price
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"{low} now has priority P1" in page.inner_text(".notice")
    assert api(demo, "lead", "GET", f"/requests/{low}").json()["priority_override"] == "P1"


def test_the_agent_asks_for_help_with_the_keyboard(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "agent")
    page.wait_for_selector("h1:has-text('My work')")
    skip_to_main(page)
    tab_to(page, "#ask-help")
    page.keyboard.press("Enter")
    page.wait_for_selector("#help .help-answer")
    assert page.inner_text("#help .help-answer").strip()
    back = tab_to(page, "a.skip", back=True)  # Shift+Tab runs the same stops backwards, to the top
    assert back[-1]["text"] == "Skip to content"


def test_the_requester_files_a_request_with_the_keyboard(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "requester")
    tab_to(page, "nav a[href='/console/requests/new']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('File a request')")
    skip_to_main(page)
    seen = tab_to(page, "#requester")
    page.keyboard.type("Sam Reyes")
    seen += tab_to(page, "#title", most=1)
    page.keyboard.type("Projector in room 5 shows no picture")
    seen += tab_to(page, "#impact", most=1)
    choose(page, "team")
    seen += tab_to(page, "#urgency", most=1)
    choose(page, "degraded")
    seen += tab_to(page, "#effort_minutes", most=1)
    page.keyboard.type("45")
    seen += tab_to(page, "#skill", most=1)
    choose(page, "laptops")
    seen += tab_to(page, "#file")
    in_order(seen, ["requester", "title", "impact", "urgency", "effort_minutes", "skill", "file"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Projector in room 5')")
    request_id = page.locator("h1").inner_text().split(":")[0]
    assert api(demo, "lead", "GET", f"/requests/{request_id}").json()["department"] == "sales"


def test_the_manager_starts_a_simulation_with_the_keyboard(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "manager")
    page.wait_for_selector("h1:has-text('Simulate a staffing change')")
    skip_to_main(page)
    type_into(page, "#variant", "hire a database engineer")
    seen = tab_to(page, "#kind", most=2)
    choose(page, "hire")
    seen += tab_to(page, "#new_agent")
    page.keyboard.type("kim")
    seen += tab_to(page, "#name", most=1)
    page.keyboard.type("Kim Lee")
    seen += tab_to(page, "#skill", most=1)
    choose(page, "database")
    type_into(page, "#days", "1")
    seen += tab_to(page, "#simulate")
    in_order(seen, ["kind", "new_agent", "name", "skill", "simulate"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Simulation')")
    page.wait_for_selector("h1:has-text('Simulation results')", timeout=180_000)
    assert "hire a database engineer" in page.inner_text(".side-by-side")
