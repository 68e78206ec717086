"""``drsim gameday local``: a real failover on a two-region stack on this machine."""

from __future__ import annotations

import math
import sys

from drsim import defaults
from drsim.cli.common import add_set_option, load, to_json
from drsim.cli.gameday_aws_plan import add_plan, add_run, add_teardown
from drsim.errors import DrsimError
from drsim.scenario.model import FAILURE_MODES

DEFAULT_SCENARIO = "local-lab"
"""The bundled platform: local scenario a game day runs without --scenario."""


def register(sub) -> None:
    p = sub.add_parser("gameday", help="run a game day: real faults on a real stack",
                       description="Run game days: inject a real fault into a real stack, "
                                   "measure the failover, compare it with the simulation.")
    kinds = p.add_subparsers(dest="where", metavar="WHERE")
    kinds.required = True
    loc = kinds.add_parser(
        "local", help="a two-region stack on this machine (PostgreSQL, HTTP, DNS)",
        description="Start a two-region stack on loopback (PostgreSQL 15 primary and streaming "
                    "standby, HTTP services, a DNS failover record, health checkers, an "
                    "orchestrator, a load generator), inject the fault at a random moment, "
                    "measure detection, RTO and lost writes, tear everything down; repeat "
                    "--runs times and set the runs beside the simulation of the same scenario.")
    loc.add_argument("--scenario", metavar="SCENARIO", default=DEFAULT_SCENARIO,
                     help="a platform: local scenario: a YAML file or a bundled name "
                          f"(default: the bundled {DEFAULT_SCENARIO})")
    loc.add_argument("--fault", choices=FAILURE_MODES, metavar="KIND",
                     help=f"fault to inject: {', '.join(FAILURE_MODES)} (default: the "
                          "scenario's failure.mode)")
    loc.add_argument("--runs", type=int, default=1, help="game days to run (default 1)")
    loc.add_argument("--seed", type=int, default=defaults.SEED,
                     help="root seed of fault moments, checker phases and the simulation "
                          f"(default {defaults.SEED})")
    add_set_option(loc)
    loc.add_argument(
        "--stack-set", dest="stack_set", action="append", default=[], metavar="PATH=VALUE",
        help="make the real stack differ from the scenario the simulation keeps, e.g. "
             "--stack-set runbook.promote_database.duration_s='{dist: lognormal, p50: 3, "
             "p95: 3.6}' (a wait drawn before the real pg_promote, so the step takes the "
             "wait plus the promotion) or --stack-set decision.mode=manual; runbook.<step>."
             "duration_s and decision.* only; validated like --set; recorded in each run's "
             "summary; may be repeated")
    loc.add_argument("--out", metavar="DIR",
                     help="write each run's timeline, request journal, acknowledged writes and "
                          "summary, and the report, under DIR")
    loc.add_argument("--link-latency-ms", type=float, default=5.0,
                     help="one-way latency of the replication link between the regions "
                          "(default 5)")
    loc.add_argument("--link-bandwidth-mbit-s", type=float, default=0.0,
                     help="bandwidth of the replication link in Mbit/s; 0 for unlimited "
                          "(default 0)")
    loc.add_argument("--timeout-s", type=float, default=20.0,
                     help="stop waiting for recovery this long after the fault (default 20)")
    loc.add_argument("--sim-trials", type=int, default=defaults.TRIALS,
                     help=f"trials of the simulation set beside the runs (default {defaults.TRIALS})")
    loc.add_argument("--no-simulate", action="store_true", help="skip the simulation")
    loc.add_argument("--json", action="store_true", help="print the report as one JSON object")
    loc.set_defaults(func=run_local)
    aws = kinds.add_parser("aws", help="the reference stack of infra/ on AWS: plan, run "
                           "(guards only for now), replay a recorded game day",
                           description="AWS game days on the stack infra/ deploys.")
    aws_commands = aws.add_subparsers(dest="aws_command", metavar="COMMAND")
    aws_commands.required = True
    from drsim.cli.gameday_aws import add_replay

    add_plan(aws_commands)
    add_run(aws_commands)
    add_teardown(aws_commands)
    add_replay(aws_commands)


