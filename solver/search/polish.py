"""Sequence local search: a polish of a valid plan by moving requests between and within agents' queues.

The CP-SAT searches decide starts minute by minute; this works on orders instead. Each agent's requests
form a queue, and a queue is scheduled as early as it can go (each request at the later of the previous
end and its release, around the requests held in place). A move relocates a request (to another place in
its queue, to a qualified peer's queue, in from or out to the deferred list) or swaps two requests; it is
priced exactly and incrementally, every term of the policy included, so thousands of moves a second are
tried where a CP-SAT neighbourhood tries one. Moves are accepted by late-acceptance hill climbing (Burke
and Bykov): a move is kept when it is no worse than the current plan or than the plan of `HISTORY` moves
ago, which lets the search cross small ridges without a temperature to tune; when it stalls, it restarts
from the best plan after a few random moves (an iterated local search). The best plan seen is returned,
or the input when nothing cheaper was found.

The hard rules hold by construction: a request joins only the queue of a candidate agent (skills), starts
within its candidate range (release, and ending within the horizon) on the agent's own axis
(availability), and queues do not overlap. Work that may not pause is scheduled at the first start that
keeps it within one window of its agent (`solver.compile.Candidate.fit`): a move that would put it across
an absence shifts it to the next stretch it fits in, or is refused when there is none. Requests named by a
pin are held where they are, and a plan that breaks a pin anyway (a request put before a first-pinned one)
is never accepted.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field

from solver.budget import Budget
from solver.compile import Candidate, Compiled
from solver.evaluate import Placements, pins_hold, total_cost
from solver.protect import group_minutes
from solver.terms import fairness, overload, rank, request_price, share, spread, weighted_sum
from solver.terms.fairness import on_time_rate
from triage.names import Term

_VALUES_KEPT = 100_000
"""The local search remembers this many (job, agent, end) prices at most, then forgets them all."""

FOCUS = 10
FOCUS_FROM = 1_000
FOCUS_EVERY = 2_000
"""With at least FOCUS_FROM free requests, each move starts from a request drawn among the costliest tenth
(1 / FOCUS) of them by their own price (lateness, deferral, waiting, churn), ranked again every FOCUS_EVERY
moves; the other requests move as they are swapped with or pushed along. Measured on the peer scenarios
(benchmarks/RESULTS.md, "Cheaper at L and XL"): at L 3.2-3.6 % cheaper after 15 s against 1.9 % drawing from
all, at XL 0.41 % against 0.17 % after 30 s; at S and M it did worse (4.5 % against 29 % at S in 3 s), so
there every free request is drawn."""

HISTORY = 60
"""Late acceptance's memory in moves (the values tried: benchmarks/RESULTS.md, "Local search")."""

STALL = 20_000
KICK = 10
"""After STALL moves without a new best plan, the search restarts from the best plan with KICK random moves
made whatever they cost: an iterated local search (the values tried: benchmarks/RESULTS.md, "Local search")."""


@dataclass
class Delta:
    """A change priced: the jobs placed anew (None: deferred) and every figure the state keeps, as it would be
    after the change; committing it only assigns them."""

    changed: dict[int, tuple[int, int] | None]
    jobs: dict[int, tuple[int, int | None, bool]]  # job -> (weighted per-request terms, team end, on time)
    per_job: int
    load: dict[int, int]  # agents whose load changes -> new load
    mille: list[int]
    punctual: list[int]
    planned: dict[int, dict[int, int]]  # share classes whose planned minutes change -> new minutes
    share: dict[int, int]  # those classes -> new shortfall
    rank_gaps: dict[int, int]  # rank pairs touched -> new gap
    rank: int
    overload: int
    cost: int
    urgent: list[int]  # per tier of `solver.protect.URGENT`: minutes late (empty when nothing is capped)
    excess: int  # minutes above the urgent caps, over every tier: 0 when they hold


@dataclass
class _Patch:
    """What a move changes: the new queues of some agents and the deferred set; once priced, its delta."""

    queues: dict[int, list[int]]
    deferred: set[int] = field(default_factory=set)  # jobs this move leaves out
    delta: Delta | None = None


