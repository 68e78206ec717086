"""The fast path's parts: order statistics against brute force, coverage, engine choice,
reproducibility and common random numbers."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy import stats

from drsim.errors import DrsimError
from drsim.fast import coverage, simulate_fast
from drsim.fast.orderstats import kth_of_union, uniform_ranks
from drsim.scenario import load_scenario, scenario_from_dict
from drsim.sim import simulate
from drsim.sim.montecarlo import CHUNK_TRIALS, FAST_CHUNKS_PER_JOB
from tests.conftest import minimal

KS_P = 1e-3
BUNDLED = ("seed-warm-standby", "warm-standby", "hot-standby", "pilot-light",
           "backup-restore", "active-active", "local-lab")


def _brownout():
    return scenario_from_dict(minimal(failure={"mode": "brownout",
                                               "brownout_failure_fraction": 0.5}))


# --- order statistics ------------------------------------------------------------------


@pytest.mark.parametrize("m, lo, hi", [(40, 1, 1), (40, 1, 6), (40, 17, 23), (40, 40, 40),
                                       (7, 2, 7)])
def test_each_drawn_rank_is_the_beta_of_its_order_statistic(m, lo, hi):
    n = 6000
    first, window = uniform_ranks(np.random.default_rng(1), np.full(n, m), np.full(n, lo),
                                  np.full(n, hi), hi - lo + 1)
    assert stats.kstest(first, stats.beta(1, m).cdf).pvalue > KS_P
    for j, r in enumerate(range(lo, hi + 1)):
        assert stats.kstest(window[:, j], stats.beta(r, m - r + 1).cdf).pvalue > KS_P
    assert np.isinf(window[:, hi - lo + 1:]).all()
    # one sample: the ranks come in order and the smallest is below them all
    assert (np.diff(window[:, :hi - lo + 1], axis=1) >= 0).all()
    assert (first <= window[:, 0]).all()


@pytest.mark.parametrize("k, m_total, p", [(1, 30, 0.2), (5, 30, 0.2), (27, 30, 0.3),
                                           (30, 30, 0.1), (12, 20, 0.9), (3, 25, 0.0)])
def test_the_kth_of_the_union_from_a_window_of_ranks_matches_sorting_every_value(k, m_total, p):
    # Violators: a binomial count of values spread wider than the uniforms, as the TTL
    # violators' delays are; the rest U(0, 60). Brute force sorts the whole union.
    rng = np.random.default_rng(7)
    n = 5000
    v = rng.binomial(m_total, p, n)
    values = rng.uniform(0, 60, v.sum()) + rng.exponential(40, v.sum())
    smallest, kth = kth_of_union(k, m_total - v, values, v, 60.0,
                                 np.random.default_rng(8))
    rows = np.split(values, np.cumsum(v)[:-1])
    brute = [(np.sort(np.concatenate((rng.uniform(0, 60, m_total - len(r)), r))))
             for r in rows]
    b1 = np.array([x[0] for x in brute])
    bk = np.array([x[k - 1] if len(x) >= k else np.inf for x in brute])
    assert stats.ks_2samp(smallest, b1).pvalue > KS_P
    assert np.isinf(kth).mean() == np.isinf(bk).mean() == 0
    assert stats.ks_2samp(kth, bk).pvalue > KS_P


def test_a_rank_beyond_the_values_is_never_reached():
    v = np.array([0, 2, 3])
    smallest, kth = kth_of_union(5, np.array([2, 2, 2]), np.arange(5.0), v,
                                 1.0, np.random.default_rng(0))
    assert np.isinf(kth[:2]).all() and np.isfinite(kth[2])
    assert (smallest <= 1.0).all()


# --- coverage and the choice of engine --------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_is_covered(name):
    assert coverage(load_scenario(name)) is None


def test_a_brownout_is_not_covered_and_says_why():
    why = coverage(_brownout())
    assert why and "flap" in why and "every check fails or passes" in why


def test_an_alarm_that_breaches_by_chance_is_not_covered(monkeypatch):
    # Only a brownout's canary breaches by chance today (and a brownout is refused for
    # its checks first): the guard holds for any fault that gets such an alarm.
    from drsim.sim.faults import AlarmSight

    module = importlib.import_module("drsim.fast.coverage")  # the module, not the function

    monkeypatch.setattr(module, "alarm_sight",
                        lambda scenario: AlarmSight(True, 0, "a flaky canary", 0.5))
    why = module.coverage(load_scenario("seed-warm-standby"))
    assert why and "by chance" in why and "0.5" in why


def test_engine_fast_refuses_a_brownout_with_the_reason():
    with pytest.raises(DrsimError, match="flap"):
        simulate(_brownout(), trials=10, seed=1, engine="fast")
    with pytest.raises(DrsimError, match="flap"):
        simulate_fast(_brownout(), 10, 1)


def test_engine_auto_falls_back_to_simpy_and_says_why():
    r = simulate(_brownout(), trials=50, seed=1, engine="auto")
    assert r.engine == "simpy" and "flap" in r.fallback
    plain = simulate(_brownout(), trials=50, seed=1)
    assert r.summary == plain.summary  # the SimPy engine's very figures
    r = simulate("seed-warm-standby", trials=50, seed=1, engine="auto")
    assert r.engine == "fast" and r.fallback is None


def test_timelines_come_from_the_simpy_engine():
    with pytest.raises(DrsimError, match="timeline"):
        simulate("seed-warm-standby", trials=10, seed=1, engine="fast", timeline_trials=[0])
    r = simulate("seed-warm-standby", trials=10, seed=1, engine="auto", timeline_trials=[0])
    assert r.engine == "simpy" and "timeline" in r.fallback and len(r.timeline)


@pytest.mark.parametrize("engine", ["numpy", "", None, "FAST"])
def test_an_unknown_engine_is_refused_by_name(engine):
    with pytest.raises(DrsimError, match=r"engine: .* is not one of simpy, fast, auto"):
        simulate("seed-warm-standby", trials=10, seed=1, engine=engine)


def test_the_default_engine_is_simpy():
    r = simulate("seed-warm-standby", trials=20, seed=1)
    assert r.engine == "simpy" and r.fallback is None


# --- reproducibility ----------------------------------------------------------------------


def test_the_same_seed_gives_the_same_trials_and_another_seed_others():
    a = simulate_fast("seed-warm-standby", 3000, 5, keep_trials=True)
    b = simulate_fast("seed-warm-standby", 3000, 5, keep_trials=True)
    c = simulate_fast("seed-warm-standby", 3000, 6, keep_trials=True)
    assert a.engine == "fast"
    assert a.trials.equals(b.trials) and a.summary == b.summary
    assert not np.array_equal(a.trials["rto_s"], c.trials["rto_s"])


def test_one_worker_or_two_give_identical_results():
    # Three jobs of the fast path (FAST_CHUNKS_PER_JOB chunks each, the last one short).
    trials = 2 * FAST_CHUNKS_PER_JOB * CHUNK_TRIALS + 3_000
    a = simulate("seed-warm-standby", trials, 2, workers=1, engine="fast", progress=False)
    b = simulate("seed-warm-standby", trials, 2, workers=2, engine="fast", progress=False)
    assert a.trials.equals(b.trials) and a.summary == b.summary


def test_a_setting_leaves_the_other_components_draws_where_they_were():
    # Common random numbers: a longer TTL moves the clients, never the checkers, the
    # alarm, the runbook or the data; the same seed, so differences are the TTL's.
    base = load_scenario("seed-warm-standby")
    a = simulate_fast(base, 4000, 3, keep_trials=True).trials
    b = simulate_fast(base.with_overrides({"dns.ttl_s": 300}), 4000, 3, keep_trials=True).trials
    for col in ("health_detect_s", "alarm_s", "decided_s", "runbook_done_s",
                "rpo_s.orders_db", "dns_switched_s", "capacity_ready_s"):
        assert a[col].equals(b[col]), col
    assert (b["rto_s"] >= a["rto_s"]).mean() > 0.9  # slower clients, mostly later


def test_p_objectives_met_counts_trials_meeting_every_objective_at_once():
    for engine in ("simpy", "fast"):
        r = simulate("seed-warm-standby", 3000, 4, engine=engine, progress=False)
        t, s = r.trials, r.summary
        ok = t["rto_s"] <= s.objectives.rto_s
        for name in s.rpo_s:
            ok &= t[f"rpo_s.{name}"] <= s.objectives.rpo_of(name)
        assert s.p_objectives_met == ok.mean()
        assert s.p_objectives_met <= min(s.p_rto_met, s.p_rpo_met)
        assert s.as_dict()["p_objectives_met"] == s.p_objectives_met


def test_a_zero_ttl_with_only_violators_gives_numbers_not_nan():
    # No uniform at all (every client violates) and a TTL of 0: inf times 0 must not
    # turn a missing value into NaN.
    v = np.array([3, 3])
    smallest, kth = kth_of_union(2, np.array([0, 0]), np.array([5.0, 1.0, 3.0, 2.0, 9.0, 4.0]),
                                 v, 0.0, np.random.default_rng(0))
    assert list(smallest) == [1.0, 2.0] and list(kth) == [3.0, 4.0]


@pytest.mark.parametrize("dns, k", [
    ({"ttl_s": 60, "ttl_violation_fraction": 0.0874, "stuck_fraction": 0.005,
      "violation_extra_s": {"dist": "lognormal", "p50": 120, "p95": 900, "upper": 3600}}, 990),
    ({"ttl_s": 60, "ttl_violation_fraction": 0.0874, "stuck_fraction": 0.005}, 3),
    ({"ttl_s": 30, "ttl_violation_fraction": 0.5, "stuck_fraction": 0.0,
      "violation_extra_s": {"dist": "uniform", "low": 0, "high": 40}}, 400),
    ({"ttl_s": 5, "ttl_violation_fraction": 1.0, "stuck_fraction": 0.0, "clients": 50,
      "violation_extra_s": {"dist": "uniform", "low": 0, "high": 2}}, 49),
    ({"ttl_s": 60, "ttl_violation_fraction": 0.2, "stuck_fraction": 0.005, "clients": 40,
      "primary_share": 0.5}, 20),
])
def test_the_clients_order_statistics_match_a_delay_drawn_per_client(dns, k):
    # The SimPy engine's population (a delay per client, drsim.sim.traffic.draw_clients)
    # sorted, against the fast path's smallest and k-th delay, in distribution.
    from drsim.fast.clients import delays
    from drsim.fast.streams import Streams
    from drsim.sim.traffic import draw_clients

    strategy = "active_active" if dns.get("primary_share", 1) < 1 else "hot_standby"
    s = scenario_from_dict(minimal(strategy=strategy, dns={"clients": 1000, **dns}))
    n = 3000
    first, kth = delays(s.dns, k, n, Streams(5, 0))
    brute_first, brute_kth = np.empty(n), np.empty(n)
    rng = np.random.default_rng(6)
    for i in range(n):
        d = np.sort(draw_clients(s.dns, rng).delay_s)
        brute_first[i] = d[0]
        brute_kth[i] = d[k - 1] if k <= len(d) else np.inf
    for fast, brute in ((first, brute_first), (kth, brute_kth)):
        assert np.isinf(fast).mean() == pytest.approx(np.isinf(brute).mean(), abs=0.03)
        f, b = fast[np.isfinite(fast)], brute[np.isfinite(brute)]
        if len(f) > 50 and len(b) > 50:
            assert stats.ks_2samp(f, b).pvalue > KS_P
