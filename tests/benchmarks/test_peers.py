"""The peer benchmark: its scenario profile has the properties it claims, and every peer's plan is valid
under the independent checker and priced as the checker prices it, on small scenarios."""

from __future__ import annotations

import math
from collections import Counter
from functools import cache

import pytest

import solver.run
from benchmarks import peer_bench
from benchmarks.atc import dispatch, plan_atc, plan_atc_within_caps
from benchmarks.baselines import plan_earliest_start, plan_round_robin
from benchmarks.interval_peer import plan_interval_model, route_without_pauses
from benchmarks.isolate import Measured
from fixtures.generate import SIZES, generate_scenario, main, scenario_json
from fixtures.peers import PRIORITY_SHARES, generate_peer_scenario, rare_skills
from solver.compile import compile_scenario
from solver.search.heuristic import dispatch_atc
from tests.builders import agent, request, scenario
from triage.calendar import BusinessAxis
from triage.intake import load_scenario_json
from triage.model import Scenario
from triage.names import Priority, RequestStatus
from triage.results import Plan
from triage.validation import check_plan, term_quantities


@cache
def peer(size: str, seed: int = 1) -> Scenario:
    return generate_peer_scenario(*SIZES[size], seed=seed)


def capacity_minutes(s: Scenario) -> int:
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    return sum(high - low for a in s.agents for low, high in axis.agent_windows(a))


def assert_valid_and_priced(s: Scenario, result: Plan) -> None:
    assert check_plan(s, result) == []
    assert {t.term: t.quantity for t in result.terms} == term_quantities(s, result)
    assert result.objective == sum(t.value for t in result.terms)


# -- the profile ----------------------------------------------------------------------------------------------


def test_the_profile_is_deterministic_and_loads_through_the_projects_own_reader() -> None:
    first, again = scenario_json(generate_peer_scenario(25, 300, 5, seed=3)), scenario_json(peer("M", 3))
    assert first == again
    assert load_scenario_json(first).requests == peer("M", 3).requests
    assert scenario_json(peer("M", 4)) != first


def test_the_default_generator_is_unchanged_by_the_profile_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--size", "S", "--seed", "2"]) == 0
    assert capsys.readouterr().out == scenario_json(generate_scenario(*SIZES["S"], seed=2)) + "\n"
    assert main(["--size", "S", "--seed", "2", "--profile", "peers"]) == 0
    assert capsys.readouterr().out == scenario_json(peer("S", 2)) + "\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_load_is_drawn_between_0_9_and_1_3(seed: int) -> None:
    s = peer("M", seed)
    load = sum(r.effort_minutes for r in s.requests) / capacity_minutes(s)
    assert 0.9 - 0.01 <= load <= 1.3 + 0.01
    given = generate_peer_scenario(*SIZES["S"], seed=seed, load=0.7)
    assert sum(r.effort_minutes for r in given.requests) / capacity_minutes(given) == pytest.approx(0.7, abs=0.01)


def test_priorities_follow_4_14_42_40_per_cent_as_planned() -> None:
    s = peer("L")
    jobs = compile_scenario(s).jobs
    counts = Counter(job.triage.priority for job in jobs)
    for priority, share in PRIORITY_SHARES.items():
        expected, sd = share * len(jobs), math.sqrt(share * (1 - share) * len(jobs))
        assert abs(counts[priority] - expected) <= 4 * sd, (priority, counts[priority])
    assert not any(job.triage.urgency_discounted for job in jobs)


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_rare_skills_are_held_by_one_or_two_people(size: str) -> None:
    s = peer(size)
    holders = Counter(skill for a in s.agents for skill in a.skills)
    rare = rare_skills([skill.id for skill in s.skills])
    assert len(rare) >= 2
    assert all(1 <= holders[skill] <= 2 for skill in rare)
    assert all(a.skills for a in s.agents)
    needing = [r for r in s.requests if set(r.required_skills) & set(rare)]
    assert needing  # the rare skills are asked for


