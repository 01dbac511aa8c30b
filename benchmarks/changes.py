"""Seeded changes to a scenario, for the re-plan and insertion benchmarks.

`changed_scenario` changes a share of the open requests the way a queue changes between two plans: a
third are new (copies of existing requests, filed now), a third have their effort re-estimated, a third
are closed. `new_requests` draws requests to insert one at a time. Both are pure: one seeded
`random.Random`, no clock.
"""

from __future__ import annotations

import random

from triage.model import Request, Scenario
from triage.names import RequestStatus

EFFORT_FACTORS = (0.5, 0.75, 1.5, 2.0)
"""How a re-estimated effort changes: halved to doubled."""


def new_requests(scenario: Scenario, count: int, seed: int, prefix: str = "NEW") -> list[Request]:
    """`count` new requests filed now, each a copy of a random open request (same department, impact,
    urgency, skills and effort) without owner, deadline or rank."""
    rng = random.Random(seed)
    pool = [r for r in scenario.requests if r.status != RequestStatus.DONE]
    width = len(str(count))
    return [
        rng.choice(pool).model_copy(
            update={
                "id": f"{prefix}{n + 1:0{width}d}",
                "created_at": scenario.now,
                "deadline": None,
                "owner": None,
                "status": RequestStatus.OPEN,
                "department_rank": None,
            }
        )
        for n in range(count)
    ]


def changed_scenario(scenario: Scenario, share: float, seed: int) -> tuple[Scenario, dict[str, int]]:
    """The scenario with `share` of its requests changed (at least 3: one new, one re-estimated, one closed;
    only open requests are re-estimated or closed), and how many of each."""
    rng = random.Random(seed)
    live = [r for r in scenario.requests if r.status != RequestStatus.DONE]
    open_ids = [r.id for r in live if r.status == RequestStatus.OPEN]  # work in progress is not re-estimated
    changes = max(3, round(share * len(live)))
    added, closed = changes // 3, changes // 3
    estimated = changes - added - closed
    touched = rng.sample(open_ids, estimated + closed)
    re_estimate, close = set(touched[:estimated]), set(touched[estimated:])
    requests = []
    for request in scenario.requests:
        if request.id in re_estimate:
            effort = max(5, 5 * round(request.effort_minutes * rng.choice(EFFORT_FACTORS) / 5))
            request = request.model_copy(update={"effort_minutes": min(effort, 60 * 24 * 30)})
        elif request.id in close:
            request = request.model_copy(update={"status": RequestStatus.DONE})
        requests.append(request)
    requests += new_requests(scenario, added, rng.randrange(2**31), prefix="CHG")
    counts = {"new": added, "re-estimated": estimated, "closed": closed}
    return scenario.model_copy(update={"requests": requests}), counts
