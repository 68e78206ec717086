"""The bill and the cost of risk over one field's values (``drsim cost --sweep``).

A one-field sensitivity for the cost report: each value gets the whole
:func:`drsim.compare.cost_report.cost_report`, all with the same seed (common random
numbers), so differences between rows come from the field, not from the draws. For a
grid over several fields, the frontier and the cheapest configuration meeting the
objectives, use ``drsim sweep`` (:mod:`drsim.sweep`).
"""

from __future__ import annotations

from typing import Any

from drsim.compare.sweeps import setting_overrides
from drsim.errors import DrsimError
from drsim.scenario.paths import PathError, resolve


def cost_sweep(scenario, path: str, values: list[Any], **report_args) -> dict:
    """One cost report per value of ``path`` (a dotted scenario path).

    Parameters
    ----------
    scenario : the base :class:`drsim.scenario.Scenario`.
    path : the field to vary, e.g. ``workload.requests_per_s``; ``compute.standby_tasks``
        also sets the strategy that size implies (:func:`drsim.compare.sweeps.standby_overrides`).
    values : its values, in the order to report them.
    report_args : passed to ``cost_report`` (risk, trials, seed, prices_dir, as_of).

    Returns ``{"field", "rows"}``; each row has ``value`` (as the validated scenario holds
    it), ``monthly_usd`` and ``dr_monthly_usd`` [USD/month], ``unconfirmed_share`` [-] and,
    when risk is computed, ``risk_annual_usd`` [USD/year], ``expected_downtime_s`` [s] and
    ``expected_lost_writes`` [writes] per disaster.

    Raises DrsimError naming the path and value the scenario checks refuse.
    """
    from drsim.compare.cost_report import cost_report

    try:
        resolve(scenario, path)
    except PathError as err:
        raise DrsimError(f"--sweep {path}: {err}") from None
    rows = []
    for value in values:
        try:
            variant = scenario.with_overrides(setting_overrides(scenario, path, value))
            report = cost_report(variant, **report_args)
        except DrsimError as err:
            raise DrsimError(f"--sweep {path}={value}: {err}") from None
        row = {"value": _plain(resolve(variant, path)), "monthly_usd": report["monthly_usd"],
               "dr_monthly_usd": report["dr_monthly_usd"],
               "unconfirmed_share": report["unconfirmed_share"]}
        risk = report["risk"]
        if risk["computed"]:
            row.update(risk_annual_usd=risk["expected_annual_usd"],
                       expected_downtime_s=risk["expected_downtime_s"],
                       expected_lost_writes=risk["expected_lost_writes"])
        rows.append(row)
    return {"field": path, "rows": rows}


def _plain(value):
    """A field's value as JSON holds it (a section or distribution as its mapping)."""
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value
