"""The hard rules of help between peers hold on random small scenarios: every proposal moves one of the asking
agent's requests, not in progress nor declined, to a qualified peer who stays within target; nothing is dropped;
the plan with every proposal accepted passes the independent checker; every fact is recomputed from the plans
(`checked_help`); and the agent ends as close to target, with as few moves, as a brute-force search finds."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.run import plan
from solver.tradeoffs import targets_by_agent
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.help_checks import QUICK, checked_help, fewest_moves, planned_minutes

SKILLS = ["net", "pay"]


@st.composite
def teams(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], frozenset[tuple[str, str]]]:
    count = draw(st.integers(2, 4))
    agents = [
        agent(
            f"a{i}",
            draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 2), min_size=1)),
            target_load_pct=draw(st.integers(2, 15)),
        )
        for i in range(count)
    ]
    requests = []
    for i in range(draw(st.integers(2, 6))):
        owner = draw(st.sampled_from([a["id"] for a in agents]))
        in_progress = draw(st.integers(0, 4)) == 0
        skills = {} if in_progress else draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 2), max_size=1))
        requests.append(
            request(
                f"r{i}",
                draw(st.sampled_from([30, 60, 90, 120, 180])),
                owner=owner,
                status="in_progress" if in_progress else "open",
                required_skills=skills,
            )
        )
    pairs = [(r["id"], a["id"]) for r in requests for a in agents]
    declined = frozenset(draw(st.lists(st.sampled_from(pairs), max_size=3)))
    return agents, requests, declined


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_help_keeps_its_hard_rules_and_finds_the_fewest_moves(
    team: tuple[list[dict[str, Any]], list[dict[str, Any]], frozenset[tuple[str, str]]],
) -> None:
    agents, requests, declined = team
    s = scenario(agents, requests, policy=flat_policy(2400, term_weights={"churn": 5000}))
    current = plan(s, QUICK)  # keeps the owners, as in tests/solver/test_help.py
    targets, loads = targets_by_agent(s), planned_minutes(s, current)
    asker = max(s.agents, key=lambda a: (loads[a.id] - targets[a.id], a.id)).id
    result = checked_help(s, current, asker, declined)
    assert (result.over_after, result.moves) == fewest_moves(s, current, asker, declined)
