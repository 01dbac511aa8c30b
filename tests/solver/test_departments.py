"""Conflicting department priorities, on scenarios built to conflict: urgency inflation, fair shares,
a department's own order, and the reports and receipts that show the lead how it was decided."""

from __future__ import annotations

from typing import Any

from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from triage.explanations.style import working_time
from triage.names import Priority
from triage.report import department_report, receipt

TWO_DEPARTMENTS = [{"id": "loud", "name": "Loud", "weight": 1}, {"id": "quiet", "name": "Quiet", "weight": 1}]
ONE_DAY = {"horizon_days": 1}


def loud_and_quiet() -> Any:
    # Two teammates, one working day (960 min); 12 requests of 120 min (1,440 min): not everything fits.
    # Loud marks all 8 of its requests "work stopped"; Quiet marks 1 of its 4.
    loud = [
        request(
            f"L{i}", effort=120, department="loud", impact="department", urgency="work_stopped", department_rank=i + 1
        )
        for i in range(8)
    ]
    quiet = [
        request("Q0", effort=120, department="quiet", impact="department", urgency="work_stopped", department_rank=1)
    ]
    quiet += [
        request(
            f"Q{i}", effort=120, department="quiet", impact="department", urgency="inconvenient", department_rank=i + 1
        )
        for i in range(1, 4)
    ]
    return scenario([agent("ana"), agent("ben")], loud + quiet, departments=TWO_DEPARTMENTS, policy=ONE_DAY)


def test_a_department_marking_everything_urgent_has_half_its_marks_count_one_level_lower() -> None:
    s = loud_and_quiet()
    result = checked_plan(s)
    priorities = {e.request_ids[0]: e.fact("priority") for e in result.explanations if e.kind == "priority"}
    assert [priorities[f"L{i}"] for i in range(8)] == ["P1"] * 4 + ["P2"] * 4  # its own top 4 keep their marks
    assert priorities["Q0"] == "P1"
    discounted = next(e for e in result.explanations if e.kind == "priority" and e.request_ids == ["L7"])
    assert discounted.detail_text.startswith(
        "Loud marks 8 of its 8 open requests urgent, more than the 50 % the policy honours in full, so this one's "
        "mark (stops their work) counts one level lower."
    )
    assert discounted.text == (
        "P2: it affects a department and slows their work; due Mon 17:00, 1 day after filing. Its mark (stops "
        "their work) counts one level lower. Loud marks 8 of its 8 open requests urgent; the marks on its "
        "lowest-ranked requests beyond 50 % count one level lower. Loud ranks it number 8."
    )
    loud = next(d for d in result.departments if d.department_id == "loud")
    assert (loud.urgent_marks, loud.urgent_honoured) == (8, 4)


def test_a_department_marking_everything_urgent_does_not_starve_one_that_marks_sparingly() -> None:
    # Three teammates can finish six 120-min requests by 13:00, when the P1s are due. Loud's 4 honoured marks
    # and Quiet's one are 5 P1 requests: all fit, Quiet's among them. Without the rule Loud would have 8 P1
    # requests competing with Quiet's one for the 6 slots.
    base = loud_and_quiet()
    s = base.model_copy(update={"agents": [*base.agents, base.agents[0].model_copy(update={"id": "cy", "name": "Cy"})]})
    result = checked_plan(s)
    on_time = {a.request_id for a in result.assignments if a.minutes_late == 0}
    assert {"Q0", "L0", "L1", "L2", "L3"} <= on_time
    off = s.model_copy(update={"policy": s.policy.model_copy(update={"urgent_share_pct": 100})})
    p1 = [e for e in checked_plan(off).explanations if e.kind == "priority" and e.fact("priority") == "P1"]
    assert len(p1) == 9  # with the rule switched off, every mark counts


def test_a_departments_own_order_is_kept_where_nothing_else_decides() -> None:
    ranks = {"R1": 3, "R2": 1, "R3": 4, "R4": 2}
    work = [request(rid, effort=60, department_rank=rank) for rid, rank in ranks.items()]
    result = checked_plan(scenario([agent("ana")], work))
    order = [a.request_id for a in sorted(result.assignments, key=lambda a: a.start_minute)]
    assert order == ["R2", "R4", "R1", "R3"]
    assert not [e for e in result.explanations if e.kind == "order"]


def test_when_priority_decides_over_the_departments_order_the_explanation_says_so() -> None:
    work = [
        request("WANTED", effort=60, department_rank=1, impact="person", urgency="can_wait"),
        request("URGENT", effort=60, department_rank=2, impact="company", urgency="work_stopped"),
    ]
    result = checked_plan(scenario([agent("ana")], work))
    (order,) = [e for e in result.explanations if e.kind == "order"]
    assert order.text == (
        "Operations ranks WANTED number 1, but URGENT (number 2) finishes first: it has a higher priority "
        "(P1 against P4)."
    )


