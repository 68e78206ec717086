"""What to build: configurations ranked so that those meeting the objectives come first,
the recommendation, and what differs between the configurations compared.

A ranking by money alone recommends a configuration that never meets the
objectives (backup-restore, whose yearly bill plus expected disasters is the
smallest). Here a configuration that meets its objectives (at its
``objectives.confidence``) always ranks above one that does not; within each
group the order is the yearly bill plus the expected yearly cost of disasters.
The recommendation is the first that meets them; when none does, the output says
so and names the closest, and on which objective it falls short.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from drsim.compare.outcomes import Outcome, outcomes_table
from drsim.summary import Summary

DIFF_SECTIONS = ("strategy", "datastores", "compute", "dns", "health_check", "alarm",
                 "decision", "runbook", "usage")
"""What :func:`differences` compares: the data tier, compute, routing, detection, the
runbook and the workload (names, descriptions and sources are not configuration)."""


NAMED_LISTS = ("datastores", "runbook")
"""Sections that are lists of named items, compared item by item (by name)."""


def _flat(value: Any, prefix: str, out: dict) -> None:
    """Flatten ``value`` into ``{dotted.path: value}`` (lists stay values)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(v, f"{prefix}.{k}" if prefix else k, out)
    else:
        out[prefix] = value


def _field_lines(a: dict, b: dict) -> list[str]:
    """``path: old -> new`` for each flattened path whose values differ (``-``: not set)."""
    lines = []
    for key in sorted(set(a) | set(b), key=lambda k: (k not in a, k)):
        old, new = a.get(key, "-"), b.get(key, "-")
        if old != new:
            lines.append(f"{key}: {old!r} -> {new!r}" if key in a and key in b
                         else f"{key}: {old if key in a else '-'} -> {new if key in b else '-'}")
    return lines


def _named_lines(section: str, a_items: list, b_items: list, a_name: str,
                 b_name: str) -> list[str]:
    """Differences of a list of named items: whole items on one side only, then the
    fields of the items both have."""
    a = {item["name"]: item for item in a_items or []}
    b = {item["name"]: item for item in b_items or []}
    def what(item):  # a datastore's kind or a step's action, to say what the item is
        return f" ({item.get('kind') or item.get('action')})" if (
            item.get("kind") or item.get("action")) else ""

    lines = [f"{section}.{n}{what(a[n])}: only in {a_name}" for n in a if n not in b]
    lines += [f"{section}.{n}{what(b[n])}: only in {b_name}" for n in b if n not in a]
    for n in (n for n in a if n in b):
        fa, fb = {}, {}
        _flat({k: v for k, v in a[n].items() if k != "name"}, f"{section}.{n}", fa)
        _flat({k: v for k, v in b[n].items() if k != "name"}, f"{section}.{n}", fb)
        lines += _field_lines(fa, fb)
    return lines


def differences(base, other) -> list[str]:
    """Field by field, what ``other`` sets differently from ``base`` in
    :data:`DIFF_SECTIONS`, in that order: ``compute.standby_tasks: 1 -> 2``,
    ``datastores.orders_db.kind: 'backup' -> 'aurora_global'``, ``datastores.orders:
    only in active-active`` (a datastore or runbook step one side lacks, once)."""
    a, b = base.model_dump(mode="json"), other.model_dump(mode="json")
    lines: list[str] = []
    for section in DIFF_SECTIONS:
        if section in NAMED_LISTS:
            lines += _named_lines(section, a.get(section), b.get(section), base.name,
                                  other.name)
            continue
        fa, fb = {}, {}
        _flat(a.get(section), section, fa)
        _flat(b.get(section), section, fb)
        lines += _field_lines(fa, fb)
    return lines


def shortfall_text(summary: Summary) -> str:
    """Which objectives a summary misses and by how much: ``RTO (P 0.36 < 0.9)``."""
    c = summary.objectives.confidence
    parts = []
    for key, gap in summary.shortfalls().items():
        if gap > 0:
            name = "RTO" if key == "rto" else f"RPO {key.removeprefix('rpo.')}"
            parts.append(f"{name} (P {c - gap:.3f} < {c:g})")
    return ", ".join(parts)


