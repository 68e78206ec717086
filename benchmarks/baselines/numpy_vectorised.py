"""The simple failover of :mod:`.failover`, every trial at once in NumPy.

A checker of a dead endpoint flips at ``phase + TIMEOUT_S + (FAILURE_THRESHOLD - 1) *
INTERVAL_S``, so the declaration is the ``FLIPS_TO_DECLARE``-th smallest flip of a
trial (an order statistic, by ``np.partition``), and the runbook is a longest path over
three drawn durations. This is the anchor for drsim's fast path (issue 15: at least a
tenth of its trials per second).
"""

from __future__ import annotations

import numpy as np

from benchmarks.baselines import failover as f


def run(trials: int, seed: int) -> np.ndarray:
    """RTOs of ``trials`` failovers, from one generator seeded with ``seed``. [s]"""
    rng = np.random.default_rng(seed)
    phase_s = rng.uniform(0.0, f.INTERVAL_S, (trials, f.CHECKERS))
    flip_s = phase_s + (f.TIMEOUT_S + (f.FAILURE_THRESHOLD - 1) * f.INTERVAL_S)
    k = f.FLIPS_TO_DECLARE - 1
    declared_s = np.partition(flip_s, k, axis=1)[:, k]
    promote_s = rng.lognormal(f.PROMOTE_MU, f.PROMOTE_SIGMA, trials)
    scale_s = rng.uniform(*f.SCALE_S, trials)
    switch_s = rng.uniform(*f.SWITCH_S, trials)
    residual_s = rng.uniform(0.0, f.TTL_S, trials)
    return declared_s + np.maximum(promote_s, scale_s) + switch_s + residual_s
