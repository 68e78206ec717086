"""``drsim postmortem TIMELINE... --scenario S``: measured runs from any tool beside the
simulation, phase by phase."""

from __future__ import annotations

import math
from pathlib import Path

from drsim.cli.common import (
    SCENARIO_HELP,
    add_set_option,
    load,
    print_warnings,
    to_json,
    write_atomically,
)
from drsim.errors import DrsimError

FORMAT_CHOICES = ("auto", "drsim", "chaostoolkit", "fis", "arc", "incident")


def register(sub) -> None:
    from drsim import defaults

    p = sub.add_parser(
        "postmortem", help="set measured runs (drsim timelines, Chaos Toolkit, FIS, ARC, "
                           "incident CSV) beside the simulation, phase by phase",
        description="Import each TIMELINE (a drsim timeline .csv/.jsonl, a Chaos Toolkit "
                    "journal.json, an FIS GetExperiment or ARC Region switch GetPlanExecution "
                    "response saved as JSON, or an incident CSV timestamp,event[,component,"
                    "detail]), map its records to drsim events (defaults in the README, "
                    "override with --map), and place every run's phases in the simulation of "
                    "SCENARIO as percentiles: the phase that deviated most, and the RTO had it "
                    "behaved as modelled. Records no mapping places are listed, never dropped.")
    p.add_argument("timelines", nargs="+", metavar="TIMELINE", help="the files to import")
    p.add_argument("--scenario", required=True, metavar="SCENARIO", help=SCENARIO_HELP)
    add_set_option(p)
    p.add_argument("--format", default="auto", choices=FORMAT_CHOICES, metavar="FORMAT",
                   help=f"the files' format: {', '.join(FORMAT_CHOICES)} (default auto: from "
                        "the suffix and content)")
    p.add_argument("--map", dest="maps", action="append", default=[], metavar="NAME=TARGET",
                   help="place records named NAME as TARGET: a drsim event (at the record's "
                        "start; EVENT@end at its end), step (step_started/finished, component "
                        "the name) or step:STEP; may be repeated")
    p.add_argument("--map-file", metavar="FILE", help="a YAML file of NAME: TARGET (--map wins)")
    p.add_argument("--fault-at", metavar="ISO",
                   help="the fault moment, ISO-8601 with Z or an offset (default: the record's "
                        "fault_injected)")
    p.add_argument("--one-run", action="store_true",
                   help="the TIMELINEs recorded one run between them (e.g. the FIS experiment "
                        "that injected the fault and the ARC execution that failed over): merge "
                        "their records into one run, each mapped by its own format")
    p.add_argument("--trials", type=int, default=defaults.TRIALS,
                   help=f"trials of the simulation (default {defaults.TRIALS})")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"root seed of the simulation (default {defaults.SEED})")
    p.add_argument("--out", metavar="DIR",
                   help="write timeline.csv, phases.csv and postmortem.json under DIR")
    p.add_argument("--json", action="store_true", help="print the postmortem as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.compare.postmortem import postmortem
    from drsim.gameday.imports import import_files, parse_map_options
    from drsim.sim.montecarlo import MAX_TRIALS

    if not 1 <= args.trials <= MAX_TRIALS:
        raise DrsimError(f"--trials: {args.trials} is outside 1..{MAX_TRIALS:,}")
    if args.seed < 0:
        raise DrsimError(f"--seed: {args.seed} is not a non-negative whole number")
    scenario = load(args.scenario, args)
    overrides = parse_map_options(args.maps, args.map_file)
    imports = import_files(args.timelines, args.format, overrides=overrides,
                           fault_at=args.fault_at, one_run=args.one_run, scenario=scenario)
    print_warnings(scenario, args.scenario, deployment=False)  # stderr: the JSON on stdout stays whole
    pm = postmortem(imports, scenario, trials=args.trials, seed=args.seed)
    if args.out is not None:
        write(pm, args.out)
    print(to_json(pm.as_json()) if args.json else format_postmortem(pm))
    return 0


def write(pm, out_dir) -> None:
    """``timeline.csv`` (every run), ``phases.csv`` and ``postmortem.json`` under
    ``out_dir``, each written whole or not at all."""
    from drsim.timeline import write_timeline

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DrsimError(f"--out {out}: exists and is not a directory")
    files = {
        "timeline.csv": lambda tmp: write_timeline(pm.timeline, tmp, fmt=".csv"),
        "phases.csv": lambda tmp: pm.phases.to_csv(tmp, index=False),
        "postmortem.json": lambda tmp: Path(tmp).write_text(to_json(pm.as_json()) + "\n"),
    }
    try:
        for name, fn in files.items():
            write_atomically(out / name, fn)
    except OSError as err:
        raise DrsimError(f"--out {out}: cannot write ({err.strerror})") from None


def _f(x, unit: str = "s") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "never" if math.isinf(x) else f"{x:.1f} {unit}"


def _p(x) -> str:
    return "-" if x is None else f"p{x:.0f}"


def format_postmortem(pm) -> str:
    lines = [(f"{pm.scenario}: {len(pm.runs)} run(s) beside {pm.trials:,} simulated trials "
             f"(seed {pm.seed})")]
    for run in pm.runs:
        lines += ["", f"run {run['run_id']} ({run['source']}, {run['file']})",
                  (f"  {'phase':<16}{'measured':>11}{'sim p50':>11}{'percentile':>12}"
                  f"{'RTO if modelled':>17}")]
        for name, ph in run["phases"].items():
            lines.append(f"  {name:<16}{_f(ph['measured_s']):>11}{_f(ph['simulated_p50_s']):>11}"
                         f"{_p(ph['percentile']):>12}{_f(ph['rto_if_modelled_s']):>17}")
        for name in ("first_success_s", "rto_s", "probe_rto_s"):
            pct = run[f"{name.removesuffix('_s')}_percentile"]
            lines.append(f"  {name:<16}{_f(run[name]):>11}{'':>11}{_p(pct):>12}")
        deviant = run["most_deviant_phase"]
        if deviant is None:
            lines.append("  no phase deviated from the model by a second or more")
        else:
            lines.append(f"  most deviant: {deviant} ({_p(run['phases'][deviant]['percentile'])});"
                         f" RTO had it behaved as modelled: {_f(run['rto_if_modelled_s'])}")
    unplaced = pm.unplaced_events
    if unplaced:
        lines += ["", f"{len(unplaced)} record(s) not placed (--map NAME=EVENT places them):"]
        lines += [f"  {u['where']}: {u['name']!r} ({u['kind']})" for u in unplaced]
    return "\n".join(lines)