def decision_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """The outcomes ranked: those meeting their objectives first, then by the yearly bill
    plus expected disasters (``total_annual_usd``; a configuration without a bill, such
    as ``platform: local``, last in its group).

    Columns: those of :func:`drsim.compare.outcomes.outcomes_table`, and ``rank``,
    ``meets_objectives``, ``confidence``, ``worst_shortfall`` (the largest
    confidence - P(met) over the objectives; <= 0 when met), ``missed`` (text),
    ``differences`` (from the first outcome, a list of lines), ``frontier``, and those of
    :func:`step_ups`.
    """
    table = outcomes_table(outcomes)
    first = outcomes[0].scenario if outcomes else None
    table["meets_objectives"] = [o.summary.meets_objectives for o in outcomes]
    table["p_rpo_met_by_datastore"] = [dict(o.summary.p_rpo_met_by_datastore) for o in outcomes]
    table["confidence"] = [o.summary.objectives.confidence for o in outcomes]
    table["worst_shortfall"] = [max(o.summary.shortfalls().values()) for o in outcomes]
    table["missed"] = [shortfall_text(o.summary) for o in outcomes]
    table["differences"] = [differences(first, o.scenario) for o in outcomes]
    from drsim.compare.strategies import frontier

    table["frontier"] = frontier(table)
    table = table.join(step_ups(table))
    table = table.sort_values(["meets_objectives", "total_annual_usd"],
                              ascending=[False, True], kind="stable",
                              na_position="last").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def step_ups(table: pd.DataFrame) -> pd.DataFrame:
    """Each configuration against the next cheaper one compared (by monthly bill): what
    its extra spend buys. The risk avoided *against no DR* sets a configuration against
    doing nothing; an architect choosing between two strategies asks what the step from
    one to the other avoids, and that is the difference of their risks with DR.

    Columns (index of ``table``): ``next_cheaper`` (name, or None for the cheapest and for
    those without a bill), ``extra_spend_annual_usd`` (12 x the monthly bill's difference)
    [USD/year], ``extra_risk_avoided_annual_usd`` (the cheaper one's expected yearly cost
    of disasters minus this one's; inf when only the cheaper one has trials that never
    recover, NaN when both have) [USD/year], ``step_pays_for_itself`` (the extra risk
    avoided is at least the extra spend; None without a cheaper one).
    """
    out = pd.DataFrame(index=table.index, data={
        "next_cheaper": None, "extra_spend_annual_usd": math.nan,
        "extra_risk_avoided_annual_usd": math.nan, "step_pays_for_itself": None})
    billed = table[table["monthly_usd"].notna()].sort_values("monthly_usd", kind="stable")
    for (_, cheaper), (i, row) in zip(billed.iterrows(), list(billed.iterrows())[1:]):
        spend = 12.0 * (row["monthly_usd"] - cheaper["monthly_usd"])
        r_cheap, r_this = cheaper["risk_annual_usd"], row["risk_annual_usd"]
        avoided = (math.nan if math.isinf(r_cheap) and math.isinf(r_this)
                   else float(r_cheap - r_this))
        out.at[i, "next_cheaper"] = cheaper["scenario"]
        out.at[i, "extra_spend_annual_usd"] = spend
        out.at[i, "extra_risk_avoided_annual_usd"] = avoided
        out.at[i, "step_pays_for_itself"] = None if math.isnan(avoided) else bool(avoided >= spend)
    return out


def step_up_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`decision_table` that have a next cheaper configuration,
    cheapest first: the ladder of step-ups from the cheapest bill."""
    return table[table["next_cheaper"].notna()].sort_values("monthly_usd", kind="stable")


def recommendation(table: pd.DataFrame) -> dict:
    """What to build, from a :func:`decision_table`.

    ``{"scenario": name or None, "meets_objectives": bool, "statement": text,
    "closest": name or None, "missed": text}``: the first configuration that meets
    its objectives (the cheapest in a year, disasters included); when none does,
    ``scenario`` is None and ``closest`` is the one with the smallest worst shortfall.
    """
    met = table[table["meets_objectives"]]
    if len(met):
        row = met.iloc[0]
        money = row["total_annual_usd"]
        cost = (f", {money:,.0f} USD/year with its expected disasters"
                if isinstance(money, float) and math.isfinite(money) else "")
        return {"scenario": row["scenario"], "meets_objectives": True, "closest": None,
                "missed": "",
                "statement": f"{row['scenario']} is the cheapest configuration that meets its "
                             f"objectives at confidence {row['confidence']:g}{cost}."}
    if not len(table):
        return {"scenario": None, "meets_objectives": False, "closest": None, "missed": "",
                "statement": "nothing to compare"}
    row = table.loc[table["worst_shortfall"].idxmin()]
    return {"scenario": None, "meets_objectives": False, "closest": row["scenario"],
            "missed": row["missed"],
            "statement": f"None of the {len(table)} configurations meets its objectives. "
                         f"The closest is {row['scenario']}, which misses {row['missed']}."}


def ranking(outcomes: list[Outcome], by: str = "objectives") -> pd.DataFrame:
    """:func:`decision_table` (``by="objectives"``), or the same table ranked by one of
    :data:`drsim.compare.strategies.RANK_COLUMNS` alone (smallest first)."""
    from drsim.compare.strategies import rank

    table = decision_table(outcomes)
    if by == "objectives":
        return table
    return rank(table.drop(columns=["rank", "frontier"]), by=by)


def run_note(count: int, trials: int, seed: int) -> str:
    """What was compared, how: ``5 configurations, 10,000 trials each, seed 0 (...)``."""
    return (f"{count} configurations, {trials:,} trials each, seed {seed} (the same draws for "
            f"all: differences are the configurations', not noise)")


def differences_table(table: pd.DataFrame) -> pd.DataFrame:
    """``scenario``, ``differences`` (joined by ``; ``) for reading: what each ranked
    configuration sets differently from the first one compared."""
    return pd.DataFrame({"scenario": table["scenario"],
                         "differences from the first": ["; ".join(d) or "-"
                                                        for d in table["differences"]]})
