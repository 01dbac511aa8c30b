"""The soak benchmark's bookkeeping (`benchmarks/soak_bench.py`): what counts as a failure, and the memory
slope. The soak itself runs for minutes against real servers and is not run here."""

from __future__ import annotations

from benchmarks.soak_bench import Tally, memory_lines, quantile, slope_per_minute, summary


def test_server_errors_transport_errors_and_unexpected_refusals_are_failures_expected_ones_are_not() -> None:
    tally = Tally()
    tally.add("apply plan", 409, 10.0, "stale")  # expected: the queue moved on
    tally.add("apply plan", 200, 20.0)
    tally.add("file request", 201, 5.0)
    tally.add("file request", 500, 7.0, "boom")
    tally.add("read placement", 0, 1.0, "ReadError")
    tally.add("read placement", 404, 3.0, "not found")  # not expected for this operation
    lines, failures = summary(tally, seconds=2.0)
    assert failures == 3
    assert tally.bodies["file request", 500] == "boom"
    assert tally.bodies["apply plan", 409] == "stale"  # expected statuses keep a body too, to check the reason
    row = next(line for line in lines if line.startswith("| file request |"))
    assert "| 2 | 1.00 |" in row and "201: 1, 500: 1" in row


def test_the_memory_slope_is_per_minute_and_leaves_the_warm_up_out() -> None:
    assert slope_per_minute([(0.0, 100.0), (60.0, 103.0), (120.0, 106.0)]) == 3.0
    assert slope_per_minute([(0.0, 100.0), (60.0, 100.0)]) == 0.0  # too few points to say
    samples = [(t, {"api": 100.0 + (50.0 if t < 30 else 0.0) + t / 60}) for t in range(0, 300, 5)]
    row = memory_lines([(float(t), m) for t, m in samples], warmup=30.0)[2]
    assert [c.strip(" |") for c in row.split(" | ")[-2:]] == ["+1.00", "+1.00"]
    levelling = [(t, {"api": 100.0 + min(t, 150) / 60}) for t in range(0, 300, 5)]  # grows, then flat from 150 s
    row = memory_lines([(float(t), m) for t, m in levelling], warmup=30.0)[2]
    after_warm_up, last_half = (float(c.strip(" |")) for c in row.split(" | ")[-2:])
    assert after_warm_up > 0.4 and last_half == 0.0


def test_quantiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert quantile(values, 0.5) == 50.0
    assert quantile(values, 0.99) == 99.0
    assert quantile([7.0], 0.99) == 7.0
