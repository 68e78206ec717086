"""Measured recovery from a load generator's journal.

A client is served again at its first write acknowledged by the secondary
region after the fault (the simulator's rule: the secondary serves a client
once its DNS points there, its database is writable and capacity runs there;
a write acknowledged there proves all three). RTO is the time by which
``recovered_fraction`` of the clients were served again; the probe's RTO is
its first attempt the secondary served.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from drsim.rules import exact_summary, smallest_count
from drsim.summary import Stats


def client_recovery_s(journal: pd.DataFrame, fault_mono: float, clients: int,
                      secondary: str = "b") -> pd.Series:
    """Per client: seconds from the fault to its first write acknowledged by ``secondary``.

    NaN for a client never served there. Indexed by client number ``0..clients-1``. [s]
    """
    ok = journal[(journal["op"] == "write") & (journal["status"] == 200)
                 & (journal["region"] == secondary) & (journal["t_end"] >= fault_mono)]
    first = ok.groupby("client")["t_end"].min() - fault_mono
    return first.reindex(range(clients))


def probe_recovery_s(probe: pd.DataFrame, fault_mono: float, secondary: str = "b") -> float:
    """Seconds from the fault to the end of the external probe's first attempt that
    ``secondary`` served (``probe_rto_s``); NaN when none was. [s]

    probe : the probe's attempts (``t_attempt, t_end, ..., status, region``), monotonic
        seconds. The moment is the attempt's answer, as a client's recovery is its
        acknowledged write.
    """
    ok = probe[(probe["status"] == 200) & (probe["region"] == secondary)
               & (probe["t_end"] >= fault_mono)]
    return float(ok["t_end"].min() - fault_mono) if len(ok) else math.nan


def recovery_times(per_client: pd.Series, recovered_fraction: float) -> tuple[float, float]:
    """``(first_success_s, rto_s)``: the first client served and the time by which
    ``recovered_fraction`` of all clients were; NaN when never reached. [s]"""
    times = np.sort(per_client.to_numpy(dtype=float))
    needed = max(1, smallest_count(recovered_fraction, len(times)))
    served = times[~np.isnan(times)]
    first = float(served[0]) if len(served) else math.nan
    rto = float(served[needed - 1]) if len(served) >= needed else math.nan
    return first, rto


def percentiles(values, *, not_reached_is_inf: bool = False) -> Stats:
    """The runs' values as :class:`drsim.summary.Stats` with their count ``n``
    (``as_dict()``: ``{"n", "mean", "p50", "p90", "p95", "p99", "max"}``).

    A missing value (None or NaN) is a run where the value was not measured, and
    is left out; with ``not_reached_is_inf`` it is a run where the moment never
    came before the run ended (a run that never recovered), and counts as inf, so
    it pulls the percentiles up instead of vanishing from them.
    """
    x = np.asarray([math.nan if v is None else v for v in values], dtype=float)
    x = np.where(np.isnan(x), math.inf, x) if not_reached_is_inf else x[~np.isnan(x)]
    return Stats.from_dict({"n": len(x), **exact_summary(x)})
