"""The external probe (``probe_rto_s``) when the secondary's capacity comes in steps.

A probe is one client among many. While the secondary's healthy tasks can carry only
part of the load (a warm standby scaling up), each request has that share's chance of
being served, as each client's load is in :func:`drsim.sim.traffic.served_share`. So
an attempt that finds DNS on the secondary and its database writable is served with
probability ``min(tasks / required_tasks, 1)`` (for the affected clients' part of
it, in active/active), independently of the other attempts; once the capacity is
whole, the first such attempt is served. One uniform draw (the probe's "luck")
decides the attempt by inverse transform: the first attempt ``k`` with
``prod_{j<=k} (1 - p_j) < luck``.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from drsim.rules import SHARE_EPS
from drsim.sim.traffic import Clients, _affected_share

INF = math.inf


def capacity_steps(*, compute, ready_s: np.ndarray, standby_at_s: float,
                   clients: Clients) -> tuple[np.ndarray, np.ndarray]:
    """``(times_s, shares)``: from ``times_s[k]`` on, an affected client's request is
    served with probability ``shares[k]`` (0 before ``times_s[0]``). [s], [-]

    The shares are those of :func:`drsim.sim.traffic.served_share`: the secondary's
    healthy tasks over ``required_tasks`` (at most 1), its home clients served first.
    """
    # A handful of values a trial, every trial: plain lists, not NumPy calls.
    starts = sorted(np.asarray(ready_s, dtype=float).tolist()
                    + [float(standby_at_s)] * compute.standby_tasks)
    times = sorted({t for t in starts if math.isfinite(t)})
    if not times:
        return np.asarray([0.0]), np.asarray([0.0])
    # tasks healthy from each moment on: the starts at or before it
    tasks = np.asarray([bisect.bisect_right(starts, t) for t in times], dtype=float)
    shares = _affected_share(np.minimum(tasks / compute.required_tasks, 1.0), clients)
    return np.asarray(times), np.minimum(np.asarray(shares, dtype=float), 1.0)


def _share_at(t_s: np.ndarray, times_s: np.ndarray, shares: np.ndarray) -> np.ndarray:
    k = np.searchsorted(times_s, t_s, side="right") - 1
    return np.where(k >= 0, shares[np.maximum(k, 0)], 0.0)


def probe_served_s(*, flip_s: float, db_writable_s: float, steps: tuple[np.ndarray, np.ndarray],
                   ttl_s: float, interval_s: float, cache_phase: float, attempt_phase: float,
                   luck: float) -> float:
    """Fault to the probe's first served attempt (``probe_rto_s``). [s]

    Attempts come every ``interval_s`` from ``attempt_phase * interval_s``; an attempt
    can be served once the probe's cached answer (expiring ``cache_phase * ttl_s``
    after the flip) names the secondary and its database takes writes (pass 0 for a
    read-only probe); it is then served with the capacity share of ``steps`` at its
    moment (:func:`capacity_steps`), decided by ``luck`` (uniform on (0, 1]).

    With the capacity whole before the probe could be served, this is the first
    attempt after the flip, the answer and the database (as
    :func:`drsim.sim.traffic.probe_recovery_s` with ``capacity_ready_s`` 0).
    """
    times_s, shares = steps
    eligible_s = max(flip_s + cache_phase * ttl_s, db_writable_s)
    if not math.isfinite(eligible_s):
        return INF
    first_s = attempt_phase * interval_s
    k0 = 0 if eligible_s <= first_s else math.ceil((eligible_s - first_s) / interval_s)
    if first_s + k0 * interval_s < eligible_s:  # the product rounded just below
        k0 += 1
    last_change_s = float(times_s[-1])
    n = max(math.ceil((last_change_s - first_s) / interval_s) + 1 - k0, 0) + 1
    t = first_s + (k0 + np.arange(n)) * interval_s
    p = _share_at(t, times_s, shares)
    p = np.where(p >= 1.0 - SHARE_EPS, 1.0, p)
    survive = np.cumprod(1.0 - p)
    hit = np.flatnonzero(survive < luck)
    if len(hit):
        return float(t[hit[0]])
    # After the last change the share stays p_last: the rest is geometric.
    p_last = float(p[-1])
    if p_last <= 0.0:
        return INF
    # the smallest m >= 1 with survive[-1] * (1 - p_last) ** m < luck
    extra = math.floor(math.log(luck / survive[-1]) / math.log1p(-p_last)) + 1
    return float(t[-1] + extra * interval_s)
