"""A last pass over a plan: take requests off agents above their target load and give them to qualified peers
below theirs, where that makes the plan cheaper.

The search, working on neighbourhoods or a model it stops before proving, can leave an agent above target
while a peer who could take one of their requests sits below it with a free gap, even when the move would
lower the cost (measured: 3 such requests on a generated S scenario). Each move tried puts one request of an
agent above target into the earliest free gap of a qualified peer who stays within target with it; it is
kept only when the whole plan's cost goes down; each is priced incrementally (`solver.search.polish.Polisher`),
so the pass finishes at XL too (pricing by `total_cost` took about 0.08 s a move there, measured with the
test suite running beside it, and generated XL plans kept 57-68 such requests). The hard rules hold by
construction: the peer is a candidate (skills), the gap is on their own axis (availability), not before
the request's release and early enough to end within the horizon, and free (no overlap). Requests named by
a pin stay where they are, nothing is put before a first-pinned request, and a plan that breaks a pin
anyway is not returned.
"""

from __future__ import annotations

from solver.budget import Budget
from solver.compile import Compiled
from solver.evaluate import Placements, pins_hold
from solver.search.insert import Timelines
from solver.search.polish import Polisher


def relieve_overload(compiled: Compiled, placements: Placements, budget: Budget) -> Placements:
    """The plan after every cost-lowering move found before the budget is spent."""
    state = Polisher(compiled, placements, keep_starts=True)
    timelines = Timelines(compiled, dict(placements))
    movable = set(state.free)
    moved = True
    while moved and budget.left() > 0:
        moved = False
        for j, (owner, own_start) in sorted(state.placement.items()):
            if j not in movable or state.load[owner] <= state.targets[owner]:
                continue
            if budget.left() <= 0:
                break
            job = compiled.jobs[j]
            for candidate in job.candidates:
                peer = candidate.agent
                if peer == owner or state.load[peer] + job.effort > state.targets[peer]:
                    continue
                start = timelines.earliest_fit(candidate, job.effort, state.not_before[peer])
                if start is None:
                    continue
                delta = state.evaluate({j: (peer, start)})
                if delta.cost >= state.cost or delta.excess > state.excess:
                    continue  # only cheaper, and never above the urgent caps (`solver.protect.UrgentCaps`)
                state.move(j, (peer, start), delta)
                timelines.unbook(owner, own_start, job.effort)
                timelines.book(peer, start, job.effort)
                moved = True
                break
    relieved = state.placements()
    return relieved if pins_hold(compiled, relieved) else dict(placements)
