"""Agents (teammates): routes and schemas."""
