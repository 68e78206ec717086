"""The benchmark anchors (benchmarks/baselines) compute the same model: the naive SimPy
model and its NumPy vectorisation agree in distribution, and both match what the model
gives by hand where it is exact."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from benchmarks.baselines import failover as f
from benchmarks.baselines import naive_simpy, numpy_vectorised

# A checker of the dead endpoint flips this long after its phase. [s]
EARLIEST_DECLARATION_S = f.TIMEOUT_S + (f.FAILURE_THRESHOLD - 1) * f.INTERVAL_S


def test_seven_of_eight_checkers_declare_the_endpoint_unhealthy():
    # 18 % of 8 is 1.44: one healthy checker is not enough, two are.
    assert f.FLIPS_TO_DECLARE == 7
    assert f.declared_unhealthy(1) and not f.declared_unhealthy(2)


@pytest.mark.parametrize("run", [naive_simpy.run, numpy_vectorised.run], ids=["simpy", "numpy"])
def test_each_baseline_is_reproducible_and_within_the_model_bounds(run):
    rto_s = run(500, 11)
    np.testing.assert_array_equal(rto_s, run(500, 11))
    assert not np.array_equal(rto_s, run(500, 12))
    assert rto_s.shape == (500,)
    least = EARLIEST_DECLARATION_S + f.SCALE_S[0] + f.SWITCH_S[0]
    assert (rto_s >= least).all()
    assert np.isfinite(rto_s).all()


def test_the_naive_simpy_declaration_is_the_seventh_flip():
    # All checks fail at once after their timeout: the declaration is the 7th smallest of
    # phase + timeout + (threshold - 1) * interval, here with every phase given.
    import simpy

    phases_s = [3.0, 29.0, 1.0, 7.0, 12.0, 25.0, 18.0, 20.0]
    env = simpy.Environment()
    endpoint = naive_simpy.Endpoint(env)
    for phase_s in phases_s:
        env.process(naive_simpy.checker(env, endpoint, phase_s))
    env.run(until=endpoint.declared)
    assert env.now == sorted(phases_s)[6] + EARLIEST_DECLARATION_S == 91.0


def test_the_two_baselines_agree_in_distribution():
    simpy_rto_s = naive_simpy.run(4000, 1)
    numpy_rto_s = numpy_vectorised.run(40_000, 2)
    assert stats.ks_2samp(simpy_rto_s, numpy_rto_s).pvalue > 0.01
    # Medians within Monte-Carlo error (4 standard errors of the naive run's median).
    se = 1.2533 * simpy_rto_s.std() / np.sqrt(len(simpy_rto_s))
    assert abs(np.median(simpy_rto_s) - np.median(numpy_rto_s)) < 4 * se


def test_a_different_model_is_told_apart():
    # The check can fail: a runbook one switch step longer shifts the distribution.
    shifted_s = numpy_vectorised.run(40_000, 2) + 30.0
    assert stats.ks_2samp(naive_simpy.run(4000, 1), shifted_s).pvalue < 0.01
