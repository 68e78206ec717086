"""Measured game days beside the simulation of the identical scenario.

The simulator's trials are the model's distribution; each measured run is
placed in it as a percentile, and the phases (derived from the timelines the
same way for both, :func:`drsim.timeline.phases`) are compared one by one.

Known differences between the local stack and the model (measured on local-lab,
2026-11-28), which a comparison shows and nothing here hides:

- Clients re-resolve DNS only when they send a request. When the fault makes
  requests hang (app_hang, partition, region_outage), each client's last lookup
  before the DNS flip is older than the model's "cached answer expires uniformly
  within the TTL after the flip" assumes, so clients move sooner: measured RTO
  sits at about the simulated p1 for those faults.
- In a brownout the old primary keeps acknowledging writes from clients that
  have not moved yet after B is promoted; those writes are lost (counted as
  ``lost_after_fault``); the model counts them too (split brain, see
  :func:`drsim.sim.replication.split_brain_s`).
- ``pg_promote(wait => true)`` polls every 100 ms, so B can accept a write a few
  milliseconds before the promote step (and ``database_writable``) ends.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from drsim.rules import PHASES_WITH_RECOVERY
from drsim.timeline import phases


def percentile_in(sample, value: float) -> float:
    """Where ``value`` falls in ``sample``, in percent (ties count half). NaN for NaN. [%]

    Infinite sample values (trials that never recovered) sort above every finite value.
    """
    x = np.asarray(sample, dtype=float)
    if value is None or math.isnan(value) or len(x) == 0:
        return math.nan
    below = np.count_nonzero(x < value)
    equal = np.count_nonzero(x == value)
    return float(100.0 * (below + 0.5 * equal) / len(x))


def phase_table(measured_timeline: pd.DataFrame, simulated_trials: pd.DataFrame) -> pd.DataFrame:
    """Per phase: measured median, simulated median, their difference, and where the
    measured median falls in the simulated distribution.

    Columns: phase, measured_p50_s, simulated_p50_s, difference_s (measured minus
    simulated), difference_pct, measured_percentile. [s], [%]
    """
    measured = phases(measured_timeline)
    rows = []
    for col in PHASES_WITH_RECOVERY:
        m = pd.to_numeric(measured[col], errors="coerce").to_numpy(dtype=float)
        # A phase a run never finished (it ended first) counts as inf, as in the
        # simulation, rather than dropping the run from the median.
        m = np.where(np.isnan(m), math.inf, m)
        s = simulated_trials[col].to_numpy(dtype=float) if col in simulated_trials else np.array([])
        m_p50 = float(np.median(m)) if len(m) else math.nan
        s_p50 = float(np.median(s)) if len(s) else math.nan
        diff = m_p50 - s_p50
        rows.append({
            "phase": col, "measured_p50_s": m_p50, "simulated_p50_s": s_p50,
            "difference_s": diff,
            "difference_pct": 100.0 * diff / s_p50 if s_p50 and math.isfinite(s_p50) else math.nan,
            "measured_percentile": percentile_in(s, m_p50),
        })
    return pd.DataFrame(rows)


def plot_rto(measured_rto_s, simulated_rto_s, ax=None, title: str = ""):
    """The simulated RTO distribution (histogram) with each measured RTO as a line.

    Needs matplotlib (the ``lab`` extra). Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    sim = np.asarray(simulated_rto_s, dtype=float)
    sim = sim[np.isfinite(sim)]
    ax.hist(sim, bins=60, density=True, color="#9ab", label=f"simulated ({len(sim)} trials)")
    for i, x in enumerate(v for v in measured_rto_s if v is not None and math.isfinite(v)):
        ax.axvline(x, color="#c33", lw=1.2, label="measured" if i == 0 else None)
    ax.set_xlabel("RTO [s]")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return ax