def test_the_receipt_breaks_the_score_into_its_factors() -> None:
    s = loud_and_quiet()
    result = checked_plan(s)
    r = receipt(s, result, "L7")
    assert (r.fact("priority"), r.fact("urgency_claimed"), r.fact("urgency_discounted")) == (
        Priority.P2.value,
        "work_stopped",
        1,
    )
    assert r.fact("weight") == 4 * 1 * 1
    assert r.text == (
        "L7 is P2: it affects a department and slows their work (its urgent mark counts one level lower). It is due "
        f"in {working_time(int(r.fact('slack_minutes')))}. Loud ranks it number 8. "
        f"Loud has {r.fact('planned_share_pct')} % of the planned time against a fair share of "
        f"{r.fact('fair_share_pct')} %."
    )
    assert r.detail_text.startswith(
        "L7: P2 (matrix cell department x degraded (marked work_stopped, one level lower under the urgency rule)) "
        "weighs 4, x Loud 1, x 1 for waiting 0 min = 4 per minute late"
    )


def test_the_department_report_says_what_it_asked_for_and_gets() -> None:
    s = loud_and_quiet()
    result = checked_plan(s)
    lines = department_report(s, result, "loud")
    assert lines[0] == (
        "Loud asked for 8 request(s), 16 h of work, and marked 8 urgent; 4 of those marks count in full, the rest "
        "one level lower, because the policy honours urgent marks in full on 50 % of a department's requests."
    )
    loud = next(d for d in result.departments if d.department_id == "loud")
    assert lines[1] == (
        f"It gets {loud.planned} planned in the next 1 working days, {loud.on_time} on time, "
        f"{loud.planned - loud.on_time} late and {loud.not_planned} not planned: {loud.planned_share_pct} % of the "
        f"team's planned time against a fair share of 50.0 %."
    )


THREE = [
    {"id": "a", "name": "A", "weight": 3},
    {"id": "b", "name": "B", "weight": 1},
    {"id": "c", "name": "C", "weight": 1},
]


def test_each_department_keeps_near_its_fair_share_when_all_have_waiting_work() -> None:
    # Weights 3 : 1 : 1 give fair shares of 60 %, 20 %, 20 %. Each department asks for more than the whole
    # team can do in a day, all at one priority: lateness alone (3 x the weight) would give A everything.
    work = [
        request(f"{d}{i}", effort=120, department=d, impact="team", urgency="inconvenient")
        for d in "abc"
        for i in range(8)
    ]
    # Unprotected: with protect_priorities fairness only breaks ties, and share alone holds A to 75 %.
    fair_policy = {**ONE_DAY, "protect_priorities": False}
    result = checked_plan(scenario([agent("ana"), agent("ben")], work, departments=THREE, policy=fair_policy))
    shares = {d.department_id: d for d in result.departments}
    assert all(d.asks_for_share for d in shares.values())
    for d in shares.values():
        assert abs(d.planned_share_pct - d.fair_share_pct) <= 10, d  # the documented tolerance
    # and without the share term, the heavy department takes (nearly) everything
    policy = {**ONE_DAY, "term_weights": {"share": 0}}
    unfair = checked_plan(scenario([agent("ana"), agent("ben")], work, departments=THREE, policy=policy))
    assert next(d for d in unfair.departments if d.department_id == "a").planned_share_pct >= 90


def test_higher_priority_work_is_not_traded_for_a_fair_share() -> None:
    # A's P1 work fills the day; B's P3 work waits: shares are kept per priority, so A's P1 work all goes first.
    work = [request(f"a{i}", effort=120, department="a", impact="company", urgency="work_stopped") for i in range(8)]
    work += [request(f"b{i}", effort=120, department="b", impact="team", urgency="inconvenient") for i in range(8)]
    policy = {**ONE_DAY, "urgent_share_pct": 100}
    result = checked_plan(scenario([agent("ana"), agent("ben")], work, departments=THREE[:2], policy=policy))
    assert {a.request_id for a in result.assignments} == {f"a{i}" for i in range(8)}


def test_a_pin_moves_others_later_and_their_explanations_say_by_whom_and_why() -> None:
    from solver.params import SolveParams
    from solver.tradeoffs import override_effects

    work = [
        request("HIGH", effort=60, impact="company", urgency="work_stopped"),
        request("DEMO", effort=60, impact="person", urgency="can_wait"),
    ]
    pins = [{"id": "p1", "kind": "first", "request": "DEMO", "reason": "CEO demo at 10:00", "by": "queue lead"}]
    s = scenario([agent("ana")], work, pins=pins, policy=flat_policy(60))  # both due at 10:00
    result = checked_plan(s)
    (effect,) = override_effects(s, result, SolveParams(time_limit_seconds=2, workers=1))
    assert effect.request_ids == ["HIGH", "DEMO"]
    assert effect.text == (
        'Moved later by the queue lead: HIGH finishes 1 h later because Operations\' "Request DEMO" (DEMO) is '
        'pinned first. Reason: "CEO demo at 10:00".'
    )
    lines = department_report(s, result, "ops", [effect])
    assert lines[-1] == effect.text
