"""The fast path against the SimPy engine on randomised scenarios (issue 15's bar).

Each example is a bundled scenario with randomised settings (hypothesis, derandomised:
the same examples every run). Both engines run it at 20,000 trials; for every column of
the summary (RTO, probe RTO, first success, the phases and delay terms, RPO and lost
writes per datastore): the share of trials that never get there (inf) agrees within
binomial error, the finite values pass a two-sample Kolmogorov-Smirnov test at
p > 0.01, and each percentile lies within Monte Carlo error (the two engines' order-
statistic confidence intervals overlap). The two engines draw from unrelated streams,
so agreement is in distribution, as it must be.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from drsim.errors import DrsimError
from drsim.scenario import load_scenario, scenario_from_dict
from drsim.sim import TrialPlan, simulate
from drsim.sim.montecarlo import _summary_columns

TRIALS = 20_000
KS_P = 0.01  # the bar
PERCENTILES = (0.5, 0.9, 0.95, 0.99)
CI_ALPHA = 1e-4  # each engine's percentile interval; they must overlap
BASES = ("seed-warm-standby", "warm-standby", "hot-standby", "pilot-light",
         "backup-restore", "active-active")
COVERED_MODES = ("region_outage", "partition", "app_crash", "app_hang", "db_primary_loss")
DURATIONS = (
    {"dist": "fixed", "value": 30},
    {"dist": "uniform", "low": 5, "high": 200},
    {"dist": "lognormal", "p50": 60, "p95": 400},
    {"dist": "lognormal", "p50": 200, "p95": 900, "upper": 1200},
    {"dist": "triangular", "low": 10, "mode": 40, "high": 300},
)

pytestmark = pytest.mark.slow

checked: list[tuple[str, str, float]] = []  # (example, column, KS p) for the report


@st.composite
def scenarios(draw):
    raw = load_scenario(draw(st.sampled_from(BASES))).model_dump(mode="json")
    hc = raw["health_check"]
    hc["interval_s"] = draw(st.sampled_from([10, 30]))
    hc["failure_threshold"] = draw(st.integers(1, 10))
    hc["checkers"] = draw(st.integers(1, 18))
    hc["checks_database"] = draw(st.booleans())
    raw["failure"]["mode"] = draw(st.sampled_from(COVERED_MODES))
    raw["dns"]["ttl_s"] = draw(st.sampled_from([0, 5, 60, 300]))
    raw["dns"]["routing"] = draw(st.sampled_from(["failover", "manual"]))
    raw["dns"]["stuck_fraction"] = draw(st.sampled_from([0.0, 0.005, 0.05]))
    raw["compute"]["standby_tasks"] = draw(st.integers(0, raw["compute"]["required_tasks"]))
    raw["compute"]["standby_ready_s"] = draw(st.sampled_from([0, {"dist": "uniform", "low": 0,
                                                                  "high": 120}]))
    raw["decision"]["mode"] = draw(st.sampled_from(["automatic", "manual"]))
    raw["decision"]["trigger"] = draw(st.sampled_from(["health_check", "alarm"]))
    for step in raw["runbook"]:
        step["duration_s"] = draw(st.sampled_from(DURATIONS))
        step["failure_probability"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
        step["max_attempts"] = draw(st.integers(1, 3))
        step["manual_fallback_s"] = draw(st.sampled_from(DURATIONS))
        if step.get("action") == "promote_database":
            step["fences_primary"] = draw(st.booleans())
    raw["objectives"]["rto_metric"] = draw(st.sampled_from(["clients", "probe"]))
    horizon_s = draw(st.sampled_from([30 * 86400.0, 1800.0]))
    try:
        return scenario_from_dict(raw), horizon_s
    except DrsimError:
        assume(False)


def _interval(x: np.ndarray, q: float) -> tuple[float, float]:
    """A distribution-free confidence interval of the q-quantile from sorted ``x``
    (inf sorting last), from the binomial count below it."""
    n = len(x)
    lo = int(stats.binom.ppf(CI_ALPHA / 2, n, q))
    hi = int(stats.binom.ppf(1 - CI_ALPHA / 2, n, q))
    return x[max(lo - 1, 0)], x[min(hi, n - 1)]


def assert_same_distribution(name: str, column: str, a: np.ndarray, b: np.ndarray) -> None:
    n = len(a)
    ia, ib = np.isinf(a).mean(), np.isinf(b).mean()
    se = math.sqrt((ia * (1 - ia) + ib * (1 - ib)) / n)
    assert abs(ia - ib) <= 4 * se + 1.0 / n, f"{name} {column}: P(inf) {ia} vs {ib}"
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    if min(len(fa), len(fb)) >= 50 and (np.ptp(fa) > 0 or np.ptp(fb) > 0):
        p = stats.ks_2samp(fa, fb).pvalue
        checked.append((name, column, float(p)))
        assert p > KS_P, f"{name} {column}: KS p = {p:.3g} (means {fa.mean():.5g}, {fb.mean():.5g})"
    else:  # a constant (or nearly absent) value: the same constant
        assert set(np.unique(fa)) == set(np.unique(fb)) or not len(fa) or not len(fb), column
    sa, sb = np.sort(a), np.sort(b)
    for q in PERCENTILES:
        (a_lo, a_hi), (b_lo, b_hi) = _interval(sa, q), _interval(sb, q)
        assert a_lo <= b_hi and b_lo <= a_hi, (
            f"{name} {column}: p{q * 100:g} intervals [{a_lo}, {a_hi}] and [{b_lo}, {b_hi}]")


@settings(max_examples=5, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(scenarios())
def test_the_fast_path_matches_the_simpy_engine_in_distribution(example):
    scenario, horizon_s = example
    fast = simulate(scenario, TRIALS, 21, engine="fast", horizon_s=horizon_s, progress=False)
    slow = simulate(scenario, TRIALS, 22, engine="simpy", horizon_s=horizon_s, progress=False)
    assert fast.engine == "fast"
    name = f"{scenario.name}/{scenario.failure.mode}/h{horizon_s:g}"
    for column in _summary_columns(TrialPlan(scenario)):
        assert_same_distribution(name, column, fast.trials[column].to_numpy(),
                                 slow.trials[column].to_numpy())
    objectives = [fast.summary.p_objectives_met, slow.summary.p_objectives_met]
    se = math.sqrt(sum(p * (1 - p) for p in objectives) / TRIALS)
    assert abs(objectives[0] - objectives[1]) <= 4 * se + 1.0 / TRIALS


def test_report_the_smallest_ks_p(capsys):
    # Runs after the examples (file order): the figure the report quotes.
    if checked:
        name, column, p = min(checked, key=lambda c: c[2])
        with capsys.disabled():
            print(f"\n{len(checked)} KS checks, smallest p = {p:.4g} ({name}, {column})")
