"""What departments and agents are held to: fair share and target load, each defined once (the independent
checker keeps its own copy on purpose).

- *Fair share of a priority's planned time* (`fair_shares_per_mille`): what the model's `share` term holds a
  department to, per priority: the policy's `fair_share_pct`, or else the department weights, renormalised
  among the departments that have requests of that priority. Other measures that compare a department with
  its share (the report's planned share over all priorities, the simulation's share of on-time minutes)
  start from the same raw share (`raw_fair_share`) and say which measure they show.
- *Target load* (`target_minutes`): `target_load_pct` of an agent's working minutes in the horizon, rounded
  down.
"""

from __future__ import annotations

from collections.abc import Iterable

from triage.model import Scenario


def raw_fair_share(scenario: Scenario, department_id: str) -> int:
    """The policy's `fair_share_pct` for the department (0 when it names others only), else its weight."""
    explicit = scenario.policy.fair_share_pct
    if explicit is not None:
        return explicit.get(department_id, 0)
    return scenario.department(department_id).weight


def fair_shares_per_mille(scenario: Scenario, department_ids: Iterable[str]) -> dict[str, int]:
    """Each department's raw fair share renormalised among these departments, in per mille, rounded down."""
    raw = {d: raw_fair_share(scenario, d) for d in department_ids}
    total = sum(raw.values()) or 1
    return {d: 1000 * share // total for d, share in raw.items()}


def target_minutes(working_minutes: int, target_load_pct: int) -> int:
    """An agent's target load in the horizon: target_load_pct of their working minutes, rounded down."""
    return working_minutes * target_load_pct // 100
