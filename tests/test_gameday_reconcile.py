"""Write reconciliation and recovery measurement, on journals whose answers are known."""

import math

import numpy as np
import pandas as pd
import pytest

from drsim.compare.gameday import percentile_in
from drsim.errors import DrsimError
from drsim.gameday.measure import client_recovery_s, percentiles, recovery_times
from drsim.gameday.reconcile import reconcile

FAULT = 1000.0  # monotonic time of the fault in these journals [s]


def acked(rows):
    return pd.DataFrame(rows, columns=["client", "seq", "t_ack", "region"])


def test_every_acknowledged_write_is_found_or_lost():
    journal = acked([
        (0, 0, FAULT - 3.0, "a"),    # replicated long ago: found
        (0, 1, FAULT - 0.004, "a"),  # acked 4 ms before the fault, never replicated: lost
        (1, 0, FAULT - 0.010, "a"),  # acked 10 ms before: lost (the earliest loss)
        (1, 1, FAULT - 0.002, "a"),  # replicated just in time: found
        (2, 0, FAULT + 2.0, "b"),    # acked by the promoted database: found
        (3, 5, FAULT + 0.5, "a"),    # acked by the old primary after the fault: lost
    ])
    present = {(0, 0), (1, 1), (2, 0), (9, 9), (4, 1)}  # (9, 9), (4, 1): committed, never acked
    r = reconcile(journal, present, FAULT)
    assert (r.acked, r.found, r.lost) == (6, 3, 3)
    assert r.acked == r.found + r.lost
    assert (r.lost_before_fault, r.lost_after_fault) == (2, 1)
    assert r.unacked_present == 2
    assert r.rpo_s == pytest.approx(0.010)
    assert r.lost_window_s == pytest.approx((-0.010, 0.5))
    assert list(zip(r.lost_writes["client"], r.lost_writes["seq"])) == [(1, 0), (0, 1), (3, 5)]
    assert r.lost_writes["t_s"].tolist() == pytest.approx([-0.010, -0.004, 0.5])
    assert r.as_dict()["lost"] == 3


def test_nothing_lost_gives_zero_rpo():
    journal = acked([(0, s, FAULT - 1 + s / 10, "a") for s in range(5)])
    r = reconcile(journal, {(0, s) for s in range(5)}, FAULT)
    assert (r.found, r.lost, r.rpo_s, r.lost_window_s) == (5, 0, 0.0, None)
    assert r.lost_writes.empty


def test_empty_journal_and_database():
    r = reconcile(acked([]), set(), FAULT)
    assert (r.acked, r.found, r.lost, r.unacked_present) == (0, 0, 0, 0)


def test_a_write_acknowledged_twice_is_refused():
    with pytest.raises(DrsimError, match="client=0 seq=1 is acknowledged twice"):
        reconcile(acked([(0, 1, FAULT, "a"), (0, 1, FAULT + 1, "b")]), set(), FAULT)


def test_missing_columns_are_named():
    with pytest.raises(DrsimError, match="missing columns t_ack"):
        reconcile(pd.DataFrame({"client": [0], "seq": [0], "region": ["a"]}), set(), FAULT)


def journal(rows):
    return pd.DataFrame(rows, columns=["t_start", "t_end", "client", "op", "seq", "address",
                                       "status", "region", "error"])


def test_a_client_is_served_again_at_its_first_write_acknowledged_by_b():
    j = journal([
        (FAULT - 1, FAULT - 0.9, 0, "write", 0, "127.0.0.2", 200, "a", ""),  # before the fault
        (FAULT + 0.1, FAULT + 0.1, 0, "write", 1, "127.0.0.2", 0, "", "ConnectionRefusedError"),
        (FAULT + 1.0, FAULT + 1.2, 0, "read", -1, "127.0.0.3", 200, "b", ""),  # a read: not yet
        (FAULT + 1.5, FAULT + 1.6, 0, "write", 2, "127.0.0.3", 503, "b", ""),  # not writable yet
        (FAULT + 2.0, FAULT + 2.25, 0, "write", 3, "127.0.0.3", 200, "b", ""),
        (FAULT + 3.0, FAULT + 3.5, 1, "write", 0, "127.0.0.3", 200, "b", ""),
        (FAULT + 4.0, FAULT + 4.5, 1, "write", 1, "127.0.0.3", 200, "b", ""),
    ])
    per_client = client_recovery_s(j, FAULT, clients=3)
    assert per_client[0] == pytest.approx(2.25)
    assert per_client[1] == pytest.approx(3.5)
    assert math.isnan(per_client[2])  # never served
    first, rto = recovery_times(per_client, recovered_fraction=0.6)
    assert (first, rto) == pytest.approx((2.25, 3.5))  # 0.6 of 3 clients: 2 of them
    first, rto = recovery_times(per_client, recovered_fraction=0.99)
    assert first == pytest.approx(2.25) and math.isnan(rto)  # the third never came back


def test_percentile_of_a_measured_value_in_the_simulated_distribution():
    sim = np.arange(1, 101, dtype=float)  # 1..100
    assert percentile_in(sim, 50.5) == 50.0
    assert percentile_in(sim, 50.0) == 49.5  # ties count half
    assert percentile_in(sim, 0.5) == 0.0
    assert percentile_in(np.array([1.0, np.inf]), 5.0) == 50.0  # never recovered sorts last
    assert math.isnan(percentile_in(sim, math.nan))


def test_percentiles_leave_out_unmeasured_values():
    p = percentiles([1.0, 2.0, 3.0, math.nan, None])
    assert p.n == 3 and p.p50 == 2.0 and p.max == 3.0 and p.mean == 2.0
    assert math.isnan(percentiles([math.nan]).p50)
    # the JSON shape of the measured percentiles: the count first
    assert list(p.as_dict()) == ["n", "mean", "p50", "p90", "p95", "p99", "max"]


def test_runs_that_never_recovered_count_as_never_not_as_absent():
    # 5 runs, 2 ended before recovering: the median is the 3rd value, not the 2nd of 3.
    p = percentiles([1.0, 2.0, 3.0, math.nan, None], not_reached_is_inf=True)
    assert p.n == 5 and p.p50 == 3.0
    assert p.mean == math.inf and p.max == math.inf and p.p90 == math.inf
    assert percentiles([2.0, 4.0], not_reached_is_inf=True).p50 == 3.0


def test_phase_table_counts_a_run_that_never_recovered():
    import pandas as pd

    from drsim.compare.gameday import phase_table
    from drsim.timeline import Event, to_frame

    def run(name, recovered_at):
        events = [Event(name, "local", 0.0, "fault_injected"),
                  Event(name, "local", 1.0, "unhealthy_declared"),
                  Event(name, "local", 1.0, "failover_decided"),
                  Event(name, "local", 2.0, "step_finished", "promote_database")]
        if recovered_at is not None:
            events.append(Event(name, "local", recovered_at, "recovered"))
        return events

    tl = to_frame(run("a", 3.0) + run("b", 4.0) + run("c", None))
    sim = pd.DataFrame({"rto_s": [3.0, 3.5, 4.0], "detect_s": [1.0, 1.0, 1.0]})
    t = phase_table(tl, sim).set_index("phase")
    assert t.loc["rto_s", "measured_p50_s"] == 4.0  # the median of 3.0, 4.0 and never
    assert t.loc["detect_s", "measured_p50_s"] == 1.0
