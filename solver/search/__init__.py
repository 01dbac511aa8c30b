"""The searches over plans, each a phase `solver.run.plan` schedules (`solver.params.SearchSchedule`):

- `heuristic`: the routing heuristic (earliest finish, in priority or apparent-tardiness order), the start;
- `insert`: a new request's tentative place in the earliest gap, nothing else moving;
- `polish`: the sequence local search over agents' queues, priced incrementally from the terms' buckets;
- `lns`: large-neighbourhood search, CP-SAT on a few agents' requests with the rest held;
- `relieve`: the last pass, requests off agents above target onto peers below it where it is cheaper.
"""
