"""Tandem's planner: CP-SAT models, searches and bounds over triage's domain objects. Pure, no I/O.

The layout, one concept per place:

- `solver.compile`: a scenario in indexed form (own-axis time per agent, jobs and their candidates);
- `solver.rules`: the hard rules, one builder each, and what each pin kind means (`solver.rules.pins`, read
  by the model, the direct check, the heuristics and the local search; the checker keeps its own copy);
- `solver.terms`: the soft terms, one module each, and their weighted sum (`weighted_sum`, for integers and
  CP-SAT expressions alike; `request_price` for one request); the direct price (`solver.evaluate`), the CP-SAT
  model (`solver.build`), the local search (`solver.search.polish`) and the bounds (`solver.bound`) read them;
- `solver.search`: the phases: routing, insertion, the local search, neighbourhood search, the last pass;
- `solver.simulation`: a simulated day (planned by the neighbourhood loop of `solver.search.lns`, and carried
  out), a simulation's runs and the replay of a history; what they measure and say is `triage.simulation`;
- `solver.run`: the one `plan`, sharing its time (`solver.budget.Budget`, passed in) between the phases as
  `solver.params.SearchSchedule` declares; `solver.cpsat`: the one CpSolver factory.

Worked example: a new soft term `handoffs`, one point per request planned with someone other than the
agent its department usually works with. A term whose bucket is the request touches three production
modules:

1. its name, in `triage/names.py`::

       class Term(StrEnum):
           ...
           HANDOFFS = "handoffs"  # requests planned away from their department's usual agent

2. its weight field, in `triage/model.py` (`TermWeights`; 0 switches it off)::

       handoffs: int = Field(0, ge=0, le=1000, description="Per request planned away from its usual agent.")

3. its module, `solver/terms/handoffs.py` (the registry finds it by the name)::

       def of_request(compiled, job, agent, end):
           usual = compiled.usual_agent[job.department]  # hypothetical: what the term reads
           return int(agent is not None and agent != usual)

       def quantity(facts):
           return request_sum(facts, of_request)

       def expression(built, compiled):
           away = [var for (j, a), var in built.present.items() if of_request(compiled, compiled.jobs[j], a, 0)]
           return held_sum(built, compiled, of_request) + cp_model.LinearExpr.sum(away)

       TERM = SoftTerm(Term.HANDOFFS, "requests", quantity, expression, of_request)

From `of_request` the direct price, the local search's price of every move (`solver.terms.request_price` sums the
per-request terms, each by its module) and the per-request bound follow; the plan reports the term with
its unit; `tests/solver/test_contract.py` holds the expression to the quantity. The independent checker
(`triage/validation.py`) is the deliberate second copy and gets the term by hand: every solver test compares
the two. A term over another bucket (agent, department, share class, rank pair) also needs its bucket kept
by the local search (`solver.search.polish`), which holds those buckets in preallocated lists for speed.
"""
