"""The two RTOs against closed forms: the external probe's (``probe_rto_s``) and the
affected clients' (``rto_s`` of active/active), and ``objectives.rto_metric``.

Monte Carlo tolerances as in test_sim_closed_forms.py: 4 standard errors, KS tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from drsim.rules import smallest_count
from drsim.scenario import scenario_from_dict
from drsim.sim import simulate
from drsim.sim.traffic import probe_recovery_s
from tests.conftest import minimal

KS_P = 1e-3


def scenario(**sections):
    """One checker refused at once: detection (the DNS flip) is uniform on [60, 90] s."""
    base = dict(
        failure={"mode": "app_crash"},
        health_check={"interval_s": 30, "failure_threshold": 3, "checkers": 1,
                      "healthy_fraction": 0.0},
        alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1,
               "metric_delay_s": 100000},  # keep the alarm path out of the way
        dns={"ttl_s": 0, "ttl_violation_fraction": 0, "stuck_fraction": 0, "clients": 1000},
    )
    base.update(sections)
    return scenario_from_dict(minimal(**base))


PROMOTE_100 = dict(
    runbook=[{"name": "promote_database", "duration_s": 100}],
    datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": 1}],
)


def sum_of_uniforms(a: float, b: float, loc: float = 0.0):
    """The distribution of ``loc + U(0, a) + U(0, b)`` (a trapezoid), as a frozen-like
    object with ``cdf``, ``mean`` and ``std``."""
    lo, hi = min(a, b), max(a, b)

    def cdf(x):
        x = np.asarray(x, dtype=float) - loc
        rise = x ** 2 / (2 * lo * hi)
        flat = (x - lo / 2) / hi
        fall = 1 - (lo + hi - x) ** 2 / (2 * lo * hi)
        return np.where(x <= 0, 0.0, np.where(x <= lo, rise, np.where(
            x <= hi, flat, np.where(x <= lo + hi, fall, 1.0))))

    class Dist:
        mean = loc + (a + b) / 2
        std = math.sqrt((a * a + b * b) / 12)

    d = Dist()
    d.cdf = cdf
    return d


# --- the probe, one trial at a time -------------------------------------------------------


@pytest.mark.parametrize("flip, db, cap, expected_t", [
    (100.0, 130.0, 120.0, 130.0),   # the database comes last
    (100.0, 0.0, 120.0, 120.0),     # capacity comes last
    (140.0, 130.0, 0.0, 140.0),     # DNS comes last
])
def test_probe_is_the_latest_moment_rounded_up_to_its_next_attempt(flip, db, cap, expected_t):
    # TTL 0: the answer changes at the flip; attempts every 5 s from 5 * phase.
    for phase in (0.0, 0.2, 0.999):
        got = probe_recovery_s(flip_s=flip, db_writable_s=db, capacity_ready_s=cap, ttl_s=0,
                               interval_s=5, cache_phase=0.5, attempt_phase=phase)
        first = 5 * phase
        expected = first + math.ceil((expected_t - first) / 5) * 5
        assert got == pytest.approx(expected, abs=1e-9)
        assert expected_t <= got < expected_t + 5


def test_probe_sees_the_new_answer_when_its_cached_one_expires():
    # The cache expires at cache_phase * TTL after the flip; an attempt at 0 mod 5.
    got = probe_recovery_s(flip_s=100.0, db_writable_s=0.0, capacity_ready_s=0.0, ttl_s=60,
                           interval_s=5, cache_phase=0.5, attempt_phase=0.0)
    assert got == 130.0
    never = probe_recovery_s(flip_s=math.inf, db_writable_s=0.0, capacity_ready_s=0.0, ttl_s=60,
                             interval_s=5, cache_phase=0.5, attempt_phase=0.0)
    assert never == math.inf


def test_probe_attempt_on_the_moment_itself_counts_and_rounding_never_lands_early():
    assert probe_recovery_s(flip_s=10.0, db_writable_s=0.0, capacity_ready_s=0.0, ttl_s=0,
                            interval_s=5, cache_phase=0.0, attempt_phase=0.0) == 10.0
    rng = np.random.default_rng(3)
    for t, interval, phase in zip(rng.uniform(0, 1e5, 2000), rng.uniform(0.1, 30, 2000),
                                  rng.random(2000)):
        got = probe_recovery_s(flip_s=t, db_writable_s=0.0, capacity_ready_s=0.0, ttl_s=0,
                               interval_s=interval, cache_phase=0.0, attempt_phase=phase)
        assert t <= got <= t + interval * (1 + 1e-12)


# --- the probe over many trials -------------------------------------------------------


def test_writing_probe_waits_for_the_promotion_then_a_uniform_part_of_its_interval():
    # Detection D ~ U(60, 90) flips DNS; the database is writable at D + 100 (fixed);
    # capacity is there already. So T = D + 100 and the probe is T rounded up to its next
    # attempt: with the attempts' random phase, probe - T ~ U(0, 5), independent of T,
    # and probe ~ 160 + U(0, 30) + U(0, 5).
    s = scenario(**PROMOTE_100, probe={"interval_s": 5, "writes": True})
    t = simulate(s, trials=4000, seed=21).trials
    x = t["probe_rto_s"].to_numpy()
    over = x - (t["health_detect_s"].to_numpy() + 100)
    assert over.min() >= 0 and over.max() < 5
    assert stats.kstest(over, stats.uniform(0, 5).cdf).pvalue > KS_P
    dist = sum_of_uniforms(30, 5, loc=160)
    assert abs(x.mean() - dist.mean) <= 4 * dist.std / math.sqrt(len(x))
    assert stats.kstest(x, dist.cdf).pvalue > KS_P


def test_read_only_probe_needs_dns_and_capacity_only():
    s = scenario(**PROMOTE_100, probe={"interval_s": 5, "writes": False})
    t = simulate(s, trials=4000, seed=22).trials
    x = t["probe_rto_s"].to_numpy()
    dist = sum_of_uniforms(30, 5, loc=60)
    assert abs(x.mean() - dist.mean) <= 4 * dist.std / math.sqrt(len(x))
    assert stats.kstest(x, dist.cdf).pvalue > KS_P


def test_probe_waits_for_the_ttl_of_its_own_cache():
    # TTL 60 with an honouring resolver: the probe's answer changes U(0, 60) after the
    # flip, then the next attempt: probe - detection ~ U(0, 60) + U(0, 10).
    s = scenario(dns={"ttl_s": 60, "ttl_violation_fraction": 0.5, "stuck_fraction": 0,
                      "clients": 1000}, probe={"interval_s": 10, "writes": False})
    t = simulate(s, trials=4000, seed=23).trials
    x = (t["probe_rto_s"] - t["health_detect_s"]).to_numpy()
    dist = sum_of_uniforms(60, 10)
    assert abs(x.mean() - dist.mean) <= 4 * dist.std / math.sqrt(len(x))
    assert stats.kstest(x, dist.cdf).pvalue > KS_P


def test_probe_is_served_with_the_capacity_share_while_the_standby_scales():
    # One standby task of two: from the flip (detection D, TTL 0, no database) each attempt
    # is served with probability 1/2 until the scale-up (1 s + 20 s + 30 s) ends at D + 51,
    # then surely. Attempts come every 5 s from a = D + u, u ~ U(0, 5): the k-th (from 0)
    # is the first served with probability 2^-(k+1) while a + 5k < D + 51.
    s = scenario(strategy="warm_standby",
                 compute={"primary_tasks": 2, "standby_tasks": 1, "required_tasks": 2,
                          "task_start_s": 20, "target_healthy_s": 30},
                 runbook=[{"name": "scale_standby", "duration_s": 1}],
                 probe={"interval_s": 5, "writes": True})
    t = simulate(s, trials=4000, seed=24).trials
    after = (t["probe_rto_s"] - t["health_detect_s"]).to_numpy()
    assert after.min() >= 0 and after.max() < 51 + 5  # never later than the whole capacity
    k = np.floor(after / 5).astype(int)
    observed = [np.sum(k == j) for j in range(4)] + [np.sum(k >= 4)]
    expected = np.array([1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 16]) * len(k)
    assert stats.chisquare(observed, expected).pvalue > KS_P


def test_probe_with_whole_capacity_is_the_first_attempt_after_its_answer():
    from drsim.sim.probe import probe_served_s

    rng = np.random.default_rng(3)
    whole = (np.asarray([0.0]), np.asarray([1.0]))
    for flip, db, cache, attempt, luck in rng.random((500, 5)) * [300, 400, 1, 1, 1]:
        expect = probe_recovery_s(flip_s=flip, db_writable_s=db, capacity_ready_s=0.0,
                                  ttl_s=60, interval_s=5, cache_phase=cache,
                                  attempt_phase=attempt)
        got = probe_served_s(flip_s=flip, db_writable_s=db, steps=whole, ttl_s=60,
                             interval_s=5, cache_phase=cache, attempt_phase=attempt,
                             luck=1 - luck)
        assert got == expect


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5, 0.9])
def test_probe_with_a_share_that_stays_is_geometric(share):
    # Capacity share p forever: served at the first attempt k with (1 - p)^(k+1) < luck,
    # i.e. k = floor(log(luck) / log(1 - p)) attempts after the first.
    from drsim.sim.probe import probe_served_s

    steps = (np.asarray([0.0]), np.asarray([share]))
    for luck in np.linspace(0.001, 1.0, 400):
        got = probe_served_s(flip_s=100.0, db_writable_s=0.0, steps=steps, ttl_s=0,
                             interval_s=5, cache_phase=0.0, attempt_phase=0.0, luck=luck)
        k = math.floor(math.log(luck) / math.log1p(-share))
        assert got == pytest.approx(100.0 + 5 * k), luck


def test_probe_never_served_without_capacity():
    from drsim.sim.probe import probe_served_s

    none = (np.asarray([0.0]), np.asarray([0.0]))
    assert probe_served_s(flip_s=10.0, db_writable_s=0.0, steps=none, ttl_s=0, interval_s=5,
                          cache_phase=0.0, attempt_phase=0.0, luck=0.5) == math.inf


def test_the_probe_draws_last_so_every_other_figure_keeps_its_value():
    # Common random numbers: another probe interval changes probe_rto_s and nothing else.
    a = scenario(dns={"ttl_s": 60, "ttl_violation_fraction": 0.1, "clients": 1000},
                 probe={"interval_s": 5})
    b = a.with_overrides(["probe.interval_s=30", "probe.writes=false"])
    ta = simulate(a, trials=200, seed=5).trials
    tb = simulate(b, trials=200, seed=5).trials
    others = [c for c in ta.columns if c != "probe_rto_s"]
    assert ta[others].equals(tb[others])
    assert not ta["probe_rto_s"].equals(tb["probe_rto_s"])


def test_probe_recovered_is_an_event_of_the_timeline():
    s = scenario(**PROMOTE_100)
    r = simulate(s, trials=3, seed=1, timeline_trials=[0, 2])
    tl = r.timeline
    for i in (0, 2):
        run = tl[tl["run_id"] == f"t/seed-1/trial-{i}"]
        probe = run[run["event"] == "probe_recovered"]
        assert len(probe) == 1 and probe["component"].iloc[0] == "probe"
        assert probe["t_s"].iloc[0] == r.trials["probe_rto_s"].iloc[i]
        assert "recovered" in set(run["event"])  # the clients' event is still there


# --- rto_metric ------------------------------------------------------------------------------


def test_rto_metric_probe_counts_the_probe_against_the_objective():
    # Read-only probe ~ 60 + U(0, 30) + U(0, 5): P(probe <= 80) from the closed form.
    s = scenario(**PROMOTE_100, probe={"interval_s": 5, "writes": False},
                 objectives={"rto_s": 80, "rto_metric": "probe"})
    r = simulate(s, trials=4000, seed=25)
    p = float(sum_of_uniforms(30, 5, loc=60).cdf(80.0))
    assert abs(r.summary.p_rto_met - p) <= 4 * math.sqrt(p * (1 - p) / 4000)
    assert r.summary.p_rto_met == float(np.mean(r.trials["probe_rto_s"] <= 80))
    # the clients' RTO waits for the promotion (D + 100 > 80): never met
    assert (r.trials["rto_s"] > 80).all()
    clients = simulate(s.with_overrides(["objectives.rto_metric=clients"]), trials=4000, seed=25)
    assert clients.summary.p_rto_met == 0.0
    assert clients.summary.probe_rto_s == r.summary.probe_rto_s
    assert "P(probe RTO <= 80.0 s)" in r.summary.to_text()
    assert r.summary.as_dict()["objectives"]["rto_metric"] == "probe"
    assert "rto_metric" not in clients.summary.as_dict()["objectives"]


# --- rto_s of active/active: the affected clients only --------------------------------------


def active_active(clients: int, share: float):
    return scenario(strategy="active_active",
                    dns={"ttl_s": 60, "ttl_violation_fraction": 0, "stuck_fraction": 0,
                         "clients": clients, "primary_share": share})


@pytest.mark.parametrize("clients, share", [(1000, 0.5), (400, 0.25)])
def test_active_active_rto_is_the_order_statistic_of_the_affected_clients(clients, share):
    # m = clients * share were on the failed region; each moves U(0, 60) after the flip at
    # detection. 0.99 of them served is the k-th of m uniforms, k = ceil(0.99 m):
    # rto - detection ~ 60 * Beta(k, m - k + 1). The first of them: 60 * Beta(1, m).
    m = round(clients * share)
    k = smallest_count(0.99, m)
    t = simulate(active_active(clients, share), trials=3000, seed=31).trials
    extra = (t["rto_s"] - t["health_detect_s"]).to_numpy()
    dist = stats.beta(k, m - k + 1, scale=60)
    assert abs(extra.mean() - dist.mean()) <= 4 * dist.std() / math.sqrt(len(extra))
    assert stats.kstest(extra, dist.cdf).pvalue > KS_P
    first = (t["first_success_s"] - t["health_detect_s"]).to_numpy()
    fdist = stats.beta(1, m, scale=60)
    assert (first > 0).all()
    assert abs(first.mean() - fdist.mean()) <= 4 * fdist.std() / math.sqrt(len(first))
    assert stats.kstest(first, fdist.cdf).pvalue > KS_P


def test_active_active_first_success_is_after_detection_not_zero():
    t = simulate(active_active(1000, 0.5), trials=300, seed=2).trials
    assert (t["first_success_s"] >= t["health_detect_s"]).all()
    assert (t["rto_s"] >= t["first_success_s"]).all()

