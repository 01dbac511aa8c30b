"""Staffing simulation and replay, the domain half: pure, no solver.

- `triage.simulation.changes`: the staffing changes a manager simulates (variants), checked and applied;
- `triage.simulation.arrivals`: arrival rates observed on the scenario, and seeded draws from them;
- `triage.simulation.outcomes`: a run's record, each variant's outcome over the seeds, the comparison;
- `triage.simulation.text`: the comparison's deltas and the paragraph built from them;
- `triage.simulation.replay`: a replay's outcome, measured alike for Tandem's run and the export's log.

The days are planned by the solver, so the runs live in `solver.simulation`; the process pool that runs
them side by side is the edge's (`api.simulations.pool`).
"""
