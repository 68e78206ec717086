"""Measured failovers from other tools, into the shared timeline.

Teams bring timelines from elsewhere: a Chaos Toolkit journal, an AWS FIS
experiment, an ARC Region switch plan execution, an incident channel's
timestamps, or drsim's own timelines. :func:`import_timeline` reads one file in
any of these formats (:data:`FORMATS`), maps the tool's records to drsim events
(each format's default mapping is in its module's docstring and the README;
``overrides`` replace it by record name, :mod:`.mapping`), turns absolute times
into seconds since the fault, and returns the timeline
(:data:`drsim.timeline.COLUMNS`, ``source`` ``incident`` or ``aws``) with the
records it could not place (:class:`Imported`). Setting imported runs beside the
simulation is :mod:`drsim.compare.postmortem`'s work.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.imports import arc, chaostoolkit, drsim_timeline, fis, incident
from drsim.gameday.imports.mapping import Record, Target, parse_map_options
from drsim.gameday.imports.place import Imported, place
from drsim.gameday.imports.times import epoch_s

FORMATS = {m.FORMAT: m for m in (drsim_timeline, chaostoolkit, fis, arc, incident)}
"""Format name -> its importer module (``read``, ``default_target``, ``DEFAULT_MAPPING``)."""

__all__ = ["FORMATS", "Imported", "Target", "detect_format", "import_files", "import_run",
           "import_timeline", "parse_map_options"]


def detect_format(path: Path) -> str:
    """The format of ``path`` from its suffix and content: a ``.jsonl`` or a CSV with
    drsim's columns is ``drsim``, a CSV starting ``timestamp,event`` ``incident``; a JSON
    object with ``executionId`` is ``arc``, with ``experiment`` and ``run``/``status``
    ``chaostoolkit``, with ``experiment`` alone ``fis``."""
    if path.suffix == ".jsonl":
        return "drsim"
    try:
        head = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DrsimError(f"{path}: not UTF-8 text") from None
    if path.suffix == ".csv" or not head.lstrip().startswith("{"):
        first = head.splitlines()[0] if head.strip() else ""
        cols = [c.strip() for c in first.split(",")]
        if cols[:2] == ["timestamp", "event"]:
            return "incident"
        if {"run_id", "t_s", "event"} <= set(cols):
            return "drsim"
        raise DrsimError(f"{path}: line 1: columns {first} are neither a drsim timeline's "
                         "(run_id,source,t_s,event,component,detail) nor an incident CSV's "
                         "(timestamp,event[,component,detail]); or give --format")
    try:
        data = json.loads(head)
    except ValueError as err:
        raise DrsimError(f"{path}: not JSON ({err})") from None
    if isinstance(data, dict) and "executionId" in data:
        return "arc"
    if isinstance(data, dict) and "experiment" in data:
        return "chaostoolkit" if ("run" in data or "status" in data) else "fis"
    raise DrsimError(f"{path}: not a Chaos Toolkit journal (experiment, status, run), an FIS "
                     "GetExperiment response (experiment) nor an ARC GetPlanExecution response "
                     "(executionId); or give --format")


def import_timeline(path, fmt: str = "auto", *, overrides: dict[str, Target] | None = None,
                    fault_at: str | None = None, scenario=None) -> Imported:
    """Read one file as a timeline.

    Parameters
    ----------
    path : the file.
    fmt : one of :data:`FORMATS`, or ``auto`` (:func:`detect_format`).
    overrides : targets by record name (:func:`drsim.gameday.imports.mapping.parse_map_options`).
    fault_at : the fault moment, ISO-8601 with ``Z`` or an offset (``--fault-at``),
        or None: the record's own (its ``fault_injected``).
    scenario : the scenario the run played, or None; with it, runbook steps must be
        its runbook's and an undetailed ``failover_decided`` says how it decides.
    """
    path = Path(path)
    module = _module(path, fmt)
    fault_t = epoch_s(fault_at, "--fault-at") if fault_at is not None else None
    return place(path, module.FORMAT, module.read(path), module.default_target, overrides=overrides,
                 fault_at=fault_t, scenario=scenario,
                 no_fault_hint=getattr(module, "NO_FAULT_HINT", ""))


def import_files(paths, fmt: str = "auto", *, overrides: dict[str, Target] | None = None,
                 fault_at: str | None = None, one_run: bool = False,
                 scenario=None) -> list[Imported]:
    """Each file of ``paths`` as :func:`import_timeline` reads it, or with ``one_run``
    all of them as one run (:func:`import_run`); a run that two files both hold is
    refused (it would count twice). Parameters as :func:`import_timeline`'s."""
    if one_run:
        imports = [import_run(paths, fmt, overrides=overrides, fault_at=fault_at,
                              scenario=scenario)]
    else:
        imports = [import_timeline(path, fmt, overrides=overrides, fault_at=fault_at,
                                   scenario=scenario) for path in paths]
    seen: dict[str, Path] = {}
    for imp in imports:
        for run_id in imp.run_ids:
            if run_id in seen:
                raise DrsimError(f"{imp.path}: run {run_id!r} is also in {seen[run_id]}; give "
                                 "each run once")
            seen[run_id] = imp.path
    return imports


def _module(path: Path, fmt: str):
    if not path.is_file():
        raise DrsimError(f"{path}: no such file")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise DrsimError(f"--format: {fmt!r} is not one of auto, {', '.join(FORMATS)}")
    return FORMATS[fmt]


def import_run(paths, fmt: str = "auto", *, overrides: dict[str, Target] | None = None,
               fault_at: str | None = None, scenario=None) -> Imported:
    """Several files that recorded ONE run, as one run: e.g. the FIS experiment that
    injected the fault (the fault moment), the ARC plan execution that failed over
    (decision, steps, recovery) and the incident channel's rows (detection, pages).

    Each file's records are mapped by its own format's default mapping (and
    ``overrides``); the fault moment is ``fault_at`` or the earliest
    ``fault_injected`` of any of them. drsim timelines (already in seconds since
    their own fault) cannot be merged with records in clock time. Parameters as
    :func:`import_timeline`'s.
    """
    paths = [Path(p) for p in paths]
    read: list[tuple[Record, object, Path]] = []
    for path in paths:
        module = _module(path, fmt)
        if module is drsim_timeline:
            raise DrsimError(f"{path}: a drsim timeline is already one run in seconds since "
                             "its fault; only records in clock time (chaostoolkit, fis, arc, "
                             "incident) are merged into one run")
        read += [(rec, module, path) for rec in module.read(path)]
    run_id = " + ".join(dict.fromkeys(rec.run_id for rec, _, _ in read))
    source = "aws" if all(rec.source == "aws" for rec, _, _ in read) else "incident"
    records = [replace(rec, run_id=run_id, source=source, file=str(path))
               for rec, _, path in read]
    modules = {id(merged): module for merged, (_, module, _) in zip(records, read)}
    fmts = "+".join(dict.fromkeys(modules[id(r)].FORMAT for r in records))
    hints = "; ".join(dict.fromkeys(getattr(m, "NO_FAULT_HINT", "") for m in modules.values()))
    imp = place(paths[0], fmts, records,
                lambda rec, steps: modules[id(rec)].default_target(rec, steps),
                overrides=overrides, scenario=scenario, no_fault_hint=hints,
                fault_at=epoch_s(fault_at, "--fault-at") if fault_at is not None else None)
    return replace(imp, merged_with=tuple(paths[1:]))
