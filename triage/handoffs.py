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
    return room_left_for(
        proposal.to_agent_name,
        proposal.request_id,
        proposal.to_planned_after,
        proposal.to_target_minutes,
        given_since_minutes,
    )


def room_left_for(peer: str, request_id: str, planned_after: int, target: int, given_since: int) -> NoRoomLeft | None:
    """The same rule for any proposal (a share: the peer's planned minutes with their part)."""
    if planned_after + given_since <= target:
        return None
    return NoRoomLeft(
        peer=peer, request_id=request_id, planned_with_request=planned_after, given_since=given_since, target=target
    )
