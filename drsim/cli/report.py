"""``drsim report [SCENARIO...]``: run the report notebooks and write HTML, figures and an index."""

from __future__ import annotations

import sys

from drsim.cli.common import add_set_option


def register(sub) -> None:
    from drsim.report.run import DEFAULT_SEED, DEFAULT_TRIALS

    p = sub.add_parser(
        "report", help="run the report notebooks: HTML reports, PNG figures and index.html",
        description="Run the notebooks with papermill: a scenario report (02) for every "
                    "scenario, the trade-off sweep (01) on the seed scenario (or the first "
                    "platform: aws one) and the strategy comparison (03) over the platform: "
                    "aws scenarios. Writes the executed notebooks, HTML with the code hidden, "
                    "the figures as SVG and PNG, and index.html. A failing notebook keeps its "
                    "partial output; the command then exits 2 naming the notebook and cell.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="scenario YAML files or names of bundled scenarios, e.g. "
                        "seed-warm-standby (default: every bundled scenario)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="report folder (default: reports)")
    p.add_argument("--trials", type=int, default=DEFAULT_TRIALS, metavar="N",
                   help=f"trials per scenario (default {DEFAULT_TRIALS}; the sweep uses 40 %% "
                        "of that per configuration)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S",
                   help=f"root seed of every simulation (default {DEFAULT_SEED})")
    p.add_argument("--jobs", type=int, default=None, metavar="J",
                   help="notebooks run at once (default: the number of cores)")
    p.add_argument("--notebooks", default=None, metavar="DIR",
                   help="folder holding 01-explore-tradeoffs, 02-scenario-report and "
                        "03-compare-strategies (default: the notebooks bundled in drsim/notebooks)")
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.errors import DrsimError
    from drsim.report.run import run_reports

    if args.trials < 1:
        raise DrsimError(f"--trials: {args.trials} must be at least 1")
    if args.seed < 0:
        raise DrsimError(f"--seed: {args.seed} must be a non-negative whole number")
    if args.jobs is not None and args.jobs < 1:
        raise DrsimError(f"--jobs: {args.jobs} must be at least 1")

    def progress(run):
        status = "ok" if run.ok else "FAILED"
        print(f"  {run.job.slug:28s} {run.job.notebook:24s} {run.seconds:6.1f} s  {status}",
              file=sys.stderr, flush=True)

    runs = run_reports(args.scenarios, args.out, trials=args.trials, seed=args.seed,
                       overrides=args.overrides, jobs=args.jobs, notebooks_dir=args.notebooks,
                       progress=progress)
    print(f"{len(runs)} notebooks -> {args.out}/index.html")
    return 0
