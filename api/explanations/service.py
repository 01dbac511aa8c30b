"""Explanations over HTTP: every kind about one request of a stored plan (receipt, priority, placement, what
would let it in, trade-offs, why not other teammates, overload relief, the lead's overrides, order, pin
conflicts), computed on demand from the plan's own scenario, in the reader's register.

The counterfactual kinds re-plan, so they are computed once per (plan, request) and kept by the app (one per
database) with the plan's id (a stored plan never changes); a requester reads other departments' requests by
department only ("a Finance request"), never their titles or ids.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock

from api import offload
from api.problems import Conflict
from api.roles import Principal, Role
from api.store import plans
from api.store.tables import PlanRow
from solver.tradeoffs import explain_request
from triage.explanations.people import request_phrase
from triage.explanations.style import Register
from triage.model import Scenario
from triage.report import receipt
from triage.results import Explanation, Fact, Plan

CACHED_REQUESTS = 512  # (plan, request) answers kept per app, least recently used dropped
CACHED_PLANS = 4  # and only those of the newest plans asked about: readers ask about the current plan


class ExplanationCache:
    """The computed explanations of one app (one database), by (plan id, request id): at most `size` answers,
    of the `plans` newest plans asked about. A queue that keeps changing makes a plan a few seconds old (the live
    re-plan), so answers about older plans are rarely asked again: kept for 512 answers alone, they filled the
    cache over 40 minutes of the soak, 55 KB an answer on the demo, and looked like a leak."""

    def __init__(self, size: int = CACHED_REQUESTS, plans: int = CACHED_PLANS, *, in_child: bool = False) -> None:
        self.in_child = in_child  # compute in a child process (`api.offload`)
        self._found: OrderedDict[tuple[int, str], list[Explanation]] = OrderedDict()
        self._size = size
        self._plans = plans
        self._lock = Lock()

    def get(self, key: tuple[int, str]) -> list[Explanation] | None:
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
            return self._found.get(key)

    def put(self, key: tuple[int, str], found: list[Explanation]) -> None:
        with self._lock:
            self._found[key] = found
            newest = sorted({plan_id for plan_id, _ in self._found})[-self._plans :]
            for old in [k for k in self._found if k[0] < newest[0]]:
                del self._found[old]
            while len(self._found) > self._size:
                self._found.popitem(last=False)

    def __len__(self) -> int:
        return len(self._found)


def register_of(principal: Principal, detail: bool) -> Register:
    """Requesters and agents read the people register, leads and managers the lead's; `detail`: the engineers'."""
    if detail:
        return Register.DETAIL
    return Register.LEAD if principal.role in (Role.LEAD, Role.MANAGER, Role.ADMIN) else Register.PEOPLE


def computed(cache: ExplanationCache, plan_row: PlanRow, request_id: str) -> list[Explanation]:
    """Every explanation of the request in the plan, computed once per app and plan."""
    key = (plan_row.id, request_id)
    if (cached := cache.get(key)) is not None:
        return cached
    scenario = plans.scenario_of(plan_row)
    if scenario is None:
        raise Conflict(f"Plan {plan_row.id} was stored without its scenario; compute a new plan to explain it.")
    plan = plans.body(plan_row)
    found = offload.call(cache.in_child, every_explanation, scenario, plan, request_id)
    found += [e for e in plan.explanations if e.kind == "pin_conflict" and request_id in e.request_ids]
    cache.put(key, found)
    return found


def every_explanation(scenario: Scenario, plan: Plan, request_id: str) -> list[Explanation]:
    """The receipt and every explanation `solver.tradeoffs` computes about the request (some re-plan)."""
    return [receipt(scenario, plan, request_id), *explain_request(scenario, plan, request_id)]


def for_reader(principal: Principal, plan_row: PlanRow, explanations: list[Explanation]) -> list[Explanation]:
    """The explanations as the principal may read them: a requester sees other departments' requests named by
    department only, and no facts about them."""
    if principal.role != Role.REQUESTER:
        return explanations
    scenario = plans.scenario_of(plan_row)
    assert scenario is not None  # computed() refused a plan without one
    return [_redacted(scenario, e, principal.department_id or "") for e in explanations]


def _redacted(scenario: Scenario, e: Explanation, department_id: str) -> Explanation:
    names = {d.id: d.name for d in scenario.departments}
    others = {r.id: names[r.department] for r in scenario.requests if r.department != department_id}
    texts = {"text": e.text, "lead_text": e.lead_text, "detail_text": e.detail_text}
    for request_id, department in sorted(others.items(), key=lambda item: -len(item[0])):
        for field, text in texts.items():
            text = text.replace(request_phrase(scenario, request_id), f"a {department} request")
            texts[field] = re.sub(rf"(?<![\w-]){re.escape(request_id)}(?![\w-])", f"a {department} request", text)
    facts = [f for f in e.facts if not _about(f, others)]
    kept = [r for r in e.request_ids if r not in others]
    return e.model_copy(update={**texts, "facts": facts, "request_ids": kept})


def _about(fact: Fact, others: dict[str, str]) -> bool:
    key = fact.name.split(":", 1)[1] if ":" in fact.name else None
    return key in others or str(fact.value) in others
