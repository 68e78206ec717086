"""Records -> the shared timeline: mapping, the fault moment, the scenario's runbook.

:func:`place` is what every importer ends with. Times become seconds since the
fault: the fault moment is ``--fault-at`` when given, else the earliest record
mapped to ``fault_injected``; a run with neither is refused, as is an event
mapped before the fault (but a ``write_lost``, acknowledged before it). A runbook step that is not a step of the scenario's
runbook is refused (the timeline is another scenario's). Records no mapping
places are listed in :attr:`Imported.unplaced`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from drsim.errors import DrsimError
from drsim.gameday.imports.mapping import STEP_EVENTS, Record, Target, normalised
from drsim.timeline import Event, to_frame

BEFORE_FAULT_OK = ("write_lost",)
"""Events that may come before the fault: a lost write's moment is its acknowledgement,
inside the replication lag before the fault (the RPO window)."""
DefaultMapping = Callable[[Record, tuple[str, ...]], "Target | None"]
"""An importer's default mapping: ``(record, runbook step names) -> Target or None``."""


@dataclass(frozen=True)
class Imported:
    """One imported file.

    path, format : the file and the format it was read as (for several files made one
        run, :func:`drsim.gameday.imports.import_run`, the first and ``fis+arc``...).
    merged_with : the other files of that one run.
    timeline : the shared timeline (:data:`drsim.timeline.COLUMNS`), seconds since the fault.
    unplaced : the records no mapping placed, each ``{"file", "run_id", "where", "name",
        "kind", "t_s", "why"}`` (``t_s`` since the fault, None when there is none). [s]
    fault_utc : each run's fault moment as ISO-8601 UTC (None for a drsim timeline,
        whose times are already since the fault).
    """

    path: Path
    format: str
    timeline: pd.DataFrame = field(repr=False)
    unplaced: list[dict] = field(default_factory=list)
    fault_utc: dict[str, str | None] = field(default_factory=dict)
    merged_with: tuple[Path, ...] = ()

    @property
    def run_ids(self) -> list[str]:
        return list(dict.fromkeys(self.timeline["run_id"]))


@dataclass(frozen=True)
class _Placed:
    t: float
    event: str
    component: str
    detail: str
    where: str


def _target(rec: Record, overrides: dict[str, Target], default: DefaultMapping,
            steps: tuple[str, ...]) -> Target | None:
    return overrides.get(normalised(rec.name)) or default(rec, steps)


def _events(rec: Record, target: Target) -> list[_Placed]:
    """What one mapped record puts in the timeline (epoch or relative seconds)."""
    if math.isnan(rec.start_t):
        raise DrsimError(f"{rec.where}: mapped to {target}, but it has no start time "
                         f"({rec.kind}); it never happened")
    end = rec.end_t if rec.end_t is not None else rec.start_t
    if target.event == "step":
        step = target.step or normalised(rec.name)
        out = [_Placed(rec.start_t, "step_started", step, rec.detail, rec.where)]
        if rec.end_t is not None:
            out.append(_Placed(rec.end_t, "step_failed" if rec.failed else "step_finished",
                               step, rec.detail, rec.where))
        return out
    t = end if target.at == "end" else rec.start_t
    return [_Placed(t, target.event, rec.component, rec.detail, rec.where)]


def iso_utc(t: float) -> str:
    """Epoch seconds as ISO-8601 UTC text (milliseconds). [s]"""
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds")


def _check_steps(placed: Iterable[_Placed], steps: tuple[str, ...] | None, scenario_name: str):
    if steps is None:
        return
    for p in placed:
        if p.event in STEP_EVENTS and p.component not in steps:
            raise DrsimError(
                f"{p.where}: runbook step {p.component!r} is not a step of {scenario_name}'s "
                f"runbook ({', '.join(steps)}); a timeline of another runbook, or map it: "
                f"--map 'NAME=step:{steps[0] if steps else 'STEP'}'")


def _fault_t(placed: list[_Placed], fault_at: float | None, where: str, hint: str) -> float:
    if fault_at is not None:
        return fault_at
    faults = [p.t for p in placed if p.event == "fault_injected"]
    if not faults:
        raise DrsimError(f"{where}: no fault moment: nothing in it is mapped to fault_injected "
                         f"({hint}); give the moment with --fault-at 2026-11-30T14:00:00Z, or "
                         "--map NAME=fault_injected")
    return min(faults)


