"""The delays between a decision and a served client, against closed forms: DNS
propagation, the standby's readiness once traffic arrives, the alarm's evaluation
at period boundaries, and the phases that show each term."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from drsim.scenario import scenario_from_dict
from drsim.sim import simulate
from drsim.sim.capacity import standby_healthy_s, time_to_tasks
from tests.conftest import minimal

KS_P = 1e-3  # reject a shape only on strong evidence; seeds are fixed, so no flakiness


def scenario(**sections):
    """One checker on a crashed app (detection uniform on [60, 90] s), TTL 0, no
    violators, the alarm out of the way: every other delay shows as itself."""
    base = dict(
        failure={"mode": "app_crash"},
        health_check={"interval_s": 30, "failure_threshold": 3, "checkers": 1,
                      "healthy_fraction": 0.0},
        alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1,
               "metric_delay_s": 100000},
        dns={"ttl_s": 0, "ttl_violation_fraction": 0, "stuck_fraction": 0, "clients": 1000},
    )
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return scenario_from_dict(minimal(**base))


# --- DNS propagation -------------------------------------------------------------------


def test_a_fixed_propagation_moves_the_dns_switch_and_recovery_by_exactly_itself():
    t = simulate(scenario(dns={"propagation_s": 25}), trials=200, seed=3).trials
    np.testing.assert_allclose(t["dns_switched_s"], t["health_detect_s"] + 25, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["rto_s"], t["health_detect_s"] + 25, rtol=0, atol=1e-9)


def test_propagation_within_60_s_adds_a_uniform_delay_after_the_declaration():
    t = simulate(scenario(dns={"propagation_s": {"dist": "uniform", "low": 0, "high": 60}}),
                 trials=4000, seed=4).trials
    x = (t["dns_switched_s"] - t["health_detect_s"]).to_numpy()
    assert x.min() >= 0 and x.max() <= 60
    assert abs(x.mean() - 30) <= 4 * (60 / math.sqrt(12)) / math.sqrt(len(x))
    assert stats.kstest(x, stats.uniform(0, 60).cdf).pvalue > KS_P


def test_propagation_follows_a_routing_change_step_too():
    # Manual routing: the answers change when switch_traffic ends plus the propagation.
    s = scenario(dns={"routing": "manual", "propagation_s": 40},
                 runbook=[{"name": "switch_traffic", "duration_s": 7}])
    t = simulate(s, trials=200, seed=5).trials
    np.testing.assert_allclose(t["dns_switched_s"], t["health_detect_s"] + 7 + 40, rtol=0,
                               atol=1e-9)


def test_a_late_delay_leaves_every_other_draw_where_it_was():
    # The new delays are drawn after the processes: a distribution for them moves
    # nothing else (common random numbers), here the health checks and the TTLs.
    base = simulate(scenario(dns={"ttl_s": 60}), trials=300, seed=6).trials
    late = simulate(scenario(dns={"ttl_s": 60, "propagation_s": {"dist": "uniform", "low": 0,
                                                                  "high": 60}},
                             compute={"standby_tasks": 2, "required_tasks": 2}),
                    trials=300, seed=6).trials
    np.testing.assert_array_equal(base["health_detect_s"], late["health_detect_s"])
    assert (late["rto_s"] >= base["rto_s"]).all()
    assert (late["rto_s"] <= base["rto_s"] + 60).all()


# --- the standby's readiness once traffic arrives ------------------------------------


def test_standby_targets_serve_their_readiness_after_the_answers_change():
    s = scenario(dns={"propagation_s": 10}, compute={"standby_ready_s": 22})
    t = simulate(s, trials=200, seed=7).trials
    expected = t["health_detect_s"] + 10 + 22
    np.testing.assert_allclose(t["first_success_s"], expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["rto_s"], expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["capacity_ready_s"], expected, rtol=0, atol=1e-9)


def test_standby_readiness_is_drawn_from_its_distribution():
    s = scenario(compute={"standby_ready_s": {"dist": "triangular", "low": 10, "mode": 20,
                                              "high": 40}})
    t = simulate(s, trials=4000, seed=8).trials
    x = (t["rto_s"] - t["health_detect_s"]).to_numpy()
    dist = stats.triang(c=10 / 30, loc=10, scale=30)
    assert abs(x.mean() - dist.mean()) <= 4 * dist.std() / math.sqrt(len(x))
    assert stats.kstest(x, dist.cdf).pvalue > KS_P


def test_a_launched_task_can_serve_before_the_standby_is_ready():
    # Warm standby: 1 standby task healthy 1000 s after the switch, 1 launched task
    # healthy 5 + 30 + 20 = 55 s after the decision. The first client is served by
    # the launched task; recovery (both tasks) waits for the standby.
    s = scenario(strategy="warm_standby",
                 compute={"standby_tasks": 1, "required_tasks": 2, "task_start_s": 30,
                          "target_healthy_s": 20, "standby_ready_s": 1000},
                 runbook=[{"name": "scale_standby", "duration_s": 5}])
    t = simulate(s, trials=100, seed=9).trials
    np.testing.assert_allclose(t["first_success_s"], t["health_detect_s"] + 55, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["rto_s"], t["health_detect_s"] + 1000, rtol=0, atol=1e-9)


def test_time_to_tasks_is_the_order_statistic_of_both_kinds_of_task():
    launched = np.array([50.0, 300.0])
    assert time_to_tasks(2, launched, 1) == 0.0
    assert time_to_tasks(2, launched, 3) == 50.0
    assert time_to_tasks(2, launched, 1, standby_at_s=100.0) == 50.0
    assert time_to_tasks(2, launched, 2, standby_at_s=100.0) == 100.0
    assert time_to_tasks(2, launched, 4, standby_at_s=100.0) == 300.0
    assert time_to_tasks(2, launched, 5, standby_at_s=100.0) == math.inf
    assert standby_healthy_s(dns_switched_s=60.0, standby_ready_s=22.0,
                             serves_before_fault=False) == 82.0
    assert standby_healthy_s(dns_switched_s=60.0, standby_ready_s=22.0,
                             serves_before_fault=True) == 0.0
    assert standby_healthy_s(dns_switched_s=math.inf, standby_ready_s=22.0,
                             serves_before_fault=False) == math.inf


@pytest.mark.parametrize("sections, words", [
    ({"strategy": "active_active", "dns": {"primary_share": 0.5},
      "compute": {"standby_ready_s": 22}}, ["compute.standby_ready_s", "active_active"]),
    ({"strategy": "pilot_light", "compute": {"standby_tasks": 0, "standby_ready_s": 22},
      "runbook": [{"name": "scale_standby", "duration_s": 5}]},
     ["compute.standby_ready_s", "standby_tasks: 0"]),
])
def test_standby_readiness_where_no_standby_waits_for_traffic_is_refused(sections, words):
    with pytest.raises(Exception) as err:
        scenario(**sections)
    for word in words:
        assert word in str(err.value)


# --- the alarm, evaluated at period boundaries ---------------------------------------


@pytest.mark.parametrize("period_s, m, delay_s, wait_s", [
    (60, 2, 75.0, 120.0),   # standard: evaluated each minute, sees the datapoint at 2 P
    (60, 3, 60.0, 60.0),    # a delay of whole evaluations waits no longer
    (30, 2, 12.0, 20.0),    # high resolution: evaluated every 10 s
])
def test_alarm_is_uniform_over_one_period_after_m_minus_1_periods_and_the_evaluation(
        period_s, m, delay_s, wait_s):
    # The fault's period ends U(0, P) after the fault; the M-th breaching datapoint is
    # visible d after the end of the M-th period, and the alarm sees it at the next
    # evaluation: uniform on [(M - 1) P + E ceil(d / E), M P + E ceil(d / E)].
    s = scenario(alarm={"period_s": period_s, "evaluation_periods": m,
                        "datapoints_to_alarm": m, "metric_delay_s": delay_s})
    x = simulate(s, trials=4000, seed=12).trials["alarm_s"].to_numpy()
    low = (m - 1) * period_s + wait_s
    assert x.min() >= low and x.max() <= low + period_s
    assert abs(x.mean() - (low + period_s / 2)) <= 4 * (period_s / math.sqrt(12)) / math.sqrt(len(x))
    assert stats.kstest(x, stats.uniform(low, period_s).cdf).pvalue > KS_P


# --- phases: the alarm's lag apart from the people's decision -------------------------


def test_an_automatic_failover_on_the_alarm_shows_its_lag_as_the_alarm_phase():
    # Health check at U(60, 90); alarm at U(180, 240) (fixed delay 75 s, 2 of 2).
    s = scenario(alarm={"period_s": 60, "evaluation_periods": 2, "datapoints_to_alarm": 2,
                        "metric_delay_s": 75},
                 decision={"mode": "automatic", "trigger": "alarm"},
                 dns={"routing": "manual"})
    t = simulate(s, trials=500, seed=13).trials
    np.testing.assert_allclose(t["alarm_lag_s"], t["alarm_s"] - t["health_detect_s"], rtol=0,
                               atol=1e-9)
    assert (t["decide_s"] == 0).all()
    assert ((t["alarm_lag_s"] >= 90) & (t["alarm_lag_s"] <= 180)).all()


def test_a_manual_decision_counts_from_the_page_not_from_the_health_check():
    s = scenario(alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1,
                        "metric_delay_s": 60},
                 decision={"mode": "manual", "page_ack_s": 100, "decide_s": 200},
                 dns={"routing": "manual"})
    t = simulate(s, trials=500, seed=14).trials
    np.testing.assert_allclose(t["decide_s"], 300, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["alarm_lag_s"], t["alarm_s"] - t["detect_s"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(t[["detect_s", "alarm_lag_s", "decide_s"]].sum(axis=1),
                               t["decided_s"], rtol=0, atol=1e-9)


def test_an_automatic_failover_on_the_health_check_has_no_alarm_lag_and_no_decision():
    t = simulate(scenario(), trials=200, seed=15).trials
    assert (t["alarm_lag_s"] == 0).all() and (t["decide_s"] == 0).all()


# --- the warm standby: each term of the recovery in the phase table -----------


def warm_standby_on_the_health_check():
    """Failover on the health check (30 s, threshold 2, 15 checkers, region outage), no
    database to promote, DNS answers propagating within 60 s, 22 s of standby readiness;
    the scale-up's task is healthy 5 + 60 + 40 = 105 s after the decision, after the
    standby's own task (at most 60 + 22 = 82 s after it)."""
    return scenario_from_dict(minimal(
        strategy="warm_standby",
        failure={"mode": "region_outage"},
        health_check={"interval_s": 30, "failure_threshold": 2, "checkers": 15,
                      "healthy_fraction": 0.18, "timeout_s": 6},
        decision={"mode": "automatic", "trigger": "health_check"},
        dns={"ttl_s": 0, "ttl_violation_fraction": 0, "stuck_fraction": 0,
             "propagation_s": {"dist": "uniform", "low": 0, "high": 60}},
        compute={"primary_tasks": 2, "standby_tasks": 1, "required_tasks": 2,
                 "standby_ready_s": 22, "task_start_s": 60, "target_healthy_s": 40},
        runbook=[{"name": "scale_standby", "duration_s": 5}],
    ))


