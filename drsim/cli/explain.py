"""``drsim explain SCENARIO --trial N | --percentile P``: one trial, event by event."""

from __future__ import annotations

import math
from pathlib import Path

from drsim.cli.common import (
    SCENARIO_HELP,
    add_run_options,
    add_set_option,
    load,
    print_warnings,
    to_json,
    write_atomically,
)
from drsim.errors import DrsimError

TIMELINE_SUFFIXES = (".csv", ".jsonl")


def register(sub) -> None:
    p = sub.add_parser(
        "explain", help="tell one trial event by event (by index, or the trial at a percentile)",
        description="Re-run one trial of the Monte Carlo run of SEED alone and tell it event "
                    "by event, with its phase durations: trial N (--trial), or the trial "
                    "whose RTO (or --metric) is the P-th percentile of --trials trials "
                    "(--percentile). The trial numbers are those of drsim simulate with the "
                    "same seed, so a trial seen in its --out table can be explained here.")
    p.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--trial", type=int, metavar="N", help="the trial's index (from 0)")
    which.add_argument("--percentile", type=float, metavar="P",
                       help="the trial at the P-th percentile (0..100) of --metric")
    p.add_argument("--metric", default=None, metavar="COLUMN",
                   help="what --percentile ranks: rto_s, probe_rto_s, first_success_s, "
                        "detect_s or rpo_s.DATASTORE (default: the RTO the objectives name)")
    add_run_options(p, trials="trials of the run, as drsim simulate", seed="root seed",
                    workers="worker processes for --percentile; the trial is the same for "
                            "any number")
    add_set_option(p)
    p.add_argument("--timeline", metavar="FILE",
                   help="also write the trial's event timeline (.csv or .jsonl)")
    p.add_argument("--json", action="store_true", help="print the trial as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.sim.explain import explain_percentile, explain_trial
    from drsim.sim.montecarlo import MAX_TRIALS, rto_column
    from drsim.timeline import write_timeline

    if args.timeline and Path(args.timeline).suffix not in TIMELINE_SUFFIXES:
        raise DrsimError(f"--timeline {args.timeline}: the file name must end in "
                         f"{' or '.join(TIMELINE_SUFFIXES)}")
    if not 1 <= args.trials <= MAX_TRIALS:
        raise DrsimError(f"--trials: {args.trials} is outside 1..{MAX_TRIALS:,}")
    if args.seed < 0:
        raise DrsimError(f"--seed: {args.seed} is not a non-negative whole number")
    if args.trial is not None and not 0 <= args.trial < args.trials:
        raise DrsimError(f"--trial: {args.trial} is outside 0..{args.trials - 1} "
                         f"(a run of --trials {args.trials})")
    if args.percentile is not None and not 0 <= args.percentile <= 100:
        raise DrsimError(f"--percentile: {args.percentile:g} is outside 0..100")
    scenario = load(args.scenario, args)
    if args.trial is not None:
        if args.metric is not None:
            raise DrsimError("--metric: only with --percentile (it says what the percentile ranks)")
        story = explain_trial(scenario, args.trial, args.seed)
    else:
        metric = args.metric or rto_column(scenario)
        story = explain_percentile(scenario, args.percentile, metric=metric, trials=args.trials,
                                   seed=args.seed, workers=args.workers)
    # As simulate does (the story has the same caveats), once the arguments have passed:
    # bad input gets its one message alone.
    print_warnings(scenario, args.scenario, deployment=False)
    if args.timeline:
        suffix = Path(args.timeline).suffix
        write_atomically(args.timeline,
                         lambda tmp: write_timeline(story.timeline, tmp, fmt=suffix))
    print(to_json(as_dict(story, args.trials)) if args.json else as_text(story, args.trials))
    return 0


def as_dict(story, trials: int) -> dict:
    """The ``--json`` shape: how the trial was chosen, its figures, phases and events."""
    return {  # every event, not collapsed: JSON is read by programs
        "scenario": story.scenario, "seed": story.seed, "trials": trials,
        "trial": story.trial, "metric": story.metric, "percentile": story.percentile,
        "value_s": float(story.row[story.metric]) if story.metric else None,
        "phases": story.phases,
        "row": dict(story.row),
        "events": story.timeline.drop(columns=["run_id", "source"]).to_dict("records"),
    }


def as_text(story, trials: int) -> str:
    """The trial told line by line: what happened when, then its phases and figures."""
    from drsim.sim.explain import collapsed_events

    head = f"{story.scenario}: trial {story.trial} of {trials:,} (seed {story.seed})"
    if story.metric:
        head += (f", the p{story.percentile:g} trial of {story.metric}: "
                 f"{_s(story.row[story.metric])} s")
    lines = [head, f"(again alone: drsim explain {story.scenario} --trial {story.trial} "
                   f"--seed {story.seed})", "", f"{'t [s]':>21}  {'event':<22}{'component':<24}detail"]
    for e in collapsed_events(story.timeline):
        when = _s(e["t_s"]) if e["count"] == 1 else f"{_s(e['t_s'])} .. {_s(e['until_s'])}"
        event = e["event"] if e["count"] == 1 else f"{e['event']} x{e['count']}"
        comps = e["components"]
        comp = comps[0] if len(comps) == 1 else f"{comps[0]} .. {comps[-1]} ({len(comps)})"
        lines.append(f"{when:>21}  {event:<22}{comp:<24}{e['detail']}".rstrip())
    phases = "  ".join(f"{k.removesuffix('_s')} {_s(v)}" for k, v in story.phases.items())
    lines += ["", f"phases [s]: {phases}"]
    lines.append("recovery [s]: " + "  ".join(
        f"{k} {_s(story.row[k])}" for k in ("first_success_s", "rto_s", "probe_rto_s")))
    rpo = {k.removeprefix("rpo_s."): v for k, v in story.row.items() if k.startswith("rpo_s.")}
    if rpo:
        lines.append("RPO [s]: " + "  ".join(f"{k} {_s(v)}" for k, v in rpo.items()))
    return "\n".join(lines)


def _s(x: float) -> str:
    """Seconds to read: thousands separated, one decimal, ``never`` for inf."""
    return "never" if math.isinf(x) else f"{x:,.1f}"
