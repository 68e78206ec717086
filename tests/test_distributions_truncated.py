"""Truncated distributions (``lower``/``upper``): draws against the truncated CDFs
(KS tests), means against closed forms within standard errors from n, the
truncated-lognormal moments against numerical integration, and the draw
coupling the simulator's common random numbers rely on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import integrate, stats

from drsim.distributions import Distribution, Empirical, Fixed, LogNormal, Triangular, Uniform

DIST = TypeAdapter(Distribution)
N = 100_000
KS_P = 1e-3  # seeds are fixed: reject a shape only on strong evidence


def truncated(frozen, lower, upper):
    """(cdf, mass, pdf) of a scipy distribution conditioned on [lower, upper]."""
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    if frozen.cdf(lo) > 0.5:  # upper tail: survival functions keep the precision
        s_lo, mass = frozen.sf(lo), frozen.sf(lo) - frozen.sf(hi)

        def cdf(x):
            return np.clip((s_lo - frozen.sf(np.clip(x, lo, hi))) / mass, 0.0, 1.0)
    else:
        f_lo, mass = frozen.cdf(lo), frozen.cdf(hi) - frozen.cdf(lo)

        def cdf(x):
            return np.clip((frozen.cdf(np.clip(x, lo, hi)) - f_lo) / mass, 0.0, 1.0)

    return cdf, mass, (lambda x: frozen.pdf(x) / mass), (lo, hi)


def scipy_of(d):
    if isinstance(d, Uniform):
        return stats.uniform(d.low, d.high - d.low)
    if isinstance(d, Triangular):
        return stats.triang((d.mode - d.low) / (d.high - d.low), loc=d.low, scale=d.high - d.low)
    return stats.lognorm(s=d.sigma, scale=d.p50)


CASES = [
    Uniform(low=20, high=60, lower=30),
    Uniform(low=20, high=60, lower=25, upper=35),
    Triangular(low=20, mode=40, high=180, lower=30, upper=100),  # spans the mode
    Triangular(low=20, mode=40, high=180, lower=60),  # falling side only
    Triangular(low=20, mode=40, high=180, upper=35),  # rising side only
    Triangular(low=0, mode=0, high=10, upper=5),  # mode at the minimum
    LogNormal(p50=30, p95=900, upper=900),  # the S3 lag with RTC
    LogNormal(p50=45, p95=120, lower=60, upper=200),
    LogNormal(p50=1, p95=2, lower=20),  # far in the upper tail (z ~ 7)
    LogNormal(p50=300, p95=900, upper=10),  # far in the lower tail
]


@pytest.mark.parametrize("d", CASES, ids=repr)
def test_draws_follow_the_truncated_cdf_and_mean_is_the_closed_form(d):
    cdf, _, pdf, (lo, hi) = truncated(scipy_of(d), d.lower, d.upper)
    x = d.sample(np.random.default_rng(17), N)
    assert x.min() >= lo and x.max() <= hi
    assert stats.kstest(x, cdf).pvalue > KS_P
    # mean and variance by numerical integration of the truncated density
    a, b = max(lo, scipy_of(d).support()[0]), min(hi, scipy_of(d).support()[1])
    mean = integrate.quad(lambda t: t * pdf(t), a, b, limit=400)[0]
    var = integrate.quad(lambda t: (t - mean) ** 2 * pdf(t), a, b, limit=400)[0]
    assert d.mean == pytest.approx(mean, rel=1e-7)
    assert d.variance == pytest.approx(var, rel=1e-6)
    assert abs(x.mean() - d.mean) <= 4 * math.sqrt(d.variance / N)


@pytest.mark.parametrize("lower, upper", [(None, 900), (60, None), (10, 50), (2000, 1e6), (1e-3, 0.5)])
def test_truncated_lognormal_mean_formula_against_numerical_integration(lower, upper):
    d = LogNormal(p50=30, p95=900, lower=lower, upper=upper)
    ln = stats.lognorm(s=d.sigma, scale=30)
    lo, hi = lower or 0.0, upper or np.inf
    mass = ln.cdf(hi) - ln.cdf(lo) if lo < 30 else ln.sf(lo) - ln.sf(hi)
    # integrate in log space, where the integrand is smooth over many decades
    first = integrate.quad(lambda u: math.exp(u) * ln.pdf(math.exp(u)) * math.exp(u),
                           math.log(lo) if lo else -60, math.log(hi) if hi < np.inf else 60,
                           limit=400, epsabs=0)[0]
    assert d.mean == pytest.approx(first / mass, rel=1e-7)
    # E[X | a<X<b] = e^(mu + s^2/2) (Phi(b'-s) - Phi(a'-s)) / (Phi(b') - Phi(a'))
    za = (math.log(lo) - d.mu) / d.sigma if lo else -np.inf
    zb = (math.log(hi) - d.mu) / d.sigma if hi < np.inf else np.inf
    ratio = ((stats.norm.sf(za - d.sigma) - stats.norm.sf(zb - d.sigma))
             / (stats.norm.sf(za) - stats.norm.sf(zb)))
    assert d.mean == pytest.approx(math.exp(d.mu + d.sigma**2 / 2) * ratio, rel=1e-9)


def test_bounds_that_cut_nothing_leave_the_draws_and_moments_alone():
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    u, ub = Uniform(low=20, high=60), Uniform(low=20, high=60, lower=10, upper=100)
    assert np.array_equal(u.sample(rng_a, 1000), ub.sample(rng_b, 1000))
    assert (u.mean, u.variance) == (ub.mean, ub.variance)
    f = Fixed(value=30, lower=30, upper=31)
    assert f.sample(np.random.default_rng(0)) == 30 and f.mean == 30
    e = Empirical(samples=(1, 2, 3), upper=3)
    assert np.array_equal(e.sample(np.random.default_rng(1), 50),
                          Empirical(samples=(1, 2, 3)).sample(np.random.default_rng(1), 50))


@pytest.mark.parametrize("bounded", [
    LogNormal(p50=30, p95=900, upper=900),
    LogNormal(p50=30, p95=900, lower=5, upper=100),
    Triangular(low=20, mode=40, high=180, lower=30, upper=100),
    Uniform(low=20, high=60, upper=50),
    Empirical(samples=(5, 1, 9, 3), lower=2),
], ids=repr)
def test_a_bounded_draw_takes_the_same_random_numbers_and_keeps_their_order(bounded):
    """Common random numbers: bounding one duration must not shift any later draw,
    and the bounded value is a monotone function of the unbounded one."""
    unbounded = type(bounded).model_validate({**bounded.model_dump(), "lower": None, "upper": None})
    rng_a, rng_b = np.random.default_rng(11), np.random.default_rng(11)
    x = unbounded.sample(rng_a, 5000)
    y = bounded.sample(rng_b, 5000)
    assert rng_a.random() == rng_b.random()  # the generators are in the same state
    if not isinstance(bounded, Empirical):  # resampling by index has no order to keep
        order = np.argsort(x, kind="stable")
        assert np.all(np.diff(y[order]) >= 0)
    scalar_a, scalar_b = np.random.default_rng(4), np.random.default_rng(4)
    unbounded.sample(scalar_a), bounded.sample(scalar_b)
    assert scalar_a.random() == scalar_b.random()


def test_bounded_empirical_resamples_only_the_values_inside():
    e = Empirical(samples=(1, 2, 3, 10), upper=5)
    x = e.sample(np.random.default_rng(2), N)
    assert set(np.unique(x)) == {1.0, 2.0, 3.0}
    assert e.mean == 2.0 and e.variance == pytest.approx(2 / 3)
    assert abs(x.mean() - 2.0) <= 4 * math.sqrt((2 / 3) / N)


def test_scalar_bounded_draws_are_floats():
    for d in CASES + [Empirical(samples=(1, 2), lower=1.5), Fixed(value=1, upper=2),
                      LogNormal(p50=10, p95=10, lower=5)]:
        v = d.sample(np.random.default_rng(5))
        assert isinstance(v, float) and d.lo <= v <= d.hi


def test_degenerate_shapes_inside_their_bounds():
    assert LogNormal(p50=10, p95=10, upper=10).sample(np.random.default_rng(0)) == 10
    assert LogNormal(p50=10, p95=10, lower=5).mean == pytest.approx(10)
    assert Uniform(low=4, high=4, lower=4).sample(np.random.default_rng(0)) == 4
    assert Triangular(low=5, mode=5, high=5, upper=6).mean == 5


@pytest.mark.parametrize("data, words", [
    ({"dist": "uniform", "low": 20, "high": 60, "lower": 60, "upper": 50}, "lower (60) must be below upper (50)"),
    ({"dist": "fixed", "value": 3, "lower": 3, "upper": 3}, "lower (3) must be below upper (3)"),
    ({"dist": "uniform", "low": 20, "high": 60, "lower": 70}, "lower below 60 and upper above 20"),
    ({"dist": "uniform", "low": 20, "high": 60, "lower": 60}, "exclude the whole distribution"),
    ({"dist": "triangular", "low": 20, "mode": 30, "high": 60, "upper": 10}, "upper above 20"),
    ({"dist": "fixed", "value": 30, "upper": 20}, "allowed: lower <= value <= upper"),
    ({"dist": "empirical", "samples": [1, 2], "lower": 5}, "no sample lies in them"),
    ({"dist": "lognormal", "p50": 1, "p95": 2, "lower": 1e9}, "numerically zero"),
    ({"dist": "lognormal", "p50": 10, "p95": 10, "upper": 5}, "lower <= 10 <= upper"),
    ({"dist": "uniform", "low": 20, "high": 60, "lower": -5}, "greater than or equal to 0"),
    ({"dist": "lognormal", "p50": 1, "p95": 2, "upper": -1}, "greater than or equal to 0"),
])
def test_bad_bounds_are_refused(data, words):
    with pytest.raises(ValidationError) as err:
        DIST.validate_python(data)
    assert words in str(err.value)


def test_repr_shows_bounds_only_when_set():
    assert repr(LogNormal(p50=45, p95=120)) == "LogNormal(p50=45.0, p95=120.0)"
    assert repr(LogNormal(p50=45, p95=120, upper=900)) == "LogNormal(p50=45.0, p95=120.0, upper=900.0)"


def test_the_vectorised_normal_quantile_is_the_standard_librarys():
    # Acklam's approximation plus one Halley step, against statistics.NormalDist.inv_cdf
    # over both tails and the middle (the truncation maps every bounded draw through it).
    import statistics

    from drsim.distributions import _normal_quantile

    p = np.concatenate([np.logspace(-300, -1, 3000), np.linspace(0.01, 0.99, 3001),
                        1 - np.logspace(-15, -2, 500)])
    ref = np.array([statistics.NormalDist().inv_cdf(float(x)) for x in p])
    got = _normal_quantile(p)
    assert np.all(np.abs(got - ref) <= 1e-12 * np.maximum(1.0, np.abs(ref)))
    assert list(_normal_quantile(np.array([0.0, 0.5, 1.0]))) == [-np.inf, 0.0, np.inf]
