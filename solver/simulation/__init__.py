"""Staffing simulation and replay, the planning half: the days worked through under the solver's plans.

- `solver.simulation.day`: one simulated day's plan, fast and deterministic;
- `solver.simulation.run`: a simulation's runs (baseline and variants on each seed), day by day, pooled;
- `solver.simulation.replay`: a real history replayed under Tandem's plans.

Pure like the rest of the core: the runs are independent, and what runs them side by side (the process
pool, `api.simulations.pool`) is passed in by the edge. What the runs measure and say is `triage.simulation`.
"""
