"""Persistence: tables, sessions and one module of keyword-only functions per resource.

Rows never leave this package's callers as domain objects: `convert` turns them into `triage.model`
objects (for the solver) at the edge, and routes turn them into response schemas.
"""
