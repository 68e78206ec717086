"""Fencing the old primary and failing back: hand-computed cases and closed forms.

The record functions of :mod:`drsim.sim.dnsrecord` are checked against answers worked
out by hand; the simulator against closed forms (exact where every time is fixed,
within 4 standard errors of the sample otherwise) and invariants.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from drsim.scenario import load_scenario, scenario_from_dict
from drsim.scenario.model import Compute
from drsim.sim import simulate
from drsim.sim.dnsrecord import (
    client_change_s,
    first_flip_s,
    moved_count,
    primary_spans,
    record_intervals,
    unfenced_primary_s,
)
from drsim.sim.replication import split_brain_s
from drsim.sim.traffic import Clients, _stays_recovered_s, served_share
from tests.conftest import BUNDLED, minimal

INF = math.inf


# --- the scenario fields ----------------------------------------------------------------

def test_fence_primary_step_and_fences_primary_field_are_accepted():
    runbook = [
        {"name": "promote_database", "duration_s": 10, "fences_primary": True},
        {"name": "fence", "action": "fence_primary", "after": ["promote_database"], "duration_s": 5},
        {"name": "switch_traffic", "after": ["fence"], "duration_s": 1},
    ]
    s = scenario_from_dict(minimal(
        runbook=runbook, datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": 1}]))
    assert s.step("fence").action == "fence_primary"
    assert s.step("promote_database").fences_primary
    assert not s.step("switch_traffic").fences_primary
    assert s.dns.failback == "automatic"  # what Route 53 failover records do
    t = simulate(s, trials=5, seed=1).trials
    assert ((t["step.fence.end_s"] - t["step.fence.start_s"]) == 5).all()
    # The promotion fences first: it ends before the fence_primary step.
    np.testing.assert_array_equal(t["fenced_s"], t["step.promote_database.end_s"])


# --- the record as a step function (hand-computed) -----------------------------------------

def test_record_follows_declarations_and_reversals_plus_propagation_and_the_pin():
    # Declared at 10, healthy again at 30, declared at 50; 5 s to propagate each change.
    assert record_intervals(declared_s=[10, 50], recovered_s=[30], pin_s=INF,
                            propagation_s=5) == ((15, 35), (55, INF))
    # Healthy again at 60 too: the record names the primary from 65 on.
    assert record_intervals(declared_s=[10, 50], recovered_s=[30, 60], pin_s=INF,
                            propagation_s=5) == ((15, 35), (55, 65))
    # switch_traffic ends at 40: pinned from 45, which joins the second interval.
    assert record_intervals(declared_s=[10, 50], recovered_s=[30, 60], pin_s=40,
                            propagation_s=5) == ((15, 35), (45, INF))
    # Manual failback passes the first declaration alone: one flip, as before.
    assert record_intervals(declared_s=[10], recovered_s=[], pin_s=40,
                            propagation_s=5) == ((15, INF),)
    # Routing manual: only the pin moves it; nothing at all: never.
    assert record_intervals(declared_s=[], recovered_s=[], pin_s=40, propagation_s=5) == ((45, INF),)
    assert record_intervals(declared_s=[], recovered_s=[], pin_s=INF, propagation_s=5) == ()
    # A declaration undone at the same instant never reaches anyone.
    assert record_intervals(declared_s=[10, 20], recovered_s=[10], pin_s=INF,
                            propagation_s=0) == ((20, INF),)
    assert first_flip_s(((15, 35), (55, INF))) == 15 and first_flip_s(()) == INF


def test_primary_spans_are_the_complement():
    assert primary_spans(((15, 35), (55, INF))) == ((-INF, 15), (35, 55))
    assert primary_spans(((15, 35),)) == ((-INF, 15), (35, INF))
    assert primary_spans(()) == ((-INF, INF),)


def test_clients_follow_the_record_each_with_its_own_delay():
    # Client 0 (delay 0) is on the secondary during [15, 35) and from 55; client 1
    # (delay 10) during [25, 45) and from 65; client 2 is stuck.
    delay = np.array([0.0, 10.0, INF])
    record = ((15.0, 35.0), (55.0, INF))
    t = np.array([14, 15, 25, 35, 45, 55, 65], dtype=float)
    assert moved_count(t, delay, record).tolist() == [0, 1, 2, 1, 0, 1, 2]
    assert sorted(client_change_s(delay, record).tolist()) == [15, 25, 35, 45, 55, 65]


def test_writes_to_the_unfenced_primary_by_hand():
    delay = np.array([0.0, 10.0, INF])
    record = ((15.0, 35.0), (55.0, INF))
    # Both copies take writes in [20, 60). Client 0 is on the primary in [35, 55): 20 s,
    # last at 55. Client 1 in [20, 25) and [45, 60): 20 s, last at the fence. The stuck
    # client all 40 s.
    time_s, last_s = unfenced_primary_s(delay, record, writable_s=20.0, fenced_s=60.0)
    assert time_s.tolist() == [20.0, 20.0, 40.0]
    assert last_s.tolist() == [35.0, 40.0, 40.0]
    # Never fenced: client 1 writes there until 65; the stuck client forever.
    time_s, last_s = unfenced_primary_s(delay, record, writable_s=20.0, fenced_s=INF)
    assert time_s.tolist() == [20.0, 25.0, INF]
    assert last_s.tolist() == [35.0, 45.0, INF]
    # A fence before the promotion: the old primary took nothing after it.
    assert unfenced_primary_s(delay, record, 20.0, 20.0)[0].tolist() == [0.0, 0.0, 0.0]
    # The secondary never takes writes: nothing diverges.
    assert unfenced_primary_s(delay, record, INF, INF)[0].tolist() == [0.0, 0.0, 0.0]


def test_one_flip_and_no_fence_gives_the_single_flip_split_brain_bit_for_bit():
    rng = np.random.default_rng(3)
    delay = rng.uniform(0, 60, 500)
    delay[:7] = INF
    for flip_s, writable_s in ((100.0, 130.5), (100.0, 40.0), (12.25, 700.0), (INF, 50.0)):
        record = record_intervals(declared_s=[flip_s] if flip_s < INF else [], recovered_s=[],
                                  pin_s=INF, propagation_s=0.0)
        time_s, last_s = unfenced_primary_s(delay, record, writable_s, INF)
        expected = split_brain_s(delay, flip_s, writable_s)
        np.testing.assert_array_equal(time_s, expected)
        assert last_s.max() == expected.max()


def test_served_share_drops_the_primary_at_the_fence_and_follows_a_flip_back():
    # Two clients, brownout serving 0.5 at the primary, full capacity, database writable at 0.
    clients = Clients(home=0, delay_s=np.array([0.0, 10.0]))
    compute = Compute(primary_tasks=2, standby_tasks=2, required_tasks=2)
    record = ((15.0, 35.0), (55.0, INF))
    t = [0, 15, 25, 35, 45, 50, 55, 65]
    share = served_share(t, clients=clients, flip_s=15.0, db_writable_s=0.0, compute=compute,
                         ready_s=np.empty(0), primary_served_share=0.5, record=record,
                         fenced_s=50.0)
    # moved: 0, 1, 2, 1, 0, 0, 1, 2; the primary serves half of each unmoved client
    # until the fence at 50, nothing after.
    assert share.tolist() == [0.5, 0.75, 1.0, 0.75, 0.5, 0.0, 0.5, 1.0]


def test_rto_is_the_moment_from_which_the_share_stays_recovered():
    points = np.array([0.0, 10.0, 20.0, 30.0])
    assert _stays_recovered_s(points, np.array([0.5, 1.0, 0.5, 1.0]), 0.99) == 30.0
    assert _stays_recovered_s(points, np.array([0.5, 1.0, 1.0, 1.0]), 0.99) == 10.0
    assert _stays_recovered_s(points, np.array([1.0, 1.0, 1.0, 1.0]), 0.99) == 0.0
    assert _stays_recovered_s(points, np.array([0.5, 1.0, 1.0, 0.5]), 0.99) == INF


# --- the simulator against closed forms -------------------------------------------------

def _brownout(runbook, dns, **sections):
    base = dict(
        failure={"mode": "brownout", "brownout_failure_fraction": 0.25},
        health_check={"interval_s": 10, "failure_threshold": 1, "checkers": 1, "healthy_fraction": 0.0},
        decision={"mode": "automatic", "trigger": "alarm"},
        alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1, "metric_delay_s": 30},
        runbook=runbook, dns={"ttl_violation_fraction": 0, **dns},
        datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": 1,
                     "write_rate_per_s": 40}],
    )
    base.update(sections)
    return scenario_from_dict(minimal(**base))


FENCE_20_S_AFTER_PROMOTION = [
    {"name": "promote_database", "duration_s": 100},
    {"name": "fence", "action": "fence_primary", "after": ["promote_database"], "duration_s": 20},
    {"name": "switch_traffic", "after": ["promote_database"], "duration_s": 30},
]


@pytest.mark.parametrize("stuck", [0.0, 0.01])
def test_a_fence_bounds_the_split_brain_writes_exactly(stuck):
    # Manual routing, TTL 0: clients move when switch_traffic ends, 30 s after the
    # promotion, but the fence 20 s after it stops the old primary acknowledging. Every
    # client (the stuck ones too) wrote there for 20 s: 20 s x 40/s x 0.75 = 600 writes,
    # and the last of them 20 s after the promotion. Unfenced, stuck clients made it inf.
    s = _brownout(FENCE_20_S_AFTER_PROMOTION,
                  {"ttl_s": 0, "routing": "manual", "stuck_fraction": stuck})
    t = simulate(s, trials=50, seed=1).trials
    np.testing.assert_allclose(t["fenced_s"] - t["db_writable_s"], 20.0, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["lost_writes.db"], 600.0, rtol=1e-12)
    np.testing.assert_allclose(t["rpo_s.db"], 20.0, rtol=0, atol=1e-9)
    assert (t["flaps"] >= 0).all()


def test_unfenced_stuck_clients_lose_writes_without_bound():
    unfenced = [st for st in FENCE_20_S_AFTER_PROMOTION if st["name"] != "fence"]
    s = _brownout(unfenced, {"ttl_s": 0, "routing": "manual", "stuck_fraction": 0.01})
    t = simulate(s, trials=20, seed=1).trials
    assert (t["fenced_s"] == INF).all()
    assert (t["lost_writes.db"] == INF).all() and (t["rpo_s.db"] == INF).all()


def test_a_fence_after_the_clients_start_moving_cuts_each_one_short():
    # TTL 60: client i moves at switch + U_i, U_i ~ uniform(0, 60), switch 30 s after the
    # promotion; the fence 50 s after it. Each client writes to the old primary for
    # min(30 + U, 50) s: E = (1/60)(int_0^20 (30 + u) du + 40 x 50) = 2800/60 s, so the
    # mean loss is 40/s x 0.75 x 2800/60 = 1400 writes. The last write is at the fence
    # (some client moves after it unless all 1000 U_i < 20: (1/3)^1000).
    runbook = [dict(st) for st in FENCE_20_S_AFTER_PROMOTION]
    runbook[1]["duration_s"] = 50
    s = _brownout(runbook, {"ttl_s": 60, "routing": "manual"})
    t = simulate(s, trials=400, seed=4).trials
    lost = t["lost_writes.db"].to_numpy()
    assert abs(lost.mean() - 1400.0) <= 4 * lost.std(ddof=1) / math.sqrt(len(lost))
    np.testing.assert_allclose(t["rpo_s.db"], 50.0, rtol=0, atol=1e-9)


def test_a_fenced_primary_fails_its_checks_so_the_record_moves_and_stays():
    # Failover routing, no switch step; the runbook starts on the alarm. The fence makes
    # every check fail: with one checker, threshold 1, every 10 s, the primary is declared
    # unhealthy within 10 s of the fence (if not before) and never healthy again after it.
    runbook = [{"name": "promote_database", "duration_s": 100, "fences_primary": True}]
    s = _brownout(runbook, {"ttl_s": 0, "routing": "failover"},
                  failure={"mode": "brownout", "brownout_failure_fraction": 0.5})
    t = simulate(s, trials=300, seed=2).trials
    assert (t["health_detect_s"] <= t["fenced_s"] + 10 + 1e-9).all()
    assert np.isfinite(t["rto_s"]).all()
    # TTL 0: after the fence, every client is on the secondary from the last flip on.
    assert (t["lost_writes.db"] <= 40 * 0.5 * (t["fenced_s"] - t["db_writable_s"]) + 1e-6).all()


def test_manual_failback_keeps_one_flip_and_automatic_differs_only_where_it_flapped():
    # A brownout whose check recovers often: p_fail 0.5, 3 checkers, threshold 1.
    runbook = [{"name": "promote_database", "duration_s": 300}]
    hc = {"interval_s": 10, "failure_threshold": 1, "checkers": 3, "healthy_fraction": 0.18}
    common = dict(health_check=hc, decision={"mode": "automatic", "trigger": "health_check"},
                  failure={"mode": "brownout", "brownout_failure_fraction": 0.5})
    auto = simulate(_brownout(runbook, {"ttl_s": 0}, **common), trials=300, seed=5)
    manual = simulate(_brownout(runbook, {"ttl_s": 0, "failback": "manual"}, **common),
                      trials=300, seed=5)
    a, m = auto.trials, manual.trials
    assert (a["flaps"] > 0).any()
    # Manual failback: the record stays from the first declaration (+ no propagation);
    # TTL 0, so every client writes to the old primary until then: rate x 0.5 x overlap.
    expected = 40 * 0.5 * np.maximum(m["dns_switched_s"] - m["db_writable_s"], 0)
    np.testing.assert_allclose(m["lost_writes.db"], expected, rtol=1e-12, atol=1e-9)
    # The same draws: trials where the check never recovered agree exactly.
    calm = (a["flaps"] == 0).to_numpy()
    for col in ("rto_s", "lost_writes.db", "rpo_s.db", "health_detect_s"):
        np.testing.assert_array_equal(a[col].to_numpy()[calm], m[col].to_numpy()[calm])
    # Flapping only adds time on the old primary.
    assert (a["lost_writes.db"] >= m["lost_writes.db"] - 1e-9).all()
    assert auto.summary.flaps.p_flapped == pytest.approx((a["flaps"] > 0).mean())
    assert auto.summary.flaps.mean == pytest.approx(a["flaps"].mean())


# --- invariants over the bundled scenarios -----------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_only_a_brownout_flaps(path):
    s = load_scenario(path)
    assert s.failure.mode != "brownout"
    r = simulate(s, trials=200, seed=3)
    assert (r.trials["flaps"] == 0).all() and r.summary.flaps is None
    assert "flaps" not in r.summary.as_dict()
    b = simulate(load_scenario(path, ["failure.mode=brownout"]), trials=200, seed=3)
    assert (b.trials["flaps"] >= 0).all()
    assert b.summary.flaps is not None and 0 <= b.summary.flaps.p_flapped <= 1
