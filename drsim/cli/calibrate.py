"""``drsim calibrate TIMELINE... --scenario S --out OVERLAY.yaml``: fit a scenario's
durations to measured runs and write the calibrated scenario as an overlay."""

from __future__ import annotations

import os
from pathlib import Path

from drsim.cli.common import SCENARIO_HELP, print_warnings, to_json, write_atomically
from drsim.cli.postmortem import FORMAT_CHOICES
from drsim.errors import DrsimError


def register(sub) -> None:
    from drsim import defaults
    from drsim.compare.calibrate.fit import BOOTSTRAP, EMPIRICAL_MIN_OBSERVATIONS
    from drsim.compare.calibrate.holdout import TRIALS

    p = sub.add_parser(
        "calibrate", help="fit a scenario's durations to measured runs; write an overlay",
        description="Fit the durations the timelines measure (decision, each runbook step's "
                    "attempts and failures, DNS propagation, the standby's readiness) as "
                    "lognormal by maximum likelihood, or empirical from "
                    f"{EMPIRICAL_MIN_OBSERVATIONS} observations on, with bootstrap intervals; "
                    "write a scenario that extends SCENARIO and sets only the fitted fields "
                    "(each with its source); print each field before and after, and a "
                    "held-out validation (leave-one-out up to 10 runs, else 5-fold): the "
                    "held-out runs' RTO against the simulation before and after.")
    p.add_argument("timelines", nargs="+", metavar="TIMELINE",
                   help="measured runs in drsim's timeline format (.csv or .jsonl: game days, "
                        "drsim simulate --timeline); at least 3 runs in all")
    p.add_argument("--scenario", required=True, metavar="SCENARIO", help=SCENARIO_HELP)
    p.add_argument("--format", default="auto", choices=FORMAT_CHOICES, metavar="FORMAT",
                   help=f"the files' format, imported as drsim postmortem imports them: "
                        f"{', '.join(FORMAT_CHOICES)} (default auto: from the suffix and content)")
    p.add_argument("--map", dest="maps", action="append", default=[], metavar="NAME=TARGET",
                   help="place records named NAME as TARGET, as in drsim postmortem; may be "
                        "repeated")
    p.add_argument("--map-file", metavar="FILE", help="a YAML file of NAME: TARGET (--map wins)")
    p.add_argument("--fault-at", metavar="ISO",
                   help="the fault moment, ISO-8601 with Z or an offset (default: the record's)")
    p.add_argument("--out", required=True, metavar="OVERLAY.yaml",
                   help="the calibrated scenario to write (it extends SCENARIO)")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help="seeds the bootstrap and the validation's simulations "
                        f"(default {defaults.SEED})")
    p.add_argument("--trials", type=int, default=TRIALS,
                   help=f"trials of each of the validation's simulations (default {TRIALS:,})")
    p.add_argument("--bootstrap", type=int, default=BOOTSTRAP,
                   help=f"bootstrap resamples per interval (default {BOOTSTRAP:,})")
    p.add_argument("--no-validate", dest="validate", action="store_false",
                   help="skip the held-out validation (no simulation)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.compare.calibrate import calibrate, overlay_text
    from drsim.compare.calibrate.observe import check_steps
    from drsim.gameday.imports import import_timeline, parse_map_options
    from drsim.scenario import load_scenario
    from drsim.scenario.loader import scenario_from_yaml

    out = Path(args.out)
    if out.suffix != ".yaml":
        raise DrsimError(f"--out {out}: the overlay is a scenario file; its name must end in .yaml")
    if out.is_dir():
        raise DrsimError(f"--out {out}: is a directory")
    if args.trials < 1:
        raise DrsimError(f"--trials: {args.trials} is not a whole number >= 1")
    if args.bootstrap < 0:
        raise DrsimError(f"--bootstrap: {args.bootstrap} is not a whole number >= 0")
    scenario = load_scenario(args.scenario)
    extends = _extends(args.scenario, out)
    print_warnings(scenario, args.scenario, deployment=False)
    overrides = parse_map_options(args.maps, args.map_file)
    imports = [import_timeline(path, args.format, overrides=overrides, fault_at=args.fault_at,
                               scenario=scenario) for path in args.timelines]
    for imp in imports:
        check_steps(imp.timeline, scenario, str(imp.path))
    timeline = _unique_runs([imp.timeline for imp in imports], args.timelines)
    unplaced = sum(len(imp.unplaced) for imp in imports)
    result = calibrate(timeline, scenario, seed=args.seed, bootstrap=args.bootstrap,
                       trials=args.trials, validate=args.validate, name=", ".join(args.timelines))
    def text_of(base: str) -> str:
        return overlay_text(result.calibration, name=out.stem, extends=base,
                            files=[Path(p).name for p in args.timelines], bootstrap=args.bootstrap)

    # What drsim calibrate writes always validates: check it before writing (through the
    # base's absolute path when relative, as the overlay's folder may not exist yet).
    absolute = Path(args.scenario).resolve() if Path(args.scenario).is_file() else extends
    scenario_from_yaml(text_of(str(absolute)), source=str(out), base_dir=out.parent)
    text = text_of(extends)
    write_atomically(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    if args.json:
        print(to_json({**result.as_dict(), "overlay": str(out), "extends": extends,
                       "timelines": list(args.timelines), "unplaced_records": unplaced}))
    else:
        print(result.to_text())
        if unplaced:
            print(f"{unplaced} record(s) of the files are placed as no drsim event and measure "
                  "nothing here (drsim postmortem lists them; --map places them)")
        print(f"wrote {out}: extends {extends}; try drsim simulate {out}")
    return 0


def _extends(scenario: str, out: Path) -> str:
    """What the overlay's ``extends:`` names: the scenario's file relative to the overlay's
    folder, or a bundled scenario's name (which works from anywhere)."""
    from drsim.scenario.locate import bundled_file, scenario_file

    path = Path(scenario)
    if path.is_file():
        if out.resolve() == path.resolve():
            raise DrsimError(f"--out {out}: is the scenario being calibrated; the overlay "
                             "extends it, so write it to another file")
        return Path(os.path.relpath(path.resolve(), out.parent.resolve())).as_posix()
    found = bundled_file(scenario) or scenario_file(scenario)
    shadow = out.parent / found.name
    if shadow.is_file():
        # extends: looks beside the overlay first, so a file there would be the base.
        raise DrsimError(f"{shadow} exists beside {out}, so 'extends: {found.stem}' would read "
                         "it instead of the bundled scenario; nothing written")
    return found.stem


def _unique_runs(frames, paths):
    """The timelines as one, each run id prefixed with its file's name when two files
    use the same id (two game days both calling their runs ``run-1``)."""
    import pandas as pd

    ids = [set(df["run_id"]) for df in frames]
    clash = len(set().union(*ids)) < sum(len(i) for i in ids)
    if clash:
        frames = [df.assign(run_id=Path(p).name + ":" + df["run_id"].astype(str))
                  for df, p in zip(frames, paths)]
    return pd.concat(frames, ignore_index=True)
