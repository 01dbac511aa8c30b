"""The benchmark's tables and target verdicts, as text for the terminal and as markdown.

A section is a title, headers and rows of cells already formatted as strings; `as_text` and `as_markdown`
lay out the same sections, so the terminal and the recorded results cannot disagree.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.records import PLANNER, InsertRow, Row, WarmRow

TARGET_SECONDS = {"S": 10.0, "M": 10.0, "L": 30.0, "XL": 60.0}
"""Plan time targets, model building included (the issue names M, L and XL; S is held to M's)."""
MEMORY_TARGET_MB = 4096.0  # at XL
GAP_TARGET = 0.05  # on S and M
INSERT_TARGET_MS = 50.0  # at L
WARM_SPEEDUP_TARGET = 3.0


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


MAIN_HEADERS = [
    "size",
    "seed",
    "method",
    "status",
    "cost",
    "w. lateness",
    "late",
    "unassigned",
    "max load %",
    "load spread %",
    "churn",
    "imbalance pairs",
    "imbalance reqs",
    "movable reqs",
    "wall s",
    "peak MB",
    "bound",
    "gap %",
    "violations",
]


def _int(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def main_section(rows: Sequence[Row]) -> Section:
    """Every method on every scenario, with the planner's bound sources as notes."""
    cells = []
    for r in rows:
        f = r.figures
        cells.append(
            [
                r.size,
                str(r.seed),
                r.method,
                r.status,
                _int(f.cost),
                _int(f.lateness),
                str(f.late),
                str(f.unassigned),
                f"{f.max_load_pct:.1f}",
                f"{f.load_spread_pct:.1f}",
                str(f.churn),
                str(f.imbalance_pairs),
                str(f.imbalance_requests),
                str(f.movable_requests),
                f"{r.wall_seconds:.2f}",
                f"{r.peak_rss_mb:.0f}",
                _int(r.bound),
                _pct(r.gap),
                str(r.violations),
            ]
        )
    notes = [f"bound source, {r.size} seed {r.seed}: {r.bound_source}" for r in rows if r.method == PLANNER]
    return Section("Per scenario and method", MAIN_HEADERS, cells, notes)


def _groups(rows: Sequence[Row]) -> dict[tuple[str, str], list[Row]]:
    out: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        out.setdefault((r.size, r.method), []).append(r)
    return out


def median_section(rows: Sequence[Row]) -> Section:
    """Medians over seeds, per size and method."""
    headers = [
        "size",
        "method",
        "seeds",
        "cost",
        "w. lateness",
        "late",
        "unassigned",
        "max load %",
        "load spread %",
        "churn",
        "imbalance reqs",
        "movable reqs",
        "wall s",
        "peak MB",
        "gap %",
    ]
    cells = []
    for (size, method), group in _groups(rows).items():

        def med(get: Callable[[Row], float], group: list[Row] = group) -> float:
            return statistics.median(get(r) for r in group)

        gaps = [r.gap for r in group if r.gap is not None]
        cells.append(
            [
                size,
                method,
                str(len(group)),
                _int(med(lambda r: r.figures.cost)),
                _int(med(lambda r: r.figures.lateness)),
                f"{med(lambda r: r.figures.late):g}",
                f"{med(lambda r: r.figures.unassigned):g}",
                f"{med(lambda r: r.figures.max_load_pct):.1f}",
                f"{med(lambda r: r.figures.load_spread_pct):.1f}",
                f"{med(lambda r: r.figures.churn):g}",
                f"{med(lambda r: r.figures.imbalance_requests):g}",
                f"{med(lambda r: r.figures.movable_requests):g}",
                f"{med(lambda r: r.wall_seconds):.2f}",
                f"{med(lambda r: r.peak_rss_mb):.0f}",
                _pct(statistics.median(gaps)) if gaps else "-",
            ]
        )
    return Section("Medians over seeds", headers, cells)


def ratio_section(rows: Sequence[Row]) -> Section:
    """Planner cost / baseline cost on the same scenario: median, best and worst over seeds."""
    by_scenario: dict[tuple[str, int], dict[str, Row]] = {}
    for r in rows:
        by_scenario.setdefault((r.size, r.seed), {})[r.method] = r
    ratios: dict[tuple[str, str], list[float]] = {}
    for (size, _), methods in by_scenario.items():
        planner = methods.get(PLANNER)
        for method, r in methods.items():
            if planner is not None and method != PLANNER and r.figures.cost:
                ratios.setdefault((size, method), []).append(planner.figures.cost / r.figures.cost)
    headers = ["size", "baseline", "seeds", "median planner/baseline", "best", "worst", "planner cheaper on"]
    cells = [
        [
            size,
            method,
            str(len(v)),
            f"{statistics.median(v):.4f}",
            f"{min(v):.4f}",
            f"{max(v):.4f}",
            f"{sum(x < 1 for x in v)}/{len(v)}",
        ]
        for (size, method), v in ratios.items()
    ]
    return Section("Cost ratios, planner / baseline (below 1: the planner is cheaper)", headers, cells)


def warm_section(rows: Sequence[WarmRow]) -> Section:
    headers = [
        "size",
        "seed",
        "changes",
        "warm limit s",
        "warm s",
        "warm cost",
        "cold limit s",
        "cold s",
        "cold cost",
        "cold cost as re-plan",
        "speed-up",
        "warm/cold cost",
        "violations",
        "target met",
    ]
    cells = [
        [
            w.size,
            str(w.seed),
            w.changes,
            f"{w.warm_limit_seconds:g}",
            f"{w.warm_seconds:.2f}",
            _int(w.warm_cost),
            f"{w.cold_limit_seconds:g}",
            f"{w.cold_seconds:.2f}",
            _int(w.cold_cost),
            _int(w.cold_cost_vs_previous),
            f"{w.speedup:.3f}x",
            f"{w.warm_cost / w.cold_cost_vs_previous:.4f}" if w.cold_cost_vs_previous else "-",
            f"{w.warm_violations}/{w.cold_violations}",
            "yes" if w.met else "no",
        ]
        for w in rows
    ]
    notes = [
        "warm: plan(changed, time limit x --warm-share, previous=cold plan); cold: plan(changed, full time limit). "
        "'cold cost as re-plan' prices the cold plan with churn counted against the previous plan too "
        "(triage.validation.term_quantities with previous), the basis the warm cost is on; the target compares those."
    ]
    return Section("Warm re-plan after 1 % of the requests change", headers, cells, notes)


def insert_section(rows: Sequence[InsertRow]) -> Section:
    headers = ["size", "seed", "requests", "placed", "Placer build ms", "median ms", "p95 ms", "max ms"]
    cells = [
        [
            i.size,
            str(i.seed),
            str(i.count),
            str(i.placed),
            f"{i.build_ms:.0f}",
            f"{i.median_ms:.2f}",
            f"{i.p95_ms:.2f}",
            f"{i.max_ms:.2f}",
        ]
        for i in rows
    ]
    return Section("Single new request insertion (Placer.place)", headers, cells)


def target_lines(rows: Sequence[Row], warm: Sequence[WarmRow], inserts: Sequence[InsertRow]) -> list[str]:
    """One verdict per target, with the measured distance."""
    out = []
    groups = _groups(rows)
    for (size, method), group in groups.items():
        if method != PLANNER:
            continue
        worst = max(r.wall_seconds for r in group)
        limit = TARGET_SECONDS.get(size)
        if limit is not None:
            out.append(_verdict(f"plan time {size} <= {limit:g} s", worst <= limit, f"worst {worst:.2f} s"))
        peak = max(r.peak_rss_mb for r in group)
        if size == "XL":
            out.append(_verdict("peak memory XL < 4 GB", peak < MEMORY_TARGET_MB, f"worst {peak:.0f} MB"))
        cheaper, total = _cheaper_count(rows, size)
        out.append(
            _verdict(
                f"planner cheaper than every baseline, {size}",
                cheaper == total,
                f"{cheaper}/{total} scenario x baseline pairs",
            )
        )
        gaps = [r.gap for r in group if r.gap is not None]
        if gaps and size in ("S", "M"):
            out.append(_verdict(f"gap {size} <= 5 %", max(gaps) <= GAP_TARGET, f"worst {100 * max(gaps):.1f} %"))
        elif gaps:
            out.append(f"gap {size} (reported, no target): median {100 * statistics.median(gaps):.1f} %")
        movable = [r.figures.movable_requests for r in group]
        out.append(
            _verdict(
                f"load balance {size}: no movable imbalance",
                not any(movable),
                f"movable requests per seed {movable}, imbalanced requests per seed "
                f"{[r.figures.imbalance_requests for r in group]}",
            )
        )
    for w in warm:
        out.append(
            _verdict(
                f"warm re-plan {w.size} seed {w.seed}: >= 3x faster at <= cost",
                w.met,
                f"{w.speedup:.3f}x, warm {w.warm_cost:,} vs cold {w.cold_cost_vs_previous:,}",
            )
        )
    for i in inserts:
        out.append(
            _verdict(
                f"insertion {i.size} seed {i.seed}: p95 < 50 ms",
                i.p95_ms < INSERT_TARGET_MS,
                f"p95 {i.p95_ms:.2f} ms, median {i.median_ms:.2f} ms",
            )
        )
    return out


def _cheaper_count(rows: Sequence[Row], size: str) -> tuple[int, int]:
    costs: dict[int, dict[str, int]] = {}
    for r in rows:
        if r.size == size:
            costs.setdefault(r.seed, {})[r.method] = r.figures.cost
    pairs = [(m[PLANNER], c) for m in costs.values() if PLANNER in m for k, c in m.items() if k != PLANNER]
    return sum(p < c for p, c in pairs), len(pairs)


def _verdict(name: str, met: bool, detail: str) -> str:
    return f"{'MET    ' if met else 'NOT MET'}  {name}: {detail}"


def as_text(sections: Sequence[Section]) -> str:
    out = []
    for s in sections:
        widths = [max(len(h), *(len(row[i]) for row in s.rows)) if s.rows else len(h) for i, h in enumerate(s.headers)]
        out.append(f"\n== {s.title} ==")
        out.append("  ".join(h.rjust(w) for h, w in zip(s.headers, widths, strict=True)))
        out += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in s.rows]
        out += s.notes
    return "\n".join(out)


def as_markdown(sections: Sequence[Section]) -> str:
    out = []
    for s in sections:
        out += [f"#### {s.title}", "", "| " + " | ".join(s.headers) + " |", "|" + "---|" * len(s.headers)]
        out += ["| " + " | ".join(row) + " |" for row in s.rows]
        out += [""] + [f"- {n}" for n in s.notes] + ([""] if s.notes else [])
    return "\n".join(out)