def place(path: Path, fmt: str, records: list[Record], default: DefaultMapping, *,
          overrides: dict[str, Target] | None = None, fault_at: float | None = None,
          scenario=None, no_fault_hint: str = "") -> Imported:
    """Map ``records`` (of one or more runs) and build the timeline.

    Parameters
    ----------
    path, fmt : the file and its format, for messages and the result.
    records : what the importer read.
    default : the format's default mapping.
    overrides : ``--map`` / ``--map-file`` targets by normalised name.
    fault_at : ``--fault-at`` as epoch seconds, or None. [s]
    scenario : the scenario the runs played (a :class:`drsim.scenario.Scenario`), or
        None: with it, runbook steps are checked against its runbook and a
        ``failover_decided`` without detail gets the scenario's way of deciding.
    no_fault_hint : what in this format would give the fault moment (for the message).
    """
    if not records:
        raise DrsimError(f"{path}: nothing in it: no rows, activities, actions or steps")
    overrides = overrides or {}
    steps = tuple(s.name for s in scenario.runbook) if scenario is not None else None
    how = _decision_detail(scenario)
    runs: dict[str, list[Record]] = {}
    for rec in records:
        runs.setdefault(rec.run_id, []).append(rec)
    events, unplaced, faults = [], [], {}
    for run_id, recs in runs.items():
        placed, left = [], []
        for rec in recs:
            target = _target(rec, overrides, default, steps or ())
            (left.append(rec) if target is None else placed.extend(_events(rec, target)))
        _check_steps(placed, steps, scenario.name if scenario is not None else "")
        relative = bool(recs) and recs[0].relative
        if relative and fault_at is not None:
            raise DrsimError(f"--fault-at: {path} is a drsim timeline, its times are already "
                             "seconds since the fault")
        t0 = 0.0 if relative else _fault_t(placed, fault_at, str(path), no_fault_hint)
        faults[run_id] = None if relative else iso_utc(t0)
        source = recs[0].source
        for p in placed:
            # Absolute times to the microsecond (as drsim's AWS collector); a drsim
            # timeline's own seconds untouched, so its phases come out bit for bit.
            t_s = p.t if relative else round(p.t - t0, 6)
            if t_s < 0 and p.event not in BEFORE_FAULT_OK:
                raise DrsimError(f"{p.where}: {p.event} at {_when(p.t, relative)} is "
                                 f"{-t_s:g} s before the fault (at {_when(t0, relative)}); "
                                 "events are measured from the fault: give the fault moment "
                                 "with --fault-at, or fix the record")
            detail = _decided_detail(p.detail, how) if p.event == "failover_decided" else p.detail
            events.append(Event(run_id, source, t_s, p.event, p.component, detail))
        if not relative and fault_at is not None and not any(
                p.event == "fault_injected" for p in placed):
            events.append(Event(run_id, source, 0.0, "fault_injected", "", "--fault-at"))
        unplaced += [_unplaced(path, run_id, rec, t0) for rec in left]
    return Imported(Path(path), fmt, to_frame(events), unplaced, faults)


def _decision_detail(scenario) -> str:
    """How the scenario decides, as the timeline's ``failover_decided`` detail says it
    (:func:`drsim.timeline.phases` reads ``manual`` and ``automatic (alarm)``)."""
    if scenario is None:
        return ""
    d = scenario.decision
    return "manual" if d.mode == "manual" else f"automatic ({d.trigger})"


def _decided_detail(detail: str, how: str) -> str:
    """A decision's detail as :func:`drsim.timeline.phases` reads it: a record's own
    words (``manual: ...``, ``automatic (alarm)``) stand; other text is prefixed with
    how the scenario decides (``manual: fail over now``)."""
    if not how or detail.startswith(("manual", "automatic")):
        return detail
    return f"{how}: {detail}" if detail else how


def _when(t: float, relative: bool) -> str:
    return f"t_s {t:g}" if relative else iso_utc(t)


def _unplaced(path: Path, run_id: str, rec: Record, t0: float) -> dict:
    t_s = round(rec.start_t - t0, 6)
    return {"file": rec.file or str(path), "run_id": run_id, "where": rec.where, "name": rec.name,
            "kind": rec.kind, "t_s": t_s if math.isfinite(t_s) else None,
            "why": f"no mapping for {rec.name!r}: --map '{rec.name}=EVENT' places it"}
