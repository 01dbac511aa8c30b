"""Simulation charts as SVG for the manager's page (matplotlib, imported only here and in api.plots): on-time
rate per department and per priority, backlog per day and load per person, baseline against each variant."""

from __future__ import annotations

import io
from collections.abc import Callable

from triage.simulation.outcomes import Outcome, Simulation

CHARTS = ("departments", "priorities", "backlog", "load")


def svg(simulation: Simulation, chart: str, names: dict[str, str]) -> bytes:
    """One chart as an SVG document (text kept as text, so it stays small and scales)."""
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: pages are drawn in worker threads, each its own figure

    outcomes = [simulation.baseline, *simulation.variants]
    figure = Figure(figsize=(6.4, 3.4), layout="constrained")
    axes = figure.subplots()
    if chart == "backlog":
        for o in outcomes:
            axes.plot(
                [d.day.strftime("%d %b") for d in o.backlog],
                [d.open_hours for d in o.backlog],
                marker="o",
                label=o.variant,
            )
        axes.set_ylabel("open work at the close (hours)")
        axes.set_title("Backlog per day")
        axes.tick_params(axis="x", rotation=30)
    else:
        keyed: dict[str, Callable[[Outcome], dict[str, float]]] = {
            "departments": lambda o: {r.key: r.on_time_pct for r in o.by_department},
            "priorities": lambda o: {r.key: r.on_time_pct for r in o.by_priority},
            "load": lambda o: {r.agent_id: r.load_pct for r in o.load},
        }
        values = keyed[chart]
        keys = list(values(simulation.baseline))
        width = 0.8 / len(outcomes)
        for k, o in enumerate(outcomes):
            got = values(o)
            xs = [i + (k - (len(outcomes) - 1) / 2) * width for i in range(len(keys))]
            axes.bar(xs, [got.get(key, 0.0) for key in keys], width, label=o.variant)
        axes.set_xticks(range(len(keys)), [names.get(key, key) for key in keys], rotation=30, ha="right")
        axes.set_ylabel("load (%)" if chart == "load" else "on time (%)")
        axes.set_title(
            {"departments": "On time per department", "priorities": "On time per priority", "load": "Load per person"}[
                chart
            ]
        )
        if chart != "load":
            axes.set_ylim(0, 100)
    axes.legend(fontsize="small")
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
