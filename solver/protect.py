"""The weights every engine prices a plan with (`objective_weights`): the policy's term weights, and with
`Policy.protect_priorities` the core terms scaled so that no gain on the tie-break terms pays for them.

Rule. The tie-break terms (`TIE_BREAK`: fairness, spread, rank) keep their weights; the core terms
(lateness, deferral, overload, churn, waiting, share) are multiplied by the protection factor F = 1 + the largest
weighted total the tie-break terms can reach on this scenario (`tie_break_ceiling`, integers, from the
scenario alone). One weighted minute late (lateness weight >= 1, request weight >= 1) then costs at least F,
more than any plan can gain on on-time counts across departments, load spread and department ranks
together: a plan never takes a minute more lateness (or deferral, overload, churn or waiting) at any
priority, the highest included, to gain on those terms; among plans equal on the core terms they decide.
The priority weights still price one priority's minutes late against another's, and share (fair shares of
one priority's planned time, which never trades higher-priority work) stays with them.

Ceilings, per tie-break term (weight x the most its quantity can be): fairness 1000 per mille (0 with fewer
than two departments with open work); spread the largest load, in per mille, any one compared agent could
be given (every request it is qualified for); rank the horizon's minutes per rank pair (ends lie within
the horizon).

Urgent lateness capped (`UrgentCaps`). The weights above stop lateness being bought with the tie-breaks; they
still price a P1's minute late at the flat priority weights against lower priorities' lateness and deferral.
So, under `protect_priorities`, the P1 requests' minutes late and then the P2 requests' (`URGENT`; a request
left out counts from its due time to the horizon's end, `urgent_minutes`) are also hard limits: never above
what the help desk's plain routing plan (`solver.search.heuristic.route_help_desk`: priority order, earliest
start) reaches on the same scenario. That plan is the witness: it keeps every hard rule, so the limits can
always be met when it keeps the pins too (when it breaks one, the pin-aware priority-order routing is the
witness; when both break one, nothing is capped). Every engine honours them: the CP-SAT model and its
neighbourhoods as constraints (`UrgentCaps.add_to`), the local search and the relief pass in their acceptance,
`solver.run.plan` and the live re-plan on the plan they return. The caps count a request shared by an
accepted share and its parts once, by the rule lateness prices them with (`solver.terms.base`, `group_minutes`):
the shared request by its priced end (the latest end of it and its parts when all are placed, else its own;
left out, from its due time to the horizon's end), a placed part at nothing, a part left out as any request left
out (from its due time to the horizon's end: its work is not done, as it pays its own deferral). The witness is
counted the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solver.compile import Compiled, Job
from solver.terms import fairness
from solver.terms.base import past, priced_end, priced_ends, priced_past, team_end
from solver.terms.spread import per_mille
from triage.names import Priority, Term

if TYPE_CHECKING:
    from solver.build import Built

TIE_BREAK: frozenset[Term] = frozenset({Term.FAIRNESS, Term.SPREAD, Term.RANK})
"""The terms `protect_priorities` ranks below the rest: never bought with lateness."""


def tie_break_ceiling(compiled: Compiled) -> int:
    """The largest weighted total the tie-break terms can reach on this scenario (see the module's rule)."""
    weights = compiled.scenario.policy.term_weights
    spread_top = 0
    if len(compiled.spread_agents) >= 2:
        most = [0] * len(compiled.agents)
        for j, job in enumerate(compiled.jobs):
            for c in job.candidates:
                most[c.agent] += per_mille(compiled, j, c.agent)
        spread_top = max(most[a] for a in compiled.spread_agents)
    return (
        weights.fairness * (1000 if fairness.measured(len(compiled.departments)) else 0)
        + weights.spread * spread_top
        + weights.rank * len(compiled.rank_pairs) * compiled.horizon_minutes
    )


def protection_factor(compiled: Compiled) -> int:
    """What the core terms' weights are multiplied by: 1 + the tie-break ceiling with `protect_priorities`,
    else 1."""
    return 1 + tie_break_ceiling(compiled) if compiled.scenario.policy.protect_priorities else 1


def objective_weights(compiled: Compiled) -> dict[Term, int]:
    """Per term, the weight of one unit of its quantity in the objective every engine minimises."""
    weights = compiled.scenario.policy.term_weights
    factor = protection_factor(compiled)
    return {term: weights.of(term) * (1 if term in TIE_BREAK else factor) for term in Term}


URGENT: tuple[Priority, ...] = (Priority.P1, Priority.P2)
"""The priorities whose minutes late are capped at the witness routing plan's, highest first."""


def urgent_minutes(compiled: Compiled, job: Job, end: int | None) -> int:
    """Minutes late of a request for the caps: past its due time at its end; left out (None), from its due
    time to the horizon's end."""
    return max((compiled.horizon_minutes if end is None else end) - job.triage.due_minute, 0)


def group_minutes(compiled: Compiled, j: int, end_of: Callable[[int], int | None]) -> int:
    """Job j's minutes late for the caps by the group rule (see the module's rule), from each job's own team end
    (`end_of`, None when left out): a shared request by its priced end (`solver.terms.base.priced_end`), a placed
    part at 0, a part left out from its due time to the horizon's end."""
    job = compiled.jobs[j]
    end = end_of(j)
    if job.is_part:
        return 0 if end is not None else urgent_minutes(compiled, job, None)
    if end is not None:
        ends = [end_of(k) for k in compiled.parts.get(j, ())]
        if ends and None not in ends:
            end = max(end, *(e for e in ends if e is not None))
    return urgent_minutes(compiled, job, end)


@dataclass(frozen=True)
class UrgentCaps:
    """Per `URGENT` priority (tier), its requests and the most minutes late they may have together."""

    tier_of: Mapping[int, int]  # job index -> tier index (only jobs of an URGENT priority)
    caps: tuple[int, ...]  # per tier: the witness plan's minutes late
    witness: str  # which routing plan set them
    plan: Mapping[int, tuple[int, int]] = field(default_factory=dict, compare=False)  # the witness's placements

    def totals(self, compiled: Compiled, placements: Mapping[int, tuple[int, int]]) -> list[int]:
        """Per tier, the placements' minutes late."""
        out = [0] * len(self.caps)
        ends: dict[int, int] = {}

        def end_of(k: int) -> int | None:
            if k not in ends and (placement := placements.get(k)) is not None:
                ends[k] = team_end(compiled, k, placement)
            return ends.get(k)

        for j, t in self.tier_of.items():
            out[t] += group_minutes(compiled, j, end_of)
        return out

    def excess(self, totals: list[int]) -> int:
        """Minutes above the caps, summed over tiers: 0 when every cap holds."""
        return sum(max(total - cap, 0) for total, cap in zip(totals, self.caps, strict=True))

    def hold(self, compiled: Compiled, placements: Mapping[int, tuple[int, int]]) -> bool:
        return self.excess(self.totals(compiled, placements)) == 0

    def excess_of(self, compiled: Compiled, placements: Mapping[int, tuple[int, int]]) -> int:
        return self.excess(self.totals(compiled, placements))

    def limits(self, compiled: Compiled, start: Mapping[int, tuple[int, int]]) -> list[int]:
        """Per tier, the cap, or the start's minutes late where the start is above it already (a re-plan's
        previous plan): a model limited so always has the start as a solution."""
        return [max(cap, total) for cap, total in zip(self.caps, self.totals(compiled, start), strict=True)]

    def add_to(self, built: Built, compiled: Compiled, limits: list[int] | None = None) -> None:
        """Each tier's minutes late at most its cap (or `limits`, per tier) in the model, by the group rule
        (`group_minutes`): held requests as constants, free ones as the model places or defers them; a shared
        request whose priced end the model decides (it or a part free) by that end (`priced_past`)."""
        terms: list[list[cp_model.LinearExprT]] = [[] for _ in self.caps]
        constant = [0] * len(self.caps)
        free = built.scope.free
        held = {k: team_end(compiled, k, p) for k, p in built.scope.fixed.items() if k not in free}
        varied = priced_ends(built, compiled) if compiled.parts else {}
        for j, t in self.tier_of.items():
            job = compiled.jobs[j]
            due = job.triage.due_minute
            out = max(compiled.horizon_minutes - due, 0)  # left out: from its due time to the horizon's end
            if job.is_part:  # placed, priced with its shared request; left out, as any request left out
                if j in free:
                    terms[t].append(out * built.deferred[j])
                elif j not in held:
                    constant[t] += out
            elif j in compiled.parts and j in varied:
                _, deferred = varied[j]
                terms[t].append(priced_past(built, compiled, j, due, "urgent"))
                if deferred is not None:
                    terms[t].append(out * deferred)
            elif j in free:
                if j in built.team_end:
                    terms[t].append(past(built, compiled, j, due, "urgent"))
                terms[t].append(out * built.deferred[j])
            else:
                constant[t] += urgent_minutes(compiled, job, priced_end(compiled, j, held))
        for t, cap in enumerate(limits or self.caps):
            if terms[t]:
                built.model.add(cp_model.LinearExpr.sum(terms[t]) + constant[t] <= cap)


def urgent_caps(compiled: Compiled) -> UrgentCaps | None:
    """The caps of this scenario under `protect_priorities` (see the module's rule), else None."""
    from solver.evaluate import pins_hold  # here: solver.evaluate imports the term modules, which import compile
    from solver.search.heuristic import route_earliest_finish, route_help_desk

    if not compiled.scenario.policy.protect_priorities:
        return None
    tiers = {p: t for t, p in enumerate(URGENT)}
    tier_of = {j: tiers[job.triage.priority] for j, job in enumerate(compiled.jobs) if job.triage.priority in tiers}
    if not tier_of:
        return None
    witnesses: list[tuple[str, Callable[[], dict[int, tuple[int, int]]]]] = [
        ("the help desk's routing (priority order, earliest start)", lambda: route_help_desk(compiled)),
        (
            "priority-order routing (earliest finish, pins kept)",
            lambda: {p.job: (p.agent, p.own_start) for p in route_earliest_finish(compiled)},
        ),
    ]
    for name, route in witnesses:
        placements = route()
        if pins_hold(compiled, placements):
            caps = UrgentCaps(tier_of, (0,) * len(URGENT), name)
            return UrgentCaps(tier_of, tuple(caps.totals(compiled, placements)), name, placements)
    return None
