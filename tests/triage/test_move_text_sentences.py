"""The requester's sentences of the live queue: a tentative place and a move, every name and time from the
facts (agent ids to names, instants in the team's zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from triage.move_text import moved_sentence, placed_sentence, requester_subject
from triage.names import MoveReasonKind, Priority
from triage.results import Move, MoveReason

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)  # a Monday
NAMES = {"ana": "Ana Costa", "ben": "Ben Okafor"}
SUBJECT = requester_subject("Sales", "Printer jams", "REQ-5")


def test_the_subject_names_the_department_title_and_id() -> None:
    assert SUBJECT == 'Sales\' "Printer jams" (REQ-5)'
    assert requester_subject("Finance", "Close", "REQ-1") == 'Finance\'s "Close" (REQ-1)'


def test_a_place_says_who_and_when_or_why_there_is_none() -> None:
    start, end = datetime(2026, 11, 23, 11, 30, tzinfo=ZONE), datetime(2026, 11, 24, 9, 30, tzinfo=ZONE)
    assert placed_sentence(SUBJECT, "Ana Costa", start, end, None, ZONE, NOW) == (
        'Sales\' "Printer jams" (REQ-5) is placed for now with Ana Costa: expected to start Mon 11:30 and '
        "finish Tue 09:30 (tentative: the full re-plan follows)."
    )
    assert placed_sentence(SUBJECT, None, None, None, "no qualified agent has room", ZONE, NOW) == (
        'Sales\' "Printer jams" (REQ-5) has no place yet: no qualified agent has room.'
    )


def _move(**fields: object) -> Move:
    base: dict[str, object] = {
        "request_id": "REQ-5",
        "from_agent": "ben",
        "to_agent": "ana",
        "from_start": datetime(2026, 11, 23, 10, 0, tzinfo=ZONE),
        "to_start": datetime(2026, 11, 23, 11, 0, tzinfo=ZONE),
        "reasons": [],
    }
    return Move.model_validate({**base, **fields})


def test_a_move_gives_the_new_and_the_old_place_and_the_reasons() -> None:
    ahead = MoveReason(
        kind=MoveReasonKind.NEW_WORK_AHEAD, agent_id="ben", request_ids=["REQ-9"], priorities=[Priority.P1]
    )
    assert moved_sentence(SUBJECT, _move(facts=[ahead]), NAMES, ZONE, NOW) == (
        'Sales\' "Printer jams" (REQ-5) moved: now Ana Costa from Mon 11:00 (was Ben Okafor from Mon 10:00), '
        "because new work ahead of it on Ben Okafor: REQ-9 (P1)."
    )


def test_a_request_entering_or_leaving_the_plan_says_so() -> None:
    new = MoveReason(kind=MoveReasonKind.NEW)
    assert moved_sentence(SUBJECT, _move(from_agent=None, from_start=None, facts=[new]), NAMES, ZONE, NOW) == (
        'Sales\' "Printer jams" (REQ-5) is now planned: Ana Costa from Mon 11:00, because it is new since the '
        "last plan."
    )
    assert moved_sentence(SUBJECT, _move(to_agent=None, to_start=None), NAMES, ZONE, NOW) == (
        'Sales\' "Printer jams" (REQ-5) is no longer planned.'
    )
