"""What notebook 06-postmortem shows: measured runs from any tool beside the simulation.

The notebook's cells are short calls; the choices live here:

- :func:`postmortem_page` imports the files as ``drsim postmortem`` does (the same
  importers, mapping overrides and fault moment, :mod:`drsim.gameday.imports`) and
  sets them beside the simulation with :func:`drsim.compare.postmortem.postmortem`, so
  the page's numbers are the command's for the same input, trials and seed. With no
  files it takes the AWS game-day run shipped with drsim (CONSTRUCTED, not recorded:
  :mod:`drsim.gameday.aws.fixture`), replayed to its drsim timeline
  (:func:`replayed_fixture_timeline`) and imported like any timeline file.
- The median simulated trial, drawn beside the measured run, is the trial at the 50th
  percentile of the RTO among the very trials the runs are placed in
  (:func:`drsim.sim.explain.trial_at_percentile`, re-run alone with its events by
  :func:`drsim.sim.explain.explain_trial`: what ``explain_percentile(scenario, 50)``
  gives, without simulating a second time).
- Tables and figures below are built from the :class:`drsim.compare.postmortem.Postmortem`.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from drsim import defaults
from drsim.errors import DrsimError
from drsim.report.figures import PHASE_COLORS, PHASE_LABELS, WIDTH_IN, gantt_chart, time_unit
from drsim.rules import PHASES

FORMATS = ("auto", "drsim", "chaostoolkit", "fis", "arc", "incident")
"""The ``format`` parameter's values (``drsim postmortem --format``)."""
PANELS = (*PHASES, "rto_s")
"""The distributions figure's panels: each phase, then the RTO. [s]"""
PANEL_LABELS = {**PHASE_LABELS, "rto_s": "RTO"}
FIXTURE_NAME = "the shipped AWS game-day run (CONSTRUCTED, not recorded), replayed"
MAX_GANTT_RUNS = 4
"""The Gantt draws at most this many measured runs (the tables hold them all)."""
RUN_COLORS = ("#c33", "#e5ae38", "#2a7", "#a3c", "#333")
"""The measured marks of the first runs; later runs take them again."""


@dataclass(frozen=True, repr=False)
class PostmortemPage:
    """What the notebook has: the postmortem, the scenario simulated and the median trial.

    postmortem : :class:`drsim.compare.postmortem.Postmortem`.
    scenario : the :class:`drsim.scenario.Scenario` the runs are held against.
    median : the median simulated trial by RTO (:class:`drsim.sim.explain.TrialStory`).
    constructed : True when the runs are the shipped CONSTRUCTED AWS run (no files given).
    """

    postmortem: object
    scenario: object
    median: object
    constructed: bool

    def __repr__(self) -> str:
        return f"PostmortemPage({self.postmortem!r}, constructed={self.constructed})"

    def headline(self) -> str:
        """One paragraph (Markdown): what was imported, against what, and loudly when the
        run is the CONSTRUCTED one."""
        pm = self.postmortem
        files = ", ".join(f"`{i.path}` ({i.format})" for i in pm.imports)
        text = (f"**{len(pm.runs)} run(s)** imported from {files}, set beside "
                f"{pm.trials:,} simulated trials of `{pm.scenario}` "
                f"(`{self.scenario.failure.mode}`, seed {pm.seed}); "
                f"{len(pm.unplaced_events)} record(s) not placed.")
        if self.constructed:
            text += ("\n\n**CONSTRUCTED, NOT A MEASUREMENT.** No files were given, so this page "
                     f"shows {FIXTURE_NAME}: its figures show what a postmortem does and "
                     "measure nothing. Give your own in `timelines`.")
        return text

    def record(self) -> dict:
        """The postmortem as ``drsim postmortem --json`` prints it, and whether it is the
        CONSTRUCTED run."""
        return {**self.postmortem.as_json(), "constructed": self.constructed,
                "median_trial": self.median.trial}


def replayed_fixture_timeline(out_dir: str | Path) -> Path:
    """Replay the shipped CONSTRUCTED AWS run to its drsim timeline, written as
    ``out_dir/timeline.csv`` (what ``drsim gameday aws replay --out`` writes); returns it."""
    from drsim.gameday.aws import aws_gamedays
    from drsim.gameday.aws.fixture import fixture_run_dir
    from drsim.timeline import write_timeline

    gamedays = aws_gamedays(fixture_run_dir())
    path = Path(out_dir) / "timeline.csv"
    write_timeline(gamedays.timeline, path)
    return path


