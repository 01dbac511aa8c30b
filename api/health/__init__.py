"""Health: liveness and readiness (routes and schemas)."""
