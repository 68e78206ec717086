"""Invariants that hold for any configuration (hypothesis), and the fast paths against oracles."""

from __future__ import annotations

import math
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drsim.scenario import scenario_from_dict
from drsim.scenario.model import Compute
from drsim.sim import TrialPlan, trial_rng
from drsim.sim.traffic import Clients, _recovery_by_breakpoints, recovery_s
from tests.conftest import minimal

SETTINGS = settings(max_examples=int(os.environ.get("DRSIM_HYPOTHESIS_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])

durations = st.one_of(
    st.floats(0, 600).map(lambda v: {"dist": "fixed", "value": v}),
    st.tuples(st.floats(0, 300), st.floats(0, 300)).map(
        lambda t: {"dist": "uniform", "low": min(t), "high": max(t)}),
)


@st.composite
def scenarios(draw):
    mode = draw(st.sampled_from(["region_outage", "app_crash", "app_hang", "partition",
                                 "db_primary_loss"]))
    checkers = draw(st.integers(1, 16))
    runbook = [{"name": "promote_database", "duration_s": draw(durations),
                "failure_probability": draw(st.floats(0, 0.5)), "max_attempts": draw(st.integers(1, 3))},
               {"name": "switch_traffic", "after": ["promote_database"], "duration_s": draw(durations)}]
    return dict(
        failure={"mode": mode},
        health_check={"interval_s": draw(st.sampled_from([10, 30])),
                      "failure_threshold": draw(st.integers(2, 10)), "checkers": checkers,
                      "healthy_fraction": 0.18, "timeout_s": draw(st.floats(1, 9)),
                      "checks_database": draw(st.booleans())},
        decision={"mode": draw(st.sampled_from(["automatic", "manual"])),
                  "trigger": draw(st.sampled_from(["health_check", "alarm"]))},
        runbook=runbook,
        dns={"ttl_s": draw(st.floats(0, 300)), "ttl_violation_fraction": draw(st.floats(0, 0.2)),
             "stuck_fraction": 0.0, "clients": draw(st.integers(1, 300))},
        datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": draw(durations),
                     "write_rate_per_s": draw(st.floats(0, 1000))}],
    )


def _run(data, seed):
    return TrialPlan(scenario_from_dict(minimal(**data))).run(trial_rng(seed, 0))


@SETTINGS
@given(scenarios(), st.integers(0, 2**32))
def test_rpo_is_never_negative_and_rto_never_precedes_detection(data, seed):
    row = _run(data, seed)
    assert row["rpo_s.db"] >= 0 and row["lost_writes.db"] >= 0
    assert row["rto_s"] >= row["detect_s"]
    assert row["first_success_s"] <= row["rto_s"]
    assert row["decided_s"] >= row["detect_s"]


@SETTINGS
@given(scenarios(), st.integers(0, 2**32))
def test_zero_lag_loses_nothing(data, seed):
    data["datastores"][0]["replication_lag_s"] = 0
    row = _run(data, seed)
    assert row["rpo_s.db"] == 0 and row["lost_writes.db"] == 0


@SETTINGS
@given(scenarios(), st.integers(0, 2**32))
def test_a_lower_threshold_or_a_shorter_interval_never_detects_later(data, seed):
    hc = data["health_check"]
    base = _run(data, seed)["health_detect_s"]
    if hc["failure_threshold"] > 1:
        lower = dict(data, health_check=dict(hc, failure_threshold=hc["failure_threshold"] - 1))
        assert _run(lower, seed)["health_detect_s"] <= base
    if hc["interval_s"] == 30:
        faster = dict(data, health_check=dict(hc, interval_s=10))
        assert _run(faster, seed)["health_detect_s"] <= base


@SETTINGS
@given(st.integers(0, 40), st.lists(st.floats(0, 500) | st.just(math.inf), min_size=0, max_size=60),
       st.floats(0, 400), st.floats(0, 400), st.integers(1, 5), st.integers(0, 5),
       st.lists(st.floats(0, 500), max_size=5), st.floats(0.01, 1.0))
def test_the_order_statistic_shortcut_matches_checking_every_moment(home, delays, flip, db, required,
                                                                     standby, ready, fraction):
    standby = min(standby, required)
    compute = Compute(primary_tasks=1, standby_tasks=standby, required_tasks=required,
                      max_tasks=max(required, 1))
    clients = Clients(home=home, delay_s=np.array(delays, dtype=float))
    if clients.total == 0:
        return
    ready_s = np.array(ready[: max(required - standby, 0)], dtype=float)
    fast = recovery_s(clients=clients, flip_s=flip, db_writable_s=db, compute=compute, ready_s=ready_s,
                      recovered_fraction=fraction)
    slow = _recovery_by_breakpoints(clients, flip, db, compute, ready_s, fraction, 0.0)
    assert fast == slow


def test_capacity_counts_as_a_share_of_the_load():
    # 1 of 3 tasks carries a third of the load: enough for a 0.3 objective once every
    # client has moved (hypothesis once missed this; both paths must agree on it).
    compute = Compute(primary_tasks=1, standby_tasks=0, required_tasks=3, max_tasks=3)
    clients = Clients(home=0, delay_s=np.zeros(7))
    ready_s = np.array([10.0, 20.0, 30.0])
    args = dict(clients=clients, flip_s=0.0, db_writable_s=0.0, compute=compute, ready_s=ready_s)
    assert recovery_s(**args, recovered_fraction=0.3) == (10.0, 10.0)
    assert recovery_s(**args, recovered_fraction=0.34) == (10.0, 20.0)
    assert recovery_s(**args, recovered_fraction=1.0) == (10.0, 30.0)
    assert _recovery_by_breakpoints(clients, 0.0, 0.0, compute, ready_s, 0.3, 0.0) == (10.0, 10.0)