def test_part_timers_off_days_owners_releases_and_deadlines() -> None:
    s = peer("L")
    assert sum(a.working_hours is not None for a in s.agents) == round(0.25 * len(s.agents))
    assert sum(bool(a.time_off) for a in s.agents) == round(0.15 * len(s.agents))
    owned = [r for r in s.requests if r.owner]
    assert abs(len(owned) / len(s.requests) - 1 / 3) < 0.05
    assert all(r.status == RequestStatus.OPEN for r in s.requests if r.created_at > s.now)
    released = [r for r in s.requests if r.created_at > s.now]
    assert 0.15 < len(released) / len(s.requests) < 0.25
    assert 0.2 < sum(r.deadline is not None for r in s.requests) / len(s.requests) < 0.3
    assert all(r.deadline > r.created_at for r in s.requests if r.deadline)


# -- the interval model -----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_the_interval_models_plans_are_valid_and_never_pause(seed: int) -> None:
    s = peer("S", seed)
    result = plan_interval_model(s, 3.0)
    assert_valid_and_priced(s, result)
    assert "CP-SAT" in result.bound_source
    effort = {r.id: r.effort_minutes for r in s.requests}
    assert all(a.end_minute - a.start_minute == effort[a.request_id] for a in result.assignments)


def test_the_routing_hint_never_pauses_and_is_valid() -> None:
    s = peer("M")
    compiled = compile_scenario(s)
    hint = route_without_pauses(compiled)
    for j, (a, start) in hint.items():
        end = start + compiled.jobs[j].effort
        assert any(low <= start and end <= high for low, high in compiled.agents[a].windows)
    result = plan_interval_model(s, 1.0, max_pairs=0)
    assert "not built" in result.bound_source
    assert_valid_and_priced(s, result)
    assert len(result.assignments) == len(hint)


