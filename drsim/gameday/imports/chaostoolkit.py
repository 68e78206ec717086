"""Chaos Toolkit journals (``journal.json``, written by ``chaos run``).

The format is the Chaos Toolkit journal specification
(https://chaostoolkit.org/reference/api/journal/): an object with ``experiment``,
``status``, ``start``, ``end``, ``duration`` and the activity results ``run``
(the method) and ``rollbacks``, each ``{"activity": {"type": "action"|"probe",
"name": ...}, "status": "succeeded"|"failed", "start", "end", "duration",
"output"}``; ``steady_states.before/after.probes`` hold the hypothesis' probes.
Times are RFC 3339 in UTC (chaoslib writes them without an offset: read as UTC).

Default mapping (records are the activities of ``run``, then ``rollbacks``, then
the ``after`` hypothesis' probes; the ``before`` probes ran before the fault):

=========================================================  ==============================
an action whose name contains a failure mode               ``fault_injected`` at its start
(``region_outage``, ``app_crash``..., ``fault``, ``inject``)
no such action: the method's first action                  ``fault_injected`` at its start
an action named like a step of the scenario's runbook      ``step_started`` / ``step_finished``
                                                           (``step_failed`` if it failed)
an activity named like a drsim event (``dns_switched``,    that event at its end (when it
``recovered``, ``probe_recovered``...)                     succeeded)
anything else                                              unplaced
=========================================================  ==============================
"""

from __future__ import annotations

import json
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.imports.mapping import STEP_EVENTS, Record, Target, normalised
from drsim.gameday.imports.times import utc_time
from drsim.scenario.model import FAILURE_MODES
from drsim.timeline import EVENTS

FORMAT = "chaostoolkit"
REQUIRED = ("experiment", "status", "start", "end")
FAULT_WORDS = (*FAILURE_MODES, "fault", "inject")
"""Words that make an action the fault (in its normalised name)."""
DEFAULT_MAPPING = (
    (("an action whose name contains a failure mode, `fault` or `inject` (else the first "
     "action of the method)"), "`fault_injected` at its start"),
    ("an action named like a runbook step of the scenario", ("`step_started` / `step_finished` "
     "(`step_failed` if it failed), component the step")),
    ("an activity named like a drsim event (`dns_switched`, `recovered`...)",
     "that event at its end, if it succeeded"),
    ("anything else (probes of the hypothesis, rollbacks...)", "unplaced"))
NO_FAULT_HINT = "no action in the journal's run"


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise DrsimError(f"{path}: not JSON ({err})") from None
    missing = [k for k in REQUIRED if not isinstance(data, dict) or k not in data]
    if missing:
        raise DrsimError(f"{path}: missing {', '.join(missing)}; a Chaos Toolkit journal has "
                         f"{', '.join(REQUIRED)} and run (https://chaostoolkit.org/reference/"
                         "api/journal/)")
    if not isinstance(data.get("run", []), list):
        raise DrsimError(f"{path}: run is not a list of activity results")
    return data


def _record(result, where: str, run_id: str, fault: bool) -> Record:
    if not isinstance(result, dict) or not isinstance(result.get("activity"), dict):
        raise DrsimError(f"{where}: an activity result is an object with activity, status, "
                         "start, end")
    act = result["activity"]
    missing = [k for k in ("start", "end") if k not in result] + \
              [f"activity.{k}" for k in ("type", "name") if k not in act]
    if missing:
        raise DrsimError(f"{where}: missing {', '.join(missing)}; an activity result has "
                         "activity {type, name}, status, start, end")
    kind = str(act["type"])
    if kind not in ("action", "probe"):
        raise DrsimError(f"{where}: activity.type {kind!r} is not action or probe")
    status = str(result.get("status", ""))
    return Record(str(act["name"]), utc_time(result["start"], f"{where}: start"), where,
                  end_t=utc_time(result["end"], f"{where}: end"), failed=status == "failed",
                  kind=kind if not fault else "fault action", component=str(act["name"]),
                  detail=f"{kind} {status}".strip(), run_id=run_id)


def read(path: Path) -> list[Record]:
    """The journal's activities as records (kind ``action``, ``probe``; the fault's
    action ``fault action``)."""
    data = _load(path)
    run_id = f"{path.stem}/{data['start']}"
    run = data.get("run", [])
    actions = [i for i, r in enumerate(run) if isinstance(r, dict)
               and isinstance(r.get("activity"), dict) and r["activity"].get("type") == "action"]
    named = [i for i in actions
             if any(w in normalised(run[i]["activity"].get("name", "")) for w in FAULT_WORDS)]
    fault = named[0] if named else (actions[0] if actions else None)
    out = [_record(r, f"{path}: run[{i}]", run_id, i == fault) for i, r in enumerate(run)]
    rollbacks = data.get("rollbacks") or []
    out += [_record(r, f"{path}: rollbacks[{i}]", run_id, False) for i, r in enumerate(rollbacks)]
    after = ((data.get("steady_states") or {}).get("after") or {}).get("probes") or []
    out += [_record(r, f"{path}: steady_states.after.probes[{i}]", run_id, False)
            for i, r in enumerate(after)]
    return out


def default_target(rec: Record, steps: tuple[str, ...]) -> Target | None:
    name = normalised(rec.name)
    if rec.kind == "fault action":
        return Target("fault_injected")
    if rec.kind == "action" and name in steps:
        return Target("step", step=name)
    if name in EVENTS and name not in STEP_EVENTS and not rec.failed:
        return Target(name, "end")
    return None
