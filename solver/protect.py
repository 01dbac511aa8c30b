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
"""

from __future__ import annotations

from solver.compile import Compiled
from solver.terms import fairness
from solver.terms.spread import per_mille
from triage.names import Term

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
