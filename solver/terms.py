"""Soft terms: one builder each, returning its quantity (unweighted, in its unit) as a linear expression.
Requests and agents held fixed by the scope contribute constants priced by `solver.evaluate`, so each
quantity is the whole plan's."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled
from solver.evaluate import job_cost, load_per_mille, on_time_rate
from triage.names import Term


def all_terms(built: Built, compiled: Compiled) -> dict[Term, LinearExpr]:
    """Every soft term, in the order of `triage.names.Term`."""
    on_time = on_time_literals(built, compiled)
    return {
        Term.LATENESS: lateness(built, compiled),
        Term.DEFERRAL: deferral(built, compiled),
        Term.OVERLOAD: overload(built, compiled),
        Term.SPREAD: spread(built, compiled),
        Term.CHURN: churn(built, compiled),
        Term.FAIRNESS: fairness(built, compiled, on_time),
        Term.WAITING: waiting(built, compiled),
        Term.RANK: rank(built, compiled),
        Term.SHARE: share(built, compiled),
    }


def _fixed_sum(built: Built, compiled: Compiled, part: str) -> int:
    """A per-request term's constant: the held-fixed requests, placed or deferred."""
    held = (j for j in range(len(compiled.jobs)) if j not in built.scope.free)
    return sum(getattr(job_cost(compiled, j, built.scope.fixed.get(j)), part) for j in held)


def _past(built: Built, compiled: Compiled, j: int, limit: int, name: str) -> cp_model.IntVar:
    """Minutes the request's end lies past `limit` on the team axis when it is placed, exactly
    max(end - limit, 0); 0 when deferred (its end is then unconstrained, so it must not count)."""
    bound = compiled.horizon_minutes + max(-limit, 0)
    request_id = compiled.jobs[j].request.id
    late = built.model.new_int_var(0, bound, f"{name}_if_placed[{request_id}]")
    built.model.add_max_equality(late, [built.team_end[j] - limit, 0])
    over = built.model.new_int_var(0, bound, f"{name}[{request_id}]")
    built.model.add(over == late).only_enforce_if(~built.deferred[j])
    built.model.add(over == 0).only_enforce_if(built.deferred[j])
    return over