def test_the_warm_standby_serves_after_detection_plus_propagation_plus_readiness():
    s = warm_standby_on_the_health_check()
    r = simulate(s, trials=4000, seed=16)
    t = r.trials
    terms_s = t["health_detect_s"] + t["dns_propagation_s"] + 22
    # The whole capacity (and so the clients' RTO) waits for the scale-up's task.
    np.testing.assert_allclose(t["capacity_ready_s"], t["health_detect_s"] + 105, rtol=0,
                               atol=1e-9)
    np.testing.assert_allclose(t["rto_s"], t["capacity_ready_s"], rtol=0, atol=1e-9)
    # Each term in the phase table: detection U_(13:15) of 30 s after one interval plus
    # the 6 s timeout, propagation U(0, 60), readiness 22 s; no alarm, no decision.
    p = r.summary.phases
    detect = stats.beta(13, 3, loc=30 + 6, scale=30)
    n = len(t)
    assert abs(p["detect_s"].mean - detect.mean()) <= 4 * detect.std() / math.sqrt(n)
    assert abs(p["dns_propagation_s"].mean - 30) <= 4 * (60 / math.sqrt(12)) / math.sqrt(n)
    assert p["standby_ready_s"].p50 == 22 and p["standby_ready_s"].max == 22
    assert p["alarm_lag_s"].max == 0 and p["decide_s"].max == 0
    # The probe (TTL 0): from detection + propagation + 22 s the standby's task carries
    # half the load, so each attempt (every 5 s, the first U(0, 5) after) is served with
    # probability 1/2 until the scale-up's task, then surely: k = attempts before the
    # served one is geometric(1/2), cut at the scale-up.
    lag = (t["probe_rto_s"] - terms_s).to_numpy()
    assert lag.min() >= -1e-9
    assert np.all(t["probe_rto_s"] < t["capacity_ready_s"] + s.probe.interval_s)
    k = np.floor(lag / s.probe.interval_s).astype(int)
    observed = [np.sum(k == j) for j in range(3)] + [np.sum(k >= 3)]
    expected = np.array([1 / 2, 1 / 4, 1 / 8, 1 / 8]) * n
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    # so the probe's p50 is within a few seconds (two attempts) of the terms' median: the
    # issue's test (each trial's lag has median one attempt: P(k = 0) = 1/2)
    assert 0 <= r.summary.probe_rto_s.p50 - float(np.median(terms_s)) <= 2 * s.probe.interval_s
