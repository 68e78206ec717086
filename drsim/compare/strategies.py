"""Whole configurations side by side (e.g. the bundled strategies): cost against p95 RTO
(the frontier) and a ranking by what a year costs in all."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drsim.compare.outcomes import Outcome, evaluate_many
from drsim.errors import DrsimError
from drsim.scenario import load_scenario
from drsim.scenario.locate import bundled_scenario_paths

STRATEGY_ORDER = ("backup_restore", "pilot_light", "warm_standby", "hot_standby", "active_active")
"""From the cheapest and slowest to the dearest and fastest."""

def load_all(scenarios=(), overrides=(), platform: str | None = "aws") -> list:
    """Several scenarios (paths or bundled names) with the same overrides
    (``"dotted.path=value"`` strings or a mapping); with none given, every bundled
    scenario of ``platform`` (None: all of them)."""
    paths = list(scenarios) or bundled_scenario_paths(platform)
    if not paths:
        raise DrsimError("no scenarios to compare")
    return [load_scenario(p, overrides) for p in paths]


def compare_scenarios(scenarios: list, *, trials: int, seed: int, workers: int = 1) -> list[Outcome]:
    """Simulate and price whole scenarios (e.g. the bundled strategies), same seed for all."""
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DrsimError(f"scenario name {dup[0]!r} appears twice; names label the comparison")
    return evaluate_many([{"scenario": s, "trials": trials, "seed": seed} for s in scenarios],
                         workers)


def frontier(table: pd.DataFrame, cost: str = "monthly_usd", risk: str = "rto_p95_s") -> pd.Series:
    """Which rows are on the cost-versus-risk frontier (Pareto-efficient).

    A row is on it when no other row is at most as costly and at most as risky
    while strictly better in one of the two. Rows without a cost (NaN, e.g.
    ``platform: local``) are never on it.
    """
    for col in (cost, risk):
        if col not in table.columns:
            raise DrsimError(f"frontier: no column {col!r}; columns are {', '.join(table.columns)}")
    on = pareto_minimal(table[[cost, risk]].to_numpy(dtype=float))
    return pd.Series(on, index=table.index, name="frontier")


def pareto_minimal(points: np.ndarray) -> np.ndarray:
    """For each row of ``points`` (one column per figure to minimise), whether no other
    row is at least as good in every column and better in one; a row with a NaN is
    never on the frontier and beats none. Equal rows are both on it.

    Rows sorted lexicographically can only be dominated by rows before them, and a
    dominated row's dominator is itself dominated by a frontier row, so each row is
    checked against the frontier so far: O(rows x frontier size).
    """
    points = np.asarray(points, dtype=float)
    on = np.zeros(len(points), dtype=bool)
    valid = np.flatnonzero(~np.isnan(points).any(axis=1))
    front = np.empty((0, points.shape[1]))
    for i in valid[np.lexsort(points[valid].T[::-1])]:
        p = points[i]
        if not np.any(np.all(front <= p, axis=1) & np.any(front < p, axis=1)):
            on[i] = True
            front = np.vstack([front, p])
    return on


RANK_COLUMNS = ("total_annual_usd", "rto_p95_s", "rpo_p95_s", "monthly_usd", "risk_annual_usd")


def rank(table: pd.DataFrame, by: str = "total_annual_usd") -> pd.DataFrame:
    """``table`` ranked by ``by`` (smallest first), with ``rank`` and ``frontier`` columns.

    The default ranks by what a year costs in all: the bill plus the expected
    cost of disasters; ties keep the table's order. Rows without a value of
    ``by`` come last, unranked.
    """
    if by not in RANK_COLUMNS:
        raise DrsimError(f"rank by {by!r}: choose one of {', '.join(RANK_COLUMNS)}")
    out = table.copy()
    out["frontier"] = frontier(out)
    out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
    ranks = pd.Series(range(1, len(out) + 1), dtype="Int64")
    ranks[out[by].isna().to_numpy()] = pd.NA
    out.insert(0, "rank", ranks)
    return out