def lateness(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term lateness: priority weight x department weight x ageing factor x business minutes past due."""
    variable = [
        compiled.jobs[j].triage.weight * _past(built, compiled, j, compiled.jobs[j].triage.due_minute, Term.LATENESS)
        for j in sorted(built.team_end)
    ]
    return _fixed_sum(built, compiled, "lateness") + cp_model.LinearExpr.sum(variable)


def deferral(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term deferral: a request left out pays weight x (minutes from due to the horizon's end + extra)."""
    variable = [
        compiled.jobs[j].triage.weight * compiled.deferral_minutes(compiled.jobs[j]) * built.deferred[j]
        for j in sorted(built.scope.free)
    ]
    return _fixed_sum(built, compiled, "deferral") + cp_model.LinearExpr.sum(variable)


def waiting(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term waiting (anti-starvation): business minutes a request stays open past its priority's maximum
    wait, whatever its weight; a deferred request is counted to the horizon's end plus the deferral extra."""
    extra = compiled.scenario.policy.deferral_extra_minutes
    variable: list[LinearExpr] = []
    for j in sorted(built.scope.free):
        limit = compiled.jobs[j].triage.max_wait_minute
        variable.append((max(compiled.horizon_minutes - limit, 0) + extra) * built.deferred[j])
        if j in built.team_end:
            variable.append(_past(built, compiled, j, limit, Term.WAITING))
    return _fixed_sum(built, compiled, "waiting") + cp_model.LinearExpr.sum(variable)


def churn(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term churn: requests placed with another agent than their owner (or the previous plan's agent)."""
    moved = [
        var
        for (j, a), var in built.present.items()
        if compiled.jobs[j].reference_agent is not None and compiled.jobs[j].reference_agent != a
    ]
    return _fixed_sum(built, compiled, "churn") + cp_model.LinearExpr.sum(moved)


def _agent_sums(built: Built, compiled: Compiled, *, per_mille: bool) -> dict[int, LinearExpr]:
    """Per agent the scope may give work to: the free requests' effort (or per-mille load) if chosen."""
    sums: dict[int, list[LinearExpr]] = {}
    for (j, a), var in built.present.items():
        effort = compiled.jobs[j].effort
        value = load_per_mille(compiled, a, effort) if per_mille else effort
        sums.setdefault(a, []).append(value * var)
    return {a: cp_model.LinearExpr.sum(parts) for a, parts in sums.items()}


def _held(built: Built, compiled: Compiled, *, per_mille: bool) -> list[int]:
    """Per agent: the held-fixed requests' effort (or per-mille load)."""
    out = [0] * len(compiled.agents)
    for k, (a, _) in built.scope.fixed.items():
        effort = compiled.jobs[k].effort
        out[a] += load_per_mille(compiled, a, effort) if per_mille else effort
    return out


def overload(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term overload: business minutes planned for an agent above their target load, summed."""
    variable = _agent_sums(built, compiled, per_mille=False)
    held_by = _held(built, compiled, per_mille=False)
    most = held_by.copy()  # minutes if every free request that may go to the agent did
    for j, a in built.present:
        most[a] += compiled.jobs[j].effort
    parts: list[LinearExpr] = []
    for a, agent in enumerate(compiled.agents):
        target = agent.target_minutes
        held = held_by[a]
        if a not in variable:
            parts.append(max(held - target, 0))
            continue
        over = built.model.new_int_var(0, max(most[a] - target, 0), f"{Term.OVERLOAD}[{agent.agent.id}]")
        built.model.add_max_equality(over, [held + variable[a] - target, 0])
        parts.append(over)
    return cp_model.LinearExpr.sum(parts)


def spread(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term spread: the most loaded agent's load minus the least loaded one's, over agents with working
    time who hold the skills of at least one open request. Load: the sum over an agent's requests of
    effort x 1000 // available minutes (per mille, rounded down per request)."""
    if len(compiled.spread_agents) < 2:
        return 0
    variable = _agent_sums(built, compiled, per_mille=True)
    held = _held(built, compiled, per_mille=True)
    most = held.copy()  # per mille if every free request that may go to the agent did (no overlap can be off)
    for j, a in built.present:
        most[a] += load_per_mille(compiled, a, compiled.jobs[j].effort)
    loads = [held[a] + variable.get(a, 0) for a in compiled.spread_agents]
    top = max(most[a] for a in compiled.spread_agents)
    high = built.model.new_int_var(0, top, f"{Term.SPREAD}[max]")
    low = built.model.new_int_var(0, top, f"{Term.SPREAD}[min]")
    built.model.add_max_equality(high, loads)
    built.model.add_min_equality(low, loads)
    return high - low


def on_time_literals(built: Built, compiled: Compiled) -> dict[int, cp_model.IntVar]:
    """For each free placeable request, a literal that is true exactly when it is placed and ends by its due."""
    out = {}
    for j, end in built.team_end.items():
        due = compiled.jobs[j].triage.due_minute
        lit = built.model.new_bool_var(f"on_time[{compiled.jobs[j].request.id}]")
        built.model.add_implication(lit, ~built.deferred[j])
        built.model.add(end <= due).only_enforce_if(lit)
        built.model.add(end >= due + 1).only_enforce_if([~lit, ~built.deferred[j]])
        out[j] = lit
    return out


def fairness(built: Built, compiled: Compiled, on_time: dict[int, cp_model.IntVar]) -> LinearExpr:
    """Soft term fairness: how far the worst-served department's on-time rate falls short of all on time,
    in per mille (1000 - the lowest rate, each rate rounded down), over departments with open requests.
    Only the worst-served department counts, so serving a department worse never lowers the term."""
    count = len(compiled.departments)
    if count == 0:
        return 0
    totals, held = [0] * count, [0] * count
    variable: list[list[LinearExpr]] = [[] for _ in range(count)]
    for j, job in enumerate(compiled.jobs):
        totals[job.department] += 1
        if j in on_time:
            variable[job.department].append(on_time[j])
        elif j not in built.scope.free:
            held[job.department] += job_cost(compiled, j, built.scope.fixed.get(j)).on_time
    rates: list[LinearExpr] = []
    for d in range(count):
        if not variable[d]:
            rates.append(on_time_rate(held[d], totals[d]))
            continue
        rate = built.model.new_int_var(0, 1000, f"{Term.FAIRNESS}[{compiled.departments[d]}]")
        on = held[d] + cp_model.LinearExpr.sum(variable[d])
        built.model.add(totals[d] * rate <= 1000 * on)  # rate = 1000 x on // total: the largest such
        built.model.add(totals[d] * rate >= 1000 * on - (totals[d] - 1))
        rates.append(rate)
    low = built.model.new_int_var(0, 1000, f"{Term.FAIRNESS}[min]")
    built.model.add_min_equality(low, rates)
    return 1000 - low


def _end_of(built: Built, compiled: Compiled, j: int) -> LinearExpr | None:
    """A request's team-axis end: its variable when free and placeable, a number when held placed, None
    when it is held deferred or cannot be placed."""
    if j in built.team_end:
        return built.team_end[j]
    if j not in built.scope.free and j in built.scope.fixed:
        agent, start = built.scope.fixed[j]
        return compiled.agents[agent].team_end(start + compiled.jobs[j].effort)
    return None


def rank(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term rank: for each request and the one its department ranks next below it (same priority, so
    nothing else decides between them), the minutes the more important one finishes after the other, when
    both are placed."""
    parts: list[LinearExpr] = []
    for hi, lo in compiled.rank_pairs:
        end_hi, end_lo = _end_of(built, compiled, hi), _end_of(built, compiled, lo)
        if end_hi is None or end_lo is None:
            continue
        if isinstance(end_hi, int) and isinstance(end_lo, int):
            parts.append(max(end_hi - end_lo, 0))
            continue
        name = f"{Term.RANK}[{compiled.jobs[hi].request.id},{compiled.jobs[lo].request.id}]"
        horizon = compiled.horizon_minutes
        later = built.model.new_int_var(0, horizon, f"{name}_if_placed")
        built.model.add_max_equality(later, [cp_model.LinearExpr.weighted_sum([end_hi, end_lo], [1, -1]), 0])
        after = built.model.new_int_var(0, horizon, name)
        may_defer = [built.deferred[j] for j in (hi, lo) if j in built.deferred]
        built.model.add(after == later).only_enforce_if([~d for d in may_defer])
        for deferred in may_defer:  # a deferred request's end is unconstrained: the pair counts nothing
            built.model.add(after == 0).only_enforce_if(deferred)
        parts.append(after)
    return cp_model.LinearExpr.sum(parts)


def share(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term share: per priority, for each department that asks for at least its fair share of that
    priority's work, priority weight x the minutes its planned work of that priority falls short of its fair
    share of all planned work of that priority (rounded up). Higher-priority work is never traded for it."""
    parts: list[LinearExpr] = []
    for share_class in compiled.share_classes:
        held = dict.fromkeys(share_class.fair, 0)
        for k in built.scope.fixed:
            if compiled.jobs[k].triage.priority == share_class.priority:
                held[compiled.jobs[k].department] += compiled.jobs[k].effort
        free: dict[int, list[LinearExpr]] = {d: [] for d in share_class.fair}
        for (j, _), var in built.present.items():
            if compiled.jobs[j].triage.priority == share_class.priority:
                free[compiled.jobs[j].department].append(compiled.jobs[j].effort * var)
        planned = {d: held[d] + cp_model.LinearExpr.sum(free[d]) for d in share_class.fair}
        total = cp_model.LinearExpr.sum(list(planned.values()))
        bound = sum(job.effort for job in compiled.jobs)
        for d in sorted(share_class.eligible):
            name = f"{Term.SHARE}[{share_class.priority.value},{compiled.departments[d]}]"
            gap = share_class.fair[d] * total - 1000 * planned[d]  # per mille x minutes below the fair share
            rounded_up = built.model.new_int_var(-bound, bound, f"{name}_signed")
            built.model.add(1000 * rounded_up >= gap)  # the smallest such integer: gap / 1000 rounded up
            built.model.add(1000 * rounded_up <= gap + 999)
            short = built.model.new_int_var(0, bound, name)
            built.model.add_max_equality(short, [rounded_up, 0])
            parts.append(share_class.priority_weight * short)
    return cp_model.LinearExpr.sum(parts)
