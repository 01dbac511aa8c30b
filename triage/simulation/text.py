"""A variant against the baseline: the deltas, and one paragraph built only from them.

Every number in the paragraph is a field of the `Comparison` (a delta's baseline, variant or change, or the
busiest teammate's load and target) or part of the variant's own changes as the manager wrote them."""

from __future__ import annotations

from triage.model import Scenario
from triage.render import people
from triage.simulation.outcomes import Away, Comparison, Delta, Outcome, Rate


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


def _away(baseline: Outcome, variant: Outcome) -> list[Away]:
    before = {load.agent_id: load for load in baseline.load}
    return [
        Away(
            agent_id=load.agent_id,
            name=load.name,
            available_hours_baseline=before[load.agent_id].available_hours,
            available_hours_variant=load.available_hours,
        )
        for load in variant.load
        if load.agent_id in before and load.available_hours < before[load.agent_id].available_hours
    ]


def compare(scenario: Scenario, baseline: Outcome, variant: Outcome) -> Comparison:
    """The variant's deltas against the baseline and the paragraph that states them. The busiest teammate is
    chosen among those not away: a teammate with fewer available hours shows a higher load for the same work."""
    away = _away(baseline, variant)
    present = [load for load in variant.load if load.agent_id not in {a.agent_id for a in away}]
    busiest = max(present, key=lambda load: (load.load_pct, load.agent_id), default=None)
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
        baseline_by_priority=baseline.by_priority,
        variant_by_priority=variant.by_priority,
        baseline_by_department=baseline.by_department,
        variant_by_department=variant.by_department,
        away=away,
        text="",
    )
    comparison.text = paragraph(scenario, variant, comparison)
    return comparison


SMALL_LOSS = 0.05  # a worsening under 5 % of its baseline is said as "nothing gets much worse"


def _relative_loss(d: Delta, higher_is_better: bool) -> float:
    """How much worse a measure got, relative to its baseline (0 when it did not get worse)."""
    worse = d.baseline - d.variant if higher_is_better else d.variant - d.baseline
    if worse <= 0:
        return 0.0
    return worse / d.baseline if d.baseline else float("inf")


def _counted(rates: list[Rate], key: str) -> str:
    """ "4 of 21 on time (19 %)", or "none judged"."""
    rate = next((r for r in rates if r.key == key), None)
    return f"{rate.on_time} of {rate.judged} on time ({number(rate.on_time_pct)} %)" if rate else "none judged"


def _worst(c: Comparison, names: dict[str, str]) -> str:
    """The sentence of the outcome that changed most for the worse, by its change relative to its baseline:
    a department's or a priority's on-time rate, the backlog, or the time to finish; "" when none got worse."""
    candidates: list[tuple[float, str]] = []
    for d in c.by_priority:
        candidates.append(
            (
                _relative_loss(d, True),
                f"{d.key} requests fare worst: "
                f"{_counted(c.variant_by_priority, d.key)}, against {_counted(c.baseline_by_priority, d.key)}",
            )
        )
    for d in c.by_department:
        name = names.get(d.key, d.key)
        candidates.append(
            (
                _relative_loss(d, True),
                f"{name} fares worst: {_counted(c.variant_by_department, d.key)}, "
                f"against {_counted(c.baseline_by_department, d.key)}",
            )
        )
    b, h = c.backlog_end_requests, c.backlog_end_hours
    candidates.append(
        (
            _relative_loss(b, False),
            f"the backlog grows most: {number(b.variant)} requests "
            f"({number(h.variant)} h of work) at the end, against {number(b.baseline)} ({number(h.baseline)} h)",
        )
    )
    p = c.p90_hours_to_finish
    candidates.append(
        (
            _relative_loss(p, False),
            f"slow requests take longest: nine in ten finish within "
            f"{number(p.variant)} working hours, against {number(p.baseline)} h",
        )
    )
    loss, sentence = max(candidates, key=lambda item: item[0])
    if loss <= 0:
        return ""
    return sentence if loss >= SMALL_LOSS else f"nothing gets much worse (the most: {sentence})"


def _unchanged(c: Comparison) -> bool:
    deltas = [c.on_time, c.backlog_end_requests, c.backlog_end_hours, c.median_hours_to_finish, c.p90_hours_to_finish]
    return not any(d.change for d in deltas + c.by_department + c.by_priority)


def _away_sentence(c: Comparison) -> str:
    parts = [
        f"{a.name} works {number(a.available_hours_variant)} of {number(a.available_hours_baseline)} h" for a in c.away
    ]
    return f"{people(parts)}; a load over fewer hours is not more work, so it is not compared." if parts else ""


def paragraph(scenario: Scenario, variant: Outcome, c: Comparison) -> str:
    """Leads with what changed most for the worse (or says that nothing changed, and why), gives the P1
    requests as counts with their rate, then the on-time rate, backlog, times to finish and the busiest
    teammate present."""
    names = {d.id: d.name for d in scenario.departments}
    what = "; ".join(variant.changes) or "no change"
    head = f"With {c.variant} ({what})"
    if _unchanged(c):
        why = "the others take on the work of those away" if c.away else "the daily plans do not change"
        sentences = [f"{head}, nothing changes over the simulated days: {why}, and every outcome is as things are."]
        if c.away:
            sentences.append(_away_sentence(c))
        return " ".join(sentences)
    worst = _worst(c, names)
    sentences = [f"{head}, {worst}." if worst else f"{head}, no outcome gets worse."]
    if "P1 requests fare worst" not in worst and any(r.key == "P1" for r in c.baseline_by_priority):
        sentences.append(
            f"P1: {_counted(c.variant_by_priority, 'P1')}, against {_counted(c.baseline_by_priority, 'P1')}."
        )
    sentences.append(
        f"{number(c.on_time.variant)} % of requests are on time, against {number(c.on_time.baseline)} % as things "
        f"are ({signed(c.on_time.change)} points)."
    )
    b, h = c.backlog_end_requests, c.backlog_end_hours
    if "backlog grows most" not in worst:
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
    if c.away:
        sentences.append(_away_sentence(c))
    return " ".join(sentences)
