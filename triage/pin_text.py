"""The sentence a requester reads when a queue lead pins one of their requests: who pinned what, the rule
the pin makes, and the lead's reason, from the pin and the names it refers to."""

from __future__ import annotations

from triage.model import Pin
from triage.names import PinKind
from triage.render import possessive


def render_pin(
    pin: Pin,
    *,
    department_name: str,
    title: str,
    agent_name: str | None = None,
    other_title: str | None = None,
) -> str:
    """For example: 'Lee Lead, the queue lead, pinned Sales' "VPN drops" (REQ-1) first: its teammate does it
    before anything else. Reason: "promised to Sales".'"""
    request = f'{possessive(department_name)} "{title}" ({pin.request})'
    other = f'"{other_title}" ({pin.other})' if other_title else f"{pin.other}"
    rule = {
        PinKind.ASSIGN: f"pinned {request} to {agent_name or pin.agent}",
        PinKind.BEFORE: f"pinned {request} to finish before {other} starts",
        PinKind.FIRST: f"pinned {request} first: its teammate does it before anything else",
        PinKind.UNFREEZE: f"let {request}, in progress, move to another teammate",
    }[pin.kind]
    reason = f' Reason: "{pin.reason}".' if pin.reason else ""
    return f"{pin.by}, the queue lead, {rule}.{reason}"
