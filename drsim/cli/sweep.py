"""``drsim sweep SPEC.yaml``: many configurations, their frontier and the cheapest meeting the objectives."""

from __future__ import annotations

import math

from drsim import defaults
from drsim.cli.common import to_json
from drsim.errors import DrsimError

SHOWN_FRONTIER = 20
"""Frontier rows the text shows (the JSON and the Parquet hold every row). [-]"""


def register(sub) -> None:
    p = sub.add_parser(
        "sweep", help="simulate and price many configurations: the cost-risk frontier",
        description="Simulate and price every configuration a sweep spec describes (a grid, "
                    "or random or latin-hypercube samples of scenario fields over one or more "
                    "bases), all with the spec's seed (common random numbers). Prints the "
                    "Pareto frontier over the monthly bill, p95 RTO and p95 RPO, and the "
                    "cheapest configuration that meets the objectives. Invalid combinations "
                    "are rows with their reason, not failures.")
    p.add_argument("spec", metavar="SPEC", help="a sweep spec (YAML): base or bases, trials, "
                                                "seed, design, samples, fields")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: configurations, rows, frontier, "
                        "cheapest_meeting_objectives, engine, elapsed_s")
    p.add_argument("--out", metavar="DIR.parquet",
                   help="write rows as they finish to this Parquet folder (the parquet "
                        "extra); running the same spec again resumes there")
    p.add_argument("--workers", type=int, default=None,
                   help="local processes, configurations shared out among them; results "
                        "identical for any number (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing dask.distributed cluster, e.g. tcp://host:8786 "
                        "(the scale extra)")
    p.add_argument("--engine", choices=defaults.ENGINES, default="auto",
                   help="auto: the vectorised fast path where it covers the scenario, else "
                        "SimPy (each row says which ran and why); default auto")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.sweep import run_sweep

    if args.workers is not None and args.scheduler:
        raise DrsimError("--workers and --scheduler: give one; with --scheduler the cluster's "
                         "workers run the configurations")
    if args.workers is not None and args.workers < 1:
        raise DrsimError(f"--workers: {args.workers} must be at least 1")
    result = run_sweep(args.spec, workers=args.workers or 1, engine=args.engine, out=args.out,
                       scheduler=args.scheduler)
    print(to_json(result.as_dict()) if args.json else as_text(result))
    return 0


def _num(x, fmt: str = "{:,.0f}") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "never" if math.isinf(x) else fmt.format(x)


def _display(rows, fields: list[str]):
    """Rows as the text shows them: fields, strategy and figures with units in headers."""
    import pandas as pd

    out = pd.DataFrame({"config": rows["config"]})
    if rows["base"].nunique() > 1:
        out["base"] = rows["base"]
    for f in fields:
        out[f] = rows[f]
    out["strategy"] = rows["strategy"]
    out["bill [USD/mo]"] = [_num(x) for x in rows["monthly_usd"]]
    out["p95 RTO [s]"] = [_num(x, "{:,.1f}") for x in rows["objective_rto_p95_s"]]
    out["p95 RPO [s]"] = [_num(x, "{:,.1f}") for x in rows["rpo_p95_s"]]
    out["P(objectives)"] = [_num(x, "{:.3f}") for x in rows["p_objectives_met"]]
    out["disasters [USD/y]"] = [_num(x) for x in rows["risk_annual_usd"]]
    return out.to_string(index=False)


def as_text(result) -> str:
    """The run in one line, the frontier as a table, and the cheapest meeting the objectives."""
    t = result.table
    used = ", ".join(f"{k} {v}" for k, v in result.as_dict()["engines_used"].items())
    lines = [f"{result.spec.source}: {len(t):,} configurations x {result.spec.trials:,} trials, "
             f"seed {result.spec.seed}, design {result.spec.design}; engine {result.engine}"
             + (f" ({used})" if used else "") + f"; {result.elapsed_s:,.1f} s"]
    if result.skipped:
        lines.append(f"resumed: {result.skipped:,} configurations were already in {result.out} "
                     "and were not run again")
    invalid = int(t["error"].notna().sum())
    if invalid:
        lines.append(f"invalid: {invalid:,} configurations the scenario checks refuse (their "
                     "reason is in the error column: --json or --out)")
    front = result.frontier_table()
    lines += ["", (f"Frontier: {len(front)} configurations no other beats on bill, p95 RTO "
                   "and p95 RPO together, cheapest first")]
    if front.empty:
        lines.append("  none (no valid configuration with a bill: platform: aws)")
    else:
        lines.append(_display(front.head(SHOWN_FRONTIER), result.fields))
        if len(front) > SHOWN_FRONTIER:
            lines.append(f"... and {len(front) - SHOWN_FRONTIER} more (--json lists all)")
    lines.append("")
    best = result.cheapest_meeting_objectives
    if best is None:
        lines.append("No configuration meets the objectives (P(RTO and RPO met in the same "
                     "trial) at least objectives.confidence).")
    else:
        lines.append("Cheapest meeting the objectives:")
        lines.append(_display(t[t["config"] == best], result.fields))
    return "\n".join(lines)
