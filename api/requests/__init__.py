"""Requests: routes and schemas."""
