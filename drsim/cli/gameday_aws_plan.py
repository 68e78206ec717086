"""``drsim gameday aws plan``, ``run`` and ``teardown``.

``plan`` synthesizes infra/ offline and says what a run would deploy, inject, watch and
cost; it needs no credentials. ``run`` checks its guards, then runs the game day
(:func:`drsim.compare.aws_run.run_aws_gameday`); ``teardown`` deletes what carries a
run's tag (:func:`drsim.gameday.aws.teardown.teardown_run`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from drsim.cli.common import SCENARIO_HELP, print_warnings, to_json
from drsim.errors import DrsimError
from drsim.gameday.aws.plan import DEFAULT_FAULT, DEFAULT_HOURS, FAULTS, NOT_SYNTHESIZED


def _common(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO",
                   help=SCENARIO_HELP.replace("a scenario", "a platform: aws scenario", 1))
    p.add_argument("--fault", default=DEFAULT_FAULT, metavar="KIND",
                   help=f"fault to inject through FIS: {', '.join(FAULTS)} "
                        f"(default {DEFAULT_FAULT})")
    p.add_argument("--hours", type=float, default=DEFAULT_HOURS, metavar="H",
                   help=f"hours the stack lives, for the cost estimate (default "
                        f"{DEFAULT_HOURS:g})")


def add_plan(aws_sub) -> None:
    """Add ``plan`` to the ``drsim gameday aws`` subcommands."""
    p = aws_sub.add_parser(
        "plan", help="what a run would deploy, inject, watch and cost (offline)",
        description="Synthesize the CDK app in infra/ for the scenario (offline, no "
                    "credentials; tens of seconds) and list the stacks in deployment order "
                    "with their resources by type, the FIS experiment templates of the fault, "
                    "the probes and pollers, the steps of a run and the estimated cost of the "
                    "stack for --hours from drsim's cost model.")
    _common(p)
    p.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    p.set_defaults(func=run_plan)


def add_run(aws_sub) -> None:
    """Add ``run`` to the ``drsim gameday aws`` subcommands."""
    p = aws_sub.add_parser(
        "run", help="run a game day in your AWS account (deploys, injects, tears down)",
        description="Run a game day in your AWS account. The guards come first: "
                    "--confirm-account must be the account of the credentials (STS), the "
                    "estimate for --hours x --runs must be within --max-usd, the session's "
                    "region one of the scenario's, and the CDK CLI installed; any refusal "
                    "exits 2 with nothing done (without both guards a run never starts: "
                    "use drsim gameday aws plan to see what it would do). Then, per run: "
                    "cdk deploy tagged drsim:run-id, wait until healthy, start the probe "
                    "fleet, start the fault's FIS experiment, poll the AWS signals until "
                    "recovered, write the run directory, and tear down (also on Ctrl-C and "
                    "SIGTERM) unless --keep. Every destructive call is logged to the run's "
                    "actions.log and stderr before it is made.")
    _common(p)
    p.add_argument("--confirm-account", metavar="ID",
                   help="the 12-digit AWS account the credentials must belong to (required)")
    p.add_argument("--max-usd", type=float, metavar="X",
                   help="refuse when the estimated cost of all runs exceeds X USD (required)")
    p.add_argument("--runs", type=int, default=1, metavar="N",
                   help="game days to run, each deployed and torn down (default 1)")
    p.add_argument("--keep", action="store_true",
                   help="leave the stacks up after the run (remove them later with drsim "
                        "gameday aws teardown --run-id R)")
    p.add_argument("--out", default="gameday-aws-runs", metavar="DIR",
                   help="where the run directories go (default gameday-aws-runs)")
    p.set_defaults(func=run_run)


def add_teardown(aws_sub) -> None:
    """Add ``teardown`` to the ``drsim gameday aws`` subcommands."""
    p = aws_sub.add_parser(
        "teardown", help="delete everything tagged with a run's id",
        description="Finish a run's teardown from its tag alone: stop its FIS experiments, "
                    "delete its CloudFormation stacks (newest first), FIS templates and "
                    "Route 53 health checks carrying drsim:run-id=R, then list what is still "
                    "tagged (exit 2 if anything is). Acts on nothing else; running it twice "
                    "is harmless.")
    p.add_argument("--run-id", required=True, metavar="R",
                   help="the run id (drsim-YYYYmmddTHHMMSSZ-xxxxxx, from the run's directory "
                        "name or actions.log)")
    p.add_argument("--region", action="append", metavar="REGION",
                   help="a region to sweep (repeat; default every region enabled for the "
                        "account)")
    p.set_defaults(func=run_teardown)


def run_plan(args) -> int:
    from drsim.compare.aws_plan import aws_plan
    from drsim.scenario import load_scenario

    plan = aws_plan(args.scenario, fault=args.fault, hours=args.hours, log=sys.stderr)
    # What is doubtful about the stack it would deploy (plain HTTP), on stderr, once the
    # arguments have passed (bad input keeps its one message).
    print_warnings(load_scenario(args.scenario), args.scenario, deployment=True)
    print(to_json(plan.as_dict()) if args.json else format_plan(plan))
    return 0


@contextmanager
def _aws_errors_as_drsim(what: str) -> Iterator[None]:
    """An AWS error (access denied, throttled, unreachable) as one message, exit 2: it names
    the service, the call and the reason, never a credential."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # without boto3 the commands refuse earlier, with what to install
        yield
        return
    try:
        yield
    except (BotoCoreError, ClientError) as err:
        raise DrsimError(f"{what}: AWS refused a call ({err})") from None


