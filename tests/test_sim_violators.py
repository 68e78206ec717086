"""The TTL violators as a drawn count, against the binomial's closed forms, and the
sensitivity of the RTO to their share (drsim.compare.sensitivity).

Monte Carlo tolerances as in test_sim_closed_forms.py: 4 standard errors of the
statistic at the sample size used, KS and chi-square tests at p = 1e-3 with fixed seeds.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from drsim.compare import violator_runs, violator_sensitivity, violator_shares
from drsim.errors import DrsimError
from drsim.rules import smallest_count
from drsim.sim import simulate, trial_rng
from drsim.sim.traffic import draw_clients, violator_count
from tests.test_sim_closed_forms import KS_P, scenario

FIXED_1000 = {"dist": "fixed", "value": 1000}


def counts(dns, trials: int, seed: int) -> np.ndarray:
    """The violators of ``trials`` trials' client draws, each from its trial's generator."""
    out = np.empty(trials, dtype=int)
    for i in range(trials):
        c = draw_clients(dns, trial_rng(seed, i))
        # A violator's delay is its TTL phase (< 60 s) plus the fixed 1000 s.
        assert c.violators == int(((c.delay_s >= 1000) & np.isfinite(c.delay_s)).sum())
        out[i] = c.violators
    return out


def test_violator_count_is_binomial_over_the_clients_that_can_move():
    # 1000 clients, 0.4 % stuck (4, exact), the other 996 each behind a violating
    # resolver with p = 0.1: count ~ Binomial(996, 0.1).
    s = scenario(dns={"ttl_s": 60, "ttl_violation_fraction": 0.1, "stuck_fraction": 0.004,
                      "violation_extra_s": FIXED_1000, "clients": 1000})
    n, p, trials = 996, 0.1, 4000
    for i in range(20):
        assert np.isinf(draw_clients(s.dns, trial_rng(3, i)).delay_s).sum() == 4
    x = counts(s.dns, trials, seed=3)
    mean, var = n * p, n * p * (1 - p)
    assert abs(x.mean() - mean) <= 4 * math.sqrt(var / trials)
    # Var(sample variance) = (mu4 - var^2 (N-3)/(N-1)) / N; the binomial's fourth central
    # moment is npq (1 + 3 (n-2) pq).
    mu4 = var * (1 + 3 * (n - 2) * p * (1 - p))
    se_var = math.sqrt((mu4 - var ** 2 * (trials - 3) / (trials - 1)) / trials)
    assert abs(x.var(ddof=1) - var) <= 4 * se_var
    # The whole shape: chi-square over counts, tails pooled to >= 5 expected per cell.
    ks = np.arange(n + 1)
    expected = trials * stats.binom.pmf(ks, n, p)
    big = np.flatnonzero(expected >= 5)
    lo, hi = big[0], big[-1] + 1  # cells kept alone; those outside pool into the two tails
    observed = np.bincount(x, minlength=n + 1)
    obs = np.concatenate(([observed[:lo].sum()], observed[lo:hi], [observed[hi:].sum()]))
    exp = np.concatenate(([expected[:lo].sum()], expected[lo:hi], [expected[hi:].sum()]))
    assert exp.min() >= 5
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > KS_P


def test_violator_count_is_the_binomial_inverse_cdf_and_grows_with_the_share():
    u = np.random.default_rng(0).random(2000)
    for n, p in ((996, 0.0874), (20, 0.5), (1, 0.3)):
        got = np.array([violator_count(n, p, x) for x in u])
        np.testing.assert_array_equal(got, stats.binom.ppf(u, n, p).astype(int))
    # Coupled: the same uniform never gives fewer violators at a larger share.
    for x in u[:200]:
        at = [violator_count(996, p, x) for p in (0.0, 0.05, 0.0874, 0.1748, 0.6, 1.0)]
        assert at == sorted(at) and at[0] == 0 and at[-1] == 996
    # Large populations: no underflow of (1 - p)^n, the median where it belongs.
    assert violator_count(100_000, 0.5, 0.5) in (49_999, 50_000)


def test_the_share_and_the_extra_delay_change_no_other_draw_and_a_larger_share_adds_violators():
    base = {"ttl_s": 60, "stuck_fraction": 0, "clients": 50,
            "violation_extra_s": {"dist": "uniform", "low": 0, "high": 0.48}}
    drawn, after = [], []
    for share in (0.0, 0.1, 0.5, 1.0):
        rng = trial_rng(8, 1)
        drawn.append(draw_clients(scenario(dns={**base, "ttl_violation_fraction": share}).dns, rng))
        after.append(rng.random(3))
    # Nor does the extra delay's distribution: the violators draw from their own stream.
    rng = trial_rng(8, 1)
    draw_clients(scenario(dns={**base, "ttl_violation_fraction": 0.5,
                               "violation_extra_s": FIXED_1000}).dns, rng)
    after.append(rng.random(3))
    for a in after[1:]:
        np.testing.assert_array_equal(a, after[0])
    # Coupled: a larger share keeps the smaller share's violators with the same extra
    # delays and adds more; the others keep their TTL phases (share 0 has only those).
    phases = drawn[0].delay_s
    assert [c.violators for c in drawn] == sorted(c.violators for c in drawn)
    assert 0 == drawn[0].violators < drawn[1].violators < drawn[2].violators < 50
    for small, large in itertools.pairwise(drawn):
        k = small.violators
        np.testing.assert_array_equal(small.delay_s[:k], large.delay_s[:k])
    for c in drawn:
        k = c.violators
        np.testing.assert_array_equal(c.delay_s[k:], phases[k:])
        assert (c.delay_s[:k] > phases[:k]).all() and (c.delay_s[:k] <= phases[:k] + 0.48).all()
    # Share 1 (the local lab): every client a violator.
    assert drawn[-1].violators == 50


@pytest.mark.parametrize("dist", [
    FIXED_1000,
    {"dist": "uniform", "low": 10, "high": 20, "lower": 12},
    {"dist": "triangular", "low": 20, "mode": 40, "high": 180},
    {"dist": "triangular", "low": 20, "mode": 40, "high": 180, "upper": 100},
    {"dist": "lognormal", "p50": 120, "p95": 900},
    {"dist": "lognormal", "p50": 120, "p95": 900, "upper": 3600},
    {"dist": "empirical", "samples": [41.2, 38.0, 52.9, 60.1], "lower": 40},
], ids=lambda d: "-".join(str(v) for v in d.values())[:40])
def test_every_distribution_draws_a_larger_count_as_the_smaller_count_then_more(dist):
    # What draw_clients relies on for the violators' delays: the i-th violator's delay is
    # the i-th value of its stream, whatever the count.
    d = scenario(dns={"violation_extra_s": dist}).dns.violation_extra_s
    few = d.sample(np.random.default_rng(5), 7)
    many = d.sample(np.random.default_rng(5), 300)
    np.testing.assert_array_equal(few, many[:7])


def test_the_violators_extra_delays_follow_violation_extra_s_whatever_their_count():
    # TTL 0: a client's delay is 0, or its extra delay if it violates.
    extra = {"dist": "lognormal", "p50": 120, "p95": 900, "upper": 3600}
    dns = scenario(dns={"ttl_s": 0, "ttl_violation_fraction": 0.25, "stuck_fraction": 0,
                        "violation_extra_s": extra, "clients": 200}).dns
    pooled, first, count = [], [], []
    for i in range(500):
        c = draw_clients(dns, trial_rng(21, i))
        assert (c.delay_s[c.violators:] == 0).all()
        pooled.append(c.delay_s[:c.violators])
        first.append(c.delay_s[0] if c.violators else np.nan)
        count.append(c.violators)
    x = np.concatenate(pooled)
    d = dns.violation_extra_s
    assert abs(x.mean() - d.mean) <= 4 * math.sqrt(d.variance / len(x))
    z_upper = (math.log(3600) - d.mu) / d.sigma
    law = stats.truncnorm(-np.inf, z_upper)
    assert stats.kstest((np.log(x) - d.mu) / d.sigma, law.cdf).pvalue > KS_P
    # Drawn after the count, not from it: the first violator's delay does not follow it.
    has = ~np.isnan(first)
    assert stats.spearmanr(np.array(count)[has], np.array(first)[has]).pvalue > KS_P


def test_when_the_violators_alone_decide_the_rto_its_distribution_is_the_binomial_tail():
    # TTL 0 and no propagation: a client moves at the flip (detection + the 20 s switch)
    # unless it violates, then 1000 s later. 0.913 of 1000 clients served needs k = 913
    # at the flip, so rto - flip is 0 while the violators V <= 87, else 1000:
    # P(rto - flip = 1000) = P(V > 87), V ~ Binomial(1000, 0.0874). (As an exact share
    # the violators were round(87.4) = 87 in every trial, and that RTO never 1000.)
    n, p, trials = 1000, 0.0874, 4000
    k = smallest_count(0.913, n)
    assert k == 913
    s = scenario(runbook=[{"name": "switch_traffic", "duration_s": 20}],
                 dns={"ttl_s": 0, "ttl_violation_fraction": p, "stuck_fraction": 0,
                      "violation_extra_s": FIXED_1000, "clients": n, "routing": "manual"},
                 objectives={"recovered_fraction": 0.913})
    t = simulate(s, trials=trials, seed=12).trials
    extra = (t["rto_s"] - t["health_detect_s"] - 20).to_numpy()
    late = np.isclose(extra, 1000, rtol=0, atol=1e-6)
    assert (late | np.isclose(extra, 0, rtol=0, atol=1e-6)).all()
    tail = float(stats.binom.sf(n - k, n, p))
    assert 0.3 < tail < 0.7  # a test with power on both sides
    assert abs(late.mean() - tail) <= 4 * math.sqrt(tail * (1 - tail) / trials)
    # Its median is then the closed form's: 0 if P(V <= 87) >= 0.5, else 1000.
    assert np.median(extra) == pytest.approx(0.0 if tail < 0.5 else 1000.0, abs=1e-6)


def ttl60(share: float):
    """TTL 60 behind a manual switch of 20 s: without violators rto - detection - 20 is the
    990th of 1000 uniforms on [0, 60] (test_sim_closed_forms)."""
    return scenario(runbook=[{"name": "switch_traffic", "duration_s": 20}],
                    dns={"ttl_s": 60, "ttl_violation_fraction": share, "stuck_fraction": 0,
                         "violation_extra_s": {"dist": "lognormal", "p50": 120, "p95": 900,
                                               "upper": 3600},
                         "clients": 1000, "routing": "manual"})


def test_sensitivity_share_zero_is_the_no_violator_closed_form_and_the_probe_never_moves():
    s = ttl60(0.2)
    assert violator_shares(s) == {"no violators": 0.0, "as given": 0.2, "doubled": 0.4}
    runs = violator_runs(s, trials=3000, seed=9, keep_trials=True)
    t0, t1, t2 = (runs[c].trials for c in ("no violators", "as given", "doubled"))
    extra = (t0["rto_s"] - t0["health_detect_s"] - 20).to_numpy()
    dist = stats.beta(990, 11, scale=60)
    assert abs(extra.mean() - dist.mean()) <= 4 * dist.std() / math.sqrt(len(extra))
    assert stats.kstest(extra, dist.cdf).pvalue > KS_P
    # Common random numbers: the runs differ only in which clients violate, a larger
    # share keeping the smaller share's violators, so trial by trial the RTO never falls
    # as the share grows, and the probe (a TTL-honouring resolver) does not move at all.
    for col in ("probe_rto_s", "health_detect_s", "runbook_done_s", "dns_switched_s"):
        assert t0[col].equals(t1[col]) and t1[col].equals(t2[col])
    assert (t0["rto_s"] <= t1["rto_s"]).all() and (t1["rto_s"] <= t2["rto_s"]).all()
    assert (t0["rto_s"] < t2["rto_s"]).mean() > 0.9


def test_sensitivity_frame_reuses_the_given_run_and_caps_the_doubled_share():
    s = ttl60(0.6)
    given = simulate(s, trials=200, seed=4)
    frame = violator_sensitivity(s, trials=200, seed=4, given=given)
    assert list(frame["case"]) == ["no violators", "as given", "doubled"]
    assert list(frame["share"]) == [0.0, 0.6, 1.0]
    row = frame.set_index("case").loc["as given"]
    assert row["rto_p50_s"] == given.summary.rto_s.p50
    assert row["probe_rto_p95_s"] == given.summary.probe_rto_s.p95
    assert frame["probe_rto_p50_s"].nunique() == 1 and frame["probe_rto_p95_s"].nunique() == 1
    assert frame["rto_p50_s"].is_monotonic_increasing
    with pytest.raises(DrsimError, match="seed 4 and 200 trials.*seed 5 and 200 trials"):
        violator_sensitivity(s, trials=200, seed=5, given=given)
