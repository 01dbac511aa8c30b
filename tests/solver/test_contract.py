"""The CP-SAT model's terms are held to the direct price (`solver.evaluate`), number for number.

- Per term, on fixed placements: the model is built, every decision forced to the placements, and the term's
  expression both minimised and maximised; both must equal the direct quantity. Maximising is what catches
  a helper variable bounded from one side only (tight at an optimum, free above it).
- The whole model: after a solve, its objective equals the direct price of the placements read back, for
  the full model and for a neighbourhood (part of the plan held fixed as constants).
- The hand-computed plan of the checker's tests, priced directly and by the model.
"""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from fixtures.generate import generate_scenario
from solver.build import Built, Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.evaluate import Placements, term_quantities, total_cost
from solver.run import add_hint, read_placements
from solver.search.heuristic import best_routing
from solver.search.lns import neighbourhood, sharing
from solver.terms import REQUEST_TERMS, TERMS
from tests.triage.test_validation import HAND_VALUES, hand_scenario
from triage.names import Term


def force(built: Built, placements: Placements) -> None:
    """Every request the model decides, fixed where the placements put it (or deferred)."""
    for j in built.scope.free:
        chosen = placements.get(j)
        built.model.add(built.deferred[j] == int(chosen is None))
        if chosen is not None:
            built.model.add(built.present[j, chosen[0]] == 1)
            built.model.add(built.own_start[j, chosen[0]] == chosen[1])


def solved_extremes(compiled: Compiled, scope: Scope, placements: Placements, term: Term) -> tuple[int, int]:
    """The term's CP-SAT value with the placements forced, minimised and maximised (one worker)."""
    out = []
    for sense in ("min", "max"):
        built = build_model(compiled, scope)
        force(built, placements)
        expression = built.quantities[term]
        if sense == "min":
            built.model.minimize(expression)
        else:
            built.model.maximize(expression)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10.0
        assert solver.solve(built.model) == cp_model.OPTIMAL, f"{term}: forced placements infeasible"
        out.append(round(solver.objective_value))
    return out[0], out[1]


def small_case(seed: int, agents: int, requests: int, days: int, load: float) -> tuple[Compiled, Placements]:
    """A generated scenario and a valid plan of it: the routing plan with some requests left out; about
    half the requests have a reference agent (as a previous plan gives), so that churn counts."""
    compiled = compile_scenario(generate_scenario(agents, requests, days, seed, load))
    rng = random.Random(seed)
    jobs = [
        dataclasses.replace(job, reference_agent=rng.randrange(agents)) if rng.random() < 0.5 else job
        for job in compiled.jobs
    ]
    compiled = dataclasses.replace(compiled, jobs=jobs)
    placements = {j: p for j, p in best_routing(compiled).items() if rng.random() > 0.2}
    return compiled, placements


cases = st.tuples(
    st.integers(0, 10_000), st.integers(2, 4), st.integers(4, 12), st.integers(1, 2), st.sampled_from([0.6, 1.1, 1.8])
)


def a_scope(compiled: Compiled, placements: Placements, seed: int) -> Scope:
    """A neighbourhood as the large-neighbourhood search draws it: some agents' requests free, the rest held."""
    rng = random.Random(seed)
    return neighbourhood(compiled, placements, sharing(compiled), rng, max(2, len(compiled.jobs) // 2))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_each_term_on_forced_placements_equals_its_direct_quantity(case: tuple[int, int, int, int, float]) -> None:
    compiled, placements = small_case(*case)
    direct = term_quantities(compiled, placements)
    for scope in (Scope.everything(compiled), a_scope(compiled, placements, case[0])):
        for term in Term:
            assert solved_extremes(compiled, scope, placements, term) == (direct[term], direct[term]), term


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_the_models_objective_after_a_solve_is_the_direct_price(case: tuple[int, int, int, int, float]) -> None:
    compiled, placements = small_case(*case)
    for scope in (Scope.everything(compiled), a_scope(compiled, placements, case[0])):
        built = build_model(compiled, scope)
        add_hint(built, placements)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = case[0]
        solver.parameters.max_deterministic_time = 0.2  # an early solution too: it must be exact, not optimal
        status = solver.solve(built.model)
        assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        assert round(solver.objective_value) == total_cost(compiled, read_placements(built, solver))


def hand_placements(compiled: Compiled) -> Placements:
    """The checker's hand plan in the compiled form (full-timers: own axis = team axis)."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    rows = [("A", "ana", 0), ("B", "ana", 300), ("C", "ben", 0), ("E", "ben", 60)]
    return {jobs[r]: (agents[a], start) for r, a, start in rows}


def test_the_hand_plan_priced_directly_and_by_the_model() -> None:
    compiled = compile_scenario(hand_scenario())
    placements = hand_placements(compiled)
    assert term_quantities(compiled, placements) == HAND_VALUES
    for term in Term:
        assert solved_extremes(compiled, Scope.everything(compiled), placements, term) == (HAND_VALUES[term],) * 2


def test_the_registry_lists_every_term_once_in_the_order_of_the_names() -> None:
    assert [t.term for t in TERMS] == list(Term)
    assert [term for term, _ in REQUEST_TERMS] == [Term.LATENESS, Term.DEFERRAL, Term.CHURN, Term.WAITING]
