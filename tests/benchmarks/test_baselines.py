"""The help-desk baselines give valid plans priced like the planner's, route as they say, and the benchmark
script runs end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import plan_bench
from benchmarks.baselines import plan_earliest_start, plan_round_robin, route_earliest_start, route_round_robin
from benchmarks.changes import changed_scenario, new_requests
from benchmarks.isolate import run_isolated
from benchmarks.metrics import plan_figures
from benchmarks.pricing import plan_from_placements
from benchmarks.report import MAIN_HEADERS
from fixtures.generate import SIZES, generate_scenario
from solver.compile import compile_scenario
from solver.run import plan_by_routing
from solver.search.heuristic import route_earliest_finish
from tests.builders import agent, request, scenario
from triage.model import Scenario
from triage.names import RequestStatus
from triage.validation import check_plan, term_quantities

GENERATED = [generate_scenario(*SIZES["S"], seed=seed) for seed in (1, 2, 3)] + [
    generate_scenario(12, 90, 2, seed=4, load=1.4),
    generate_scenario(5, 20, 1, seed=5, load=0.6),
]


@pytest.mark.parametrize("baseline", [plan_earliest_start, plan_round_robin])
@pytest.mark.parametrize("generated", GENERATED, ids=lambda s: f"{len(s.agents)}x{len(s.requests)}")
def test_baselines_give_valid_plans_priced_as_the_checker_prices_them(baseline, generated: Scenario) -> None:
    result = baseline(generated)
    assert check_plan(generated, result) == []
    assert {t.term: t.quantity for t in result.terms} == term_quantities(generated, result)
    assert result.objective == sum(t.value for t in result.terms)
    assert len(result.assignments) > len(result.unassigned)


@pytest.mark.parametrize("generated", GENERATED[:2], ids=["S1", "S2"])
def test_pricing_matches_the_planners_own_extraction(generated: Scenario) -> None:
    compiled = compile_scenario(generated)
    placements = {p.job: (p.agent, p.own_start) for p in route_earliest_finish(compiled)}
    ours, theirs = plan_from_placements(compiled, placements), plan_by_routing(generated)
    assert ours.objective == theirs.objective
    assert ours.terms == theirs.terms
    assert ours.assignments == theirs.assignments
    assert ours.unassigned == theirs.unassigned


def _team(*requests: dict) -> Scenario:
    agents = [agent("a"), agent("b"), agent("c"), agent("d", {"pay": 1})]
    # every urgency mark counts (the inflation rule off), so the priorities are the matrix's as written
    return scenario(agents, list(requests), policy={"urgent_share_pct": 100})


def _routed(routes: dict[int, tuple[int, int]], s: Scenario) -> list[tuple[str, str, int]]:
    compiled = compile_scenario(s)
    out = []
    for j, (a, own_start) in sorted(routes.items(), key=lambda item: compiled.jobs[item[0]].request.id):
        out.append((compiled.jobs[j].request.id, compiled.agents[a].agent.id, own_start))
    return out


def test_round_robin_rotates_through_the_qualified_agents_whatever_their_queue() -> None:
    s = _team(request("R1", 240), *(request(f"R{n}", 60) for n in range(2, 8)))
    routes = _routed(route_round_robin(compile_scenario(s)), s)
    assert [agent_id for _, agent_id, _ in routes] == ["a", "b", "c", "a", "b", "c", "a"]  # d lacks the skill
    assert routes[3] == ("R4", "a", 240)  # appended after a's long first request
    assert routes[6] == ("R7", "a", 300)


def test_earliest_start_goes_to_whoever_can_start_first() -> None:
    s = _team(request("R1", 240), *(request(f"R{n}", 60) for n in range(2, 8)))
    routes = _routed(route_earliest_start(compile_scenario(s)), s)
    assert routes == [
        ("R1", "a", 0),
        ("R2", "b", 0),
        ("R3", "c", 0),
        ("R4", "b", 60),
        ("R5", "c", 60),
        ("R6", "b", 120),
        ("R7", "c", 120),
    ]


def test_round_robin_skips_an_agent_without_room() -> None:
    short = agent("a", working_hours={"mon": ["09:00-10:00"]})  # 60 minutes in the whole horizon
    s = scenario([short, agent("b"), agent("c")], [request(f"R{n}", 60) for n in range(1, 6)])
    routes = _routed(route_round_robin(compile_scenario(s)), s)
    assert [agent_id for _, agent_id, _ in routes] == ["a", "b", "c", "b", "c"]
    assert check_plan(s, plan_round_robin(s)) == []


@pytest.mark.parametrize("route", [route_round_robin, route_earliest_start])
def test_owned_requests_stay_with_their_owner(route) -> None:
    s = _team(request("R1", 60, owner="c"), request("R2", 60, owner="c", status="in_progress"), request("R3", 60))
    routes = _routed(route(compile_scenario(s)), s)
    assert [(rid, agent_id) for rid, agent_id, _ in routes] == [("R1", "c"), ("R2", "c"), ("R3", "a")]


def test_figures_count_load_and_imbalance() -> None:
    s = _team(*(request(f"R{n}", 480, owner="a") for n in range(1, 6)))  # a's whole week; b and c idle
    figures = plan_figures(compile_scenario(s), plan_round_robin(s))
    assert (figures.late, figures.unassigned, figures.churn) == (4, 0, 0)  # P2: due 480 minutes after filing
    assert figures.max_load_pct == pytest.approx(100.0)
    assert figures.load_spread_pct == pytest.approx(100.0)  # d has no request's skills: not compared
    assert (figures.imbalance_pairs, figures.imbalance_requests, figures.movable_requests) == (2, 5, 5)


def test_changes_are_seeded_and_of_the_asked_share() -> None:
    base = GENERATED[0]
    changed, counts = changed_scenario(base, 0.05, seed=7)
    assert counts == {"new": 1, "re-estimated": 1, "closed": 1}
    assert changed_scenario(base, 0.05, seed=7)[0] == changed
    assert sum(r.status == RequestStatus.DONE for r in changed.requests) == 1
    assert len(changed.requests) == len(base.requests) + 1
    fresh = new_requests(base, 4, seed=1)
    assert [r.id for r in fresh] == ["NEW1", "NEW2", "NEW3", "NEW4"]
    assert all(r.created_at == base.now and r.owner is None for r in fresh)


@pytest.mark.slow
def test_bench_runs_end_to_end_on_a_tiny_size(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    markdown = tmp_path / "bench.md"
    argv = [
        "--sizes",
        "S",
        "--seeds",
        "1",
        "--time-limit-S",
        "2",
        "--warm-sizes",
        "S",
        "--insert-sizes",
        "S",
        "--insertions",
        "5",
        "--markdown",
        str(markdown),
    ]
    assert plan_bench.main(argv) == 0
    out = capsys.readouterr().out
    for header in MAIN_HEADERS:
        assert header in out
    table = out.split("== Per scenario and method ==")[1].split("==")[0]
    rows = [line.split() for line in table.splitlines()[2:] if line.strip().startswith("S ")]
    assert sorted(row[2] for row in rows) == ["earliest-start", "planner", "round-robin"]
    assert all(len(row) == len(MAIN_HEADERS) and row[-1] == "0" for row in rows)  # every column, no violations
    for section in ("Medians over seeds", "Cost ratios", "Warm re-plan", "Single new request insertion", "Targets"):
        assert section in out
    text = markdown.read_text()
    assert "| size | seed | method |" in text and "bound source, S seed 1" in text and "machine:" in text


def test_a_failed_run_is_reported_and_the_others_still_count(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = plan_bench.run_method

    def flaky(method, scenario, params):
        if method == "round-robin":
            raise RuntimeError("boom")
        return real(method, scenario, params)

    monkeypatch.setattr(plan_bench, "run_method", flaky)
    argv = ["--sizes", "S", "--seeds", "1", "--methods", "earliest-start", "round-robin", "--warm-sizes"]
    assert plan_bench.main(argv) == 1
    out = capsys.readouterr().out
    assert "earliest-start" in out and "FAILED   S seed 1 round-robin: RuntimeError: boom" in out


def _allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 2**20)
    block[:: 2**12] = b"\1" * len(block[:: 2**12])  # touch every page
    return len(block)


def test_peak_memory_is_the_child_own_not_its_parent() -> None:
    parent_block = _allocate(300)  # noqa: F841 - held while the children run
    small = run_isolated(_allocate, 1)
    large = run_isolated(_allocate, 200)
    assert small.peak_rss_mb < 250  # not inherited from this 300 MB-larger parent
    assert large.peak_rss_mb > small.peak_rss_mb + 150
