"""Effort learned from history, for exports that carry none (no real export does).

- A done ticket's active time is the business time (team calendar working minutes) its history spent in
  an in-progress state with an owner: each event's state lasts until the next event, and the last one
  ends the history. Open, waiting and ownerless time do not count; it is still an over-estimate of the
  work, since a ticket may sit in progress while its owner does other things (see the calibration check).
- A class is (skill, priority), falling back to the skill, then to the whole team, when the class has
  fewer than `min_class_size` done tickets (the team needs one).
- The estimate of a class is the median of its active times, each first clipped to `clip_minutes`,
  rounded to the minute: robust to the few tickets left in progress for weeks.
- Calibration: the estimated work of the team's tickets against the team's available working minutes
  (each agent's share) from the first ticket's opening to the last one's. Above 100 % the estimates
  include waiting or multitasking.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from triage.calendar import BusinessAxis
from triage.importers.tickets import Ticket
from triage.names import Priority

BusinessMinutes = Callable[[datetime, datetime], int]
"""Working minutes of the team calendar between two instants."""

TEAM = "team"


@dataclass(frozen=True)
class EffortClass:
    """One class's estimate: the working minutes a request of it takes, and the done tickets it rests on."""

    label: str  # "skill / P3", "skill" or "team"
    skill: str | None
    priority: Priority | None
    size: int
    minutes: int


def class_estimate(
    label: str, skill: str | None, priority: Priority | None, samples: list[int], clip: tuple[int, int]
) -> EffortClass:
    """The clipped median of the samples (business minutes), rounded to the minute."""
    low, high = clip
    clipped = [min(max(s, low), high) for s in samples]
    return EffortClass(label, skill, priority, len(samples), round(statistics.median(clipped)))


@dataclass(frozen=True)
class EffortModel:
    """Estimates per (skill, priority), per skill and for the team; `estimate` picks the most specific."""

    by_class: dict[tuple[str, Priority], EffortClass]
    by_skill: dict[str, EffortClass]
    team: EffortClass | None

    def estimate(self, skill: str, priority: Priority) -> EffortClass | None:
        return self.by_class.get((skill, priority)) or self.by_skill.get(skill) or self.team

    def classes(self) -> list[EffortClass]:
        """Every class with an estimate, most specific first."""
        out = sorted(self.by_class.values(), key=lambda c: (c.skill or "", c.priority or ""))
        out += sorted(self.by_skill.values(), key=lambda c: c.skill or "")
        return out + ([self.team] if self.team else [])


def learn_effort(
    samples: list[tuple[str, Priority, int]],
    *,
    min_class_size: int,
    clip: tuple[int, int],
    skill_name: Callable[[str], str],
) -> EffortModel:
    """The effort model from (skill, priority, active minutes) of the done tickets with active time."""
    by_pair: dict[tuple[str, Priority], list[int]] = {}
    by_skill: dict[str, list[int]] = {}
    for skill, priority, minutes in samples:
        by_pair.setdefault((skill, priority), []).append(minutes)
        by_skill.setdefault(skill, []).append(minutes)
    pairs = {
        key: class_estimate(f"{skill_name(key[0])} / {key[1].value}", key[0], key[1], values, clip)
        for key, values in by_pair.items()
        if len(values) >= min_class_size
    }
    skills = {
        skill: class_estimate(skill_name(skill), skill, None, values, clip)
        for skill, values in by_skill.items()
        if len(values) >= min_class_size
    }
    everything = [m for *_, m in samples]
    team = class_estimate(TEAM, None, None, everything, clip) if everything else None
    return EffortModel(pairs, skills, team)


def business_clock(axis: BusinessAxis) -> Callable[[datetime], int]:
    """`axis.minute_of`, with each day's start looked up once: an export's tens of thousands of events fall
    on a few dozen days, and the axis counts the days between an instant and now on every call."""
    midnight: dict[date, int] = {}

    def minute_of(moment: datetime) -> int:
        local = moment.astimezone(axis.zone)
        day = local.date()
        if day not in midnight:
            midnight[day] = axis.minute_of(datetime.combine(day, time(0), tzinfo=axis.zone))
        wall = local.hour * 60 + local.minute + (local.second > 0 or local.microsecond > 0)
        return midnight[day] + sum(min(max(wall - start, 0), end - start) for start, end in axis.team_periods(day))

    return minute_of


def active_minutes(ticket: Ticket, active_states: set[str], business_minutes: BusinessMinutes) -> int:
    """Business minutes of the ticket's history in an active state with an owner (see the module rules)."""
    total = 0
    for event, following in zip(ticket.events, ticket.events[1:], strict=False):
        if event.state in active_states and event.assignee is not None:
            total += business_minutes(event.at, following.at)
    return total
