"""Arrivals for a simulation: observed rates, and seeded draws from them.

Rates are observed on the scenario's own requests: each class (department x impact x urgency x required
skills, which fixes the priority under the policy) arrives at its share of the requests per working day
over the working days they were filed in. Per day and class, the count is Poisson; each arrival's effort is
one of its class's observed efforts; its time of day follows `hour_weights` (24 numbers, e.g. the incident
log's profile; flat by default) within the team's working periods, and a day's rate is scaled by
`weekday_weights` (7 numbers, Monday first) relative to the team's working weekdays.

Every variant sees the same arrivals: a surge above 1 adds arrivals of its department drawn from a stream
of its own (superposition), a factor below 1 keeps each of its arrivals with that probability (thinning,
by a number drawn with the arrival). Other departments' arrivals are untouched.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field

from triage.calendar import BusinessAxis
from triage.model import Request, Scenario
from triage.names import WEEKDAYS, Impact, Urgency
from triage.simulation.changes import Surge


class ArrivalClass(BaseModel):
    """Requests of one department, impact, urgency and skill set, and how often they arrive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    department: str
    impact: Impact
    urgency: Urgency
    required_skills: dict[str, int]
    per_day: float = Field(ge=0, description="Mean arrivals per working day.")
    efforts: list[int] = Field(min_length=1, description="Observed efforts in minutes; each arrival takes one.")
    title: str
    requester: str


class ArrivalRates(BaseModel):
    """What a simulation draws arrivals from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    classes: list[ArrivalClass]
    hour_weights: list[float] = Field(default_factory=lambda: [1.0] * 24, min_length=24, max_length=24)
    weekday_weights: list[float] = Field(default_factory=lambda: [1.0] * 7, min_length=7, max_length=7)

    @property
    def per_day(self) -> float:
        return sum(c.per_day for c in self.classes)


def observed_rates(
    scenario: Scenario,
    per_day: float | None = None,
    hour_weights: list[float] | None = None,
    weekday_weights: list[float] | None = None,
) -> ArrivalRates:
    """The scenario's requests as arrival classes. Their total rate is `per_day` when given, else the number
    of requests over the working days they were filed in (at least one day)."""
    groups: dict[tuple[str, Impact, Urgency, tuple[tuple[str, int], ...]], list[Request]] = defaultdict(list)
    for r in sorted(scenario.requests, key=lambda r: r.id):
        groups[r.department, r.impact, r.urgency, tuple(sorted(r.required_skills.items()))].append(r)
    total = per_day if per_day is not None else len(scenario.requests) / filing_days(scenario)
    count = max(len(scenario.requests), 1)
    classes = [
        ArrivalClass(
            department=key[0],
            impact=key[1],
            urgency=key[2],
            required_skills=dict(key[3]),
            per_day=total * len(items) / count,
            efforts=[r.effort_minutes for r in items],
            title=items[0].title,
            requester=items[0].requester,
        )
        for key, items in sorted(groups.items())
    ]
    return ArrivalRates(
        classes=classes,
        hour_weights=hour_weights or [1.0] * 24,
        weekday_weights=weekday_weights or [1.0] * 7,
    )


def filing_days(scenario: Scenario) -> int:
    """Team working days from the first request's filing day to now, counting a day when it has working time
    before now; at least 1."""
    if not scenario.requests:
        return 1
    zone = scenario.calendar.zone
    first = min(r.created_at for r in scenario.requests).astimezone(zone).date()
    now = scenario.now.astimezone(zone)
    hours = scenario.calendar.working_hours
    days = 0
    day = first
    while day <= now.date():
        periods = [] if day in scenario.calendar.holidays else hours.get(WEEKDAYS[day.weekday()], [])
        opens = [datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=start) for start, _ in periods]
        days += any(moment < now for moment in opens)
        day += timedelta(days=1)
    return max(days, 1)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's product of uniforms, in chunks of mean 20 to stay exact in floats)."""
    count = 0
    while mean > 0:
        chunk = min(mean, 20.0)
        mean -= chunk
        limit, product = math.exp(-chunk), rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


