"""The names of the facts explanations carry: one enum, so that a builder and a renderer cannot drift apart on
a spelling. A keyed fact (one per request, skill or pin) is named `NAME:key`, built by `keyed`."""

from __future__ import annotations

from enum import StrEnum


class FactName(StrEnum):
    """Every fact name; keyed ones (`KEYED`) carry an id after a colon."""

    AGEING_FACTOR = "ageing_factor"
    AGENT = "agent"
    BUSY_WITH = "busy_with"
    BY = "by"
    CHANGE = "change"
    COST_AFTER = "cost_after"
    COST_BEFORE = "cost_before"
    DEPARTMENT = "department"
    DEPARTMENT_LATER_BY = "department_later_by"  # keyed: department id -> its requests' summed later_by
    DEPARTMENT_OPEN = "department_open"
    DEPARTMENT_RANK = "department_rank"
    DEPARTMENT_URGENT_MARKS = "department_urgent_marks"
    DEPARTMENT_WEIGHT = "department_weight"
    DUE_AT = "due_at"
    DUE_BY_DEADLINE = "due_by_deadline"
    EFFORT_MINUTES = "effort_minutes"
    EXAMINED = "examined"  # 0: the alternative's search found nothing in its time (not shown impossible)
    END = "end"
    FAIR_SHARE_PCT = "fair_share_pct"
    FEASIBLE = "feasible"
    FIRST = "first"
    FIRST_LATER_BY = "first_later_by"
    FIRST_PRIORITY = "first_priority"
    HORIZON_END = "horizon_end"
    IMPACT = "impact"
    KEPT_OWNER = "kept_owner"
    LACKS = "lacks"  # keyed: skill id -> the level the agent lacks
    LATE_AFTER = "late_after"  # keyed: request id -> minutes late after the re-plan
    LONGEST_STRETCH = "longest_stretch"  # the longest unbroken working time of a qualified teammate, minutes
    LATER_BY = "later_by"  # keyed: request id -> working minutes later (negative: earlier)
    MATRIX_CELL = "matrix_cell"
    MATRIX_PRIORITY = "matrix_priority"
    MEANWHILE = "meanwhile"  # a lower-priority request another teammate starts while this one is late
    MEANWHILE_START = "meanwhile_start"  # the earliest of them starts then
    MEANWHILE_TEAMMATES = "meanwhile_teammates"  # how many teammates start them
    MINUTES_LATE = "minutes_late"
    MISSING = "missing"  # keyed: skill id -> the level nobody holds
    MOVE = "move"
    NEEDS = "needs"  # keyed: skill id -> the level the request needs
    NOT_EXAMINED = "not_examined"
    OVERRIDDEN = "overridden"
    OVERRIDE = "override"
    OVERTAKEN_BY = "overtaken_by"
    OVERTAKING_DUE_AT = "overtaking_due_at"
    OVERTAKING_PRIORITY = "overtaking_priority"
    OVERTAKING_RANK = "overtaking_rank"
    PIN = "pin"  # keyed: pin id -> its kind
    PIN_KIND = "pin_kind"
    OWN_END = "own_end"  # done in parts: its agent's own part ends then
    OWN_MINUTES = "own_minutes"  # and is that many working minutes
    OWN_START = "own_start"  # and starts then
    PART_AGENT = "part_agent"  # keyed: the part request's id -> the name of the teammate who does it
    PART_END = "part_end"  # keyed: the part request's id -> when it ends
    PART_MINUTES = "part_minutes"  # keyed: the part request's id -> its working minutes
    PART_OF = "part_of"  # the request this one is a teammate's part of (an accepted share)
    PART_START = "part_start"  # keyed: the part request's id -> when it starts
    PINNED_REQUEST = "pinned_request"
    PINNED_TO = "pinned_to"  # the agent an assign pin holds the request to
    PLANNED_MINUTES = "planned_minutes"
    PLANNED_SHARE_PCT = "planned_share_pct"
    PREVIOUS_END = "previous_end"
    PREVIOUS_REQUEST = "previous_request"
    PRIORITY = "priority"
    PRIORITY_WEIGHT = "priority_weight"
    QUALIFIED = "qualified"
    QUALIFIED_COUNT = "qualified_count"
    RANK = "rank"
    REASON = "reason"
    RULE = "rule"
    SEARCHED = "searched"  # the teammates whose work the alternative's search re-arranged (ids)
    SEARCHED_REQUESTS = "searched_requests"  # the requests free to move in it
    SEARCHED_TEAMMATES = "searched_teammates"  # how many teammates' work it re-arranged
    SEARCH_LOCAL = "search_local"  # 1: the rest of the plan held as it is; 0: everything re-planned
    SEARCH_PROVEN = "search_proven"  # 1: no cheaper arrangement of that scope exists; 0: the cheapest found in time
    SEARCH_SECONDS = "search_seconds"  # the seconds the search was given
    SEARCH_BOUND = "search_bound"  # the cost no arrangement of that scope goes below, as the search proved it
    SECOND = "second"
    SECOND_EARLIER_BY = "second_earlier_by"
    SECOND_PRIORITY = "second_priority"
    SLACK_MINUTES = "slack_minutes"
    START = "start"
    TARGET_MINUTES = "target_minutes"
    TO = "to"
    URGENCY = "urgency"
    URGENCY_CLAIMED = "urgency_claimed"
    URGENCY_DISCOUNTED = "urgency_discounted"
    URGENCY_USED = "urgency_used"
    URGENT_SHARE_PCT = "urgent_share_pct"
    WAITED_MINUTES = "waited_minutes"
    WEIGHT = "weight"


KEYED = frozenset(
    {
        FactName.DEPARTMENT_LATER_BY,
        FactName.NEEDS,
        FactName.LACKS,
        FactName.LATE_AFTER,
        FactName.LATER_BY,
        FactName.MISSING,
        FactName.PART_AGENT,
        FactName.PART_END,
        FactName.PART_MINUTES,
        FactName.PART_START,
        FactName.PIN,
    }
)


def keyed(name: FactName, key: str) -> str:
    """The name of a keyed fact: `later_by:REQ-7`."""
    assert name in KEYED, name
    return f"{name.value}:{key}"


def key_of(fact_name: str, name: FactName) -> str | None:
    """The key of a keyed fact of this name, or None when the fact is another."""
    prefix = f"{name.value}:"
    return fact_name[len(prefix) :] if fact_name.startswith(prefix) else None