def _mornings_team() -> Scenario:
    """Pat works mornings only (4 h), Kim full days; a P2 of 5 h and a P4 of 1 h, both for the network skill."""
    mornings = {day: ["09:00-13:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    return scenario(
        [agent("pat", working_hours=mornings), agent("kim")],
        [
            request("LONG", 300, impact="team", urgency="work_stopped"),
            request("SHORT", 60, impact="person", urgency="can_wait"),
        ],
    )


def test_the_interval_model_keeps_work_off_absences_and_solves_a_small_case_to_its_optimum() -> None:
    s = _mornings_team()
    result = plan_interval_model(s, 5.0)
    assert_valid_and_priced(s, result)
    placed = {a.request_id: a for a in result.assignments}
    assert placed["LONG"].agent_id == "kim"  # 5 h do not fit in a 4-hour morning without pausing
    assert all(a.minutes_late == 0 for a in result.assignments) and not result.unassigned
    assert result.bound_source.startswith("interval model, CP-SAT optimal")


# -- the dispatcher ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dispatchers_plans_are_valid_and_priced_like_the_checker(seed: int) -> None:
    s = peer("S", seed)
    assert_valid_and_priced(s, plan_atc(s))


def test_the_dispatcher_is_valid_on_the_default_profile_too() -> None:
    s = generate_scenario(12, 90, 2, seed=4, load=1.4)
    assert_valid_and_priced(s, plan_atc(s))


def test_the_dispatcher_takes_the_highest_cost_per_minute_first_when_slack_is_equal() -> None:
    # one agent, three P2 requests of one hour due at the same time: the department's weight decides
    departments = [{"id": f"d{w}", "name": f"Weight {w}", "weight": w} for w in (1, 2, 3)]
    s = scenario(
        [agent("a")],
        [request(f"R{w}", 60, department=f"d{w}", impact="team", urgency="work_stopped") for w in (2, 1, 3)],
        departments=departments,
    )
    compiled = compile_scenario(s)
    placements = dispatch(compiled)
    order = sorted(placements, key=lambda j: placements[j][1])
    assert [compiled.jobs[j].request.id for j in order] == ["R3", "R2", "R1"]


def test_the_dispatcher_puts_the_request_with_less_slack_first_at_equal_weight_and_effort() -> None:
    # two P3 requests of two hours: one due in a day, one by 11:30 today (listed second, so a tie would
    # go to the first)
    s = scenario(
        [agent("a")],
        [
            request("LATER", 120, impact="team", urgency="inconvenient"),
            request("SOON", 120, impact="team", urgency="inconvenient", deadline="2026-11-23T11:30:00"),
        ],
    )
    compiled = compile_scenario(s)
    jobs = compiled.job_index()
    assert compiled.jobs[jobs["LATER"]].triage.weight == compiled.jobs[jobs["SOON"]].triage.weight
    placements = dispatch(compiled)
    assert placements[jobs["SOON"]][1] == 0 and placements[jobs["LATER"]][1] == 120


def test_the_dispatcher_waits_for_a_request_filed_later_and_holds_owners_when_asked() -> None:
    s = scenario(
        [agent("a"), agent("b")],
        [
            request("LATER", 60, created_at="2026-11-23T11:00:00"),
            request("MINE", 60, owner="b"),
        ],
    )
    compiled = compile_scenario(s)
    jobs = compiled.job_index()
    loose, held = dispatch(compiled, owner_first=False), dispatch(compiled, owner_first=True)
    assert loose[jobs["LATER"]][1] == 120 and held[jobs["LATER"]][1] == 120  # filed at 11:00, two hours in
    assert held[jobs["MINE"]][0] == compiled.agent_index()["b"]
    assert_valid_and_priced(s, plan_atc(s))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_peer_honours_work_that_may_not_pause(seed: int) -> None:
    s = peer_bench.with_variant(peer("S", seed), "effort-no-pause")
    assert not s.policy.pausable and s.policy.deferral_per_effort_minute == peer_bench.EFFORT_PRICE
    for planner in (plan_atc, plan_earliest_start, plan_round_robin):
        assert_valid_and_priced(s, planner(s))
    modelled = plan_interval_model(s, 3.0)
    assert_valid_and_priced(s, modelled)
    assert "never pauses" not in modelled.bound_source  # here the model's rule is the policy's
    assert "never pauses" in plan_interval_model(peer("S", seed), 3.0).bound_source


def test_the_dispatchers_start_work_that_may_not_pause_in_the_next_stretch() -> None:
    # a works 09:00-13:00: filed at 12:00 (axis 180), 120 minutes start Tuesday 09:00 (480), not at 12:00
    mornings = {day: ["09:00-13:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    s = scenario(
        [agent("a", working_hours=mornings)],
        [request("R", 120, created_at="2026-11-23T12:00:00")],
        policy={"pausable": False},
    )
    for planner in (plan_atc, plan_earliest_start, plan_round_robin):
        result = planner(s)
        assert [(a.start_minute, a.end_minute) for a in result.assignments] == [(480, 600)]
        assert_valid_and_priced(s, result)


def test_both_dispatchers_fill_the_gap_before_fixed_work_with_what_ends_by_its_start() -> None:
    # one agent; FIXED held at 120-180 (own minutes): SHORT (60) fits before it, LONG (150) does not and goes
    # after it; nothing starts inside the block
    s = scenario([agent("a")], [request("FIXED"), request("SHORT", 60), request("LONG", 150)])
    compiled = compile_scenario(s)
    jobs, a = compiled.job_index(), compiled.agent_index()["a"]
    fixed = {jobs["FIXED"]: (a, 120)}
    expected = {jobs["FIXED"]: (a, 120), jobs["SHORT"]: (a, 0), jobs["LONG"]: (a, 180)}
    assert dispatch(compiled, fixed=fixed) == expected
    assert dispatch_atc(compiled, fixed=fixed) == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_the_dispatcher_within_the_caps_keeps_them_and_is_the_plain_one_without_them(seed: int) -> None:
    s = peer("S", seed)
    compiled = compile_scenario(s)
    caps = compiled.urgent_caps
    assert caps is not None
    result = plan_atc_within_caps(s)
    assert_valid_and_priced(s, result)
    assert peer_bench.caps_excess(compiled, result) == (0, 0)
    placed = {x.request_id: (x.agent_id, x.start_minute) for x in result.assignments}
    for j, (a, own) in caps.plan.items():
        if j in caps.tier_of:  # urgent work exactly where the witness has it
            agent_time = compiled.agents[a]
            assert placed[compiled.jobs[j].request.id] == (agent_time.agent.id, agent_time.team_start(own))
    off = peer_bench.with_variant(s, "protect-off")
    assert compile_scenario(off).urgent_caps is None
    assert plan_atc_within_caps(off).assignments == plan_atc(off).assignments


def test_the_caps_column_counts_as_the_caps_do() -> None:
    s = peer("S")
    compiled = compile_scenario(s)
    caps = compiled.urgent_caps
    assert caps is not None
    placements = dispatch(compiled)
    result = plan_atc(s)
    row = peer_bench.make_row("S", 1, "base", 10.0, "atc", s, _measured(result))
    totals = caps.totals(compiled, placements)
    assert row.caps_excess == tuple(max(t - c, 0) for t, c in zip(totals, caps.caps, strict=True))
    assert peer_bench.keeps_caps(row) == caps.hold(compiled, placements)
    above = " / +".join(f"{x:,}" for x in row.caps_excess or ())
    assert peer_bench.caps_cell(row) == ("yes" if caps.hold(compiled, placements) else f"**no**: +{above}")
    off = peer_bench.with_variant(s, "protect-off")
    assert (
        peer_bench.caps_cell(peer_bench.make_row("S", 1, "protect-off", 10.0, "atc", off, _measured(plan_atc(off))))
        == "off"
    )


# -- the runner ---------------------------------------------------------------------------------------------------


def test_a_rows_figures_are_recomputed_from_the_plan() -> None:
    s = peer("S")
    result = plan_atc(s)
    row = peer_bench.make_row("S", 1, "base", 10.0, "atc", s, _measured(result))
    jobs = {job.request.id: job for job in compile_scenario(s).jobs}
    assert row.cost == result.objective and row.objective_matches and row.violations == 0
    late = sum(jobs[a.request_id].triage.weight * a.minutes_late for a in result.assignments)
    left = sum(10 * jobs[u.request_id].triage.weight * jobs[u.request_id].effort for u in result.unassigned)
    assert row.bench_cost == late + left
    p2 = [a.minutes_late for a in result.assignments if a.priority == Priority.P2]
    horizon = compile_scenario(s).horizon_minutes
    p2 += [max(horizon - jobs[u.request_id].triage.due_minute, 0) for u in result.unassigned if u.priority == "P2"]
    assert row.p2_late_minutes == sum(p2)
    assert row.on_time + sum(1 for a in result.assignments if a.minutes_late) == len(result.assignments)


def _measured(result: Plan) -> Measured:
    return Measured(result, 0.01, 100.0)


@pytest.mark.slow
def test_the_runner_produces_the_table_and_the_target_lines(tmp_path) -> None:
    out = tmp_path / "peers.md"
    argv = [
        "--sizes",
        "S",
        "--seeds",
        "1",
        "--limits-S",
        "1",
        "--planners",
        "planner",
        "atc",
        "earliest-start",
        "--markdown",
        str(out),
    ]
    assert peer_bench.main(argv) == 0
    text = out.read_text()
    assert text.count("| S | 1 | base | 1 | ") == 3
    assert "against the cheapest peer's" in text and "against routing's" in text
    assert "INVALID" not in text
    assert "to its bound (" in text  # the planner's note names the bound its gap is measured against


def test_the_planners_schedule_can_be_changed_field_by_field_and_a_bad_value_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = peer_bench.parse_arguments(["--planner-schedule", "small_polish_share=0.9", "small_first_solve_share=0.1"])
    assert dict(args.planner_schedule) == {"small_polish_share": 0.9, "small_first_solve_share": 0.1}
    assert peer_bench.parse_arguments([]).planner_schedule == []
    for bad, says in [("small_polish_share=1.5", "small_polish_share"), ("polish=0.5", "NAME=VALUE")]:
        with pytest.raises(SystemExit):
            peer_bench.parse_arguments(["--planner-schedule", bad])
        assert says in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "origin"),
    [
        (
            "bound from a start-indexed LP relaxation (5-minute slots); runs: CP-SAT feasible",
            "start LP, 5-minute slots",
        ),
        (
            "bound from a time-indexed LP relaxation (30-minute buckets, longer later); x",
            "bucket LP, 30-minute buckets",
        ),
        (f"{solver.run._CP_SAT_BOUND}runs: CP-SAT feasible, 8 workers, 2.4 s", "bound from CP-SAT's search"),
        (f"{solver.run._PER_REQUEST}; runs: CP-SAT feasible", "each request alone"),
    ],
)
def test_the_planners_note_names_its_bound(source: str, origin: str) -> None:
    assert peer_bench.bound_origin(source) == origin
