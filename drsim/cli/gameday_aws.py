"""``drsim gameday aws ...``: the AWS game day's commands (``replay`` here)."""

from __future__ import annotations

from drsim import defaults
from drsim.cli.common import to_json


def add_replay(aws_subparsers) -> None:
    """Add ``replay`` to the ``drsim gameday aws`` sub-commands."""
    p = aws_subparsers.add_parser(
        "replay", help="measure a recorded AWS game day and set it beside the simulation",
        description="Read an AWS game day's raw record (poll lines, the probe fleet's journals, "
                    "the manifest: see drsim/gameday/aws/raw.py), convert it to the shared "
                    "timeline, measure the phases and set them beside the simulation of the "
                    "scenario it played, as drsim gameday local does. Offline: nothing calls "
                    "AWS. drsim ships a CONSTRUCTED run to try it on: "
                    "drsim/data/gamedays/aws-fixture/.")
    p.add_argument("dir", metavar="DIR",
                   help="a run directory (with manifest.json), or a folder of them (one game "
                        "day's runs)")
    p.add_argument("--sim-trials", type=int, default=defaults.TRIALS,
                   help=f"trials of the simulation set beside the runs (default {defaults.TRIALS})")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"root seed of the simulation (default {defaults.SEED})")
    p.add_argument("--no-simulate", action="store_true", help="skip the simulation")
    p.add_argument("--out", metavar="DIR",
                   help="write each run's timeline and journals and the report under DIR")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run_replay)


def run_replay(args) -> int:
    from drsim.cli.gameday import format_report
    from drsim.compare.gameday import GamedayComparison, beside_simulation, write_comparison
    from drsim.errors import DrsimError
    from drsim.gameday import write_report
    from drsim.gameday.aws import aws_gamedays
    from drsim.sim.montecarlo import MAX_TRIALS

    if not args.no_simulate and not 1 <= args.sim_trials <= MAX_TRIALS:
        raise DrsimError(f"--sim-trials: {args.sim_trials} is not a whole number from 1 to "
                         f"{MAX_TRIALS:,}")
    if args.seed < 0:
        raise DrsimError(f"--seed: {args.seed} is not a non-negative whole number")
    gamedays = aws_gamedays(args.dir)
    report = (GamedayComparison(gamedays) if args.no_simulate else
              beside_simulation(gamedays, seed=args.seed, trials=args.sim_trials))
    if args.out is not None:
        write_report(gamedays, args.out)
        write_comparison(report, args.out)
    if args.json:
        print(to_json(report.as_json()))
        return 0
    print(format_report(report, where="AWS"))
    for run in gamedays.runs:
        s = run.summary
        if s.provenance != "recorded":
            print(f"{run.run_id}: {s.provenance.upper().split(':')[0]} run, not a measurement "
                  f"({s.provenance})")
        for figure, why in s.unmeasured.items():
            print(f"{run.run_id}: {figure} {why}")
    return 0
