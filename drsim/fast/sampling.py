"""Drawing many values of a scenario's distributions at once, fast.

The distributions' own ``sample`` (:mod:`drsim.distributions`) draws a bounded
log-normal by inverse transform of the very normal the unbounded one would use, so the
SimPy engine's draws stay coupled when a bound changes; that costs an ``erfc`` per
value in Python. The fast path needs the distribution only, so a bounded log-normal
that keeps most of its mass is drawn by rejection instead: draws of the unbounded
log-normal, those outside the bounds drawn again. Conditioning on the bounds is what
the bounds mean, so this is the same distribution exactly. Everything else is the
distribution's own ``sample``.
"""

from __future__ import annotations

import numpy as np

from drsim.distributions import LogNormal, normal_mass

REJECTION_MIN_MASS = 0.5
"""Rejection is used where the bounds keep at least this share of the draws (each
round then redraws at most half of what is left). [-]"""


def draw(dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` values of ``dist`` as a float array. [unit of dist]"""
    if (isinstance(dist, LogNormal) and dist.bounded and dist.sigma > 0
            and normal_mass(*dist._z_bounds) >= REJECTION_MIN_MASS):
        lo, hi = dist.lo, dist.hi

        def outside(x):
            # a log-normal is never below 0: the usual lower bound costs no comparison
            return (x > hi) | (x < lo) if lo > 0 else x > hi

        out = rng.lognormal(dist.mu, dist.sigma, n)
        bad = np.flatnonzero(outside(out))
        while len(bad):
            out[bad] = rng.lognormal(dist.mu, dist.sigma, len(bad))
            bad = bad[outside(out[bad])]
        return out
    return np.asarray(dist.sample(rng, n), dtype=float)
