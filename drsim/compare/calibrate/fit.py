"""Fitting a duration to observed values: lognormal by maximum likelihood, empirical
when there are many, with bootstrap confidence intervals for p50 and p95.

The lognormal's maximum-likelihood estimates are closed form: with ``y = ln x``,
``mu = mean(y)`` and ``sigma = sqrt(sum((y - mu)^2) / n)`` -- the MLE divides by
``n``, not ``n - 1`` (so sigma is biased low by a factor of about ``1 - 3/(4n)`` at
small ``n``; the bootstrap interval shows the uncertainty that matters more).
The scenario writes a lognormal by two percentiles, ``p50 = exp(mu)`` and
``p95 = exp(mu + z95 sigma)`` (:class:`drsim.distributions.LogNormal`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from drsim.distributions import Z95, Empirical, Fixed, LogNormal

MIN_OBSERVATIONS = 3
"""Fewest observations a field is fitted from: one more than the lognormal's two
parameters, so the fit keeps a degree of freedom (two points fix mu and sigma
exactly, and their bootstrap has only four resamples, two of them with sigma 0). [-]"""

EMPIRICAL_MIN_OBSERVATIONS = 30
"""From this many observations on, a field is written as the empirical distribution of
what was measured, with no shape assumed. Below it the tail is too thin to stand alone:
the largest of 30 values sits, 95 % of the time, between the truth's 88.4th and 99.9th
percentiles (Beta(30, 1)), so the empirical p95 is then about as good as it gets
without a model, and fewer values would leave the simulated p95 resting on one or two
measurements. [-]"""

BOOTSTRAP = 2000
"""Bootstrap resamples for the confidence intervals, by default. [-]"""

LEVEL = 0.95
"""Confidence level of every interval. [-]"""

QUANTILE_DRAWS = 100_000
"""Draws that estimate the percentiles of a distribution without a closed form. [-]"""


def lognormal_mle(x) -> tuple[float, float]:
    """``(mu, sigma)`` of a lognormal by maximum likelihood (MLE denominator ``n``).

    Parameters
    ----------
    x : positive observations. [s]
    """
    y = np.log(np.asarray(x, dtype=float))
    mu = float(y.mean())
    return mu, float(np.sqrt(np.mean((y - mu) ** 2)))


def lognormal_percentiles(mu: float, sigma: float) -> tuple[float, float]:
    """``(p50, p95)`` of the lognormal with log-mean ``mu`` and log-sd ``sigma``. [s]"""
    return math.exp(mu), math.exp(mu + Z95 * sigma)


@dataclass(frozen=True)
class Fit:
    """A fitted duration.

    method : ``lognormal-mle`` or ``empirical``.
    n : observations fitted. [-]
    p50, p95 : of the fitted distribution. [s]
    p50_ci, p95_ci : bootstrap percentile intervals at :data:`LEVEL` (None without
        a bootstrap). [s]
    distribution : what the scenario gets.
    """

    method: str
    n: int
    p50: float
    p95: float
    p50_ci: tuple[float, float] | None
    p95_ci: tuple[float, float] | None
    distribution: object

    def as_dict(self) -> dict:
        return {"method": self.method, "n": self.n, "p50_s": self.p50, "p95_s": self.p95,
                "p50_ci_s": list(self.p50_ci) if self.p50_ci else None,
                "p95_ci_s": list(self.p95_ci) if self.p95_ci else None,
                "distribution": self.distribution.model_dump(mode="json", exclude_none=True)}


def fit_duration(x, rng: np.random.Generator | None, bootstrap: int = BOOTSTRAP,
                 bounds: tuple[float | None, float | None] = (None, None)) -> Fit:
    """Fit positive observations ``x`` [s]: lognormal MLE, or empirical from
    :data:`EMPIRICAL_MIN_OBSERVATIONS` on; intervals from ``bootstrap`` resamples drawn
    from ``rng`` (none when ``rng`` is None or ``bootstrap`` is 0).

    ``bounds`` (lower, upper) [s] are kept on the fitted distribution (a service's
    promise stays one); the fit itself ignores them, which is exact when they lie far
    in the tails.
    """
    x = np.asarray(x, dtype=float)
    lower, upper = bounds
    extra = {k: v for k, v in (("lower", lower), ("upper", upper)) if v is not None}
    if len(x) >= EMPIRICAL_MIN_OBSERVATIONS:
        p50, p95 = (float(v) for v in np.quantile(x, [0.5, 0.95]))
        dist = Empirical(samples=tuple(float(f"{v:.6g}") for v in x), **extra)
        ci = _bootstrap(x, rng, bootstrap, _sample_percentiles)
        return Fit("empirical", len(x), p50, p95, *ci, dist)
    mu, sigma = lognormal_mle(x)
    p50, p95 = lognormal_percentiles(mu, sigma)
    dist = LogNormal(p50=float(f"{p50:.4g}"), p95=float(f"{p95:.4g}"), **extra)
    ci = _bootstrap(x, rng, bootstrap, _lognormal_percentiles_of_rows)
    return Fit("lognormal-mle", len(x), p50, p95, *ci, dist)


def _lognormal_percentiles_of_rows(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.log(samples)
    mu = y.mean(axis=1)
    sigma = np.sqrt(np.mean((y - mu[:, None]) ** 2, axis=1))
    return np.exp(mu), np.exp(mu + Z95 * sigma)


def _sample_percentiles(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q = np.quantile(samples, [0.5, 0.95], axis=1)
    return q[0], q[1]


def _bootstrap(x, rng, bootstrap: int, stat):
    """Percentile intervals of (p50, p95) over ``bootstrap`` resamples of ``x``."""
    if rng is None or bootstrap <= 0:
        return None, None
    samples = x[rng.integers(0, len(x), size=(bootstrap, len(x)))]
    tail = (1 - LEVEL) / 2
    return tuple(tuple(float(v) for v in np.quantile(values, [tail, 1 - tail]))
                 for values in stat(samples))


def wilson_interval(failed: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a probability from ``failed`` of ``n`` trials. [-]"""
    if n == 0:
        return 0.0, 1.0
    z = _z(level)
    p = failed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def percentiles_of(dist) -> tuple[float, float]:
    """``(p50, p95)`` of a scenario distribution [s]: exact for a fixed value and an
    unbounded lognormal, otherwise from :data:`QUANTILE_DRAWS` draws of a fixed seed."""
    if isinstance(dist, Fixed):
        return dist.value, dist.value
    if isinstance(dist, LogNormal) and not dist.bounded:
        return dist.p50, dist.p95
    draws = np.asarray(dist.sample(np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(0))), QUANTILE_DRAWS), dtype=float)
    p50, p95 = np.quantile(draws, [0.5, 0.95])
    return float(p50), float(p95)
