"""Departments: routes, the per-department report (service) and schemas."""
