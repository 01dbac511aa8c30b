"""Pictures of a simulation (matplotlib, imported here only): on-time rate per department, baseline against
each variant, and the backlog at the close of each simulated day."""

from __future__ import annotations

from pathlib import Path

from triage.model import Scenario
from triage.simulation.outcomes import Simulation


def plot_simulation(scenario: Scenario, simulation: Simulation, path: Path) -> None:
    """Write a PNG: grouped bars of on-time rate per department, and backlog hours per day, per variant."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    outcomes = [simulation.baseline, *simulation.variants]
    names = {d.id: d.name for d in scenario.departments}
    departments = [r.key for r in simulation.baseline.by_department]
    figure, (bars, lines) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    width = 0.8 / len(outcomes)
    for k, o in enumerate(outcomes):
        rate = {r.key: r.on_time_pct for r in o.by_department}
        xs = [i + (k - (len(outcomes) - 1) / 2) * width for i in range(len(departments))]
        bars.bar(xs, [rate.get(d, 0.0) for d in departments], width, label=o.variant)
        lines.plot(
            [d.day.isoformat()[5:] for d in o.backlog], [d.open_hours for d in o.backlog], marker="o", label=o.variant
        )
    bars.set_xticks(range(len(departments)), [names.get(d, d) for d in departments], rotation=20, ha="right")
    bars.set_ylabel("on time (%)")
    bars.set_ylim(0, 100)
    bars.set_title("On-time rate per department")
    bars.legend(fontsize="small")
    lines.set_ylabel("open work at the close (hours)")
    lines.set_xlabel("day")
    lines.set_title("Backlog per day")
    lines.legend(fontsize="small")
    figure.savefig(path, dpi=110)
    plt.close(figure)
