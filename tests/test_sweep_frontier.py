"""The frontier is exactly the Pareto-minimal valid priced rows; the cheapest meeting
the objectives is the cheapest row whose P(objectives met) reaches its confidence."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from drsim.sweep.frontier import cheapest_meeting_objectives, pareto_frontier


def table(rows):
    t = pd.DataFrame(rows, columns=["monthly_usd", "objective_rto_p95_s", "rpo_p95_s"])
    t.insert(0, "config", range(len(t)))
    t["error"] = None
    t["p_objectives_met"] = 1.0
    t["confidence"] = 0.9
    return t


def brute_force(points) -> set[int]:
    out = set()
    for i, p in enumerate(points):
        if not any(all(q[k] <= p[k] for k in range(3)) and any(q[k] < p[k] for k in range(3))
                   for j, q in enumerate(points) if j != i):
            out.add(i)
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 6)] * 3), min_size=1, max_size=40))
def test_frontier_is_the_pareto_minimal_set(points):
    front = pareto_frontier(table(points))
    assert set(front) == brute_force(points)
    bills = [points[i][0] for i in front]
    assert bills == sorted(bills)  # cheapest first


def test_invalid_and_unpriced_rows_stay_off_the_frontier():
    t = table([(100, 50, 1), (10, 10, 0), (20, 10, 0), (math.nan, 1, 0)])
    t.loc[1, "error"] = "health_check.interval_s: 15 is not one of 10, 30"
    assert pareto_frontier(t) == [2]


def test_no_datastores_counts_as_losing_nothing():
    t = table([(10, 100, math.nan), (10, 100, 5)])
    assert pareto_frontier(t) == [0]


def test_a_row_that_never_recovers_is_beaten_by_one_as_cheap():
    t = table([(10, math.inf, 0), (10, 500, 0)])
    assert pareto_frontier(t) == [1]


def test_cheapest_meeting_objectives():
    t = table([(30, 10, 0), (10, 10, 0), (20, 10, 0), (20, 10, 0)])
    t["p_objectives_met"] = [0.95, 0.5, 0.9, 0.99]
    assert cheapest_meeting_objectives(t) == 2  # 20 at exactly 0.9; the lower number on a tie
    t["p_objectives_met"] = np.nan  # an engine that does not count it: nothing claimed
    assert cheapest_meeting_objectives(t) is None
