"""Jobs: the durable queue (runner), the worker, and the jobs resource's routes and schemas."""
