"""The cost report of ``drsim cost``: the breakdown, and the cost of risk beside the DR spend.

It lives in :mod:`drsim.compare` because the risk section simulates the scenario;
the bill alone is :func:`drsim.cost.price_scenario`.
"""

from __future__ import annotations

import datetime as dt
import os

from drsim.compare.risk import scenario_risk
from drsim.cost.breakdown import JSON_DECIMALS
from drsim.cost.lines import price_scenario


def cost_report(scenario, *, risk: bool = True, trials: int = 2000, seed: int = 1,
                prices_dir: str | os.PathLike | None = None,
                as_of: dt.date | None = None) -> dict:
    """Monthly cost of ``scenario`` and, when asked, its cost of risk, as plain data.

    Parameters
    ----------
    risk : simulate the scenario for the expected downtime and lost writes.
    trials, seed : of that simulation.
    prices_dir, as_of : which price tables (see :func:`drsim.cost.price_scenario`).

    Returns
    -------
    dict
        ``scenario, monthly_usd, by_service, by_region, lines, unconfirmed_lines``
        (the issue's shape), then ``strategy, yearly_usd, dr_monthly_usd,
        dr_yearly_usd, price_tables`` and ``risk``: the cost of risk, or a reason
        why it was not computed.
    """
    breakdown = price_scenario(scenario, prices_dir=prices_dir, as_of=as_of)
    out = breakdown.as_dict()
    if not risk:
        out["risk"] = {"computed": False, "reason": "not asked for (--no-risk)"}
    else:
        r = scenario_risk(scenario, trials=trials, seed=seed)
        out["risk"] = {"computed": True, "trials": trials, "seed": seed,
                       **{k: round(v, JSON_DECIMALS) for k, v in r.as_dict().items()},
                       "dr_yearly_usd": out["dr_yearly_usd"]}
    return out
