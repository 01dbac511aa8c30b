"""Imports of a ticketing system's export: routes, service (the upload's checks and its job), reading (formats,
mappings, the job in the worker's child) and schemas."""
