"""How a tool's records become drsim events: the mapping and its overrides.

Every importer reads its file into :class:`Record` s: something with a name
(a Chaos Toolkit activity's name, an FIS action's name, an ARC step's name, an
incident row's ``event`` text), a start, maybe an end, and a status. A mapping
says what each name becomes in the shared timeline (:data:`drsim.timeline.EVENTS`):

``EVENT``
    that event at the record's start (an instant record: at its time);
``EVENT@end``
    that event at the record's end;
``step``
    ``step_started`` at the start and ``step_finished`` at the end (``step_failed``
    when the record failed), the component the record's name (lower case, runs of
    other characters as ``_``: ``Promote-Database`` is ``promote_database``);
``step:NAME``
    the same with the component ``NAME`` (a step of the scenario's runbook).

Each importer has a documented default mapping; ``--map NAME=TARGET`` (repeatable)
and ``--map-file FILE`` (YAML: ``{NAME: TARGET, ...}``) override it by record name
(compared in the normalised form above, so ``--map kill-region=...`` finds
``Kill Region``). A record that no mapping places is kept in the import's
``unplaced`` list, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from drsim.errors import DrsimError
from drsim.timeline import EVENTS

STEP_EVENTS = ("step_started", "step_finished", "step_failed")


def normalised(name: str) -> str:
    """``name`` as it is matched: lower case, runs of non-alphanumerics as ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


@dataclass(frozen=True)
class Target:
    """What a record becomes: ``event`` at its ``at`` (``start`` or ``end``), or a
    runbook step (``event == "step"``) whose component is ``step`` (None: the
    record's normalised name)."""

    event: str
    at: str = "start"
    step: str | None = None

    def __str__(self) -> str:
        if self.event == "step":
            return f"step:{self.step}" if self.step else "step"
        return self.event if self.at == "start" else f"{self.event}@end"


def parse_target(text, where: str) -> Target:
    """A mapping target (``EVENT``, ``EVENT@end``, ``step``, ``step:NAME``), or DrsimError."""
    allowed = f"one of {', '.join(EVENTS)} (optionally @end), step or step:NAME"
    if not isinstance(text, str) or not text.strip():
        raise DrsimError(f"{where}: target {text!r} is not {allowed}")
    text = text.strip()
    if text == "step":
        return Target("step")
    if text.startswith("step:"):
        step = text[5:].strip()
        if not step:
            raise DrsimError(f"{where}: step: needs a runbook step name (step:promote_database)")
        return Target("step", step=step)
    event, _, at = text.partition("@")
    if event not in EVENTS or event in STEP_EVENTS or at not in ("", "end"):
        hint = " (runbook steps are mapped with step or step:NAME)" if event in STEP_EVENTS else ""
        raise DrsimError(f"{where}: target {text!r} is not {allowed}{hint}")
    return Target(event, "end" if at else "start")


def parse_map_options(items, map_file=None) -> dict[str, Target]:
    """The overrides of ``--map-file FILE`` then ``--map NAME=TARGET`` (later wins),
    keyed by normalised name."""
    out: dict[str, Target] = {}
    if map_file is not None:
        out.update(read_map_file(map_file))
    for item in items or ():
        name, eq, target = str(item).partition("=")
        if not eq or not name.strip():
            raise DrsimError(f"--map {item!r}: write NAME=TARGET, e.g. --map "
                             "kill-primary=fault_injected or --map promote-aurora=step:promote_database")
        out[normalised(name)] = parse_target(target, f"--map {item!r}")
    return out


def read_map_file(path) -> dict[str, Target]:
    """A YAML mapping file ``{NAME: TARGET, ...}``, keyed by normalised name."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DrsimError(f"--map-file {path}: no such file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise DrsimError(f"--map-file {path}: not YAML ({err})") from None
    if not isinstance(data, dict):
        raise DrsimError(f"--map-file {path}: a mapping file is a YAML mapping of NAME: TARGET")
    return {normalised(k): parse_target(v, f"{path}: {k}") for k, v in data.items()}


@dataclass(frozen=True)
class Record:
    """One thing a tool recorded, before it is mapped.

    name : what a mapping matches (normalised with :func:`normalised`).
    start_t, end_t : Unix epoch seconds (UTC); ``end_t`` None for an instant. [s]
    failed : the tool says it failed (a failed step becomes ``step_failed``).
    kind : what the record is in the tool's terms (``action``, ``probe``, ``step``...).
    component, detail : carried into the timeline (component: default for events).
    where : file and position, for messages (``journal.json: run[2]``).
    relative : the times are already seconds since the fault (a drsim timeline).
    run_id, source : the run it belongs to and the timeline's source (set by the importer).
    file : the file it came from, when several files make one run (else the import's).
    """

    name: str
    start_t: float
    where: str
    end_t: float | None = None
    failed: bool = False
    kind: str = ""
    component: str = ""
    detail: str = ""
    relative: bool = False
    run_id: str = ""
    source: str = "incident"
    file: str = ""
