"""`solver.simulation.replay` and `triage.simulation.replay` on a small known history
(tests/triage/importers/replay_sample.csv, a ServiceNow event log of Group 1, two agents, every active spell one
hour so that every learned effort is 60 min): the figures of both sides are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.simulation.replay import ReplayParams, replay
from tests.triage.importers.snow import mapping, read_csv
from triage.calendar import BusinessAxis
from triage.importers.build import import_tickets
from triage.importers.tabular import tickets_from_rows
from triage.importers.tickets import Ticket
from triage.simulation.replay import DayBacklog, log_outcome, open_at, window_closes

SAMPLE = Path(__file__).parents[1] / "triage" / "importers" / "replay_sample.csv"
START = datetime(2016, 3, 1, tzinfo=UTC)  # a Tuesday; the window is Tue and Wed, 09:00-17:00 UTC
TEAM = mapping(team_groups=["Group 1"])
CLOSES = window_closes(TEAM.calendar, START, 2)


@pytest.fixture(scope="module")
def tickets() -> list[Ticket]:
    _, rows = read_csv(SAMPLE)
    return tickets_from_rows(rows, TEAM)


def test_the_window_closes_at_each_working_day_end() -> None:
    assert [c.isoformat() for c in CLOSES] == ["2016-03-01T17:00:00+00:00", "2016-03-02T17:00:00+00:00"]


def test_the_log_outcome_is_what_the_history_says(tickets: list[Ticket]) -> None:
    log = log_outcome(tickets, TEAM, START, CLOSES)
    # created in the window: INC4, INC5, INC6 (Tue), INC7 (Wed 10:00); INC8 came after Wed's close
    assert log.arrived == 4
    # done by Wed 17:00: INC4 (Tue 11:00), INC6 (Tue 15:00), INC5 (Wed 10:00, after waiting on its caller)
    assert log.finished == 3
    assert (log.on_time, log.on_time_pct) == (2, 66.7)  # INC5's made_sla is false
    # business minutes to finish: INC6 60, INC4 90, INC5 450 + 60 = 510: median 90, p90 (nearest rank) 510
    assert (log.median_hours, log.p90_hours) == (1.5, 8.5)
    assert log.reassignments == 1  # INC5: Resolver 2, then Resolver 1
    # Tue close: INC5 waits (INC3, open at the start, was resolved Tue 10:00); Wed close: INC7 is new
    assert log.backlog == [
        DayBacklog(day=CLOSES[0].date(), open_requests=1),
        DayBacklog(day=CLOSES[1].date(), open_requests=1),
    ]


def test_tandem_replays_the_arrivals_hourly(tickets: list[Ticket]) -> None:
    imported = import_tickets(tickets, TEAM, format_label="test", rows=0, now=CLOSES[-1])
    assert {r.effort_minutes for r in imported.scenario.requests} == {60}  # six done, each one active hour
    opened = open_at(tickets, TEAM, START)
    assert opened == {"INC3"}  # active with Resolver 1 since Mon 16:00
    replayed = replay(imported.scenario, start=START, closes=CLOSES, open_at_start=opened, params=ReplayParams())
    tandem = replayed.outcome
    # plans at Tue 09:00 (INC3), Tue 10:00 (INC4, INC5 came at 09:30), Tue 14:00 (INC6), Wed 10:00 (INC7)
    assert replayed.replans == 4
    assert (tandem.arrived, tandem.finished, tandem.on_time, tandem.on_time_pct) == (4, 4, 4, 100.0)
    # INC4 and INC5 09:30 -> 11:00 (90 min), INC6 and INC7 one hour from arrival: median 60, p90 90
    assert (tandem.median_hours, tandem.p90_hours) == (1.0, 1.5)
    assert tandem.reassignments == 0
    assert [b.open_requests for b in tandem.backlog] == [0, 0]


def test_a_coarser_replan_finishes_later_and_the_run_repeats(tickets: list[Ticket]) -> None:
    imported = import_tickets(tickets, TEAM, format_label="test", rows=0, now=CLOSES[-1])
    opened = open_at(tickets, TEAM, START)
    params = ReplayParams(every_minutes=240)  # plans at 09:00 and 13:00 only
    first = replay(imported.scenario, start=START, closes=CLOSES, open_at_start=opened, params=params)
    again = replay(imported.scenario, start=START, closes=CLOSES, open_at_start=opened, params=params)
    assert first == again
    # INC4, INC5 wait for the 13:00 plan (210 + 60 min), INC6 for Wed 09:00 (180 + 60), INC7 Wed 13:00 (180 + 60)
    assert first.outcome.finished == 4
    assert (first.outcome.median_hours, first.outcome.p90_hours) == (4.0, 4.5)
    assert first.replans == 4  # Tue 09:00 and 13:00, Wed 09:00 and 13:00


@settings(max_examples=15, deadline=None)
@given(
    arrivals=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 479), st.integers(15, 300)), min_size=1, max_size=12),
    every=st.sampled_from([30, 60, 120]),
)
def test_no_request_is_done_before_its_effort_is_worked(
    tickets: list[Ticket], arrivals: list[tuple[int, int, int]], every: int
) -> None:
    """Whatever arrives when: a request finishes no sooner than its effort after it arrived (business
    time), and the finished work fits in the two agents' hours of the window."""
    imported = import_tickets(tickets, TEAM, format_label="test", rows=0, now=CLOSES[-1])
    template = imported.scenario.requests[0]
    axis = BusinessAxis(TEAM.calendar, START, 2)
    requests = [
        template.model_copy(
            update={
                "id": f"R{k}",
                "source_id": f"R{k}",
                "effort_minutes": effort,
                "created_at": axis.moment_of(day * 480 + minute),
            }
        )
        for k, (day, minute, effort) in enumerate(arrivals)
    ]
    scenario = imported.scenario.model_copy(update={"requests": requests})
    replayed = replay(
        scenario, start=START, closes=CLOSES, open_at_start=set(), params=ReplayParams(every_minutes=every)
    )
    effort = {r.id: r.effort_minutes for r in requests}
    created = {r.id: r.created_at for r in requests}
    for rid, at in replayed.finishes.items():
        assert axis.minute_of(at) - axis.minute_of(created[rid]) >= effort[rid]
    assert sum(effort[k] for k in replayed.finishes) <= 2 * 2 * 480
    assert replayed.outcome.finished == len(replayed.finishes)
    assert replayed.outcome.backlog[-1].open_requests == len(requests) - len(replayed.finishes)
