"""``drsim simulate SCENARIO``: Monte Carlo RTO and RPO of one scenario."""

from __future__ import annotations

from pathlib import Path

from drsim import defaults
from drsim.cli.common import (
    SCENARIO_HELP,
    add_run_options,
    add_set_option,
    load,
    print_warnings,
    require_parquet,
    to_json,
    write_atomically,
)
from drsim.errors import DrsimError
from drsim.timeline import write_timeline

OUT_SUFFIXES = (".csv", ".parquet")
TIMELINE_SUFFIXES = (".csv", ".jsonl")


def register(sub) -> None:
    p = sub.add_parser(
        "simulate", help="simulate a regional failure many times: RTO and RPO distributions",
        description="Simulate a regional failure and the failover after it as independent "
                    "Monte Carlo trials; print RTO, detection, first success, RPO and lost "
                    "writes as distributions.")
    p.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    add_run_options(p, trials="number of trials", seed="root seed",
                    workers="worker processes; results are identical for any number")
    add_set_option(p)
    p.add_argument("--out", metavar="FILE",
                   help="write the trials table (.csv, or .parquet with the parquet extra)")
    p.add_argument("--timeline", metavar="FILE",
                   help="write the event timeline of the first trials (.csv or .jsonl)")
    p.add_argument("--timeline-trials", type=int, default=None, metavar="K",
                   help="--timeline records the first K trials (default 1, or none when "
                        "--timeline-percentile is given)")
    p.add_argument("--timeline-percentile", type=float, action="append", default=[],
                   metavar="P", help="--timeline records the trial at the P-th percentile "
                                     "(0..100) of the RTO the objectives name; may be repeated "
                                     "(e.g. 50 and 95); drsim explain tells one such trial")
    p.add_argument("--engine", choices=defaults.ENGINES, default="simpy",
                   help="simpy: event by event (the default; trial i is the same trial in "
                        "every command); fast: the vectorised fast path (the same distributions, "
                        "other draws; not for a brownout); auto: fast where it covers the "
                        "scenario, else simpy. --timeline always runs simpy")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.sim import simulate

    _check_suffix("--out", args.out, OUT_SUFFIXES)
    _check_suffix("--timeline", args.timeline, TIMELINE_SUFFIXES)
    if args.out and args.out.endswith(".parquet"):
        require_parquet("--out", args.out)
    first_k = _timeline_selection(args)
    engine = _engine(args)
    scenario = load(args.scenario, args)
    print_warnings(scenario, args.scenario, deployment=False)
    result = simulate(scenario, trials=args.trials, seed=args.seed, workers=args.workers,
                      keep_trials=bool(args.out or args.timeline_percentile),
                      timeline_trials=range(first_k) if args.timeline else (), engine=engine)
    if args.timeline and args.timeline_percentile:
        result = _with_percentile_timelines(result, args.timeline_percentile)
    # Outputs are written only after the whole run succeeded, each atomically.
    if args.out:
        table = result.trials
        if args.out.endswith(".parquet"):
            write_atomically(args.out, lambda tmp: table.to_parquet(tmp, index=False))
        else:
            write_atomically(args.out, lambda tmp: table.to_csv(tmp, index=False))
    if args.timeline:
        suffix = Path(args.timeline).suffix
        write_atomically(args.timeline,
                         lambda tmp: write_timeline(result.timeline, tmp, fmt=suffix))
    if args.json:
        print(to_json({**result.summary.as_dict(), "engine": result.engine,
                       "engine_fallback": result.fallback}))
    else:
        print(result.summary.to_text() + _engine_line(result))
    return 0


def _engine(args) -> str:
    """The engine to run: a timeline re-runs chosen trials event by event, and only the
    SimPy engine's trial i is that same trial, so --timeline needs it."""
    if args.timeline and args.engine == "fast":
        raise DrsimError("--timeline records trials event by event, which the fast path does "
                         "not: use --engine simpy (or auto, which then runs simpy)")
    return "simpy" if args.timeline else args.engine


def _engine_line(result) -> str:
    """What the text says of the engine: nothing for the SimPy engine (the default)."""
    if result.engine == "fast":
        return ("\n\nengine: fast path (vectorised; the SimPy engine's distributions, "
                "from other draws)")
    if result.fallback:
        return f"\n\nengine: simpy (auto fell back: {result.fallback})"
    return ""


def _timeline_selection(args) -> int:
    """How many first trials --timeline records (checking the timeline options). [-]"""
    if (args.timeline_trials is not None or args.timeline_percentile) and not args.timeline:
        raise DrsimError("--timeline-trials and --timeline-percentile say which trials "
                         "--timeline records; give --timeline FILE too")
    for p in args.timeline_percentile:
        if not 0 <= p <= 100:
            raise DrsimError(f"--timeline-percentile: {p:g} is outside 0..100")
    k = args.timeline_trials
    if k is None:
        return 0 if args.timeline_percentile else 1
    if not 1 <= k <= args.trials:
        raise DrsimError(f"--timeline-trials: {k} is outside 1..{args.trials}")
    return k


def _with_percentile_timelines(result, percentiles):
    """``result`` whose timeline also holds the trials at ``percentiles`` of its RTO."""
    import dataclasses

    import pandas as pd

    from drsim.sim.explain import trial_at_percentile
    from drsim.sim.montecarlo import record_timelines, rto_column

    table = result.trials
    column = rto_column(result.scenario)
    chosen = [int(table["trial"].iloc[trial_at_percentile(table[column], p)]) for p in percentiles]
    first = set() if result.timeline is None else {
        int(r.rsplit("-", 1)[1]) for r in result.timeline["run_id"].unique()}
    more = [i for i in dict.fromkeys(chosen) if i not in first]
    parts = [t for t in (result.timeline, record_timelines(result.scenario, result.seed, more))
             if t is not None and len(t)]
    timeline = pd.concat(parts, ignore_index=True) if parts else result.timeline
    return dataclasses.replace(result, timeline=timeline)


def _check_suffix(option: str, path: str | None, allowed) -> None:
    if path and Path(path).suffix not in allowed:
        raise DrsimError(f"{option} {path}: the file must end in {' or '.join(allowed)}")
