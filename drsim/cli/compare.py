"""``drsim compare SCENARIO...``: configurations ranked, the objectives first, and what to build."""

from __future__ import annotations

import math

from drsim.cli.common import add_run_options, add_set_option, to_json
from drsim.errors import DrsimError

SHOWN_DIFFERENCES = 6
"""Differences listed per configuration in the text (the JSON lists them all)."""


def register(sub) -> None:
    p = sub.add_parser(
        "compare", help="rank configurations: those meeting the objectives first, then by cost",
        description="Simulate and price several scenarios with the same seed and trials and "
                    "rank them: configurations that meet their objectives (P(met) at least "
                    "objectives.confidence for the RTO and every datastore's RPO) come first, "
                    "then by the yearly bill plus the expected yearly cost of disasters. The "
                    "recommendation is the cheapest that meets them; when none does, the "
                    "output says so and names the closest. Lists what differs from the first "
                    "scenario, field by field.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="scenario files or bundled names (default: every bundled platform: "
                        "aws scenario)")
    add_run_options(p, trials="trials per scenario",
                    seed="root seed, the same for every scenario",
                    workers="processes, one scenario each; results identical for any number")
    add_set_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.compare.decisions import decision_table, recommendation
    from drsim.compare.strategies import compare_scenarios, load_all

    if args.trials < 1:
        raise DrsimError(f"--trials: {args.trials} must be at least 1")
    if args.seed < 0:
        raise DrsimError(f"--seed: {args.seed} is not a non-negative whole number")
    if args.workers < 1:
        raise DrsimError(f"--workers: {args.workers} must be at least 1")
    scenarios = load_all(args.scenarios, args.overrides)
    outcomes = compare_scenarios(scenarios, trials=args.trials, seed=args.seed,
                                 workers=args.workers)
    table = decision_table(outcomes)
    advice = recommendation(table)
    if args.json:
        print(to_json(as_dict(table, advice, args.trials, args.seed)))
    else:
        print(as_text(table, advice, args.trials, args.seed, first=scenarios[0].name))
    return 0


def _number(x) -> float | None:
    """A float for JSON (inf stays inf: to_json writes null), None for a missing value."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def as_dict(table, advice: dict, trials: int, seed: int) -> dict:
    """The ``--json`` shape: ``recommended`` and the ``ranking`` rows."""
    rows = []
    for r in table.to_dict("records"):
        rows.append({
            "rank": int(r["rank"]), "scenario": r["scenario"], "strategy": r["strategy"],
            "meets_objectives": bool(r["meets_objectives"]), "missed": r["missed"],
            "confidence": r["confidence"], "p_rto_met": r["p_rto_met"],
            "p_rpo_met": r["p_rpo_met"],
            "p_rpo_met_by_datastore": dict(r["p_rpo_met_by_datastore"]),
            "rto_p50_s": r["rto_p50_s"],
            "rto_p95_s": r["rto_p95_s"], "probe_rto_p50_s": _number(r["probe_rto_p50_s"]),
            "rpo_p95_s": _number(r["rpo_p95_s"]),
            "monthly_usd": _number(r["monthly_usd"]),
            "dr_monthly_usd": _number(r["dr_monthly_usd"]),
            "risk_usd_per_year": _number(r["risk_annual_usd"]),
            "risk_avoided_usd_per_year": _number(r.get("risk_avoided_annual_usd")),
            "total_usd_per_year": _number(r["total_annual_usd"]),
            "differences": list(r["differences"]),
            "vs_next_cheaper": None if r["next_cheaper"] is None else {
                "scenario": r["next_cheaper"],
                "extra_spend_usd_per_year": _number(r["extra_spend_annual_usd"]),
                "extra_risk_avoided_usd_per_year": _number(r["extra_risk_avoided_annual_usd"]),
                "pays_for_itself": r["step_pays_for_itself"]},
        })
    return {"trials": trials, "seed": seed, "recommended": advice["scenario"],
            "meets_objectives": advice["meets_objectives"], "closest": advice["closest"],
            "statement": advice["statement"], "ranking": rows}


def _usd(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "unbounded" if math.isinf(x) else f"{x:,.0f}"


def as_text(table, advice: dict, trials: int, seed: int, first: str) -> str:
    """The ranking as a table, the recommendation, and the differences from the first."""
    from drsim.compare.decisions import run_note

    lines = [run_note(len(table), trials, seed), ""]
    head = (f"{'rank':>4}  {'scenario':<22}{'meets':>6}{'P(RTO)':>8}{'P(RPO)':>8}"
            f"{'p95 RTO [s]':>13}{'bill [USD/mo]':>15}{'disasters [USD/y]':>19}"
            f"{'total [USD/y]':>15}  misses")
    lines.append(head)
    for r in table.itertuples(index=False):
        lines.append(
            f"{r.rank:>4}  {r.scenario:<22}{'yes' if r.meets_objectives else 'no':>6}"
            f"{r.p_rto_met:>8.3f}{r.p_rpo_met:>8.3f}{r.rto_p95_s:>13,.1f}"
            f"{_usd(r.monthly_usd):>15}{_usd(r.risk_annual_usd):>19}"
            f"{_usd(r.total_annual_usd):>15}  {r.missed or '-'}")
    lines += ["", advice["statement"], "", f"What differs from {first}:"]
    for r in table.itertuples(index=False):
        if r.scenario == first:
            continue
        diffs = list(r.differences)
        more = f" ... and {len(diffs) - SHOWN_DIFFERENCES} more (--json lists all)" if (
            len(diffs) > SHOWN_DIFFERENCES) else ""
        lines.append(f"  {r.scenario}: " + ("; ".join(diffs[:SHOWN_DIFFERENCES]) or "nothing")
                     + more)
    return "\n".join(lines)
