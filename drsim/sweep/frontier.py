"""The cost-risk frontier of a sweep, and the cheapest configuration meeting the objectives.

A row is on the frontier when no other valid, priced row is at least as good on
all three of the monthly bill, the p95 of the RTO the objectives name and the
worst datastore's p95 RPO, and better on one (Pareto-minimal). Rows without
datastores count as losing nothing (RPO 0) here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from drsim.compare.strategies import pareto_minimal

FRONTIER_COLUMNS = ("monthly_usd", "objective_rto_p95_s", "rpo_p95_s")
"""What the frontier minimises: the bill [USD/month], p95 RTO [s], p95 RPO [s]."""


def candidates(table: pd.DataFrame) -> pd.DataFrame:
    """Rows the scenario checks accepted and that have a bill (``platform: aws``)."""
    ok = table["error"].isna() & np.isfinite(table["monthly_usd"].to_numpy(dtype=float))
    return table[ok]


def pareto_frontier(table: pd.DataFrame, columns=FRONTIER_COLUMNS) -> list[int]:
    """The ``config`` numbers of the Pareto-minimal rows over ``columns``
    (:func:`drsim.compare.strategies.pareto_minimal`), cheapest first."""
    rows = candidates(table)
    if rows.empty:
        return []
    points = rows[list(columns)].to_numpy(dtype=float)
    points = np.where(np.isnan(points), 0.0, points)  # no datastores: nothing lost
    on = pareto_minimal(points)
    configs = rows["config"].to_numpy()
    return [int(configs[i]) for i in np.lexsort(points.T[::-1]) if on[i]]


def cheapest_meeting_objectives(table: pd.DataFrame) -> int | None:
    """The ``config`` number of the cheapest row whose P(objectives met) is at least its
    ``objectives.confidence`` (the lower number on a tie), or None when none is."""
    rows = candidates(table)
    rows = rows[rows["p_objectives_met"] >= rows["confidence"]]
    if rows.empty:
        return None
    best = rows.sort_values(["monthly_usd", "config"], kind="stable").iloc[0]
    return int(best["config"])
