"""The plan's time as an object passed in: a deadline on a clock, read by `solver.run.plan` and each phase.

Every phase asks its budget how much is left (`left()`) instead of reading a clock itself, and hands a
part of it on (`share`, `less`, `until`), so the search schedule (`solver.params.SearchSchedule`) is
arithmetic on budgets and a test can drive the whole plan with a fake clock. The clock is a callable
returning seconds (default `time.perf_counter`); this module is the only place in the planner that names
the real one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

Clock = Callable[[], float]


@dataclass(frozen=True)
class Budget:
    """Seconds until `deadline` on `clock`, counted from `started` (both on the clock's scale)."""

    started: float
    deadline: float
    clock: Clock = field(default=time.perf_counter, compare=False)

    @classmethod
    def of(cls, seconds: float, *, started: float | None = None, clock: Clock = time.perf_counter) -> Budget:
        """`seconds` from `started` (a reading of `clock`: when the caller began waiting), else from now."""
        start = clock() if started is None else started
        return cls(start, start + seconds, clock)

    def now(self) -> float:
        return self.clock()

    def left(self) -> float:
        """Seconds left before the deadline, never below 0."""
        return max(self.deadline - self.clock(), 0.0)

    def spent(self) -> float:
        """Seconds since the budget started."""
        return self.clock() - self.started

    def until(self, deadline: float) -> Budget:
        """The same clock, ending at `deadline` or at this budget's end, whichever comes first."""
        return replace(self, deadline=min(deadline, self.deadline))

    def less(self, seconds: float) -> Budget:
        """This budget with `seconds` kept back at its end."""
        return replace(self, deadline=self.deadline - seconds)

    def at_least(self, seconds: float) -> Budget:
        """This budget, or `seconds` from now when it has less left."""
        return replace(self, deadline=max(self.deadline, self.clock() + seconds))

    def share(self, fraction: float) -> Budget:
        """The first `fraction` of what is left now."""
        now = self.clock()
        return replace(self, deadline=now + max(self.deadline - now, 0.0) * fraction)
