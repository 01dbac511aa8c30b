"""The audit log: routes and schemas."""
