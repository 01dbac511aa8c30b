"""Explanations of a request: routes and service (their schemas are a plan's, `api.plans.schemas`)."""