class Arrival(BaseModel):
    """A drawn request and its thinning number (kept under a surge factor f < 1 when `keep` < f)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: Request
    keep: float
    day: date


def draw_day(
    rng: random.Random, rates: ArrivalRates, axis: BusinessAxis, day: date, prefix: str, scale: dict[str, float]
) -> list[Arrival]:
    """One day's arrivals: per class a Poisson count with mean per_day x the weekday factor x its department's
    `scale` (1 when absent; classes at 0 draw nothing)."""
    periods = axis.team_periods(day)
    if not periods:
        return []
    factor = _weekday_factor(rates, axis, day)
    out: list[Arrival] = []
    for c in rates.classes:
        mean = c.per_day * factor * scale.get(c.department, 1.0)
        for _ in range(poisson(rng, mean) if mean > 0 else 0):
            minute = _minute_of_day(rng, periods, rates.hour_weights)
            created = datetime.combine(day, time(0), tzinfo=axis.zone) + timedelta(minutes=minute)
            request = Request(
                id=f"{prefix}{len(out) + 1:03d}",
                department=c.department,
                requester=c.requester,
                title=c.title,
                impact=c.impact,
                urgency=c.urgency,
                effort_minutes=rng.choice(c.efforts),
                required_skills=dict(c.required_skills),
                created_at=created,
            )
            out.append(Arrival(request=request, keep=rng.random(), day=day))
    return sorted(out, key=lambda a: (a.request.created_at, a.request.id))


def _weekday_factor(rates: ArrivalRates, axis: BusinessAxis, day: date) -> float:
    open_days = [k for k, name in enumerate(WEEKDAYS) if axis.calendar.working_hours.get(name)]
    mean = sum(rates.weekday_weights[k] for k in open_days) / max(len(open_days), 1)
    return rates.weekday_weights[day.weekday()] / mean if mean > 0 else 1.0


def _minute_of_day(rng: random.Random, periods: list[tuple[int, int]], hour_weights: list[float]) -> int:
    """A minute of the day within the periods: its hour by weight x the hour's working minutes, then uniform."""
    spans = [
        (max(start, h * 60), min(end, h * 60 + 60))
        for start, end in periods
        for h in range(24)
        if max(start, h * 60) < min(end, h * 60 + 60)
    ]
    weights = [hour_weights[low // 60] * (high - low) for low, high in spans]
    if sum(weights) <= 0:
        weights = [float(high - low) for low, high in spans]
    low, high = rng.choices(spans, weights=weights)[0]
    return rng.randrange(low, high)


def draw_arrivals(rates: ArrivalRates, axis: BusinessAxis, days: list[date], seed: int) -> list[Arrival]:
    """The baseline's arrivals over the days, from `random.Random(seed)`."""
    rng = random.Random(seed)
    return [a for k, day in enumerate(days) for a in draw_day(rng, rates, axis, day, f"D{k + 1:02d}-", {})]


def surged(
    base: list[Arrival], rates: ArrivalRates, axis: BusinessAxis, days: list[date], seed: int, changes: list[Surge]
) -> list[Arrival]:
    """The baseline's arrivals under a variant's surges: thinned where a factor is below 1, with extra arrivals
    of the surging departments where it is above (each department from a stream of its own)."""
    if not changes:
        return base

    def factor(department: str, day: date) -> float:
        return math.prod(c.factor for c in changes if c.department == department and c.covers(day))

    kept = [a for a in base if a.keep < factor(a.request.department, a.day)]
    extra: list[Arrival] = []
    for n, department in enumerate(sorted({c.department for c in changes})):
        rng = random.Random(f"{seed}:surge:{department}")
        only = ArrivalRates(
            classes=[c for c in rates.classes if c.department == department],
            hour_weights=rates.hour_weights,
            weekday_weights=rates.weekday_weights,
        )
        for k, day in enumerate(days):
            more = factor(department, day) - 1
            if more > 0:
                extra += draw_day(rng, only, axis, day, f"D{k + 1:02d}-S{n + 1}-", {department: more})
    return sorted(kept + extra, key=lambda a: (a.request.created_at, a.request.id))
