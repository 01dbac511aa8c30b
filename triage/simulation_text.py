"""A variant against the baseline: the deltas, and one paragraph built only from them.

Every number in the paragraph is a field of the `Comparison` (a delta's baseline, variant or change, or the
busiest teammate's load and target) or part of the variant's own changes as the manager wrote them."""

from __future__ import annotations

from triage.model import Scenario
from triage.simulation import Comparison, Delta, Outcome, Rate


def number(value: float) -> str:
    """87.5 -> "87.5", 12.0 -> "12"."""
    return f"{value:.1f}".removesuffix(".0")


def signed(value: float) -> str:
    return ("+" if value > 0 else "") + number(value)


def delta(key: str, baseline: float, variant: float) -> Delta:
    return Delta(key=key, baseline=baseline, variant=variant, change=round(variant - baseline, 1))


def _rate_deltas(baseline: list[Rate], variant: list[Rate]) -> list[Delta]:
    before = {r.key: r.on_time_pct for r in baseline}
    after = {r.key: r.on_time_pct for r in variant}
    keys = [r.key for r in baseline] + [r.key for r in variant if r.key not in before]
    return [delta(k, before.get(k, 0.0), after.get(k, 0.0)) for k in keys]


def compare(scenario: Scenario, baseline: Outcome, variant: Outcome) -> Comparison:
    """The variant's deltas against the baseline and the paragraph that states them."""
    busiest = max(variant.load, key=lambda load: (load.load_pct, load.agent_id), default=None)
    comparison = Comparison(
        variant=variant.variant,
        on_time=delta("on_time_pct", baseline.on_time_pct, variant.on_time_pct),
        by_department=_rate_deltas(baseline.by_department, variant.by_department),
        by_priority=_rate_deltas(baseline.by_priority, variant.by_priority),
        backlog_end_requests=delta("backlog_end_requests", baseline.backlog_end_requests, variant.backlog_end_requests),
        backlog_end_hours=delta("backlog_end_hours", baseline.backlog_end_hours, variant.backlog_end_hours),
        median_hours_to_finish=delta("median_hours", baseline.median_hours_to_finish, variant.median_hours_to_finish),
        p90_hours_to_finish=delta("p90_hours", baseline.p90_hours_to_finish, variant.p90_hours_to_finish),
        busiest=busiest,
        text="",
    )
    comparison.text = paragraph(scenario, variant, comparison)
    return comparison


def paragraph(scenario: Scenario, variant: Outcome, c: Comparison) -> str:
    names = {d.id: d.name for d in scenario.departments}
    what = "; ".join(variant.changes) or "no change"
    sentences = [
        f"With {c.variant} ({what}), {number(c.on_time.variant)} % of requests are on time, against "
        f"{number(c.on_time.baseline)} % as things are ({signed(c.on_time.change)} points)."
    ]
    moved = sorted(c.by_department, key=lambda d: (-abs(d.change), d.key))
    if moved and moved[0].change:
        most = moved[0]
        sentences.append(
            f"{names.get(most.key, most.key)} changes most: {number(most.variant)} % on time against "
            f"{number(most.baseline)} % ({signed(most.change)} points)."
        )
    b, h = c.backlog_end_requests, c.backlog_end_hours
    sentences.append(
        f"At the end the backlog is {number(b.variant)} requests ({number(h.variant)} h of work), against "
        f"{number(b.baseline)} ({number(h.baseline)} h)."
    )
    m, p = c.median_hours_to_finish, c.p90_hours_to_finish
    sentences.append(
        f"Half the finished requests took at most {number(m.variant)} working hours (as things are: "
        f"{number(m.baseline)} h), nine in ten at most {number(p.variant)} h ({number(p.baseline)} h)."
    )
    if c.busiest is not None:
        sentences.append(
            f"The busiest teammate, {c.busiest.name}, works {number(c.busiest.load_pct)} % of their available time "
            f"against a target of {c.busiest.target_load_pct} %."
        )
    return " ".join(sentences)
