"""Measured recovery from a load generator's journal.

A client is served again at its first write acknowledged by the secondary
region after the fault (the simulator's rule: the secondary serves a client
once its DNS points there, its database is writable and capacity runs there;
a write acknowledged there proves all three). RTO is the time by which
``recovered_fraction`` of the clients were served again.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def client_recovery_s(journal: pd.DataFrame, fault_mono: float, clients: int,
                      secondary: str = "b") -> pd.Series:
    """Per client: seconds from the fault to its first write acknowledged by ``secondary``.

    NaN for a client never served there. Indexed by client number ``0..clients-1``. [s]
    """
    ok = journal[(journal["op"] == "write") & (journal["status"] == 200)
                 & (journal["region"] == secondary) & (journal["t_end"] >= fault_mono)]
    first = ok.groupby("client")["t_end"].min() - fault_mono
    return first.reindex(range(clients))


def recovery_times(per_client: pd.Series, recovered_fraction: float) -> tuple[float, float]:
    """``(first_success_s, rto_s)``: the first client served and the time by which
    ``recovered_fraction`` of all clients were; NaN when never reached. [s]"""
    times = np.sort(per_client.to_numpy(dtype=float))
    needed = max(1, math.ceil(recovered_fraction * len(times) - 1e-9))
    served = times[~np.isnan(times)]
    first = float(served[0]) if len(served) else math.nan
    rto = float(served[needed - 1]) if len(served) >= needed else math.nan
    return first, rto


def percentiles(values, qs=(50, 90, 95, 99)) -> dict:
    """``{"mean", "p50", ..., "max", "n"}`` of the finite values (NaN when there are none)."""
    x = np.asarray([v for v in values if v is not None], dtype=float)
    x = x[np.isfinite(x)]
    out = {"n": len(x), "mean": float(x.mean()) if len(x) else math.nan}
    for q in qs:
        out[f"p{q}"] = float(np.percentile(x, q)) if len(x) else math.nan
    out["max"] = float(x.max()) if len(x) else math.nan
    return out