def _check_params(timelines, fmt, mapping, fault_at, trials, seed) -> None:
    from drsim.sim.montecarlo import MAX_TRIALS

    if not isinstance(timelines, (list, tuple)) or not all(
            isinstance(t, (str, Path)) for t in timelines):
        raise DrsimError(f"timelines: {timelines!r} is not a list of file paths")
    if fmt not in FORMATS:
        raise DrsimError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if not isinstance(mapping, dict):
        raise DrsimError(f"mapping: {mapping!r} is not a dict of NAME: TARGET")
    if not isinstance(fault_at, str):
        raise DrsimError(f"fault_at: {fault_at!r} is not ISO-8601 text (empty: the record's)")
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
        raise DrsimError(f"trials: {trials!r} is outside 1..{MAX_TRIALS:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DrsimError(f"seed: {seed!r} is not a non-negative whole number")


def import_files(timelines, fmt: str = "auto", *, mapping: dict | None = None,
                 fault_at: str = "", one_run: bool = False, scenario) -> list:
    """Each file imported as ``drsim postmortem FILE... --format fmt --map NAME=TARGET
    --fault-at ISO`` imports it (:func:`drsim.gameday.imports.import_timeline`), or with
    ``one_run`` all of them as one run (``--one-run``,
    :func:`drsim.gameday.imports.import_run`); a run given twice is refused as the
    command refuses it."""
    from drsim.gameday.imports import import_files, parse_map_options

    overrides = parse_map_options([f"{k}={v}" for k, v in (mapping or {}).items()])
    return import_files(timelines, fmt, overrides=overrides, fault_at=fault_at or None,
                        one_run=one_run, scenario=scenario)


def postmortem_page(timelines=(), fmt: str = "auto", *, mapping: dict | None = None,
                    fault_at: str = "", one_run: bool = False,
                    scenario: str = "seed-warm-standby",
                    overrides: dict | None = None, trials: int = defaults.TRIALS,
                    seed: int = defaults.SEED) -> PostmortemPage:
    """Import ``timelines`` and set them beside ``trials`` simulated trials of ``scenario``.

    Parameters
    ----------
    timelines : the files (drsim timelines, Chaos Toolkit journals, FIS and ARC responses,
        incident CSVs); empty: the shipped CONSTRUCTED AWS run, replayed.
    fmt : one of :data:`FORMATS` (``auto``: from each file's suffix and content).
    mapping : record NAME -> TARGET overrides (``--map NAME=TARGET``).
    fault_at : the fault moment, ISO-8601 with Z or an offset; empty: the record's.
    one_run : the files recorded one run between them (``--one-run``: e.g. the FIS
        experiment that injected the fault and the ARC execution that failed over).
    scenario, overrides : the scenario the runs played (bundled name or path) and its
        overrides by dotted path (``--set``).
    trials, seed : of the simulation. [-]
    """
    from drsim.compare.postmortem import postmortem
    from drsim.scenario import load_scenario
    from drsim.sim.explain import explain_trial, trial_at_percentile

    mapping = {} if mapping is None else mapping
    _check_params(timelines, fmt, mapping, fault_at, trials, seed)
    if not isinstance(one_run, bool):
        raise DrsimError(f"one_run: {one_run!r} is not True or False")
    timelines = list(timelines)
    s = load_scenario(scenario, overrides or {})
    if timelines:
        imports = import_files(timelines, fmt, mapping=mapping, fault_at=fault_at,
                               one_run=one_run, scenario=s)
    else:
        with tempfile.TemporaryDirectory(prefix="drsim-postmortem-") as tmp:
            # the importers read whole files, so nothing is read after the folder goes
            imports = import_files([replayed_fixture_timeline(tmp)], "drsim", mapping=mapping,
                                   fault_at=fault_at, scenario=s)
        from dataclasses import replace

        from drsim.gameday.aws.fixture import fixture_run_dir

        imports = [replace(i, path=fixture_run_dir()) for i in imports]
    pm = postmortem(imports, s, trials=trials, seed=seed)
    sim = pm.simulated_trials
    index = int(sim["trial"].iloc[trial_at_percentile(sim["rto_s"], 50)])
    return PostmortemPage(pm, s, explain_trial(s, index, seed), constructed=not timelines)


# ---- tables -----------------------------------------------------------------------------

def imported_table(pm) -> pd.DataFrame:
    """Each file: its format, the runs in it, the events placed and the records not. [-]"""
    rows = []
    for imp in pm.imports:
        rows.append({"file": " + ".join(str(p) for p in (imp.path, *imp.merged_with)),
                     "format": imp.format, "runs": ", ".join(imp.run_ids),
                     "events placed": len(imp.timeline), "not placed": len(imp.unplaced)})
    return pd.DataFrame(rows)


def unplaced_table(pm) -> pd.DataFrame | None:
    """The records no mapping placed (where, name, kind, seconds since the fault, why);
    None when every record was placed. [s]"""
    if not pm.unplaced_events:
        return None
    cols = ["run_id", "where", "name", "kind", "t_s", "why"]
    return pd.DataFrame(pm.unplaced_events).reindex(columns=cols)


def phases_table(pm) -> pd.DataFrame:
    """Per run and phase: measured, its percentile in the simulation, the simulated
    median, the difference and the RTO had the phase taken its simulated median; then
    each run's first success, RTO and probe RTO with their percentiles. [s], [%]"""
    rows = pm.to_frame().to_dict(orient="records")
    for run in pm.runs:
        for name in ("first_success_s", "rto_s", "probe_rto_s"):
            rows.append({"run_id": run["run_id"], "phase": name, "measured_s": run[name],
                         "percentile": run[f"{name.removesuffix('_s')}_percentile"]})
    cols = list(pm.to_frame().columns)
    table = pd.DataFrame(rows, columns=cols).sort_values("run_id", kind="stable")
    table["most_deviant"] = table["most_deviant"].map({True: "yes", False: ""}).fillna("")
    return table.reset_index(drop=True).round(3)


def deviant_note(pm) -> str:
    """Per run, the phase most unlike the model and the RTO had it behaved as modelled
    (Markdown). [s]"""
    lines = []
    for run in pm.runs:
        d = run["most_deviant_phase"]
        if d is None:
            lines.append(f"- `{run['run_id']}`: no phase deviated from its simulated median "
                         "by a second or more.")
            continue
        ph = run["phases"][d]
        what_if = (f"Had it behaved as modelled, the RTO would have been "
                   f"**{_s(run['rto_if_modelled_s'])}** instead of {_s(run['rto_s'])}."
                   if run["rto_if_modelled_s"] is not None else
                   "The record does not give every moment from the fault to recovery, so "
                   "the RTO had it behaved as modelled cannot be told.")
        lines.append(f"- `{run['run_id']}`: **{PHASE_LABELS[d]}** (`{d}`) deviated most: "
                     f"{ph['measured_s']:,.1f} s measured against a simulated median of "
                     f"{ph['simulated_p50_s']:,.1f} s (percentile {ph['percentile']:.0f}). "
                     + what_if)
    return "\n".join(lines)


def _s(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "not measured"
    return "never" if math.isinf(x) else f"{x:,.1f} s"


# ---- figures ----------------------------------------------------------------------------

def distributions_figure(pm) -> Figure:
    """One panel per phase (and the RTO): the simulated distribution as a histogram of the
    share of trials, up to its 99th percentile (or the measured value, if larger), each
    run's measured duration a vertical line labelled with its percentile. Each panel in
    the unit its own values need (:func:`drsim.report.figures.time_unit`)."""
    sim = pm.simulated_trials
    cols = 3
    rows = math.ceil(len(PANELS) / cols)
    fig = Figure(figsize=(WIDTH_IN, 2.9 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, name in zip(axes, PANELS):
        values = sim[name].to_numpy(float)
        values = values[np.isfinite(values)]
        measured = [(run, _measured(run, name)) for run in pm.runs]
        shown = [m for _, m in measured if m is not None and math.isfinite(m)]
        top = max([float(np.percentile(values, 99)) if len(values) else 1.0, *shown])
        unit, k = time_unit(top)
        hi = top * 1.05 / k if top > 0 else 1.0
        ax.hist(values / k, bins=40, range=(0.0, hi), weights=np.full(len(values),
                100.0 / max(len(values), 1)), color=PHASE_COLORS.get(name, "#9ab"), alpha=0.6,
                label="simulated")
        for i, (run, m) in enumerate(measured):
            if m is None or not math.isfinite(m):
                continue
            pct = _percentile(run, name)
            ax.axvline(m / k, color=RUN_COLORS[i % len(RUN_COLORS)], linewidth=2,
                       label=f"{_short(run['run_id'])}: p{pct:.0f}" if pct is not None
                       else _short(run["run_id"]))
        unmeasured = len(measured) - len(shown)
        title = PANEL_LABELS[name] + (f" ({unmeasured} run(s) not measured)" if unmeasured
                                      else "")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"{PANEL_LABELS[name]} [{unit}]")
        ax.set_ylabel("simulated trials [%]")
        ax.set_xlim(0.0, hi)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    for ax in axes[len(PANELS):]:
        ax.set_visible(False)
    fig.suptitle(f"{pm.scenario}: measured (lines) in {pm.trials:,} simulated trials "
                 f"(seed {pm.seed})", fontsize=11)
    return fig


def _measured(run: dict, name: str) -> float | None:
    return run["phases"][name]["measured_s"] if name in run["phases"] else run[name]


def _percentile(run: dict, name: str) -> float | None:
    if name in run["phases"]:
        return run["phases"][name]["percentile"]
    return run[f"{name.removesuffix('_s')}_percentile"]


def _short(run_id: str, width: int = 24) -> str:
    return run_id if len(run_id) <= width else "…" + run_id[-(width - 1):]


def gantt_figure(page: PostmortemPage, runs: int = MAX_GANTT_RUNS) -> Figure:
    """The first ``runs`` measured runs, each above the median simulated trial, on one
    time axis (:func:`drsim.report.figures.gantt_chart`)."""
    pm = page.postmortem
    shown = [r["run_id"] for r in pm.runs[:max(int(runs), 1)]]
    tl = pm.timeline
    story = page.median
    both = pd.concat([tl[tl["run_id"].isin(shown)], story.timeline], ignore_index=True)
    sim_run = str(story.timeline["run_id"].iloc[0])
    fig = gantt_chart(both, [*((f"measured: {_short(r, 40)}", r) for r in shown),
                             (f"median simulated trial #{story.trial}", sim_run)])
    more = len(pm.runs) - len(shown)
    fig.suptitle(f"{pm.scenario}: measured beside the median of {pm.trials:,} simulated "
                 "trials (by RTO)" + (f"; {more} more run(s) in the tables" if more else ""),
                 fontsize=11)
    return fig
