"""Plans: routes, service (computing, applying, what-if) and schemas."""
