"""Benchmarks: the help-desk baselines the planner must beat, and the script that measures them both."""
