"""The rule a hand-off is accepted under, apart from where its numbers are read.

A proposal counted on the peer's room as the plan left it: their planned minutes with the request
(`HandOff.to_planned_after`) within their target (`to_target_minutes`). Between the proposal and the answer,
other work may have been given to the peer (another hand-off accepted, a lead's reassignment); its minutes count
against that room, and the hand-off is accepted only while the total stays within the target.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.results import HandOff


@dataclass(frozen=True)
class NoRoomLeft:
    """Why a proposal can no longer be accepted: the peer would go above their target."""

    peer: str  # the peer's name
    request_id: str
    planned_with_request: int  # the peer's planned minutes with the request, in the proposal's plan
    given_since: int  # minutes of work given to the peer since that plan
    target: int

    def sentence(self) -> str:
        return (
            f"{self.peer} would be above target: {self.planned_with_request} planned minutes with {self.request_id} "
            f"and {self.given_since} given to them since the plan, against a target of {self.target}"
        )


def room_left(proposal: HandOff, given_since_minutes: int) -> NoRoomLeft | None:
    """None when the peer still has the room the proposal counted on, else what is over."""
    if proposal.to_planned_after + given_since_minutes <= proposal.to_target_minutes:
        return None
    return NoRoomLeft(peer=proposal.to_agent_name, request_id=proposal.request_id,
                      planned_with_request=proposal.to_planned_after, given_since=given_since_minutes,
                      target=proposal.to_target_minutes)  # fmt: skip