def run_local(args) -> int:
    from drsim.compare.gameday import GamedayComparison, beside_simulation, write_comparison
    from drsim.gameday.gamedays import local_gamedays
    from drsim.gameday.local.run import Options
    from drsim.gameday.local.stackset import stack_difference
    from drsim.sim.montecarlo import MAX_TRIALS

    if args.link_latency_ms < 0 or not math.isfinite(args.link_latency_ms):
        raise DrsimError(f"--link-latency-ms: {args.link_latency_ms:g} must be >= 0")
    if args.link_bandwidth_mbit_s < 0 or not math.isfinite(args.link_bandwidth_mbit_s):
        raise DrsimError(f"--link-bandwidth-mbit-s: {args.link_bandwidth_mbit_s:g} must be >= 0")
    if not args.timeout_s > 0:
        raise DrsimError(f"--timeout-s: {args.timeout_s:g} must be > 0")
    if not args.no_simulate and not 1 <= args.sim_trials <= MAX_TRIALS:
        # Checked before the game days run: their records are written before the simulation.
        raise DrsimError(f"--sim-trials: {args.sim_trials} is not a whole number from 1 to "
                         f"{MAX_TRIALS:,}")
    scenario = load(args.scenario, args)
    stack_set = tuple(args.stack_set)
    stack_difference(scenario, stack_set)  # refused before anything starts
    gamedays = local_gamedays(
        scenario, fault=args.fault, runs=args.runs, seed=args.seed,
        options=Options(link_latency_s=args.link_latency_ms / 1000.0,
                        link_bandwidth_bytes_per_s=args.link_bandwidth_mbit_s * 1e6 / 8,
                        timeout_s=args.timeout_s, stack_set=stack_set),
        out_dir=args.out, log=None if args.json else sys.stderr)
    report = (GamedayComparison(gamedays) if args.no_simulate else
              beside_simulation(gamedays, seed=args.seed, trials=args.sim_trials))
    if args.out is not None:
        write_comparison(report, args.out)
    print(to_json(report.as_json()) if args.json else format_report(report))
    return 0


def _f(x, unit="s", digits=2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "never" if math.isinf(x) else f"{x:.{digits}f} {unit}"


def format_report(report, where: str = "local") -> str:
    s = report.scenario
    lines = [f"{s.name}: {s.failure.mode}, {len(report.runs)} {where} game day(s)", ""]
    differed = next((r.summary.stack_set for r in report.runs
                     if getattr(r.summary, "stack_set", None)), None)
    if differed:
        lines[-1:-1] = ["the real stack deliberately differed from the scenario (the simulation "
                        "keeps it as written): " + "; ".join(
                            f"--stack-set {item}" for item in differed["stack_set"])]
    lines.append(f"{'run':<5}{'detect':>10}{'first ok':>10}{'probe':>10}{'RTO':>10}{'lost':>6}"
                 f"{'RPO':>10}{'wall':>9}{'  sim pct':>10}")
    pcts = report.measured_rto_percentiles or [math.nan] * len(report.runs)
    for i, (r, pct) in enumerate(zip(report.runs, pcts)):
        m = r.summary
        lines.append(f"{i:<5}{_f(m.detect_s):>10}{_f(m.first_success_s):>10}"
                     f"{_f(m.probe_rto_s):>10}{_f(m.rto_s):>10}"
                     f"{m.lost_writes if m.writes else '-':>6}{_f(m.rpo_s, digits=3):>10}{_f(m.wall_s):>9}"
                     f"{'-' if math.isnan(pct) else f'p{pct:.0f}':>10}")
    meas = report.measured
    lines += ["", (f"measured RTO   p50 {_f(meas['rto_s'].p50)}  max {_f(meas['rto_s'].max)}"
                   f"  ({meas['recovered_runs']} of {meas['runs']} runs recovered)")]
    if meas["recovered_runs"] < meas["runs"]:
        lines.append("some runs did not recover before the timeout: see their timelines, or "
                     "allow more time with --timeout-s")
    if report.simulated is not None:
        sim = report.simulated.rto_s
        lines.append(f"simulated RTO  p50 {_f(sim.p50)}  p99 {_f(sim.p99)}  "
                     f"({report.simulated.trials} trials)")
        lines += ["", f"{'phase':<17}{'measured p50':>14}{'simulated p50':>15}{'diff':>10}"]
        for row in report.phases.itertuples():
            lines.append(f"{row.phase:<17}{_f(row.measured_p50_s):>14}"
                         f"{_f(row.simulated_p50_s):>15}{_f(row.difference_s):>10}")
    return "\n".join(lines)
