"""Principals and their tokens: routes, service and schemas."""
