"""Staffing simulations: reproducible, the changes do what they say, every daily plan holds to the checker,
and the paragraph states only computed numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.simulations.pool import side_by_side
from solver.simulation.run import Progress, SimulationParams, run_variant, simulate, simulation_days
from tests.builders import agent, request, scenario
from triage.calendar import BusinessAxis
from triage.intake import load_scenario_json
from triage.model import Scenario
from triage.names import Planner
from triage.results import Plan
from triage.simulation.arrivals import ArrivalClass, ArrivalRates, draw_arrivals, observed_rates, surged
from triage.simulation.changes import Variant
from triage.simulation.outcomes import Comparison, Run
from triage.simulation.text import number
from triage.validation import check_plan

DEPARTMENTS = [{"id": "ops", "name": "Operations", "weight": 1}, {"id": "sales", "name": "Sales", "weight": 1}]
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"


def team(*agents: dict[str, object]) -> Scenario:
    """A small team (ana and ben by default, networking only), two open requests, two departments."""
    people = list(agents) or [agent("ana"), agent("ben")]
    return scenario(people, [request("R1", 120), request("R2", 240, department="sales")], departments=DEPARTMENTS)


def rates(ops: float = 6.0, sales: float = 2.0, pay: float = 0.0) -> ArrivalRates:
    def cls(department: str, per_day: float, skills: dict[str, int], efforts: list[int]) -> ArrivalClass:
        return ArrivalClass(
            department=department,
            impact="team",
            urgency="degraded",
            required_skills=skills,
            per_day=per_day,
            efforts=efforts,
            title="Work",
            requester="Robin",
        )

    classes = [cls("ops", ops, {"net": 1}, [60, 120, 180]), cls("sales", sales, {"net": 1}, [90])]
    if pay:
        classes.append(cls("sales", pay, {"pay": 1}, [60]))
    return ArrivalRates(classes=classes)


def variant(name: str, *changes: dict[str, object]) -> Variant:
    return Variant.model_validate({"name": name, "changes": list(changes)})


def one_run(org: Scenario, v: Variant, days: int = 5, seed: int = 3, **rate_args: float) -> Run:
    return run_variant(org, v, seed, rates(**rate_args), SimulationParams(days=days))


def test_the_same_seed_gives_the_same_simulation_and_another_seed_another() -> None:
    org, params = team(), SimulationParams(days=4, seed=5, seeds=2)
    variants = [variant("hire", {"kind": "hire", "agent": "kim", "skills": {"net": 1}})]
    first = simulate(org, variants, rates(), params).model_dump_json()
    assert simulate(org, variants, rates(), params).model_dump_json() == first
    assert simulate(org, variants, rates(), params.model_copy(update={"seed": 6})).model_dump_json() != first


@pytest.mark.slow
def test_the_result_is_the_same_whatever_the_number_of_processes() -> None:
    org = load_scenario_json(DEMO.read_text())
    variants = [
        variant("hire", {"kind": "hire", "agent": "kim", "skills": {"database": 3, "erp": 2}}),
        variant("surge", {"kind": "surge", "department": org.departments[0].id, "factor": 2}),
    ]
    for planner in Planner:
        params = SimulationParams(days=3, seeds=2, planner=planner, search_rounds=2, search_work=0.05)
        alone = simulate(org, variants, observed_rates(org), params)
        two = params.model_copy(update={"processes": 2})
        pooled = simulate(org, variants, observed_rates(org), two, run_all=side_by_side)
        assert pooled.model_dump_json() == alone.model_dump_json()


def test_a_hire_never_leaves_a_larger_backlog_on_the_same_arrivals() -> None:
    org = team(agent("ana"))
    for seed in (1, 2, 3):
        base = one_run(org, Variant(name="baseline"), seed=seed, ops=10)
        hired = one_run(org, variant("hire", {"kind": "hire", "agent": "kim", "skills": {"net": 1}}), seed=seed, ops=10)
        assert sum(base.arrivals.values()) == sum(hired.arrivals.values())
        assert all(h.open_hours <= b.open_hours for h, b in zip(hired.backlog, base.backlog, strict=True))
        assert hired.backlog[-1].open_hours < base.backlog[-1].open_hours  # one agent cannot keep up with 10 a day
        assert next(a for a in hired.agents if a.agent_id == "kim").worked_minutes > 0


def test_a_hire_from_a_later_date_works_only_from_then() -> None:
    org = team()
    start = simulation_days(org, 5)[2]
    run = one_run(
        org, variant("hire", {"kind": "hire", "agent": "kim", "skills": {"net": 1}, "start": start.isoformat()})
    )
    kim = next(a for a in run.agents if a.agent_id == "kim")
    assert kim.available_minutes == 3 * 480


def test_a_leave_removes_the_agents_time_from_its_date() -> None:
    org = team()
    days = simulation_days(org, 5)
    base = one_run(org, Variant(name="baseline"))
    gone = one_run(org, variant("leave", {"kind": "leave", "agent": "ben", "start": days[1].isoformat()}))
    ben_before = next(a for a in base.agents if a.agent_id == "ben")
    ben_after = next(a for a in gone.agents if a.agent_id == "ben")
    assert ben_before.available_minutes == 5 * 480 and ben_after.available_minutes == 480
    assert ben_after.worked_minutes <= 480
    assert gone.backlog[-1].open_hours >= base.backlog[-1].open_hours


def test_time_off_and_shorter_hours_take_exactly_their_minutes() -> None:
    org = team()
    days = simulation_days(org, 5)
    away = one_run(
        org,
        variant("off", {"kind": "time_off", "agent": "ana", "start": days[1].isoformat(), "end": days[2].isoformat()}),
    )
    mornings = {d: ["09:00-13:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    short = one_run(org, variant("short", {"kind": "hours", "agent": "ana", "working_hours": mornings}))
    assert next(a for a in away.agents if a.agent_id == "ana").available_minutes == 3 * 480
    assert next(a for a in short.agents if a.agent_id == "ana").available_minutes == 5 * 240


def test_a_surge_multiplies_the_arrivals_of_its_department_only() -> None:
    org = team()
    days = simulation_days(org, 40)
    axis = BusinessAxis(org.calendar, org.now, 1)
    base = draw_arrivals(rates(), axis, days, 11)
    for factor in (3.0, 0.5):
        surge = variant("s", {"kind": "surge", "department": "sales", "factor": factor}).changes
        after = surged(base, rates(), axis, days, 11, surge)  # type: ignore[arg-type]
        ops_before = [a.request for a in base if a.request.department == "ops"]
        assert [a.request for a in after if a.request.department == "ops"] == ops_before
        sales_before = {a.request.id for a in base if a.request.department == "sales"}
        sales_after = {a.request.id for a in after if a.request.department == "sales"}
        assert (sales_before <= sales_after) if factor > 1 else (sales_after <= sales_before)
        assert len(sales_after) / len(sales_before) == pytest.approx(factor, rel=0.2)


def test_a_surge_on_some_dates_touches_only_those_dates() -> None:
    org = team()
    days = simulation_days(org, 6)
    axis = BusinessAxis(org.calendar, org.now, 1)
    base = draw_arrivals(rates(sales=6), axis, days, 2)
    change = {
        "kind": "surge",
        "department": "sales",
        "factor": 2,
        "start": days[2].isoformat(),
        "end": days[3].isoformat(),
    }
    after = surged(base, rates(sales=6), axis, days, 2, variant("s", change).changes)  # type: ignore[arg-type]
    outside = [d for d in days if d not in days[2:4]]
    assert [a for a in after if a.day in outside] == [a for a in base if a.day in outside]
    assert len([a for a in after if a.day in days[2:4]]) > len([a for a in base if a.day in days[2:4]])


def test_a_new_skill_lets_the_agent_take_those_requests() -> None:
    org = team()  # nobody holds pay; every arrival of Sales needs it
    base = one_run(org, Variant(name="baseline"), sales=0, pay=3)
    learned = one_run(
        org, variant("pay", {"kind": "skill", "agent": "ana", "skill": "pay", "level": 1}), sales=0, pay=3
    )

    def pay_done(run: Run) -> int:
        return sum(1 for j in run.judged if j.finished and j.department == "sales" and j.request_id.startswith("D"))

    assert base.arrivals["sales"] == learned.arrivals["sales"] > 0
    assert pay_done(base) == 0 and pay_done(learned) > 0


@pytest.mark.parametrize("planner", list(Planner))
def test_every_simulated_days_plan_holds_to_the_checker(planner: Planner) -> None:
    org = load_scenario_json(DEMO.read_text())
    seen: list[int] = []

    def check(day: int, today: Scenario, plan: Plan) -> None:
        assert check_plan(today, plan) == []
        seen.append(day)

    leave = variant("leave", {"kind": "leave", "agent": "ben", "start": "2026-11-24", "days": 2})
    params = SimulationParams(days=3, planner=planner, search_rounds=2, search_work=0.05)
    run_variant(org, leave, 1, observed_rates(org), params, observe=check)
    assert seen == [0, 1, 2]


def test_progress_counts_every_day_of_every_run() -> None:
    reports: list[Progress] = []
    params = SimulationParams(days=3, seeds=2)
    simulate(
        team(),
        [variant("hire", {"kind": "hire", "agent": "kim", "skills": {"net": 1}})],
        rates(),
        params,
        reports.append,
    )
    assert [p.done for p in reports] == list(range(1, 13)) and {p.total for p in reports} == {12}
    assert {(p.variant, p.seed) for p in reports} == {(v, s) for v in ("baseline", "hire") for s in (1, 2)}


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"[-+]?\d+(?:\.\d+)?", text)]


def _fields(c: Comparison) -> set[float]:
    deltas = [
        c.on_time,
        *c.by_department,
        c.backlog_end_requests,
        c.backlog_end_hours,
        c.median_hours_to_finish,
        c.p90_hours_to_finish,
    ]
    values = {v for d in deltas for v in (d.baseline, d.variant, d.change)}
    if c.busiest is not None:
        values |= {c.busiest.load_pct, float(c.busiest.target_load_pct)}
    rates = c.baseline_by_priority + c.variant_by_priority + c.baseline_by_department + c.variant_by_department
    values |= {float(v) for r in rates for v in (r.judged, r.on_time, r.on_time_pct)}
    values |= {v for a in c.away for v in (a.available_hours_baseline, a.available_hours_variant)}
    return values


def test_the_paragraph_states_only_the_computed_numbers() -> None:
    org = team(agent("ana"))
    hire = variant("more people", {"kind": "hire", "agent": "kim", "skills": {"net": 1}})
    sim = simulate(org, [hire], rates(ops=10), SimulationParams(days=5))
    c = sim.comparisons[0]
    base, out = sim.baseline, sim.variants[0]
    assert (c.on_time.baseline, c.on_time.variant) == (base.on_time_pct, out.on_time_pct)
    assert c.on_time.change == round(out.on_time_pct - base.on_time_pct, 1)
    assert (c.backlog_end_requests.baseline, c.backlog_end_requests.variant) == (
        base.backlog_end_requests,
        out.backlog_end_requests,
    )
    assert (c.backlog_end_hours.variant, c.median_hours_to_finish.variant) == (
        out.backlog_end_hours,
        out.median_hours_to_finish,
    )
    assert c.busiest is not None and c.busiest.load_pct == max(load.load_pct for load in out.load)
    allowed = _fields(c)
    assert all(n in allowed for n in _numbers(c.text)), c.text
    assert f"{number(c.on_time.variant)} % of requests are on time" in c.text
    assert f"backlog is {number(c.backlog_end_requests.variant)} requests" in c.text
    assert out.backlog_end_hours < base.backlog_end_hours


def test_outcomes_add_up() -> None:
    sim = simulate(team(), [], rates(), SimulationParams(days=5, seeds=2))
    base = sim.baseline
    assert sum(r.judged for r in base.by_department) == base.judged
    assert sum(r.judged for r in base.by_priority) == base.judged
    on_time = sum(r.on_time for r in base.by_department)
    assert base.on_time_pct == round(100 * on_time / base.judged, 1)
    assert len(base.backlog) == 5 and base.backlog_end_requests == base.backlog[-1].open_requests
    assert sum(f.on_time_share_pct for f in base.fairness) == pytest.approx(100, abs=0.2)
    assert base.median_hours_to_finish <= base.p90_hours_to_finish


def _worst_measure(c: Comparison) -> str:
    """The measure that got most worse relative to its baseline, computed here independently of the text."""

    def loss(worse: float, baseline: float) -> float:  # a rise from nothing is the worst there is
        return 0.0 if worse <= 0 else (worse / baseline if baseline else float("inf"))

    losses = {d.key: loss(d.baseline - d.variant, d.baseline) for d in c.by_priority + c.by_department}
    b, p = c.backlog_end_requests, c.p90_hours_to_finish
    losses["backlog"] = loss(b.variant - b.baseline, b.baseline)
    losses["p90"] = loss(p.variant - p.baseline, p.baseline)
    return max(losses, key=lambda k: losses[k])


def test_a_surge_leads_with_what_got_most_worse_and_counts_p1_with_its_rate() -> None:
    org = team(agent("ana"), agent("ben"))
    surge = variant("surge", {"kind": "surge", "department": "ops", "factor": 3})
    sim = simulate(org, [surge], rates(ops=4, sales=2), SimulationParams(days=5))
    c = sim.comparisons[0]
    worst = _worst_measure(c)
    first = c.text.split(". ")[0]
    said = {
        "backlog": "the backlog grows most",
        "p90": "slow requests take longest",
        "ops": "Operations fares worst",
        "sales": "Sales fares worst",
    }.get(worst, f"{worst} requests fare worst")
    assert said in first, c.text
    assert c.text.index(said) < c.text.index("% of requests are on time")  # before the overall rate
    for rates_ in (c.variant_by_priority, c.baseline_by_priority):
        for r in rates_:
            if f"{r.key} requests fare worst" in first:
                assert f"{r.on_time} of {r.judged} on time ({number(r.on_time_pct)} %)" in first
    assert all(n in _fields(c) for n in _numbers(c.text)), c.text


def test_the_demo_surge_says_how_many_p1_requests_are_on_time_with_the_rate() -> None:
    from triage.intake import load_scenario_json

    demo = load_scenario_json(DEMO.read_bytes())
    surge = variant("surge", {"kind": "surge", "department": "support", "factor": 2})
    sim = simulate(demo, [surge], observed_rates(demo), SimulationParams(days=10, seed=1))
    c = sim.comparisons[0]
    before = next(r for r in c.baseline_by_priority if r.key == "P1")
    after = next(r for r in c.variant_by_priority if r.key == "P1")
    assert after.on_time_pct < before.on_time_pct  # fewer P1 on time, although the overall rate barely moves
    said = (
        f"{after.on_time} of {after.judged} on time ({number(after.on_time_pct)} %), against {before.on_time} of "
        f"{before.judged} on time ({number(before.on_time_pct)} %)"
    )
    assert said in c.text and c.text.index(said) < c.text.index("% of requests are on time")


def test_a_change_that_does_nothing_says_so_and_why() -> None:
    org = team(agent("ana"), agent("ben"))
    idle = variant("new skill", {"kind": "skill", "agent": "ana", "skill": "pay", "level": 1})  # nobody asks for pay
    c = simulate(org, [idle], rates(), SimulationParams(days=5)).comparisons[0]
    assert c.on_time.change == 0 and c.backlog_end_requests.change == 0
    assert c.text == (
        "With new skill (ana learns pay at level 1), nothing changes over the simulated days: the daily plans do not "
        "change, and every outcome is as things are."
    )


def test_the_load_of_someone_who_left_is_not_shown_as_a_rise() -> None:
    org = team(agent("ana"), agent("ben"))
    days = simulation_days(org, 5)
    leave = variant("ben leaves", {"kind": "leave", "agent": "ben", "start": days[2].isoformat()})
    sim = simulate(org, [leave], rates(ops=3, sales=1), SimulationParams(days=5))
    c = sim.comparisons[0]
    (away,) = c.away
    assert away.agent_id == "ben" and away.available_hours_variant < away.available_hours_baseline
    assert c.busiest is not None and c.busiest.agent_id == "ana"
    assert f"Ben works {number(away.available_hours_variant)} of {number(away.available_hours_baseline)} h" in c.text
    assert "The busiest teammate, Ben" not in c.text
