"""Hard rules, one builder each, in the order the model adds them (`add_hard_rules`):

- `assignment`: once and skills (each request to one qualified agent, or deferred);
- `calendar`: availability, release and horizon (a start on the agent's own axis, within its range; for work
  that may not pause, where it fits in one window), and the team-axis ends the pins and the terms read;
- `no_overlap`: one request at a time per agent, work held fixed included;
- `pins`: the lead's pins, as enforcement literals; `pins.Pins` is what each kind of pin means, the one
  definition the model, the direct check, the heuristics and the local search read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.assignment import add_assignment
from solver.rules.calendar import add_availability_and_release, add_team_ends
from solver.rules.no_overlap import add_no_overlap
from solver.rules.pins import add_pins

if TYPE_CHECKING:
    from solver.build import Built
    from solver.compile import Compiled


def add_hard_rules(built: Built, compiled: Compiled, *, pins_as_assumptions: bool, skip_no_overlap: bool) -> None:
    """Every hard rule, in order. `skip_no_overlap` leaves that rule out, only to tell which rule a set of
    pins runs into."""
    add_assignment(built, compiled)
    add_availability_and_release(built, compiled)
    if not skip_no_overlap:
        add_no_overlap(built, compiled)
    add_team_ends(built, compiled)
    add_pins(built, compiled, as_assumptions=pins_as_assumptions)
