"""Help between peers and its hand-offs: routes, service and schemas."""
