"""Run N local game days of a scenario and measure them.

This is the function behind ``drsim gameday local``; notebooks call it too.
Setting the runs beside the simulation of the same scenario is
:mod:`drsim.compare.gameday`'s work: nothing here knows the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.errors import DrsimError
from drsim.gameday.local.run import Options, RunResult, check_scenario, run_once, scenario_db_name
from drsim.gameday.local.signals import terminate_as_interrupt
from drsim.gameday.measure import percentiles
from drsim.jsontext import to_json
from drsim.scenario.model import FAILURE_MODES, Scenario
from drsim.summary import Stats
from drsim.timeline import write_timeline


@dataclass
class GamedayReport:
    """What :func:`local_gamedays` returns.

    scenario : the scenario the runs played (with the injected fault as ``failure.mode``).
    runs : one :class:`RunResult` per game day.
    measured : summary of the measured runs: ``runs``, ``recovered_runs``, ``acked_writes``
        and :class:`drsim.summary.Stats` of ``rto_s``, ``detect_s``, ``first_success_s``,
        ``probe_rto_s`` (the external probe's), ``wall_s`` and (per datastore) ``rpo_s`` and ``lost_writes``; its JSON is
        ``as_json()["measured"]``.
    """

    scenario: Scenario
    runs: list[RunResult]
    measured: dict

    @property
    def timeline(self) -> pd.DataFrame:
        """Every run's timeline, one frame."""
        return pd.concat([r.timeline for r in self.runs], ignore_index=True)

    def as_json(self) -> dict:
        return {
            "scenario": self.scenario.name,
            "fault": self.scenario.failure.mode,
            "runs": [r.summary for r in self.runs],
            "measured": _measured_json(self.measured),
        }


def _measured_json(measured: dict) -> dict:
    """``measured`` with each :class:`Stats` as its dict (``{"n", "mean", ..., "max"}``)."""
    def one(v):
        if isinstance(v, Stats):
            return v.as_dict()
        return {k: one(x) for k, x in v.items()} if isinstance(v, dict) else v

    return one(measured)


def summarise(scenario: Scenario, runs: list, db_name: str | None = None) -> dict:
    """The ``measured`` summary of game-day runs (local or AWS: anything whose
    ``summary`` has ``recovered``, ``rto_s``, ``detect_s``, ``first_success_s``,
    ``probe_rto_s``, ``rpo_s``, ``lost_writes``, ``writes`` and ``wall_s``).

    db_name : the reconciled datastore (default: the local stack's database).
    """
    ds = db_name or scenario_db_name(scenario)
    col = lambda key: [getattr(r.summary, key) for r in runs]
    return {
        "runs": len(runs),
        "recovered_runs": sum(r.summary.recovered for r in runs),
        # A run that ended before recovering counts as never recovered (inf),
        # not as a run that was not there.
        "rto_s": percentiles(col("rto_s"), not_reached_is_inf=True),
        "detect_s": percentiles(col("detect_s"), not_reached_is_inf=True),
        "first_success_s": percentiles(col("first_success_s"), not_reached_is_inf=True),
        "probe_rto_s": percentiles(col("probe_rto_s"), not_reached_is_inf=True),
        "rpo_s": {ds: percentiles(col("rpo_s"))},
        "lost_writes": {ds: percentiles(col("lost_writes"))},
        "acked_writes": int(sum((r.summary.writes or {}).get("acked", 0) for r in runs)),
        "wall_s": percentiles(col("wall_s")),
    }


def local_gamedays(scenario: Scenario, *, fault: str | None = None, runs: int = 1,
                   seed: int = defaults.SEED,
                   options: Options | None = None, out_dir: str | Path | None = None,
                   log=None) -> GamedayReport:
    """Run ``runs`` local game days of ``scenario`` and measure them.

    Parameters
    ----------
    scenario : a ``platform: local`` scenario.
    fault : failure mode to inject (default: the scenario's ``failure.mode``); the
        report's ``scenario`` has it as its ``failure.mode``.
    runs : number of game days, each on a fresh stack. [-]
    seed : root seed; run ``i`` draws its fault moment and checker phases from
        ``SeedSequence(seed).spawn(runs)[i]``.
    options : knobs of the local stack (link latency, timeouts).
    out_dir : where to write each run's timeline, journals and summary, and the
        report; nothing is written when None.
    log : a stream for progress lines, or None.
    """
    if fault is not None and fault not in FAILURE_MODES:
        raise DrsimError(f"fault {fault!r} is not one of {', '.join(FAILURE_MODES)}")
    if not isinstance(runs, (int, np.integer)) or runs < 1:
        raise DrsimError(f"runs: {runs!r} is not a whole number >= 1")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DrsimError(f"seed: {seed!r} is not a non-negative whole number")
    if fault is not None and fault != scenario.failure.mode:
        scenario = scenario.with_overrides({"failure.mode": fault})
    check_scenario(scenario)
    from drsim.gameday.local import postgres

    postgres.check_binaries()
    seeds = np.random.SeedSequence(seed).spawn(runs)
    results: list[RunResult] = []
    with terminate_as_interrupt():
        for i, ss in enumerate(seeds):
            run_id = f"{scenario.name}/{scenario.failure.mode}/seed-{seed}/run-{i}"
            results.append(run_once(scenario, fault=scenario.failure.mode, seed_seq=ss,
                                    run_id=run_id, options=options, log=log))
    report = GamedayReport(scenario, results, summarise(scenario, results))
    if out_dir is not None:
        write_report(report, out_dir)
    return report


def write_report(report: GamedayReport, out_dir: str | Path) -> Path:
    """Write every run's records and the report under ``out_dir``; returns it.

    Layout: ``report.json``, ``timeline.csv`` (all runs) and for each run
    ``run-N/{timeline.csv, journal.csv, acked.csv, probe.csv, lost_writes.csv, summary.json}``
    (:func:`drsim.compare.gameday.write_comparison` adds the comparison with the
    simulation to the same folder).
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for i, r in enumerate(report.runs):
            d = out / f"run-{i}"
            d.mkdir(exist_ok=True)
            write_timeline(r.timeline, d / "timeline.csv")
            r.journal.to_csv(d / "journal.csv", index=False)
            r.acked.to_csv(d / "acked.csv", index=False)
            if r.probe is not None:
                r.probe.to_csv(d / "probe.csv", index=False)
            if r.reconciliation is not None:
                r.reconciliation.lost_writes.to_csv(d / "lost_writes.csv", index=False)
            (d / "summary.json").write_text(to_json(r.summary) + "\n")
        write_timeline(report.timeline, out / "timeline.csv")
        (out / "report.json").write_text(to_json(report.as_json()) + "\n")
    except OSError as err:
        raise DrsimError(f"cannot write the game day report to {out}: {err.strerror}") from None
    return out
