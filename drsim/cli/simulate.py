"""``drsim simulate SCENARIO``: Monte Carlo RTO and RPO of one scenario."""

from __future__ import annotations

from pathlib import Path

from drsim.cli.common import (
    SCENARIO_HELP,
    add_set_option,
    load,
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
    p.add_argument("--trials", type=int, default=10_000, help="number of trials (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes; results are identical for any number (default 1)")
    add_set_option(p)
    p.add_argument("--out", metavar="FILE",
                   help="write the trials table (.csv, or .parquet with the parquet extra)")
    p.add_argument("--timeline", metavar="FILE",
                   help="write the event timeline of the first trials (.csv or .jsonl)")
    p.add_argument("--timeline-trials", type=int, default=1, metavar="K",
                   help="how many trials --timeline records (default 1)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.sim import simulate

    _check_suffix("--out", args.out, OUT_SUFFIXES)
    _check_suffix("--timeline", args.timeline, TIMELINE_SUFFIXES)
    if args.out and args.out.endswith(".parquet"):
        require_parquet("--out", args.out)
    if args.timeline and not 1 <= args.timeline_trials <= args.trials:
        raise DrsimError(f"--timeline-trials: {args.timeline_trials} is outside 1..{args.trials}")
    scenario = load(args.scenario, args)
    result = simulate(scenario, trials=args.trials, seed=args.seed, workers=args.workers,
                      keep_trials=bool(args.out),
                      timeline_trials=range(args.timeline_trials) if args.timeline else ())
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
    print(to_json(result.summary.as_dict()) if args.json else result.summary.to_text())
    return 0


def _check_suffix(option: str, path: str | None, allowed) -> None:
    if path and Path(path).suffix not in allowed:
        raise DrsimError(f"{option} {path}: the file must end in {' or '.join(allowed)}")
