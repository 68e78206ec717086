"""The simulator against closed forms, within Monte Carlo error (4 standard errors, KS tests).

Every closed form whose scenario the fast path covers runs on both engines (the
``engine`` fixture): the fast path is held to the same closed forms, not only to the
SimPy engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from drsim.scenario import scenario_from_dict
from drsim.sim import TrialPlan, simulate, trial_rng
from drsim.sim.traffic import draw_clients
from tests.conftest import minimal

KS_P = 1e-3  # reject a shape only on strong evidence; seeds are fixed, so no flakiness


@pytest.fixture(params=["simpy", "fast"])
def engine(request) -> str:
    """The engine a closed-form test runs on."""
    return request.param


def scenario(**sections):
    base = dict(
        failure={"mode": "app_crash"},
        health_check={"interval_s": 30, "failure_threshold": 3, "checkers": 1, "healthy_fraction": 0.0},
        alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1,
               "metric_delay_s": 100000},  # keep the alarm path out of the way
        dns={"ttl_s": 0, "ttl_violation_fraction": 0, "stuck_fraction": 0, "clients": 1000},
    )
    base.update(sections)
    return scenario_from_dict(minimal(**base))


def test_one_checker_refused_detection_is_uniform_between_n_minus_1_and_n_intervals(engine):
    s = scenario()
    t = simulate(s, trials=4000, seed=11, engine=engine).trials
    x = t["health_detect_s"].to_numpy()
    assert x.min() >= 60 and x.max() <= 90
    assert abs(x.mean() - 75) <= 4 * (30 / math.sqrt(12)) / math.sqrt(len(x))
    assert stats.kstest(x, stats.uniform(60, 30).cdf).pvalue > KS_P


@pytest.mark.parametrize("mode, delay_s", [("app_crash", 0.0), ("app_hang", 6.0), ("region_outage", 6.0)])
def test_k_checkers_and_the_18_percent_rule_give_the_order_statistic(mode, delay_s, engine):
    # 15 checkers: healthy while > 2.7 say healthy, so the 13th checker to flip decides.
    # Checker j flips at (N-1)T + delay + T*U_j, so detection is (N-1)T + delay + T*U_(13:15),
    # and U_(13:15) ~ Beta(13, 3).
    s = scenario(failure={"mode": mode},
                 health_check={"interval_s": 10, "failure_threshold": 3, "checkers": 15,
                               "healthy_fraction": 0.18, "timeout_s": 6})
    x = simulate(s, trials=4000, seed=5, engine=engine).trials["health_detect_s"].to_numpy()
    dist = stats.beta(13, 3, loc=20 + delay_s, scale=10)
    assert abs(x.mean() - dist.mean()) <= 4 * dist.std() / math.sqrt(len(x))
    assert stats.kstest(x, dist.cdf).pvalue > KS_P


def test_deterministic_steps_give_detection_plus_critical_path_plus_cutover(engine):
    # Manual routing: DNS flips when switch_traffic ends; TTL 0 makes cut-over instant.
    runbook = [
        {"name": "promote_database", "duration_s": 100},
        {"name": "warm_caches", "duration_s": 30},
        {"name": "check_data", "after": ["warm_caches"], "duration_s": 50},
        {"name": "switch_traffic", "after": ["promote_database", "check_data"], "duration_s": 20},
    ]
    s = scenario(runbook=runbook, dns={"ttl_s": 0, "ttl_violation_fraction": 0, "routing": "manual"},
                 datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": 1}])
    t = simulate(s, trials=300, seed=2, engine=engine).trials
    critical_path_s = 100 + 20
    np.testing.assert_allclose(t["rto_s"], t["health_detect_s"] + critical_path_s, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["detect_s"], t["health_detect_s"])
    np.testing.assert_allclose(t["recover_s"], critical_path_s, atol=1e-9)
    assert (t["cutover_s"] == 0).all()


def test_ttl_cutover_adds_the_order_statistic_of_uniform_residuals(engine):
    # With TTL 60 and no violators each client moves uniform(0, 60) after the flip; RTO at
    # 99 % of 1000 clients is the flip plus the 990th of 1000 uniforms: 60 * Beta(990, 11).
    s = scenario(runbook=[{"name": "switch_traffic", "duration_s": 20}],
                 dns={"ttl_s": 60, "ttl_violation_fraction": 0, "routing": "manual", "clients": 1000})
    t = simulate(s, trials=3000, seed=9, engine=engine).trials
    extra = (t["rto_s"] - t["health_detect_s"] - 20).to_numpy()
    dist = stats.beta(990, 11, scale=60)
    assert abs(extra.mean() - dist.mean()) <= 4 * dist.std() / math.sqrt(len(extra))
    assert stats.kstest(extra, dist.cdf).pvalue > KS_P


def test_each_clients_ttl_expiry_is_uniform_within_the_ttl():
    s = scenario(dns={"ttl_s": 60, "ttl_violation_fraction": 0, "stuck_fraction": 0, "clients": 5000})
    c = draw_clients(s.dns, np.random.default_rng(4))
    assert c.home == 0 and len(c.delay_s) == 5000
    assert stats.kstest(c.delay_s, stats.uniform(0, 60).cdf).pvalue > KS_P


def test_stuck_clients_are_the_scenarios_share_and_violators_a_count():
    # Stuck clients are an exact share; the violators' count is drawn (binomial: its
    # closed forms are in test_sim_violators.py).
    s = scenario(dns={"ttl_s": 60, "ttl_violation_fraction": 0.1, "stuck_fraction": 0.004,
                      "violation_extra_s": {"dist": "fixed", "value": 1000}, "clients": 1000})
    c = draw_clients(s.dns, np.random.default_rng(4))
    assert np.isinf(c.delay_s).sum() == 4
    assert ((c.delay_s >= 1000) & np.isfinite(c.delay_s)).sum() == c.violators


def test_deterministic_lag_and_rate_lose_lag_times_rate_writes(engine):
    s = scenario(failure={"mode": "region_outage"},
                 datastores=[{"name": "db", "kind": "dynamodb_global", "replication_lag_s": 2.5,
                              "write_rate_per_s": 40}])
    t = simulate(s, trials=50, seed=1, engine=engine).trials
    assert (t["rpo_s.db"] == 2.5).all() and (t["lost_writes.db"] == 100.0).all()


def test_a_fault_that_keeps_the_primary_data_loses_nothing(engine):
    s = scenario(failure={"mode": "app_crash"},
                 datastores=[{"name": "db", "kind": "dynamodb_global", "replication_lag_s": 2.5,
                              "write_rate_per_s": 40}])
    t = simulate(s, trials=50, seed=1, engine=engine).trials
    assert (t["rpo_s.db"] == 0).all() and (t["lost_writes.db"] == 0).all()


def test_backup_age_is_uniform_over_the_interval_and_waits_for_the_copy(engine):
    base = dict(strategy="backup_restore", compute={"standby_tasks": 0, "required_tasks": 2},
                failure={"mode": "region_outage"},
                runbook=[{"name": "restore_database", "duration_s": 10},
                         {"name": "scale_standby", "duration_s": 1},
                         {"name": "switch_traffic", "duration_s": 1}])
    s = scenario(datastores=[{"name": "b", "kind": "backup", "interval_s": 3600, "write_rate_per_s": 1}],
                 **base)
    x = simulate(s, trials=4000, seed=3, engine=engine).trials["rpo_s.b"].to_numpy()
    assert stats.kstest(x, stats.uniform(0, 3600).cdf).pvalue > KS_P
    # A copy taking 600 s: ages below 600 s fall back one interval, so the age is
    # uniform on [600, 4200).
    s = scenario(datastores=[{"name": "b", "kind": "backup", "interval_s": 3600, "copy_s": 600}], **base)
    x = simulate(s, trials=4000, seed=3, engine=engine).trials["rpo_s.b"].to_numpy()
    assert x.min() >= 600 and x.max() < 4200
    assert stats.kstest(x, stats.uniform(600, 3600).cdf).pvalue > KS_P


def test_scale_up_waits_for_the_slowest_needed_task(engine):
    s = scenario(strategy="pilot_light", compute={"standby_tasks": 0, "required_tasks": 2,
                                                   "task_start_s": 40, "target_healthy_s": 20},
                 runbook=[{"name": "scale_standby", "duration_s": 5}])
    t = simulate(s, trials=100, seed=1, engine=engine).trials
    np.testing.assert_allclose(t["rto_s"], t["health_detect_s"] + 5 + 60)
    np.testing.assert_allclose(t["first_success_s"], t["rto_s"])


def test_a_trial_is_reproducible_from_seed_and_index_alone():
    s = scenario(health_check={"interval_s": 10, "failure_threshold": 2, "checkers": 5,
                               "healthy_fraction": 0.18})
    t = simulate(s, trials=5000, seed=42).trials
    plan = TrialPlan(s)
    for i in (0, 1999, 2000, 4999):
        row = plan.run(trial_rng(42, i))
        assert row["rto_s"] == t.loc[i, "rto_s"] and row["detect_s"] == t.loc[i, "detect_s"]


def test_a_brownout_primary_keeps_taking_writes_that_the_promotion_leaves_behind():
    # Manual routing: clients move when switch_traffic ends, 30 s after the promotion.
    # Until then the browned-out primary acknowledges (1 - 0.25) of every client's share
    # of 40 writes/s, on a copy the failover has left: 30 s x 40/s x 0.75 = 900 writes.
    runbook = [{"name": "promote_database", "duration_s": 100},
               {"name": "switch_traffic", "after": ["promote_database"], "duration_s": 30}]
    s = scenario(failure={"mode": "brownout", "brownout_failure_fraction": 0.25},
                 health_check={"interval_s": 10, "failure_threshold": 1, "checkers": 1,
                               "healthy_fraction": 0.0},
                 decision={"mode": "automatic", "trigger": "alarm"},
                 alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1,
                        "metric_delay_s": 30},
                 runbook=runbook, dns={"ttl_s": 0, "ttl_violation_fraction": 0, "routing": "manual"},
                 datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": 1,
                              "write_rate_per_s": 40},
                             {"name": "kv", "kind": "dynamodb_global", "replication_lag_s": 1,
                              "write_rate_per_s": 40}])
    t = simulate(s, trials=50, seed=1).trials
    np.testing.assert_allclose(t["rpo_s.db"], 30.0)
    np.testing.assert_allclose(t["lost_writes.db"], 900.0)
    assert (t["lost_writes.kv"] == 0).all()  # multi-writer tables replicate both ways
    assert (t["first_success_s"] == 0).all()  # the primary still serves 75 %