def run_run(args) -> int:
    from drsim.compare.aws_run import run_aws_gameday

    with _aws_errors_as_drsim("run (torn down unless --keep; see the run's actions.log)"):
        dirs = run_aws_gameday(args.scenario, account=args.confirm_account,
                               max_usd=args.max_usd, fault=args.fault, runs=args.runs,
                               keep=args.keep, out_dir=args.out, hours=args.hours)
    for d in dirs:
        print(d)
    print(f"replay with: drsim gameday aws replay {args.out}", file=sys.stderr)
    return 0


def run_teardown(args) -> int:
    from drsim.compare.aws_plan import _boto3
    from drsim.gameday.aws.teardown import check_run_id, teardown_run

    check_run_id(args.run_id)
    with _aws_errors_as_drsim(f"teardown of {args.run_id} (run it again to finish)"):
        done = teardown_run(args.run_id, _boto3().Session(), regions=args.region)
    print(f"{args.run_id}: " + ("nothing tagged with it is left" if not done.acted else
          f"stopped {len(done.stopped_experiments)} experiments, deleted "
          f"{len(done.deleted_stacks)} stacks, {len(done.deleted_templates)} FIS templates, "
          f"{len(done.deleted_health_checks)} health checks; nothing tagged with it is left"))
    return 0


def format_plan(plan) -> str:
    """The plan as text: stacks, FIS, probes, pollers, steps, estimate."""
    d = plan.as_dict()
    lines = [f"{d['scenario']}: AWS game day plan, fault {d['fault']} "
             f"({d['regions']['primary']} -> {d['regions']['secondary']})", "",
             "stacks, in deployment order (from the synthesized dependencies):"]
    for i, s in enumerate(d["stacks"], 1):
        after = f"after {', '.join(s['depends_on'])}" if s["depends_on"] else "first"
        top = ", ".join(f"{n} {t.removeprefix('AWS::')}" for t, n in
                        list(s["resource_types"].items())[:6])
        lines.append(f"  {i}. {s['name']:<18} {s['region']:<10} {s['resources']:>3} resources"
                     f"  ({after})")
        lines.append(f"       {top}, ...")
    lines += ["", f"FIS experiment templates for {d['fault']}:"]
    if not d["fis_templates"]:
        lines.append(f"  {d['fis_status']}")
    for t in d["fis_templates"]:
        acts = ", ".join(f"{a['action_id']}" + (f" {a['duration']}" if a["duration"] else "")
                         for a in t["actions"])
        stops = ", ".join(f"{c['source']} {c['value']}" for c in t["stop_conditions"]) or "none"
        lines.append(f"  {t['stack']}/{t['logical_id']}: {acts}; stop condition: {stops}")
    lines += ["", "probes:"]
    for p in d["probes"]:
        if p["kind"] == "drsim_probe":
            names = ", ".join(p["resolves"]) or f"the service record ({NOT_SYNTHESIZED})"
            lines.append(f"  drsim probe on this machine: {names} every {p['interval_s']:g} s "
                         f"({'writes' if p['writes'] else 'reads'})")
        elif p["kind"] == "route53_health_check":
            lines.append(f"  Route 53 health check {p['type']} :{p['port']}{p['path'] or ''} "
                         f"every {p['interval_s']} s, {p['failure_threshold']} failures")
        else:
            lines.append(f"  canary {p['name']} ({p['stack']}, {p['region']}) {p['schedule']}")
    lines += ["", "pollers:"]
    for p in d["pollers"]:
        lines.append(f"  {p['service'] + ' ' + p['operation']:<36} every {p['interval_s']:>4g} s"
                     f"  {', '.join(p['regions'])}")
    lines += ["", "steps:"]
    for i, s in enumerate(d["steps"], 1):
        lines.append(f"  {i}. {s['step']}: {s['what']}")
        lines += [f"       {c}" for c in s["calls"]]
    e = d["estimate"]
    lines += ["", f"estimated cost for {e['hours']:g} h: {d['estimated_usd']:.2f} USD "
                  f"({e['monthly_usd']:,.2f} USD/month x {e['hours']:g} / "
                  f"{e['hours_per_month']:g} h)"]
    top = list(e["by_service_usd"].items())[:4]
    lines.append("  largest: " + ", ".join(f"{k} {v:.2f}" for k, v in top))
    if e["fis_usd"] is not None:
        lines.append(f"  FIS: {e['fis_action_minutes']:g} action-minutes, {e['fis_usd']:.2f} USD")
    lines.append("  not in the estimate:")
    lines += [f"    - {m}" for m in e["missing"]]
    return "\n".join(lines)
