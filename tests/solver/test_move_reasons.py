"""What moved since the previous plan, and why: facts the data shows, never a placeholder; a small shift on
the same agent is not a move."""

from __future__ import annotations

from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.replan import changes_since
from solver.run import extract_plan, plan
from tests.builders import agent, flat_policy, request, scenario
from triage.names import MoveReasonKind, PlanStatus
from triage.results import Move, Plan
from triage.validation import check_plan

PARAMS = SolveParams(time_limit_seconds=3, workers=1, deterministic_limit=1.0)


def _moves(result: Plan) -> dict[str, Move]:
    return {m.request_id: m for m in result.changes}


def _kinds(move: Move) -> set[MoveReasonKind]:
    return {f.kind for f in move.facts}


def test_time_off_moves_the_agents_work_and_says_the_agent_is_away() -> None:
    team = [agent("ana"), agent("ben")]
    work = [request(f"R{i}", effort=120) for i in range(4)]
    first = plan(scenario(team, work, policy=flat_policy(480)), PARAMS)
    on_ana = [a.request_id for a in first.assignments if a.agent_id == "ana" and a.start_minute < 480]
    assert on_ana
    away = [agent("ana", time_off=[{"start": "2026-11-23", "end": "2026-11-27"}]), agent("ben")]
    changed = scenario(away, work, policy=flat_policy(480))
    again = plan(changed, PARAMS, previous=first)
    assert check_plan(changed, again) == []
    moves = _moves(again)
    for rid in on_ana:
        assert MoveReasonKind.AGENT_AWAY in _kinds(moves[rid]), moves[rid]
        assert "Ana is not working at its previous time any more" in moves[rid].reasons


def test_a_new_urgent_request_names_itself_as_new_work_ahead() -> None:
    team = [agent("ana")]
    work = [request("A", effort=120), request("B", effort=120)]
    first = plan(scenario(team, work, policy=flat_policy(480)), PARAMS)
    urgent = request("URGENT", effort=120, impact="company", urgency="work_stopped")
    changed = scenario(team, [*work, urgent], policy=flat_policy(120))
    again = plan(changed, PARAMS, previous=first)
    moves = _moves(again)
    assert moves["URGENT"].reasons == ["it is new since the last plan"]
    behind = [m for rid, m in moves.items() if rid != "URGENT"]
    assert behind
    for move in behind:
        ahead = next(f for f in move.facts if f.kind == MoveReasonKind.NEW_WORK_AHEAD)
        assert ahead.request_ids == ["URGENT"] and ahead.agent_id == "ana"
        assert f"new work ahead of it on Ana: URGENT ({ahead.priorities[0].value})" in move.reasons


def test_every_move_has_facts_and_no_placeholder_sentence() -> None:
    team = [agent("ana"), agent("ben"), agent("cy", {"net": 1, "pay": 1})]
    work = [request(f"R{i}", effort=30 + 20 * (i % 5), impact=("company", "team", "person")[i % 3]) for i in range(12)]
    first = plan(scenario(team, work, policy=flat_policy(240)), PARAMS)
    more = [*work, *(request(f"N{i}", effort=90, impact="company", urgency="work_stopped") for i in range(3))]
    again = plan(scenario(team[:2], more, policy=flat_policy(240)), PARAMS, previous=first)
    assert again.changes
    for move in again.changes:
        assert move.facts and len(move.reasons) == len(move.facts)
        assert not any("arranges" in r for r in move.reasons)


def test_a_small_shift_on_the_same_agent_is_not_a_move() -> None:
    team = [agent("ana")]
    work = [request("A", effort=60), request("B", effort=60)]
    first = plan(scenario(team, work, policy=flat_policy(480)), PARAMS)
    small = request("C", effort=20, impact="company", urgency="work_stopped")
    changed = scenario(team, [*work, small], policy=flat_policy(60))
    quiet = plan(changed, PARAMS.model_copy(update={"move_threshold_minutes": 30}), previous=first)
    strict = plan(changed, PARAMS.model_copy(update={"move_threshold_minutes": 0}), previous=first)
    shifted = {m.request_id for m in strict.changes} - {"C"}
    assert shifted  # with no threshold, the 20-minute shift of A and B is listed
    assert {m.request_id for m in quiet.changes} == {"C"}


def test_a_request_moved_later_behind_work_its_department_ranks_first_says_so() -> None:
    # A (ranked first) on Ben ends at 12:00; B (ranked second) on Ana ended at 10:00 and now at 14:00, nothing
    # new ahead of it on Ana: the fact is its department's order, not the work ahead of it.
    work = [request("A", department_rank=1), request("B", department_rank=2)]
    s = scenario([agent("ana"), agent("ben")], work, policy=flat_policy(480))  # both the same priority
    compiled = compile_scenario(s)
    a, b = (compiled.job_index()[r] for r in ("A", "B"))
    ana, ben = (compiled.agent_index()[x] for x in ("ana", "ben"))
    before = extract_plan(compiled, {a: (ben, 120), b: (ana, 0)}, PlanStatus.FEASIBLE, 0, "hand-made")
    after = extract_plan(compiled, {a: (ben, 120), b: (ana, 240)}, PlanStatus.FEASIBLE, 0, "hand-made")
    [move] = changes_since(compiled, before, after)
    assert move.request_id == "B" and [f.kind for f in move.facts] == [MoveReasonKind.RANKED_AHEAD]
    assert move.facts[0].request_ids == ["A"]
    priority = after.assignments[0].priority.value
    assert move.reasons == [f"its department puts A ({priority}) before it, and the previous plan finished it first"]
