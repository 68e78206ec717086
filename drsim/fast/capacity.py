"""The secondary's capacity for all trials at once: healthy tasks over time, the
moment enough of them are, and the external probe that meets them.

Every trial's capacity is a step function: the standby's tasks healthy from
``standby_at_s``, each launched task from its own ``ready_s``. Sorting those moments
per trial (a few columns) gives it whole: ``starts[:, j]`` is when the ``j + 1``-th
task is healthy.
"""

from __future__ import annotations

import math

import numpy as np

from drsim.rules import SHARE_EPS

INF = np.inf


def task_starts(standby_tasks: int, standby_at_s: np.ndarray, ready_s: np.ndarray) -> np.ndarray:
    """``(trials, tasks)``: when each task is healthy, sorted per trial. [s]

    A standby healthy before the fault (``standby_at_s`` 0) counts from 0, as
    :func:`drsim.sim.capacity.time_to_tasks` counts it.
    """
    standby = np.repeat(standby_at_s[:, None], standby_tasks, axis=1)
    return np.sort(np.concatenate((standby, ready_s), axis=1), axis=1)


def time_to_tasks(starts: np.ndarray, needed: int | None) -> np.ndarray:
    """Fault to ``needed`` healthy tasks, per trial (inf: never; None: never). [s]"""
    n = starts.shape[0]
    if needed is None or needed > starts.shape[1]:
        return np.full(n, INF)
    if needed <= 0:
        return np.zeros(n)
    return starts[:, needed - 1]


def probe_served_s(*, eligible_s: np.ndarray, starts: np.ndarray, shares: np.ndarray,
                   interval_s: float, attempt_phase: np.ndarray, luck: np.ndarray) -> np.ndarray:
    """Fault to the probe's first served attempt, per trial
    (:func:`drsim.sim.probe.probe_served_s`). [s]

    Attempts come every ``interval_s`` from ``attempt_phase * interval_s``; those at
    or after ``eligible_s`` (its answer names the secondary and the database takes
    writes) are served each with the capacity's share at its moment: ``shares[j]``
    from ``starts[:, j]`` on (0 before the first). The first served attempt is the
    first whose survival (the product of ``1 - share`` over the eligible attempts so
    far) falls below ``luck``: counted segment by segment of the step function,
    attempts in a segment all having the same share, then the last share for ever.
    """
    n, tasks = starts.shape
    first_s = attempt_phase * interval_s
    with np.errstate(invalid="ignore", divide="ignore"):
        def attempt_at(t_s):
            # the index of the first attempt at or after t_s (inf for an inf t_s)
            i = np.where(t_s <= first_s, 0.0, np.ceil((t_s - first_s) / interval_s))
            fin = np.isfinite(i)
            i_safe = np.where(fin, i, 0.0)
            # the product can round just below t_s; the attempt after it is the one
            i = np.where(fin & (first_s + i_safe * interval_s < t_s), i + 1, i)
            return i

        k0 = attempt_at(eligible_s)
        survive = np.ones(n)
        served = np.full(n, INF)  # the served attempt's index
        open_ = np.isfinite(eligible_s)
        for j in range(tasks):
            p = float(shares[j])
            a = np.maximum(k0, attempt_at(starts[:, j]))
            b = np.maximum(k0, attempt_at(starts[:, j + 1])) if j + 1 < tasks else np.full(n, INF)
            count = np.maximum(b - a, 0.0)
            live = open_ & np.isfinite(a) & (count > 0)
            if p <= 0:
                continue
            if p >= 1:
                hit = live
                extra = np.ones(n)
            else:
                # the smallest m >= 1 with survive * (1 - p) ** m < luck
                extra = np.floor(np.log(luck / survive) / math.log1p(-p)) + 1
                extra = np.maximum(extra, 1.0)
                hit = live & (extra <= count)
            served = np.where(hit, a + extra - 1, served)
            open_ = open_ & ~hit
            if p < 1:
                survive = np.where(live & ~hit, survive * (1.0 - p) ** np.where(
                    np.isfinite(count), count, 0.0), survive)
    return np.where(np.isfinite(served), first_s + served * interval_s, INF)


def share_of_tasks(tasks: int, required_tasks: int, affected_share) -> float:
    """Share of an affected client's requests served with ``tasks`` healthy tasks
    (:func:`drsim.sim.probe.capacity_steps`, with the probe's rounding to 1). [-]"""
    p = min(float(affected_share(min(tasks / required_tasks, 1.0))), 1.0)
    return 1.0 if p >= 1.0 - SHARE_EPS else p
