"""Distributions: parameter validation, and mean/variance/percentiles by sampling."""

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from drsim.distributions import Distribution, Empirical, Fixed, LogNormal, Triangular, Uniform

DIST = TypeAdapter(Distribution)
N = 200_000


@pytest.mark.parametrize("dist, mean, var", [
    (Fixed(value=30), 30, 0),
    (Uniform(low=20, high=60), 40, 40**2 / 12),
    (Triangular(low=20, mode=40, high=180), 80, (20**2 + 40**2 + 180**2 - 20 * 40 - 20 * 180 - 40 * 180) / 18),
    (Empirical(samples=(41.2, 38.0, 52.9)), (41.2 + 38.0 + 52.9) / 3, np.var([41.2, 38.0, 52.9])),
])
def test_mean_and_variance_are_the_closed_forms(dist, mean, var):
    assert dist.mean == pytest.approx(mean)
    assert dist.variance == pytest.approx(var)
    x = dist.sample(np.random.default_rng(7), N)
    se = math.sqrt(var / N) if var else 1e-12
    assert abs(x.mean() - mean) <= 4 * se + 1e-12
    if var:
        assert x.var() == pytest.approx(var, rel=0.02)


def test_lognormal_hits_its_two_percentiles_and_mean():
    d = LogNormal(p50=45, p95=120)
    x = d.sample(np.random.default_rng(3), N)
    assert np.percentile(x, 50) == pytest.approx(45, rel=0.01)
    assert np.percentile(x, 95) == pytest.approx(120, rel=0.02)
    assert d.mean == pytest.approx(45 * math.exp(d.sigma**2 / 2))
    assert abs(x.mean() - d.mean) <= 4 * math.sqrt(d.variance / N)
    ks = stats.kstest(x, stats.lognorm(s=d.sigma, scale=45).cdf)
    assert ks.pvalue > 0.001


def test_uniform_shape_by_ks():
    x = Uniform(low=20, high=60).sample(np.random.default_rng(1), 20_000)
    assert stats.kstest(x, stats.uniform(20, 40).cdf).pvalue > 0.001


def test_scalar_draws_are_floats_and_reproducible():
    for d in (Fixed(value=1), Uniform(low=0, high=1), Triangular(low=0, mode=1, high=2),
              LogNormal(p50=1, p95=2), Empirical(samples=(1, 2))):
        a = d.sample(np.random.default_rng(5))
        b = d.sample(np.random.default_rng(5))
        assert a == b and np.ndim(a) == 0


def test_degenerate_shapes_are_allowed():
    assert Triangular(low=5, mode=5, high=5).sample(np.random.default_rng(0), 3).tolist() == [5, 5, 5]
    assert LogNormal(p50=10, p95=10).sample(np.random.default_rng(0)) == pytest.approx(10)


@pytest.mark.parametrize("data, words", [
    ({"dist": "lognormal", "p50": 45, "p95": 12}, "below p50"),
    ({"dist": "uniform", "low": 60, "high": 20}, "below low"),
    ({"dist": "triangular", "low": 1, "mode": 9, "high": 5}, "low <= mode <= high"),
    ({"dist": "fixed", "value": -1}, "greater than or equal"),
    ({"dist": "empirical", "samples": []}, "at least one sample"),
    ({"dist": "lognormal", "p50": 0, "p95": 1}, "greater than 0"),
    ({"dist": "normal", "mu": 1}, "does not match any of the expected tags"),
])
def test_bad_parameters_are_refused(data, words):
    with pytest.raises(ValidationError) as err:
        DIST.validate_python(data)
    assert words in str(err.value)


def test_repr_shows_parameters():
    assert repr(LogNormal(p50=45, p95=120)) == "LogNormal(p50=45.0, p95=120.0)"
