"""Explanations as one subdomain: claims are built from computed facts in one place, sentences are rendered
from those facts in another, per reader.

- `facts`: the names of the facts an explanation may carry (one enum, no free strings).
- `style`: the style sheet as code: units and rounding of working time, the registers, the sentence length.
- `people`: the people register (requesters, department heads): hours, days, names and departments.
- `lead`: the lead register: the people sentence plus the trade-off in hours per department.
- `registers`: fills every register of an explanation from its facts; the detail (engineering) view is the
  sentence with cost points and rule names, rendered by `triage.explain`, `triage.report` and
  `triage.tradeoff_text`.

Claims are built by `triage.explain` (priority, assignment, unassigned, order, pin conflicts), `triage.report`
(receipts) and `solver.tradeoffs` (the counterfactual kinds, each from a re-plan); none composes a sentence of
its own.
"""