class Polisher:
    """The plan as queues, its cost kept up to date term by term."""

    def __init__(self, compiled: Compiled, placements: Placements, *, keep_starts: bool = False) -> None:
        """The plan as queues, each scheduled as early as it can go unless `keep_starts` (then the starts are
        the plan's own, for moves that place a request at a given start: `move`)."""
        self.compiled = compiled
        jobs, agents = compiled.jobs, compiled.agents
        self._costly: list[int] = []  # the free requests the moves start from (`FOCUS`)
        self._since_ranked = 0
        self._tight = not keep_starts  # every queue as early as it can go: a move reschedules from its change
        self._effort = [job.effort for job in jobs]
        self._capacity = [agent.capacity_minutes for agent in agents]
        self._values: dict[tuple[int, int, int], tuple[int, bool]] = {}  # (job, agent, team end) -> value
        held = compiled.pins.named
        self.free = [j for j in range(len(jobs)) if j not in held and jobs[j].candidates]
        self._ranges: list[dict[int, tuple[int, int]] | None] = [None] * len(jobs)  # built when first needed
        self._options: list[list[int] | None] = [None] * len(jobs)
        self._fits: list[dict[int, Candidate] | None] = [  # work that may not pause: its candidates by agent
            None if job.pausable else {c.agent: c for c in job.candidates} for job in jobs
        ]
        self.blocks: list[list[tuple[int, int]]] = [[] for _ in agents]
        for j in held:
            if j in placements:
                a, start = placements[j]
                bisect.insort(self.blocks[a], (start, start + jobs[j].effort))
        self.not_before = [0] * len(agents)  # a first-pinned request keeps everything else after its start
        for j in held:
            if j in placements and j in compiled.pins.first:
                a, start = placements[j]
                self.not_before[a] = max(self.not_before[a], start)
        self.targets = [agent.target_minutes for agent in agents]
        self._request_price = request_price(compiled)
        self._lead: list[int | None] = [  # per job, the shared request it is priced with (itself when one)
            job.lead if job.is_part else (j if j in compiled.parts else None) for j, job in enumerate(jobs)
        ]
        self.caps = compiled.urgent_caps
        self._deferred: list[int | None] = [None] * len(jobs)
        self._spread_loads = spread.compared_loads(compiled)
        self.queues: list[list[int]] = [[] for _ in agents]
        for j in sorted((j for j in self.free if j in placements), key=lambda j: placements[j][1]):
            self.queues[placements[j][0]].append(j)
        self.placement: dict[int, tuple[int, int]] = {j: placements[j] for j in held if j in placements}
        self.queue_of: dict[int, int] = {}
        for a, queue in enumerate(self.queues):
            scheduled = None if keep_starts else self._schedule(a, queue)  # never None for a valid plan: each
            starts = scheduled or [placements[j][1] for j in queue]  # start only moves earlier
            if scheduled is None and queue:
                self._tight = False  # this queue keeps the plan's starts: moves reschedule whole queues
            for j, start in zip(queue, starts, strict=True):
                self.placement[j] = (a, start)
                self.queue_of[j] = a
        self.pairs_of: dict[int, list[int]] = {}
        for p, (hi, lo) in enumerate(compiled.rank_pairs):
            self.pairs_of.setdefault(hi, []).append(p)
            self.pairs_of.setdefault(lo, []).append(p)
        self.class_of: dict[int, int] = {}
        for c, share_class in enumerate(compiled.share_classes):
            for j, job in enumerate(jobs):
                if job.triage.priority == share_class.priority:
                    self.class_of[j] = c
        self._price_all()

    def range_of(self, j: int) -> dict[int, tuple[int, int]]:
        """Job j's candidate agents and the own-axis range of its start on each."""
        ranges = self._ranges[j]
        if ranges is None:
            candidates = self.compiled.jobs[j].candidates
            ranges = self._ranges[j] = {c.agent: (c.earliest_start, c.latest_start) for c in candidates}
        return ranges

    def options_of(self, j: int) -> list[int]:
        options = self._options[j]
        if options is None:
            options = self._options[j] = list(self.range_of(j))
        return options

    def _mille(self, j: int, a: int) -> int:
        return 1000 * self._effort[j] // self._capacity[a]  # spread.load_per_mille, without its lookups

    # -- pricing ------------------------------------------------------------------------------------------

    def _job_value(self, j: int, placement: tuple[int, int] | None) -> tuple[int, int | None, bool]:
        """(weighted per-request terms, team end or None, on time) of job j at a placement, priced by
        `solver.terms.request_price` at its own end; a deferred job's value is computed once per job. A shared
        request's value is then priced again at its priced end (`_group_values`). Tests hold the running cost to
        `total_cost` after every move."""
        if placement is None:
            value = self._deferred[j]
            if value is None:
                value = self._deferred[j] = self._request_price(self.compiled.jobs[j], None, None)
            return value, None, False
        a, start = placement
        end = self.compiled.agents[a].team_end(start + self._effort[j])
        value, on_time = self._value_at(j, a, end)
        return value, end, on_time

    def _value_at(self, j: int, a: int, end: int) -> tuple[int, bool]:
        """(weighted per-request terms, on time) of job j placed with agent a, at this priced end."""
        key = (j, a, end)
        known = self._values.get(key)
        if known is None:
            if len(self._values) >= _VALUES_KEPT:
                self._values.clear()
            job = self.compiled.jobs[j]
            known = self._values[key] = (self._request_price(job, a, end), fairness.on_time(job, end))
        return known

    def _group_values(
        self,
        leads: set[int],
        placement_of: dict[int, tuple[int, int] | None],
        jobs: dict[int, tuple[int, int | None, bool]],
    ) -> None:
        """Each placed shared request of `leads` priced again at its priced end, the latest end of it and its
        parts when all are placed, else its own (`solver.terms.base`), into `jobs`: its parts' ends as in `jobs`
        where they are, else as kept."""
        for lead in leads:
            placement = placement_of[lead] if lead in placement_of else self.placement.get(lead)
            if placement is None:
                continue  # deferred: priced as any deferred request
            own = jobs[lead][1] if lead in jobs else self.end[lead]
            assert own is not None
            end = own
            for k in self.compiled.parts[lead]:
                other = jobs[k][1] if k in jobs else self.end[k]
                if other is None:
                    end = own  # a part left out: its own end
                    break
                end = max(end, other)
            value, on_time = self._value_at(lead, placement[0], end)
            jobs[lead] = (value, own, on_time)

    def _price_all(self) -> None:
        compiled = self.compiled
        n, agents = len(compiled.jobs), compiled.agents
        self.value = [0] * n
        self.end: list[int | None] = [None] * n
        self.on_time = [False] * n
        self.load = [0] * len(agents)
        self.mille = [0] * len(agents)
        self.totals = [0] * len(compiled.departments)
        self.punctual = [0] * len(compiled.departments)
        self.planned = [dict.fromkeys(c.fair, 0) for c in compiled.share_classes]
        for j in range(n):
            self.value[j], self.end[j], self.on_time[j] = self._job_value(j, self.placement.get(j))
        grouped: dict[int, tuple[int, int | None, bool]] = {}
        self._group_values(set(compiled.parts), {}, grouped)
        for j, known in grouped.items():
            self.value[j], self.end[j], self.on_time[j] = known
        for j, job in enumerate(compiled.jobs):
            placement = self.placement.get(j)
            self.totals[job.department] += not job.is_part
            self.punctual[job.department] += self.on_time[j]
            if placement is not None:
                a = placement[0]
                self.load[a] += job.effort
                self.mille[a] += self._mille(j, a)
                if j in self.class_of:
                    self.planned[self.class_of[j]][job.department] += job.effort
        self.rank_gap = [rank.gap(self.end[hi], self.end[lo]) for hi, lo in compiled.rank_pairs]
        self.per_job = sum(self.value)
        self.rank_total = sum(self.rank_gap)
        classes = compiled.share_classes
        self.share = [share.shortfall(classes[c], self.planned[c]) for c in range(len(classes))]
        self.overload = sum(self._over(a, load) for a, load in enumerate(self.load))
        self.urgent = [] if self.caps is None else self.caps.totals(compiled, self.placement)
        self.excess = 0 if self.caps is None else self.caps.excess(self.urgent)
        self.cost = self._cost(self.per_job, self.overload, self.mille, self.punctual, self.rank_total, sum(self.share))

    def _cost(
        self, per_job: int, over: int, mille: list[int], punctual: list[int], rank_sum: int, share_sum: int
    ) -> int:
        """The plan's cost from the kept buckets: the per-request terms' sum as kept, and the other terms
        combined by their modules, weighted by `solver.terms.weighted_sum`."""
        rates = [on_time_rate(o, t) for o, t in zip(punctual, self.totals, strict=True)]
        others = {
            Term.OVERLOAD: over,
            Term.SPREAD: spread.highest_minus_lowest(self._spread_loads(mille)),
            Term.FAIRNESS: fairness.shortfall(rates),
            Term.RANK: rank_sum,
            Term.SHARE: share_sum,
        }
        return per_job + weighted_sum(self.compiled, others)

    def _schedule(self, a: int, queue: list[int]) -> list[int] | None:
        """Own-axis starts of a queue on agent a, each as early as it can go; None when one cannot fit."""
        cursor, starts = self.not_before[a], []
        for j in queue:
            start = self._first_start(a, j, cursor)
            if start is None:
                return None
            starts.append(start)
            cursor = start + self._effort[j]
        return starts

    def _first_start(self, a: int, j: int, cursor: int) -> int | None:
        """The earliest own-axis start of job j on agent a at or after `cursor`: within its range, clear of
        the held blocks and, for work that may not pause, within one window; None when there is none."""
        earliest, latest = self.range_of(j)[a]
        effort = self._effort[j]
        start = cursor if cursor > earliest else earliest
        fit, blocks = self._fits[j], self.blocks[a]
        while True:
            for block_start, block_end in blocks:
                if block_end <= start:
                    continue
                if block_start >= start + effort:
                    break
                start = block_end
            if start > latest:
                return None
            if fit is None:
                return start
            allowed = fit[a].fit(start)  # work that may not pause: to the next stretch it fits in
            if allowed is None:
                return None
            if allowed == start:
                return start
            start = allowed

    def _reschedule(self, a: int, queue: list[int]) -> list[tuple[int, int]] | None:
        """(job, own start) for the jobs of agent a's new queue whose start may differ from the current plan's;
        None when one cannot fit. When every queue is as early as it can go (not `keep_starts`), the part
        the new queue shares with the current one at its head keeps its starts (a queue's starts depend only on
        what comes before), and scheduling stops at the first job of the shared tail that gets its current
        start back (all after it then keep theirs)."""
        if not self._tight:
            starts = self._schedule(a, queue)
            return None if starts is None else list(zip(queue, starts, strict=True))
        old, placement, effort = self.queues[a], self.placement, self._effort
        n, shift = len(queue), len(queue) - len(self.queues[a])
        head, most = 0, min(n, len(old))
        while head < most and queue[head] == old[head]:
            head += 1
        tail = n  # the shared tail: queue[tail:] == old[tail - shift:], neither reaching into the head
        while tail > head and tail - 1 - shift >= head and queue[tail - 1] == old[tail - 1 - shift]:
            tail -= 1
        if head:
            last = queue[head - 1]
            cursor = placement[last][1] + effort[last]
        else:
            cursor = self.not_before[a]
        out = []
        for i in range(head, n):
            j = queue[i]
            start = self._first_start(a, j, cursor)
            if start is None:
                return None
            if i >= tail and start == placement[j][1]:
                break
            out.append((j, start))
            cursor = start + effort[j]
        return out

    def price(self, patch: _Patch) -> Delta | None:
        """Schedule the patch's queues and price it (kept as `patch.delta` too); None when a queue cannot be
        scheduled."""
        queued = {j for queue in patch.queues.values() for j in queue}
        for a in patch.queues:
            for j in self.queues[a]:
                if j not in queued and j not in patch.deferred:
                    return None  # a job dropped from a queue must be placed elsewhere or deferred by the move
        changed: dict[int, tuple[int, int] | None] = {}
        placement = self.placement
        for a, queue in patch.queues.items():
            span = self._reschedule(a, queue)
            if span is None:
                return None
            for j, start in span:
                if placement.get(j) != (a, start):  # only what moves is priced again
                    changed[j] = (a, start)
        for j in patch.deferred:
            if j in placement:
                changed[j] = None
        patch.delta = self.evaluate(changed)
        return patch.delta

    def evaluate(self, changed: dict[int, tuple[int, int] | None]) -> Delta:
        """The plan with these jobs placed anew (None: deferred), every other job where it is, priced."""
        compiled = self.compiled
        per_job, mille = self.per_job, list(self.mille)
        load: dict[int, int] = {}
        punctual = list(self.punctual)
        planned: dict[int, dict[int, int]] = {}
        jobs: dict[int, tuple[int, int | None, bool]] = {}
        for j in changed:
            jobs[j] = self._job_value(j, changed[j])
        if compiled.parts:
            self._group_values({k for j in changed if (k := self._lead[j]) is not None}, changed, jobs)
        for j, (value, _, on_time) in jobs.items():
            per_job += value - self.value[j]
            if on_time != self.on_time[j]:
                punctual[compiled.jobs[j].department] += on_time - self.on_time[j]
        for j, placement in changed.items():
            old = self.placement.get(j)
            job = compiled.jobs[j]
            if old is not None and placement is not None and old[0] == placement[0]:
                continue  # re-timed on its own agent: no bucket but the request's own changes
            effort = self._effort[j]
            if old is not None:
                load[old[0]] = load.get(old[0], self.load[old[0]]) - effort
                mille[old[0]] -= self._mille(j, old[0])
            if placement is not None:
                load[placement[0]] = load.get(placement[0], self.load[placement[0]]) + effort
                mille[placement[0]] += self._mille(j, placement[0])
            if j in self.class_of and (old is None) != (placement is None):
                c = self.class_of[j]
                counts = planned.setdefault(c, dict(self.planned[c]))
                counts[job.department] += effort if placement is not None else -effort
        rank_sum, rank_gaps = self.rank_total, {}
        for p in {p for j in changed for p in self.pairs_of.get(j, ())}:
            hi, lo = compiled.rank_pairs[p]
            end_hi = jobs[hi][1] if hi in jobs else self.end[hi]
            end_lo = jobs[lo][1] if lo in jobs else self.end[lo]
            gap = rank_gaps[p] = rank.gap(end_hi, end_lo)
            rank_sum += gap - self.rank_gap[p]
        classes = compiled.share_classes
        shares = {c: share.shortfall(classes[c], counts) for c, counts in planned.items()}
        share_sum = sum(self.share) + sum(new - self.share[c] for c, new in shares.items())
        above, targets, loads = overload.above_target, self.targets, self.load
        over = self.overload + sum(above(new, targets[a]) - above(loads[a], targets[a]) for a, new in load.items())
        cost = self._cost(per_job, over, mille, punctual, rank_sum, share_sum)
        urgent, excess = self.urgent, self.excess
        if self.caps is not None:
            urgent, tier_of, end = list(urgent), self.caps.tier_of, self.end
            touched = set(changed)  # and the shared requests whose parts moved: counted once, by the group's end
            if compiled.parts:
                touched.update(k for j in changed if (k := self._lead[j]) is not None)

            def new_end(k: int) -> int | None:
                return jobs[k][1] if k in jobs else end[k]

            for j in touched:
                t = tier_of.get(j)
                if t is not None:
                    urgent[t] += group_minutes(compiled, j, new_end) - group_minutes(compiled, j, end.__getitem__)
            excess = self.caps.excess(urgent)
        return Delta(
            changed,
            jobs,
            per_job,
            load,
            mille,
            punctual,
            planned,
            shares,
            rank_gaps,
            rank_sum,
            over,
            cost,
            urgent,
            excess,
        )

    def better(self, delta: Delta, than: int) -> bool:
        """Whether the priced change keeps the urgent caps as well as the current plan does (or better) and
        costs no more than `than`, or comes closer to the caps: the caps first, then the cost."""
        return delta.excess < self.excess or (delta.excess == self.excess and delta.cost <= than)

    def _over(self, a: int, load: int) -> int:
        return overload.above_target(load, self.targets[a])

    def apply(self, patch: _Patch) -> None:
        """Make a priced move."""
        assert patch.delta is not None, "price the patch first"
        for a, queue in patch.queues.items():
            self.queues[a] = queue
        self._commit(patch.delta)

    def move(self, j: int, placement: tuple[int, int], delta: Delta) -> None:
        """Place job j at (agent, own start) as given, nothing else moving: `delta` is `evaluate({j: placement})`
        (the caller checked the room)."""
        self._tight = False  # a start as given: queues are no longer as early as they can go
        here = self.queue_of.get(j)
        if here is not None:
            self.queues[here].remove(j)
        agent, start = placement
        position = bisect.bisect_left([self.placement[k][1] for k in self.queues[agent]], start)
        self.queues[agent].insert(position, j)
        self._commit(delta)

    def _commit(self, delta: Delta) -> None:
        for j, known in delta.jobs.items():  # the jobs placed anew, and shared requests whose parts were
            self.value[j], self.end[j], self.on_time[j] = known
        for j, placement in delta.changed.items():
            if placement is not None:
                self.placement[j] = placement
                self.queue_of[j] = placement[0]
            else:
                self.placement.pop(j, None)
                self.queue_of.pop(j, None)
        for a, load in delta.load.items():
            self.load[a] = load
        for c, planned in delta.planned.items():
            self.planned[c] = planned
            self.share[c] = delta.share[c]
        for p, gap in delta.rank_gaps.items():
            self.rank_gap[p] = gap
        self.per_job, self.mille, self.punctual = delta.per_job, delta.mille, delta.punctual
        self.rank_total, self.overload, self.cost = delta.rank, delta.overload, delta.cost
        self.urgent, self.excess = delta.urgent, delta.excess

    # -- moves ----------------------------------------------------------------------------------------------

    def random_move(self, rng: random.Random) -> _Patch | None:
        """A relocation (two thirds of the time) or a swap of a random free request (at large sizes among the
        costliest ones: `FOCUS`)."""
        if len(self.free) < FOCUS_FROM:
            j = rng.choice(self.free)
        else:
            self._since_ranked -= 1
            if self._since_ranked <= 0:
                self._since_ranked = FOCUS_EVERY
                value = self.value
                self._costly = sorted(self.free, key=lambda k: -value[k])[: len(self.free) // FOCUS]
            j = rng.choice(self._costly)
        if rng.random() < 2 / 3:
            return self._relocate(j, rng)
        return self._swap(j, rng)

    def _relocate(self, j: int, rng: random.Random) -> _Patch | None:
        """j to a random place in a random candidate's queue (its own included) or, one time in ten when it
        is placed, out to the deferred list."""
        here = self.queue_of.get(j)
        options = self.options_of(j)
        if here is not None and rng.random() < 0.1:
            return _Patch({here: [k for k in self.queues[here] if k != j]}, deferred={j})
        b = rng.choice(options)
        queues = {}
        if here is not None:
            queues[here] = [k for k in self.queues[here] if k != j]
        target = list(queues.get(b, self.queues[b]))
        target.insert(rng.randint(0, len(target)), j)
        queues[b] = target
        return _Patch(queues)

    def _swap(self, j: int, rng: random.Random) -> _Patch | None:
        """j and a random request of a candidate's queue trade places; when j is deferred, it takes the
        other's place and the other is deferred."""
        b = rng.choice(self.options_of(j))
        if not self.queues[b]:
            return None
        k = rng.choice(self.queues[b])
        here = self.queue_of.get(j)
        if k == j or (here is not None and here not in self.range_of(k)):
            return None
        if here is None:  # j comes in from the deferred list, k goes out to it
            return _Patch({b: [j if x == k else x for x in self.queues[b]]}, deferred={k})
        if here == b:
            return _Patch({b: [k if x == j else j if x == k else x for x in self.queues[b]]})
        return _Patch(
            {
                here: [k if x == j else x for x in self.queues[here]],
                b: [j if x == k else x for x in self.queues[b]],
            }
        )

    def placements(self) -> dict[int, tuple[int, int]]:
        return dict(self.placement)


def polish(
    compiled: Compiled,
    placements: Placements,
    budget: Budget,
    seed: int = 0,
    moves: int | None = None,
    stall: int = STALL,
) -> tuple[Placements, int]:
    """The cheapest plan found from `placements` by late-acceptance moves until the budget is spent
    or `moves` moves, or `placements` itself when nothing cheaper was found; returns (plan, moves
    tried). A plan returned other than the input keeps every pin. `stall`: moves without a new best plan
    before a restart (see STALL)."""
    state = Polisher(compiled, placements)
    if not state.free:
        return dict(placements), 0
    rng = random.Random(seed)
    best, best_cost = state.placements(), (state.excess, state.cost)
    caps = compiled.urgent_caps
    start_cost = (0 if caps is None else caps.excess_of(compiled, placements), total_cost(compiled, placements))
    history = [state.cost] * HISTORY
    tried = since_best = 0
    while (moves is None or tried < moves) and (tried % 64 or budget.left() > 0):
        if since_best >= stall:
            state = _kicked(compiled, best, rng)
            history = [state.cost] * HISTORY
            since_best = 0
        patch = state.random_move(rng)
        tried += 1
        since_best += 1
        if patch is None or (delta := state.price(patch)) is None:
            continue
        slot = tried % HISTORY
        if state.better(delta, max(state.cost, history[slot])):  # late acceptance, within the urgent caps
            state.apply(patch)
            if (state.excess, state.cost) < best_cost:
                best, best_cost = state.placements(), (state.excess, state.cost)
                since_best = 0
        history[slot] = state.cost
    if best_cost >= start_cost or not pins_hold(compiled, best):
        return dict(placements), tried
    return best, tried


def _kicked(compiled: Compiled, best: Placements, rng: random.Random) -> Polisher:
    """A fresh state at the best plan after KICK random moves made whatever they cost (at most 20 x KICK
    tries: some random moves cannot be scheduled)."""
    state = Polisher(compiled, best)
    made = 0
    for _ in range(20 * KICK):
        patch = state.random_move(rng)
        if patch is not None and state.price(patch):
            state.apply(patch)
            made += 1
            if made == KICK:
                break
    return state
