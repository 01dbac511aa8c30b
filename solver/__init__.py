"""Tandem's planner: CP-SAT models over triage's domain objects. Pure, no I/O."""
