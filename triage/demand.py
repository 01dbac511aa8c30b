"""The demand of a real service desk: counts read once from a ServiceNow incident log (4,183 incidents over two
weeks, `fixtures.profile.derive_profile` derives them; fixtures/README.md states every figure). Simulations draw
arrivals over the hours of the day and the days of the week in these proportions unless told otherwise; the
scenario generator draws its mix of cells, skills and locations from them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemandProfile:
    """Counts read from the incident log; shares are computed from them where they are used."""

    cell_counts: dict[tuple[int, int], int]  # (impact 1-3, urgency 1-3) at opening -> incidents
    cell_priorities: dict[tuple[int, int], int]  # the log's priority (1-4) of each observed cell
    hour_counts: tuple[int, ...]  # incidents opened per hour of day 0-23
    weekday_counts: tuple[int, ...]  # incidents opened per weekday, Monday first
    category_counts: tuple[int, ...]  # incidents per category, most frequent first
    location_counts: tuple[int, ...]  # incidents per location, the 8 most frequent
    skills_per_resolver: dict[int, int]  # distinct categories per resolver (>= 5 incidents), clipped to 2-5
    incidents: int
    callers: int  # distinct callers
    reassigned: int  # incidents reassigned at least once (at their last event)


PROFILE = DemandProfile(
    cell_counts={(1, 1): 44, (1, 2): 26, (2, 1): 40, (2, 2): 3867, (2, 3): 1, (3, 2): 19, (3, 3): 186},
    cell_priorities={(1, 1): 1, (1, 2): 2, (2, 1): 2, (2, 2): 3, (2, 3): 4, (3, 2): 4, (3, 3): 4},
    hour_counts=(35, 18, 18, 28, 21, 16, 24, 84, 383, 462, 538, 474, 265, 293, 420, 375, 295, 203, 70, 52, 31, 24,
                 25, 29),
    weekday_counts=(1066, 749, 805, 704, 717, 64, 78),
    category_counts=(518, 470, 453, 439, 301, 282, 211, 185, 184, 179, 141, 133, 102, 91, 82, 81, 58, 46, 44, 29, 24,
                     19, 15, 15, 14, 9, 8, 6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1),
    location_counts=(979, 632, 533, 395, 324, 294, 56, 56),
    skills_per_resolver={2: 10, 3: 11, 4: 21, 5: 66},
    incidents=4183,
    callers=2073,
    reassigned=2419,
)  # fmt: skip
