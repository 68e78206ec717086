"""The cost report of ``drsim cost``: the breakdown, and the cost of risk beside the DR spend.

It lives in :mod:`drsim.compare` because the risk section simulates the scenario;
the bill alone is :func:`drsim.cost.price_scenario`.
"""

from __future__ import annotations

import datetime as dt
import os

from drsim import defaults
from drsim.compare.risk import no_dr_windows_s, scenario_dr_value, scenario_risk
from drsim.cost.breakdown import JSON_DECIMALS
from drsim.cost.lines import price_scenario


def cost_report(scenario, *, risk: bool = True, trials: int = defaults.TRIALS,
                seed: int = defaults.SEED,
                prices_dir: str | os.PathLike | None = None,
                as_of: dt.date | None = None, explain: bool = False) -> dict:
    """Monthly cost of ``scenario`` and, when asked, its cost of risk, as plain data.

    Parameters
    ----------
    risk : simulate the scenario for the expected downtime and lost writes.
    trials, seed : of that simulation.
    prices_dir, as_of : which price tables (see :func:`drsim.cost.price_scenario`).
    explain : add ``reconciliation``: the bill beside the seed document's own estimate,
        item by item, with the reason for every difference
        (:func:`drsim.cost.reconcile.reconcile`).

    Returns
    -------
    dict
        ``scenario, monthly_usd, by_service, by_region, lines, unconfirmed_lines``
        (the issue's shape), then ``strategy, yearly_usd, dr_monthly_usd,
        dr_yearly_usd, price_tables`` and ``risk``: the cost of risk, or a reason
        why it was not computed. A computed ``risk`` also says what DR is worth:
        ``no_dr_risk_usd_per_year`` (the service waits for the region),
        ``risk_avoided_usd_per_year`` (that minus the risk with this configuration),
        ``break_even_annual_disaster_probability`` (from which on the risk avoided
        covers ``dr_yearly_usd``), ``pays_for_itself``, and ``no_dr`` (how the no-DR
        figure is made).
    """
    breakdown = price_scenario(scenario, prices_dir=prices_dir, as_of=as_of)
    out = breakdown.as_dict()
    if explain:
        from drsim.cost.reconcile import reconcile

        out["reconciliation"] = reconcile(breakdown)
    if not risk:
        out["risk"] = {"computed": False, "reason": "not asked for (--no-risk)"}
    else:
        r = scenario_risk(scenario, trials=trials, seed=seed)
        out["risk"] = {"computed": True, "trials": trials, "seed": seed,
                       **{k: round(v, JSON_DECIMALS) for k, v in r.as_dict().items()},
                       "dr_yearly_usd": out["dr_yearly_usd"],
                       **_worth(scenario, r, breakdown.dr_yearly_usd)}
    return out


def _worth(scenario, risk, dr_yearly_usd: float) -> dict:
    """The ``risk`` keys of what DR is worth against no DR (see :func:`cost_report`)."""
    w = scenario_dr_value(scenario, risk, dr_yearly_usd)
    no_dr = w.no_dr

    def num(x: float) -> float:
        return round(x, JSON_DECIMALS)

    return {
        "no_dr_risk_usd_per_year": num(w.no_dr_risk_annual_usd),
        "risk_avoided_usd_per_year": num(w.risk_avoided_annual_usd),
        "avoided_per_disaster_usd": num(w.avoided_per_disaster_usd),
        # a probability, not money: 6 decimals would keep only 3 or 4 of its digits
        "break_even_annual_disaster_probability": w.break_even_annual_disaster_probability,
        "pays_for_itself": w.pays_for_itself,
        "no_dr": {
            "region_outage_mean_s": num(no_dr.expected_downtime_s),
            "expected_lost_writes": num(no_dr.expected_lost_writes),
            "lost_window_s": {k: num(v) for k, v in no_dr_windows_s(scenario).items()},
            "downtime_usd_per_disaster": num(no_dr.downtime_usd_per_disaster),
            "lost_writes_usd_per_disaster": num(no_dr.lost_writes_usd_per_disaster),
            "per_disaster_usd": num(no_dr.per_disaster_usd),
        },
    }
