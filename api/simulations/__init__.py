"""Staffing simulations: routes, service, schemas and the pool that runs a simulation's runs side by side."""
