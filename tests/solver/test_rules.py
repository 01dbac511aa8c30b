"""The hard rules of `solver.rules`: what each pin kind means (`Pins.holds`, the one definition every engine
reads) agrees with the independent checker on any placements, kept or broken, and each builder alone on a
micro-model."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver.build import Built, Scope
from solver.compile import compile_scenario
from solver.rules import add_assignment, add_availability_and_release, add_no_overlap
from solver.run import extract_plan
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.test_properties import scenarios
from triage.model import Scenario
from triage.names import PlanStatus, Rule
from triage.validation import check_plan


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(with_pins=True), st.randoms(use_true_random=False))
def test_what_a_pin_means_is_what_the_checker_says_on_any_placements(s: Scenario, rng: random.Random) -> None:
    compiled = compile_scenario(s)
    placements: dict[int, tuple[int, int]] = {}
    for j, job in enumerate(compiled.jobs):
        if job.candidates and rng.random() < 0.85:
            c = rng.choice(job.candidates)
            placements[j] = (c.agent, rng.randint(c.earliest_start, c.latest_start))
    result = extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test")
    broken = any(v.rule == Rule.PINS for v in check_plan(s, result))
    assert compiled.pins.holds(compiled, placements) == (not broken)


def _micro() -> tuple[Built, Scenario]:
    s = scenario([agent("ana"), agent("ben")], [request("A"), request("B")], policy=flat_policy(60))
    compiled = compile_scenario(s)
    built = Built(cp_model.CpModel(), Scope.everything(compiled))
    add_assignment(built, compiled)
    add_availability_and_release(built, compiled)
    return built, s


def test_assignment_gives_each_request_one_agent_or_defers_it() -> None:
    built, _ = _micro()
    assert sorted(v.name for v in built.present.values()) == [
        "assigned[A,ana]",
        "assigned[A,ben]",
        "assigned[B,ana]",
        "assigned[B,ben]",
    ]
    model = built.model
    model.add(built.present[0, 0] + built.present[0, 1] + built.deferred[0] >= 2)  # twice: impossible
    assert cp_model.CpSolver().solve(model) == cp_model.INFEASIBLE


def test_no_overlap_keeps_one_agents_requests_apart() -> None:
    built, s = _micro()
    compiled = compile_scenario(s)
    add_no_overlap(built, compiled)
    for j in (0, 1):
        built.model.add(built.present[j, 0] == 1)  # both on ana
    built.model.add(built.own_start[0, 0] == built.own_start[1, 0])  # at the same minute
    assert cp_model.CpSolver().solve(built.model) == cp_model.INFEASIBLE
