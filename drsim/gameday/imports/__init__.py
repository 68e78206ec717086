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
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.imports import arc, chaostoolkit, drsim_timeline, fis, incident
from drsim.gameday.imports.mapping import Target, parse_map_options
from drsim.gameday.imports.place import Imported, place
from drsim.gameday.imports.times import epoch_s

FORMATS = {m.FORMAT: m for m in (drsim_timeline, chaostoolkit, fis, arc, incident)}
"""Format name -> its importer module (``read``, ``default_target``, ``DEFAULT_MAPPING``)."""

__all__ = ["FORMATS", "Imported", "Target", "detect_format", "import_timeline",
           "parse_map_options"]


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
    if not path.is_file():
        raise DrsimError(f"{path}: no such file")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in FORMATS:
        raise DrsimError(f"--format: {fmt!r} is not one of auto, {', '.join(FORMATS)}")
    module = FORMATS[fmt]
    fault_t = epoch_s(fault_at, "--fault-at") if fault_at is not None else None
    return place(path, fmt, module.read(path), module.default_target, overrides=overrides,
                 fault_at=fault_t, scenario=scenario,
                 no_fault_hint=getattr(module, "NO_FAULT_HINT", ""))
