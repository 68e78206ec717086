"""Data loss per datastore: replication lag at the fault, or the age of the last usable backup."""

from __future__ import annotations

import math

import numpy as np

from drsim.sim.faults import loses_primary_data


def draw_window_s(ds, rng) -> float:
    """Writes from this long before the fault are not in the secondary. [s]

    Replicated stores: the replication lag at the moment of the fault (for
    S3 with RTC, truncated at 900 s: see ``S3Crr.simulated_lag_s``). Backups:
    the time since the newest backup whose cross-region copy had finished;
    backups run every ``interval_s`` and the fault falls at a uniformly random
    moment between two of them.
    """
    if ds.kind == "backup":
        age_s = rng.uniform(0.0, ds.interval_s)
        copy_s = float(ds.copy_s.sample(rng))
        if copy_s > age_s:  # the newest copy is not there yet: use an older backup
            age_s += ds.interval_s * math.ceil((copy_s - age_s) / ds.interval_s)
        return float(age_s)
    # simulated_lag_s: the lag with the bounds its service promises (S3 RTC).
    return float(ds.simulated_lag_s.sample(rng))


def data_loss(ds, mode: str, window_s: float) -> tuple[float, float]:
    """``(rpo_s, lost_writes)`` of datastore ``ds`` under fault ``mode``. [s], [-]

    Lost writes are the expected number of writes in the window
    (``window_s * write_rate_per_s``). A fault that leaves the primary copy
    intact loses nothing: its writes drain to the secondary before promotion.
    """
    if not loses_primary_data(mode, ds.kind):
        return 0.0, 0.0
    return window_s, window_s * ds.write_rate_per_s


def split_brain_s(delay_s: np.ndarray, flip_s: float, db_writable_s: float) -> np.ndarray:
    """For each client of a primary that still serves (a brownout): how long it
    keeps writing to the old primary after the secondary became writable. [s]

    Those writes land on a copy the failover has left behind, so they are lost.
    A client writes there until its DNS answer moves (``flip_s + delay_s``);
    a stuck client never stops (inf). Nothing is lost if the secondary never
    takes writes. This is the case of one DNS flip and no fence; the engine uses
    :func:`drsim.sim.dnsrecord.unfenced_primary_s`, which also bounds the writes
    by the fence and follows a record that fails back, and equals this here.
    """
    if not math.isfinite(db_writable_s):
        return np.zeros(len(delay_s))
    return np.maximum(flip_s + delay_s - db_writable_s, 0.0)
